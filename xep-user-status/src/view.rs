//! The client's view of its contacts' statuses: a sans-I/O state machine.
//!
//! [`ContactView`] takes what a client receives (PEP notifications, items results,
//! the contacts' own presence) and keeps, per contact bare JID, the status to show and
//! when it was set. It never reads a clock and never sends anything: every input
//! carries `now`, and outputs are [`Event`]s drained with [`ContactView::poll_event`].
//! It has no timers (a status does not expire), so there is no `poll_timeout`.
//!
//! After any `handle_*` call, drain [`ContactView::poll_event`] until `None`:
//!
//! ```no_run
//! # use xep_user_status::view::{Config, ContactView, Event};
//! # fn wall_clock() -> chrono::DateTime<chrono::Utc> { unimplemented!() }
//! # fn next_stanza() -> minidom::Element { unimplemented!() }
//! # fn redraw(_: &xep_user_status::view::Shown) {}
//! let account: jid::BareJid = "romeo@montague.net".parse().unwrap();
//! let mut view = ContactView::new(Config::new(account), wall_clock());
//! loop {
//!     let stanza = next_stanza();
//!     match stanza.name() {
//!         "message" => view.handle_message(wall_clock(), &stanza),
//!         "presence" => view.handle_presence(wall_clock(), &stanza),
//!         _ => false,
//!     };
//!     while let Some(event) = view.poll_event() {
//!         if let Event::Changed { contact } = event {
//!             if let Some(shown) = view.contact(&contact) {
//!                 redraw(&shown);
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! The rules:
//!
//! * Only the contact's own PEP service speaks for it: a notification must come from
//!   the contact's bare JID (XEP-0163: "The server MUST set the 'from' address on the
//!   notification to the bare JID of the account owner"), or carry no `from` for the
//!   account itself, and name the status node. Anything else is refused and reported
//!   ([`Event::Refused`]), never shown.
//! * A retraction, a purge or the deletion of the node leaves the contact with no
//!   status; a cleared item leaves it with a cleared one; neither shows a text.
//! * Out-of-order input does not win: each input has a time it speaks for (the
//!   `<delay/>` stamp of a late notification, the arrival of a live one, the time an
//!   items request was sent), and an input older than what the view already holds is
//!   ignored ([`Event::Ignored`]).
//! * A text that the contact's presence already shows in `<status/>` is not shown a
//!   second time (INTEROP P18): [`Shown::duplicate_of_presence`].
//! * Texts are passed through the configured [`DisplayPolicy`].
//!
//! Serialisable, so that a client can save and restore it; pending events are not
//! saved: drain them first. Each input costs work proportional to the contact it is
//! about (ordered maps, no scans of the whole state).

use alloc::collections::{BTreeMap, VecDeque};

use jid::{BareJid, Jid};
use minidom::Element;
use xep_core::lang::{Lang, LangMap};
use xep_core::reading::Deviation;
use xep_core::time::Time;
use xmpp_parsers::message::Message;
use xmpp_parsers::presence::Presence;

use crate::display::DisplayPolicy;
use crate::payload::{NoStatus, State};
use crate::pep::{NODE, Notification, Update};

/// How the view behaves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Config {
    /// The client's own account: a notification or result without `from` is from it.
    #[serde(with = "bare_jid")]
    pub account: BareJid,
    /// The user's language preferences, most preferred first (BCP 47 ranges).
    pub languages: Vec<String>,
    /// How texts are made fit to show.
    pub display: DisplayPolicy,
}

impl Config {
    /// Defaults: no language preference, [`DisplayPolicy::default`].
    pub fn new(account: BareJid) -> Self {
        Self {
            account,
            languages: Vec::new(),
            display: DisplayPolicy::default(),
        }
    }

    /// The same, with these language preferences.
    #[must_use]
    pub fn with_languages<I, S>(mut self, languages: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// The same, with another display policy.
    #[must_use]
    pub fn with_display(mut self, display: DisplayPolicy) -> Self {
        self.display = display;
        self
    }
}

mod bare_jid {
    use jid::BareJid;

    pub(super) fn serialize<S: serde::Serializer>(jid: &BareJid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(jid)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BareJid, D::Error> {
        let text = <alloc::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A bare JID as a map key, saved as its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key(BareJid);

impl serde::Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bare_jid::serialize(&self.0, s)
    }
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bare_jid::deserialize(d).map(Self)
    }
}

/// Why a notification or result was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Refusal {
    /// The sender is a full JID: notifications come from the account's bare JID, so
    /// this is someone's client pretending to be a PEP service.
    FullJid,
    /// It names another node than the status node.
    WrongNode,
    /// An items result from another JID than the contact it was asked of.
    WrongSender,
}

/// Why an accepted input did not change the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Ignored {
    /// It speaks for an earlier time than what the view holds.
    OutOfOrder,
    /// A retraction of another item than the one shown.
    OtherItem,
}

/// What the view tells its caller.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// What to show for this contact changed: read it with [`ContactView::contact`].
    Changed {
        /// Whose.
        contact: BareJid,
    },
    /// A status that may not speak for anyone: not shown.
    Refused {
        /// Who sent it (`None`: no `from`, the account's own server).
        from: Option<Jid>,
        /// The node it named.
        node: String,
        /// Why.
        reason: Refusal,
    },
    /// An accepted input that did not change anything.
    Ignored {
        /// Whose.
        contact: BareJid,
        /// Why.
        reason: Ignored,
    },
    /// The input departed from the spec (what was read is used; what could not be
    /// read is left out).
    Deviations {
        /// Whose.
        contact: BareJid,
        /// Each departure, in document order.
        deviations: Vec<Deviation>,
    },
}

/// The three states, without the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "reason")]
#[non_exhaustive]
pub enum Kind {
    /// A text is published.
    Text,
    /// Cleared.
    Cleared,
    /// No status at all, and why.
    NoStatus(NoStatus),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
enum Stored {
    Text { texts: LangMap },
    Cleared,
    NoStatus { reason: NoStatus },
}

impl Stored {
    fn kind(&self) -> Kind {
        match self {
            Self::Text { .. } => Kind::Text,
            Self::Cleared => Kind::Cleared,
            Self::NoStatus { reason } => Kind::NoStatus(*reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Entry {
    stored: Stored,
    item_id: Option<String>,
    /// The time the input that set it speaks for.
    as_of: Time,
    /// When the current state was first seen (kept across repeats of the same state).
    set_at: Time,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
struct Contact {
    pep: Option<Entry>,
    /// `<presence><status/>` texts per available resource ("" for a bare JID).
    presence: BTreeMap<String, Vec<String>>,
}

/// What to show for one contact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Shown {
    /// Whose.
    #[serde(with = "bare_jid")]
    pub contact: BareJid,
    /// Text, cleared or no status.
    pub kind: Kind,
    /// The text to show, made safe by the display policy; `None` when cleared, when
    /// there is no status, when presence already shows it, or when nothing is left
    /// after the policy.
    pub text: Option<String>,
    /// The language of the text chosen (`None` for the untagged one).
    pub lang: Option<Lang>,
    /// Whether the display policy cut it.
    pub truncated: bool,
    /// When the state was set, as far as the client can tell (the delay stamp of a
    /// late notification, the arrival of a live one, the request time of an items
    /// result).
    pub set_at: Time,
    /// Whether the text is not shown because the contact's `<presence><status/>`
    /// already says the same (P18).
    pub duplicate_of_presence: bool,
}

/// The contact view machine; see the [module docs](self) for its inputs, outputs and
/// run loop.
///
/// # Lifecycle of one contact's status
///
/// ```text
///                 item with text            item with text
///   (unknown) ─────────────────────► Text ◄────────────────┐
///       │  │                          │ ▲                  │
///       │  │ empty <status/>,         │ │ item with text   │
///       │  │ blank <text/>            ▼ │                  │
///       │  └─────────────────────► Cleared                 │
///       │                             │                    │
///       │ empty items result,         │ retract 'current', │
///       │ item-not-found              │ purge, delete      │
///       ▼                             ▼                    │
///   NoStatus(not-published) ◄──► NoStatus(retracted | purged | deleted)
///
///   Every transition needs an input whose time is at or after the time of the input
///   that made the current state (out of order: Event::Ignored); a retraction of an
///   item other than the one shown is ignored. Refused input (full JID, other node)
///   changes nothing. Text is shown unless <presence><status/> already says it.
/// ```
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ContactView {
    config: Config,
    now: Time,
    contacts: BTreeMap<Key, Contact>,
    #[serde(skip)]
    events: VecDeque<Event>,
}

/// White space collapsed, for comparing texts (P18).
fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl ContactView {
    /// A view that knows nothing yet.
    pub fn new(config: Config, now: Time) -> Self {
        Self {
            config,
            now,
            contacts: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next output, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn advance(&mut self, now: Time) -> Time {
        if now > self.now {
            self.now = now;
        }
        self.now
    }

    /// A `<message/>` (raw element, any stanza namespace): applies the user status
    /// event it carries. Returns whether it was about user status (even if refused).
    pub fn handle_message(&mut self, now: Time, message: &Element) -> bool {
        let now = self.advance(now);
        let Ok(reading) = Notification::read_message(message) else {
            return false;
        };
        let Some(notification) = reading.value else {
            return false;
        };
        // A late notification speaks for its delay stamp, never for the future (a
        // sender's clock ahead of ours must not freeze the view).
        let as_of = notification.delay.map_or(now, |stamp| stamp.min(now));
        self.apply(&notification, None, as_of, reading.deviations);
        true
    }

    /// The `<message/>` of xmpp-parsers (see [`handle_message`](Self::handle_message)).
    pub fn handle_message_stanza(&mut self, now: Time, message: &Message) -> bool {
        self.handle_message(now, &Element::from(message.clone()))
    }

    /// An `<iq/>` answering [`items_request`](crate::pep::items_request) sent to
    /// `contact` at `requested_at` (the result, or an `item-not-found` error). The
    /// caller has matched it to its request by id; the view checks that it comes from
    /// `contact`. Returns whether it was about user status.
    pub fn handle_items_result(
        &mut self,
        now: Time,
        requested_at: Time,
        contact: &BareJid,
        iq: &Element,
    ) -> bool {
        let now = self.advance(now);
        let Ok(reading) = Notification::read_items_result(iq) else {
            return false;
        };
        let Some(notification) = reading.value else {
            return false;
        };
        self.apply(
            &notification,
            Some(contact),
            requested_at.min(now),
            reading.deviations,
        );
        true
    }

    /// A `<presence/>` (raw element) from a contact: remembers its `<status/>` texts
    /// per resource, to avoid showing the same text twice. Returns whether it changed
    /// what is shown.
    pub fn handle_presence(&mut self, now: Time, presence: &Element) -> bool {
        self.advance(now);
        if presence.name() != "presence" {
            return false;
        }
        let Some(Ok(from)) = presence.attr("from").map(str::parse::<Jid>) else {
            return false;
        };
        let available = match presence.attr("type") {
            None => true,
            Some("unavailable") => false,
            Some(_) => return false,
        };
        let texts: Vec<String> = presence
            .children()
            .filter(|c| c.name() == "status" && c.ns() == presence.ns())
            .map(|c| normalised(&c.text()))
            .filter(|t| !t.is_empty())
            .collect();
        let contact = from.to_bare();
        let resource = from.resource().map_or("", |r| r.as_str()).to_owned();
        let before = self.contact(&contact);
        let key = Key(contact.clone());
        if available && !texts.is_empty() {
            self.contacts
                .entry(key)
                .or_default()
                .presence
                .insert(resource, texts);
        } else if let Some(entry) = self.contacts.get_mut(&key) {
            entry.presence.remove(&resource);
            if entry.pep.is_none() && entry.presence.is_empty() {
                self.contacts.remove(&key);
            }
        }
        self.changed(contact, before)
    }

    /// The `<presence/>` of xmpp-parsers (see [`handle_presence`](Self::handle_presence)).
    pub fn handle_presence_stanza(&mut self, now: Time, presence: &Presence) -> bool {
        self.handle_presence(now, &Element::from(presence.clone()))
    }

    /// The contact left the roster: forgets everything about it.
    pub fn handle_contact_removed(&mut self, now: Time, contact: &BareJid) {
        self.advance(now);
        let before = self.contact(contact);
        self.contacts.remove(&Key(contact.clone()));
        self.changed(contact.clone(), before);
    }

    /// What to show for `contact`: `None` when no status was ever learnt.
    pub fn contact(&self, contact: &BareJid) -> Option<Shown> {
        let entry = self.contacts.get(&Key(contact.clone()))?;
        let pep = entry.pep.as_ref()?;
        let mut shown = Shown {
            contact: contact.clone(),
            kind: pep.stored.kind(),
            text: None,
            lang: None,
            truncated: false,
            set_at: pep.set_at,
            duplicate_of_presence: false,
        };
        if let Stored::Text { texts } = &pep.stored {
            let ranges: Vec<&str> = self.config.languages.iter().map(String::as_str).collect();
            if let Some((lang, text)) = texts.best_match_entry(&ranges) {
                let text_normalised = normalised(text);
                shown.lang = lang.cloned();
                shown.duplicate_of_presence = entry
                    .presence
                    .values()
                    .flatten()
                    .any(|p| *p == text_normalised);
                if !shown.duplicate_of_presence {
                    let displayed = self.config.display.apply(text);
                    shown.truncated = displayed.truncated;
                    shown.text = (!displayed.text.is_empty()).then_some(displayed.text);
                }
            }
        }
        Some(shown)
    }

    /// Every contact with a known status (text, cleared or none), in JID order.
    pub fn contacts(&self) -> impl Iterator<Item = Shown> + '_ {
        self.contacts.keys().filter_map(|k| self.contact(&k.0))
    }

    fn changed(&mut self, contact: BareJid, before: Option<Shown>) -> bool {
        let after = self.contact(&contact);
        let changed = after != before;
        if changed {
            self.events.push_back(Event::Changed { contact });
        }
        changed
    }

    fn apply(
        &mut self,
        notification: &Notification,
        asked: Option<&BareJid>,
        as_of: Time,
        deviations: Vec<Deviation>,
    ) {
        let refuse = |reason, node: &str| Event::Refused {
            from: notification.from.clone(),
            node: node.to_owned(),
            reason,
        };
        let first_node = notification
            .updates
            .first()
            .map_or(NODE, |u| u.node.as_str());
        // "The server MUST set the 'from' address on the notification to the bare JID
        // of the account owner" (XEP-0163): a full JID is not a PEP service.
        if notification
            .from
            .as_ref()
            .is_some_and(|f| f.resource().is_some())
        {
            self.events.push_back(refuse(Refusal::FullJid, first_node));
            return;
        }
        let contact = notification.who(&self.config.account);
        if asked.is_some_and(|a| *a != contact) {
            self.events
                .push_back(refuse(Refusal::WrongSender, first_node));
            return;
        }
        if !deviations.is_empty() {
            self.events.push_back(Event::Deviations {
                contact: contact.clone(),
                deviations,
            });
        }
        let before = self.contact(&contact);
        for update in &notification.updates {
            if update.node != NODE {
                self.events
                    .push_back(refuse(Refusal::WrongNode, &update.node));
                continue;
            }
            self.apply_update(&contact, as_of, update);
        }
        if self
            .contacts
            .get(&Key(contact.clone()))
            .is_some_and(|c| c.pep.is_none() && c.presence.is_empty())
        {
            self.contacts.remove(&Key(contact.clone()));
        }
        self.changed(contact, before);
    }

    fn apply_update(&mut self, contact: &BareJid, as_of: Time, update: &Update) {
        let entry = self.contacts.entry(Key(contact.clone())).or_default();
        let ignored = |reason| Event::Ignored {
            contact: contact.clone(),
            reason,
        };
        if let Some(current) = &entry.pep {
            if as_of < current.as_of {
                self.events.push_back(ignored(Ignored::OutOfOrder));
                return;
            }
            let other_item = matches!(update.state, State::NoStatus(NoStatus::Retracted))
                && matches!(current.stored, Stored::Text { .. } | Stored::Cleared)
                && matches!((&update.item_id, &current.item_id), (Some(a), Some(b)) if a != b);
            if other_item {
                self.events.push_back(ignored(Ignored::OtherItem));
                return;
            }
        }
        let stored = match &update.state {
            State::Text(status) => Stored::Text {
                texts: status.texts.clone(),
            },
            State::Cleared => Stored::Cleared,
            State::NoStatus(reason) => Stored::NoStatus { reason: *reason },
        };
        let set_at = match &entry.pep {
            Some(current) if current.stored == stored => current.set_at,
            _ => as_of,
        };
        let item_id = match update.state {
            State::NoStatus(_) => None,
            _ => update.item_id.clone(),
        };
        entry.pep = Some(Entry {
            stored,
            item_id,
            as_of,
            set_at,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_collapses_white_space() {
        assert_eq!(normalised("  a \n b "), "a b");
    }

    #[test]
    fn kind_serialises_with_its_reason() {
        let json = serde_json::to_string(&Kind::NoStatus(NoStatus::Retracted)).unwrap();
        assert_eq!(json, "{\"state\":\"no-status\",\"reason\":\"retracted\"}");
        assert_eq!(
            serde_json::to_string(&Kind::Text).unwrap(),
            "{\"state\":\"text\"}"
        );
    }
}

//! The client's view of its server's outages: a sans-I/O state machine.
//!
//! [`OutageTracker`] takes what a client learns, from wherever it comes, and keeps the
//! list a user should see:
//!
//! * in-band pubsub events and retractions (seed, v0.2), and the items of a node fetch;
//! * status files fetched over HTTP (any version), with the time they were fetched;
//! * disco#info results of the server, from which it keeps the status file addresses
//!   in a cache that outlives the server being down.
//!
//! It never reads a clock: every input carries `now` (wall-clock UTC, because outages are
//! dated and the state is meant to be saved and restored across runs). It never fetches
//! anything: when the server is unreachable it asks, through
//! [`Event::FetchStatusFile`], for the cached addresses to be fetched, and the caller
//! hands the bodies back with [`OutageTracker::handle_status_file`].
//!
//! After any `handle_*` call, drain [`OutageTracker::poll_event`] until `None`, then
//! sleep until [`OutageTracker::poll_timeout`] and call
//! [`OutageTracker::handle_timeout`].
//!
//! ```no_run
//! # use xep_sos::tracker::{Config, OutageTracker, Event};
//! # fn wall_clock() -> chrono::DateTime<chrono::Utc> { unimplemented!() }
//! # fn fetch(_url: &str) -> (chrono::DateTime<chrono::Utc>, String) { unimplemented!() }
//! let server: jid::BareJid = "example.org".parse().unwrap();
//! let mut tracker = OutageTracker::new(Config::new(server), wall_clock());
//! tracker.handle_server_unreachable(wall_clock());
//! loop {
//!     while let Some(event) = tracker.poll_event() {
//!         if let Event::FetchStatusFile { addresses } = event {
//!             for url in &addresses {
//!                 let (fetched_at, body) = fetch(url);
//!                 tracker.handle_status_file(wall_clock(), fetched_at, url, &body);
//!             }
//!         }
//!     }
//!     let view = tracker.view(); // show it
//!     # let _ = view;
//!     // ... sleep until tracker.poll_timeout(), then:
//!     tracker.handle_timeout(wall_clock());
//! }
//! ```
//!
//! The lifecycle of one outage is drawn on [`OutageTracker`].
//!
//! Out-of-order and repeated input is expected: an end may arrive before its outage
//! (the outage is then resolved on arrival), the same item may be delivered twice (no
//! second event), and an older status file fetched late is ignored.
//!
//! Cost: each input costs work proportional to the outages it changes (ordered
//! indexes, no scans of the whole state); [`OutageTracker::view`] is proportional to
//! what it shows.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use core::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use jid::{BareJid, Jid};
use minidom::Element;
use xep_core::lang::LangMap;
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::message::Message;
use xmpp_parsers::pubsub::ItemId;
use xmpp_parsers::pubsub::event::{Event as PubSubEvent, Payload};

use crate::disco::ExternalStatusAddresses;
use crate::items::{OutageItem, parse_item_id};
use crate::status::{Messages, OutageScope, StatusFile};
use crate::{Timestamp, Version, ns};

/// How the tracker behaves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Config {
    /// The server whose outages are tracked. Its bare JID is the only entity allowed to
    /// send outage events (v0.2: the node lives "on its bare JID").
    #[serde(with = "bare_jid")]
    pub server: BareJid,
    /// The user's language preferences, most preferred first (BCP 47 ranges).
    pub languages: Vec<String>,
    /// How long a resolved outage stays in the view after its end.
    pub resolved_display: Duration,
    /// How long discovered status file addresses count as fresh. After that they are
    /// still used (a stale address beats none when the server is down) and an
    /// [`Event::AddressesStale`] asks for a new disco#info query.
    pub address_ttl: Duration,
    /// How often to ask for the status file while the server is unreachable.
    pub poll_interval: Duration,
}

impl Config {
    /// Defaults: no language preference, resolved outages shown for 10 minutes,
    /// addresses fresh for 7 days ("a reasonable amount of time (several days)"), the
    /// status file polled every 5 minutes while the server is down.
    pub fn new(server: BareJid) -> Self {
        Self {
            server,
            languages: Vec::new(),
            resolved_display: Duration::from_secs(10 * 60),
            address_ttl: Duration::from_secs(7 * 24 * 3600),
            poll_interval: Duration::from_secs(5 * 60),
        }
    }

    /// The same, with these language preferences.
    pub fn with_languages<I, S>(mut self, languages: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// The same, with another display time for resolved outages.
    pub fn with_resolved_display(mut self, display: Duration) -> Self {
        self.resolved_display = display;
        self
    }

    /// The same, with another freshness time for the address cache.
    pub fn with_address_ttl(mut self, ttl: Duration) -> Self {
        self.address_ttl = ttl;
        self
    }

    /// The same, with another polling interval while the server is down.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
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

/// `t + d`, saturating at the latest time chrono can hold (a configured duration of
/// years, or a date near the end of the range, must not panic).
fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Which outage an event or a view entry is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum OutageKey {
    /// An in-band `<outage/>`, by its item id (its beginning).
    InBand(Timestamp),
    /// The outage of the status file, by its `beginning`.
    File(Timestamp),
}

/// Why an in-band event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// It did not come from the server's bare JID.
    WrongSender,
    /// It came from the server, but for a node other than the outage node.
    WrongNode,
}

/// What the tracker tells its caller.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A new outage is in the view, upcoming or ongoing.
    Announced {
        /// Which.
        key: OutageKey,
        /// Whether it has not started yet.
        upcoming: bool,
    },
    /// An upcoming outage has begun.
    Started {
        /// Which.
        key: OutageKey,
    },
    /// An outage's description, expected end or flags changed.
    Updated {
        /// Which.
        key: OutageKey,
    },
    /// An outage is over; it stays in the view as resolved for a while, if its end is
    /// recent.
    Resolved {
        /// Which.
        key: OutageKey,
    },
    /// The end that resolved an outage was retracted: it is upcoming or ongoing again.
    Reopened {
        /// Which.
        key: OutageKey,
    },
    /// The publisher retracted an outage.
    Retracted {
        /// Which.
        key: OutageKey,
    },
    /// A resolved outage left the view.
    Gone {
        /// Which.
        key: OutageKey,
    },
    /// An outage event from someone else than the server's own node: not shown.
    Refused {
        /// Who sent it.
        from: Jid,
        /// The node it named.
        node: Option<String>,
        /// Why it was refused.
        reason: Refusal,
    },
    /// An item of the outage node that could not be read.
    InvalidItem {
        /// Its id, if any.
        id: Option<String>,
        /// What was wrong.
        error: String,
    },
    /// A fetched status file could not be read; the previous state is kept.
    StatusFileRejected {
        /// Where it came from.
        url: String,
        /// What was wrong.
        error: String,
    },
    /// The status file addresses changed.
    AddressesUpdated {
        /// The new list (every address, fetchable or not).
        addresses: Vec<String>,
    },
    /// The cached addresses are older than [`Config::address_ttl`]: query disco#info
    /// again when connected.
    AddressesStale,
    /// The server is unreachable: fetch the status file from these addresses (the
    /// fetchable ones, in order) and pass each body to
    /// [`OutageTracker::handle_status_file`].
    FetchStatusFile {
        /// `http:`/`https:` addresses to try, in order.
        addresses: Vec<String>,
    },
    /// The server is unreachable and no status file address is known.
    NoStatusAddresses,
}

/// The status file addresses last discovered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AddressCache {
    /// Every address the server listed, deduplicated.
    pub addresses: ExternalStatusAddresses,
    /// When they were discovered.
    pub discovered_at: DateTime<Utc>,
    /// Until when they count as fresh.
    pub fresh_until: DateTime<Utc>,
    stale_reported: bool,
}

impl AddressCache {
    /// Whether they are still fresh at `now`.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        now < self.fresh_until
    }
}

/// One outage as the user should see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Shown {
    /// Which outage.
    pub key: OutageKey,
    /// When it begins or began.
    pub beginning: Timestamp,
    /// When it should end, if known.
    pub expected_end: Option<Timestamp>,
    /// Whether it was planned, if said.
    pub planned: Option<bool>,
    /// Partial or complete, if said (status files of the seed and v0.2).
    pub scope: Option<OutageScope>,
    /// The best text for the user's languages.
    pub message: Option<String>,
    /// When it was resolved (resolved outages only).
    pub resolved_at: Option<Timestamp>,
    /// The end's text, for the user's languages (resolved in-band outages).
    pub resolution_message: Option<String>,
}

/// What to show the user now.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct View {
    /// Planned outages that have not begun, soonest first.
    pub upcoming: Vec<Shown>,
    /// Outages going on, oldest first.
    pub ongoing: Vec<Shown>,
    /// Outages resolved recently, shown briefly.
    pub resolved: Vec<Shown>,
}

impl View {
    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.upcoming.is_empty() && self.ongoing.is_empty() && self.resolved.is_empty()
    }

    /// Every key shown, in the order upcoming, ongoing, resolved.
    pub fn keys(&self) -> impl Iterator<Item = OutageKey> + '_ {
        self.upcoming
            .iter()
            .chain(&self.ongoing)
            .chain(&self.resolved)
            .map(|s| s.key)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct InBand {
    descriptions: LangMap,
    planned: Option<bool>,
    expected_end: Option<Timestamp>,
    /// The end that resolved it.
    resolved_by: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct FileOutage {
    beginning: Timestamp,
    expected_end: Option<Timestamp>,
    planned: Option<bool>,
    scope: Option<OutageScope>,
    message: Option<Messages>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct FileState {
    fetched_at: DateTime<Utc>,
    current: Option<FileOutage>,
    started: bool,
    /// The last outage the file described, after a `{}` or a new outage replaced it,
    /// until when it is shown, and when it was seen resolved.
    resolved: Option<(FileOutage, DateTime<Utc>, Timestamp)>,
}

/// The client lifecycle machine; see the [module docs](self) for its inputs, outputs
/// and run loop.
///
/// # Lifecycle of one outage
///
/// ```text
///   (unknown) ──<outage/>, id > now──► Upcoming ──now reaches id──► Ongoing
///       │ │                                │                         ▲  │
///       │ └───────<outage/>, id <= now─────┼─────────────────────────┘  │
///       │                                  │ end                        │ end
///       │ <outage/> after its end          ▼                            │
///       └─────────────────────────────► Resolved ◄──────────────────────┘
///                                          │ end time + resolved_display
///                                          ▼
///                                       (gone)
///
///   end: an <outage-end/> whose id is at or after the outage's id; for the status
///   file's outage, a fetched `{}` or a file describing another outage.
///   A retraction removes an outage from any state. Retracting the end that resolved
///   an outage re-resolves it with the next later end, or makes it Upcoming or
///   Ongoing again (Event::Reopened).
/// ```
///
/// Serialisable, so that a client can save it and restore it (the address cache is the
/// part that matters when the server is down at start-up). Pending events are not
/// saved: drain them first.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OutageTracker {
    config: Config,
    now: DateTime<Utc>,
    /// Every in-band outage known, by item id.
    outages: BTreeMap<Timestamp, InBand>,
    /// Every in-band end known, by item id, with its descriptions.
    ends: BTreeMap<Timestamp, LangMap>,
    /// In-band outages not resolved (an index into `outages`).
    active: BTreeSet<Timestamp>,
    /// Active in-band outages that have not begun.
    upcoming: BTreeSet<Timestamp>,
    /// Resolved in-band outages still shown, by the time they leave the view.
    shown_resolved: BTreeSet<(DateTime<Utc>, Timestamp)>,
    file: Option<FileState>,
    addresses: Option<AddressCache>,
    reachable: bool,
    next_fetch: Option<DateTime<Utc>>,
    #[serde(skip)]
    events: VecDeque<Event>,
}

impl OutageTracker {
    /// A tracker that knows nothing yet and assumes the server is reachable.
    pub fn new(config: Config, now: DateTime<Utc>) -> Self {
        Self {
            config,
            now,
            outages: BTreeMap::new(),
            ends: BTreeMap::new(),
            active: BTreeSet::new(),
            upcoming: BTreeSet::new(),
            shown_resolved: BTreeSet::new(),
            file: None,
            addresses: None,
            reachable: true,
            next_fetch: None,
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

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<DateTime<Utc>> {
        let file = self.file.as_ref().and_then(|f| {
            let start = f
                .current
                .as_ref()
                .filter(|_| !f.started)
                .map(|c| c.beginning.to_utc());
            let gone = f.resolved.as_ref().map(|(_, until, _)| *until);
            start.into_iter().chain(gone).min()
        });
        let stale = self
            .addresses
            .as_ref()
            .filter(|a| !a.stale_reported)
            .map(|a| a.fresh_until);
        [
            self.upcoming.first().map(Timestamp::to_utc),
            self.shown_resolved.first().map(|(t, _)| *t),
            file,
            stale,
            self.next_fetch,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires whatever is due at `now`. Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        self.advance(now);
        if let Some(cache) = &mut self.addresses {
            if !cache.stale_reported && !cache.is_fresh(now) {
                cache.stale_reported = true;
                self.events.push_back(Event::AddressesStale);
            }
        }
        if self.next_fetch.is_some_and(|t| t <= now) {
            self.request_fetch(now);
        }
    }

    /// Moves the clock: starts upcoming outages and drops expired resolved ones.
    fn advance(&mut self, now: DateTime<Utc>) {
        if now > self.now {
            self.now = now;
        }
        let now = self.now;
        while let Some(&first) = self.upcoming.first() {
            if first.to_utc() > now {
                break;
            }
            self.upcoming.pop_first();
            self.events.push_back(Event::Started {
                key: OutageKey::InBand(first),
            });
        }
        while let Some(&(until, id)) = self.shown_resolved.first() {
            if until > now {
                break;
            }
            self.shown_resolved.pop_first();
            self.events.push_back(Event::Gone {
                key: OutageKey::InBand(id),
            });
        }
        if let Some(file) = &mut self.file {
            if let Some(current) = &file.current {
                if !file.started && current.beginning.to_utc() <= now {
                    file.started = true;
                    self.events.push_back(Event::Started {
                        key: OutageKey::File(current.beginning),
                    });
                }
            }
            if let Some((old, until, _)) = &file.resolved {
                if *until <= now {
                    let key = OutageKey::File(old.beginning);
                    file.resolved = None;
                    self.events.push_back(Event::Gone { key });
                }
            }
        }
    }

    // --- in-band --------------------------------------------------------------------

    /// A `<message/>` from the server: handles the pubsub event it carries, if it is
    /// about outages. Returns whether it was (even if refused).
    pub fn handle_message(&mut self, now: DateTime<Utc>, message: &Message) -> bool {
        let Some(from) = &message.from else {
            return false;
        };
        let mut ours = false;
        for payload in &message.payloads {
            if payload.is("event", ns_event()) {
                if let Ok(event) = PubSubEvent::try_from(payload.clone()) {
                    ours |= self.handle_pubsub_event(now, from, &event);
                }
            }
        }
        ours
    }

    /// A pubsub event notification from `from`. Returns whether it was about outages
    /// (its node is an outage node or an item is an outage payload), even if refused.
    pub fn handle_pubsub_event(
        &mut self,
        now: DateTime<Utc>,
        from: &Jid,
        event: &PubSubEvent,
    ) -> bool {
        self.advance(now);
        match &event.payload {
            Payload::Items {
                node,
                published,
                retracted,
            } => {
                let payloads = published.iter().map(|i| i.payload.as_ref());
                if !self.is_outage_traffic(&node.0, payloads.clone()) {
                    return false;
                }
                if !self.check_provenance(from, &node.0) {
                    return true;
                }
                self.apply_items(
                    published
                        .iter()
                        .map(|i| (i.id.as_ref(), i.payload.as_ref())),
                );
                for id in retracted {
                    self.apply_retraction(id);
                }
                true
            }
            Payload::Purge { node } if is_outage_node(&node.0) => {
                if self.check_provenance(from, &node.0) {
                    let ids: Vec<Timestamp> = self.outages.keys().copied().collect();
                    for id in ids {
                        self.retract_outage(id);
                    }
                    self.ends.clear();
                }
                true
            }
            _ => false,
        }
    }

    /// The items of the outage node, as returned by an items request to the server
    /// (`<pubsub><items/></pubsub>` in an IQ result from `from`).
    pub fn handle_items_result(
        &mut self,
        now: DateTime<Utc>,
        from: &Jid,
        items: &xmpp_parsers::pubsub::pubsub::Items,
    ) -> bool {
        self.advance(now);
        let payloads = items.items.iter().map(|i| i.payload.as_ref());
        if !self.is_outage_traffic(&items.node.0, payloads) {
            return false;
        }
        if self.check_provenance(from, &items.node.0) {
            self.apply_items(
                items
                    .items
                    .iter()
                    .map(|i| (i.id.as_ref(), i.payload.as_ref())),
            );
        }
        true
    }

    fn is_outage_traffic<'a>(
        &self,
        node: &str,
        mut payloads: impl Iterator<Item = Option<&'a Element>>,
    ) -> bool {
        is_outage_node(node)
            || payloads.any(|p| {
                p.is_some_and(|e| {
                    (e.ns() == ns::SOS_TMP || e.ns() == ns::SOS_0)
                        && matches!(e.name(), "outage" | "outage-end")
                })
            })
    }

    /// "Client implementations MUST check the provenance of the pubsub notifications
    /// before displaying a notification, otherwise malicious entities could send fake
    /// outage events." Only the server's bare JID, on an outage node, may speak.
    fn check_provenance(&mut self, from: &Jid, node: &str) -> bool {
        let reason = if !self.is_server(from) {
            Some(Refusal::WrongSender)
        } else if !is_outage_node(node) {
            Some(Refusal::WrongNode)
        } else {
            None
        };
        match reason {
            None => true,
            Some(reason) => {
                self.events.push_back(Event::Refused {
                    from: from.clone(),
                    node: Some(node.to_owned()),
                    reason,
                });
                false
            }
        }
    }

    /// Applies a batch of items, ends first: an outage whose end is in the same batch
    /// (a node's history fetched on connect) then arrives already resolved, and is not
    /// announced only to be resolved at once.
    fn apply_items<'a, I>(&mut self, items: I)
    where
        I: Iterator<Item = (Option<&'a ItemId>, Option<&'a Element>)> + Clone,
    {
        let is_end = |p: Option<&Element>| p.is_some_and(|e| e.name() == "outage-end");
        for (id, payload) in items.clone().filter(|(_, p)| is_end(*p)) {
            self.apply_item(id, payload);
        }
        for (id, payload) in items.filter(|(_, p)| !is_end(*p)) {
            self.apply_item(id, payload);
        }
    }

    /// Whether `from` is exactly the server's bare JID (no resource, no other entity).
    fn is_server(&self, from: &Jid) -> bool {
        from.resource().is_none() && from.to_bare() == self.config.server
    }

    fn apply_item(&mut self, id: Option<&ItemId>, payload: Option<&Element>) {
        let invalid = |error: String| Event::InvalidItem {
            id: id.map(|i| i.0.clone()),
            error,
        };
        let at = match parse_item_id(id) {
            Ok(at) => at,
            Err(e) => {
                self.events.push_back(invalid(e.to_string()));
                return;
            }
        };
        let Some(payload) = payload else {
            self.events
                .push_back(invalid("item without a payload".to_owned()));
            return;
        };
        // Publishing with an existing item id replaces that item (XEP-0060), even when
        // it was the other kind.
        match OutageItem::try_from(payload.clone()) {
            Ok(OutageItem::Outage(o)) => {
                if self.ends.contains_key(&at) {
                    self.retract_end(at);
                }
                self.apply_outage(
                    at,
                    InBand {
                        descriptions: o.descriptions,
                        planned: o.planned,
                        expected_end: o.expected_end,
                        resolved_by: None,
                    },
                );
            }
            Ok(OutageItem::End(e)) => {
                if self.outages.contains_key(&at) {
                    self.retract_outage(at);
                }
                self.apply_end(at, e.descriptions);
            }
            Err(e) => self.events.push_back(invalid(e.to_string())),
        }
    }

    fn apply_outage(&mut self, id: Timestamp, mut outage: InBand) {
        let key = OutageKey::InBand(id);
        if let Some(existing) = self.outages.get_mut(&id) {
            outage.resolved_by = existing.resolved_by;
            if *existing != outage {
                *existing = outage;
                self.events.push_back(Event::Updated { key });
            }
            return; // a repeat of a known item: nothing new
        }
        // An end may have arrived first: the first end at or after the beginning.
        outage.resolved_by = self.ends.range(id..).next().map(|(at, _)| *at);
        let resolved_by = outage.resolved_by;
        self.outages.insert(id, outage);
        match resolved_by {
            Some(end) => {
                if self.show_resolved(id, end) {
                    self.events.push_back(Event::Resolved { key });
                }
            }
            None => self.activate(
                id,
                Event::Announced {
                    key,
                    upcoming: false,
                },
            ),
        }
    }

    /// Makes an unresolved outage active, upcoming if it has not begun; `event` is
    /// pushed with `upcoming` filled in.
    fn activate(&mut self, id: Timestamp, event: Event) {
        self.active.insert(id);
        let upcoming = id.to_utc() > self.now;
        if upcoming {
            self.upcoming.insert(id);
        }
        self.events.push_back(match event {
            Event::Announced { key, .. } => Event::Announced { key, upcoming },
            other => other,
        });
    }

    /// Schedules a resolved outage in the view if its end is recent; whether it is.
    fn show_resolved(&mut self, id: Timestamp, end: Timestamp) -> bool {
        let until = later(end.to_utc(), self.config.resolved_display);
        if until > self.now {
            self.shown_resolved.insert((until, id));
            true
        } else {
            false
        }
    }

    fn unshow_resolved(&mut self, id: Timestamp, end: Timestamp) {
        let until = later(end.to_utc(), self.config.resolved_display);
        self.shown_resolved.remove(&(until, id));
    }

    fn apply_end(&mut self, at: Timestamp, descriptions: LangMap) {
        if let Some(existing) = self.ends.get_mut(&at) {
            if *existing != descriptions {
                *existing = descriptions;
                for (&id, o) in self.outages.range(..=at).rev() {
                    if o.resolved_by != Some(at) {
                        break;
                    }
                    self.events.push_back(Event::Updated {
                        key: OutageKey::InBand(id),
                    });
                }
            }
            return;
        }
        // The outages this end resolves begin after the previous end and at or before
        // this one; each of them is either active or resolved by a later end that
        // arrived first. Every one visited changes.
        let previous = self.ends.range(..at).next_back().map(|(t, _)| *t);
        self.ends.insert(at, descriptions);
        let lower = previous.map_or(core::ops::Bound::Unbounded, core::ops::Bound::Excluded);
        let affected: Vec<Timestamp> = self
            .outages
            .range((lower, core::ops::Bound::Included(at)))
            .map(|(id, _)| *id)
            .collect();
        for id in affected {
            let outage = self.outages.get_mut(&id).expect("id from the map");
            let before = outage.resolved_by.replace(at);
            match before {
                Some(later) => {
                    // Already resolved by a later end that arrived first.
                    self.unshow_resolved(id, later);
                    self.show_resolved(id, at);
                }
                None => {
                    self.active.remove(&id);
                    self.upcoming.remove(&id);
                    self.show_resolved(id, at);
                    self.events.push_back(Event::Resolved {
                        key: OutageKey::InBand(id),
                    });
                }
            }
        }
    }

    fn apply_retraction(&mut self, id: &ItemId) {
        let Ok(at) = parse_item_id(Some(id)) else {
            self.events.push_back(Event::InvalidItem {
                id: Some(id.0.clone()),
                error: format!("retracted item id {:?} is not an XEP-0082 date-time", id.0),
            });
            return;
        };
        if self.outages.contains_key(&at) {
            self.retract_outage(at);
        }
        if self.ends.contains_key(&at) {
            self.retract_end(at);
        }
    }

    fn retract_outage(&mut self, id: Timestamp) {
        let Some(outage) = self.outages.remove(&id) else {
            return;
        };
        self.active.remove(&id);
        self.upcoming.remove(&id);
        if let Some(end) = outage.resolved_by {
            self.unshow_resolved(id, end);
        }
        self.events.push_back(Event::Retracted {
            key: OutageKey::InBand(id),
        });
    }

    fn retract_end(&mut self, at: Timestamp) {
        self.ends.remove(&at);
        let previous = self.ends.range(..at).next_back().map(|(t, _)| *t);
        let next = self.ends.range(at..).next().map(|(t, _)| *t);
        let lower = previous.map_or(core::ops::Bound::Unbounded, core::ops::Bound::Excluded);
        let affected: Vec<Timestamp> = self
            .outages
            .range((lower, core::ops::Bound::Included(at)))
            .filter(|(_, o)| o.resolved_by == Some(at))
            .map(|(id, _)| *id)
            .collect();
        for id in affected {
            self.unshow_resolved(id, at);
            let outage = self.outages.get_mut(&id).expect("id from the map");
            outage.resolved_by = next;
            match next {
                Some(end) => {
                    self.show_resolved(id, end);
                }
                None => self.activate(
                    id,
                    Event::Reopened {
                        key: OutageKey::InBand(id),
                    },
                ),
            }
        }
    }

    // --- status file ----------------------------------------------------------------

    /// A status file fetched from `url` at `fetched_at`. A response older than the
    /// last one handled is ignored (responses may arrive out of order).
    pub fn handle_status_file(
        &mut self,
        now: DateTime<Utc>,
        fetched_at: DateTime<Utc>,
        url: &str,
        body: &str,
    ) {
        self.advance(now);
        if self
            .file
            .as_ref()
            .is_some_and(|f| f.fetched_at >= fetched_at)
        {
            return;
        }
        // Read with the most accepting version: v0.4 accepts what the seed and v0.2
        // schemas accept, and still types a valid `outage`.
        let lenient = match StatusFile::parse_lenient(body, Version::V0_4) {
            Ok(lenient) => lenient,
            Err(e) => {
                self.events.push_back(Event::StatusFileRejected {
                    url: url.to_owned(),
                    error: e.to_string(),
                });
                return;
            }
        };
        let current = lenient.file.outage().map(|s| FileOutage {
            beginning: s.beginning,
            expected_end: s.expected_end,
            planned: s.planned,
            scope: s.outage,
            message: s.message.clone(),
        });
        let display = self.config.resolved_display;
        let state = self.file.get_or_insert(FileState {
            fetched_at,
            current: None,
            started: false,
            resolved: None,
        });
        state.fetched_at = fetched_at;
        let previous = state.current.take();
        let now = self.now;
        match (previous, current) {
            (Some(old), Some(new)) if old.beginning == new.beginning => {
                let changed = old != new;
                let key = OutageKey::File(new.beginning);
                state.current = Some(new);
                if changed {
                    self.events.push_back(Event::Updated { key });
                }
            }
            (old, new) => {
                if let Some(old) = old {
                    let key = OutageKey::File(old.beginning);
                    state.resolved =
                        Some((old, later(fetched_at, display), Timestamp::from(fetched_at)));
                    self.events.push_back(Event::Resolved { key });
                }
                if let Some(new) = new {
                    let upcoming = new.beginning.to_utc() > now;
                    let key = OutageKey::File(new.beginning);
                    state.started = !upcoming;
                    state.current = Some(new);
                    self.events.push_back(Event::Announced { key, upcoming });
                }
            }
        }
        self.advance(now);
    }

    // --- discovery and reachability -------------------------------------------------

    /// A disco#info result from `from`. Only the server's own result updates the address
    /// cache; a result without the form empties it (the server no longer lists any).
    ///
    /// "A client implementing this extension MUST fetch the addresses of the external
    /// service and cache it for a reasonable amount of time (several days), to be able
    /// to use it when an issue occurs" (seed); "… cache it for later use. Doing so
    /// allows the client to use this information when it is impossible to connect to
    /// the server" (v0.2, v0.4).
    pub fn handle_disco_info(
        &mut self,
        now: DateTime<Utc>,
        from: &Jid,
        info: &DiscoInfoResult,
    ) -> bool {
        self.advance(now);
        if !self.is_server(from) {
            return false;
        }
        let addresses = ExternalStatusAddresses::read(&info.extensions)
            .value
            .unwrap_or_default();
        let changed = self.addresses.as_ref().map(|c| &c.addresses) != Some(&addresses);
        if changed {
            self.events.push_back(Event::AddressesUpdated {
                addresses: addresses.addresses.clone(),
            });
        }
        self.addresses = Some(AddressCache {
            addresses,
            discovered_at: self.now,
            fresh_until: later(self.now, self.config.address_ttl),
            stale_reported: false,
        });
        true
    }

    /// The address cache, fresh or stale.
    pub fn addresses(&self) -> Option<&AddressCache> {
        self.addresses.as_ref()
    }

    /// The client could not reach the server: from now on, ask for the status file at
    /// once and every [`Config::poll_interval`].
    pub fn handle_server_unreachable(&mut self, now: DateTime<Utc>) {
        self.advance(now);
        if self.reachable {
            self.reachable = false;
            self.request_fetch(self.now);
        }
    }

    /// The server is reachable again: polling stops ("When connected, a client SHOULD
    /// NOT fetch the external file as the in-band notification provides the same
    /// information", v0.2).
    pub fn handle_server_reachable(&mut self, now: DateTime<Utc>) {
        self.advance(now);
        self.reachable = true;
        self.next_fetch = None;
    }

    fn request_fetch(&mut self, now: DateTime<Utc>) {
        let fetchable: Vec<String> = self
            .addresses
            .as_ref()
            .map(|c| c.addresses.fetchable().map(str::to_owned).collect())
            .unwrap_or_default();
        self.events.push_back(if fetchable.is_empty() {
            Event::NoStatusAddresses
        } else {
            Event::FetchStatusFile {
                addresses: fetchable,
            }
        });
        self.next_fetch = Some(later(now, self.config.poll_interval));
    }

    // --- output ---------------------------------------------------------------------

    /// What to show the user, as of the last input or timeout.
    ///
    /// An outage announced both in-band and in the status file (same beginning) is
    /// shown once, from the in-band item.
    pub fn view(&self) -> View {
        let ranges: Vec<&str> = self.config.languages.iter().map(String::as_str).collect();
        let mut view = View::default();
        // The indexes only name known outages; a hand-edited saved state that breaks
        // this loses the entry rather than panicking.
        for &id in &self.active {
            let Some(shown) = self.shown_in_band(id, &ranges) else {
                continue;
            };
            if self.upcoming.contains(&id) {
                view.upcoming.push(shown);
            } else {
                view.ongoing.push(shown);
            }
        }
        for &(_, id) in &self.shown_resolved {
            view.resolved.extend(self.shown_in_band(id, &ranges));
        }
        if let Some(file) = &self.file {
            let in_band = |t: &Timestamp| self.outages.contains_key(t);
            if let Some(c) = file.current.as_ref().filter(|c| !in_band(&c.beginning)) {
                let shown = shown_file(c, &ranges, None);
                if file.started {
                    view.ongoing.push(shown);
                } else {
                    view.upcoming.push(shown);
                }
            }
            if let Some((old, _, at)) = file
                .resolved
                .as_ref()
                .filter(|(o, ..)| !in_band(&o.beginning))
            {
                view.resolved.push(shown_file(old, &ranges, Some(*at)));
            }
        }
        view
    }

    fn shown_in_band(&self, id: Timestamp, ranges: &[&str]) -> Option<Shown> {
        let o = self.outages.get(&id)?;
        let end = o
            .resolved_by
            .and_then(|at| self.ends.get(&at).map(|d| (at, d)));
        Some(Shown {
            key: OutageKey::InBand(id),
            beginning: id,
            expected_end: o.expected_end,
            planned: o.planned,
            scope: None,
            message: o.descriptions.best_match(ranges).map(str::to_owned),
            resolved_at: end.map(|(at, _)| at),
            resolution_message: end
                .and_then(|(_, d)| d.best_match(ranges))
                .map(str::to_owned),
        })
    }
}

fn shown_file(c: &FileOutage, ranges: &[&str], resolved_at: Option<Timestamp>) -> Shown {
    Shown {
        key: OutageKey::File(c.beginning),
        beginning: c.beginning,
        expected_end: c.expected_end,
        planned: c.planned,
        scope: c.scope,
        message: c
            .message
            .as_ref()
            .and_then(|m| m.best_match(ranges))
            .map(str::to_owned),
        resolved_at,
        resolution_message: None,
    }
}

fn ns_event() -> &'static str {
    xep_core::ns::PUBSUB_EVENT
}

/// Whether a node name is one of the outage nodes (named after the namespaces).
fn is_outage_node(node: &str) -> bool {
    node == ns::SOS_TMP || node == ns::SOS_0
}

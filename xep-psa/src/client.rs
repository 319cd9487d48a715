//! The client side of XEP-0310: which presences the user sees may be stale, why, and
//! what to do about it.
//!
//! The view keeps one entry per contact full JID and per room occupant from which an
//! available presence arrived: fresh, or stale with the reason, the annotating
//! entity and the description best suited to the user's languages. An empty
//! annotation or any new presence from that entity makes it fresh again; an
//! `unavailable` (or `error`) presence removes the entry.
//!
//! Annotations are only believed from those who can know: the user's own server for
//! contacts ("the local server sending to a local user"), and for room occupants the
//! room's service or the user's own server (whose link to the service may be the one
//! that broke). Any other annotation, or one without `from`, is refused and reported
//! with [`ClientEvent::Refused`], and the stanza changes nothing (a sender not seen
//! before is entered as fresh).
//!
//! The spec's business rules become advice: when an occupant's staleness caused by an
//! unreachable server is cleared and no occupant of that room remains stale for that
//! reason, [`ClientEvent::CheckRoomPresence`] ("When getting 'available again' for a
//! remote MUC, MAY message yourself in the MUC and rejoin if not present", a XEP-0410
//! self-ping); when the same happens for the last stale resource of a contact,
//! [`ClientEvent::Reprobe`].
//!
//! ```
//! use xep_psa::client::{ClientConfig, ClientEvent, Freshness, View};
//! use xep_psa::presence::annotate;
//! use xep_psa::StateAnnotation;
//! use xmpp_parsers::presence::Presence;
//!
//! let now: xep_core::time::Time = "2026-11-30T10:00:00Z".parse()?;
//! let mut view = View::new(ClientConfig::new("romeo@montague.lit".parse()?, &["en"]), now);
//! let juliet = Presence::available().with_from("juliet@capulet.lit/orchard".parse::<jid::Jid>()?);
//! view.handle_presence(now, &juliet);
//! view.handle_presence(now, &annotate(&juliet, StateAnnotation::server_unavailable("montague.lit".parse()?)));
//! let entry = view.entry(&"juliet@capulet.lit/orchard".parse()?).expect("known");
//! assert!(matches!(entry.freshness, Freshness::Stale(_)));
//! view.handle_presence(now, &annotate(&juliet, StateAnnotation::cleared("montague.lit".parse()?)));
//! assert_eq!(view.poll_event(), Some(ClientEvent::Reprobe { contact: "juliet@capulet.lit".parse()? }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use jid::{BareJid, Jid};
use xep_core::lang::LangMap;
use xep_core::time::Time;
use xmpp_parsers::presence::{Presence, Type};

use crate::annotation::Condition;
use crate::presence::read_annotation;

/// What the view needs to know about the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The user's account; its domain is the user's own server.
    pub account: BareJid,
    /// The user's language preferences, most preferred first (RFC 4647 ranges), for
    /// choosing descriptions.
    pub languages: Vec<String>,
}

impl ClientConfig {
    /// The configuration of `account` with these language preferences.
    pub fn new(account: BareJid, languages: &[&str]) -> Self {
        Self {
            account,
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        }
    }
}

/// Why a presence may be stale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// `<server-unavailable/>`.
    ServerUnavailable,
    /// `<connection-paused/>`.
    ConnectionPaused,
    /// A condition this crate does not know, by element name.
    Other(String),
}

/// What the view knows of a stale presence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Stale {
    /// Why.
    pub reason: Reason,
    /// Who said so (the annotation's `from`).
    pub by: Jid,
    /// The description best suited to the user's languages, if any.
    pub description: Option<String>,
    /// Every description, by language.
    pub descriptions: LangMap,
    /// When the annotation arrived.
    pub since: Time,
}

/// Fresh or stale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Freshness {
    /// The last presence from the entity is current as far as anyone knows.
    Fresh,
    /// The last presence may be out of date.
    Stale(Stale),
}

/// One contact resource or room occupant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// The room, when the entity is an occupant of a room the user is in.
    pub room: Option<BareJid>,
    /// Fresh or stale.
    pub freshness: Freshness,
}

/// What the view reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// An annotation from someone who cannot speak for that presence was ignored.
    Refused {
        /// The presence's sender.
        sender: Jid,
        /// The annotation's `from`, if it had one.
        annotator: Option<Jid>,
        /// Who may annotate this sender's presence.
        expected: Vec<BareJid>,
    },
    /// A room's presences were stale because a server was unreachable and are fresh
    /// again: check the user is still in it (XEP-0410 self-ping) and rejoin if not.
    CheckRoomPresence {
        /// The room.
        room: BareJid,
    },
    /// A contact's presence was stale because its server was unreachable and the link
    /// is back: worth a presence probe to refresh it.
    Reprobe {
        /// The contact.
        contact: BareJid,
    },
}

/// The client's view of fresh and stale presence. See the [module docs](self).
///
/// ```text
///          available (plain, or with a refused annotation if new)
///   none ---------------------------------------------> fresh
///     ^             annotation with a condition           |  ^
///     |                                                   v  | empty annotation
///     +------- unavailable / error ------------------- stale-+ or new presence
///                                                          (advice when cleared)
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    config: ClientConfig,
    rooms: BTreeSet<BareJid>,
    entries: BTreeMap<Jid, Entry>,
    #[serde(skip)]
    events: VecDeque<ClientEvent>,
}

impl View {
    /// An empty view.
    pub fn new(config: ClientConfig, now: Time) -> Self {
        let _ = now;
        Self {
            config,
            rooms: BTreeSet::new(),
            entries: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The entry of one contact resource or occupant.
    pub fn entry(&self, jid: &Jid) -> Option<&Entry> {
        self.entries.get(jid)
    }

    /// Every entry, by JID.
    pub fn entries(&self) -> impl Iterator<Item = (&Jid, &Entry)> {
        self.entries.iter()
    }

    /// The stale entries, by JID.
    pub fn stale(&self) -> impl Iterator<Item = (&Jid, &Stale)> {
        self.entries.iter().filter_map(|(j, e)| match &e.freshness {
            Freshness::Stale(s) => Some((j, s)),
            Freshness::Fresh => None,
        })
    }

    /// The user joined `room`: presences from `room/nick` are occupants from now on.
    pub fn handle_room_joined(&mut self, now: Time, room: BareJid) {
        let _ = now;
        self.rooms.insert(room);
    }

    /// The user left `room`: its occupants' entries are dropped.
    pub fn handle_room_left(&mut self, now: Time, room: &BareJid) {
        let _ = now;
        self.rooms.remove(room);
        self.entries.retain(|_, e| e.room.as_ref() != Some(room));
    }

    /// A presence received from a contact or a room occupant.
    pub fn handle_presence(&mut self, now: Time, presence: &Presence) {
        let Some(sender) = &presence.from else { return };
        match presence.type_ {
            Type::None => {}
            Type::Unavailable | Type::Error => {
                self.entries.remove(sender);
                return;
            }
            _ => return,
        }
        let bare = sender.to_bare();
        let room = self.rooms.contains(&bare).then_some(bare);
        let own = BareJid::from_parts(None, self.config.account.domain());
        let freshness = match read_annotation(presence) {
            None => Freshness::Fresh,
            Some(reading) => {
                let a = reading.value;
                let mut expected = vec![own];
                if let Some(room) = &room {
                    expected.push(BareJid::from_parts(None, room.domain()));
                }
                let trusted = a.from.as_ref().is_some_and(|f| {
                    f.node().is_none()
                        && f.resource().is_none()
                        && expected.iter().any(|e| e.domain() == f.domain())
                });
                if !trusted {
                    self.events.push_back(ClientEvent::Refused {
                        sender: sender.clone(),
                        annotator: a.from,
                        expected,
                    });
                    // A copy re-sent by someone who cannot speak for it changes
                    // nothing the view knew.
                    if !self.entries.contains_key(sender) {
                        self.entries.insert(
                            sender.clone(),
                            Entry {
                                room,
                                freshness: Freshness::Fresh,
                            },
                        );
                    }
                    return;
                }
                {
                    match a.condition {
                        None => Freshness::Fresh,
                        Some(c) => {
                            let langs: Vec<&str> =
                                self.config.languages.iter().map(String::as_str).collect();
                            Freshness::Stale(Stale {
                                reason: match c {
                                    Condition::ServerUnavailable => Reason::ServerUnavailable,
                                    Condition::ConnectionPaused => Reason::ConnectionPaused,
                                    Condition::Other(e) => Reason::Other(e.name().to_owned()),
                                },
                                by: a.from.expect("trusted annotations have a from"),
                                description: a.descriptions.best_match(&langs).map(str::to_owned),
                                descriptions: a.descriptions,
                                since: now,
                            })
                        }
                    }
                }
            }
        };
        let was_unreachable = matches!(
            self.entries.get(sender).map(|e| &e.freshness),
            Some(Freshness::Stale(Stale {
                reason: Reason::ServerUnavailable,
                ..
            }))
        );
        let fresh = matches!(freshness, Freshness::Fresh);
        self.entries.insert(
            sender.clone(),
            Entry {
                room: room.clone(),
                freshness,
            },
        );
        if was_unreachable && fresh {
            self.advise(sender, room);
        }
    }

    /// Advice once the last entry of a room (or of a contact) stale for an
    /// unreachable server is fresh again.
    fn advise(&mut self, sender: &Jid, room: Option<BareJid>) {
        let bare = sender.to_bare();
        let still = self
            .entries
            .iter()
            .filter(|(j, _)| j.node() == bare.node() && j.domain() == bare.domain())
            .any(|(_, e)| {
                matches!(
                    e.freshness,
                    Freshness::Stale(Stale {
                        reason: Reason::ServerUnavailable,
                        ..
                    })
                )
            });
        if still {
            return;
        }
        self.events.push_back(match room {
            Some(room) => ClientEvent::CheckRoomPresence { room },
            None => ClientEvent::Reprobe { contact: bare },
        });
    }
}

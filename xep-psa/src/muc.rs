//! The MUC service side of XEP-0310 ("MUC loses contact with occupant"): a tracker a
//! room service embeds, fed with its occupants and its server-to-server link events.
//!
//! When the service loses its link to an occupant's server, and "does not
//! immediately remove Juliet as an occupant of the room, it MUST send Romeo an
//! annotated presence, following the rules for server-unavailable": the tracker sends
//! the occupant's current room presence, annotated `<server-unavailable/>` by the
//! service's domain, to every other occupant of the room whose real JID requests
//! PSA and whose own server is reachable. When the link is back, "If the S2S link
//! becomes available and the MUC service has not yet ejected Juliet from the room, it
//! MUST send an empty state-annotation to indicate this. If, instead, it has ejected
//! Juliet in the meantime there is no additional stanza to send".
//!
//! A grace period ([`MucConfig::grace`]) bounds how long the service keeps occupants
//! it cannot reach: once it has passed with the link still down, the tracker emits
//! [`MucEvent::RemoveOccupant`] for each of them; the service removes them the usual
//! XEP-0045 way and reports it with
//! [`handle_occupant_left`](MucTracker::handle_occupant_left).
//!
//! An occupant who joins while another one is unreachable, and requests PSA, gets
//! the annotated presence right after the room's own presence broadcast, so that every
//! occupant's view agrees with the link's state; an unreachable occupant's presence
//! update (a stanza that raced the link event) is annotated again the same way.
//!
//! # Lifecycle
//!
//! ```text
//!  an occupant whose server is D:
//!
//!            handle_link_down(D)                      handle_link_up(D)
//!  present ----------------------> present, stale ------------------------> present
//!     |     annotated presence out      |   |      empty annotation out
//!     |                                 |   +-- grace passed: RemoveOccupant event
//!     +--- handle_occupant_left --------+--> gone (nothing more is sent for it)
//! ```
//!
//! After any `handle_*` call, drain [`poll_transmit`](MucTracker::poll_transmit) and
//! [`poll_event`](MucTracker::poll_event) until `None`, then arm a timer for
//! [`poll_timeout`](MucTracker::poll_timeout).
//!
//! ```
//! use chrono::TimeDelta;
//! use xep_psa::muc::{MucConfig, MucTracker};
//! use xmpp_parsers::presence::Presence;
//!
//! let now: xep_core::time::Time = "2026-11-30T10:00:00Z".parse()?;
//! let config = MucConfig::new("chats.shakespeare.lit".parse()?, TimeDelta::minutes(5));
//! let mut muc = MucTracker::new(config, now);
//! let romeo: jid::Jid = "romeo@montague.lit/lane".parse()?;
//! muc.handle_features(now, romeo.clone(), true);
//! for (nick, real) in [("Romeo", "romeo@montague.lit/lane"), ("Juliet", "juliet@capulet.lit/balcony")] {
//!     let occupant: jid::FullJid = format!("orchard@chats.shakespeare.lit/{nick}").parse()?;
//!     let presence = Presence::available().with_from(occupant.clone());
//!     muc.handle_occupant_presence(now, occupant, real.parse()?, &presence);
//! }
//! muc.handle_link_down(now, &"capulet.lit".parse()?);
//! let stale = muc.poll_transmit().expect("Romeo is told");
//! assert_eq!(stale.to, Some(romeo));
//! assert_eq!(muc.poll_timeout(), Some(now + TimeDelta::minutes(5)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::TimeDelta;
use foldhash::fast::FixedState;
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::lang::LangMap;
use xep_core::time::{self, Time};
use xmpp_parsers::presence::Presence;

use crate::annotation::StateAnnotation;
use crate::server::{Map, Set};

/// What the MUC tracker needs to know about its service.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct MucConfig {
    /// The service's domain, the `from` of every annotation
    /// (`chats.shakespeare.lit` in the spec's example).
    pub service: BareJid,
    /// How long an unreachable occupant is kept before the tracker asks for its
    /// removal; `TimeDelta::MAX` never asks.
    pub grace: TimeDelta,
    /// Probe each occupant whose presence was cleared on link up ("When MUC service
    /// re-establishes S2S, may send a probe to see if remote client is still online").
    pub probe_on_link_up: bool,
    /// Descriptions for `<server-unavailable/>`; `{domain}` is replaced with the
    /// unreachable domain. Empty: no description.
    pub server_unavailable_text: LangMap,
    /// Seed of the hash tables (see [`Config::hash_seed`](crate::server::Config::hash_seed)).
    pub hash_seed: u64,
}

impl MucConfig {
    /// A configuration for `service` with this grace period, no probes, no
    /// descriptions.
    pub fn new(service: BareJid, grace: TimeDelta) -> Self {
        Self {
            service,
            grace,
            probe_on_link_up: false,
            server_unavailable_text: LangMap::new(),
            hash_seed: 0,
        }
    }
}

/// What the service should do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MucEvent {
    /// The occupant's server stayed unreachable for the grace period: remove the
    /// occupant from its room (XEP-0045), then call
    /// [`handle_occupant_left`](MucTracker::handle_occupant_left).
    RemoveOccupant {
        /// The occupant's room JID, `room@service/nick`.
        occupant: FullJid,
        /// The occupant's real JID.
        real: Jid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    index: u32,
    generation: u32,
}

#[derive(Debug)]
struct Occupant {
    jid: FullJid,
    real: Jid,
    room: BareJid,
    domain: String,
    presence: Arc<Presence>,
    /// Recipients told this occupant is unreachable, while it is.
    stale: Option<Vec<Key>>,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    occupant: Option<Occupant>,
}

#[derive(Debug)]
struct Domain {
    occupants: Set<Key>,
    down: Option<Time>,
    /// The grace period passed during this outage (removal already asked for).
    expired: bool,
}

/// The MUC service tracker. See the [module docs](self).
#[derive(Debug)]
pub struct MucTracker {
    config: MucConfig,
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_jid: Map<FullJid, Key>,
    rooms: Map<BareJid, Set<Key>>,
    domains: Map<String, Domain>,
    down: Set<String>,
    psa: Set<Jid>,
    transmit: VecDeque<Presence>,
    events: VecDeque<MucEvent>,
}

impl MucTracker {
    /// A tracker with no occupants.
    pub fn new(config: MucConfig, now: Time) -> Self {
        let _ = now;
        let state = FixedState::with_seed(config.hash_seed);
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            by_jid: Map::with_hasher(state.clone()),
            rooms: Map::with_hasher(state.clone()),
            domains: Map::with_hasher(state.clone()),
            down: Set::with_hasher(state.clone()),
            psa: Set::with_hasher(state),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            config,
        }
    }

    /// The next stanza to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Presence> {
        self.transmit.pop_front()
    }

    /// The next thing the service should do.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<MucEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called: the end of
    /// the earliest grace period still running.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.config.grace == TimeDelta::MAX {
            return None;
        }
        self.down
            .iter()
            .filter_map(|d| self.domains.get(d))
            .filter(|d| !d.expired)
            .filter_map(|d| d.down)
            .map(|since| time::add(since, self.config.grace))
            .min()
    }

    /// How many occupants are tracked.
    pub fn occupants(&self) -> usize {
        self.by_jid.len()
    }

    fn state(&self) -> FixedState {
        FixedState::with_seed(self.config.hash_seed)
    }

    fn get(&self, key: Key) -> Option<&Occupant> {
        let slot = self.slots.get(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        slot.occupant.as_ref()
    }

    fn get_mut(&mut self, key: Key) -> Option<&mut Occupant> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        slot.occupant.as_mut()
    }

    fn is_down(&self, domain: &str) -> bool {
        self.domains.get(domain).is_some_and(|d| d.down.is_some())
    }

    /// What an occupant's real JID says about annotations (its caps or disco#info).
    pub fn handle_features(&mut self, now: Time, real: Jid, requests_psa: bool) {
        let _ = now;
        if requests_psa {
            self.psa.insert(real);
        } else {
            self.psa.remove(&real);
        }
    }

    /// An occupant joined or changed its presence: `occupant` is its room JID
    /// (`room@service/nick`), `real` its real JID, and `presence` what the room
    /// broadcasts for it (its `to` is not looked at). An available presence is
    /// expected; an `unavailable` or `error` one is taken as the occupant leaving (as
    /// the server tracker ends what a recipient holds on either); probes and
    /// subscription presences carry no occupant state and are ignored, so that what
    /// goes out annotated is always the occupant's available presence.
    pub fn handle_occupant_presence(
        &mut self,
        now: Time,
        occupant: FullJid,
        real: Jid,
        presence: &Presence,
    ) {
        use xmpp_parsers::presence::Type;
        match presence.type_ {
            Type::None => {}
            Type::Unavailable | Type::Error => {
                self.handle_occupant_left(now, &occupant);
                return;
            }
            Type::Probe
            | Type::Subscribe
            | Type::Subscribed
            | Type::Unsubscribe
            | Type::Unsubscribed => return,
        }
        let mut stored = presence.clone();
        stored.to = None;
        stored.from = Some(Jid::from(occupant.clone()));
        let stored = Arc::new(stored);
        let room = occupant.to_bare();
        let domain = real.domain().as_str().to_owned();
        if let Some(&key) = self.by_jid.get(&occupant)
            && self.get(key).is_some_and(|o| o.real == real)
        {
            // A presence update: the room broadcast it to everyone; re-annotate it for
            // those who see this occupant as unreachable.
            self.get_mut(key).expect("indexed").presence = stored;
            if self.is_down(&domain) {
                let recipients = self
                    .get(key)
                    .and_then(|o| o.stale.clone())
                    .unwrap_or_default();
                let annotation = self.annotation(&domain, true);
                for r in recipients {
                    if self.recipient_ok(r) {
                        self.send(key, r, &annotation);
                    }
                }
            }
            return;
        }
        if self.by_jid.contains_key(&occupant) {
            // The nick now belongs to someone else.
            self.handle_occupant_left(now, &occupant);
        }
        let key = self.insert(Occupant {
            jid: occupant.clone(),
            real,
            room: room.clone(),
            domain: domain.clone(),
            presence: stored,
            stale: None,
        });
        self.by_jid.insert(occupant, key);
        let state = self.state();
        self.rooms
            .entry(room.clone())
            .or_insert_with(|| Set::with_hasher(state.clone()))
            .insert(key);
        let d = self
            .domains
            .entry(domain.clone())
            .or_insert_with(|| Domain {
                occupants: Set::with_hasher(state),
                down: None,
                expired: false,
            });
        d.occupants.insert(key);
        if d.down.is_some() {
            // Joined from a server the service cannot reach: mark it so that the link
            // coming back is announced to whoever is told now.
            self.get_mut(key).expect("just inserted").stale = Some(Vec::new());
            let annotation = self.annotation(&domain, true);
            self.annotate_for_room(key, &annotation);
        }
        // A newcomer that asks for PSA is told which occupants are unreachable.
        if self.recipient_ok(key) {
            let stale: Vec<Key> = self.rooms[&room]
                .iter()
                .copied()
                .filter(|k| *k != key && self.get(*k).is_some_and(|o| o.stale.is_some()))
                .collect();
            for s in stale {
                let domain = self.get(s).expect("in the room").domain.clone();
                let annotation = self.annotation(&domain, true);
                self.send(s, key, &annotation);
                self.get_mut(s)
                    .expect("in the room")
                    .stale
                    .get_or_insert_with(Vec::new)
                    .push(key);
            }
        }
    }

    /// An occupant left or was removed (the room already told its occupants). Nothing
    /// more is sent for it, even when its server comes back.
    pub fn handle_occupant_left(&mut self, now: Time, occupant: &FullJid) {
        let _ = now;
        let Some(key) = self.by_jid.remove(occupant) else {
            return;
        };
        let slot = &mut self.slots[key.index as usize];
        let Some(o) = slot.occupant.take() else {
            return;
        };
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(key.index);
        if let Some(room) = self.rooms.get_mut(&o.room) {
            room.remove(&key);
            if room.is_empty() {
                self.rooms.remove(&o.room);
            }
        }
        if let Some(d) = self.domains.get_mut(&o.domain) {
            d.occupants.remove(&key);
            if d.occupants.is_empty() && d.down.is_none() {
                self.domains.remove(&o.domain);
            }
        }
    }

    fn insert(&mut self, occupant: Occupant) -> Key {
        match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.occupant = Some(occupant);
                Key {
                    index,
                    generation: slot.generation,
                }
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("fewer than 2^32 occupants");
                self.slots.push(Slot {
                    generation: 0,
                    occupant: Some(occupant),
                });
                Key {
                    index,
                    generation: 0,
                }
            }
        }
    }

    fn annotation(&self, domain: &str, down: bool) -> Element {
        let mut a = StateAnnotation::cleared(Jid::from(self.config.service.clone()));
        if down {
            a.condition = Some(crate::Condition::ServerUnavailable);
            for (lang, text) in self.config.server_unavailable_text.iter() {
                a.descriptions
                    .insert(lang.cloned(), text.replace("{domain}", domain));
            }
        }
        Element::from(a)
    }

    /// Whether `key` is an occupant that asks for PSA and can be reached.
    fn recipient_ok(&self, key: Key) -> bool {
        self.get(key)
            .is_some_and(|o| self.psa.contains(&o.real) && !self.is_down(&o.domain))
    }

    fn send(&mut self, about: Key, to: Key, annotation: &Element) {
        let (Some(o), Some(r)) = (self.get(about), self.get(to)) else {
            return;
        };
        let mut out = Presence::clone(&o.presence);
        out.to = Some(r.real.clone());
        out.payloads.retain(|p| !crate::presence::is_annotation(p));
        out.payloads.push(annotation.clone());
        self.transmit.push_back(out);
    }

    /// Sends `annotation` about `key` to every other reachable PSA occupant of its
    /// room, recording them.
    fn annotate_for_room(&mut self, key: Key, annotation: &Element) {
        let Some(room) = self.get(key).map(|o| o.room.clone()) else {
            return;
        };
        let recipients: Vec<Key> = self.rooms[&room]
            .iter()
            .copied()
            .filter(|r| *r != key && self.recipient_ok(*r))
            .collect();
        for &r in &recipients {
            self.send(key, r, annotation);
        }
        self.get_mut(key).expect("live").stale = Some(recipients);
    }

    /// The service lost its server-to-server link with `domain`. A domain already
    /// down is left alone.
    pub fn handle_link_down(&mut self, now: Time, domain: &BareJid) {
        let name = domain.domain().as_str().to_owned();
        let state = self.state();
        let d = self.domains.entry(name.clone()).or_insert_with(|| Domain {
            occupants: Set::with_hasher(state),
            down: None,
            expired: false,
        });
        if d.down.is_some() {
            return;
        }
        d.down = Some(now);
        d.expired = false;
        self.down.insert(name.clone());
        let affected: Vec<Key> = d.occupants.iter().copied().collect();
        let annotation = self.annotation(&name, true);
        for key in affected {
            self.annotate_for_room(key, &annotation);
        }
    }

    /// The link with `domain` is back: the empty annotation about each of its
    /// occupants still present, to those told it was unreachable who are still in
    /// the room; then probes if configured. Nothing for a domain that was not down.
    pub fn handle_link_up(&mut self, now: Time, domain: &BareJid) {
        let _ = now;
        let name = domain.domain().as_str();
        let Some(d) = self.domains.get_mut(name) else {
            return;
        };
        if d.down.take().is_none() {
            return;
        }
        d.expired = false;
        self.down.remove(name);
        let affected: Vec<Key> = d.occupants.iter().copied().collect();
        if affected.is_empty() {
            self.domains.remove(name);
        }
        let annotation = self.annotation(name, false);
        for key in affected {
            let recipients = self
                .get_mut(key)
                .and_then(|o| o.stale.take())
                .unwrap_or_default();
            let mut cleared = false;
            for r in recipients {
                // Recipients who left meanwhile (their key is stale) are skipped.
                if self.recipient_ok(r) {
                    self.send(key, r, &annotation);
                    cleared = true;
                }
            }
            if cleared && self.config.probe_on_link_up {
                let o = self.get(key).expect("live");
                let probe = Presence::probe()
                    .with_from(o.jid.clone())
                    .with_to(o.real.clone());
                self.transmit.push_back(probe);
            }
        }
    }

    /// Fires the grace periods that ended at or before `now`: one
    /// [`MucEvent::RemoveOccupant`] per occupant still on each such domain. Spurious
    /// calls do nothing.
    pub fn handle_timeout(&mut self, now: Time) {
        if self.config.grace == TimeDelta::MAX {
            return;
        }
        let mut due: Vec<String> = self
            .down
            .iter()
            .filter(|name| {
                self.domains.get(*name).is_some_and(|d| {
                    !d.expired
                        && d.down
                            .is_some_and(|since| time::add(since, self.config.grace) <= now)
                })
            })
            .cloned()
            .collect();
        due.sort();
        for name in due {
            let d = self.domains.get_mut(&name).expect("listed as down");
            d.expired = true;
            let mut occupants: Vec<(FullJid, Jid)> = d
                .occupants
                .iter()
                .filter_map(|k| {
                    let slot = &self.slots[k.index as usize];
                    slot.occupant
                        .as_ref()
                        .map(|o| (o.jid.clone(), o.real.clone()))
                })
                .collect();
            occupants.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            for (occupant, real) in occupants {
                self.events
                    .push_back(MucEvent::RemoveOccupant { occupant, real });
            }
        }
    }
}

/// The saved form of a [`MucTracker`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    config: MucConfig,
    occupants: Vec<SavedOccupant>,
    psa: Vec<Jid>,
    /// (domain, down since, grace period passed)
    down: Vec<(String, Time, bool)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedOccupant {
    jid: FullJid,
    real: Jid,
    presence: String,
    /// Indexes into `occupants` of those told this one is unreachable.
    stale: Option<Vec<u32>>,
}

impl serde::Serialize for MucTracker {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut index: Map<Key, u32> = Map::with_hasher(self.state());
        let live: Vec<(Key, &Occupant)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.occupant.as_ref().map(|o| {
                    (
                        Key {
                            index: i as u32,
                            generation: s.generation,
                        },
                        o,
                    )
                })
            })
            .collect();
        for (n, (key, _)) in live.iter().enumerate() {
            index.insert(*key, n as u32);
        }
        let occupants = live
            .iter()
            .map(|(_, o)| SavedOccupant {
                jid: o.jid.clone(),
                real: o.real.clone(),
                presence: String::from(&Element::from(Presence::clone(&o.presence))),
                stale: o
                    .stale
                    .as_ref()
                    .map(|list| list.iter().filter_map(|k| index.get(k).copied()).collect()),
            })
            .collect();
        let mut down: Vec<(String, Time, bool)> = self
            .domains
            .iter()
            .filter_map(|(name, d)| d.down.map(|since| (name.clone(), since, d.expired)))
            .collect();
        down.sort();
        let mut psa: Vec<Jid> = self.psa.iter().cloned().collect();
        psa.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        Saved {
            config: self.config.clone(),
            occupants,
            psa,
            down,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for MucTracker {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(deserializer)?;
        Self::restore(saved).map_err(serde::de::Error::custom)
    }
}

impl MucTracker {
    /// Rebuilds a tracker from its saved form, checking every index.
    fn restore(saved: Saved) -> Result<Self, crate::Error> {
        let refuse = |reason: String| crate::Error::State { reason };
        let mut muc = Self::new(saved.config, Time::MIN_UTC);
        muc.psa.extend(saved.psa);
        let state = muc.state();
        for (name, since, expired) in saved.down {
            muc.down.insert(name.clone());
            muc.domains.insert(
                name,
                Domain {
                    occupants: Set::with_hasher(state.clone()),
                    down: Some(since),
                    expired,
                },
            );
        }
        let mut keys = Vec::with_capacity(saved.occupants.len());
        let mut stale_lists = Vec::with_capacity(saved.occupants.len());
        for (n, o) in saved.occupants.into_iter().enumerate() {
            if muc.by_jid.contains_key(&o.jid) {
                return Err(refuse(format!("occupant {} listed twice", o.jid)));
            }
            let element: Element = o
                .presence
                .parse()
                .map_err(|e| refuse(format!("presence {n} is not XML: {e}")))?;
            let mut presence = Presence::try_from(element)
                .map_err(|e| refuse(format!("presence {n} is not a presence: {e}")))?;
            presence.to = None;
            presence.from = Some(Jid::from(o.jid.clone()));
            let room = o.jid.to_bare();
            let domain = o.real.domain().as_str().to_owned();
            let key = muc.insert(Occupant {
                jid: o.jid.clone(),
                real: o.real,
                room: room.clone(),
                domain: domain.clone(),
                presence: Arc::new(presence),
                stale: None,
            });
            muc.by_jid.insert(o.jid, key);
            muc.rooms
                .entry(room)
                .or_insert_with(|| Set::with_hasher(state.clone()))
                .insert(key);
            muc.domains
                .entry(domain)
                .or_insert_with(|| Domain {
                    occupants: Set::with_hasher(state.clone()),
                    down: None,
                    expired: false,
                })
                .occupants
                .insert(key);
            keys.push(key);
            stale_lists.push(o.stale);
        }
        for (key, list) in keys.iter().zip(stale_lists) {
            let Some(list) = list else { continue };
            let mut resolved = Vec::with_capacity(list.len());
            for i in list {
                resolved.push(
                    *keys
                        .get(i as usize)
                        .ok_or_else(|| refuse(format!("occupant {i} out of range")))?,
                );
            }
            muc.get_mut(*key).expect("just inserted").stale = Some(resolved);
        }
        Ok(muc)
    }
}

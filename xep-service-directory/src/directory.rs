//! The directory side: a sans-I/O machine that befriends servers (XEP-0267 server
//! buddies), gathers their disco#info, vCard and software version, and publishes a
//! card for each public one on its `urn:xmpp:contacts` node.
//!
//! ```text
//!  handle_presence(subscribe from a domain)
//!    └─► [presence subscribed] [presence subscribe]           poll_transmit()
//!  handle_presence(subscribed)  ── buddies both ways ──► Event::Subscribed
//!    └─► [iq get disco#info]                                   (round starts)
//!  handle_iq(disco#info result)
//!    ├─ not public ─► Event::NotListed (retracted if it was listed)
//!    └─ public ─────► [iq get vcard] [iq get version]
//!  handle_iq(vcard / version results or errors)
//!    └─► card enriched (software name, CA from handle_tls) ─► [iq set publish
//!        item id = domain] ─► Event::Listed / Updated / Unchanged
//!        next round after `refresh_interval`                   poll_timeout()
//!  handle_timeout(now)
//!    ├─ a query unanswered after `query_timeout` ─► failure, retry after
//!    │  `retry_delay`; after `max_failures` in a row ─► [retract] Event::Retracted
//!    └─ refresh due ─► [iq get disco#info] (a new round)
//!  handle_presence(unsubscribe / unsubscribed)
//!    └─► [presence unsubscribed] ([presence unsubscribe]) [retract] Event::Retracted
//! ```
//!
//! Errors and time-outs never cost the current listing until `max_failures`
//! failures in a row: the published card stays until a round succeeds or the server
//! is given up. A vCard error reply is not a failure (the server has no card: a
//! minimal one is published), nor is a version error (no software name).
//!
//! Stanza ids are `id_prefix` followed by a counter: deterministic, chosen by the
//! caller through the configuration, matched with the sender on the way back.
//!
//! A round's card is compared with the published one through a 128-bit fingerprint
//! of its value (the published card is kept as the XML text that was published,
//! which is also how the state saves it): equal cards are never republished, and a
//! changed card keeps the old fingerprint only by a hash collision.
//!
//! ```
//! use chrono::TimeDelta;
//! use xep_service_directory::directory::{Directory, DirectoryConfig, Transmit};
//! use xmpp_parsers::presence::{Presence, Type};
//! let t0 = "2026-11-30T10:00:00Z".parse()?;
//! let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse()?), t0);
//! let server: jid::BareJid = "jabber.org".parse()?;
//! dir.handle_presence(t0, &Presence::new(Type::Subscribe).with_from(server.clone()));
//! let sent: Vec<Transmit> = std::iter::from_fn(|| dir.poll_transmit()).collect();
//! assert_eq!(sent.len(), 2); // subscribed, subscribe
//! dir.handle_presence(t0, &Presence::new(Type::Subscribed).with_from(server.clone()));
//! let Some(Transmit::Iq(disco)) = dir.poll_transmit() else { panic!() };
//! assert_eq!(disco.id(), "sd1");
//! assert_eq!(dir.poll_timeout(), Some(t0 + TimeDelta::seconds(60)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use foldhash::fast::FixedState;

use chrono::TimeDelta;
use jid::{BareJid, Jid};
use minidom::Element;
use serde::{Deserialize, Serialize};
use xmpp_parsers::disco::DiscoInfoQuery;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type as PresenceType};
use xmpp_parsers::pubsub::pubsub::{Item, Publish, Retract};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSub};
use xmpp_parsers::stanza_error::DefinedCondition;
use xmpp_parsers::version::VersionQuery;

use xep_core::disco::DiscoInfo;
use xep_core::ns;
use xep_core::reading::Deviation;
use xep_core::time::{self, Time};

use crate::disco::{Reason, classify};
use crate::listing::{Listing, ListingEntry};
use crate::vcard::{Ca, Property, SoftwareName, VCard, VCardQuery};

/// How the directory behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectoryConfig {
    /// The directory's own domain (`xmpp.net`): the sender of every stanza and the
    /// pubsub service of the node.
    pub jid: BareJid,
    /// The node the cards are published on.
    pub node: String,
    /// Time between two rounds of queries for a listed server.
    pub refresh_interval: TimeDelta,
    /// How long a query may stay unanswered.
    pub query_timeout: TimeDelta,
    /// Time before a round is retried after a failure.
    pub retry_delay: TimeDelta,
    /// Failed rounds in a row after which a listed server is retracted.
    pub max_failures: u32,
    /// List only servers advertising `urn:xmpp:public-server` (true, as the spec
    /// and Metronome do); when false, a server advertising vCard4 is enough
    /// (Prosody's behaviour, INTEROP P20).
    pub require_public_server: bool,
    /// Ask for the software version (XEP-0092) to add the name to the card, as
    /// v0.2 recommends the directory does.
    pub query_software_version: bool,
    /// Prefix of the stanza ids the machine generates.
    pub id_prefix: String,
    /// Seed of the machine's hash tables. They hash the domains of the servers that
    /// subscribe, which peers choose, so a directory should pass a random value; the
    /// machine draws no randomness itself, and nothing it outputs depends on the seed
    /// (the saved state lists servers by domain).
    pub hash_seed: u64,
}

impl DirectoryConfig {
    /// The defaults: node `urn:xmpp:contacts`, refresh daily, 60 s query timeout,
    /// retry after 10 minutes, give up after 3 failed rounds, public servers only,
    /// software version asked, ids `sd1`, `sd2`, ..., hash seed 0.
    pub fn new(jid: BareJid) -> Self {
        Self {
            jid,
            node: ns::CONTACTS.to_owned(),
            refresh_interval: TimeDelta::days(1),
            query_timeout: TimeDelta::seconds(60),
            retry_delay: TimeDelta::minutes(10),
            max_failures: 3,
            require_public_server: true,
            query_software_version: true,
            id_prefix: "sd".to_owned(),
            hash_seed: 0,
        }
    }

    /// The same configuration with this hash seed.
    #[must_use]
    pub fn with_hash_seed(mut self, seed: u64) -> Self {
        self.hash_seed = seed;
        self
    }
}

/// The machine's hash tables: seeded by the configuration, never by randomness.
type Map<K, V> = HashMap<K, V, FixedState>;

/// A query the directory sends to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryKind {
    /// disco#info.
    DiscoInfo,
    /// vCard4.
    VCard,
    /// XEP-0092 software version.
    Version,
}

/// Why a query failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Failure {
    /// An error reply with this condition.
    Error(DefinedCondition),
    /// No answer within `query_timeout`.
    Timeout,
    /// A reply that could not be read.
    Undecodable(String),
}

/// Why a server left the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetractReason {
    /// The server ended the subscription.
    Unsubscribed,
    /// The server no longer advertises `urn:xmpp:public-server`.
    NotPublic,
    /// `max_failures` rounds failed in a row.
    Failures,
}

/// Something the directory's user may want to know.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The server and the directory are buddies both ways; queries start.
    Subscribed {
        /// The server.
        server: BareJid,
    },
    /// A server's card was published for the first time.
    Listed {
        /// The server.
        server: BareJid,
        /// Its entry.
        entry: ListingEntry,
        /// What its vCard deviated in.
        deviations: Vec<Deviation>,
    },
    /// A listed server's card changed and was published again.
    Updated {
        /// The server.
        server: BareJid,
        /// Its entry.
        entry: ListingEntry,
        /// What its vCard deviated in.
        deviations: Vec<Deviation>,
    },
    /// A round found nothing new: nothing was published.
    Unchanged {
        /// The server.
        server: BareJid,
    },
    /// The server is not public, so the directory does not list it; it stays a
    /// buddy and is asked again at the next refresh.
    NotListed {
        /// The server.
        server: BareJid,
        /// The classifier's evidence.
        reasons: Vec<Reason>,
    },
    /// A listed server's card was retracted.
    Retracted {
        /// The server.
        server: BareJid,
        /// Why.
        reason: RetractReason,
    },
    /// A query failed.
    QueryFailed {
        /// The server.
        server: BareJid,
        /// Which query.
        query: QueryKind,
        /// Why.
        failure: Failure,
        /// Failed rounds in a row, this one included (0 for queries whose failure
        /// does not fail the round).
        failures: u32,
    },
    /// The server ended the buddy relation; it is forgotten.
    Unsubscribed {
        /// The server.
        server: BareJid,
    },
}

/// A stanza to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Transmit {
    /// A presence (subscription handshake).
    Presence(Presence),
    /// An IQ: a query to a server, or a publish or retract to the directory's own
    /// pubsub service.
    Iq(Box<Iq>),
}

/// What the directory knows about one server: the part of the state that persists.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Record {
    /// We approved its subscription.
    approved: bool,
    /// It approved ours.
    subscribed: bool,
    /// Outstanding queries of this round: id and kind.
    pending: Vec<(String, QueryKind)>,
    /// When the next timer of this server fires.
    deadline: Option<Time>,
    /// Failed rounds in a row.
    failures: u32,
    /// Whether the server offers in-band registration (last disco#info).
    in_band_registration: Option<bool>,
    /// This round's card (saved as XML text).
    #[serde(default, with = "card_xml")]
    fresh_card: Option<VCard>,
    /// This round's software name.
    fresh_software: Option<String>,
    /// The CA the caller reported from TLS.
    ca: Option<Ca>,
    /// The published card (saved as XML text).
    #[serde(default, with = "listed_xml")]
    listed_card: Option<ListedCard>,
    /// The published entry.
    listed: Option<ListingEntry>,
}

/// The directory's state, as it is saved and restored (serde).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DirectoryState {
    /// A hash index (a refresh touches one server's record), saved ordered by domain
    /// so that the saved text does not depend on the hash seed.
    #[serde(serialize_with = "by_domain")]
    servers: Map<BareJid, Record>,
    next_id: u64,
}

fn by_domain<S: serde::Serializer>(
    servers: &Map<BareJid, Record>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(servers.iter().collect::<BTreeMap<_, _>>())
}

/// The directory machine. See the [module docs](self) for the lifecycle.
#[derive(Debug)]
pub struct Directory {
    config: DirectoryConfig,
    state: DirectoryState,
    /// id -> server, for the outstanding queries.
    pending: Map<String, BareJid>,
    timers: BTreeSet<(Time, BareJid)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// The deviations of this round's vCards, until they are published.
    stash: Map<BareJid, Vec<Deviation>>,
}

/// A card from its XML text as saved or published, read leniently; `None` when the text
/// no longer reads as a card (never a panic).
fn card_from_xml(text: &str) -> Option<VCard> {
    let element = text.parse::<Element>().ok()?;
    VCard::read(&element).ok().map(|r| r.value)
}

/// Cards in the saved state: XML text, read back leniently (a card that no longer
/// reads is forgotten, never a panic).
mod card_xml {
    use minidom::Element;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::card_from_xml;
    use crate::vcard::VCard;

    pub(super) fn serialize<S: Serializer>(card: &Option<VCard>, s: S) -> Result<S::Ok, S::Error> {
        match card {
            Some(card) => s.serialize_some(&String::from(&Element::from(card.clone()))),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<VCard>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.as_deref().and_then(card_from_xml))
    }
}

/// The published card, kept compact: the XML text that was published (one
/// allocation: thousands of listed cards kept as values, some hundred allocations
/// each, fragmented the heap that every round then allocates from) and a
/// fingerprint of its value, which each round's card is compared with.
#[derive(Debug, Clone, PartialEq)]
struct ListedCard {
    xml: Box<str>,
    fingerprint: u128,
}

impl ListedCard {
    /// The card again, read from its text (when the CA changes).
    fn card(&self) -> Option<VCard> {
        card_from_xml(&self.xml)
    }
}

/// A 128-bit fingerprint of a card's value (two 64-bit hashes with fixed seeds, so
/// that it does not depend on the configured hash seed). Equal cards have equal
/// fingerprints; a changed card keeps its old one only by a collision, which at 128
/// bits does not happen by accident. A server that forged one would only keep its
/// own listing stale.
fn fingerprint(card: &VCard) -> u128 {
    use core::hash::BuildHasher;
    let high = FixedState::with_seed(0x5f0e_3093_c1a7_2d4b).hash_one(card);
    let low = FixedState::with_seed(0x9d2c_5680_7e1f_b3a9).hash_one(card);
    (u128::from(high) << 64) | u128::from(low)
}

/// The published card in the saved state: its XML text, read back leniently and
/// fingerprinted (a text that no longer reads is forgotten, never a panic; the card
/// is then published again at the next round).
mod listed_xml {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{ListedCard, card_from_xml, fingerprint};

    pub(super) fn serialize<S: Serializer>(
        card: &Option<ListedCard>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match card {
            Some(card) => s.serialize_some(&*card.xml),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ListedCard>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.and_then(|t| {
            let card = card_from_xml(&t)?;
            Some(ListedCard {
                fingerprint: fingerprint(&card),
                xml: t.into_boxed_str(),
            })
        }))
    }
}

impl Directory {
    /// A directory with nothing known yet.
    pub fn new(config: DirectoryConfig, now: Time) -> Self {
        Self::restore(config, DirectoryState::default(), now)
    }

    /// A directory from a saved state. Whatever the state holds, this does not
    /// panic; timers that are already due fire at the next `handle_timeout`.
    pub fn restore(config: DirectoryConfig, mut state: DirectoryState, _now: Time) -> Self {
        let seed = FixedState::with_seed(config.hash_seed);
        // A deserialised state comes with the default seed: the configured one rules.
        let mut servers = Map::with_capacity_and_hasher(state.servers.len(), seed.clone());
        servers.extend(state.servers.drain());
        state.servers = servers;
        let mut pending = Map::with_hasher(seed.clone());
        let mut timers = BTreeSet::new();
        for (server, record) in &state.servers {
            for (id, _) in &record.pending {
                pending.insert(id.clone(), server.clone());
            }
            if let Some(t) = record.deadline {
                timers.insert((t, server.clone()));
            }
        }
        Self {
            config,
            state,
            pending,
            timers,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stash: Map::with_hasher(seed),
        }
    }

    /// The state to save.
    pub fn state(&self) -> &DirectoryState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    /// The next stanza to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Directory::handle_timeout`] should be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// The servers the directory knows (buddies or on the way), in the order of the
    /// hash table (fixed by [`DirectoryConfig::hash_seed`]).
    pub fn servers(&self) -> impl Iterator<Item = &BareJid> {
        self.state.servers.keys()
    }

    /// The current listing, as exported to JSON, ordered by domain.
    pub fn listing(&self) -> Listing {
        let mut servers: Vec<ListingEntry> = self
            .state
            .servers
            .values()
            .filter_map(|r| r.listed.clone())
            .collect();
        servers.sort_by(|a, b| a.domain.cmp(&b.domain));
        Listing { servers }
    }

    /// The published entry of `server`, if it is listed.
    pub fn entry(&self, server: &BareJid) -> Option<&ListingEntry> {
        self.state.servers.get(server)?.listed.as_ref()
    }

    fn next_id(&mut self) -> String {
        use std::fmt::Write as _;
        self.state.next_id = self.state.next_id.wrapping_add(1);
        // Sized once: growing the string reallocates, and on a heap that holds
        // thousands of servers a reallocation lands in a cold free chunk.
        let mut id = String::with_capacity(self.config.id_prefix.len() + 20);
        id.push_str(&self.config.id_prefix);
        let _ = write!(id, "{}", self.state.next_id);
        id
    }

    /// `now + delay`; a negative delay in the configuration counts as none, so that
    /// no timer is ever set in the past.
    fn after(&self, now: Time, delay: TimeDelta) -> Time {
        time::add(now, delay.max(TimeDelta::zero()))
    }

    fn own(&self) -> Jid {
        Jid::from(self.config.jid.clone())
    }

    fn presence(&mut self, type_: PresenceType, to: &BareJid) {
        let presence = Presence::new(type_)
            .with_from(self.own())
            .with_to(Jid::from(to.clone()));
        self.transmits.push_back(Transmit::Presence(presence));
    }

    fn set_deadline(&mut self, server: &BareJid, deadline: Option<Time>) {
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        if let Some(old) = record.deadline.take() {
            self.timers.remove(&(old, server.clone()));
        }
        record.deadline = deadline;
        if let Some(t) = deadline {
            self.timers.insert((t, server.clone()));
        }
    }

    fn query(&mut self, server: &BareJid, kind: QueryKind) {
        let id = self.next_id();
        let to = Jid::from(server.clone());
        let iq = match kind {
            QueryKind::DiscoInfo => Iq::from_get(id.clone(), DiscoInfoQuery { node: None }),
            QueryKind::VCard => Iq::from_get(id.clone(), VCardQuery),
            QueryKind::Version => Iq::from_get(id.clone(), VersionQuery),
        }
        .with_from(self.own())
        .with_to(to);
        self.transmits.push_back(Transmit::Iq(Box::new(iq)));
        self.pending.insert(id.clone(), server.clone());
        if let Some(record) = self.state.servers.get_mut(server) {
            record.pending.push((id, kind));
        }
    }

    fn clear_pending(&mut self, server: &BareJid) {
        if let Some(record) = self.state.servers.get_mut(server) {
            for (id, _) in record.pending.drain(..) {
                self.pending.remove(&id);
            }
        }
    }

    fn start_round(&mut self, now: Time, server: &BareJid) {
        self.clear_pending(server);
        if let Some(record) = self.state.servers.get_mut(server) {
            record.fresh_card = None;
            record.fresh_software = None;
        }
        self.query(server, QueryKind::DiscoInfo);
        self.set_deadline(server, Some(self.after(now, self.config.query_timeout)));
    }

    /// A presence from a peer. Subscription presences from bare domains are the
    /// buddy handshake; anything else is not for this machine (returns `false`).
    pub fn handle_presence(&mut self, now: Time, presence: &Presence) -> bool {
        let Some(from) = presence.from.as_ref() else {
            return false;
        };
        // Server buddies are domains: "entities become "buddies" per XEP-0267".
        if from.node().is_some() || from.resource().is_some() {
            return false;
        }
        let server = from.to_bare();
        match presence.type_ {
            PresenceType::Subscribe => {
                // "Upon receiving the presence subscription request, the directory
                // approves it." and "The directory also sends a subscription
                // request to the server."
                let record = self.state.servers.entry(server.clone()).or_default();
                record.approved = true;
                let subscribed = record.subscribed;
                self.presence(PresenceType::Subscribed, &server);
                if !subscribed {
                    self.presence(PresenceType::Subscribe, &server);
                }
                true
            }
            PresenceType::Subscribed => {
                let Some(record) = self.state.servers.get_mut(&server) else {
                    return false;
                };
                let first = !record.subscribed;
                record.subscribed = true;
                if first && record.approved {
                    // "After the subscription handshake has been completed, the
                    // directory queries the server for information."
                    self.events.push_back(Event::Subscribed {
                        server: server.clone(),
                    });
                    self.start_round(now, &server);
                }
                true
            }
            PresenceType::Unsubscribe | PresenceType::Unsubscribed => {
                let Some(record) = self.state.servers.get(&server) else {
                    return false;
                };
                let (approved, subscribed) = (record.approved, record.subscribed);
                if approved {
                    self.presence(PresenceType::Unsubscribed, &server);
                }
                if presence.type_ == PresenceType::Unsubscribe && subscribed {
                    self.presence(PresenceType::Unsubscribe, &server);
                }
                self.retract(&server, RetractReason::Unsubscribed);
                self.clear_pending(&server);
                self.set_deadline(&server, None);
                self.state.servers.remove(&server);
                self.events.push_back(Event::Unsubscribed { server });
                true
            }
            _ => false,
        }
    }

    /// A presence as a raw element, in any stanza namespace; `false` when it is not
    /// one this machine takes.
    pub fn handle_presence_element(&mut self, now: Time, element: &Element) -> bool {
        match Presence::try_from(crate::xml_text::client_namespace(element).into_owned()) {
            Ok(presence) => self.handle_presence(now, &presence),
            Err(_) => false,
        }
    }

    /// The certification authority of `server`'s certificate, as the caller's TLS
    /// stack saw it on the s2s connection. Added to the card at the next
    /// publication; a listed card is republished at once when it changes.
    pub fn handle_tls(&mut self, now: Time, server: &BareJid, ca: Ca) {
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        if record.ca.as_ref() == Some(&ca) {
            return;
        }
        record.ca = Some(ca);
        if let Some(card) = record.listed_card.as_ref().and_then(ListedCard::card) {
            self.publish(now, server, card, Vec::new());
        }
    }

    /// An IQ reply. Only results and errors that answer an outstanding query, from
    /// the server it was sent to, are taken (returns `true`); requests are never
    /// taken as replies.
    pub fn handle_iq(&mut self, now: Time, iq: &Iq) -> bool {
        // The payload is read where it lies: a deep copy of every reply (a card is
        // some hundred allocations) was a third of the cost of a round.
        let (id, from, payload) = match iq {
            Iq::Result {
                id, from, payload, ..
            } => (id, from, Ok(payload.as_ref())),
            Iq::Error {
                id, from, error, ..
            } => (
                id,
                from,
                Err(Failure::Error(error.defined_condition.clone())),
            ),
            _ => return false,
        };
        self.reply(now, id, from.as_ref(), payload)
    }

    /// An IQ reply as a raw element, in any stanza namespace (`jabber:server` as it
    /// arrives over s2s, `jabber:client`, `jabber:component:accept`). A result or error that answers an outstanding
    /// query but cannot be decoded counts as a failed query (INTEROP P21), never a
    /// panic.
    pub fn handle_iq_element(&mut self, now: Time, element: &Element) -> bool {
        if element.name() != "iq" {
            return false;
        }
        match Iq::try_from(crate::xml_text::client_namespace(element).into_owned()) {
            Ok(iq) => self.handle_iq(now, &iq),
            Err(e) => {
                if !matches!(element.attr("type"), Some("result" | "error")) {
                    return false;
                }
                let Some(id) = element.attr("id") else {
                    return false;
                };
                let from = element.attr("from").and_then(|f| f.parse::<Jid>().ok());
                self.reply(
                    now,
                    id,
                    from.as_ref(),
                    Err(Failure::Undecodable(e.to_string())),
                )
            }
        }
    }

    fn reply(
        &mut self,
        now: Time,
        id: &str,
        from: Option<&Jid>,
        payload: Result<Option<&Element>, Failure>,
    ) -> bool {
        let Some(server) = self.pending.get(id).cloned() else {
            return false;
        };
        // Replies are matched by id and sender: a reply from anyone else is not one.
        if from.map(Jid::to_bare).as_ref() != Some(&server)
            || from.is_some_and(|f| f.resource().is_some())
        {
            return false;
        }
        self.pending.remove(id);
        let Some(record) = self.state.servers.get_mut(&server) else {
            return true;
        };
        let Some(pos) = record.pending.iter().position(|(i, _)| i == id) else {
            return true;
        };
        let (_, kind) = record.pending.remove(pos);
        match kind {
            QueryKind::DiscoInfo => self.disco_reply(now, &server, payload),
            QueryKind::VCard => {
                let card = match payload {
                    Ok(Some(element)) => match VCard::read(element) {
                        Ok(reading) => Some(reading),
                        Err(e) => {
                            self.query_failed(
                                &server,
                                kind,
                                Failure::Undecodable(e.to_string()),
                                0,
                            );
                            None
                        }
                    },
                    Ok(None) => None,
                    Err(failure) => {
                        self.query_failed(&server, kind, failure, 0);
                        None
                    }
                };
                let text = card.map(|r| {
                    if !r.deviations.is_empty() {
                        self.stash.insert(server.clone(), r.deviations);
                    }
                    r.value
                });
                if let Some(record) = self.state.servers.get_mut(&server) {
                    record.fresh_card = text;
                }
                self.maybe_finish(now, &server);
            }
            QueryKind::Version => {
                let name = match payload {
                    // Only the name is used: read in place, without the copy
                    // xmpp-parsers' conversion takes, and without requiring the
                    // <version/> the directory does not need.
                    Ok(Some(element)) if element.is("query", ns::VERSION) => {
                        element.get_child("name", ns::VERSION).map(Element::text)
                    }
                    Ok(Some(_)) => None,
                    Ok(None) => None,
                    Err(failure) => {
                        self.query_failed(&server, kind, failure, 0);
                        None
                    }
                };
                if let Some(record) = self.state.servers.get_mut(&server) {
                    record.fresh_software = name
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty() && crate::xml_text::strip(n).is_none());
                }
                self.maybe_finish(now, &server);
            }
        }
        true
    }

    fn disco_reply(
        &mut self,
        now: Time,
        server: &BareJid,
        payload: Result<Option<&Element>, Failure>,
    ) {
        let info = match payload {
            Ok(Some(element)) => {
                DiscoInfo::read(element).map_err(|e| Failure::Undecodable(e.to_string()))
            }
            Ok(None) => Err(Failure::Undecodable("empty disco#info result".to_owned())),
            Err(failure) => Err(failure),
        };
        let info = match info {
            Ok(reading) => reading.value,
            Err(failure) => {
                self.round_failed(now, server, QueryKind::DiscoInfo, failure);
                return;
            }
        };
        let found = classify(&info).value;
        let public = found.public_server || (!self.config.require_public_server && found.vcard4);
        if let Some(record) = self.state.servers.get_mut(server) {
            record.in_band_registration = Some(found.in_band_registration);
            record.failures = 0;
        }
        if !public {
            // Not public: the directory does not list it ("Use of the
            // "urn:xmpp:public-server" service discovery feature provides a way for an
            // XMPP server to explicitly indicate that its information is public").
            self.retract(server, RetractReason::NotPublic);
            self.events.push_back(Event::NotListed {
                server: server.clone(),
                reasons: found.reasons,
            });
            self.set_deadline(server, Some(self.after(now, self.config.refresh_interval)));
            return;
        }
        self.query(server, QueryKind::VCard);
        if self.config.query_software_version {
            self.query(server, QueryKind::Version);
        }
        self.set_deadline(server, Some(self.after(now, self.config.query_timeout)));
    }

    fn query_failed(
        &mut self,
        server: &BareJid,
        query: QueryKind,
        failure: Failure,
        failures: u32,
    ) {
        self.events.push_back(Event::QueryFailed {
            server: server.clone(),
            query,
            failure,
            failures,
        });
    }

    fn round_failed(&mut self, now: Time, server: &BareJid, query: QueryKind, failure: Failure) {
        self.clear_pending(server);
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        record.failures = record.failures.saturating_add(1);
        let failures = record.failures;
        self.query_failed(server, query, failure, failures);
        let delay = if failures >= self.config.max_failures {
            self.retract(server, RetractReason::Failures);
            self.config.refresh_interval
        } else {
            self.config.retry_delay
        };
        self.set_deadline(server, Some(self.after(now, delay)));
    }

    fn maybe_finish(&mut self, now: Time, server: &BareJid) {
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        if !record.pending.is_empty() {
            return;
        }
        let mut card = record
            .fresh_card
            .take()
            .unwrap_or_else(|| VCard::server(server.as_str(), server));
        // "It is best for the server directory to discover the last two elements
        // in-band (by means of TLS negotiation and XEP-0092), then add them to the
        // contact vCard."
        if let Some(name) = record.fresh_software.take() {
            card.set(Property::SoftwareName(SoftwareName { name }));
        }
        record.failures = 0;
        let deviations = self.stash.remove(server).unwrap_or_default();
        self.publish(now, server, card, deviations);
        self.set_deadline(server, Some(self.after(now, self.config.refresh_interval)));
    }

    fn publish(
        &mut self,
        now: Time,
        server: &BareJid,
        mut card: VCard,
        deviations: Vec<Deviation>,
    ) {
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        if let Some(ca) = &record.ca {
            card.set(Property::Ca(ca.clone()));
        }
        // Compared by fingerprint: the published card is kept as text, and reading
        // it back every round would cost more than the round.
        let fingerprint = fingerprint(&card);
        if record
            .listed_card
            .as_ref()
            .is_some_and(|listed| listed.fingerprint == fingerprint)
        {
            self.events.push_back(Event::Unchanged {
                server: server.clone(),
            });
            return;
        }
        let mut entry = ListingEntry::from_card(server.as_str(), &card);
        entry.in_band_registration = record.in_band_registration;
        entry.updated = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let first = record.listed.is_none();
        let item = Item::new(Some(ItemId(server.to_string())), None, Some(card));
        record.listed_card = Some(ListedCard {
            xml: item
                .payload
                .as_ref()
                .map(String::from)
                .unwrap_or_default()
                .into(),
            fingerprint,
        });
        record.listed = Some(entry.clone());
        let id = self.next_id();
        let pubsub = PubSub::Publish {
            publish: Publish {
                node: NodeName(self.config.node.clone()),
                items: vec![item],
            },
            publish_options: None,
        };
        let iq = Iq::from_set(id, pubsub)
            .with_from(self.own())
            .with_to(self.own());
        self.transmits.push_back(Transmit::Iq(Box::new(iq)));
        let server = server.clone();
        self.events.push_back(if first {
            Event::Listed {
                server,
                entry,
                deviations,
            }
        } else {
            Event::Updated {
                server,
                entry,
                deviations,
            }
        });
    }

    fn retract(&mut self, server: &BareJid, reason: RetractReason) {
        let Some(record) = self.state.servers.get_mut(server) else {
            return;
        };
        if record.listed.take().is_none() {
            return;
        }
        record.listed_card = None;
        let id = self.next_id();
        let pubsub = PubSub::Retract(Retract {
            node: NodeName(self.config.node.clone()),
            notify: true,
            items: vec![Item::new(
                Some(ItemId(server.to_string())),
                None,
                None::<VCard>,
            )],
        });
        let iq = Iq::from_set(id, pubsub)
            .with_from(self.own())
            .with_to(self.own());
        self.transmits.push_back(Transmit::Iq(Box::new(iq)));
        self.events.push_back(Event::Retracted {
            server: server.clone(),
            reason,
        });
    }

    /// Fires every timer due at `now`: unanswered queries fail, due refreshes
    /// start a new round. Spurious calls do nothing.
    ///
    /// Only the timers due when the call starts fire: a timer set while firing that
    /// is already due (a zero delay in the configuration, or a time saturated at the
    /// end of time) waits for the next call, so that every call ends.
    pub fn handle_timeout(&mut self, now: Time) {
        let due: Vec<(Time, BareJid)> = self
            .timers
            .iter()
            .take_while(|(t, _)| *t <= now)
            .cloned()
            .collect();
        for (t, server) in due {
            if !self.timers.remove(&(t, server.clone())) {
                continue;
            }
            let Some(record) = self.state.servers.get_mut(&server) else {
                continue;
            };
            record.deadline = None;
            if !(record.approved && record.subscribed) {
                continue;
            }
            let waiting: Vec<QueryKind> = record.pending.iter().map(|(_, k)| *k).collect();
            if waiting.is_empty() {
                self.start_round(now, &server);
            } else if waiting.contains(&QueryKind::DiscoInfo) {
                self.round_failed(now, &server, QueryKind::DiscoInfo, Failure::Timeout);
            } else if waiting.contains(&QueryKind::VCard) {
                self.round_failed(now, &server, QueryKind::VCard, Failure::Timeout);
            } else {
                // Only the version query is left: publish without a software name.
                self.clear_pending(&server);
                self.query_failed(&server, QueryKind::Version, Failure::Timeout, 0);
                self.maybe_finish(now, &server);
            }
        }
    }
}

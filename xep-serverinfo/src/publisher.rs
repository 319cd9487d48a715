//! The publishing side: a sans-I/O machine that keeps a server's federation table,
//! asks peers whether they opted in, and publishes `<serverinfo/>` items.
//!
//! The server feeds it s2s connection events and the disco#info replies of its peers;
//! the machine answers with disco#info queries to send and items to publish. It never
//! reads a clock: every input carries `now`, and [`Publisher::poll_timeout`] says when
//! to call [`Publisher::handle_timeout`] next.
//!
//! ```text
//!   new(config, now) ──► [CreateNode]  (if configured)          poll_transmit()
//!        │
//!        ▼
//!   handle_connection_opened/closed(now, peer, direction)
//!        │  peer unknown ─────────────► [DiscoInfo to peer]      poll_transmit()
//!        │  federation table changed ─► publish deadline set     poll_timeout()
//!        ▼
//!   handle_iq(now, iq) / handle_disco_info / handle_disco_error(now, peer, id, ..)
//!        │  only replies (result or error) to our query id, from the peer asked;
//!        │  a peer's own request is left to the caller (two servers that query
//!        │  each other at once must both be answered)
//!        │  opted in: name the peer; error, undecodable or timeout: anonymous
//!        ▼
//!   handle_timeout(now) ── publish deadline ─► [Publish item 'current'] (only if
//!        │                                      the item changed, at most once per
//!        │                                      `min_interval`)
//!        ├─ opt-in answer expired, peer still connected ─► [DiscoInfo] again
//!        └─ query unanswered after `query_timeout` ─► peer stays anonymous
//! ```
//!
//! Durations add with saturation: a deadline that would lie past the end of time
//! (`Time::MAX_UTC`) never fires, so an `opt_in_ttl` of `TimeDelta::MAX` trusts an
//! answer for ever.
//!
//! Privacy is the point of the machine. XEP-0485: "a domain MUST NOT publish the name
//! of a remote domain, unless that domain advertises support for this XEP". A peer is
//! named only while a disco#info answer with the exact feature `urn:xmpp:serverinfo:0`
//! is cached (or it is on the operator's allow-list, as Prosody, ejabberd and Openfire
//! do with the providers.xmpp.net list). Until the answer arrives the peer is published
//! anonymously, and anonymous peers are listed after the named ones in an order that
//! does not depend on their names.
//!
//! ```
//! use chrono::{DateTime, TimeDelta, Utc};
//! use xep_serverinfo::discovery::Coordinates;
//! use xep_serverinfo::publisher::{LinkDirection, Publisher, PublisherConfig, Transmit};
//!
//! let t0: DateTime<Utc> = "2026-11-22T10:00:00Z".parse()?;
//! let at = Coordinates::new("pubsub.example.org".parse()?, "serverinfo");
//! let mut config = PublisherConfig::new("example.org", at);
//! config.create_node = false;
//! let mut publisher = Publisher::new(config, t0);
//!
//! let peer = jid::DomainPart::new("peer.example")?;
//! publisher.handle_connection_opened(t0, &peer, LinkDirection::Outgoing);
//! let Some(Transmit::DiscoInfo { to, id }) = publisher.poll_transmit() else { panic!() };
//! assert_eq!(to.as_str(), "peer.example");
//!
//! // The peer answers our query with the feature: it may be named.
//! let reply: minidom::Element = format!(
//!     "<iq xmlns='jabber:server' type='result' from='peer.example' id='{id}'>\
//!      <query xmlns='http://jabber.org/protocol/disco#info'>\
//!      <feature var='urn:xmpp:serverinfo:0'/></query></iq>"
//! )
//! .parse()?;
//! assert!(publisher.handle_iq(t0, &reply));
//!
//! // The first item goes out at once; later ones wait for `min_interval`.
//! publisher.handle_timeout(publisher.poll_timeout().unwrap());
//! let Some(Transmit::Publish { item, .. }) = publisher.poll_transmit() else { panic!() };
//! let peer = &item.domains[0].remote_domains()[0];
//! assert_eq!(peer.name.as_deref(), Some("peer.example"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::TimeDelta;
use jid::{DomainPart, DomainRef, Jid};
use minidom::Element;
use xep_core::disco::DiscoInfo;
use xep_core::time;
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};
use xmpp_parsers::disco::DiscoInfoQuery;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::pubsub::pubsub::{Configure, Create, Item, Publish};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSub};

use crate::discovery::{Coordinates, FEATURE};
use crate::payload::{Connection, Direction, Domain, RemoteDomain, ServerInfo};

/// Instants, as the caller's wall clock gives them (the one time convention of
/// [`xep_core::time`]).
pub type Time = time::Time;

/// The item id the publisher uses: one item, replaced on each publication.
pub const ITEM_ID: &str = "current";

/// The shortest [`PublisherConfig::opt_in_ttl`] and [`PublisherConfig::query_timeout`]
/// a [`Publisher`] uses: one second. With both at zero (or below), a query timed out
/// the moment it was sent, its answer expired the moment it was cached, and the
/// expiry asked again, all at one instant: `handle_timeout` never returned.
pub const MIN_DURATION: TimeDelta = TimeDelta::seconds(1);

/// How the publisher behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublisherConfig {
    /// The local domain the item describes.
    pub domain: String,
    /// Where to publish.
    pub coordinates: Coordinates,
    /// How long an opt-in answer (yes or no) is trusted. Prosody uses one hour.
    /// [`Publisher::new`] raises anything under [`MIN_DURATION`] to it.
    pub opt_in_ttl: TimeDelta,
    /// How long to wait for a disco#info answer before treating the peer as not
    /// opted in. [`Publisher::new`] raises anything under [`MIN_DURATION`] to it.
    pub query_timeout: TimeDelta,
    /// The shortest time between two publications ("the server MAY choose to reduce
    /// the frequency of updates"). Prosody and ejabberd publish every 300 s.
    pub min_interval: TimeDelta,
    /// Domains treated as opted in without asking (for operators who trust a
    /// providers list). Compared case-insensitively.
    pub allow_list: BTreeSet<String>,
    /// Whether peers that did not opt in are listed as anonymous `<remote-domain/>`s
    /// (true, as Prosody and ejabberd do) or left out.
    pub include_anonymous: bool,
    /// Whether to ask for the node to be created and configured at start.
    pub create_node: bool,
    /// The prefix of the stanza ids the machine gives its IQs (`serverinfo-1`,
    /// `serverinfo-2`, ...). Replies are matched by sender, id and type, so a peer's
    /// own request is never mistaken for a reply.
    pub id_prefix: String,
}

impl PublisherConfig {
    /// The defaults: one-hour opt-in cache, 30 s query timeout, at most one
    /// publication per 300 s, anonymous peers listed, node created at start.
    pub fn new(domain: impl Into<String>, coordinates: Coordinates) -> Self {
        Self {
            domain: domain.into(),
            coordinates,
            opt_in_ttl: TimeDelta::seconds(3600),
            query_timeout: TimeDelta::seconds(30),
            min_interval: TimeDelta::seconds(300),
            allow_list: BTreeSet::new(),
            include_anonymous: true,
            create_node: true,
            id_prefix: "serverinfo-".to_owned(),
        }
    }
}

/// The direction of one s2s connection, as the server knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkDirection {
    /// The peer connected to us.
    Incoming,
    /// We connected to the peer.
    Outgoing,
    /// One connection used both ways (XEP-0288 bidirectional s2s).
    Bidi,
}

impl LinkDirection {
    fn index(self) -> usize {
        match self {
            Self::Incoming => 0,
            Self::Outgoing => 1,
            Self::Bidi => 2,
        }
    }

    fn wire(self) -> Direction {
        match self {
            Self::Incoming => Direction::Incoming,
            Self::Outgoing => Direction::Outgoing,
            Self::Bidi => Direction::Bidi,
        }
    }
}

/// Something to send. Each carries the stanza id the machine chose for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Transmit {
    /// Ask a peer's bare domain for its disco#info, to learn whether it opted in.
    /// Hand the reply to [`Publisher::handle_iq`] (or its typed relatives).
    DiscoInfo {
        /// The peer's domain.
        to: DomainPart,
        /// The id of the `<iq type='get'/>`.
        id: String,
    },
    /// Create the node and configure it as XEP-0485 recommends.
    CreateNode {
        /// Where.
        at: Coordinates,
        /// The id of the `<iq type='set'/>`.
        id: String,
    },
    /// Publish this item with id [`ITEM_ID`].
    Publish {
        /// Where.
        at: Coordinates,
        /// The payload.
        item: ServerInfo,
        /// The id of the `<iq type='set'/>`.
        id: String,
    },
}

impl Transmit {
    /// The IQ to send (with `from`, if the server needs one).
    pub fn to_iq(&self, from: Option<Jid>) -> Iq {
        let iq = match self {
            Self::DiscoInfo { to, id } => Iq::from_get(id.clone(), DiscoInfoQuery { node: None })
                .with_to(Jid::from(jid::BareJid::from_parts(None, to))),
            Self::CreateNode { at, id } => create_node_iq(at, id.clone()),
            Self::Publish { at, item, id } => publish_iq(at, item, id.clone()),
        };
        match from {
            Some(from) => iq.with_from(from),
            None => iq,
        }
    }
}

/// The node configuration XEP-0485 recommends: open access, at most one item,
/// persistent items (a `pubsub#node_config` submit form).
pub fn node_config() -> DataForm {
    let mut access = Field::new("pubsub#access_model", FieldType::ListSingle);
    access.values = vec!["open".to_owned()];
    let mut max_items = Field::new("pubsub#max_items", FieldType::TextSingle);
    max_items.values = vec!["1".to_owned()];
    let mut persist = Field::new("pubsub#persist_items", FieldType::Boolean);
    persist.values = vec!["true".to_owned()];
    DataForm::new(
        DataFormType::Submit,
        xep_core::ns::PUBSUB_NODE_CONFIG,
        vec![access, max_items, persist],
    )
}

/// `<iq type='set'><pubsub><create node/><configure>` with [`node_config`].
pub fn create_node_iq(at: &Coordinates, id: impl Into<String>) -> Iq {
    let pubsub = PubSub::Create {
        create: Create {
            node: Some(NodeName(at.node.clone())),
        },
        configure: Some(Configure {
            form: Some(node_config()),
        }),
    };
    Iq::from_set(id, pubsub).with_to(at.service.clone())
}

/// `<iq type='set'><pubsub><publish node><item id='current'>` carrying `item`.
pub fn publish_iq(at: &Coordinates, item: &ServerInfo, id: impl Into<String>) -> Iq {
    let pubsub = PubSub::Publish {
        publish: Publish {
            node: NodeName(at.node.clone()),
            items: vec![Item::new(
                Some(ItemId(ITEM_ID.to_owned())),
                None,
                Some(item.clone()),
            )],
        },
        publish_options: None,
    };
    Iq::from_set(id, pubsub).with_to(at.service.clone())
}

/// Why a peer was found to be, or not to be, opted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptInSource {
    /// Its disco#info lists `urn:xmpp:serverinfo:0`.
    Feature,
    /// It is on the configured allow-list.
    AllowList,
    /// Its disco#info does not list the feature (an exact match is required).
    NoFeature,
    /// It answered with an error, or with something that is not a disco#info result.
    FailedReply,
    /// It did not answer within `query_timeout`.
    Timeout,
}

/// What the publisher reports besides transmits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A peer's opt-in status was learnt or refreshed.
    OptIn {
        /// The peer.
        peer: DomainPart,
        /// Whether it may be named.
        opted_in: bool,
        /// Why.
        source: OptInSource,
    },
    /// A reply came from a peer we had not asked (or had stopped waiting for); it was
    /// ignored.
    UnsolicitedReply {
        /// The `from` of the reply.
        from: String,
    },
}

/// One cached opt-in answer; serialisable so that a server can keep it across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OptInEntry {
    /// The answer.
    pub opted_in: bool,
    /// Until when it is trusted.
    pub expires: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Expiry,
    QueryTimeout,
}

/// A disco#info query in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    /// The id of our `<iq type='get'/>`.
    id: String,
    /// When we stop waiting.
    deadline: Time,
}

/// The machine. See the [module documentation](self) for the lifecycle.
#[derive(Debug)]
pub struct Publisher {
    config: PublisherConfig,
    /// The local domain, normalised.
    local: String,
    /// Connected peers -> open connections per [`LinkDirection`].
    peers: BTreeMap<String, [u32; 3]>,
    cache: HashMap<String, OptInEntry>,
    /// Peers with a query in flight.
    pending: HashMap<String, Pending>,
    /// Timers by deadline; each is also recorded in `cache` or `pending`, so a popped
    /// timer that no longer matches is skipped.
    timers: BTreeSet<(Time, TimerKind, String)>,
    /// Whether the table changed since the last publication.
    dirty: bool,
    publish_at: Option<Time>,
    last_publish: Option<Time>,
    last_item: Option<ServerInfo>,
    /// The number of stanza ids handed out.
    ids: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

fn normalise(peer: &str) -> String {
    peer.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The typed form of a normalised peer key (keys come from [`DomainRef`]s, or from a
/// restored cache, so this only fails on a hand-edited cache).
fn domain_of(peer: &str) -> Option<DomainPart> {
    DomainPart::new(peer).ok().map(|d| d.into_owned())
}

impl Publisher {
    /// A publisher with an empty federation table. It first asks for the node to be
    /// created (if configured), and publishes its first item at once.
    ///
    /// The allow-list is normalised, and an `opt_in_ttl` or `query_timeout` under
    /// [`MIN_DURATION`] is raised to it ([`config`](Self::config) shows the values
    /// used), so that every deadline the machine sets lies after the `now` it was set
    /// at.
    pub fn new(mut config: PublisherConfig, now: Time) -> Self {
        config.allow_list = config.allow_list.iter().map(|d| normalise(d)).collect();
        config.opt_in_ttl = config.opt_in_ttl.max(MIN_DURATION);
        config.query_timeout = config.query_timeout.max(MIN_DURATION);
        let local = normalise(&config.domain);
        let mut publisher = Self {
            config,
            local,
            peers: BTreeMap::new(),
            cache: HashMap::new(),
            pending: HashMap::new(),
            timers: BTreeSet::new(),
            dirty: true,
            publish_at: Some(now),
            last_publish: None,
            last_item: None,
            ids: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        if publisher.config.create_node {
            let id = publisher.next_id();
            publisher.transmits.push_back(Transmit::CreateNode {
                at: publisher.config.coordinates.clone(),
                id,
            });
        }
        publisher
    }

    fn next_id(&mut self) -> String {
        self.ids += 1;
        format!("{}{}", self.config.id_prefix, self.ids)
    }

    /// The configuration.
    pub fn config(&self) -> &PublisherConfig {
        &self.config
    }

    /// The cached opt-in answers, to persist across restarts.
    pub fn opt_in_cache(&self) -> &HashMap<String, OptInEntry> {
        &self.cache
    }

    /// Restores cached answers (for instance after a restart, or shared by another
    /// node of a cluster). Entries already expired at `now`, and keys that are not
    /// domains, are skipped. Keys are compared as JID domains are (`ÄÖ.Example.` is the
    /// answer of `äö.example`). Where the cache already holds an answer for a peer, the
    /// one that expires later (the fresher) is kept. An answer that changes whether a
    /// connected peer is named schedules a publication, as a reply would.
    pub fn restore_opt_in_cache(
        &mut self,
        now: Time,
        entries: impl IntoIterator<Item = (String, OptInEntry)>,
    ) {
        let mut changed = false;
        for (peer, entry) in entries {
            // The key of a peer is its `DomainRef` form (connections and replies arrive
            // as `DomainRef`s): lower case beyond ASCII too, which `normalise` alone
            // is not.
            let Some(domain) = domain_of(&normalise(&peer)) else {
                continue;
            };
            let peer = normalise(domain.as_str());
            if entry.expires <= now
                || self
                    .cache
                    .get(&peer)
                    .is_some_and(|old| old.expires >= entry.expires)
            {
                continue;
            }
            let was_named = self.named(&peer);
            self.set_entry(peer.clone(), entry);
            changed |= self.peers.contains_key(&peer) && self.named(&peer) != was_named;
        }
        if changed {
            self.changed(now);
        }
    }

    /// Whether `peer` may be named right now.
    pub fn is_opted_in(&self, peer: &DomainRef) -> bool {
        self.named(&normalise(peer.as_str()))
    }

    fn named(&self, peer: &str) -> bool {
        self.config.allow_list.contains(peer) || self.cache.get(peer).is_some_and(|e| e.opted_in)
    }

    /// The id of the disco#info query in flight to `peer`, if any (the id its reply
    /// must carry).
    pub fn pending_query(&self, peer: &DomainRef) -> Option<&str> {
        self.pending
            .get(&normalise(peer.as_str()))
            .map(|p| p.id.as_str())
    }

    /// The number of peers with at least one open connection.
    pub fn connected_peers(&self) -> usize {
        self.peers.len()
    }

    /// An s2s connection to `peer` was established.
    pub fn handle_connection_opened(
        &mut self,
        now: Time,
        peer: &DomainRef,
        direction: LinkDirection,
    ) {
        let peer = normalise(peer.as_str());
        if peer.is_empty() || peer == self.local {
            return;
        }
        let counts = self.peers.entry(peer.clone()).or_insert([0; 3]);
        counts[direction.index()] = counts[direction.index()].saturating_add(1);
        self.changed(now);
        if !self.config.allow_list.contains(&peer)
            && !self.cache.contains_key(&peer)
            && !self.pending.contains_key(&peer)
        {
            self.query(now, peer);
        }
    }

    /// An s2s connection to `peer` was closed. A close without a matching open is
    /// ignored.
    pub fn handle_connection_closed(
        &mut self,
        now: Time,
        peer: &DomainRef,
        direction: LinkDirection,
    ) {
        let peer = normalise(peer.as_str());
        let Some(counts) = self.peers.get_mut(&peer) else {
            return;
        };
        let slot = &mut counts[direction.index()];
        if *slot == 0 {
            return;
        }
        *slot -= 1;
        if counts.iter().all(|&c| c == 0) {
            self.peers.remove(&peer);
        }
        self.changed(now);
    }

    /// The disco#info result for our query `id` to `peer` arrived. A result that does
    /// not answer a query in flight (unknown peer, other id, or too late) is ignored
    /// and reported as [`Event::UnsolicitedReply`].
    pub fn handle_disco_info(&mut self, now: Time, peer: &DomainRef, id: &str, info: &DiscoInfo) {
        let peer = normalise(peer.as_str());
        if !self.take_pending(&peer, id) {
            return;
        }
        // XEP-0485: "a domain MUST NOT publish the name of a remote domain, unless that
        // domain advertises support for this XEP". The feature var must match once
        // white space is collapsed, as a crawler reading the same result decides
        // (`DiscoInfo` collapses it).
        let opted_in = info.has_feature(FEATURE);
        let source = if opted_in {
            OptInSource::Feature
        } else {
            OptInSource::NoFeature
        };
        self.answer(now, peer, opted_in, source);
    }

    /// Our query `id` to `peer` failed: an error reply, or a reply that is not a
    /// disco#info result. The peer counts as not opted in (INTEROP P21); the machine
    /// carries on.
    pub fn handle_disco_error(&mut self, now: Time, peer: &DomainRef, id: &str) {
        let peer = normalise(peer.as_str());
        if !self.take_pending(&peer, id) {
            return;
        }
        self.answer(now, peer, false, OptInSource::FailedReply);
    }

    /// Ends the query in flight to `peer` if `id` is its id.
    fn take_pending(&mut self, peer: &str, id: &str) -> bool {
        if self.pending.get(peer).is_some_and(|p| p.id == id) {
            self.pending.remove(peer);
            true
        } else {
            self.events.push_back(Event::UnsolicitedReply {
                from: peer.to_owned(),
            });
            false
        }
    }

    /// Offers a raw `<iq/>`. Returns `true` if it was the reply to one of this
    /// machine's queries: type `result` or `error`, from the peer asked, with the id
    /// of the query. A result that reads as disco#info is used (each form on its own,
    /// [`DiscoInfo::read`]); an error, or a result that is not disco#info, counts as a
    /// failed query.
    ///
    /// Anything else returns `false` and is the caller's to handle: above all a
    /// peer's own disco#info *request* (`type='get'`), which arrives when two servers
    /// query each other at once and must be answered, not taken as a reply.
    pub fn handle_iq(&mut self, now: Time, iq: &Element) -> bool {
        if iq.name() != "iq" {
            return false;
        }
        let (Some(from), Some(id)) = (iq.attr("from"), iq.attr("id")) else {
            return false;
        };
        let kind = iq.attr("type");
        if !matches!(kind, Some("result" | "error")) {
            return false;
        }
        // A reply comes from the domain we asked; a full or bare JID with a node or
        // resource is not that domain.
        let Ok(from) = jid::BareJid::new(from) else {
            return false;
        };
        if from.node().is_some() {
            return false;
        }
        let peer = normalise(from.domain().as_str());
        if self.pending.get(&peer).is_none_or(|p| p.id != id) {
            return false;
        }
        let info = match kind {
            Some("result") => DiscoInfo::read(iq).ok().map(|r| r.value),
            _ => None,
        };
        match info {
            Some(info) => self.handle_disco_info(now, from.domain(), id, &info),
            None => self.handle_disco_error(now, from.domain(), id),
        }
        true
    }

    /// The next deadline at which [`handle_timeout`](Self::handle_timeout) has work.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        let timer = self.timers.first().map(|(t, _, _)| *t);
        match (timer, self.publish_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every deadline at or before `now`. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some((at, kind, peer)) = self.timers.first().cloned() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, kind, peer.clone()));
            match kind {
                TimerKind::QueryTimeout => {
                    if self.pending.get(&peer).is_some_and(|p| p.deadline == at) {
                        self.pending.remove(&peer);
                        self.answer(now, peer, false, OptInSource::Timeout);
                    }
                }
                TimerKind::Expiry => {
                    if self.cache.get(&peer).is_some_and(|e| e.expires == at) {
                        // An allow-listed peer is named "without asking", even when a
                        // restored cache (from before it was listed) held an answer.
                        if self.peers.contains_key(&peer) && !self.config.allow_list.contains(&peer)
                        {
                            // Keep the old answer while asking again; a timeout or a
                            // "no" replaces it.
                            if !self.pending.contains_key(&peer) {
                                self.query(now, peer);
                            }
                        } else {
                            self.cache.remove(&peer);
                        }
                    }
                }
            }
        }
        if self.publish_at.is_some_and(|t| t <= now) {
            self.publish_at = None;
            self.publish(now);
        }
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

    /// The item as it would be published now.
    pub fn current_item(&self) -> ServerInfo {
        let mut named = Vec::new();
        let mut anonymous = Vec::new();
        for (peer, counts) in &self.peers {
            let mut remote = if self.named(peer) {
                RemoteDomain::named(peer.as_str())
            } else if self.config.include_anonymous {
                RemoteDomain::anonymous()
            } else {
                continue;
            };
            let mut connections = Vec::new();
            for direction in [
                LinkDirection::Incoming,
                LinkDirection::Outgoing,
                LinkDirection::Bidi,
            ] {
                for _ in 0..counts[direction.index()] {
                    connections.push(Connection::new(direction.wire()));
                }
            }
            remote.connections = connections.into_boxed_slice();
            if remote.name.is_some() {
                named.push(remote);
            } else {
                anonymous.push((*counts, remote));
            }
        }
        // Anonymous peers in an order that says nothing about their names.
        anonymous.sort_by_key(|a| a.0);
        named.extend(anonymous.into_iter().map(|(_, r)| r));
        ServerInfo::new(Domain::new(self.config.domain.as_str()).with_remote_domains(named))
    }

    fn query(&mut self, now: Time, peer: String) {
        let Some(to) = domain_of(&peer) else {
            // Not a domain (a restored cache can hold anything): never asked, anonymous.
            return;
        };
        let deadline = time::add(now, self.config.query_timeout);
        let id = self.next_id();
        self.pending.insert(
            peer.clone(),
            Pending {
                id: id.clone(),
                deadline,
            },
        );
        self.arm(deadline, TimerKind::QueryTimeout, peer);
        self.transmits.push_back(Transmit::DiscoInfo { to, id });
    }

    fn answer(&mut self, now: Time, peer: String, opted_in: bool, source: OptInSource) {
        let before = self.named(&peer);
        self.set_entry(
            peer.clone(),
            OptInEntry {
                opted_in,
                expires: time::add(now, self.config.opt_in_ttl),
            },
        );
        if let Some(domain) = domain_of(&peer) {
            self.events.push_back(Event::OptIn {
                peer: domain,
                opted_in,
                source,
            });
        }
        if before != self.named(&peer) && self.peers.contains_key(&peer) {
            self.changed(now);
        }
    }

    fn set_entry(&mut self, peer: String, entry: OptInEntry) {
        if let Some(old) = self.cache.insert(peer.clone(), entry) {
            self.timers
                .remove(&(old.expires, TimerKind::Expiry, peer.clone()));
        }
        self.arm(entry.expires, TimerKind::Expiry, peer);
    }

    /// Sets a timer, unless its deadline saturated at the end of time: such a
    /// deadline is "never". (At `now == Time::MAX_UTC` it was also `now`, and a query
    /// timed out, its answer expired and the peer was asked again, all at once:
    /// `handle_timeout` never returned.)
    fn arm(&mut self, at: Time, kind: TimerKind, peer: String) {
        if at < Time::MAX_UTC {
            self.timers.insert((at, kind, peer));
        }
    }

    /// The table changed: schedule a publication no earlier than `min_interval` after
    /// the last one.
    fn changed(&mut self, now: Time) {
        self.dirty = true;
        if self.publish_at.is_none() {
            let earliest = self
                .last_publish
                .map_or(now, |last| time::add(last, self.config.min_interval));
            self.publish_at = Some(earliest.max(now));
        }
    }

    fn publish(&mut self, now: Time) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let item = self.current_item();
        if self.last_item.as_ref() == Some(&item) {
            // Changes that cancelled out: nothing to republish.
            return;
        }
        self.last_publish = Some(now);
        self.last_item = Some(item.clone());
        let id = self.next_id();
        self.transmits.push_back(Transmit::Publish {
            at: self.config.coordinates.clone(),
            item,
            id,
        });
    }
}

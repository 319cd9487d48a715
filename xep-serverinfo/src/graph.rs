//! The consumer side: fold many domains' `<serverinfo/>` items into one federation graph.
//!
//! A crawler fetches the `serverinfo` item of many domains and feeds each one, with the
//! time it was published or fetched, to a [`GraphBuilder`]. The builder keeps the newest
//! item per publishing domain; [`GraphBuilder::graph`] then computes a [`Graph`] whose
//! nodes are domains and whose edges are federation links, exported with
//! [`Graph::to_json`] and [`Graph::to_dot`].
//!
//! Sans-I/O: the builder never reads the clock. Times arrive as arguments (the
//! observation's `at`, and the `now` that decides what is stale).
//!
//! # What a crawler can trust
//!
//! XEP-0485 warns that non-administrative users may be able to create nodes on a
//! pubsub service, so an item can name any `<domain/>`. Under the default
//! [`Trust::Advertised`], an item counts only for the domain it was fetched for
//! ([`Observation::for_domain`]), that is from the node that domain advertises in
//! its own disco#info: a forged item on another node cannot take over a victim's
//! links, and an item listing an unrelated domain cannot speak for it. What a
//! trusted item says about *other* domains (its peers) is still only that server's
//! claim, which is why links are marked [`LinkStatus::OneSided`] or
//! [`LinkStatus::Unconfirmed`] until the peer confirms them. Items dated more than
//! [`GraphConfig::max_skew`] in the future are refused (they would win every
//! comparison and never go stale). [`Trust::AnySource`] is for sources the caller
//! vouches for itself.
//!
//! # What the fold does (INTEROP P1-P3, P10, P11, P15)
//!
//! * **Names** are compared case-insensitively, with surrounding white space and
//!   trailing dots removed (`Example.ORG.` is `example.org`); the graph shows them in
//!   that normalised form.
//! * **Newest item wins** (P10): a domain's item replaces the one held for that domain
//!   only if it is newer. Items with the same time are ordered by their content, so
//!   the result never depends on the order items were added in, and adding the same
//!   item twice changes nothing.
//! * **Stale data is dropped** (P10): an item older than [`GraphConfig::max_age`]
//!   (three hours by default, as the XMPP Network Graph does) at `now` is left out.
//! * **Directions are normalised** (P2, P3): `bidi`, `both`, and ejabberd's
//!   `incoming` + `outgoing` pair all mean "both ways". From A's item, an `outgoing`
//!   connection to B is evidence of A → B and an `incoming` one of B → A. A peer
//!   listed with no connection (Prosody), with untyped connections (Openfire) or with
//!   unknown types is linked with direction unknown. Openfire labels outgoing-only
//!   links `incoming` (P3), so direction data is evidence, not proof.
//! * **One edge per pair**: A's and B's reports of the same link merge into one
//!   [`Edge`] that records who reported it. Duplicate `<remote-domain/>`s in one item
//!   merge too. Self-links are dropped and counted in [`Dropped::self_links`].
//! * **Anonymous peers** (P1, P11) are never nodes: they are counted on the publishing
//!   node ([`Node::anonymous_peers`]).
//! * **One-sided links**: A names B, and B has a current item that does not name A:
//!   [`LinkStatus::OneSided`]. If B has no current item at all the link is
//!   [`LinkStatus::Unconfirmed`]. Opt-in caches make peers flip between named and
//!   anonymous (P11), so a one-sided link whose silent side has anonymous peers may
//!   still be real.
//! * **Sibling vhosts** (P15): servers list their other local vhosts as remote
//!   domains. Siblings are merged into one node (the smallest name is its id, the
//!   others are [`Node::aliases`]) and the links between them are dropped (counted in
//!   [`Dropped::sibling_links`]). Domains are siblings when
//!   1. the configuration says so ([`GraphConfig::with_siblings`]), or
//!   2. one item has several `<domain/>`s (one server published them together) and
//!      one of them names the other (an item listing two unrelated domains does not
//!      merge them), or
//!   3. (unless disabled with [`GraphConfig::with_service_siblings`]) both publish on
//!      the same pubsub service, as given in [`Source::service`], **and** each names
//!      the other. A shared service alone is not enough: Prosody can publish to a
//!      remote pubsub service shared by unrelated servers.
//!
//!   Nothing is guessed from the names themselves: `a.example` and `b.example` may
//!   well be different servers.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use xep_serverinfo::graph::{EdgeDirection, GraphBuilder, GraphConfig, LinkStatus, Observation};
//! use xep_serverinfo::{Direction, Domain, RemoteDomain, ServerInfo};
//!
//! let t = Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap();
//! // ejabberd: a link both ways is an incoming + outgoing pair.
//! let a = ServerInfo::new(Domain::new("a.example").with_remote_domains(vec![
//!     RemoteDomain::named("b.example")
//!         .with_connection(Direction::Incoming)
//!         .with_connection(Direction::Outgoing),
//!     RemoteDomain::anonymous(),
//! ]));
//! // The spec: one bidi connection.
//! let b = ServerInfo::new(Domain::new("b.example").with_remote_domains(vec![
//!     RemoteDomain::named("a.example").with_connection(Direction::Bidi),
//! ]));
//!
//! let mut builder = GraphBuilder::new(GraphConfig::default().with_max_age(TimeDelta::hours(1)));
//! // Each item was fetched from the node its domain advertises.
//! builder.add(t, Observation::new(&a, t).for_domain("a.example"));
//! builder.add(t, Observation::new(&b, t).for_domain("b.example"));
//! let graph = builder.graph(t + TimeDelta::minutes(5));
//!
//! let edge = graph.edge("a.example", "b.example").unwrap();
//! assert_eq!(edge.direction, EdgeDirection::Both);
//! assert_eq!(edge.status, LinkStatus::Mutual);
//! assert_eq!(graph.edges.len(), 1);
//! assert_eq!(graph.node("a.example").unwrap().anonymous_peers, 1);
//! assert!(graph.to_dot().contains(r#""a.example" -- "b.example" [dir=both]"#));
//!
//! // Two hours later both items are stale.
//! assert!(builder.graph(t + TimeDelta::hours(2)).nodes.is_empty());
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::payload::{Direction, ServerInfo};

/// The default [`GraphConfig::max_age`]: three hours (items are republished every five
/// minutes; the XMPP Network Graph drops data "older than a few hours", P10).
pub const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::hours(3);

/// The default [`GraphConfig::max_skew`]: five minutes.
pub const DEFAULT_MAX_SKEW: TimeDelta = TimeDelta::minutes(5);

/// How a [`GraphBuilder`] folds items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphConfig {
    /// Items older than this at `now` are stale and left out. Serialised as seconds.
    #[serde(with = "seconds")]
    pub max_age: TimeDelta,
    /// Groups of domains known to be vhosts of one server, merged into one node each.
    /// Names are normalised when the graph is computed.
    pub siblings: Vec<Vec<String>>,
    /// Whether two domains that publish on the same pubsub service and name each other
    /// are siblings (rule 3 in the [module docs](self)). On by default.
    pub service_siblings: bool,
    /// Which items count for which domain (see [`Trust`]).
    pub trust: Trust,
    /// How far in the future an item's time may lie (clock skew between the
    /// publisher and the crawler) before the item is refused. Serialised as seconds.
    #[serde(with = "seconds")]
    pub max_skew: TimeDelta,
}

/// Which items a [`GraphBuilder`] attributes to a domain.
///
/// XEP-0485 warns that "non-administrative users" can create nodes on a pubsub
/// service, so anyone can publish a `<serverinfo/>` naming any `<domain/>`. What an
/// item says about a domain can only be trusted when the item was fetched from the
/// node that domain itself advertises in its disco#info (the coordinates of
/// [`Discovery::plan`](crate::discovery::Discovery::plan)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    /// An item counts only for the domain it was fetched for
    /// ([`Observation::for_domain`]): its `<domain/>` of that name. Other `<domain/>`s
    /// in it, and items with no such domain or fetched for no domain, are refused and
    /// counted in [`Dropped::untrusted`]. The default.
    #[default]
    Advertised,
    /// The caller vouches for every source (its own server's items, a capture it
    /// checked): each named `<domain/>` of an item counts.
    AnySource,
}

impl Default for GraphConfig {
    fn default() -> Self {
        Self {
            max_age: DEFAULT_MAX_AGE,
            siblings: Vec::new(),
            service_siblings: true,
            trust: Trust::Advertised,
            max_skew: DEFAULT_MAX_SKEW,
        }
    }
}

impl GraphConfig {
    /// Sets how old an item may be before it is stale.
    #[must_use]
    pub fn with_max_age(mut self, max_age: TimeDelta) -> Self {
        self.max_age = max_age;
        self
    }

    /// Adds a group of domains that are vhosts of one server.
    #[must_use]
    pub fn with_siblings<I, S>(mut self, group: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.siblings
            .push(group.into_iter().map(Into::into).collect());
        self
    }

    /// Sets which items count for which domain.
    #[must_use]
    pub fn with_trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Turns sibling detection by shared pubsub service on or off.
    #[must_use]
    pub fn with_service_siblings(mut self, on: bool) -> Self {
        self.service_siblings = on;
        self
    }
}

mod seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(value.num_seconds())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = i64::deserialize(d)?;
        TimeDelta::try_seconds(secs)
            .ok_or_else(|| serde::de::Error::custom("duration out of range"))
    }
}

/// Where an item came from: the pubsub coordinates, when the caller knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The pubsub service's JID (`pubsub.example.org`).
    pub service: Option<String>,
    /// The node (`serverinfo`, `serverinfo/example.org`).
    pub node: Option<String>,
    /// The item id (`current`, or a UUID from Openfire).
    pub item: Option<String>,
}

impl Source {
    /// A source on this pubsub service.
    pub fn service(service: impl Into<String>) -> Self {
        Self {
            service: Some(service.into()),
            ..Self::default()
        }
    }

    /// Sets the node.
    #[must_use]
    pub fn with_node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// Sets the item id.
    #[must_use]
    pub fn with_item(mut self, item: impl Into<String>) -> Self {
        self.item = Some(item.into());
        self
    }
}

/// One item as observed: the payload, when it was published or fetched, and where from.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The payload.
    pub info: &'a ServerInfo,
    /// When the item was published (an XEP-0203 delay stamp) or, failing that, fetched.
    pub at: DateTime<Utc>,
    /// Where it came from.
    pub source: Option<&'a Source>,
    /// The domain whose advertised coordinates the item was fetched from, if any.
    pub for_domain: Option<&'a str>,
}

impl<'a> Observation<'a> {
    /// An item observed at `at`, source unknown.
    pub fn new(info: &'a ServerInfo, at: DateTime<Utc>) -> Self {
        Self {
            info,
            at,
            source: None,
            for_domain: None,
        }
    }

    /// Says the item was fetched from the node `domain` advertises (as its disco#info
    /// said, [`Discovery::plan`](crate::discovery::Discovery::plan)): under
    /// [`Trust::Advertised`] it then counts for that domain, and only for it.
    #[must_use]
    pub fn for_domain(mut self, domain: &'a str) -> Self {
        self.for_domain = Some(domain);
        self
    }

    /// Sets where the item came from.
    #[must_use]
    pub fn with_source(mut self, source: &'a Source) -> Self {
        self.source = Some(source);
        self
    }
}

/// What one item says about one named peer, from the publisher's point of view.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
struct Evidence {
    /// Publisher → peer (`outgoing` or `bidi`).
    outbound: bool,
    /// Peer → publisher (`incoming` or `bidi`).
    inbound: bool,
    /// Listed with no connection, or with a connection of unknown type.
    unknown: bool,
}

/// What one publishing domain's newest item says.
///
/// Field order matters: the derived `Ord` compares `at` first, which is how "newest
/// wins" and the same-time tie-break are decided.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Report {
    at: DateTime<Utc>,
    source: Option<Source>,
    peers: BTreeMap<String, Evidence>,
    anonymous: u32,
    self_links: u32,
    co_published: BTreeSet<String>,
}

/// Folds observed items into a [`Graph`]. Serialisable, so a crawler can persist it
/// between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphBuilder {
    config: GraphConfig,
    reports: BTreeMap<String, Report>,
    /// `<domain/>`s refused by the trust rule.
    #[serde(default)]
    untrusted: usize,
    /// Items refused because they were dated in the future.
    #[serde(default)]
    future: usize,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new(config: GraphConfig) -> Self {
        Self {
            config,
            reports: BTreeMap::new(),
            untrusted: 0,
            future: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    /// How many publishing domains have an item held (stale ones included until
    /// [`prune`](Self::prune)).
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    /// Whether no item is held.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// The publishing domains held and the time of each one's item, by name.
    pub fn publishers(&self) -> impl Iterator<Item = (&str, DateTime<Utc>)> + '_ {
        self.reports.iter().map(|(name, r)| (name.as_str(), r.at))
    }

    /// Adds one item, observed at `now`. Each `<domain/>` in it that the
    /// [`Trust`] rule attributes replaces what is held for that domain if the item is
    /// newer (or, at the same time, orders after it; see the [module docs](self)).
    /// `<domain/>`s without a name cannot be attributed and are skipped. An item dated
    /// more than [`GraphConfig::max_skew`] after `now` is refused: it would otherwise
    /// win over every genuine item and never go stale. Returns how many domains' data
    /// changed. Costs O(size of the item).
    pub fn add(&mut self, now: DateTime<Utc>, observation: Observation<'_>) -> usize {
        if observation.at > xep_core::time::add(now, self.config.max_skew) {
            self.future += 1;
            return 0;
        }
        let trusted = match self.config.trust {
            Trust::AnySource => None,
            Trust::Advertised => Some(observation.for_domain.and_then(normalise)),
        };
        let mut fresh: BTreeMap<String, Report> = BTreeMap::new();
        for domain in &observation.info.domains {
            let Some(name) = domain.name.as_deref().and_then(normalise) else {
                continue;
            };
            if let Some(expected) = &trusted {
                if expected.as_ref() != Some(&name) {
                    self.untrusted += 1;
                    continue;
                }
            }
            let report = fresh.entry(name.clone()).or_insert_with(|| Report {
                at: observation.at,
                source: observation.source.cloned(),
                peers: BTreeMap::new(),
                anonymous: 0,
                self_links: 0,
                co_published: BTreeSet::new(),
            });
            for remote in domain.remote_domains() {
                let Some(peer) = remote.name.as_deref().and_then(normalise) else {
                    report.anonymous = report.anonymous.saturating_add(1);
                    continue;
                };
                if peer == name {
                    report.self_links = report.self_links.saturating_add(1);
                    continue;
                }
                let evidence = report.peers.entry(peer).or_default();
                if remote.connections.is_empty() {
                    evidence.unknown = true;
                }
                for connection in &remote.connections {
                    match connection.direction() {
                        Some(d @ (Direction::Incoming | Direction::Outgoing | Direction::Bidi)) => {
                            evidence.inbound |= d.is_inbound();
                            evidence.outbound |= d.is_outbound();
                        }
                        Some(Direction::Other) | None => evidence.unknown = true,
                    }
                }
            }
        }
        if fresh.len() > 1 {
            let names: Vec<String> = fresh.keys().cloned().collect();
            for (name, report) in &mut fresh {
                report
                    .co_published
                    .extend(names.iter().filter(|n| *n != name).cloned());
            }
        }
        let mut changed = 0;
        for (name, report) in fresh {
            match self.reports.get_mut(&name) {
                Some(held) if *held >= report => {}
                Some(held) => {
                    *held = report;
                    changed += 1;
                }
                None => {
                    self.reports.insert(name, report);
                    changed += 1;
                }
            }
        }
        changed
    }

    /// Forgets every item that is stale at `now`; returns how many.
    pub fn prune(&mut self, now: DateTime<Utc>) -> usize {
        let before = self.reports.len();
        let max_age = self.config.max_age;
        self.reports.retain(|_, r| !is_stale(r.at, now, max_age));
        before - self.reports.len()
    }

    /// Prunes at `now` and computes the graph.
    pub fn finish(mut self, now: DateTime<Utc>) -> Graph {
        let stale = self.prune(now);
        let mut graph = self.graph(now);
        graph.dropped.stale = stale;
        graph
    }

    /// The graph of the items that are current at `now` (stale ones are left out but
    /// kept in the builder). Costs O(total size of the held items).
    pub fn graph(&self, now: DateTime<Utc>) -> Graph {
        let max_age = self.config.max_age;
        let mut dropped = Dropped {
            untrusted: self.untrusted,
            future: self.future,
            ..Dropped::default()
        };
        let current: Vec<(&String, &Report)> = self
            .reports
            .iter()
            .filter(|(_, r)| {
                let stale = is_stale(r.at, now, max_age);
                dropped.stale += usize::from(stale);
                !stale
            })
            .collect();

        // Every name: publishers and the peers they name.
        let mut sets = UnionFind::default();
        for (name, report) in &current {
            sets.insert(name);
            for peer in report.peers.keys() {
                sets.insert(peer);
            }
        }
        // Rule 1: configured groups (only the names seen become aliases).
        for group in &self.config.siblings {
            let present: Vec<String> = group
                .iter()
                .filter_map(|n| normalise(n))
                .filter(|n| sets.contains(n))
                .collect();
            for pair in present.windows(2) {
                sets.union(&pair[0], &pair[1]);
            }
        }
        // Rule 2: several domains in one item, when one names the other (servers list
        // their sibling vhosts, P15); an item listing two unrelated domains must not
        // merge them.
        for (name, report) in &current {
            for other in &report.co_published {
                let related = report.peers.contains_key(other)
                    || self
                        .reports
                        .get(other)
                        .is_some_and(|o| o.peers.contains_key(*name));
                if related && sets.contains(other) {
                    sets.union(name, other);
                }
            }
        }
        // Rule 3: same pubsub service and each names the other.
        if self.config.service_siblings {
            let mut by_service: BTreeMap<String, Vec<(&String, &Report)>> = BTreeMap::new();
            for &(name, report) in &current {
                if let Some(service) = report
                    .source
                    .as_ref()
                    .and_then(|s| s.service.as_deref())
                    .and_then(normalise)
                {
                    by_service.entry(service).or_default().push((name, report));
                }
            }
            for group in by_service.values() {
                for (i, (x, rx)) in group.iter().enumerate() {
                    for (y, ry) in &group[i + 1..] {
                        if rx.peers.contains_key(*y) && ry.peers.contains_key(*x) {
                            sets.union(x, y);
                        }
                    }
                }
            }
        }

        // Nodes: one per set, its id the smallest name.
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        let names: Vec<String> = sets.names().cloned().collect();
        for name in &names {
            let id = sets.root_name(name);
            let node = nodes.entry(id.clone()).or_insert_with(|| Node {
                id: id.clone(),
                aliases: Vec::new(),
                published: false,
                updated: None,
                anonymous_peers: 0,
                sources: Vec::new(),
            });
            if *name != id {
                node.aliases.push(name.clone());
            }
        }
        for (name, report) in &current {
            let node = nodes
                .get_mut(&sets.root_name(name))
                .expect("every publisher has a node");
            node.published = true;
            node.updated = node.updated.max(Some(report.at));
            node.anonymous_peers = node.anonymous_peers.saturating_add(report.anonymous);
            if let Some(source) = &report.source {
                node.sources.push(source.clone());
            }
            dropped.self_links += report.self_links as usize;
        }
        for node in nodes.values_mut() {
            node.aliases.sort();
            node.sources.sort();
            node.sources.dedup();
        }

        // Edges: one per pair of nodes.
        let mut edges: BTreeMap<(String, String), EdgeAcc> = BTreeMap::new();
        for (name, report) in &current {
            let from = sets.root_name(name);
            for (peer, evidence) in &report.peers {
                let to = sets.root_name(peer);
                if from == to {
                    dropped.sibling_links += 1;
                    continue;
                }
                let forward = from < to;
                let key = if forward {
                    (from.clone(), to)
                } else {
                    (to, from.clone())
                };
                let acc = edges.entry(key).or_default();
                // From the publisher's side: outbound is publisher → peer.
                let (pub_to_peer, peer_to_pub) = (evidence.outbound, evidence.inbound);
                if forward {
                    acc.a_to_b |= pub_to_peer;
                    acc.b_to_a |= peer_to_pub;
                    acc.by_a.insert((*name).clone());
                } else {
                    acc.b_to_a |= pub_to_peer;
                    acc.a_to_b |= peer_to_pub;
                    acc.by_b.insert((*name).clone());
                }
            }
        }
        let edges = edges
            .into_iter()
            .map(|((a, b), acc)| {
                let direction = match (acc.a_to_b, acc.b_to_a) {
                    (true, true) => EdgeDirection::Both,
                    (true, false) => EdgeDirection::AToB,
                    (false, true) => EdgeDirection::BToA,
                    (false, false) => EdgeDirection::Unknown,
                };
                let status = if !acc.by_a.is_empty() && !acc.by_b.is_empty() {
                    LinkStatus::Mutual
                } else {
                    let silent = if acc.by_a.is_empty() { &a } else { &b };
                    if nodes.get(silent).is_some_and(|n| n.published) {
                        LinkStatus::OneSided
                    } else {
                        LinkStatus::Unconfirmed
                    }
                };
                let mut reported_by: Vec<String> = acc.by_a.into_iter().collect();
                reported_by.extend(acc.by_b);
                reported_by.sort();
                Edge {
                    a,
                    b,
                    direction,
                    status,
                    reported_by,
                }
            })
            .collect();
        Graph {
            nodes: nodes.into_values().collect(),
            edges,
            dropped,
        }
    }
}

fn is_stale(at: DateTime<Utc>, now: DateTime<Utc>, max_age: TimeDelta) -> bool {
    now.signed_duration_since(at) > max_age
}

/// A domain name in the form the graph compares: trimmed, without trailing dots,
/// ASCII-lowercased; `None` when nothing is left.
///
/// Normalising a normalised name changes nothing: names in the graph are compared in
/// this form. Only one trailing dot was taken off, so `b.example..` became the node
/// `b.example.`, which normalised again is `b.example` (found by the long
/// serverinfo_graph run).
fn normalise(name: &str) -> Option<String> {
    let name = name
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_start();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

#[derive(Default)]
struct EdgeAcc {
    a_to_b: bool,
    b_to_a: bool,
    by_a: BTreeSet<String>,
    by_b: BTreeSet<String>,
}

/// Union-find over names; the representative of a set is its smallest name, so the
/// result does not depend on the order of unions.
#[derive(Default)]
struct UnionFind {
    index: BTreeMap<String, usize>,
    parent: Vec<usize>,
    names: Vec<String>,
}

impl UnionFind {
    fn insert(&mut self, name: &str) {
        if !self.index.contains_key(name) {
            let i = self.parent.len();
            self.index.insert(name.to_owned(), i);
            self.parent.push(i);
            self.names.push(name.to_owned());
        }
    }

    fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        self.index.keys()
    }

    fn find(&self, mut i: usize) -> usize {
        while self.parent[i] != i {
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, x: &str, y: &str) {
        let (Some(&x), Some(&y)) = (self.index.get(x), self.index.get(y)) else {
            return;
        };
        let (rx, ry) = (self.find(x), self.find(y));
        if rx == ry {
            return;
        }
        // Keep the smallest name as the root.
        if self.names[rx] < self.names[ry] {
            self.parent[ry] = rx;
        } else {
            self.parent[rx] = ry;
        }
    }

    fn root_name(&self, name: &str) -> String {
        let i = self.index[name];
        self.names[self.find(i)].clone()
    }
}

/// A federation graph: domains and the links between them. Deterministic: nodes are
/// sorted by id, edges by their ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// The domains, sorted by id.
    pub nodes: Vec<Node>,
    /// The links, sorted by `(a, b)`.
    pub edges: Vec<Edge>,
    /// What was left out, and why.
    pub dropped: Dropped,
}

/// A domain (or a group of sibling vhosts) in a [`Graph`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The (normalised) domain name; for merged siblings, the smallest one.
    pub id: String,
    /// The other names merged into this node (sibling vhosts), sorted.
    pub aliases: Vec<String>,
    /// Whether a current item was seen for this domain (or one of its aliases).
    /// `false` for domains only named by others.
    pub published: bool,
    /// The time of the newest current item, if any.
    pub updated: Option<DateTime<Utc>>,
    /// How many peers the node's items list without a name (peers that did not opt in).
    pub anonymous_peers: u32,
    /// Where the node's items came from, when known; sorted.
    pub sources: Vec<Source>,
}

impl Node {
    /// Whether `name` (normalised) is this node's id or one of its aliases.
    pub fn is_named(&self, name: &str) -> bool {
        normalise(name).is_some_and(|n| n == self.id || self.aliases.contains(&n))
    }
}

/// A federation link between two nodes, `a < b`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// One end: the smaller node id.
    pub a: String,
    /// The other end: the larger node id.
    pub b: String,
    /// Which way traffic flows, from all reports together.
    pub direction: EdgeDirection,
    /// Whether both ends report the link.
    pub status: LinkStatus,
    /// The publishing domains whose items list the link, sorted.
    pub reported_by: Vec<String>,
}

/// The direction evidence of an [`Edge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeDirection {
    /// Both ways (`bidi`, `both`, `incoming` + `outgoing`, or one way reported by each side).
    Both,
    /// From `a` to `b` only.
    AToB,
    /// From `b` to `a` only.
    BToA,
    /// Linked, direction not published (Prosody, untyped or unknown connection types).
    Unknown,
}

/// How well an [`Edge`] is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Both ends list each other.
    Mutual,
    /// One end lists the other, whose current item does not list it.
    OneSided,
    /// One end lists the other, which has no current item.
    Unconfirmed,
}

/// What the fold left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// Items stale at `now`.
    pub stale: usize,
    /// `<domain/>`s refused by the [`Trust`] rule since the builder was made.
    #[serde(default)]
    pub untrusted: usize,
    /// Items refused since the builder was made because they were dated in the future.
    #[serde(default)]
    pub future: usize,
    /// Remote domains naming their own publisher.
    pub self_links: usize,
    /// Links between sibling vhosts merged into one node (one per report).
    pub sibling_links: usize,
}

impl Graph {
    /// The node named `name` (its id or an alias).
    pub fn node(&self, name: &str) -> Option<&Node> {
        let name = normalise(name)?;
        match self.nodes.binary_search_by(|n| n.id.cmp(&name)) {
            Ok(i) => Some(&self.nodes[i]),
            Err(_) => self.nodes.iter().find(|n| n.aliases.contains(&name)),
        }
    }

    /// The edge between the nodes named `x` and `y`, in either order.
    pub fn edge(&self, x: &str, y: &str) -> Option<&Edge> {
        let (x, y) = (&self.node(x)?.id, &self.node(y)?.id);
        let (a, b) = if x < y { (x, y) } else { (y, x) };
        self.edges
            .binary_search_by(|e| (&e.a, &e.b).cmp(&(a, b)))
            .ok()
            .map(|i| &self.edges[i])
    }

    /// The graph as pretty-printed JSON: fields in declaration order, nodes and edges
    /// sorted, so equal graphs give equal text.
    pub fn to_json(&self) -> String {
        // Plain structs with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The graph in Graphviz DOT: an undirected graph whose edges carry `dir`
    /// (`both`, `forward` for a → b, `back` for b → a, `none` when unknown), dashed
    /// when one-sided and dotted when unconfirmed. Nodes never seen publishing are
    /// drawn dotted; merged siblings are labelled with all their names.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("graph serverinfo {\n");
        for node in &self.nodes {
            let _ = write!(out, "  {}", dot_id(&node.id));
            let mut attrs = Vec::new();
            if !node.aliases.is_empty() {
                let mut label = node.id.clone();
                for alias in &node.aliases {
                    label.push('\n');
                    label.push_str(alias);
                }
                attrs.push(format!("label={}", dot_id(&label)));
            }
            if !node.published {
                attrs.push("style=dotted".to_owned());
            }
            if node.anonymous_peers > 0 {
                attrs.push(format!("anonymous_peers={}", node.anonymous_peers));
            }
            write_attrs(&mut out, &attrs);
        }
        for edge in &self.edges {
            let _ = write!(out, "  {} -- {}", dot_id(&edge.a), dot_id(&edge.b));
            let mut attrs = vec![
                match edge.direction {
                    EdgeDirection::Both => "dir=both",
                    EdgeDirection::AToB => "dir=forward",
                    EdgeDirection::BToA => "dir=back",
                    EdgeDirection::Unknown => "dir=none",
                }
                .to_owned(),
            ];
            match edge.status {
                LinkStatus::Mutual => {}
                LinkStatus::OneSided => attrs.push("style=dashed".to_owned()),
                LinkStatus::Unconfirmed => attrs.push("style=dotted".to_owned()),
            }
            write_attrs(&mut out, &attrs);
        }
        out.push_str("}\n");
        out
    }
}

fn write_attrs(out: &mut String, attrs: &[String]) {
    if !attrs.is_empty() {
        out.push_str(" [");
        out.push_str(&attrs.join(", "));
        out.push(']');
    }
    out.push_str(";\n");
}

/// A DOT double-quoted ID. Inside quotes DOT only gives `\"` a meaning; a backslash is
/// doubled so Graphviz's escString labels show it, and a line feed becomes `\n`.
fn dot_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

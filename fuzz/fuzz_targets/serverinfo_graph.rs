//! Bytes -> `<serverinfo/>` items folded into the federation graph.
//!
//! The first byte chooses the mode and the configuration (maximum age and skew from
//! below zero to never, trust rule, sibling detection by service, a configured sibling
//! group or not):
//!
//! * capture mode (odd first byte): the rest is an XML capture; every
//!   `<serverinfo/>` element in it (at any depth, read leniently with
//!   `ServerInfo::read`) is one observation, fetched for its first domain (or for
//!   none, or another), from one of three pubsub services, dated and observed on a
//!   virtual clock derived from its index (some in the future, some stale);
//! * structured mode (even first byte): `arbitrary::Unstructured` builds up to 64
//!   observations, each an item with one to three domains and their peers from a
//!   pool of names (spelling variants, empty, Unicode, quotes, backslashes, line feeds,
//!   NUL), connections of every direction, unknown and untyped, anonymous peers, or
//!   the bytes of an item read with `ServerInfo::read_bytes`; with a time, an
//!   observation time, a domain it was fetched for and a source.
//!
//! Checked against a model of what was added (the module docs' promises):
//!
//! * an item dated more than `max_skew` after its `now` is refused and counted;
//!   under `Trust::Advertised` only the domain it was fetched for counts, the others
//!   are counted as untrusted; the newest item per domain wins (`publishers()` holds,
//!   per name, the latest time among the items attributed to it); adding an item a
//!   second time changes nothing (`add` returns 0);
//! * the graph: nodes sorted and unique, names normalised, never empty; every
//!   current publisher is a node, marked published, with the time of its newest item;
//!   no node that is not a publisher or a peer one of them named; every edge joins
//!   two distinct nodes (`a < b`), is reported by current publishers of its ends, and
//!   is mutual, one-sided or unconfirmed as the docs define; stale, untrusted and
//!   future counts match;
//! * the graph does not depend on the order the items were added in (all added again
//!   in reverse into a fresh builder); `finish` gives the same nodes and edges;
//! * the JSON export reads back to the same graph and the same text; the DOT export
//!   has one line per node and per edge (no name can break a line or a quote); the
//!   builder goes through JSON unchanged.
//!
//! Nothing may panic.

#![no_main]

#[path = "common.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use xep_core::time;
use xep_serverinfo::graph::{
    Graph, GraphBuilder, GraphConfig, LinkStatus, Observation, Source, Trust,
};
use xep_serverinfo::payload::{Connection, Direction, Domain, RemoteDomain, ServerInfo};

/// Most observations in one run.
const MAX_ITEMS: usize = 64;
const NAMES: [&str; 14] = [
    "a.example",
    "A.Example.",
    " b.example ",
    "b.example",
    "c.example",
    "d.example",
    "pubsub.a.example",
    "",
    ".",
    "日本.example",
    "q\"uote",
    "back\\slash",
    "line\nfeed",
    "nul\0x",
];
const SERVICES: [&str; 3] = [
    "pubsub.a.example",
    "PUBSUB.A.EXAMPLE.",
    "pubsub.shared.example",
];

type Time = DateTime<Utc>;

fn start() -> Time {
    // 2026-11-30T10:00:00Z
    DateTime::from_timestamp(1_796_032_800, 0).expect("in range")
}

/// The graph's form of a name (module docs: trimmed, no trailing dots, ASCII
/// lower case; nothing left is no name).
fn norm(name: &str) -> Option<String> {
    let name = name
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_start();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// One item as added.
struct Obs {
    now: Time,
    info: ServerInfo,
    at: Time,
    for_domain: Option<String>,
    source: Option<Source>,
}

impl Obs {
    fn observation(&self) -> Observation<'_> {
        let mut o = Observation::new(&self.info, self.at);
        if let Some(d) = &self.for_domain {
            o = o.for_domain(d);
        }
        if let Some(s) = &self.source {
            o = o.with_source(s);
        }
        o
    }
}

fn config(byte: u8) -> GraphConfig {
    let mut config = GraphConfig::default().with_max_age(match (byte >> 1) & 3 {
        0 => TimeDelta::hours(3),
        1 => TimeDelta::zero(),
        2 => TimeDelta::MAX,
        _ => TimeDelta::minutes(-5),
    });
    config.max_skew = match (byte >> 3) & 3 {
        0 => TimeDelta::minutes(5),
        1 => TimeDelta::zero(),
        2 => TimeDelta::MAX,
        _ => TimeDelta::MIN,
    };
    if byte & 0x20 != 0 {
        config = config.with_trust(Trust::AnySource);
    }
    if byte & 0x40 != 0 {
        config = config.with_service_siblings(false);
    }
    if byte & 0x80 != 0 {
        config = config.with_siblings(["A.example", "c.example.", "nowhere.example"]);
    }
    config
}

fn connection(u: &mut Unstructured<'_>) -> Result<Connection> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => Connection::new(Direction::Incoming),
        1 => Connection::new(Direction::Outgoing),
        2 => Connection::new(Direction::Bidi),
        3 => Connection::other("both"),
        4 => Connection::other("sideways"),
        _ => Connection::untyped(),
    })
}

fn generated(u: &mut Unstructured<'_>) -> Result<ServerInfo> {
    let mut info = ServerInfo::default();
    for _ in 0..u.int_in_range(0u8..=3)? {
        let mut domain = match u.int_in_range(0u8..=15)? {
            0 => Domain {
                name: None,
                ..Domain::new("x")
            },
            _ => Domain::new(*u.choose(&NAMES)?),
        };
        if u.ratio(1u8, 8)? {
            domain.federation = None;
        } else {
            let mut remotes = Vec::new();
            for _ in 0..u.int_in_range(0u8..=5)? {
                let mut remote = if u.ratio(1u8, 4)? {
                    RemoteDomain::anonymous()
                } else {
                    RemoteDomain::named(*u.choose(&NAMES)?)
                };
                let connections: Vec<Connection> = (0..u.int_in_range(0u8..=3)?)
                    .map(|_| connection(u))
                    .collect::<Result<_>>()?;
                remote.connections = connections.into_boxed_slice();
                remotes.push(remote);
            }
            domain = domain.with_remote_domains(remotes);
        }
        info.domains.push(domain);
    }
    Ok(info)
}

fn structured(u: &mut Unstructured<'_>) -> Vec<Obs> {
    let mut out = Vec::new();
    let mut now = start();
    while out.len() < MAX_ITEMS && !u.is_empty() {
        match observation(u, &mut now) {
            Ok(Some(o)) => out.push(o),
            Ok(None) => {}
            // The input ran out in the middle of an item.
            Err(_) => break,
        }
    }
    out
}

fn observation(u: &mut Unstructured<'_>, now: &mut Time) -> Result<Option<Obs>> {
    *now = time::add(*now, TimeDelta::minutes(u.int_in_range(0..=90)?));
    let now = *now;
    let info = if u.ratio(1u8, 4)? {
        let len = u.int_in_range(0usize..=1024)?;
        match ServerInfo::read_bytes(u.bytes(len)?) {
            Ok(reading) => reading.value,
            Err(_) => return Ok(None),
        }
    } else {
        generated(u)?
    };
    let at = match u.int_in_range(0u8..=15)? {
        0 => Time::MIN_UTC,
        1 => Time::MAX_UTC,
        2..=4 => time::add(now, TimeDelta::minutes(u.int_in_range(1..=30)?)),
        _ => time::sub(now, TimeDelta::minutes(u.int_in_range(0..=400)?)),
    };
    let for_domain = match u.int_in_range(0u8..=7)? {
        0 => None,
        1..=2 => Some((*u.choose(&NAMES)?).to_owned()),
        _ => info
            .domains
            .first()
            .and_then(|d| d.name.as_deref())
            .map(str::to_owned),
    };
    let source = match u.int_in_range(0u8..=3)? {
        0 => None,
        i => Some(Source::service(SERVICES[usize::from(i) - 1]).with_node("serverinfo")),
    };
    Ok(Some(Obs {
        now,
        info,
        at,
        for_domain,
        source,
    }))
}

fn capture(data: &[u8]) -> Vec<Obs> {
    let mut out = Vec::new();
    common::each_element(data, |element| {
        if out.len() >= MAX_ITEMS || !element.is("serverinfo", "urn:xmpp:serverinfo:0") {
            return;
        }
        let Ok(reading) = ServerInfo::read(element) else {
            return;
        };
        let i = out.len() as i64;
        let now = time::add(start(), TimeDelta::minutes(20 * i));
        // Mostly a few minutes old, every fifth in the future, every seventh stale.
        let at = match i % 35 {
            k if k % 5 == 4 => time::add(now, TimeDelta::minutes(10)),
            k if k % 7 == 6 => time::sub(now, TimeDelta::hours(4)),
            _ => time::sub(now, TimeDelta::minutes(i % 3)),
        };
        let first = reading
            .value
            .domains
            .first()
            .and_then(|d| d.name.as_deref())
            .map(str::to_owned);
        let for_domain = match i % 6 {
            5 => None,
            4 => Some("a.example".to_owned()),
            _ => first,
        };
        out.push(Obs {
            now,
            info: reading.value,
            at,
            for_domain,
            source: (i % 4 != 3).then(|| Source::service(SERVICES[(i % 3) as usize])),
        });
    });
    out
}

/// What the model expects of the builder after `obs`.
struct Expected {
    /// Newest time per attributed name.
    held: BTreeMap<String, Time>,
    /// Every name a held report may name (upper bound on the nodes).
    named: BTreeSet<String>,
    future: usize,
    untrusted: usize,
}

fn expected(config: &GraphConfig, obs: &[Obs]) -> Expected {
    let mut e = Expected {
        held: BTreeMap::new(),
        named: BTreeSet::new(),
        future: 0,
        untrusted: 0,
    };
    for o in obs {
        if o.at > time::add(o.now, config.max_skew) {
            e.future += 1;
            continue;
        }
        let trusted = o.for_domain.as_deref().and_then(norm);
        for domain in &o.info.domains {
            let Some(name) = domain.name.as_deref().and_then(norm) else {
                continue;
            };
            if config.trust == Trust::Advertised && trusted.as_ref() != Some(&name) {
                e.untrusted += 1;
                continue;
            }
            let held = e.held.entry(name.clone()).or_insert(o.at);
            *held = (*held).max(o.at);
            e.named.insert(name);
            for remote in domain.remote_domains() {
                if let Some(peer) = remote.name.as_deref().and_then(norm) {
                    e.named.insert(peer);
                }
            }
        }
    }
    e
}

fn stale(at: Time, now: Time, max_age: TimeDelta) -> bool {
    now.signed_duration_since(at) > max_age
}

fn check_graph(config: &GraphConfig, e: &Expected, graph: &Graph, now: Time) {
    // Nodes: sorted, unique, normalised names.
    assert!(
        graph.nodes.windows(2).all(|w| w[0].id < w[1].id),
        "nodes unsorted"
    );
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for node in &graph.nodes {
        for name in std::iter::once(&node.id).chain(&node.aliases) {
            assert_eq!(norm(name).as_deref(), Some(name.as_str()), "name {name:?}");
            assert!(e.named.contains(name), "{name:?} is nobody's name");
            assert!(
                owner.insert(name, &node.id).is_none(),
                "{name:?} in two nodes"
            );
        }
        assert!(
            node.aliases.iter().all(|a| *a > node.id),
            "id is not the smallest name"
        );
    }
    let current: BTreeMap<&String, &Time> = e
        .held
        .iter()
        .filter(|(_, at)| !stale(**at, now, config.max_age))
        .collect();
    assert_eq!(
        graph.dropped.stale,
        e.held.len() - current.len(),
        "stale count"
    );
    assert_eq!(graph.dropped.future, e.future, "future count");
    assert_eq!(graph.dropped.untrusted, e.untrusted, "untrusted count");
    for node in &graph.nodes {
        let updated = std::iter::once(&node.id)
            .chain(&node.aliases)
            .filter_map(|n| current.get(n).map(|t| **t))
            .max();
        assert_eq!(node.published, updated.is_some(), "published {}", node.id);
        assert_eq!(node.updated, updated, "updated {}", node.id);
    }
    for name in current.keys() {
        assert!(
            owner.contains_key(name.as_str()),
            "publisher {name} is no node"
        );
    }
    // Edges: sorted, unique, between nodes, reported by their ends.
    assert!(
        graph
            .edges
            .windows(2)
            .all(|w| (&w[0].a, &w[0].b) < (&w[1].a, &w[1].b)),
        "edges unsorted"
    );
    for edge in &graph.edges {
        assert!(edge.a < edge.b, "edge {} -- {}", edge.a, edge.b);
        let node = |id: &str| graph.nodes.binary_search_by(|n| n.id.as_str().cmp(id));
        let (Ok(a), Ok(b)) = (node(&edge.a), node(&edge.b)) else {
            panic!("edge {} -- {} between unknown nodes", edge.a, edge.b)
        };
        assert!(!edge.reported_by.is_empty());
        assert!(edge.reported_by.windows(2).all(|w| w[0] < w[1]));
        let (mut by_a, mut by_b) = (false, false);
        for reporter in &edge.reported_by {
            assert!(
                current.contains_key(reporter),
                "{reporter} reports but is not current"
            );
            match owner.get(reporter.as_str()) {
                Some(id) if *id == edge.a => by_a = true,
                Some(id) if *id == edge.b => by_b = true,
                _ => panic!("{reporter} reports {} -- {}", edge.a, edge.b),
            }
        }
        let silent = if by_a {
            &graph.nodes[b]
        } else {
            &graph.nodes[a]
        };
        let status = match (by_a && by_b, silent.published) {
            (true, _) => LinkStatus::Mutual,
            (false, true) => LinkStatus::OneSided,
            (false, false) => LinkStatus::Unconfirmed,
        };
        assert_eq!(edge.status, status, "{} -- {}", edge.a, edge.b);
        assert_eq!(graph.edge(&edge.a, &edge.b), Some(edge));
    }
    // Exports.
    let json = graph.to_json();
    let back: Graph = serde_json::from_str(&json)
        .unwrap_or_else(|err| panic!("the JSON export does not read back: {err}\n{json}"));
    assert_eq!(&back, graph, "JSON round trip");
    assert_eq!(back.to_json(), json, "JSON text changed");
    let dot = graph.to_dot();
    assert!(dot.starts_with("graph serverinfo {\n") && dot.ends_with("}\n"));
    assert_eq!(
        dot.lines().count(),
        graph.nodes.len() + graph.edges.len() + 2,
        "a name broke a DOT line\n{dot}"
    );
}

fn run(config: GraphConfig, obs: Vec<Obs>) {
    let mut builder = GraphBuilder::new(config.clone());
    for (i, o) in obs.iter().enumerate() {
        let changed = builder.add(o.now, o.observation());
        assert!(changed <= o.info.domains.len(), "{changed} domains changed");
        let again = builder.add(o.now, o.observation());
        assert_eq!(again, 0, "adding an item twice changed something");
        if i < 8 || i % 8 == 7 {
            let e = expected(&config, &obs[..=i]);
            check_builder(&config, &e, &builder, o.now);
        }
    }
    let now = obs.last().map_or_else(start, |o| o.now);
    let later = time::add(now, TimeDelta::hours(2));
    // Reversed, each added once: the same graph (the counts of refusals halve).
    let mut reversed = GraphBuilder::new(config.clone());
    for o in obs.iter().rev() {
        reversed.add(o.now, o.observation());
    }
    for at in [now, later] {
        let mut graph = builder.graph(at);
        graph.dropped.future /= 2;
        graph.dropped.untrusted /= 2;
        assert_eq!(
            reversed.graph(at),
            graph,
            "the order of the items changed the graph"
        );
    }
    let e = expected(&config, &obs);
    for at in [now, later] {
        let graph = reversed.graph(at);
        check_graph(&config, &e, &graph, at);
        assert_eq!(
            reversed.clone().finish(at),
            graph,
            "finish differs from graph"
        );
    }
    // The builder goes through JSON (durations are kept in whole seconds, so the
    // saved text, not the value, is compared) and holds the same items.
    let json = serde_json::to_string(&builder).expect("the builder saves");
    let back: GraphBuilder = serde_json::from_str(&json)
        .unwrap_or_else(|err| panic!("the saved builder does not read back: {err}\n{json}"));
    assert_eq!(
        serde_json::to_string(&back).expect("saves"),
        json,
        "builder JSON round trip"
    );
    assert!(
        back.publishers().eq(builder.publishers()),
        "publishers changed through JSON"
    );
}

/// The builder (each item added twice) against the model.
fn check_builder(config: &GraphConfig, e: &Expected, builder: &GraphBuilder, now: Time) {
    let held: BTreeMap<String, Time> = builder
        .publishers()
        .map(|(name, at)| (name.to_owned(), at))
        .collect();
    assert_eq!(held, e.held, "the newest item per domain");
    let mut graph = builder.graph(now);
    // Each refusal was counted twice (every item was added twice).
    graph.dropped.future /= 2;
    graph.dropped.untrusted /= 2;
    check_graph(config, e, &graph, now);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let config = config(mode);
    let obs = if mode & 1 == 1 {
        capture(rest)
    } else {
        structured(&mut Unstructured::new(rest))
    };
    run(config, obs);
});

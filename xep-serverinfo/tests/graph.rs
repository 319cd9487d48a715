//! The federation graph: normalisation, dedup, staleness, siblings, exports.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use xep_serverinfo::graph::{
    Dropped, EdgeDirection, Graph, GraphBuilder, GraphConfig, LinkStatus, Observation, Source,
    Trust,
};
use xep_serverinfo::{Connection, Direction, Domain, Extensions, RemoteDomain, ServerInfo};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn min(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

fn item(domain: &str, peers: Vec<RemoteDomain>) -> ServerInfo {
    ServerInfo::new(Domain::new(domain).with_remote_domains(peers))
}

/// These tests fold items whose source they vouch for; the trust rule has tests of
/// its own below.
fn config() -> GraphConfig {
    GraphConfig::default().with_trust(Trust::AnySource)
}

/// When the crawler saw the items: after every item time used here.
fn seen() -> DateTime<Utc> {
    t0() + TimeDelta::days(1)
}

fn parse(xml: &str) -> ServerInfo {
    let element: minidom::Element = xml.parse().unwrap();
    ServerInfo::read(&element).unwrap().value
}

fn fold(items: &[(&ServerInfo, DateTime<Utc>)]) -> Graph {
    fold_with(config(), items)
}

fn fold_with(config: GraphConfig, items: &[(&ServerInfo, DateTime<Utc>)]) -> Graph {
    let mut builder = GraphBuilder::new(config);
    for (info, at) in items {
        builder.add(seen(), Observation::new(info, *at));
    }
    builder.graph(min(1))
}

#[test]
fn ejabberd_pair_bidi_and_both_normalise_to_one_edge_kind() {
    let ejabberd = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation>\
         <remote-domain name='x.example'><connection type='incoming'/><connection type='outgoing'/></remote-domain>\
         </federation></domain></serverinfo>",
    );
    let spec = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation>\
         <remote-domain name='x.example'><connection type='bidi'/></remote-domain>\
         </federation></domain></serverinfo>",
    );
    let openfire = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation>\
         <remote-domain name='x.example'><connection type='both'/></remote-domain>\
         </federation></domain></serverinfo>",
    );
    let graphs: Vec<Graph> = [&ejabberd, &spec, &openfire]
        .iter()
        .map(|i| fold(&[(i, t0())]))
        .collect();
    for g in &graphs {
        assert_eq!(g.edges.len(), 1);
        let e = &g.edges[0];
        assert_eq!((e.a.as_str(), e.b.as_str()), ("a.example", "x.example"));
        assert_eq!(e.direction, EdgeDirection::Both);
        assert_eq!(e.status, LinkStatus::Unconfirmed);
    }
    assert_eq!(graphs[0], graphs[1]);
    assert_eq!(graphs[1], graphs[2]);
}

/// Found by the long serverinfo_graph run: only one trailing dot was removed, so
/// `back.example...` became the node `back.example..`, a name that normalised again
/// is another. Names in the graph are now fixed points of the normalisation.
#[test]
fn every_trailing_dot_is_removed_and_names_stay_normalised() {
    let a = item(
        "a.example",
        vec![
            RemoteDomain::named("back.example...").with_connection(Direction::Incoming),
            RemoteDomain::named(" C.example. . ").with_connection(Direction::Outgoing),
        ],
    );
    let b = item(
        "Back.Example.",
        vec![RemoteDomain::named("a.example..").with_connection(Direction::Outgoing)],
    );
    let g = fold(&[(&a, t0()), (&b, t0())]);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["a.example", "back.example", "c.example"]);
    let e = g.edge("back.example", "a.example").unwrap();
    assert_eq!(e.status, LinkStatus::Mutual);
}

#[test]
fn one_way_from_each_side_is_both_and_reported_once() {
    // b.example reports an outgoing link to a.example; a.example reports the same link
    // as incoming. One edge, one direction (b -> a), reported by both, mutual.
    let a = item(
        "a.example",
        vec![RemoteDomain::named("b.example").with_connection(Direction::Incoming)],
    );
    let b = item(
        "b.example",
        vec![RemoteDomain::named("a.example").with_connection(Direction::Outgoing)],
    );
    let g = fold(&[(&a, t0()), (&b, t0())]);
    assert_eq!(g.edges.len(), 1);
    let e = g.edge("b.example", "a.example").unwrap();
    assert_eq!(e.direction, EdgeDirection::BToA);
    assert_eq!(e.status, LinkStatus::Mutual);
    assert_eq!(e.reported_by, ["a.example", "b.example"]);
    assert!(
        g.to_dot()
            .contains("\"a.example\" -- \"b.example\" [dir=back];")
    );

    // Opposite one-way claims from the two sides add up to both ways.
    let b2 = item(
        "b.example",
        vec![RemoteDomain::named("a.example").with_connection(Direction::Incoming)],
    );
    let g = fold(&[(&a, t0()), (&b2, t0())]);
    assert_eq!(g.edges[0].direction, EdgeDirection::Both);
}

#[test]
fn prosody_anonymous_peers_are_counted_not_named() {
    let prosody = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='p.example'><federation>\
         <remote-domain name='x.example'/><remote-domain/><remote-domain/><remote-domain name=''/>\
         </federation><users xmlns='xmpp:prosody.im/protocol/serverinfo'><active>3</active></users>\
         </domain></serverinfo>",
    );
    let g = fold(&[(&prosody, t0())]);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["p.example", "x.example"]);
    let p = g.node("p.example").unwrap();
    assert_eq!(p.anonymous_peers, 3);
    assert!(p.published);
    assert!(!g.node("x.example").unwrap().published);
    // Prosody sends no <connection/>: linked, direction unknown.
    assert_eq!(g.edges[0].direction, EdgeDirection::Unknown);
    assert!(g.to_dot().contains("[dir=none, style=dotted]"));
}

#[test]
fn openfire_untyped_connections() {
    let openfire = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='o.example'><federation>\
         <remote-domain><connection/></remote-domain>\
         <remote-domain name='x.example'><connection/></remote-domain>\
         <remote-domain name='y.example'><connection type='sideways'/></remote-domain>\
         <remote-domain name='z.example'><connection type='incoming'/></remote-domain>\
         </federation></domain></serverinfo>",
    );
    let g = fold(&[(&openfire, t0())]);
    assert_eq!(g.node("o.example").unwrap().anonymous_peers, 1);
    assert_eq!(
        g.edge("o.example", "x.example").unwrap().direction,
        EdgeDirection::Unknown
    );
    assert_eq!(
        g.edge("o.example", "y.example").unwrap().direction,
        EdgeDirection::Unknown
    );
    // z -> o: z.example sorts after o.example, so b -> a.
    assert_eq!(
        g.edge("o.example", "z.example").unwrap().direction,
        EdgeDirection::BToA
    );
}

#[test]
fn one_sided_is_distinct_from_unconfirmed() {
    let a = item(
        "a.example",
        vec![
            RemoteDomain::named("b.example").with_connection(Direction::Bidi),
            RemoteDomain::named("c.example").with_connection(Direction::Bidi),
        ],
    );
    // b published, but does not list a (only an anonymous peer).
    let b = item("b.example", vec![RemoteDomain::anonymous()]);
    let g = fold(&[(&a, t0()), (&b, t0())]);
    assert_eq!(
        g.edge("a.example", "b.example").unwrap().status,
        LinkStatus::OneSided
    );
    assert_eq!(
        g.edge("a.example", "c.example").unwrap().status,
        LinkStatus::Unconfirmed
    );
    let dot = g.to_dot();
    assert!(dot.contains("\"a.example\" -- \"b.example\" [dir=both, style=dashed];"));
    assert!(dot.contains("\"a.example\" -- \"c.example\" [dir=both, style=dotted];"));
    assert!(dot.contains("\"c.example\" [style=dotted];"));
}

#[test]
fn stale_items_are_pruned_on_virtual_time() {
    let a = item("a.example", vec![RemoteDomain::named("b.example")]);
    let b = item("b.example", vec![RemoteDomain::named("a.example")]);
    let mut builder = GraphBuilder::new(config().with_max_age(TimeDelta::hours(2)));
    builder.add(seen(), Observation::new(&a, t0()));
    builder.add(seen(), Observation::new(&b, min(90)));

    // Exactly max_age old is still current.
    let g = builder.graph(min(120));
    assert_eq!(g.edges[0].status, LinkStatus::Mutual);
    assert_eq!(g.dropped.stale, 0);

    // One second later a's item is stale: the link is now only b's word, and a is unpublished.
    let g = builder.graph(min(120) + TimeDelta::seconds(1));
    assert_eq!(g.dropped.stale, 1);
    assert_eq!(g.edges[0].status, LinkStatus::Unconfirmed);
    assert_eq!(g.edges[0].reported_by, ["b.example"]);
    assert!(!g.node("a.example").unwrap().published);
    assert_eq!(builder.len(), 2, "graph() does not forget");

    assert_eq!(builder.prune(min(211)), 2);
    assert!(builder.is_empty());

    // finish() prunes and reports.
    let mut builder = GraphBuilder::new(config());
    builder.add(seen(), Observation::new(&a, t0()));
    let g = builder.finish(t0() + TimeDelta::hours(4));
    assert!(g.nodes.is_empty());
    assert_eq!(g.dropped.stale, 1);
}

#[test]
fn newest_item_wins_whatever_the_order() {
    let old = item(
        "a.example",
        vec![RemoteDomain::named("old.example").with_connection(Direction::Bidi)],
    );
    let new = item(
        "a.example",
        vec![RemoteDomain::named("new.example").with_connection(Direction::Bidi)],
    );
    let mut builder = GraphBuilder::new(config());
    assert_eq!(builder.add(seen(), Observation::new(&new, min(-5))), 1);
    assert_eq!(builder.add(seen(), Observation::new(&old, min(-10))), 0);
    let g = builder.graph(t0());
    assert!(g.edge("a.example", "new.example").is_some());
    assert!(g.node("old.example").is_none());
    assert_eq!(g, fold(&[(&old, min(-10)), (&new, min(-5))]));
    let a = g.node("a.example").unwrap();
    assert_eq!(a.updated, Some(min(-5)));
}

#[test]
fn names_are_normalised_and_self_links_dropped() {
    let a = item(
        "A.Example.",
        vec![
            RemoteDomain::named("a.example"),
            RemoteDomain::named("B.EXAMPLE"),
            RemoteDomain::named("b.example.").with_connection(Direction::Outgoing),
        ],
    );
    let g = fold(&[(&a, t0())]);
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.edges.len(), 1);
    let e = g.edge("a.example", "B.example").unwrap();
    assert_eq!(e.direction, EdgeDirection::AToB);
    assert_eq!(
        g.dropped,
        Dropped {
            stale: 0,
            self_links: 1,
            sibling_links: 0,
            untrusted: 0,
            future: 0,
        }
    );
}

#[test]
fn siblings_configured_merge_into_one_node() {
    // ejabberd with two vhosts: each lists the other with both directions (P15).
    let one = item(
        "one.example",
        vec![
            RemoteDomain::named("two.example")
                .with_connection(Direction::Incoming)
                .with_connection(Direction::Outgoing),
            RemoteDomain::named("peer.example").with_connection(Direction::Outgoing),
        ],
    );
    let two = item(
        "two.example",
        vec![
            RemoteDomain::named("one.example")
                .with_connection(Direction::Incoming)
                .with_connection(Direction::Outgoing),
            RemoteDomain::named("peer.example").with_connection(Direction::Incoming),
        ],
    );
    let peer = item(
        "peer.example",
        vec![
            RemoteDomain::named("one.example").with_connection(Direction::Bidi),
            RemoteDomain::named("two.example").with_connection(Direction::Bidi),
        ],
    );
    let items = [(&one, t0()), (&two, t0()), (&peer, t0())];

    // Without knowledge, three nodes and a triangle.
    let g = fold_with(config(), &items);
    assert_eq!((g.nodes.len(), g.edges.len()), (3, 3));

    let config = config().with_siblings(["Two.Example", "one.example"]);
    let g = fold_with(config, &items);
    assert_eq!(g.nodes.len(), 2);
    let node = g.node("two.example").unwrap();
    assert_eq!(node.id, "one.example");
    assert_eq!(node.aliases, ["two.example"]);
    assert_eq!(g.edges.len(), 1, "not double counted");
    let e = g.edge("peer.example", "two.example").unwrap();
    assert_eq!(e.direction, EdgeDirection::Both);
    assert_eq!(e.status, LinkStatus::Mutual);
    assert_eq!(
        e.reported_by,
        ["one.example", "peer.example", "two.example"]
    );
    assert_eq!(g.dropped.sibling_links, 2);
    assert!(
        g.to_dot()
            .contains("\"one.example\" [label=\"one.example\\ntwo.example\"];")
    );
}

#[test]
fn siblings_detected_by_shared_service_only_when_mutual() {
    let one = item("one.example", vec![RemoteDomain::named("two.example")]);
    let two = item("two.example", vec![RemoteDomain::named("one.example")]);
    let three = item("three.example", vec![RemoteDomain::named("one.example")]);
    let service = Source::service("pubsub.one.example").with_node("serverinfo");
    let other = Source::service("pubsub.three.example");
    let mut builder = GraphBuilder::new(config());
    builder.add(seen(), Observation::new(&one, t0()).with_source(&service));
    builder.add(seen(), Observation::new(&two, t0()).with_source(&service));
    // Same service but one-way: not siblings.
    builder.add(seen(), Observation::new(&three, t0()).with_source(&service));
    let g = builder.graph(t0());
    assert_eq!(g.node("two.example").unwrap().id, "one.example");
    assert_eq!(g.node("three.example").unwrap().id, "three.example");
    assert_eq!(g.edges.len(), 1);
    assert_eq!(
        g.node("one.example").unwrap().sources,
        std::slice::from_ref(&service)
    );

    // Different services: not siblings; and the rule can be turned off.
    let mut builder = GraphBuilder::new(config());
    builder.add(seen(), Observation::new(&one, t0()).with_source(&service));
    builder.add(seen(), Observation::new(&two, t0()).with_source(&other));
    assert_eq!(builder.graph(t0()).nodes.len(), 2);
    let mut builder = GraphBuilder::new(config().with_service_siblings(false));
    builder.add(seen(), Observation::new(&one, t0()).with_source(&service));
    builder.add(seen(), Observation::new(&two, t0()).with_source(&service));
    assert_eq!(builder.graph(t0()).nodes.len(), 2);
}

#[test]
fn several_domains_in_one_item_are_siblings() {
    let info = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'>\
         <domain name='b.example'><federation><remote-domain name='a.example'/>\
         <remote-domain name='x.example'><connection type='bidi'/></remote-domain></federation></domain>\
         <domain name='a.example'><federation><remote-domain name='x.example'/></federation></domain>\
         <domain><federation><remote-domain name='y.example'/></federation></domain>\
         </serverinfo>",
    );
    let g = fold(&[(&info, t0())]);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        ["a.example", "x.example"],
        "the unnamed domain is skipped"
    );
    assert_eq!(g.nodes[0].aliases, ["b.example"]);
    assert_eq!(g.edges.len(), 1);
    assert_eq!(g.edges[0].direction, EdgeDirection::Both);
    assert_eq!(g.dropped.sibling_links, 1);
}

#[test]
fn dot_escapes_odd_names() {
    let odd = item(
        "a\"b.example",
        vec![
            RemoteDomain::named("back\\slash.example"),
            RemoteDomain::named("new\nline.example"),
        ],
    );
    let dot = fold(&[(&odd, t0())]).to_dot();
    assert_eq!(
        dot,
        "graph serverinfo {\n  \
         \"a\\\"b.example\";\n  \
         \"back\\\\slash.example\" [style=dotted];\n  \
         \"new\\nline.example\" [style=dotted];\n  \
         \"a\\\"b.example\" -- \"back\\\\slash.example\" [dir=none, style=dotted];\n  \
         \"a\\\"b.example\" -- \"new\\nline.example\" [dir=none, style=dotted];\n}\n"
    );
}

#[test]
fn json_is_stable_and_round_trips() {
    let a = item(
        "a.example",
        vec![
            RemoteDomain::named("b.example").with_connection(Direction::Outgoing),
            RemoteDomain::anonymous(),
        ],
    );
    let source = Source::service("pubsub.a.example")
        .with_node("serverinfo")
        .with_item("current");
    let mut builder = GraphBuilder::new(config());
    builder.add(seen(), Observation::new(&a, t0()).with_source(&source));
    let g = builder.graph(t0());
    let json = g.to_json();
    let back: Graph = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["edges"][0],
        serde_json::json!({
            "a": "a.example", "b": "b.example", "direction": "a_to_b",
            "status": "unconfirmed", "reported_by": ["a.example"]
        })
    );
    assert_eq!(value["nodes"][0]["updated"], "2025-06-01T12:00:00Z");
    assert_eq!(value["nodes"][0]["anonymous_peers"], 1);
    assert_eq!(value["nodes"][0]["sources"][0]["item"], "current");
    // Field order is declaration order.
    let keys: Vec<&str> = json
        .lines()
        .filter(|l| l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(keys, ["nodes", "edges", "dropped"]);

    // The builder persists too.
    let saved = serde_json::to_string(&builder).unwrap();
    let restored: GraphBuilder = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, builder);
    assert_eq!(restored.config().max_age, TimeDelta::hours(3));
}

// ---- properties ----

const NAMES: [&str; 6] = [
    "a.example",
    "b.example",
    "c.example",
    "d.example",
    "e.example",
    "f.example",
];

fn arb_connection() -> impl Strategy<Value = Connection> {
    prop_oneof![
        Just(Connection::untyped()),
        Just(Connection::new(Direction::Incoming)),
        Just(Connection::new(Direction::Outgoing)),
        Just(Connection::new(Direction::Bidi)),
        Just(Connection::other("x")),
    ]
}

fn arb_remote() -> impl Strategy<Value = RemoteDomain> {
    (
        proptest::option::weighted(0.8, 0..NAMES.len()),
        proptest::collection::vec(arb_connection(), 0..3),
    )
        .prop_map(|(name, connections)| {
            let mut r = match name {
                Some(i) => RemoteDomain::named(NAMES[i]),
                None => RemoteDomain::anonymous(),
            };
            r.connections = connections.into_boxed_slice();
            r
        })
}

/// (item, minutes before t0, service index)
fn arb_item() -> impl Strategy<Value = (ServerInfo, i64, usize)> {
    (
        proptest::collection::vec(
            (
                0..NAMES.len(),
                proptest::collection::vec(arb_remote(), 0..5),
            ),
            1..3,
        ),
        0..300i64,
        0..3usize,
    )
        .prop_map(|(domains, age, service)| {
            let info = ServerInfo {
                domains: domains
                    .into_iter()
                    .map(|(i, peers)| Domain::new(NAMES[i]).with_remote_domains(peers))
                    .collect(),
                extensions: Extensions::new(),
            };
            (info, age, service)
        })
}

fn services() -> [Source; 3] {
    [
        Source::service("pubsub.a.example"),
        Source::service("pubsub.b.example"),
        Source::service("shared.example"),
    ]
}

fn build(items: &[(ServerInfo, i64, usize)], twice: bool) -> Graph {
    let services = services();
    let mut builder = GraphBuilder::new(config().with_siblings(["e.example", "f.example"]));
    for (info, age, service) in items {
        let obs = Observation::new(info, t0() - TimeDelta::minutes(*age))
            .with_source(&services[*service]);
        builder.add(seen(), obs);
        if twice {
            builder.add(seen(), obs);
        }
    }
    builder.graph(t0())
}

proptest! {
    #[test]
    fn edges_never_exceed_pairs_of_named_domains(items in proptest::collection::vec(arb_item(), 0..12)) {
        let g = build(&items, false);
        let n = g.nodes.len();
        prop_assert!(g.edges.len() <= n * n.saturating_sub(1) / 2);
        prop_assert!(n <= NAMES.len());
        for e in &g.edges {
            prop_assert!(e.a < e.b);
            prop_assert!(!e.reported_by.is_empty());
        }
    }

    #[test]
    fn adding_twice_changes_nothing(items in proptest::collection::vec(arb_item(), 0..12)) {
        prop_assert_eq!(build(&items, true), build(&items, false));
    }

    #[test]
    fn folding_order_does_not_matter(
        (items, shuffled) in proptest::collection::vec(arb_item(), 0..12)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let g = build(&items, false);
        let h = build(&shuffled, false);
        prop_assert_eq!(g.to_json(), h.to_json());
        prop_assert_eq!(g, h);
    }
}

#[test]
fn only_items_from_advertised_coordinates_count() {
    // The victim's genuine item, fetched from the node it advertises.
    let victim = item(
        "victim.example",
        vec![RemoteDomain::named("friend.example").with_connection(Direction::Bidi)],
    );
    // A forged, newer item naming the victim, published by a user on some node.
    let forged = item(
        "victim.example",
        vec![RemoteDomain::named("evil.example").with_connection(Direction::Bidi)],
    );
    let mut builder = GraphBuilder::new(GraphConfig::default());
    assert_eq!(
        builder.add(
            t0(),
            Observation::new(&victim, t0()).for_domain("victim.example")
        ),
        1
    );
    // Fetched for another domain (or for none): it does not speak for the victim.
    assert_eq!(
        builder.add(
            min(5),
            Observation::new(&forged, min(5)).for_domain("evil.example")
        ),
        0
    );
    assert_eq!(builder.add(min(5), Observation::new(&forged, min(5))), 0);
    let g = builder.graph(min(6));
    assert!(g.edge("victim.example", "friend.example").is_some());
    assert!(g.edge("victim.example", "evil.example").is_none());
    assert_eq!(g.dropped.untrusted, 2);
}

#[test]
fn an_item_with_two_unrelated_domains_does_not_merge_them() {
    let info = parse(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'>\
         <domain name='a.example'><federation><remote-domain name='x.example'/></federation></domain>\
         <domain name='b.example'><federation><remote-domain name='y.example'/></federation></domain>\
         </serverinfo>",
    );
    let g = fold(&[(&info, t0())]);
    assert!(g.node("a.example").unwrap().aliases.is_empty());
    assert_ne!(
        g.node("a.example").unwrap().id,
        g.node("b.example").unwrap().id
    );
    // Under the default trust, only the domain it was fetched for counts.
    let mut builder = GraphBuilder::new(GraphConfig::default());
    builder.add(t0(), Observation::new(&info, t0()).for_domain("a.example"));
    let g = builder.graph(t0());
    assert!(g.node("b.example").is_none());
    assert_eq!(g.dropped.untrusted, 1);
}

#[test]
fn future_dated_items_are_refused() {
    let genuine = item("a.example", vec![RemoteDomain::named("b.example")]);
    let future = item("a.example", vec![RemoteDomain::named("evil.example")]);
    let mut builder = GraphBuilder::new(config());
    builder.add(t0(), Observation::new(&genuine, t0()));
    // Dated a year ahead: it would win every comparison and never go stale.
    let year = t0() + TimeDelta::days(365);
    assert_eq!(builder.add(t0(), Observation::new(&future, year)), 0);
    // A few minutes of clock skew are fine.
    let skewed = item("a.example", vec![RemoteDomain::named("c.example")]);
    assert_eq!(builder.add(t0(), Observation::new(&skewed, min(4))), 1);
    let g = builder.graph(min(4));
    assert!(g.edge("a.example", "c.example").is_some());
    assert!(g.node("evil.example").is_none());
    assert_eq!(g.dropped.future, 1);
}

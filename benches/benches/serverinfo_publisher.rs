//! The XEP-0485 opt-in publisher: the cost of one connection event as the federation
//! table grows. DESIGN.md asks for cost proportional to the event, not to the state,
//! so the per-event time at 10,000 peers should stay close to the time at 100.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jid::DomainPart;
use minidom::Element;
use xep_core::disco::DiscoInfo;
use xep_serverinfo::discovery::Coordinates;
use xep_serverinfo::publisher::{LinkDirection, Publisher, PublisherConfig};

fn t0() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().expect("a valid timestamp")
}

/// A publisher with `peers` connected peers, every second one opted in, the first
/// publication done, and all queues drained.
fn loaded(peers: usize) -> Publisher {
    let at = Coordinates::new("pubsub.example.org".parse().expect("jid"), "serverinfo");
    let mut config = PublisherConfig::new("example.org", at);
    config.create_node = false;
    let now = t0();
    let mut p = Publisher::new(config, now);
    let yes = DiscoInfo::read(
        &"<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:serverinfo:0'/></query>"
            .parse::<Element>()
            .expect("xml"),
    )
    .expect("disco")
    .value;
    let no = DiscoInfo::read(
        &"<query xmlns='http://jabber.org/protocol/disco#info'/>"
            .parse::<Element>()
            .expect("xml"),
    )
    .expect("disco")
    .value;
    for i in 0..peers {
        let peer = DomainPart::new(&format!("peer{i}.example.net"))
            .expect("domain")
            .into_owned();
        p.handle_connection_opened(now, &peer, LinkDirection::Incoming);
        let id = p.pending_query(&peer).expect("asked").to_owned();
        p.handle_disco_info(now, &peer, &id, if i % 2 == 0 { &yes } else { &no });
    }
    p.handle_timeout(now);
    while p.poll_transmit().is_some() {}
    while p.poll_event().is_some() {}
    assert_eq!(p.connected_peers(), peers);
    p
}

/// One event pair: an extra outgoing connection to a known, answered peer opens and
/// closes (no query, no publication: the throttle holds the next one back).
fn connection_event(c: &mut Criterion) {
    let mut g = c.benchmark_group("publisher_connection_event");
    for peers in [100usize, 1_000, 10_000] {
        let mut p = loaded(peers);
        let now = t0() + TimeDelta::seconds(1);
        let target = DomainPart::new(&format!("peer{}.example.net", peers / 2))
            .expect("domain")
            .into_owned();
        g.bench_with_input(BenchmarkId::from_parameter(peers), &peers, |b, _| {
            b.iter(|| {
                p.handle_connection_opened(now, black_box(&target), LinkDirection::Outgoing);
                p.handle_connection_closed(now, black_box(&target), LinkDirection::Outgoing);
            })
        });
        assert!(
            p.poll_transmit().is_none(),
            "no query or publication was due"
        );
    }
    g.finish();
}

/// Building the item for the whole table, the O(peers) step that the throttle runs at
/// most once per interval.
fn build_item(c: &mut Criterion) {
    let mut g = c.benchmark_group("publisher_build_item");
    for peers in [100usize, 1_000, 10_000] {
        let p = loaded(peers);
        g.bench_with_input(BenchmarkId::from_parameter(peers), &peers, |b, _| {
            b.iter(|| black_box(p.current_item()))
        });
    }
    g.finish();
}

criterion_group!(benches, connection_event, build_item);
criterion_main!(benches);

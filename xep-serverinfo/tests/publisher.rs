//! The opt-in publisher on a virtual clock.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use minidom::Element;
use proptest::prelude::*;
use xep_serverinfo::discovery::Coordinates;
use xep_serverinfo::publisher::{
    Event, LinkDirection, OptInSource, Publisher, PublisherConfig, Transmit, node_config,
};
use xep_serverinfo::{Direction, ServerInfo};
use xmpp_parsers::disco::DiscoInfoResult;

fn t(seconds: i64) -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::seconds(seconds)
}

fn config() -> PublisherConfig {
    let at = Coordinates::new("pubsub.example.org".parse().unwrap(), "serverinfo");
    PublisherConfig::new("example.org", at)
}

fn info(opted_in: bool) -> DiscoInfoResult {
    let feature = if opted_in {
        "<feature var='urn:xmpp:serverinfo:0'/>"
    } else {
        "<feature var='urn:xmpp:ping'/>"
    };
    let xml = format!("<query xmlns='http://jabber.org/protocol/disco#info'>{feature}</query>");
    DiscoInfoResult::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

fn drain(p: &mut Publisher) -> Vec<Transmit> {
    std::iter::from_fn(|| p.poll_transmit()).collect()
}

fn names(item: &ServerInfo) -> Vec<Option<String>> {
    item.domains[0]
        .remote_domains()
        .iter()
        .map(|r| r.name.as_deref().map(str::to_owned))
        .collect()
}

fn published(transmits: &[Transmit]) -> Vec<&ServerInfo> {
    transmits
        .iter()
        .filter_map(|t| match t {
            Transmit::Publish { item, .. } => Some(item),
            _ => None,
        })
        .collect()
}

/// Runs every deadline up to `now`.
fn advance(p: &mut Publisher, now: DateTime<Utc>) {
    while let Some(deadline) = p.poll_timeout() {
        if deadline > now {
            break;
        }
        p.handle_timeout(deadline);
    }
    p.handle_timeout(now);
}

#[test]
fn transcript_cold_cache_then_opt_in() {
    let mut p = Publisher::new(config(), t(0));
    // Start: create the node, publish an empty federation at once.
    assert_eq!(p.poll_timeout(), Some(t(0)));
    p.handle_timeout(t(0));
    let out = drain(&mut p);
    assert!(matches!(&out[0], Transmit::CreateNode { at } if at.node == "serverinfo"));
    assert_eq!(published(&out).len(), 1);
    assert!(published(&out)[0].domains[0].remote_domains().is_empty());
    assert!(published(&out)[0].schema_deviations().is_empty());

    // t=10: a peer connects; we ask it.
    p.handle_connection_opened(t(10), "Peer.Example", LinkDirection::Incoming);
    assert_eq!(
        drain(&mut p),
        [Transmit::DiscoInfo {
            to: "peer.example".into()
        }]
    );
    // The next publication waits for min_interval (300 s after t=0).
    assert_eq!(p.poll_timeout(), Some(t(300)).min(Some(t(40))));
    // t=20: it answers yes.
    p.handle_disco_result(t(20), "peer.example", &info(true));
    assert_eq!(
        p.poll_event(),
        Some(Event::OptIn {
            peer: "peer.example".into(),
            opted_in: true,
            source: OptInSource::Feature
        })
    );
    advance(&mut p, t(299));
    assert!(drain(&mut p).is_empty(), "throttled until t=300");
    advance(&mut p, t(300));
    let out = drain(&mut p);
    let items = published(&out);
    assert_eq!(items.len(), 1);
    assert_eq!(names(items[0]), [Some("peer.example".to_owned())]);
    assert_eq!(
        items[0].domains[0].remote_domains()[0].connections[0].direction(),
        Some(Direction::Incoming)
    );
}

#[test]
fn no_feature_error_and_timeout_stay_anonymous() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    p.handle_timeout(t(0));
    drain(&mut p);
    for peer in [
        "no.example",
        "err.example",
        "silent.example",
        "junk.example",
    ] {
        p.handle_connection_opened(t(1), peer, LinkDirection::Outgoing);
    }
    assert_eq!(drain(&mut p).len(), 4);
    p.handle_disco_result(t(2), "no.example", &info(false));
    // An error reply, and a reply that is not disco#info at all (P21): not opted in.
    let err: Element = "<iq xmlns='jabber:client' type='error' from='err.example' id='x'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>".parse().unwrap();
    assert!(p.handle_iq(t(2), &err));
    let junk: Element = "<iq xmlns='jabber:client' type='result' from='junk.example' id='y'><query xmlns='http://jabber.org/protocol/disco#info'><identity/></query></iq>".parse().unwrap();
    assert!(p.handle_iq(t(2), &junk));
    // Nobody asked this one:
    let stray: Element = "<iq xmlns='jabber:client' type='result' from='other.example' id='z'/>"
        .parse()
        .unwrap();
    assert!(!p.handle_iq(t(2), &stray));
    // silent.example times out after 30 s.
    advance(&mut p, t(31));
    let sources: Vec<_> = std::iter::from_fn(|| p.poll_event())
        .filter_map(|e| match e {
            Event::OptIn {
                peer,
                opted_in: false,
                source,
            } => Some((peer, source)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("no.example".to_owned(), OptInSource::NoFeature),
            ("err.example".to_owned(), OptInSource::FailedReply),
            ("junk.example".to_owned(), OptInSource::FailedReply),
            ("silent.example".to_owned(), OptInSource::Timeout),
        ]
    );
    advance(&mut p, t(300));
    let out = drain(&mut p);
    assert_eq!(names(published(&out)[0]), [None, None, None, None]);
}

#[test]
fn allow_list_names_without_asking() {
    let mut c = config();
    c.create_node = false;
    c.allow_list = BTreeSet::from(["Trusted.Example".to_owned()]);
    let mut p = Publisher::new(c, t(0));
    p.handle_connection_opened(t(0), "trusted.example", LinkDirection::Bidi);
    p.handle_timeout(t(0));
    let out = drain(&mut p);
    assert!(out.iter().all(|t| !matches!(t, Transmit::DiscoInfo { .. })));
    assert_eq!(
        names(published(&out)[0]),
        [Some("trusted.example".to_owned())]
    );
}

#[test]
fn republish_only_on_change() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    p.handle_timeout(t(0));
    assert_eq!(published(&drain(&mut p)).len(), 1);
    // Open and close within the interval: the table is back where it was.
    p.handle_connection_opened(t(10), "a.example", LinkDirection::Incoming);
    p.handle_connection_closed(t(20), "a.example", LinkDirection::Incoming);
    advance(&mut p, t(1000));
    let out = drain(&mut p);
    assert!(published(&out).is_empty(), "{out:?}");
    // A close without an open changes nothing and schedules nothing.
    p.handle_connection_closed(t(1001), "b.example", LinkDirection::Incoming);
    assert!(
        p.poll_timeout()
            .is_none_or(|d| d > t(1001) + TimeDelta::seconds(1000))
    );
}

#[test]
fn opt_in_expires_and_is_asked_again() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    p.handle_timeout(t(0));
    drain(&mut p);
    p.handle_connection_opened(t(0), "a.example", LinkDirection::Incoming);
    drain(&mut p);
    p.handle_disco_result(t(1), "a.example", &info(true));
    advance(&mut p, t(3600));
    assert!(
        drain(&mut p)
            .iter()
            .all(|t| !matches!(t, Transmit::DiscoInfo { .. }))
    );
    advance(&mut p, t(3601));
    // The answer expired while still connected: asked again, still named meanwhile.
    assert!(drain(&mut p).contains(&Transmit::DiscoInfo {
        to: "a.example".into()
    }));
    assert!(p.is_opted_in("a.example"));
    // It withdrew the feature: anonymous from the next publication on.
    p.handle_disco_result(t(3602), "a.example", &info(false));
    assert!(!p.is_opted_in("a.example"));
    advance(&mut p, t(4000));
    let out = drain(&mut p);
    assert_eq!(names(published(&out)[0]), [None]);
}

#[test]
fn anonymous_order_does_not_follow_names() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    // zzz has two connections, aaa one: anonymous entries sort by shape, not name.
    p.handle_connection_opened(t(0), "zzz.example", LinkDirection::Incoming);
    p.handle_connection_opened(t(0), "zzz.example", LinkDirection::Incoming);
    p.handle_connection_opened(t(0), "aaa.example", LinkDirection::Outgoing);
    p.handle_connection_opened(t(0), "named.example", LinkDirection::Outgoing);
    p.handle_disco_result(t(0), "named.example", &info(true));
    let item = p.current_item();
    let remotes = item.domains[0].remote_domains();
    assert_eq!(remotes[0].name.as_deref(), Some("named.example"));
    assert_eq!(remotes[1].connections.len(), 1, "aaa: one outgoing");
    assert_eq!(remotes[2].connections.len(), 2, "zzz: two incoming");
}

#[test]
fn iq_builders() {
    let at = Coordinates::new("pubsub.example.org".parse().unwrap(), "serverinfo");
    let create = Transmit::CreateNode { at: at.clone() }
        .to_iq("c1", Some("example.org".parse().unwrap()))
        .unwrap();
    let xml = String::from(&Element::from(create));
    for needle in [
        "<create node='serverinfo'/>",
        "<value>http://jabber.org/protocol/pubsub#node_config</value>",
        "<field type='list-single' var='pubsub#access_model'><value>open</value></field>",
        "<value>1</value>",
        "<field type='boolean' var='pubsub#persist_items'><value>true</value></field>",
        "to='pubsub.example.org'",
        "from='example.org'",
    ] {
        assert!(xml.contains(needle), "{needle} not in {xml}");
    }
    assert_eq!(node_config().fields.len(), 4);
    let item = ServerInfo::new(xep_serverinfo::Domain::new("example.org"));
    let publish = Transmit::Publish {
        at,
        item: item.clone(),
    }
    .to_iq("p1", None)
    .unwrap();
    let element = Element::from(publish);
    let payload = element
        .get_child("pubsub", "http://jabber.org/protocol/pubsub")
        .and_then(|p| p.get_child("publish", "http://jabber.org/protocol/pubsub"))
        .and_then(|p| p.get_child("item", "http://jabber.org/protocol/pubsub"))
        .unwrap();
    assert_eq!(payload.attr("id"), Some("current"));
    let back = ServerInfo::try_from(payload.children().next().unwrap().clone()).unwrap();
    assert_eq!(back, item);
}

#[test]
fn cache_survives_restart() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c.clone(), t(0));
    p.handle_connection_opened(t(0), "a.example", LinkDirection::Incoming);
    p.handle_disco_result(t(0), "a.example", &info(true));
    let saved = serde_json::to_string(p.opt_in_cache()).unwrap();
    let mut q = Publisher::new(c, t(100));
    q.restore_opt_in_cache(
        t(100),
        serde_json::from_str::<std::collections::HashMap<String, _>>(&saved).unwrap(),
    );
    q.handle_connection_opened(t(100), "a.example", LinkDirection::Incoming);
    assert!(
        drain(&mut q)
            .iter()
            .all(|t| !matches!(t, Transmit::DiscoInfo { .. }))
    );
    assert!(q.is_opted_in("a.example"));
}

#[derive(Debug, Clone)]
enum Op {
    Open(usize, LinkDirection),
    Close(usize, LinkDirection),
    Answer(usize, bool),
    Fail(usize),
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let dir = prop_oneof![
        Just(LinkDirection::Incoming),
        Just(LinkDirection::Outgoing),
        Just(LinkDirection::Bidi)
    ];
    prop_oneof![
        (0..6usize, dir.clone()).prop_map(|(p, d)| Op::Open(p, d)),
        (0..6usize, dir).prop_map(|(p, d)| Op::Close(p, d)),
        (0..6usize, any::<bool>()).prop_map(|(p, b)| Op::Answer(p, b)),
        (0..6usize).prop_map(Op::Fail),
        (1..5000i64).prop_map(Op::Wait),
    ]
}

fn index(name: &str) -> usize {
    name["peer".len()..name.len() - ".example".len()]
        .parse()
        .unwrap()
}

/// The test's model of what the machine may do.
#[derive(Default)]
struct Model {
    /// Each peer's latest answer that the machine accepted.
    latest: [Option<bool>; 6],
    /// Peers with a query in flight.
    asked: [bool; 6],
    last_publish: Option<DateTime<Utc>>,
}

impl Model {
    /// Drains the machine at `now`, checking every output against the model.
    fn process(&mut self, p: &mut Publisher, now: DateTime<Utc>) -> Result<(), TestCaseError> {
        while let Some(e) = p.poll_event() {
            if let Event::OptIn {
                peer,
                opted_in,
                source: OptInSource::Timeout,
            } = e
            {
                prop_assert!(!opted_in);
                self.latest[index(&peer)] = Some(false);
                self.asked[index(&peer)] = false;
            }
        }
        for tr in drain(p) {
            match tr {
                Transmit::DiscoInfo { to } => self.asked[index(&to)] = true,
                Transmit::Publish { item, .. } => {
                    if let Some(last) = self.last_publish {
                        prop_assert!(now - last >= TimeDelta::seconds(300), "{now} after {last}");
                    }
                    self.last_publish = Some(now);
                    // What the publisher writes always fits the XEP's schema.
                    prop_assert_eq!(item.schema_deviations(), vec![]);
                    for name in names(&item).into_iter().flatten() {
                        prop_assert_eq!(self.latest[index(&name)], Some(true), "{} named", name);
                    }
                }
                Transmit::CreateNode { .. } => {}
            }
        }
        for name in names(&p.current_item()).into_iter().flatten() {
            prop_assert_eq!(self.latest[index(&name)], Some(true), "{} named", name);
        }
        Ok(())
    }
}

proptest! {
    /// Whatever the order of events, a published item names a peer only if that
    /// peer's latest answer (to a query we sent) advertised the feature, and two
    /// publications are at least `min_interval` apart.
    #[test]
    fn never_names_a_peer_that_did_not_opt_in(ops in proptest::collection::vec(op(), 1..80)) {
        let mut c = config();
        c.create_node = false;
        let mut p = Publisher::new(c, t(0));
        let mut now = t(0);
        let mut model = Model::default();
        let peer = |i: usize| format!("peer{i}.example");
        for op in ops {
            match op {
                Op::Open(i, d) => p.handle_connection_opened(now, &peer(i), d),
                Op::Close(i, d) => p.handle_connection_closed(now, &peer(i), d),
                Op::Answer(i, yes) => {
                    if model.asked[i] {
                        model.latest[i] = Some(yes);
                        model.asked[i] = false;
                    }
                    p.handle_disco_result(now, &peer(i), &info(yes));
                }
                Op::Fail(i) => {
                    if model.asked[i] {
                        model.latest[i] = Some(false);
                        model.asked[i] = false;
                    }
                    p.handle_disco_failure(now, &peer(i));
                }
                Op::Wait(s) => {
                    let target = now + TimeDelta::seconds(s);
                    while let Some(deadline) = p.poll_timeout().filter(|d| *d <= target) {
                        now = deadline.max(now);
                        p.handle_timeout(now);
                        model.process(&mut p, now)?;
                    }
                    now = target;
                }
            }
            model.process(&mut p, now)?;
        }
    }
}

#[test]
fn opt_in_needs_the_exact_feature() {
    // P11: Openfire's prefix test and a trailing space are not opt-ins for us.
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    let near_misses = [
        "urn:xmpp:serverinfo:0 ",
        "urn:xmpp:serverinfo:1",
        "URN:XMPP:SERVERINFO:0",
    ];
    for (i, var) in near_misses.iter().enumerate() {
        let peer = format!("p{i}.example");
        p.handle_connection_opened(t(0), &peer, LinkDirection::Incoming);
        let xml = format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='{var}'/></query>"
        );
        let info = DiscoInfoResult::try_from(xml.parse::<Element>().unwrap()).unwrap();
        p.handle_disco_result(t(0), &peer, &info);
        assert!(!p.is_opted_in(&peer), "{var:?} counted as an opt-in");
    }
    assert!(names(&p.current_item()).iter().all(Option::is_none));
}

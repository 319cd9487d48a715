//! The opt-in publisher on a virtual clock.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use jid::DomainPart;
use minidom::Element;
use proptest::prelude::*;
use xep_core::disco::DiscoInfo;
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

fn d(domain: &str) -> DomainPart {
    DomainPart::new(domain).unwrap().into_owned()
}

fn info(opted_in: bool) -> DiscoInfo {
    let feature = if opted_in {
        "<feature var='urn:xmpp:serverinfo:0'/>"
    } else {
        "<feature var='urn:xmpp:ping'/>"
    };
    let xml = format!("<query xmlns='http://jabber.org/protocol/disco#info'>{feature}</query>");
    DiscoInfo::from(&DiscoInfoResult::try_from(xml.parse::<Element>().unwrap()).unwrap())
}

/// Answers the query in flight to `peer` (with its id; a made-up id when none is in
/// flight, which the machine must ignore).
fn answer(p: &mut Publisher, now: DateTime<Utc>, peer: &str, info: &DiscoInfo) {
    let peer = d(peer);
    let id = p.pending_query(&peer).unwrap_or("not-asked").to_owned();
    p.handle_disco_info(now, &peer, &id, info);
}

/// Fails the query in flight to `peer`.
fn fail(p: &mut Publisher, now: DateTime<Utc>, peer: &str) {
    let peer = d(peer);
    let id = p.pending_query(&peer).unwrap_or("not-asked").to_owned();
    p.handle_disco_error(now, &peer, &id);
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
    assert!(matches!(&out[0], Transmit::CreateNode { at, .. } if at.node == "serverinfo"));
    assert_eq!(published(&out).len(), 1);
    assert!(published(&out)[0].domains[0].remote_domains().is_empty());
    assert!(published(&out)[0].schema_deviations().is_empty());

    // t=10: a peer connects; we ask it.
    p.handle_connection_opened(t(10), &d("Peer.Example"), LinkDirection::Incoming);
    assert_eq!(
        drain(&mut p),
        [Transmit::DiscoInfo {
            to: d("peer.example"),
            id: "serverinfo-3".into()
        }]
    );
    // The next publication waits for min_interval (300 s after t=0).
    assert_eq!(p.poll_timeout(), Some(t(300)).min(Some(t(40))));
    // t=20: it answers yes.
    answer(&mut p, t(20), "peer.example", &info(true));
    assert_eq!(
        p.poll_event(),
        Some(Event::OptIn {
            peer: d("peer.example"),
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
        p.handle_connection_opened(t(1), &d(peer), LinkDirection::Outgoing);
    }
    assert_eq!(drain(&mut p).len(), 4);
    answer(&mut p, t(2), "no.example", &info(false));
    // An error reply, and a reply that is not disco#info at all (P21): not opted in.
    let id = |p: &Publisher, peer: &str| p.pending_query(&d(peer)).unwrap().to_owned();
    let err: Element = format!("<iq xmlns='jabber:client' type='error' from='err.example' id='{}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", id(&p, "err.example")).parse().unwrap();
    assert!(p.handle_iq(t(2), &err));
    let junk: Element = format!(
        "<iq xmlns='jabber:client' type='result' from='junk.example' id='{}'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/></iq>",
        id(&p, "junk.example")
    )
    .parse()
    .unwrap();
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
            (d("no.example"), OptInSource::NoFeature),
            (d("err.example"), OptInSource::FailedReply),
            (d("junk.example"), OptInSource::FailedReply),
            (d("silent.example"), OptInSource::Timeout),
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
    p.handle_connection_opened(t(0), &d("trusted.example"), LinkDirection::Bidi);
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
    p.handle_connection_opened(t(10), &d("a.example"), LinkDirection::Incoming);
    p.handle_connection_closed(t(20), &d("a.example"), LinkDirection::Incoming);
    advance(&mut p, t(1000));
    let out = drain(&mut p);
    assert!(published(&out).is_empty(), "{out:?}");
    // A close without an open changes nothing and schedules nothing.
    p.handle_connection_closed(t(1001), &d("b.example"), LinkDirection::Incoming);
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
    p.handle_connection_opened(t(0), &d("a.example"), LinkDirection::Incoming);
    drain(&mut p);
    answer(&mut p, t(1), "a.example", &info(true));
    advance(&mut p, t(3600));
    assert!(
        drain(&mut p)
            .iter()
            .all(|t| !matches!(t, Transmit::DiscoInfo { .. }))
    );
    advance(&mut p, t(3601));
    // The answer expired while still connected: asked again, still named meanwhile.
    assert!(
        drain(&mut p)
            .iter()
            .any(|t| matches!(t, Transmit::DiscoInfo { to, .. } if to.as_str() == "a.example"))
    );
    assert!(p.is_opted_in(&d("a.example")));
    // It withdrew the feature: anonymous from the next publication on.
    answer(&mut p, t(3602), "a.example", &info(false));
    assert!(!p.is_opted_in(&d("a.example")));
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
    p.handle_connection_opened(t(0), &d("zzz.example"), LinkDirection::Incoming);
    p.handle_connection_opened(t(0), &d("zzz.example"), LinkDirection::Incoming);
    p.handle_connection_opened(t(0), &d("aaa.example"), LinkDirection::Outgoing);
    p.handle_connection_opened(t(0), &d("named.example"), LinkDirection::Outgoing);
    answer(&mut p, t(0), "named.example", &info(true));
    let item = p.current_item();
    let remotes = item.domains[0].remote_domains();
    assert_eq!(remotes[0].name.as_deref(), Some("named.example"));
    assert_eq!(remotes[1].connections.len(), 1, "aaa: one outgoing");
    assert_eq!(remotes[2].connections.len(), 2, "zzz: two incoming");
}

#[test]
fn iq_builders() {
    let at = Coordinates::new("pubsub.example.org".parse().unwrap(), "serverinfo");
    let create = Transmit::CreateNode {
        at: at.clone(),
        id: "c1".into(),
    }
    .to_iq(Some("example.org".parse().unwrap()));
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
        id: "p1".into(),
    }
    .to_iq(None);
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
    p.handle_connection_opened(t(0), &d("a.example"), LinkDirection::Incoming);
    answer(&mut p, t(0), "a.example", &info(true));
    let saved = serde_json::to_string(p.opt_in_cache()).unwrap();
    let mut q = Publisher::new(c, t(100));
    q.restore_opt_in_cache(
        t(100),
        serde_json::from_str::<std::collections::HashMap<String, _>>(&saved).unwrap(),
    );
    q.handle_connection_opened(t(100), &d("a.example"), LinkDirection::Incoming);
    assert!(
        drain(&mut q)
            .iter()
            .all(|t| !matches!(t, Transmit::DiscoInfo { .. }))
    );
    assert!(q.is_opted_in(&d("a.example")));
}

#[derive(Debug, Clone)]
enum Op {
    Open(usize, LinkDirection),
    Close(usize, LinkDirection),
    Answer(usize, bool),
    Fail(usize),
    /// The peer sends us its own disco#info request, with the id of our query.
    Request(usize),
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
        (0..6usize).prop_map(Op::Request),
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
                self.latest[index(peer.as_str())] = Some(false);
                self.asked[index(peer.as_str())] = false;
            }
        }
        for tr in drain(p) {
            match tr {
                Transmit::DiscoInfo { to, .. } => self.asked[index(to.as_str())] = true,
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
                Op::Open(i, dir) => p.handle_connection_opened(now, &d(&peer(i)), dir),
                Op::Close(i, dir) => p.handle_connection_closed(now, &d(&peer(i)), dir),
                Op::Answer(i, yes) => {
                    if model.asked[i] {
                        model.latest[i] = Some(yes);
                        model.asked[i] = false;
                    }
                    answer(&mut p, now, &peer(i), &info(yes));
                }
                Op::Fail(i) => {
                    if model.asked[i] {
                        model.latest[i] = Some(false);
                        model.asked[i] = false;
                    }
                    fail(&mut p, now, &peer(i));
                }
                Op::Request(i) => {
                    let id = p.pending_query(&d(&peer(i))).unwrap_or("x").to_owned();
                    let get: Element = format!(
                        "<iq xmlns='jabber:server' type='get' from='{}' to='example.org' id='{id}'>\
                         <query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
                        peer(i)
                    )
                    .parse()
                    .unwrap();
                    prop_assert!(!p.handle_iq(now, &get), "a request was taken as a reply");
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
fn opt_in_needs_the_feature() {
    // P11: Openfire's prefix test is not an opt-in for us; a trailing space is
    // collapsed (as xs:anyURI would be) so that the publisher and a crawler reading
    // the same result agree (they disagreed before).
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    let near_misses = [
        "urn:xmpp:serverinfo:1",
        "URN:XMPP:SERVERINFO:0",
        "urn:xmpp:serverinfo",
    ];
    for (i, var) in near_misses.iter().enumerate() {
        let peer = format!("p{i}.example");
        p.handle_connection_opened(t(0), &d(&peer), LinkDirection::Incoming);
        let xml = format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='{var}'/></query>"
        );
        let info = DiscoInfo::read(&xml.parse::<Element>().unwrap())
            .unwrap()
            .value;
        answer(&mut p, t(0), &peer, &info);
        assert!(!p.is_opted_in(&d(&peer)), "{var:?} counted as an opt-in");
    }
    assert!(names(&p.current_item()).iter().all(Option::is_none));
    p.handle_connection_opened(t(0), &d("padded.example"), LinkDirection::Incoming);
    let xml = "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:serverinfo:0 '/></query>";
    let info = DiscoInfo::read(&xml.parse::<Element>().unwrap()).unwrap();
    assert_eq!(info.deviations[0].code, "feature-white-space");
    answer(&mut p, t(0), "padded.example", &info.value);
    assert!(p.is_opted_in(&d("padded.example")));
}

/// Two servers connect and query each other at the same moment, with the same ids.
/// Before, each took the other's *request* for a failed reply: the peer was cached
/// as not opted in, the real answer dropped, and the request never answered.
#[test]
fn two_servers_querying_each_other() {
    let setup = |domain: &str| {
        let at = Coordinates::new(format!("pubsub.{domain}").parse().unwrap(), "serverinfo");
        let mut c = PublisherConfig::new(domain, at);
        c.create_node = false;
        let mut p = Publisher::new(c, t(0));
        p.handle_timeout(t(0));
        drain(&mut p);
        p
    };
    let mut a = setup("a.example");
    let mut b = setup("b.example");
    a.handle_connection_opened(t(1), &d("b.example"), LinkDirection::Outgoing);
    b.handle_connection_opened(t(1), &d("a.example"), LinkDirection::Incoming);
    let [Transmit::DiscoInfo { to: a_to, id: a_id }] = &drain(&mut a)[..] else {
        panic!("a asks b")
    };
    let [Transmit::DiscoInfo { to: b_to, id: b_id }] = &drain(&mut b)[..] else {
        panic!("b asks a")
    };
    assert_eq!((a_to.as_str(), b_to.as_str()), ("b.example", "a.example"));
    assert_eq!(a_id, b_id, "same ids on both sides make the test sharp");
    // Each request reaches the other side: not a reply, left to the server to answer.
    let request = |from: &str, to: &str, id: &str| -> Element {
        format!(
            "<iq xmlns='jabber:server' type='get' from='{from}' to='{to}' id='{id}'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        )
        .parse()
        .unwrap()
    };
    assert!(!b.handle_iq(t(2), &request("a.example", "b.example", a_id)));
    assert!(!a.handle_iq(t(2), &request("b.example", "a.example", b_id)));
    assert!(a.poll_event().is_none() && b.poll_event().is_none());
    assert_eq!(a.pending_query(&d("b.example")), Some(a_id.as_str()));
    // The servers answer: both advertise the feature.
    let result = |from: &str, to: &str, id: &str| -> Element {
        format!(
            "<iq xmlns='jabber:server' type='result' from='{from}' to='{to}' id='{id}'>\
             <query xmlns='http://jabber.org/protocol/disco#info'>\
             <feature var='urn:xmpp:serverinfo:0'/></query></iq>"
        )
        .parse()
        .unwrap()
    };
    // A result with another id is not ours either.
    assert!(!a.handle_iq(t(3), &result("b.example", "a.example", "other-id")));
    assert!(a.handle_iq(t(3), &result("b.example", "a.example", a_id)));
    assert!(b.handle_iq(t(3), &result("a.example", "b.example", b_id)));
    assert!(a.is_opted_in(&d("b.example")));
    assert!(b.is_opted_in(&d("a.example")));
    // A second copy of the answer is a stray.
    assert!(!a.handle_iq(t(4), &result("b.example", "a.example", a_id)));
}

#[test]
fn huge_durations_saturate() {
    // `opt_in_ttl = TimeDelta::MAX` panicked on overflow before.
    let mut c = config();
    c.create_node = false;
    c.opt_in_ttl = TimeDelta::MAX;
    c.query_timeout = TimeDelta::MAX;
    c.min_interval = TimeDelta::MAX;
    let mut p = Publisher::new(c, t(0));
    p.handle_timeout(t(0));
    assert_eq!(published(&drain(&mut p)).len(), 1);
    p.handle_connection_opened(t(1), &d("a.example"), LinkDirection::Incoming);
    answer(&mut p, t(2), "a.example", &info(true));
    assert!(p.is_opted_in(&d("a.example")));
    assert_eq!(
        p.opt_in_cache()["a.example"].expires,
        DateTime::<Utc>::MAX_UTC
    );
    // The next publication is "never", not a panic.
    assert_eq!(p.poll_timeout(), Some(DateTime::<Utc>::MAX_UTC));
}

/// Found by the `serverinfo_publisher` fuzz target: with `opt_in_ttl` and
/// `query_timeout` at zero (or below), `handle_timeout` never returned. The query
/// timed out at once, the "no" it cached expired at once, the expiry asked again,
/// and that query timed out at once, all at the same instant, queueing a transmit
/// per turn. Durations under a second are now raised to one.
#[test]
fn zero_durations_do_not_loop() {
    let mut c = config();
    c.create_node = false;
    c.opt_in_ttl = TimeDelta::zero();
    c.query_timeout = TimeDelta::seconds(-30);
    let mut p = Publisher::new(c, t(0));
    assert_eq!(p.config().opt_in_ttl, TimeDelta::seconds(1));
    assert_eq!(p.config().query_timeout, TimeDelta::seconds(1));
    p.handle_connection_opened(t(0), &d("a.example"), LinkDirection::Incoming);
    assert_eq!(drain(&mut p).len(), 1, "one query");
    p.handle_timeout(t(0));
    assert_eq!(published(&drain(&mut p)).len(), 1);
    // The query times out one second later; its "no" expires a second after that,
    // and the peer, still connected, is asked again: one query per expiry.
    p.handle_timeout(t(1));
    assert!(drain(&mut p).is_empty());
    assert_eq!(p.poll_timeout(), Some(t(2)));
    p.handle_timeout(t(2));
    let out = drain(&mut p);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(matches!(&out[0], Transmit::DiscoInfo { to, .. } if to.as_str() == "a.example"));
    assert!(p.poll_timeout().is_some_and(|at| at > t(2)));
}

/// An allow-listed peer is treated as opted in "without asking". A cache restored
/// from before the peer was listed held an answer for it; when that answer expired
/// while the peer was connected, the machine asked it again.
#[test]
fn allow_listed_peer_is_never_asked_even_after_a_restored_answer_expires() {
    let mut c = config();
    c.create_node = false;
    c.allow_list = BTreeSet::from(["trusted.example".to_owned()]);
    let mut p = Publisher::new(c, t(0));
    let entry = xep_serverinfo::publisher::OptInEntry {
        opted_in: false,
        expires: t(60),
    };
    p.restore_opt_in_cache(t(0), [("trusted.example".to_owned(), entry)]);
    p.handle_connection_opened(t(0), &d("trusted.example"), LinkDirection::Incoming);
    advance(&mut p, t(120));
    let out = drain(&mut p);
    assert!(
        out.iter().all(|t| !matches!(t, Transmit::DiscoInfo { .. })),
        "{out:?}"
    );
    assert!(p.is_opted_in(&d("trusted.example")));
    assert!(p.opt_in_cache().is_empty(), "the stale answer is dropped");
    assert_eq!(
        names(published(&out)[0]),
        [Some("trusted.example".to_owned())]
    );
}

/// A cache restored into a running publisher (shared by another node of a cluster)
/// changed whether a connected peer was named without scheduling a publication: the
/// item went out only with the next unrelated change. A staler restored answer
/// replaced a fresher one.
#[test]
fn restoring_into_a_running_publisher_publishes_what_changed() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    p.handle_connection_opened(t(0), &d("a.example"), LinkDirection::Incoming);
    answer(&mut p, t(1), "a.example", &info(false));
    advance(&mut p, t(2));
    assert_eq!(names(published(&drain(&mut p))[0]), [None]);
    let entry = |opted_in, expires| xep_serverinfo::publisher::OptInEntry { opted_in, expires };
    // Staler than the live answer (which expires an hour after t(1)): ignored.
    p.restore_opt_in_cache(t(10), [("a.example".to_owned(), entry(true, t(100)))]);
    assert!(!p.is_opted_in(&d("a.example")));
    advance(&mut p, t(60));
    assert!(published(&drain(&mut p)).is_empty());
    // Fresher: the peer is named and the item published.
    let later = p.opt_in_cache()["a.example"].expires + TimeDelta::seconds(1);
    p.restore_opt_in_cache(t(10), [("a.example".to_owned(), entry(true, later))]);
    assert!(p.is_opted_in(&d("a.example")));
    // Published once `min_interval` (300 s) after the last publication.
    advance(&mut p, t(400));
    let out = drain(&mut p);
    assert_eq!(
        names(published(&out)[0]),
        [Some("a.example".to_owned())],
        "{out:?}"
    );
    // An answer for a peer that is not connected changes no item.
    p.restore_opt_in_cache(t(400), [("b.example".to_owned(), entry(true, t(3000)))]);
    advance(&mut p, t(1000));
    assert!(published(&drain(&mut p)).is_empty());
}

/// A restored answer counts for the peer whatever the case of its key. Keys were
/// only lower-cased in ASCII, so an entry for `ÄÖ.Example` stayed in the cache (seen
/// in a `serverinfo_publisher` fuzz run) and never applied to `äö.example`, which is
/// how the peer's connections arrive.
#[test]
fn restored_keys_compare_as_domains() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    let entry = xep_serverinfo::publisher::OptInEntry {
        opted_in: true,
        expires: t(3600),
    };
    p.restore_opt_in_cache(t(0), [("ÄÖ.Example.".to_owned(), entry)]);
    p.handle_connection_opened(t(0), &d("äö.example"), LinkDirection::Incoming);
    assert!(p.is_opted_in(&d("äö.example")));
    let out = drain(&mut p);
    assert!(out.is_empty(), "the cached answer stands: {out:?}");
    assert_eq!(p.opt_in_cache().keys().collect::<Vec<_>>(), ["äö.example"]);
}

/// At the end of time every deadline saturates to `Time::MAX_UTC`, which is also
/// `now`: a query timed out at once, its answer expired at once and the peer was
/// asked again, and `handle_timeout(MAX_UTC)` never returned (as with zero
/// durations). A deadline that saturates is now "never".
#[test]
fn the_end_of_time_does_not_loop() {
    let mut c = config();
    c.create_node = false;
    let mut p = Publisher::new(c, t(0));
    p.handle_connection_opened(t(0), &d("a.example"), LinkDirection::Incoming);
    assert_eq!(drain(&mut p).len(), 1, "one query");
    let end = DateTime::<Utc>::MAX_UTC;
    p.handle_timeout(end);
    // The query timed out; its "no" holds for ever; the item went out.
    let out = drain(&mut p);
    assert_eq!(published(&out).len(), 1, "{out:?}");
    assert!(out.iter().all(|t| !matches!(t, Transmit::DiscoInfo { .. })));
    assert_eq!(p.opt_in_cache()["a.example"].expires, end);
    assert_eq!(p.poll_timeout(), None);
    p.handle_timeout(end);
    assert!(drain(&mut p).is_empty());
    // A peer connecting at the end of time is asked, and the query never times out.
    p.handle_connection_opened(end, &d("b.example"), LinkDirection::Incoming);
    assert_eq!(drain(&mut p).len(), 1, "one query");
    assert_eq!(p.poll_timeout(), Some(end), "the publication");
    p.handle_timeout(end);
    assert_eq!(published(&drain(&mut p)).len(), 1);
    assert_eq!(p.poll_timeout(), None);
    assert!(p.pending_query(&d("b.example")).is_some());
}

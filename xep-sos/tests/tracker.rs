//! The client lifecycle machine on a virtual clock: transcripts, provenance, ordering,
//! the address cache, persistence, and property tests against a small model.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use jid::Jid;
use minidom::Element;
use proptest::prelude::*;
use xep_sos::Timestamp;
use xep_sos::tracker::{Config, Event, InBandId, OutageKey, OutageTracker, Refusal};
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::message::Message;

const SERVER: &str = "shakespeare.lit";

fn t(s: &str) -> DateTime<Utc> {
    Timestamp::parse(s).unwrap().to_utc()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn tracker(now: DateTime<Utc>) -> OutageTracker {
    let config = Config::new(SERVER.parse().unwrap())
        .with_languages(["de-CH", "en"])
        .with_resolved_display(Duration::from_secs(600));
    OutageTracker::new(config, now)
}

fn drain(tr: &mut OutageTracker) -> Vec<Event> {
    std::iter::from_fn(|| tr.poll_event()).collect()
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            Event::Announced { upcoming: true, .. } => "announced-upcoming",
            Event::Announced { .. } => "announced",
            Event::Started { .. } => "started",
            Event::Updated { .. } => "updated",
            Event::Resolved { .. } => "resolved",
            Event::Reopened { .. } => "reopened",
            Event::Retracted { .. } => "retracted",
            Event::Gone { .. } => "gone",
            Event::Refused { .. } => "refused",
            Event::InvalidItem { .. } => "invalid",
            Event::StatusFileRejected { .. } => "file-rejected",
            Event::AddressesUpdated { .. } => "addresses",
            Event::AddressesStale => "addresses-stale",
            Event::FetchStatusFile { .. } => "fetch",
            Event::NoStatusAddresses => "no-addresses",
            _ => "other",
        })
        .collect()
}

/// A headline message carrying one pubsub event item.
fn event(from: &str, node: &str, id: &str, payload: &str) -> Message {
    let xml = format!(
        "<message xmlns='jabber:client' from='{from}' to='macbeth@shakespeare.lit/throne' type='headline' id='e'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='{node}'><item id='{id}'>{payload}</item></items></event></message>"
    );
    Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

fn retraction(from: &str, id: &str) -> Message {
    let xml = format!(
        "<message xmlns='jabber:client' from='{from}' type='headline' id='r'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'><retract id='{id}'/></items></event></message>"
    );
    Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

const OUTAGE: &str = "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'>Gateways down</description><description xml:lang='de'>Gateways weg</description><planned>true</planned><expected_end>2026-11-22T12:00:00Z</expected_end></outage>";
const END: &str = "<outage-end xmlns='urn:xmpp:sos:0'><description xml:lang='en'>Fixed</description></outage-end>";

/// Golden transcript: a planned outage is announced, starts, ends, and leaves the view.
const PLANNED_LIFECYCLE: &[&[&str]] = &[
    &["announced-upcoming"],
    &[],
    &["started"],
    &["resolved"],
    &["gone"],
];

#[test]
fn planned_outage_lifecycle_transcript() {
    let t0 = t("2026-11-22T09:00:00Z");
    let mut tr = tracker(t0);
    let mut transcript = Vec::new();

    assert!(tr.handle_message(
        t0,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE)
    ));
    transcript.push(drain(&mut tr));
    let view = tr.view();
    assert_eq!(view.upcoming.len(), 1);
    assert_eq!(view.upcoming[0].message.as_deref(), Some("Gateways weg"));
    assert_eq!(view.upcoming[0].planned, Some(true));
    assert_eq!(tr.poll_timeout(), Some(t("2026-11-22T10:00:00Z")));

    // A spurious timeout changes nothing.
    tr.handle_timeout(t("2026-11-22T09:30:00Z"));
    transcript.push(drain(&mut tr));

    tr.handle_timeout(t("2026-11-22T10:00:00Z"));
    transcript.push(drain(&mut tr));
    let view = tr.view();
    assert!(view.upcoming.is_empty());
    assert_eq!(
        view.ongoing[0].key,
        OutageKey::InBand(InBandId::new(
            ts("2026-11-22T10:00:00Z"),
            "2026-11-22T10:00:00Z"
        ))
    );

    let t1 = t("2026-11-22T11:00:00Z");
    tr.handle_message(
        t1,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T11:00:00Z", END),
    );
    transcript.push(drain(&mut tr));
    let view = tr.view();
    assert!(view.ongoing.is_empty());
    assert_eq!(
        view.resolved[0].resolved_at,
        Some(ts("2026-11-22T11:00:00Z"))
    );
    assert_eq!(
        view.resolved[0].resolution_message.as_deref(),
        Some("Fixed")
    );
    assert_eq!(tr.poll_timeout(), Some(t("2026-11-22T11:10:00Z")));

    tr.handle_timeout(t("2026-11-22T11:10:00Z"));
    transcript.push(drain(&mut tr));
    assert!(tr.view().is_empty());
    assert_eq!(tr.poll_timeout(), None);

    let got: Vec<Vec<&str>> = transcript.iter().map(|e| names(e)).collect();
    assert_eq!(got, PLANNED_LIFECYCLE);
}

#[test]
fn spec_example_notification_is_shown() {
    let xml = "<message from='shakespeare.lit' to='macbeth@shakespeare.lit/throne' type='headline' id='outagefoo' xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:tmp:sos'><item id=\"2021-01-01T01:01:01Z\"><outage xmlns='urn:xmpp:tmp:sos'><description xml:lang='en'>The ICQ and MSN gateways are down</description><description xml:lang='fr'>Les passerelles ICQ et MSN sont mortes</description><planned>false</planned><expected_end>2021-01-01T05:00:00Z</expected_end></outage></item></items></event></message>";
    let msg = Message::try_from(xml.parse::<Element>().unwrap()).unwrap();
    let now = t("2021-01-01T02:00:00Z");
    let mut tr = OutageTracker::new(
        Config::new(SERVER.parse().unwrap()).with_languages(["fr"]),
        now,
    );
    assert!(tr.handle_message(now, &msg));
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
    let view = tr.view();
    assert_eq!(
        view.ongoing[0].message.as_deref(),
        Some("Les passerelles ICQ et MSN sont mortes")
    );
    assert_eq!(
        view.ongoing[0].expected_end,
        Some(ts("2021-01-01T05:00:00Z"))
    );
}

#[test]
fn events_from_anyone_else_are_refused_and_reported() {
    let now = t("2026-11-22T09:00:00Z");
    let mut tr = tracker(now);
    for from in [
        "evil.example",
        "firstwitch@shakespeare.lit",
        "shakespeare.lit/broom",
        "pubsub.shakespeare.lit",
    ] {
        assert!(tr.handle_message(
            now,
            &event(from, "urn:xmpp:sos:0", "2026-11-22T08:00:00Z", OUTAGE)
        ));
        let events = drain(&mut tr);
        assert_eq!(
            events,
            [Event::Refused {
                from: from.parse::<Jid>().unwrap(),
                node: Some("urn:xmpp:sos:0".into()),
                reason: Refusal::WrongSender,
            }],
            "{from}"
        );
    }
    // The right sender, a foreign node carrying an outage payload.
    assert!(tr.handle_message(
        now,
        &event(SERVER, "urn:example:news", "2026-11-22T08:00:00Z", OUTAGE)
    ));
    assert!(matches!(
        drain(&mut tr)[..],
        [Event::Refused {
            reason: Refusal::WrongNode,
            ..
        }]
    ));
    assert!(tr.view().is_empty());
    // Unrelated pubsub traffic is not ours at all.
    assert!(!tr.handle_message(
        now,
        &event(
            SERVER,
            "urn:xmpp:avatar:metadata",
            "x",
            "<metadata xmlns='urn:xmpp:avatar:metadata'/>"
        )
    ));
    assert!(drain(&mut tr).is_empty());
}

#[test]
fn duplicates_are_silent_and_changes_are_updates() {
    let now = t("2026-11-22T09:00:00Z");
    let mut tr = tracker(now);
    let msg = event(SERVER, "urn:xmpp:sos:0", "2026-11-22T08:00:00Z", OUTAGE);
    tr.handle_message(now, &msg);
    tr.handle_message(now, &msg);
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
    let changed = OUTAGE.replace("12:00:00Z", "13:00:00Z");
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T08:00:00Z", &changed),
    );
    assert_eq!(names(&drain(&mut tr)), ["updated"]);
    assert_eq!(
        tr.view().ongoing[0].expected_end,
        Some(ts("2026-11-22T13:00:00Z"))
    );
}

#[test]
fn an_end_that_arrives_first_resolves_the_outage_on_arrival() {
    let now = t("2026-11-22T11:05:00Z");
    let mut tr = tracker(now);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T11:00:00Z", END),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    assert_eq!(names(&drain(&mut tr)), ["resolved"]);
    let view = tr.view();
    assert!(view.ongoing.is_empty());
    assert_eq!(view.resolved.len(), 1);
    // Old history (an end long past) is never shown.
    let later = t("2026-11-23T00:00:00Z");
    tr.handle_timeout(later);
    drain(&mut tr);
    tr.handle_message(
        later,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T09:00:00Z", OUTAGE),
    );
    assert!(drain(&mut tr).is_empty());
    assert!(tr.view().is_empty());
    // An outage after the last end is a new, ongoing one.
    tr.handle_message(
        later,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T23:00:00Z", OUTAGE),
    );
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
}

#[test]
fn retractions_remove_outages_and_reopen_after_an_end_is_withdrawn() {
    let now = t("2026-11-22T11:01:00Z");
    let mut tr = tracker(now);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T11:00:00Z", END),
    );
    tr.handle_message(now, &retraction(SERVER, "2026-11-22T11:00:00Z"));
    assert_eq!(
        names(&drain(&mut tr)),
        ["announced", "resolved", "reopened"]
    );
    assert_eq!(tr.view().ongoing.len(), 1);
    tr.handle_message(now, &retraction(SERVER, "2026-11-22T10:00:00Z"));
    assert_eq!(names(&drain(&mut tr)), ["retracted"]);
    assert!(tr.view().is_empty());
    // A retraction from someone else is refused.
    tr.handle_message(now, &retraction("evil.example", "2026-11-22T10:00:00Z"));
    assert_eq!(names(&drain(&mut tr)), ["refused"]);
}

#[test]
fn bad_items_are_reported_not_shown() {
    let now = t("2026-11-22T11:00:00Z");
    let mut tr = tracker(now);
    tr.handle_message(now, &event(SERVER, "urn:xmpp:sos:0", "current", OUTAGE));
    tr.handle_message(
        now,
        &event(
            SERVER,
            "urn:xmpp:sos:0",
            "2026-11-22T10:00:00Z",
            "<outage xmlns='urn:xmpp:sos:0'><planned>maybe</planned></outage>",
        ),
    );
    let events = drain(&mut tr);
    assert_eq!(names(&events), ["invalid", "invalid"]);
    let Event::InvalidItem { id, error } = &events[0] else {
        panic!()
    };
    assert_eq!(id.as_deref(), Some("current"));
    assert_eq!(error, "item id \"current\" is not an XEP-0082 date-time");
    assert!(tr.view().is_empty());
}

fn disco(addresses: &[&str]) -> DiscoInfoResult {
    let values: String = addresses
        .iter()
        .map(|a| format!("<value>{a}</value>"))
        .collect();
    format!(
        "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'>{values}</field></x></query>"
    )
    .parse::<Element>()
    .unwrap()
    .try_into()
    .unwrap()
}

#[test]
fn address_cache_answers_while_the_server_is_down_and_survives_a_restart() {
    let t0 = t("2026-11-01T00:00:00Z");
    let mut tr = tracker(t0);
    let server: Jid = SERVER.parse().unwrap();
    assert!(tr.handle_disco_info(
        t0,
        &server,
        &disco(&[
            "xmpp:status@example.org",
            "https://status.example.org/s.json"
        ])
    ));
    assert_eq!(names(&drain(&mut tr)), ["addresses"]);
    // Another entity's disco result is not the server's.
    assert!(!tr.handle_disco_info(
        t0,
        &"evil.example".parse().unwrap(),
        &disco(&["https://evil.example/"])
    ));
    assert_eq!(tr.poll_timeout(), Some(t("2026-11-08T00:00:00Z")));

    // Saved and restored (a client restarting while its server is down).
    let saved = serde_json::to_string(&tr).unwrap();
    let mut tr: OutageTracker = serde_json::from_str(&saved).unwrap();

    let t1 = t("2026-11-09T00:00:00Z");
    tr.handle_timeout(t1);
    assert_eq!(names(&drain(&mut tr)), ["addresses-stale"]);
    tr.handle_server_unreachable(t1);
    // Stale, but still the best there is; only the http(s) one is fetched.
    assert_eq!(
        drain(&mut tr),
        [Event::FetchStatusFile {
            addresses: vec!["https://status.example.org/s.json".into()]
        }]
    );
    assert_eq!(tr.poll_timeout(), Some(t1 + TimeDelta::minutes(5)));
    let body = r#"{"planned": false, "beginning": "2026-11-08T23:00:00Z", "message": {"default": "Panne", "de": "Ausfall"}}"#;
    tr.handle_status_file(t1, t1, "https://status.example.org/s.json", body);
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
    assert_eq!(tr.view().ongoing[0].message.as_deref(), Some("Ausfall"));

    tr.handle_timeout(t1 + TimeDelta::minutes(5));
    assert_eq!(names(&drain(&mut tr)), ["fetch"]);
    // An older response arriving late is ignored.
    tr.handle_status_file(
        t1 + TimeDelta::minutes(5),
        t1 - TimeDelta::minutes(1),
        "https://status.example.org/s.json",
        "{}",
    );
    assert!(drain(&mut tr).is_empty());
    // A broken file keeps the previous state.
    let t2 = t1 + TimeDelta::minutes(6);
    tr.handle_status_file(
        t2,
        t2,
        "https://status.example.org/s.json",
        "{\"beginning\": 3}",
    );
    let events = drain(&mut tr);
    assert!(
        matches!(&events[..], [Event::StatusFileRejected { error, .. }] if error.contains("/beginning: expected a string, found a number")),
        "{events:?}"
    );
    assert_eq!(tr.view().ongoing.len(), 1);
    // `{}`: resolved, shown briefly, then gone.
    let t3 = t1 + TimeDelta::minutes(10);
    tr.handle_status_file(t3, t3, "https://status.example.org/s.json", "{}\n");
    assert_eq!(names(&drain(&mut tr)), ["resolved"]);
    assert_eq!(tr.view().resolved.len(), 1);
    tr.handle_server_reachable(t3);
    tr.handle_timeout(t3 + TimeDelta::minutes(10));
    assert_eq!(names(&drain(&mut tr)), ["gone"]);
    assert!(tr.view().is_empty());
    assert_eq!(
        tr.poll_timeout(),
        None,
        "no polling once the server is back"
    );
}

#[test]
fn unreachable_without_addresses_says_so() {
    let now = t("2026-11-01T00:00:00Z");
    let mut tr = tracker(now);
    tr.handle_server_unreachable(now);
    assert_eq!(drain(&mut tr), [Event::NoStatusAddresses]);
}

#[test]
fn upcoming_file_outage_starts_on_time_and_in_band_wins_on_duplicates() {
    let now = t("2026-11-22T09:00:00Z");
    let mut tr = tracker(now);
    let body = r#"{"outage": "complete", "planned": true, "beginning": "2026-11-22T10:00:00Z", "message": {"default": "Wartung"}}"#;
    tr.handle_status_file(now, now, "https://s.example/s.json", body);
    assert_eq!(names(&drain(&mut tr)), ["announced-upcoming"]);
    assert_eq!(
        tr.view().upcoming[0].scope,
        Some(xep_sos::status::OutageScope::Complete)
    );
    tr.handle_timeout(t("2026-11-22T10:00:00Z"));
    assert_eq!(names(&drain(&mut tr)), ["started"]);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    drain(&mut tr);
    let view = tr.view();
    assert_eq!(view.ongoing.len(), 1);
    assert!(matches!(view.ongoing[0].key, OutageKey::InBand(_)));
}

#[test]
fn work_is_proportional_to_the_event() {
    // 20,000 outages each resolved by its own end: quadratic work would take minutes.
    let t0 = t("2026-01-01T00:00:00Z");
    let mut tr = tracker(t0);
    let server: Jid = SERVER.parse().unwrap();
    let mut now = t0;
    for i in 0..20_000i64 {
        now = t0 + TimeDelta::seconds(2 * i);
        let start = Timestamp::from(now);
        let end = Timestamp::from(now + TimeDelta::seconds(1));
        let items = format!(
            "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'><item id='{start}'>{OUTAGE}</item><item id='{end}'>{END}</item></items></event>"
        );
        let ev = xmpp_parsers::pubsub::event::Event::try_from(items.parse::<Element>().unwrap())
            .unwrap();
        tr.handle_pubsub_event(now, &server, &ev);
        tr.handle_timeout(now);
        while tr.poll_event().is_some() {}
    }
    let view = tr.view();
    assert!(view.ongoing.is_empty());
    assert!(view.resolved.len() <= 301, "{}", view.resolved.len());
    let _ = now;
}

#[derive(Debug, Clone)]
enum Op {
    Outage { slot: u8, foreign: bool },
    End { slot: u8 },
    Retract { slot: u8 },
    Tick { minutes: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..12, any::<bool>()).prop_map(|(slot, foreign)| Op::Outage { slot, foreign }),
        (0u8..12).prop_map(|slot| Op::End { slot }),
        (0u8..12).prop_map(|slot| Op::Retract { slot }),
        (0u8..30).prop_map(|minutes| Op::Tick { minutes }),
    ]
}

/// Slot `n` is the moment T0 + n * 10 minutes; outages and ends share the slots.
fn slot_time(slot: u8) -> DateTime<Utc> {
    t("2026-11-22T10:00:00Z") + TimeDelta::minutes(10 * i64::from(slot))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Against a model: what is shown as upcoming or ongoing is exactly the set of
    /// outages (from the server) with no end at or after them; a foreign event never
    /// reaches the view; nothing is shown as ongoing after its end event.
    #[test]
    fn view_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut now = t("2026-11-22T09:00:00Z");
        let mut tr = tracker(now);
        let mut outages: BTreeSet<u8> = BTreeSet::new();
        let mut ends: BTreeSet<u8> = BTreeSet::new();
        let mut foreign_only: BTreeSet<u8> = BTreeSet::new();
        for op in ops {
            match op {
                Op::Outage { slot, foreign } => {
                    let id = Timestamp::from(slot_time(slot)).to_string();
                    let from = if foreign { "evil.example" } else { SERVER };
                    tr.handle_message(now, &event(from, "urn:xmpp:sos:0", &id, OUTAGE));
                    if foreign {
                        if !outages.contains(&slot) && !ends.contains(&slot) { foreign_only.insert(slot); }
                    } else {
                        ends.remove(&slot); // the same item id now holds an outage
                        outages.insert(slot);
                        foreign_only.remove(&slot);
                    }
                }
                Op::End { slot } => {
                    if outages.contains(&slot) { continue; } // keep item ids unique per kind
                    let id = Timestamp::from(slot_time(slot)).to_string();
                    tr.handle_message(now, &event(SERVER, "urn:xmpp:sos:0", &id, END));
                    ends.insert(slot);
                    foreign_only.remove(&slot);
                }
                Op::Retract { slot } => {
                    let id = Timestamp::from(slot_time(slot)).to_string();
                    tr.handle_message(now, &retraction(SERVER, &id));
                    outages.remove(&slot);
                    ends.remove(&slot);
                }
                Op::Tick { minutes } => {
                    now += TimeDelta::minutes(i64::from(minutes));
                    tr.handle_timeout(now);
                }
            }
            while let Some(e) = tr.poll_event() {
                if let Event::Announced { key: OutageKey::InBand(id), .. } = e {
                    let slot = outages.iter().find(|s| Timestamp::from(slot_time(**s)) == id.at);
                    prop_assert!(slot.is_some(), "announced an outage the server did not send");
                }
            }
            let view = tr.view();
            let shown_open: BTreeSet<Timestamp> = view.upcoming.iter().chain(&view.ongoing).map(|s| s.beginning).collect();
            let expected: BTreeSet<Timestamp> = outages
                .iter()
                .filter(|o| !ends.iter().any(|e| e >= *o))
                .map(|o| Timestamp::from(slot_time(*o)))
                .collect();
            prop_assert_eq!(&shown_open, &expected);
            // Soonest and oldest first, as the view says.
            prop_assert!(view.upcoming.windows(2).all(|w| w[0].beginning <= w[1].beginning));
            prop_assert!(view.ongoing.windows(2).all(|w| w[0].beginning <= w[1].beginning));
            for s in &view.upcoming {
                prop_assert!(s.beginning.to_utc() > now);
            }
            for s in &view.ongoing {
                prop_assert!(s.beginning.to_utc() <= now);
            }
            for s in view.resolved.iter() {
                let end = s.resolved_at.unwrap();
                prop_assert!(ends.iter().any(|e| Timestamp::from(slot_time(*e)) == end));
                prop_assert!(end.to_utc() + TimeDelta::minutes(10) > now);
            }
            for slot in &foreign_only {
                let at = Timestamp::from(slot_time(*slot));
                prop_assert!(view.keys().all(|k| !matches!(k, OutageKey::InBand(id) if id.at == at)));
            }
        }
    }
}

#[test]
fn fetched_items_and_purges() {
    let now = t("2026-11-22T10:30:00Z");
    let mut tr = tracker(now);
    let server: Jid = SERVER.parse().unwrap();
    let xml = format!(
        "<items xmlns='http://jabber.org/protocol/pubsub' node='urn:xmpp:sos:0'><item id='2026-11-22T09:00:00Z'>{OUTAGE}</item><item id='2026-11-22T09:30:00Z'>{END}</item><item id='2026-11-22T10:00:00Z'>{OUTAGE}</item></items>"
    );
    let items =
        xmpp_parsers::pubsub::pubsub::Items::try_from(xml.parse::<Element>().unwrap()).unwrap();
    // From someone else: refused.
    assert!(tr.handle_items_result(now, &"evil.example".parse().unwrap(), &items));
    assert_eq!(names(&drain(&mut tr)), ["refused"]);
    assert!(tr.handle_items_result(now, &server, &items));
    // The 09:00 outage ended at 09:30, an hour ago: history, not shown.
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
    let view = tr.view();
    assert_eq!(view.ongoing.len(), 1);
    assert!(view.resolved.is_empty());
    let purge = "<message xmlns='jabber:client' from='shakespeare.lit' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><purge node='urn:xmpp:sos:0'/></event></message>";
    let purge = Message::try_from(purge.parse::<Element>().unwrap()).unwrap();
    assert!(tr.handle_message(now, &purge));
    assert_eq!(names(&drain(&mut tr)), ["retracted", "retracted"]);
    assert!(tr.view().is_empty());
}

#[test]
fn extreme_durations_and_dates_do_not_panic() {
    let now = t("9999-12-31T23:00:00Z");
    let config = Config::new(SERVER.parse().unwrap())
        .with_resolved_display(Duration::from_secs(u64::MAX))
        .with_address_ttl(Duration::from_secs(u64::MAX))
        .with_poll_interval(Duration::MAX);
    let mut tr = OutageTracker::new(config, now);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "9999-12-31T23:00:00Z", OUTAGE),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "9999-12-31T23:59:59Z", END),
    );
    tr.handle_disco_info(
        now,
        &SERVER.parse().unwrap(),
        &disco(&["https://s.example/"]),
    );
    tr.handle_server_unreachable(now);
    assert_eq!(
        names(&drain(&mut tr)),
        ["announced", "resolved", "addresses", "fetch"]
    );
    assert_eq!(tr.view().resolved.len(), 1);
    assert!(tr.poll_timeout().is_some());
}

fn disco_element(node: Option<&str>, addresses: &[&str]) -> Element {
    let values: String = addresses
        .iter()
        .map(|a| format!("<value>{a}</value>"))
        .collect();
    let node = node.map_or_else(String::new, |n| format!(" node='{n}'"));
    let form = if addresses.is_empty() {
        String::new()
    } else {
        format!(
            "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'>{values}</field></x>"
        )
    };
    format!(
        "<iq xmlns='jabber:client' type='result' id='d' from='{SERVER}'><query xmlns='http://jabber.org/protocol/disco#info'{node}><identity category='automation' type='command-list'/>{form}</query></iq>"
    )
    .parse()
    .unwrap()
}

#[test]
fn only_the_root_node_result_updates_the_address_cache() {
    let now = t("2026-11-01T00:00:00Z");
    let mut tr = tracker(now);
    let server: Jid = SERVER.parse().unwrap();
    assert!(tr.handle_disco_info(now, &server, &disco(&["https://s.example/s.json"])));
    assert_eq!(names(&drain(&mut tr)), ["addresses"]);
    // The commands node's result has no SOS form: it says nothing about the cache the
    // spec says clients MUST keep.
    let commands = disco_element(Some("http://jabber.org/protocol/commands"), &[]);
    assert!(tr.handle_disco_info_element(now, &server, &commands));
    let info: DiscoInfoResult = commands
        .get_child("query", "http://jabber.org/protocol/disco#info")
        .unwrap()
        .clone()
        .try_into()
        .unwrap();
    assert!(tr.handle_disco_info(now, &server, &info));
    assert!(drain(&mut tr).is_empty());
    assert_eq!(
        tr.addresses().unwrap().addresses.addresses,
        ["https://s.example/s.json"]
    );
    // The root result without the form does empty it.
    assert!(tr.handle_disco_info_element(now, &server, &disco_element(None, &[])));
    assert_eq!(
        drain(&mut tr),
        [Event::AddressesUpdated { addresses: vec![] }]
    );
}

#[test]
fn the_raw_element_survives_a_malformed_unrelated_form_and_requests_are_not_results() {
    let now = t("2026-11-01T00:00:00Z");
    let mut tr = tracker(now);
    let server: Jid = SERVER.parse().unwrap();
    let xml = format!(
        "<iq xmlns='jabber:client' type='result' id='d' from='{SERVER}'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:a</value><value>urn:b</value></field><field type='text-single'/></x>\
         <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field>\
         <field var='external-status-addresses'><value>https://s.example/s.json</value></field></x></query></iq>"
    );
    let iq: Element = xml.parse().unwrap();
    let query = iq
        .get_child("query", "http://jabber.org/protocol/disco#info")
        .unwrap();
    assert!(DiscoInfoResult::try_from(query.clone()).is_err());
    assert!(tr.handle_disco_info_element(now, &server, &iq));
    assert_eq!(
        drain(&mut tr),
        [Event::AddressesUpdated {
            addresses: vec!["https://s.example/s.json".into()]
        }]
    );
    // A disco#info request from the server is for the caller to answer.
    let get: Element = format!(
        "<iq xmlns='jabber:client' type='get' id='q' from='{SERVER}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
    )
    .parse()
    .unwrap();
    assert!(!tr.handle_disco_info_element(now, &server, &get));
    assert!(!tr.handle_disco_info_element(
        now,
        &server,
        &"<presence xmlns='jabber:client'/>".parse().unwrap()
    ));
    assert!(drain(&mut tr).is_empty());
    assert!(tr.addresses().is_some());
}

#[test]
fn mirrors_that_disagree_do_not_flip_the_view_on_every_poll() {
    const A: &str = "https://a.example/s.json";
    const B: &str = "https://b.example/s.json";
    let t0 = t("2026-11-22T10:00:00Z");
    let mut tr = tracker(t0);
    let server: Jid = SERVER.parse().unwrap();
    tr.handle_disco_info(t0, &server, &disco(&[A, B]));
    tr.handle_server_unreachable(t0);
    drain(&mut tr);
    let outage = r#"{"beginning": "2026-11-22T09:00:00Z"}"#;
    // Every poll, both mirrors answer: A with the outage, B (stale) with `{}`.
    let mut transcript = Vec::new();
    for round in 0..4 {
        let now = t0 + TimeDelta::minutes(5 * round);
        tr.handle_timeout(now);
        tr.handle_status_file(now, now, A, outage);
        tr.handle_status_file(now, now + TimeDelta::seconds(1), B, "{}");
        transcript.push(names(&drain(&mut tr)));
    }
    assert_eq!(
        transcript,
        [
            vec!["announced"],
            vec!["fetch"],
            vec!["fetch"],
            vec!["fetch"]
        ]
    );
    assert_eq!(tr.view().ongoing.len(), 1);
    // A fails (its body cannot be read): that changes nothing ...
    let t1 = t0 + TimeDelta::minutes(20);
    tr.handle_timeout(t1);
    tr.handle_status_file(t1, t1, A, "<html>502</html>");
    tr.handle_status_file(t1, t1, B, "{}");
    assert_eq!(names(&drain(&mut tr)), ["fetch", "file-rejected"]);
    assert_eq!(tr.view().ongoing.len(), 1);
    // ... until A has given no readable file for two poll intervals: B takes over.
    let t2 = t0 + TimeDelta::minutes(25);
    tr.handle_timeout(t2);
    tr.handle_status_file(t2, t2, B, "{}");
    assert_eq!(names(&drain(&mut tr)), ["fetch", "resolved"]);
    // A is back, still saying the outage goes on: B is the source now.
    let t3 = t0 + TimeDelta::minutes(30);
    tr.handle_timeout(t3);
    tr.handle_status_file(t3, t3, A, outage);
    tr.handle_status_file(t3, t3, B, "{}");
    assert_eq!(names(&drain(&mut tr)), ["fetch"]);
    assert!(tr.view().ongoing.is_empty());
}

#[test]
fn a_source_that_is_no_longer_listed_gives_way_at_once() {
    const A: &str = "https://a.example/s.json";
    const B: &str = "https://b.example/s.json";
    let t0 = t("2026-11-22T10:00:00Z");
    let mut tr = tracker(t0);
    let server: Jid = SERVER.parse().unwrap();
    tr.handle_disco_info(t0, &server, &disco(&[A, B]));
    tr.handle_status_file(t0, t0, A, r#"{"beginning": "2026-11-22T09:00:00Z"}"#);
    tr.handle_disco_info(t0, &server, &disco(&[B]));
    drain(&mut tr);
    let t1 = t0 + TimeDelta::minutes(1);
    tr.handle_status_file(t1, t1, B, "{}");
    assert_eq!(names(&drain(&mut tr)), ["resolved"]);
}

#[test]
fn distinct_ids_naming_the_same_instant_are_two_outages() {
    let now = t("2026-11-22T12:00:00Z");
    let mut tr = tracker(now);
    let other = OUTAGE.replace("Gateways down", "MUC down");
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    tr.handle_message(
        now,
        &event(
            SERVER,
            "urn:xmpp:sos:0",
            "2026-11-22T11:00:00+01:00",
            &other,
        ),
    );
    assert_eq!(names(&drain(&mut tr)), ["announced", "announced"]);
    let view = tr.view();
    assert_eq!(view.ongoing.len(), 2);
    assert_eq!(
        view.keys().collect::<Vec<_>>(),
        [
            OutageKey::InBand(InBandId::new(
                ts("2026-11-22T10:00:00Z"),
                "2026-11-22T10:00:00Z"
            )),
            OutageKey::InBand(InBandId::new(
                ts("2026-11-22T10:00:00Z"),
                "2026-11-22T11:00:00+01:00"
            )),
        ]
    );
    // Retracting one id leaves the other.
    tr.handle_message(now, &retraction(SERVER, "2026-11-22T11:00:00+01:00"));
    assert_eq!(names(&drain(&mut tr)), ["retracted"]);
    let view = tr.view();
    assert_eq!(view.ongoing.len(), 1);
    assert_eq!(view.ongoing[0].message.as_deref(), Some("Gateways weg"));
    // An end at the same instant, under a third id, resolves what remains.
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00.000Z", END),
    );
    assert_eq!(names(&drain(&mut tr)), ["resolved"]);
    assert!(tr.view().ongoing.is_empty());
}

#[test]
fn the_view_is_oldest_first_across_items_and_the_status_file() {
    let now = t("2026-11-22T12:00:00Z");
    let mut tr = tracker(now);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T14:00:00Z", OUTAGE),
    );
    tr.handle_status_file(
        now,
        now,
        "https://s.example/s.json",
        r#"{"beginning": "2026-11-22T08:00:00Z"}"#,
    );
    let later = r#"{"beginning": "2026-11-22T13:00:00Z"}"#;
    let view = tr.view();
    let ongoing: Vec<Timestamp> = view.ongoing.iter().map(|s| s.beginning).collect();
    assert_eq!(
        ongoing,
        [ts("2026-11-22T08:00:00Z"), ts("2026-11-22T10:00:00Z")]
    );
    // Upcoming: soonest first, the file's outage between the items.
    let t1 = now + TimeDelta::minutes(1);
    tr.handle_status_file(t1, t1, "https://s.example/s.json", later);
    tr.handle_message(
        t1,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T15:00:00Z", OUTAGE),
    );
    let upcoming: Vec<Timestamp> = tr.view().upcoming.iter().map(|s| s.beginning).collect();
    assert_eq!(
        upcoming,
        [
            ts("2026-11-22T13:00:00Z"),
            ts("2026-11-22T14:00:00Z"),
            ts("2026-11-22T15:00:00Z")
        ]
    );
}

#[test]
fn the_raw_message_element_is_read_when_xmpp_parsers_refuses_the_stanza() {
    let now = t("2026-11-22T12:00:00Z");
    let mut tr = tracker(now);
    let xml = format!(
        "<message xmlns='jabber:client' from='{SERVER}' type='bogus' id='e'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'><item id='2026-11-22T10:00:00Z'>{OUTAGE}</item></items></event></message>"
    );
    let element: Element = xml.parse().unwrap();
    assert!(Message::try_from(element.clone()).is_err());
    assert!(tr.handle_message_element(now, &element));
    assert_eq!(names(&drain(&mut tr)), ["announced"]);
    // Provenance is checked the same way.
    let forged: Element = xml.replace(SERVER, "evil.example").parse().unwrap();
    assert!(tr.handle_message_element(now, &forged));
    assert_eq!(names(&drain(&mut tr)), ["refused"]);
    let no_from: Element = "<message xmlns='jabber:client'/>".parse().unwrap();
    assert!(!tr.handle_message_element(now, &no_from));
}

#[test]
fn state_with_in_band_outages_is_saved_and_restored() {
    let now = t("2026-11-22T12:00:00Z");
    let mut tr = tracker(now);
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T10:00:00Z", OUTAGE),
    );
    tr.handle_message(
        now,
        &event(
            SERVER,
            "urn:xmpp:sos:0",
            "2026-11-22T11:00:00+01:00",
            OUTAGE,
        ),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T11:30:00Z", END),
    );
    tr.handle_message(
        now,
        &event(SERVER, "urn:xmpp:sos:0", "2026-11-22T13:00:00Z", OUTAGE),
    );
    tr.handle_status_file(
        now,
        now,
        "https://s.example/s.json",
        r#"{"beginning": "2026-11-22T09:00:00Z"}"#,
    );
    drain(&mut tr);
    let saved = serde_json::to_string(&tr).unwrap();
    let mut restored: OutageTracker = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored.view(), tr.view());
    assert_eq!(restored.view().upcoming.len(), 1);
    // It goes on where it left off.
    restored.handle_timeout(t("2026-11-22T13:00:00Z"));
    assert_eq!(names(&drain(&mut restored)), ["started"]);
}

//! The directory machine on a virtual clock: the spec's whole flow, refreshes,
//! failures, servers that are not public, and saved state.

mod common;

use chrono::TimeDelta;
use common::{describe_iq, describe_presence, parse, t};
use jid::BareJid;
use xep_core::time::Time;
use xep_service_directory::directory::{
    Directory, DirectoryConfig, DirectoryState, Event, Failure, QueryKind, Transmit,
};
use xep_service_directory::listing::Listing;
use xep_service_directory::vcard::{Ca, VCard};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type};

const SERVER: &str = "jabber.org";

fn server() -> BareJid {
    SERVER.parse().unwrap()
}

fn sent(dir: &mut Directory) -> Vec<String> {
    std::iter::from_fn(|| dir.poll_transmit())
        .map(|t| match t {
            Transmit::Presence(p) => describe_presence(&p),
            Transmit::Iq(iq) => describe_iq(&iq),
        })
        .collect()
}

fn transmits(dir: &mut Directory) -> Vec<Transmit> {
    std::iter::from_fn(|| dir.poll_transmit()).collect()
}

fn events(dir: &mut Directory) -> Vec<Event> {
    std::iter::from_fn(|| dir.poll_event()).collect()
}

fn event_names(dir: &mut Directory) -> Vec<String> {
    events(dir)
        .iter()
        .map(|e| {
            let s = format!("{e:?}");
            let name = s.split([' ', '{', '(']).next().unwrap().to_owned();
            match e {
                Event::Retracted { reason, .. } => format!("{name}:{reason:?}"),
                Event::QueryFailed {
                    query, failures, ..
                } => format!("{name}:{query:?}:{failures}"),
                _ => name,
            }
        })
        .collect()
}

fn presence(type_: Type, from: &str) -> Presence {
    Presence::new(type_).with_from(from.parse::<jid::Jid>().unwrap())
}

const DISCO_PUBLIC: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/>\
    <feature var='http://jabber.org/protocol/disco#info'/>\
    <feature var='jabber:iq:register'/>\
    <feature var='urn:xmpp:server-presence'/>\
    <feature var='urn:xmpp:public-server'/></query>";

const DISCO_PRIVATE: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/>\
    <feature var='urn:ietf:params:xml:ns:vcard-4.0'/></query>";

const CARD: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
    <fn><text>jabber.org IM service</text></fn>\
    <url><uri>http://www.jabber.org/</uri></url>\
    <lang><parameters><pref>1</pref></parameters><language-tag>en</language-tag></lang>\
    <adr><region>IA</region><country>US</country></adr>\
    <email><text>xmpp@jabber.org</text></email>\
    <impp><uri>xmpp:jabber.org</uri></impp>\
    <logo><uri>http://www.jabber.org/images/logo.png</uri></logo>\
    <geo><uri>geo:42.25,-91.05</uri></geo>\
    <tz><text>America/Chicago</text></tz>\
    <kind><text>application</text></kind>\
    <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://register.jabber.org/</uri></registration>\
    </vcard>";

fn result(id: &str, from: &str, payload: Option<&str>) -> Iq {
    Iq::Result {
        from: Some(from.parse().unwrap()),
        to: Some("xmpp.net".parse().unwrap()),
        id: id.to_owned(),
        payload: payload.map(parse),
    }
}

fn version(id: &str, name: &str) -> Iq {
    let xml =
        format!("<query xmlns='jabber:iq:version'><name>{name}</name><version>1</version></query>");
    result(id, SERVER, Some(&xml))
}

fn error(id: &str, from: &str) -> Iq {
    let error = xmpp_parsers::stanza_error::StanzaError::new(
        xmpp_parsers::stanza_error::ErrorType::Cancel,
        xmpp_parsers::stanza_error::DefinedCondition::ServiceUnavailable,
        "en",
        "",
    );
    Iq::from_error(id, error).with_from(from.parse().unwrap())
}

/// Subscribes `server` and completes the handshake; the disco#info query is left
/// to send.
fn befriend(dir: &mut Directory, now: Time, server: &str) {
    assert!(dir.handle_presence(now, &presence(Type::Subscribe, server)));
    assert!(dir.handle_presence(now, &presence(Type::Subscribed, server)));
}

#[test]
fn the_spec_flow_subscribe_query_publish_refresh_unsubscribe() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);

    // "Server Sends Subscription Request to Directory"
    assert!(dir.handle_presence(t0, &presence(Type::Subscribe, SERVER)));
    assert_eq!(
        sent(&mut dir),
        [
            "presence subscribed -> jabber.org",
            "presence subscribe -> jabber.org"
        ]
    );
    assert!(events(&mut dir).is_empty());
    assert_eq!(dir.poll_timeout(), None);

    // "Services Sends Approval to Directory": the handshake is complete.
    let t1 = t0 + TimeDelta::seconds(1);
    assert!(dir.handle_presence(t1, &presence(Type::Subscribed, SERVER)));
    assert_eq!(event_names(&mut dir), ["Subscribed"]);
    assert_eq!(sent(&mut dir), ["iq get sd1 disco#info -> jabber.org"]);
    assert_eq!(dir.poll_timeout(), Some(t1 + TimeDelta::seconds(60)));

    // The TLS stack reports the CA of the s2s certificate.
    dir.handle_tls(
        t1,
        &server(),
        Ca {
            name: "StartSSL".into(),
            uri: Some("http://www.startssl.com/".into()),
        },
    );
    assert!(sent(&mut dir).is_empty());

    let t2 = t1 + TimeDelta::seconds(1);
    assert!(dir.handle_iq(t2, &result("sd1", SERVER, Some(DISCO_PUBLIC))));
    assert_eq!(
        sent(&mut dir),
        [
            "iq get sd2 vcard -> jabber.org",
            "iq get sd3 version -> jabber.org"
        ]
    );
    assert!(dir.handle_iq(t2, &version("sd3", "Isode M-Link")));
    assert!(sent(&mut dir).is_empty(), "waits for the vCard");
    assert!(dir.handle_iq(t2, &result("sd2", SERVER, Some(CARD))));
    let published = transmits(&mut dir);
    assert_eq!(published.len(), 1);
    let Transmit::Iq(iq) = &published[0] else {
        panic!()
    };
    assert_eq!(
        describe_iq(iq),
        "iq set sd4 publish urn:xmpp:contacts/jabber.org -> xmpp.net"
    );
    // The card pushed is the spec's push example: the server's card with the CA and
    // the software name the directory added.
    let Iq::Set { payload, .. } = &**iq else {
        panic!()
    };
    let item = payload
        .get_child("publish", "http://jabber.org/protocol/pubsub")
        .and_then(|p| p.get_child("item", "http://jabber.org/protocol/pubsub"))
        .unwrap();
    let card = VCard::read_strict(
        item.get_child("vcard", "urn:ietf:params:xml:ns:vcard-4.0")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(card.ca().unwrap().name, "StartSSL");
    assert_eq!(card.software_name(), Some("Isode M-Link"));
    let evs = events(&mut dir);
    let Event::Listed {
        entry, deviations, ..
    } = &evs[0]
    else {
        panic!("{evs:?}")
    };
    assert_eq!(deviations.len(), 1, "the spec's <pref>1</pref> note");
    assert_eq!(entry.name.as_deref(), Some("jabber.org IM service"));
    assert_eq!(entry.in_band_registration, Some(true));
    assert_eq!(entry.software.as_deref(), Some("Isode M-Link"));
    assert_eq!(entry.updated.as_deref(), Some("2026-11-30T10:00:02Z"));
    assert_eq!(dir.listing().servers.len(), 1);

    // A day later the directory asks again; nothing changed, nothing is published.
    let t3 = dir.poll_timeout().unwrap();
    assert_eq!(t3, t2 + TimeDelta::days(1));
    dir.handle_timeout(t3);
    assert_eq!(sent(&mut dir), ["iq get sd5 disco#info -> jabber.org"]);
    assert!(dir.handle_iq(t3, &result("sd5", SERVER, Some(DISCO_PUBLIC))));
    assert!(dir.handle_iq(t3, &result("sd6", SERVER, Some(CARD))));
    assert!(dir.handle_iq(t3, &version("sd7", "Isode M-Link")));
    assert_eq!(
        sent(&mut dir),
        [
            "iq get sd6 vcard -> jabber.org",
            "iq get sd7 version -> jabber.org"
        ],
        "no publication"
    );
    assert_eq!(event_names(&mut dir), ["Unchanged"]);

    // The server unsubscribes: the directory ends both directions and retracts.
    let t4 = t3 + TimeDelta::hours(1);
    assert!(dir.handle_presence(t4, &presence(Type::Unsubscribe, SERVER)));
    assert_eq!(
        sent(&mut dir),
        [
            "presence unsubscribed -> jabber.org",
            "presence unsubscribe -> jabber.org",
            "iq set sd8 retract urn:xmpp:contacts/jabber.org -> xmpp.net"
        ]
    );
    assert_eq!(
        event_names(&mut dir),
        ["Retracted:Unsubscribed", "Unsubscribed"]
    );
    assert_eq!(dir.poll_timeout(), None);
    assert!(dir.listing().servers.is_empty());
}

#[test]
fn failures_keep_the_listing_until_max_failures_then_retract() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);
    befriend(&mut dir, t0, SERVER);
    dir.handle_iq(t0, &result("sd1", SERVER, Some(DISCO_PUBLIC)));
    dir.handle_iq(t0, &result("sd2", SERVER, Some(CARD)));
    dir.handle_iq(t0, &error("sd3", SERVER)); // version error: no software name
    let _ = sent(&mut dir);
    assert_eq!(
        event_names(&mut dir),
        ["Subscribed", "QueryFailed:Version:0", "Listed"]
    );

    // Refresh: the disco#info query times out three rounds in a row.
    let mut now = dir.poll_timeout().unwrap();
    let mut log = Vec::new();
    for _ in 0..3 {
        dir.handle_timeout(now); // round starts
        log.extend(sent(&mut dir));
        now = dir.poll_timeout().unwrap();
        dir.handle_timeout(now); // query times out
        log.extend(sent(&mut dir));
        log.extend(event_names(&mut dir));
        if dir.entry(&server()).is_some() {
            log.push("still listed".into());
        }
        now = dir.poll_timeout().unwrap();
    }
    assert_eq!(
        log,
        [
            "iq get sd5 disco#info -> jabber.org",
            "QueryFailed:DiscoInfo:1",
            "still listed",
            "iq get sd6 disco#info -> jabber.org",
            "QueryFailed:DiscoInfo:2",
            "still listed",
            "iq get sd7 disco#info -> jabber.org",
            "iq set sd8 retract urn:xmpp:contacts/jabber.org -> xmpp.net",
            "QueryFailed:DiscoInfo:3",
            "Retracted:Failures",
        ]
    );
    // A late answer to a timed-out query is not taken.
    assert!(!dir.handle_iq(now, &result("sd7", SERVER, Some(DISCO_PUBLIC))));
    // The server is tried again after a refresh interval, and listed again.
    dir.handle_timeout(now);
    assert_eq!(sent(&mut dir), ["iq get sd9 disco#info -> jabber.org"]);
    dir.handle_iq(now, &result("sd9", SERVER, Some(DISCO_PUBLIC)));
    dir.handle_iq(now, &error("sd10", SERVER)); // no vCard: a minimal card
    dir.handle_iq(now, &version("sd11", "Prosody"));
    assert_eq!(
        sent(&mut dir),
        [
            "iq get sd10 vcard -> jabber.org",
            "iq get sd11 version -> jabber.org",
            "iq set sd12 publish urn:xmpp:contacts/jabber.org -> xmpp.net"
        ]
    );
    let entry = dir.entry(&server()).unwrap();
    assert_eq!(entry.name.as_deref(), Some("jabber.org"));
    assert_eq!(entry.xmpp.as_deref(), Some("xmpp:jabber.org"));
    assert_eq!(entry.software.as_deref(), Some("Prosody"));
}

#[test]
fn a_server_that_is_not_public_is_not_listed_and_is_retracted_when_it_stops_being_public() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);
    befriend(&mut dir, t0, SERVER);
    dir.handle_iq(t0, &result("sd1", SERVER, Some(DISCO_PRIVATE)));
    let _ = sent(&mut dir);
    let evs = events(&mut dir);
    assert!(
        matches!(&evs[1], Event::NotListed { reasons, .. } if reasons[0].to_string() == "does not advertise urn:xmpp:public-server")
    );
    assert_eq!(dir.poll_timeout(), Some(t0 + TimeDelta::days(1)));
    // It becomes public and is listed; later it stops and is retracted.
    let t1 = dir.poll_timeout().unwrap();
    dir.handle_timeout(t1);
    dir.handle_iq(t1, &result("sd2", SERVER, Some(DISCO_PUBLIC)));
    dir.handle_iq(t1, &result("sd3", SERVER, Some(CARD)));
    dir.handle_iq(t1, &version("sd4", "x"));
    let _ = sent(&mut dir);
    assert!(dir.entry(&server()).is_some());
    let t2 = dir.poll_timeout().unwrap();
    dir.handle_timeout(t2);
    dir.handle_iq(t2, &result("sd6", SERVER, Some(DISCO_PRIVATE)));
    assert_eq!(
        sent(&mut dir),
        [
            "iq get sd6 disco#info -> jabber.org",
            "iq set sd7 retract urn:xmpp:contacts/jabber.org -> xmpp.net"
        ]
    );
    assert_eq!(
        event_names(&mut dir),
        [
            "Subscribed",
            "NotListed",
            "Listed",
            "Retracted:NotPublic",
            "NotListed"
        ][2..]
            .to_vec()
    );
}

#[test]
fn prosody_mode_lists_servers_that_only_advertise_vcard4() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    config.require_public_server = false;
    config.query_software_version = false;
    let mut dir = Directory::new(config, t0);
    befriend(&mut dir, t0, SERVER);
    dir.handle_iq(t0, &result("sd1", SERVER, Some(DISCO_PRIVATE)));
    assert_eq!(sent(&mut dir)[3..], ["iq get sd2 vcard -> jabber.org"]);
}

#[test]
fn only_replies_from_the_queried_server_with_the_right_id_are_taken() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);
    befriend(&mut dir, t0, SERVER);
    let _ = sent(&mut dir);
    assert!(!dir.handle_iq(t0, &result("sd1", "evil.example", Some(DISCO_PUBLIC))));
    assert!(!dir.handle_iq(t0, &result("sd1", "jabber.org/res", Some(DISCO_PUBLIC))));
    assert!(!dir.handle_iq(t0, &result("sd99", SERVER, Some(DISCO_PUBLIC))));
    // A request with a matching id is not a reply.
    let request =
        Iq::from_get("sd1", xmpp_parsers::version::VersionQuery).with_from(SERVER.parse().unwrap());
    assert!(!dir.handle_iq(t0, &request));
    // Users are not server buddies.
    assert!(!dir.handle_presence(t0, &presence(Type::Subscribe, "user@jabber.org")));
    assert!(!dir.handle_presence(t0, &presence(Type::Subscribed, "unknown.example")));
    // An undecodable reply is a failed query (INTEROP P21), not a panic.
    let bad =
        parse("<iq xmlns='jabber:server' type='result' id='sd1' from='jabber.org'><a/><b/></iq>");
    assert!(dir.handle_iq_element(t0, &bad));
    let evs = events(&mut dir);
    assert!(matches!(
        &evs[1],
        Event::QueryFailed {
            query: QueryKind::DiscoInfo,
            failure: Failure::Undecodable(_),
            failures: 1,
            ..
        }
    ));
}

#[test]
fn the_state_survives_a_restart_with_queries_in_flight() {
    let t0 = t("2026-11-30T10:00:00Z");
    let config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    let mut dir = Directory::new(config.clone(), t0);
    befriend(&mut dir, t0, SERVER);
    dir.handle_iq(t0, &result("sd1", SERVER, Some(DISCO_PUBLIC)));
    befriend(&mut dir, t0, "other.example");
    let _ = sent(&mut dir);
    let saved = serde_json::to_string(dir.state()).unwrap();
    let state: DirectoryState = serde_json::from_str(&saved).unwrap();
    let mut dir = Directory::restore(config, state, t0);
    assert_eq!(dir.poll_timeout(), Some(t0 + TimeDelta::seconds(60)));
    dir.handle_iq(t0, &result("sd2", SERVER, Some(CARD)));
    dir.handle_iq(t0, &version("sd3", "Isode M-Link"));
    assert_eq!(
        sent(&mut dir),
        ["iq set sd5 publish urn:xmpp:contacts/jabber.org -> xmpp.net"]
    );
    let listing = dir.listing();
    let json = listing.to_json_pretty();
    assert_eq!(Listing::from_json(&json).unwrap(), listing);
    let mut servers: Vec<_> = dir.servers().map(ToString::to_string).collect();
    servers.sort();
    assert_eq!(servers, ["jabber.org", "other.example"]);
    // Garbage in a saved state is refused by serde, never a panic later.
    assert!(
        serde_json::from_str::<DirectoryState>("{\"servers\":{\"a@@b\":{}},\"next_id\":1}")
            .is_err()
    );
}

#[test]
fn many_servers_time_out_in_one_call() {
    // 2,000 servers whose first queries all time out at the same instant.
    let t0 = t("2026-11-30T10:00:00Z");
    let mut config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    config.query_software_version = false;
    let mut dir = Directory::new(config, t0);
    for i in 0..2000 {
        let s = format!("s{i}.example");
        befriend(&mut dir, t0, &s);
    }
    let _ = sent(&mut dir);
    let _ = events(&mut dir);
    assert_eq!(dir.poll_timeout(), Some(t0 + TimeDelta::seconds(60)));
    dir.handle_timeout(t0 + TimeDelta::seconds(60));
    assert_eq!(events(&mut dir).len(), 2000);
}

#[test]
fn stanzas_arrive_in_the_server_namespace_over_s2s() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);
    let p = |type_: &str| {
        parse(&format!(
            "<presence xmlns='jabber:server' from='jabber.org' to='xmpp.net' type='{type_}'/>"
        ))
    };
    assert!(dir.handle_presence_element(t0, &p("subscribe")));
    assert!(dir.handle_presence_element(t0, &p("subscribed")));
    let _ = sent(&mut dir);
    let reply = parse(&format!(
        "<iq xmlns='jabber:server' type='result' id='sd1' from='jabber.org' to='xmpp.net'>{DISCO_PUBLIC}</iq>"
    ));
    assert!(dir.handle_iq_element(t0, &reply));
    let error = parse(
        "<iq xmlns='jabber:server' type='error' id='sd2' from='jabber.org'>\
         <error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    );
    assert!(dir.handle_iq_element(t0, &error));
    assert_eq!(
        sent(&mut dir),
        [
            "iq get sd2 vcard -> jabber.org",
            "iq get sd3 version -> jabber.org"
        ]
    );
    let evs = events(&mut dir);
    assert!(matches!(
        &evs[1],
        Event::QueryFailed {
            query: QueryKind::VCard,
            failure: Failure::Error(_),
            failures: 0,
            ..
        }
    ));
}

#[test]
fn a_timer_set_already_due_fires_at_the_next_call_not_in_a_loop() {
    // With no delays at all every timer a round sets is due at once: the old
    // `handle_timeout` fired them again and again within one call and never ended.
    let t0 = t("2026-11-30T10:00:00Z");
    let mut config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    config.query_timeout = TimeDelta::zero();
    config.retry_delay = TimeDelta::zero();
    config.refresh_interval = TimeDelta::zero();
    let mut dir = Directory::new(config, t0);
    befriend(&mut dir, t0, SERVER);
    let _ = sent(&mut dir);
    assert_eq!(dir.poll_timeout(), Some(t0));
    dir.handle_timeout(t0);
    // One timer fired: the disco#info query failed once, the retry is due now.
    assert_eq!(
        event_names(&mut dir),
        ["Subscribed", "QueryFailed:DiscoInfo:1"]
    );
    assert_eq!(dir.poll_timeout(), Some(t0));
    dir.handle_timeout(t0);
    assert_eq!(sent(&mut dir), ["iq get sd2 disco#info -> jabber.org"]);
}

#[test]
fn the_end_of_time_does_not_hang_the_machine() {
    // Deadlines saturate at the end of time and are then due at once: each call
    // fires what was due when it started and returns.
    let end = Time::MAX_UTC;
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), end);
    befriend(&mut dir, end, SERVER);
    assert_eq!(dir.poll_timeout(), Some(end));
    for _ in 0..10 {
        dir.handle_timeout(end);
        assert_eq!(dir.poll_timeout(), Some(end));
    }
    assert!(dir.poll_event().is_some());
}

#[test]
fn a_negative_delay_sets_no_timer_in_the_past() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    config.query_timeout = TimeDelta::seconds(-60);
    let mut dir = Directory::new(config, t0);
    befriend(&mut dir, t0, SERVER);
    assert_eq!(dir.poll_timeout(), Some(t0));
}

#[test]
fn the_saved_state_does_not_depend_on_the_hash_seed() {
    let t0 = t("2026-11-30T10:00:00Z");
    let saved = |seed: u64| {
        let config = DirectoryConfig::new("xmpp.net".parse().unwrap()).with_hash_seed(seed);
        let mut dir = Directory::new(config, t0);
        for i in 0..50 {
            befriend(&mut dir, t0, &format!("s{i}.example"));
        }
        serde_json::to_string(dir.state()).unwrap()
    };
    let a = saved(0);
    assert_eq!(a, saved(0xdead_beef));
    assert_eq!(a, saved(u64::MAX));
    // Listed by domain.
    let value: serde_json::Value = serde_json::from_str(&a).unwrap();
    let keys: Vec<&String> = value["servers"].as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // And a state saved under one seed restores under another.
    let state: DirectoryState = serde_json::from_str(&a).unwrap();
    let config = DirectoryConfig::new("xmpp.net".parse().unwrap()).with_hash_seed(7);
    let dir = Directory::restore(config, state, t0);
    assert_eq!(serde_json::to_string(dir.state()).unwrap(), a);
    assert_eq!(dir.servers().count(), 50);
}

/// One refresh round of `SERVER` from its timer: disco#info, then `card` and the
/// software version `name`, answered with the ids the directory used.
fn round(dir: &mut Directory, card: &str, name: &str) -> Time {
    let now = dir.poll_timeout().expect("a refresh is due");
    dir.handle_timeout(now);
    let ids = |dir: &mut Directory| -> Vec<String> {
        transmits(dir)
            .into_iter()
            .filter_map(|t| match t {
                Transmit::Iq(iq) => match *iq {
                    Iq::Get { id, .. } => Some(id),
                    _ => None,
                },
                Transmit::Presence(_) => None,
            })
            .collect()
    };
    let disco = ids(dir);
    assert_eq!(disco.len(), 1);
    assert!(dir.handle_iq(now, &result(&disco[0], SERVER, Some(DISCO_PUBLIC))));
    let queries = ids(dir);
    assert_eq!(queries.len(), 2);
    assert!(dir.handle_iq(now, &result(&queries[0], SERVER, Some(card))));
    let version = format!("<query xmlns='jabber:iq:version'><name>{name}</name></query>");
    assert!(dir.handle_iq(now, &result(&queries[1], SERVER, Some(&version))));
    now
}

#[test]
fn the_published_card_is_compared_across_a_restart_and_republished_when_it_changes() {
    let t0 = t("2026-11-30T10:00:00Z");
    let config = DirectoryConfig::new("xmpp.net".parse().unwrap());
    let mut dir = Directory::new(config.clone(), t0);
    befriend(&mut dir, t0, SERVER);
    let _ = sent(&mut dir);
    // The first round: the disco#info query was sent by the handshake.
    assert!(dir.handle_iq(t0, &result("sd1", SERVER, Some(DISCO_PUBLIC))));
    assert!(dir.handle_iq(t0, &result("sd2", SERVER, Some(CARD))));
    // A version result without <version/>: the name is all the directory needs
    // (xmpp-parsers' VersionResult refuses it).
    let version = "<query xmlns='jabber:iq:version'><name> Prosody </name></query>";
    assert!(dir.handle_iq(t0, &result("sd3", SERVER, Some(version))));
    let listed = events(&mut dir);
    let [Event::Subscribed { .. }, Event::Listed { entry, .. }] = listed.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!(entry.software.as_deref(), Some("Prosody"));
    let _ = sent(&mut dir);

    // Saved and restored: the published card is compared with what it was.
    let saved = serde_json::to_string(dir.state()).unwrap();
    let mut dir = Directory::restore(config.clone(), serde_json::from_str(&saved).unwrap(), t0);
    round(&mut dir, CARD, "Prosody");
    assert_eq!(event_names(&mut dir), ["Unchanged"]);
    assert!(sent(&mut dir).is_empty(), "nothing published");

    // Any change is published: one character of a property, the software name,
    // an unknown property's attribute.
    let changed = CARD.replace("IA", "IL");
    round(&mut dir, &changed, "Prosody");
    assert_eq!(event_names(&mut dir), ["Updated"]);
    assert_eq!(sent(&mut dir).len(), 1);
    round(&mut dir, &changed, "ejabberd");
    assert_eq!(event_names(&mut dir), ["Updated"]);
    let _ = sent(&mut dir);
    let extended = changed.replace("</vcard>", "<x xmlns='urn:x' a='1'/></vcard>");
    round(&mut dir, &extended, "ejabberd");
    assert_eq!(event_names(&mut dir), ["Updated"]);
    let _ = sent(&mut dir);
    round(&mut dir, &extended.replace("a='1'", "a='2'"), "ejabberd");
    assert_eq!(event_names(&mut dir), ["Updated"]);
    let _ = sent(&mut dir);
    round(&mut dir, &extended.replace("a='1'", "a='2'"), "ejabberd");
    assert_eq!(event_names(&mut dir), ["Unchanged"]);

    // A CA reported after a restart is added to the published card at once.
    let saved = serde_json::to_string(dir.state()).unwrap();
    let mut dir = Directory::restore(config, serde_json::from_str(&saved).unwrap(), t0);
    let now = dir.poll_timeout().unwrap();
    let ca = Ca {
        name: "Let's Encrypt".into(),
        uri: Some("https://letsencrypt.org/".into()),
    };
    dir.handle_tls(now, &server(), ca.clone());
    let published = transmits(&mut dir);
    let [Transmit::Iq(iq)] = published.as_slice() else {
        panic!("{published:?}")
    };
    let Iq::Set { payload, .. } = &**iq else {
        panic!("{iq:?}")
    };
    let card = VCard::read(
        payload
            .get_child("publish", "http://jabber.org/protocol/pubsub")
            .and_then(|p| p.get_child("item", "http://jabber.org/protocol/pubsub"))
            .and_then(|i| i.get_child("vcard", "urn:ietf:params:xml:ns:vcard-4.0"))
            .expect("a card in the publish"),
    )
    .unwrap()
    .value;
    assert_eq!(card.ca(), Some(&ca));
    assert_eq!(card.software_name(), Some("ejabberd"));
    assert!(card.others().any(|e| e.attr("a") == Some("2")));
    assert_eq!(event_names(&mut dir), ["Updated"]);
}

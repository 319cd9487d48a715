//! The server side alone and talking to the directory: the spec's whole flow from the
//! admin's command to the published card and back to the retraction, as a transcript.

mod common;

use chrono::TimeDelta;
use common::{describe_iq, describe_presence, parse, t};
use jid::{BareJid, Jid};
use minidom::Element;
use xep_core::time::Time;
use xep_service_directory::command::{CommandError, ServerBuddy};
use xep_service_directory::directory::{self, Directory, DirectoryConfig};
use xep_service_directory::server::{Event, ServerConfig, ServerSide, Transmit};
use xep_service_directory::vcard::{Property, Registration, VCard};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::Presence;
use xmpp_parsers::stanza_error::StanzaError;
use xmpp_parsers::version::VersionResult;

const ADMIN: &str = "stpeter@jabber.org/squire";

fn domain(s: &str) -> BareJid {
    s.parse().unwrap()
}

fn config() -> ServerConfig {
    let mut card = VCard::server("jabber.org IM service", &domain("jabber.org"));
    card.set(Property::Registration(Registration {
        uri: "https://register.jabber.org/".into(),
    }));
    let mut config = ServerConfig::new(domain("jabber.org"), card);
    config.admins.insert(domain("stpeter@jabber.org"));
    config.in_band_registration = true;
    config.software = Some(VersionResult {
        name: "Isode M-Link".into(),
        version: "17".into(),
        os: None,
    });
    config
}

fn command_iq(id: &str, step: &ServerBuddy, from: &str) -> Iq {
    Iq::from_set(id, step.to_command())
        .with_from(from.parse().unwrap())
        .with_to("jabber.org".parse().unwrap())
}

/// Sends a stanza over the "wire" (serialised and parsed again).
fn wire_iq(iq: &Iq) -> Iq {
    let text = String::from(&Element::from(iq.clone()));
    Iq::try_from(parse(&text)).unwrap()
}

fn wire_presence(p: &Presence) -> Presence {
    let text = String::from(&Element::from(p.clone()));
    Presence::try_from(parse(&text)).unwrap()
}

/// Delivers every pending stanza between the two machines until both are quiet;
/// returns the transcript.
fn progress(
    now: Time,
    server: &mut ServerSide,
    dir: &mut Directory,
    admin_inbox: &mut Vec<Iq>,
) -> Vec<String> {
    let mut log = Vec::new();
    loop {
        let mut moved = false;
        while let Some(t) = server.poll_transmit() {
            moved = true;
            match t {
                Transmit::Presence(p) => {
                    let taken = dir.handle_presence(now, &wire_presence(&p));
                    log.push(format!(
                        "S: {}{}",
                        describe_presence(&p),
                        if taken { "" } else { " (not taken)" }
                    ));
                }
                Transmit::Iq(iq) => {
                    log.push(format!("S: {}", describe_iq(&iq)));
                    let iq = wire_iq(&iq);
                    // What neither the directory machine takes (the admin's replies, the
                    // disco#info query its server answers) waits in the inbox.
                    if !dir.handle_iq(now, &iq) {
                        admin_inbox.push(iq);
                    }
                }
            }
        }
        while let Some(t) = dir.poll_transmit() {
            moved = true;
            match t {
                directory::Transmit::Presence(p) => {
                    let taken = server.handle_presence(now, &wire_presence(&p));
                    log.push(format!(
                        "D: {}{}",
                        describe_presence(&p),
                        if taken { "" } else { " (not taken)" }
                    ));
                }
                directory::Transmit::Iq(iq) => {
                    log.push(format!("D: {}", describe_iq(&iq)));
                    let iq = wire_iq(&iq);
                    if iq.to() == Some(&Jid::from(domain("xmpp.net"))) {
                        continue; // the directory's own pubsub service
                    }
                    assert!(server.handle_iq(now, &iq), "server refused {iq:?}");
                }
            }
        }
        if !moved {
            return log;
        }
    }
}

fn server_events(server: &mut ServerSide) -> Vec<String> {
    std::iter::from_fn(|| server.poll_event())
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn directory_events(dir: &mut Directory) -> Vec<String> {
    std::iter::from_fn(|| dir.poll_event())
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn from_the_admin_command_to_the_listing_and_back() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut server = ServerSide::new(config(), t0);
    let mut dir = Directory::new(DirectoryConfig::new(domain("xmpp.net")), t0);
    let mut inbox = Vec::new();

    // "Admin Requests to Add Server Buddy"
    assert!(server.handle_iq(
        t0,
        &command_iq("server-buddy-1", &ServerBuddy::Execute, ADMIN)
    ));
    let log = progress(t0, &mut server, &mut dir, &mut inbox);
    assert_eq!(
        log,
        [
            "S: iq result server-buddy-1 command http://jabber.org/protocol/admin#server-buddy status=executing sessionid=server-buddy:20261130T100000Z-1 -> stpeter@jabber.org/squire"
        ]
    );
    let form = ServerBuddy::read(&Element::from(inbox.remove(0)))
        .unwrap()
        .value;
    let ServerBuddy::Form { sessionid, form } = form else {
        panic!()
    };
    assert!(form.required);

    // "Admin Submits Server Buddy Form to Service"
    let t1 = t0 + TimeDelta::seconds(30);
    let submit = ServerBuddy::Submit {
        sessionid: sessionid.clone(),
        peer: domain("xmpp.net"),
    };
    assert!(server.handle_iq(t1, &command_iq("server-buddy-2", &submit, ADMIN)));
    let log = progress(t1, &mut server, &mut dir, &mut inbox);
    assert_eq!(
        log,
        [
            "S: iq result server-buddy-2 command http://jabber.org/protocol/admin#server-buddy status=completed sessionid=server-buddy:20261130T100000Z-1 -> stpeter@jabber.org/squire",
            "S: iq get sb2 disco#info -> xmpp.net",
        ]
    );
    // The directory machine does not answer disco#info itself (its server does):
    // answer from the builder, as the directory's server would.
    assert_eq!(inbox.len(), 2);
    let answer = Iq::from_result(
        "sb2",
        Some(xep_service_directory::disco::directory_info(Some(
            "xmpp.net directory",
        ))),
    )
    .with_from(Jid::from(domain("xmpp.net")));
    assert!(server.handle_iq(t1, &wire_iq(&answer)));
    let log = progress(t1, &mut server, &mut dir, &mut inbox);
    assert_eq!(
        log,
        [
            "S: presence subscribe -> xmpp.net",
            "D: presence subscribed -> jabber.org",
            "D: presence subscribe -> jabber.org",
            "S: presence subscribed -> xmpp.net",
            "D: iq get sd1 disco#info -> jabber.org",
            "S: iq result sd1 disco#info -> xmpp.net",
            "D: iq get sd2 vcard -> jabber.org",
            "D: iq get sd3 version -> jabber.org",
            "S: iq result sd2 vcard -> xmpp.net",
            "S: iq result sd3 version -> xmpp.net",
            "D: iq set sd4 publish urn:xmpp:contacts/jabber.org -> xmpp.net",
        ]
    );
    assert_eq!(
        server_events(&mut server),
        ["BuddyRequested", "DirectoryFound", "Subscribed", "Buddies"]
    );
    assert_eq!(directory_events(&mut dir), ["Subscribed", "Listed"]);
    let entry = dir.entry(&domain("jabber.org")).unwrap();
    assert_eq!(entry.software.as_deref(), Some("Isode M-Link"));
    assert_eq!(entry.in_band_registration, Some(true));
    assert_eq!(
        entry.registration.as_deref(),
        Some("https://register.jabber.org/")
    );
    assert_eq!(server.buddies().count(), 1);

    // The operator leaves the directory: the card is retracted.
    let t2 = t1 + TimeDelta::days(3);
    server.unsubscribe(t2, &domain("xmpp.net"));
    let log = progress(t2, &mut server, &mut dir, &mut inbox);
    assert_eq!(
        log,
        [
            "S: presence unsubscribe -> xmpp.net",
            // Each side has forgotten the other after the first presence: the
            // acknowledgements that cross are not taken.
            "S: presence unsubscribed -> xmpp.net (not taken)",
            "D: presence unsubscribed -> jabber.org (not taken)",
            "D: presence unsubscribe -> jabber.org (not taken)",
            "D: iq set sd5 retract urn:xmpp:contacts/jabber.org -> xmpp.net",
        ]
    );
    assert!(dir.listing().servers.is_empty());
}

fn error_of(server: &mut ServerSide) -> Option<CommandError> {
    match server.poll_transmit() {
        Some(Transmit::Iq(iq)) => match *iq {
            Iq::Error { error, .. } => {
                let error = StanzaError::try_from(Element::from(error)).unwrap();
                CommandError::from_stanza_error(&error)
            }
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn commands_check_the_admin_the_session_and_the_step() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut server = ServerSide::new(config(), t0);
    assert!(server.handle_iq(
        t0,
        &command_iq("1", &ServerBuddy::Execute, "eve@evil.example/x")
    ));
    assert_eq!(error_of(&mut server), Some(CommandError::Forbidden));

    let submit = |sessionid: &str| ServerBuddy::Submit {
        sessionid: sessionid.into(),
        peer: domain("xmpp.net"),
    };
    assert!(server.handle_iq(t0, &command_iq("2", &submit("nope"), ADMIN)));
    assert_eq!(error_of(&mut server), Some(CommandError::BadSessionId));

    assert!(server.handle_iq(t0, &command_iq("3", &ServerBuddy::Execute, ADMIN)));
    let Some(Transmit::Iq(reply)) = server.poll_transmit() else {
        panic!()
    };
    let step = ServerBuddy::read(&Element::from(*reply)).unwrap().value;
    let sessionid = step.sessionid().unwrap().to_owned();
    // Another resource of the admin is another requester.
    assert!(server.handle_iq(
        t0,
        &command_iq("4", &submit(&sessionid), "stpeter@jabber.org/other")
    ));
    assert_eq!(error_of(&mut server), Some(CommandError::BadSessionId));
    // A form sent back to the service is not a step it takes.
    let form = ServerBuddy::Form {
        sessionid: sessionid.clone(),
        form: Default::default(),
    };
    assert!(server.handle_iq(t0, &command_iq("5", &form, ADMIN)));
    assert_eq!(error_of(&mut server), Some(CommandError::BadAction));
    // The session expires.
    assert_eq!(server.poll_timeout(), Some(t0 + TimeDelta::minutes(10)));
    server.handle_timeout(t0 + TimeDelta::minutes(10));
    assert!(server.handle_iq(t0, &command_iq("6", &submit(&sessionid), ADMIN)));
    assert_eq!(error_of(&mut server), Some(CommandError::BadSessionId));
    // Cancel closes a fresh session.
    assert!(server.handle_iq(t0, &command_iq("7", &ServerBuddy::Execute, ADMIN)));
    let Some(Transmit::Iq(reply)) = server.poll_transmit() else {
        panic!()
    };
    let sessionid = ServerBuddy::read(&Element::from(*reply))
        .unwrap()
        .value
        .sessionid()
        .unwrap()
        .to_owned();
    assert!(server.handle_iq(
        t0,
        &command_iq(
            "8",
            &ServerBuddy::Cancel {
                sessionid: sessionid.clone()
            },
            ADMIN
        )
    ));
    let Some(Transmit::Iq(reply)) = server.poll_transmit() else {
        panic!()
    };
    assert_eq!(
        ServerBuddy::read(&Element::from(*reply)).unwrap().value,
        ServerBuddy::Canceled { sessionid }
    );
    assert_eq!(server.poll_timeout(), None);
}

#[test]
fn peers_that_are_not_directories_or_do_not_answer_are_not_subscribed() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut server = ServerSide::new(config(), t0);
    server.subscribe_to(t0, domain("plain.example"));
    server.subscribe_to(t0, domain("silent.example"));
    let _: Vec<_> = std::iter::from_fn(|| server.poll_transmit()).collect();
    let plain = Iq::from_result(
        "sb1",
        Some(xep_service_directory::disco::public_server_info(
            None, false,
        )),
    )
    .with_from(Jid::from(domain("plain.example")));
    assert!(server.handle_iq(t0, &plain));
    assert!(server.poll_transmit().is_none());
    server.handle_timeout(t0 + TimeDelta::seconds(60));
    assert_eq!(
        server_events(&mut server),
        ["NotADirectory", "DirectoryUnreachable"]
    );
    // A late answer is not taken; presences from peers we did not subscribe to are not ours.
    let late = Iq::from_result(
        "sb2",
        Some(xep_service_directory::disco::directory_info(None)),
    )
    .with_from(Jid::from(domain("silent.example")));
    assert!(!server.handle_iq(t0, &late));
    let stranger = Presence::new(xmpp_parsers::presence::Type::Subscribe)
        .with_from(Jid::from(domain("stranger.example")));
    assert!(!server.handle_presence(t0, &stranger));
    let _ = Event::Buddies {
        directory: domain("x.example"),
    };
}

#[test]
fn queries_are_answered_from_the_configuration_and_state_survives_a_restart() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut server = ServerSide::new(config(), t0);
    let disco = parse(
        "<iq xmlns='jabber:server' type='get' id='q1' from='xmpp.net'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    );
    assert!(server.handle_iq_element(t0, &disco));
    let Some(Transmit::Iq(reply)) = server.poll_transmit() else {
        panic!()
    };
    let Iq::Result {
        payload: Some(payload),
        ..
    } = *reply
    else {
        panic!()
    };
    let found = xep_service_directory::disco::classify_element(&payload)
        .unwrap()
        .value;
    assert!(found.public_server && found.server_presence && found.in_band_registration);
    // A disco#info query on a node is not this machine's business.
    let node = parse(
        "<iq xmlns='jabber:server' type='get' id='q2' from='xmpp.net'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>",
    );
    assert!(!server.handle_iq_element(t0, &node));

    server.subscribe_to(t0, domain("xmpp.net"));
    let saved = serde_json::to_string(server.state()).unwrap();
    let mut server = ServerSide::restore(config(), serde_json::from_str(&saved).unwrap(), t0);
    assert_eq!(server.poll_timeout(), Some(t0 + TimeDelta::seconds(60)));
    let answer = Iq::from_result(
        "sb1",
        Some(xep_service_directory::disco::directory_info(None)),
    )
    .with_from(Jid::from(domain("xmpp.net")));
    assert!(server.handle_iq(t0, &answer));
    assert_eq!(server_events(&mut server), ["DirectoryFound"]);
}

#[test]
fn a_negative_delay_sets_no_timer_in_the_past() {
    let t0 = t("2026-11-30T10:00:00Z");
    let mut config = config();
    config.query_timeout = TimeDelta::seconds(-60);
    config.session_timeout = TimeDelta::minutes(-10);
    let mut server = ServerSide::new(config, t0);
    server.subscribe_to(t0, domain("xmpp.net"));
    assert_eq!(server.poll_timeout(), Some(t0));
    let mut config = self::config();
    config.session_timeout = TimeDelta::minutes(-10);
    let mut server = ServerSide::new(config, t0);
    assert!(server.handle_iq(t0, &command_iq("c1", &ServerBuddy::Execute, ADMIN)));
    assert_eq!(server.poll_timeout(), Some(t0));
}

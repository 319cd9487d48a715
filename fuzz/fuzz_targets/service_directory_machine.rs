//! Structured bytes -> a long sequence of inputs to the XEP-0309 directory machine and
//! to the server-side machine, wired to each other.
//!
//! The input is decoded with `arbitrary::Unstructured`, one input at a time: the
//! configuration first (delays that may be zero or negative, failure limit, policy,
//! hash seed), then up to 2,048 inputs: subscription presences from servers (bare,
//! with a node, with a resource), answers to the directory's outstanding queries
//! (results, private or Prosody-style disco#info, cards with arbitrary text, errors,
//! empty and foreign payloads, replies from the wrong sender, undecodable raw
//! replies, replies in `jabber:server`), stray replies, TLS reports, time advancing
//! (by seconds, by days, or to the end of time), a save and restore of either
//! machine, the admin command (execute, submit, cancel; by an admin or not), queries
//! and presences to the server side, answers to its discovery, and the delivery of
//! the stanzas the two machines address to each other (the server side is
//! `a.example`, the directory `xmpp.net`).
//!
//! After every input both machines are drained and checked: nothing panics, the
//! queues end, no timer is in the past, the directory lists only servers that are
//! buddies both ways, the pubsub node (as the publish and retract stanzas left it)
//! holds exactly the listing, and every stanza sent can be serialised. After each of
//! the first 16 inputs, every 16th and the last, each state must also survive a serde
//! round trip unchanged and the listing's JSON export must read back equal.

#![no_main]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::OnceLock;

use chrono::TimeDelta;
use jid::{BareJid, Jid};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_core::time::Time;
use xep_service_directory::command::ServerBuddy;
use xep_service_directory::directory::{Directory, DirectoryConfig, DirectoryState, Transmit};
use xep_service_directory::server::{self, ServerConfig, ServerSide, ServerState};
use xep_service_directory::vcard::{Ca, VCard};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use xmpp_parsers::version::VersionResult;

const DIRECTORY: &str = "xmpp.net";
/// The server running the server-side machine.
const SERVER: &str = "a.example";
/// Peers: the wired server, two simulated ones, the directory itself.
const DOMAINS: [&str; 4] = [SERVER, "b.example", "c.example", DIRECTORY];
const ADMIN: &str = "admin@a.example/console";
const MAX_STEPS: usize = 2048;
/// A bound on what one input may queue: far above what any input produces.
const MAX_QUEUE: usize = 10_000;

const DISCO_PUBLIC: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/><feature var='jabber:iq:register'/>\
    <feature var='urn:xmpp:public-server'/><feature var='urn:ietf:params:xml:ns:vcard-4.0'/></query>";
const DISCO_PRIVATE: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/></query>";
const DISCO_VCARD_ONLY: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/><feature var='urn:ietf:params:xml:ns:vcard-4.0'/></query>";
const DISCO_DIRECTORY: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='directory' type='server' name='Directory'/></query>";
const DISCO_SWAPPED: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='directory'/><feature var=' urn:xmpp:public-server '/></query>";
const CARDS: [&str; 4] = [
    "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>jabber.org IM service</text></fn>\
     <url><uri>http://www.jabber.org/</uri></url><adr><region>IA</region><country>US</country></adr>\
     <lang><parameters><pref>1</pref></parameters><language-tag>en</language-tag></lang>\
     <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://register.jabber.org/</uri></registration>\
     <name xmlns='jabber:iq:version'>Isode M-Link</name></vcard>",
    "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><kind><text>application</text></kind>\
     <name><text>Metronome</text></name><fn><text>zfix.org</text></fn><bday><date>2013</date></bday>\
     <email><uri>mailto:pub@zfix.org</uri></email><ca><name>StartSSL</name></ca><x xmlns='urn:x'>kept</x></vcard>",
    "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>",
    "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn/><note><text> </text></note><fn><text>a</text><text>b</text></fn></vcard>",
];
const VERSION: &str =
    "<query xmlns='jabber:iq:version'><name>Prosody</name><version>13</version></query>";
const JUNK: &str = "<junk xmlns='urn:x'><a/></junk>";

struct Fixed {
    disco: [Element; 5],
    cards: Vec<Element>,
    version: Element,
    junk: Element,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let p = |s: &str| s.parse::<Element>().expect("well-formed");
        Fixed {
            disco: [
                p(DISCO_PUBLIC),
                p(DISCO_PRIVATE),
                p(DISCO_VCARD_ONLY),
                p(DISCO_DIRECTORY),
                p(DISCO_SWAPPED),
            ],
            cards: CARDS.iter().map(|c| p(c)).collect(),
            version: p(VERSION),
            junk: p(JUNK),
        }
    })
}

fn bare(s: &str) -> BareJid {
    s.parse().expect("a JID")
}

fn jid(s: &str) -> Jid {
    s.parse().expect("a JID")
}

/// A sender: a bare domain, or one with a node or a resource (not a server).
fn sender(u: &mut Unstructured<'_>) -> Result<Jid> {
    let domain = DOMAINS[u.choose_index(DOMAINS.len())?];
    Ok(match u.int_in_range(0..=5u8)? {
        0 => jid(&format!("user@{domain}")),
        1 => jid(&format!("{domain}/r")),
        _ => jid(domain),
    })
}

fn presence_type(u: &mut Unstructured<'_>) -> Result<Type> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 | 1 => Type::Subscribe,
        2 => Type::Subscribed,
        3 => Type::Unsubscribe,
        4 => Type::Unsubscribed,
        _ => Type::None,
    })
}

fn delay(u: &mut Unstructured<'_>) -> Result<TimeDelta> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => TimeDelta::zero(),
        1 => TimeDelta::seconds(-30),
        2 => TimeDelta::seconds(1),
        3 => TimeDelta::minutes(10),
        4 => TimeDelta::days(1),
        _ => TimeDelta::seconds(60),
    })
}

/// A card whose texts come from the input: anything at all, including characters XML
/// cannot carry.
fn arbitrary_card(u: &mut Unstructured<'_>) -> Result<Element> {
    let ns = "urn:ietf:params:xml:ns:vcard-4.0";
    let text = |t: String| Element::builder("text", ns).append(t).build();
    let mut card = Element::builder("vcard", ns);
    for _ in 0..u.int_in_range(0..=3u8)? {
        let name = ["fn", "note", "url", "email", "tz", "bday", "kind"][u.choose_index(7)?];
        let value: String = u.arbitrary()?;
        let inner = match name {
            "url" => Element::builder("uri", ns).append(value).build(),
            "bday" => Element::builder("date", ns).append(value).build(),
            _ => text(value),
        };
        card = card.append(Element::builder(name, ns).append(inner).build());
    }
    if u.arbitrary()? {
        let name: String = u.arbitrary()?;
        card = card.append(
            Element::builder("name", "jabber:iq:version")
                .append(name)
                .build(),
        );
    }
    Ok(card.build())
}

/// The payload of a reply to a query of `kind` (0 disco#info, 1 vCard, 2 version).
fn reply_payload(u: &mut Unstructured<'_>, kind: u8) -> Result<Option<Element>> {
    let f = fixed();
    Ok(match u.int_in_range(0..=9u8)? {
        0 => None,
        1 => Some(f.junk.clone()),
        _ => Some(match kind {
            0 => f.disco[u.choose_index(f.disco.len())?].clone(),
            1 => {
                if u.arbitrary()? {
                    arbitrary_card(u)?
                } else {
                    f.cards[u.choose_index(f.cards.len())?].clone()
                }
            }
            _ => {
                if u.arbitrary()? {
                    f.version.clone()
                } else {
                    let name: String = u.arbitrary()?;
                    Element::from(VersionResult {
                        name,
                        version: "1".to_owned(),
                        os: None,
                    })
                }
            }
        }),
    })
}

fn error_reply(id: String, from: Jid) -> Iq {
    let error = StanzaError::new(
        ErrorType::Cancel,
        DefinedCondition::ServiceUnavailable,
        "en",
        "",
    );
    Iq::from_error(id, error).with_from(from)
}

/// A query the directory sent: id, server, kind.
type Query = (String, BareJid, u8);

fn query_kind(payload: &Element) -> u8 {
    match (payload.name(), payload.ns().as_str()) {
        ("query", "http://jabber.org/protocol/disco#info") => 0,
        ("vcard", _) => 1,
        _ => 2,
    }
}

struct World {
    now: Time,
    dir_config: DirectoryConfig,
    dir: Directory,
    srv_config: ServerConfig,
    srv: ServerSide,
    /// What the harness knows of each server's subscription: (approved, subscribed).
    subs: BTreeMap<BareJid, (bool, bool)>,
    /// The pubsub node as the publish and retract stanzas left it.
    node: BTreeSet<String>,
    /// The directory's outstanding queries, as sent.
    queries: Vec<Query>,
    /// The server side's disco#info queries, as sent: id, peer.
    discovery: Vec<(String, BareJid)>,
    /// Session ids the server side handed out.
    sessions: Vec<String>,
    /// Stanzas each machine addressed to the other, not yet delivered.
    to_server: VecDeque<Transmit>,
    to_directory: VecDeque<server::Transmit>,
}

fn serialisable_iq(iq: &Iq) {
    let element = Element::from(iq.clone());
    let _ = String::from(&element);
}

fn serialisable_presence(p: &Presence) {
    let element = Element::from(p.clone());
    let _ = String::from(&element);
}

impl World {
    fn new(u: &mut Unstructured<'_>) -> Result<Self> {
        let now: Time = "2026-11-30T10:00:00Z".parse().expect("a time");
        let mut dir_config = DirectoryConfig::new(bare(DIRECTORY)).with_hash_seed(u.arbitrary()?);
        dir_config.refresh_interval = delay(u)?;
        dir_config.query_timeout = delay(u)?;
        dir_config.retry_delay = delay(u)?;
        dir_config.max_failures = u.int_in_range(0..=3)?;
        dir_config.require_public_server = u.arbitrary()?;
        dir_config.query_software_version = u.arbitrary()?;
        let domain = bare(SERVER);
        let mut srv_config =
            ServerConfig::new(domain.clone(), VCard::server("a.example service", &domain));
        srv_config.admins.insert(bare("admin@a.example"));
        srv_config.public = u.arbitrary()?;
        srv_config.in_band_registration = u.arbitrary()?;
        srv_config.require_directory = u.arbitrary()?;
        srv_config.session_timeout = delay(u)?;
        srv_config.query_timeout = delay(u)?;
        if u.arbitrary()? {
            srv_config.software = Some(VersionResult {
                name: "Prosody".to_owned(),
                version: "13".to_owned(),
                os: None,
            });
        }
        Ok(Self {
            now,
            dir: Directory::new(dir_config.clone(), now),
            dir_config,
            srv: ServerSide::new(srv_config.clone(), now),
            srv_config,
            subs: BTreeMap::new(),
            node: BTreeSet::new(),
            queries: Vec::new(),
            discovery: Vec::new(),
            sessions: Vec::new(),
            to_server: VecDeque::new(),
            to_directory: VecDeque::new(),
        })
    }

    /// A presence from `from` to the directory, and the harness's view of it.
    fn presence_to_directory(&mut self, presence: &Presence) {
        self.dir.handle_presence(self.now, presence);
        let Some(from) = &presence.from else { return };
        if from.node().is_some() || from.resource().is_some() {
            return;
        }
        let server = from.to_bare();
        match presence.type_ {
            Type::Subscribe => self.subs.entry(server).or_default().0 = true,
            Type::Subscribed => {
                if let Some(s) = self.subs.get_mut(&server) {
                    s.1 = true;
                }
            }
            Type::Unsubscribe | Type::Unsubscribed => {
                self.subs.remove(&server);
                self.queries.retain(|(_, s, _)| *s != server);
            }
            _ => {}
        }
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        match u.int_in_range(0..=17u8)? {
            // Subscription presences to the directory.
            0..=2 => {
                let presence = Presence::new(presence_type(u)?).with_from(sender(u)?);
                self.presence_to_directory(&presence);
            }
            // An answer to one of the directory's outstanding queries.
            3..=6 => {
                if self.queries.is_empty() {
                    return Ok(());
                }
                let i = u.choose_index(self.queries.len())?;
                let (id, server, kind) = if u.ratio(1, 8)? {
                    self.queries[i].clone()
                } else {
                    self.queries.remove(i)
                };
                let from = Jid::from(server.clone());
                match u.int_in_range(0..=9u8)? {
                    0 => {
                        self.dir.handle_iq(self.now, &error_reply(id, from));
                    }
                    1 => {
                        // From someone else, or from a resource of the server.
                        let from = if u.arbitrary()? {
                            jid(&format!("{server}/r"))
                        } else {
                            jid(DOMAINS[u.choose_index(DOMAINS.len())?])
                        };
                        let payload = reply_payload(u, kind)?;
                        self.dir.handle_iq(
                            self.now,
                            &Iq::Result {
                                from: Some(from),
                                to: None,
                                id,
                                payload,
                            },
                        );
                    }
                    2 => {
                        // A raw reply that does not decode (two payloads).
                        let xml = format!(
                            "<iq xmlns='jabber:server' type='result' id='{}' from='{server}'><a xmlns='urn:x'/><b xmlns='urn:x'/></iq>",
                            id.replace('\'', "&apos;")
                        );
                        if let Ok(e) = xml.parse::<Element>() {
                            self.dir.handle_iq_element(self.now, &e);
                        }
                    }
                    3 => {
                        // The reply as it arrives over s2s.
                        // (Built, not serialised: the payload may hold what XML
                        // cannot carry, which the reader must cope with.)
                        let shell = format!(
                            "<iq xmlns='jabber:server' type='result' id='{}' from='{from}' to='{DIRECTORY}'/>",
                            id.replace('&', "&amp;").replace('\'', "&apos;")
                        );
                        let Ok(mut e) = shell.parse::<Element>() else {
                            return Ok(());
                        };
                        if let Some(payload) = reply_payload(u, kind)? {
                            e.append_child(payload);
                        }
                        self.dir.handle_iq_element(self.now, &e);
                    }
                    _ => {
                        let payload = reply_payload(u, kind)?;
                        self.dir.handle_iq(
                            self.now,
                            &Iq::Result {
                                from: Some(from),
                                to: None,
                                id,
                                payload,
                            },
                        );
                    }
                }
            }
            // A stray reply with a guessed id.
            7 => {
                let id = format!("sd{}", u.int_in_range(0..=40u8)?);
                let from = sender(u)?;
                let kind = u.int_in_range(0..=2)?;
                let payload = reply_payload(u, kind)?;
                self.dir.handle_iq(
                    self.now,
                    &Iq::Result {
                        from: Some(from),
                        to: None,
                        id,
                        payload,
                    },
                );
            }
            // TLS reports.
            8 => {
                let server = bare(DOMAINS[u.choose_index(DOMAINS.len())?]);
                let ca = Ca {
                    name: ["Let's Encrypt", "StartSSL", ""][u.choose_index(3)?].to_owned(),
                    uri: if u.arbitrary()? {
                        Some("https://letsencrypt.org/".to_owned())
                    } else {
                        None
                    },
                };
                self.dir.handle_tls(self.now, &server, ca);
            }
            // Time passes; both machines' timers fire.
            9 | 10 => {
                self.now = match u.int_in_range(0..=15u8)? {
                    0 => Time::MAX_UTC,
                    1..=3 => self.dir.poll_timeout().unwrap_or(self.now).max(self.now),
                    4..=5 => self.srv.poll_timeout().unwrap_or(self.now).max(self.now),
                    6 => xep_core::time::add(
                        self.now,
                        TimeDelta::days(i64::from(u.int_in_range(1..=3u8)?)),
                    ),
                    _ => xep_core::time::add(
                        self.now,
                        TimeDelta::seconds(i64::from(u.int_in_range(0..=900u16)?)),
                    ),
                };
                self.dir.handle_timeout(self.now);
                self.srv.handle_timeout(self.now);
            }
            // Save and restore.
            11 => {
                if u.arbitrary()? {
                    let text = serde_json::to_string(self.dir.state()).expect("serialisable");
                    let state: DirectoryState = serde_json::from_str(&text).expect("readable");
                    self.dir = Directory::restore(self.dir_config.clone(), state, self.now);
                } else {
                    let text = serde_json::to_string(self.srv.state()).expect("serialisable");
                    let state: ServerState = serde_json::from_str(&text).expect("readable");
                    self.srv = ServerSide::restore(self.srv_config.clone(), state, self.now);
                }
            }
            // The admin command on the server side.
            12 => {
                let from = if u.ratio(7, 8)? {
                    jid(ADMIN)
                } else {
                    jid("mallory@b.example/x")
                };
                let sessionid = if !self.sessions.is_empty() && u.ratio(3, 4)? {
                    self.sessions[u.choose_index(self.sessions.len())?].clone()
                } else {
                    "server-buddy:guess".to_owned()
                };
                let step = match u.int_in_range(0..=3u8)? {
                    0 => ServerBuddy::Execute,
                    1 => ServerBuddy::Cancel { sessionid },
                    _ => ServerBuddy::Submit {
                        sessionid,
                        peer: bare(DOMAINS[u.choose_index(DOMAINS.len())?]),
                    },
                };
                let iq = Iq::from_set(format!("c{}", u.int_in_range(0..=9u8)?), step.to_command())
                    .with_from(from)
                    .with_to(jid(SERVER));
                self.srv.handle_iq(self.now, &iq);
            }
            // Queries and presences to the server side from anyone.
            13 => {
                let payload = match u.int_in_range(0..=3u8)? {
                    0 => Element::from(xmpp_parsers::disco::DiscoInfoQuery { node: None }),
                    1 => Element::from(xep_service_directory::vcard::VCardQuery),
                    2 => Element::from(xmpp_parsers::version::VersionQuery),
                    _ => fixed().junk.clone(),
                };
                let iq = Iq::Get {
                    from: Some(sender(u)?),
                    to: Some(jid(SERVER)),
                    id: "q1".to_owned(),
                    payload,
                };
                self.srv.handle_iq(self.now, &iq);
            }
            14 => {
                let presence = Presence::new(presence_type(u)?).with_from(sender(u)?);
                self.srv.handle_presence(self.now, &presence);
            }
            // An answer to the server side's discovery.
            15 => {
                if self.discovery.is_empty() {
                    return Ok(());
                }
                let (id, peer) = self.discovery.remove(u.choose_index(self.discovery.len())?);
                let from = Jid::from(peer);
                let iq = match u.int_in_range(0..=3u8)? {
                    0 => error_reply(id, from),
                    _ => Iq::Result {
                        from: Some(from),
                        to: None,
                        id,
                        payload: reply_payload(u, 0)?,
                    },
                };
                self.srv.handle_iq(self.now, &iq);
            }
            // The server side ends the relation.
            16 => {
                let peer = bare(DOMAINS[u.choose_index(DOMAINS.len())?]);
                self.srv.unsubscribe(self.now, &peer);
            }
            // Delivery of what the machines addressed to each other.
            _ => {
                if u.arbitrary()? {
                    if let Some(t) = self.to_server.pop_front() {
                        match t {
                            Transmit::Presence(p) => {
                                self.srv.handle_presence(self.now, &p);
                            }
                            Transmit::Iq(iq) => {
                                self.srv.handle_iq(self.now, &iq);
                            }
                        }
                    }
                } else if let Some(t) = self.to_directory.pop_front() {
                    match t {
                        server::Transmit::Presence(p) => self.presence_to_directory(&p),
                        server::Transmit::Iq(iq) => {
                            if let Iq::Result { id, .. } | Iq::Error { id, .. } = &*iq {
                                self.queries.retain(|(q, _, _)| q != id);
                            }
                            self.dir.handle_iq(self.now, &iq);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Drains both machines and checks what can be stated after any input.
    fn check(&mut self, full: bool) {
        let mut n = 0;
        while let Some(t) = self.dir.poll_transmit() {
            n += 1;
            assert!(n < MAX_QUEUE, "the directory's transmit queue does not end");
            match &t {
                Transmit::Presence(p) => {
                    serialisable_presence(p);
                    let to = p.to.as_ref().expect("addressed").to_bare();
                    if matches!(p.type_, Type::Unsubscribe | Type::Unsubscribed) {
                        self.queries.retain(|(_, s, _)| *s != to);
                    }
                    if to.as_str() == SERVER {
                        self.to_server.push_back(t);
                    }
                }
                Transmit::Iq(iq) => {
                    serialisable_iq(iq);
                    match &**iq {
                        Iq::Get {
                            to, id, payload, ..
                        } => {
                            let to = to.as_ref().expect("addressed").to_bare();
                            self.queries
                                .push((id.clone(), to.clone(), query_kind(payload)));
                            if to.as_str() == SERVER {
                                self.to_server.push_back(t);
                            }
                        }
                        Iq::Set { payload, to, .. } => {
                            assert_eq!(to.as_ref().map(|j| j.as_str()), Some(DIRECTORY));
                            let op = payload.children().next().expect("publish or retract");
                            let item = op
                                .children()
                                .next()
                                .and_then(|i| i.attr("id"))
                                .expect("an item id")
                                .to_owned();
                            match op.name() {
                                "publish" => {
                                    self.node.insert(item);
                                }
                                "retract" => {
                                    assert!(
                                        self.node.remove(&item),
                                        "retracted {item}, never published"
                                    );
                                }
                                other => panic!("unexpected pubsub {other}"),
                            }
                        }
                        other => panic!("unexpected IQ {other:?}"),
                    }
                }
            }
        }
        let mut n = 0;
        while self.dir.poll_event().is_some() {
            n += 1;
            assert!(n < MAX_QUEUE, "the directory's event queue does not end");
        }
        let mut n = 0;
        while let Some(t) = self.srv.poll_transmit() {
            n += 1;
            assert!(
                n < MAX_QUEUE,
                "the server side's transmit queue does not end"
            );
            match &t {
                server::Transmit::Presence(p) => {
                    serialisable_presence(p);
                    if p.to.as_ref().is_some_and(|j| j.as_str() == DIRECTORY) {
                        self.to_directory.push_back(t);
                    }
                }
                server::Transmit::Iq(iq) => {
                    serialisable_iq(iq);
                    match &**iq {
                        Iq::Get { to, id, .. } => {
                            let to = to.as_ref().expect("addressed").to_bare();
                            self.discovery.push((id.clone(), to.clone()));
                        }
                        Iq::Result {
                            to, id, payload, ..
                        } => {
                            if let Some(payload) = payload
                                && let Ok(reading) = ServerBuddy::read(payload)
                                && let ServerBuddy::Form { sessionid, .. } = reading.value
                            {
                                self.sessions.push(sessionid);
                                if self.sessions.len() > 8 {
                                    self.sessions.remove(0);
                                }
                            }
                            if to.as_ref().is_some_and(|j| j.as_str() == DIRECTORY)
                                && id.starts_with("sd")
                            {
                                self.to_directory.push_back(t);
                            }
                        }
                        Iq::Error { to, .. } => {
                            if to.as_ref().is_some_and(|j| j.as_str() == DIRECTORY) {
                                self.to_directory.push_back(t);
                            }
                        }
                        Iq::Set { .. } => panic!("the server side sent a set"),
                    }
                }
            }
        }
        let mut n = 0;
        while self.srv.poll_event().is_some() {
            n += 1;
            assert!(n < MAX_QUEUE, "the server side's event queue does not end");
        }
        self.to_server.truncate(64);
        self.to_directory.truncate(64);
        if self.queries.len() > 64 {
            self.queries.drain(..self.queries.len() - 64);
        }
        if self.discovery.len() > 16 {
            self.discovery.remove(0);
        }

        // No timer in the past.
        for t in [self.dir.poll_timeout(), self.srv.poll_timeout()]
            .into_iter()
            .flatten()
        {
            assert!(
                t >= self.now,
                "a timer at {t} is in the past of {}",
                self.now
            );
        }
        // The node holds exactly the listing, and only buddies both ways are listed.
        let listed: BTreeSet<String> = self
            .dir
            .listing()
            .servers
            .into_iter()
            .map(|e| e.domain)
            .collect();
        assert_eq!(self.node, listed);
        for domain in &listed {
            let server = bare(domain);
            assert_eq!(
                self.subs.get(&server),
                Some(&(true, true)),
                "{domain} is listed but not a buddy both ways"
            );
            assert!(self.dir.entry(&server).is_some());
        }
        if !full {
            return;
        }
        // The states survive a serde round trip.
        let text = serde_json::to_string(self.dir.state()).expect("serialisable");
        let back: DirectoryState = serde_json::from_str(&text).expect("readable");
        assert_eq!(serde_json::to_string(&back).expect("serialisable"), text);
        assert!(
            &back == self.dir.state(),
            "the directory state changed in a serde round trip"
        );
        let text = serde_json::to_string(self.srv.state()).expect("serialisable");
        let back: ServerState = serde_json::from_str(&text).expect("readable");
        assert!(
            &back == self.srv.state(),
            "the server state changed in a serde round trip"
        );
        // The listing's JSON export reads back.
        let listing = self.dir.listing();
        let exported = listing.to_json_pretty();
        assert_eq!(
            xep_service_directory::listing::Listing::from_json(&exported).expect("readable"),
            listing
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut world) = World::new(&mut u) else {
        return;
    };
    for i in 0..MAX_STEPS {
        if u.is_empty() || world.step(&mut u).is_err() {
            break;
        }
        // The serde and export checks cost most: after each of the first 16 inputs,
        // then every 16th and after the last.
        world.check(i < 16 || i % 16 == 0 || u.is_empty());
    }
    world.check(true);
});

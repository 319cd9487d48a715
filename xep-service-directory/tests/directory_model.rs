//! The directory machine against a model: random inputs for a few servers; after
//! every input, the pubsub node (as the publish and retract stanzas left it) holds
//! exactly the machine's listing, only known servers are listed, and a listed server
//! always has a timer.

mod common;

use std::collections::BTreeSet;

use chrono::TimeDelta;
use common::{parse, t};
use jid::Jid;
use proptest::prelude::*;
use xep_service_directory::directory::{Directory, DirectoryConfig, Transmit};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

const SERVERS: [&str; 3] = ["a.example", "b.example", "c.example"];

#[derive(Debug, Clone)]
enum Op {
    Presence(usize, u8),
    /// Answer the oldest outstanding query of a server: 0 ok, 1 error, 2 garbage.
    Answer(usize, u8, bool),
    Tick(u32),
    Tls(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..3usize, 0..4u8).prop_map(|(s, p)| Op::Presence(s, p)),
        4 => (0..3usize, 0..3u8, any::<bool>()).prop_map(|(s, k, p)| Op::Answer(s, k, p)),
        1 => (0..200_000u32).prop_map(Op::Tick),
        1 => (0..3usize, 0..2u8).prop_map(|(s, c)| Op::Tls(s, c)),
    ]
}

fn payload(query: &minidom::Element, public: bool) -> minidom::Element {
    match (query.name(), query.ns().as_str()) {
        ("query", "http://jabber.org/protocol/disco#info") => parse(if public {
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:public-server'/></query>"
        } else {
            "<query xmlns='http://jabber.org/protocol/disco#info'/>"
        }),
        ("vcard", _) => {
            parse("<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>X</text></fn></vcard>")
        }
        _ => parse("<query xmlns='jabber:iq:version'><name>S</name><version>1</version></query>"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn the_node_always_holds_the_listing(ops in prop::collection::vec(op(), 1..60)) {
        let mut now = t("2026-11-30T10:00:00Z");
        let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), now);
        let mut node: BTreeSet<String> = BTreeSet::new();
        // Outstanding queries the model has seen, per server, oldest first.
        let mut queries: Vec<Vec<(String, minidom::Element)>> = vec![Vec::new(); 3];
        for op in ops {
            match op {
                Op::Presence(s, p) => {
                    let type_ = [Type::Subscribe, Type::Subscribed, Type::Unsubscribe, Type::Unsubscribed][p as usize].clone();
                    let from: Jid = SERVERS[s].parse().unwrap();
                    dir.handle_presence(now, &Presence::new(type_).with_from(from));
                }
                Op::Answer(s, kind, public) => {
                    if !queries[s].is_empty() {
                        let (id, query) = queries[s].remove(0);
                        let from: Jid = SERVERS[s].parse().unwrap();
                        match kind {
                            0 => { dir.handle_iq(now, &Iq::Result { from: Some(from), to: None, id, payload: Some(payload(&query, public)) }); }
                            1 => {
                                let e = StanzaError::new(ErrorType::Cancel, DefinedCondition::ServiceUnavailable, "en", "");
                                dir.handle_iq(now, &Iq::from_error(id, e).with_from(from));
                            }
                            _ => { dir.handle_iq(now, &Iq::Result { from: Some(from), to: None, id, payload: Some(parse("<junk xmlns='urn:x'/>")) }); }
                        }
                    }
                }
                Op::Tick(secs) => {
                    now += TimeDelta::seconds(i64::from(secs));
                    dir.handle_timeout(now);
                }
                Op::Tls(s, c) => dir.handle_tls(now, &SERVERS[s].parse().unwrap(), xep_service_directory::vcard::Ca { name: format!("CA{c}"), uri: None }),
            }
            while let Some(t) = dir.poll_transmit() {
                match t {
                    Transmit::Presence(p) => {
                        let to = p.to.unwrap().to_string();
                        let s = SERVERS.iter().position(|x| *x == to).unwrap();
                        if matches!(p.type_, Type::Unsubscribed | Type::Unsubscribe) {
                            queries[s].clear();
                        }
                    }
                    Transmit::Iq(iq) => match *iq {
                        Iq::Get { to, id, payload, .. } => {
                            let to = to.unwrap().to_string();
                            let s = SERVERS.iter().position(|x| *x == to).unwrap();
                            queries[s].push((id, payload));
                        }
                        Iq::Set { payload, .. } => {
                            let op = payload.children().next().unwrap();
                            let item = op.children().next().unwrap().attr("id").unwrap().to_owned();
                            match op.name() {
                                "publish" => { node.insert(item); }
                                "retract" => { prop_assert!(node.remove(&item), "retracted {item} that was not published"); }
                                other => prop_assert!(false, "unexpected {other}"),
                            }
                        }
                        other => prop_assert!(false, "unexpected {other:?}"),
                    },
                }
            }
            while dir.poll_event().is_some() {}
            let listed: BTreeSet<String> = dir.listing().servers.into_iter().map(|e| e.domain).collect();
            prop_assert_eq!(&node, &listed);
            let known: BTreeSet<String> = dir.servers().map(ToString::to_string).collect();
            prop_assert!(listed.is_subset(&known));
            // A listed server is refreshed: some timer is always set.
            if !listed.is_empty() {
                prop_assert!(dir.poll_timeout().is_some());
            }
        }
    }
}

//! XEP-0309 benchmarks: the server card (read and write against minidom on the same
//! bytes) and the directory machine's cost per event at 100 and 10,000 listed servers.
//! `benches/RESULTS.md` records the figures as ratios.

use std::hint::black_box;

use chrono::TimeDelta;
use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use jid::{BareJid, Jid};
use minidom::Element;
use xep_service_directory::directory::{Directory, DirectoryConfig, Transmit};
use xep_service_directory::vcard::VCard;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type};

/// The spec's card, written on one line, as a server returns it.
const SPEC_CARD: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
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
    <ca xmlns='urn:xmpp:vcard:ca:0'><name>StartSSL</name><uri>http://www.startssl.com/</uri></ca>\
    <name xmlns='jabber:iq:version'>Isode M-Link</name></vcard>";

/// Metronome's card, with the four deviations the lenient reading reads through.
const METRONOME_CARD: &str = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
    <kind><text>application</text></kind><name><text>Metronome</text></name>\
    <fn><text>zfix.org</text></fn><note><text>zfix XMPP service</text></note>\
    <url><uri>https://chat.zfix.org/</uri></url><bday><date>2013</date></bday>\
    <adr><country>DE</country></adr><email><uri>pub@zfix.org</uri></email>\
    <impp><uri>xmpp:markus@zfix.org</uri></impp><geo><uri>geo:48.87,2.33</uri></geo>\
    <ca><name>StartSSL</name><uri>https://www.startssl.com/</uri></ca>\
    <registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://zfix.org/</uri></registration></vcard>";

fn minidom_parse(text: &str) -> Element {
    text.parse().expect("well-formed")
}

fn vcard(c: &mut Criterion) {
    for (name, text) in [("spec", SPEC_CARD), ("metronome", METRONOME_CARD)] {
        let element = minidom_parse(text);
        let card = VCard::read(&element).expect("a card").value;
        let written = Element::from(card.clone());
        let mut g = c.benchmark_group(format!("service_directory_vcard_{name}"));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function("minidom_parse", |b| {
            b.iter(|| minidom_parse(black_box(text)))
        });
        g.bench_function("read_lenient", |b| {
            b.iter(|| VCard::read(&minidom_parse(black_box(text))).expect("a card"))
        });
        if name == "spec" {
            g.bench_function("read_derive", |b| {
                b.iter(|| VCard::try_from(minidom_parse(black_box(text))).expect("a card"))
            });
        }
        g.bench_function("minidom_write", |b| {
            b.iter(|| String::from(black_box(&written)))
        });
        g.bench_function("write", |b| {
            b.iter_batched(
                || card.clone(),
                |card| String::from(&Element::from(card)),
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

/// A public server's disco#info.
const DISCO_PUBLIC: &str = "<query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='server' type='im'/><feature var='jabber:iq:register'/>\
    <feature var='urn:xmpp:server-presence'/><feature var='urn:xmpp:public-server'/></query>";

/// A software version result.
const VERSION: &str =
    "<query xmlns='jabber:iq:version'><name>Prosody</name><version>13</version></query>";

fn disco_reply(id: &str, from: &Jid) -> Iq {
    Iq::Result {
        from: Some(from.clone()),
        to: None,
        id: id.to_owned(),
        payload: Some(minidom_parse(DISCO_PUBLIC)),
    }
}

/// A directory with `n` listed servers whose refreshes fall due one second apart.
fn listed(n: usize) -> Directory {
    let t0 = "2026-11-30T00:00:00Z".parse().expect("a time");
    let mut dir = Directory::new(DirectoryConfig::new("xmpp.net".parse().unwrap()), t0);
    let card = minidom_parse(SPEC_CARD);
    let version = minidom_parse(VERSION);
    for i in 0..n {
        let now = t0 + TimeDelta::seconds(i as i64);
        let server: BareJid = format!("s{i}.example").parse().unwrap();
        let from = Jid::from(server.clone());
        let _ = dir.handle_presence(now, &Presence::new(Type::Subscribe).with_from(from.clone()));
        let _ = dir.handle_presence(
            now,
            &Presence::new(Type::Subscribed).with_from(from.clone()),
        );
        answer_round(&mut dir, now, &from, &card, &version);
    }
    while dir.poll_event().is_some() {}
    dir
}

/// Answers every query the directory sent, the way the server would.
fn answer_round(
    dir: &mut Directory,
    now: xep_core::time::Time,
    from: &Jid,
    card: &Element,
    version: &Element,
) {
    let mut queue: Vec<Transmit> = std::iter::from_fn(|| dir.poll_transmit()).collect();
    while !queue.is_empty() {
        for t in std::mem::take(&mut queue) {
            let Transmit::Iq(iq) = t else { continue };
            let Iq::Get { id, payload, .. } = *iq else {
                continue;
            };
            let reply = match payload.name() {
                "query" if payload.ns() == "http://jabber.org/protocol/disco#info" => {
                    disco_reply(&id, from)
                }
                "vcard" => Iq::Result {
                    from: Some(from.clone()),
                    to: None,
                    id,
                    payload: Some(card.clone()),
                },
                _ => Iq::Result {
                    from: Some(from.clone()),
                    to: None,
                    id,
                    payload: Some(version.clone()),
                },
            };
            let _ = dir.handle_iq(now, &reply);
        }
        queue.extend(std::iter::from_fn(|| dir.poll_transmit()));
    }
}

/// The replies of one refresh round, built before the round is timed: the machine's
/// cost, not the harness's (the first version parsed the disco#info reply from text
/// and deep-cloned the card inside the timed loop, which was most of what it measured
/// at 10,000 servers; see benches/RESULTS.md).
struct Replies {
    disco: Element,
    card: Element,
    version: Element,
}

/// One refresh round of the earliest server: its timer, then each query the
/// directory sends answered with the matching prepared payload (disco#info, vCard,
/// version: four events). Everything the round produced (queries, replies, events) is
/// returned, so that criterion drops it outside the timing.
fn refresh_round(dir: &mut Directory, replies: Replies) -> (Vec<Transmit>, Vec<Iq>, usize) {
    let Replies {
        disco,
        card,
        version,
    } = replies;
    let (mut disco, mut card, mut version) = (Some(disco), Some(card), Some(version));
    let now = dir.poll_timeout().expect("a refresh is due");
    dir.handle_timeout(now);
    let mut sent = Vec::with_capacity(4);
    let mut answers = Vec::with_capacity(3);
    let mut next = 0;
    loop {
        sent.extend(std::iter::from_fn(|| dir.poll_transmit()));
        let Some(t) = sent.get(next) else { break };
        next += 1;
        let Transmit::Iq(iq) = t else { continue };
        let Iq::Get {
            id, to, payload, ..
        } = &**iq
        else {
            continue;
        };
        let payload = match (payload.name(), payload.ns().as_str()) {
            ("query", "http://jabber.org/protocol/disco#info") => disco.take(),
            ("vcard", _) => card.take(),
            _ => version.take(),
        };
        let reply = Iq::Result {
            from: to.clone(),
            to: None,
            id: id.clone(),
            payload,
        };
        let _ = dir.handle_iq(now, &reply);
        answers.push(reply);
    }
    let mut events = 0;
    while let Some(e) = dir.poll_event() {
        black_box(e);
        events += 1;
    }
    (sent, answers, events)
}

fn machine(c: &mut Criterion) {
    let disco = minidom_parse(DISCO_PUBLIC);
    let card = minidom_parse(SPEC_CARD);
    let version = minidom_parse(VERSION);
    let mut g = c.benchmark_group("service_directory_machine");
    g.throughput(Throughput::Elements(4));
    for n in [100, 10_000] {
        let mut dir = listed(n);
        assert_eq!(dir.listing().servers.len(), n);
        g.bench_function(format!("refresh_round_{n}"), |b| {
            b.iter_batched(
                || Replies {
                    disco: disco.clone(),
                    card: card.clone(),
                    version: version.clone(),
                },
                |replies| refresh_round(&mut dir, replies),
                // Prepared just before each round, as a reply just read off the
                // network is: a large batch of prepared replies would leave the
                // caches cold for both sizes alike.
                BatchSize::PerIteration,
            )
        });
        // Same event mix at both sizes: every round found the card unchanged.
        assert_eq!(dir.listing().servers.len(), n);
        let (sent, answers, events) = refresh_round(
            &mut dir,
            Replies {
                disco: disco.clone(),
                card: card.clone(),
                version: version.clone(),
            },
        );
        assert_eq!((sent.len(), answers.len(), events), (3, 3, 1));
    }
    g.finish();
}

/// `n` listed servers, then `rounds` refresh rounds, outside criterion: for counting
/// instructions and cache misses per round with callgrind, which, unlike timings on
/// a shared machine, does not depend on the other tenants:
///
/// ```text
/// XEP_DIRECTORY_ROUNDS=10000,2000 valgrind --tool=callgrind --cache-sim=yes \
///     --toggle-collect='*counted_round*' target/release/deps/service_directory-*
/// ```
fn callgrind_rounds(n: usize, rounds: usize) {
    let disco = minidom_parse(DISCO_PUBLIC);
    let card = minidom_parse(SPEC_CARD);
    let version = minidom_parse(VERSION);
    let mut dir = listed(n);
    // Each round's replies are prepared just before it and what it returns is dropped
    // after it, outside the count, as in the criterion bench.
    for _ in 0..rounds {
        let replies = Replies {
            disco: disco.clone(),
            card: card.clone(),
            version: version.clone(),
        };
        let (sent, answers, events) = counted_round(&mut dir, replies);
        assert_eq!((sent.len(), answers.len(), events), (3, 3, 1));
    }
}

/// One round, as callgrind counts it (`--toggle-collect`).
#[inline(never)]
fn counted_round(dir: &mut Directory, replies: Replies) -> (Vec<Transmit>, Vec<Iq>, usize) {
    refresh_round(dir, replies)
}

criterion_group!(benches, vcard, machine);

fn main() {
    if let Ok(spec) = std::env::var("XEP_DIRECTORY_ROUNDS") {
        let (n, rounds) = spec
            .split_once(',')
            .and_then(|(n, r)| Some((n.parse().ok()?, r.parse().ok()?)))
            .expect("XEP_DIRECTORY_ROUNDS=servers,rounds");
        callgrind_rounds(n, rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

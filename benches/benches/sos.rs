//! Criterion benchmarks of `xep-sos`: the JSON status file and the client lifecycle
//! machine.
//!
//! Baselines measured in the same run: `serde_json::from_slice::<Value>` of the same
//! status file bytes, and `minidom` parsing the same pubsub event payloads that the
//! machine is fed. Figures are read as ratios to them (see `benches/RESULTS.md`).
//!
//! Run with `cargo bench -p xep-benches --bench sos -- --warm-up-time 1 --measurement-time 3`.

use std::fmt::Write as _;
use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jid::Jid;
use minidom::Element;
use serde_json::Value;
use xep_sos::tracker::{Config, OutageTracker};
use xep_sos::{StatusFile, Timestamp, Version};
use xmpp_parsers::pubsub::event::Event;

/// A status file as an operator would write it: planned, both times, a default and
/// seven translated messages, one extension field (1 KiB or so).
fn status_file() -> String {
    let mut messages = String::from(
        "    \"default\": \"Planned maintenance of the database: the service is unavailable until noon (UTC).\"",
    );
    for (lang, text) in [
        (
            "de",
            "Geplante Wartung der Datenbank: der Dienst ist bis 12 Uhr (UTC) nicht erreichbar.",
        ),
        (
            "fr",
            "Maintenance planifiée de la base de données : service indisponible jusqu'à midi (UTC).",
        ),
        (
            "es",
            "Mantenimiento programado de la base de datos: servicio no disponible hasta el mediodía (UTC).",
        ),
        (
            "pt-BR",
            "Manutenção programada do banco de dados: serviço indisponível até o meio-dia (UTC).",
        ),
        (
            "it",
            "Manutenzione programmata del database: servizio non disponibile fino a mezzogiorno (UTC).",
        ),
        (
            "nl",
            "Gepland onderhoud van de database: de dienst is tot 12 uur (UTC) niet beschikbaar.",
        ),
        ("zh-Hant", "資料庫計劃維護：服務在中午（UTC）前無法使用。"),
    ] {
        write!(messages, ",\n    \"{lang}\": \"{text}\"").unwrap();
    }
    format!(
        "{{\n  \"planned\": true,\n  \"beginning\": \"2026-11-22T10:00:00Z\",\n  \"expected_end\": \"2026-11-22T12:00:00.000+00:00\",\n  \"message\": {{\n{messages}\n  }},\n  \"incident\": {{\"id\": 4711, \"url\": \"https://status.example.org/incidents/4711\"}}\n}}\n"
    )
}

fn status(c: &mut Criterion) {
    let text = status_file();
    let bytes = text.as_bytes();
    // Check once that every step succeeds on this input.
    let file = StatusFile::read_strict(&text, Version::V0_4).expect("a valid status file");
    let lenient = StatusFile::read(&text, Version::V0_4).expect("reads");
    assert!(lenient.deviations.is_empty(), "{:?}", lenient.deviations);
    assert_eq!(file.outage().unwrap().message.as_ref().unwrap().len(), 8);

    let mut g = c.benchmark_group("sos_status");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).expect("JSON"))
    });
    g.bench_function("read_strict", |b| {
        b.iter(|| StatusFile::read_strict(black_box(&text), Version::V0_4).expect("valid"))
    });
    g.bench_function("read", |b| {
        b.iter(|| StatusFile::read(black_box(&text), Version::V0_4).expect("reads"))
    });
    let value: Value = serde_json::from_slice(bytes).expect("JSON");
    g.bench_function("value_to_status", |b| {
        b.iter(|| StatusFile::read_value_strict(black_box(&value), Version::V0_4).expect("valid"))
    });
    g.bench_function("write", |b| b.iter(|| black_box(&file).to_json_pretty()));
    g.bench_function("message_lookup", |b| {
        let s = file.outage().unwrap();
        b.iter(|| s.message_for(black_box(&["zh-Hant-TW", "en"])))
    });
    g.finish();
}

/// A status file whose `message` has `n` language keys (`x-k0` ... and `default`).
fn status_with_messages(n: usize) -> String {
    let mut text = String::from("{\"beginning\": \"2021-01-12T01:01:01Z\", \"message\": {");
    for i in 0..n {
        write!(text, "\"x-k{i}\": \"t{i}\", ").unwrap();
    }
    text.push_str("\"default\": \"d\"}}");
    text
}

/// Issue 9: reading must be linear in the input. The same file shape with 100,000 and
/// 400,000 message keys (4x the bytes; both far beyond the caches, so that the ratio
/// shows the algorithm, not the cache); the time per byte must stay about the same
/// (`Messages::insert` once scanned a `Vec` per key: 200,000 keys took 26 s).
fn status_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("sos_status_scaling");
    g.sample_size(10);
    for n in [100_000, 400_000] {
        let text = status_with_messages(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("serde_json_value/{n}"), |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(&text)).expect("JSON"))
        });
        g.bench_function(format!("parse_lenient/{n}"), |b| {
            b.iter(|| StatusFile::read(black_box(&text), Version::V0_4).expect("reads"))
        });
    }
    g.finish();
}

const OUTAGE: &str = "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'>The IRC gateway is down</description><description xml:lang='de'>Das IRC-Gateway ist ausgefallen</description><planned>false</planned><expected_end>2026-11-22T12:00:00Z</expected_end></outage>";
const END: &str = "<outage-end xmlns='urn:xmpp:sos:0'><description xml:lang='en'>Fixed</description></outage-end>";

/// `n` pubsub event notifications from the server: outages and their ends alternate,
/// one a minute, in order, except that every tenth end arrives before its outage.
fn events(n: usize) -> (Vec<String>, Vec<(DateTime<Utc>, Event)>) {
    let t0 = Timestamp::parse("2026-01-01T00:00:00Z").unwrap().to_utc();
    let mut texts = Vec::with_capacity(n);
    for i in 0..n {
        let pair = (i / 2) as i64;
        let outage_at = t0 + TimeDelta::minutes(2 * pair);
        let end_at = outage_at + TimeDelta::minutes(1);
        let swapped = pair % 10 == 9;
        let is_end = (i % 2 == 1) != swapped;
        let (at, payload) = if is_end {
            (end_at, END)
        } else {
            (outage_at, OUTAGE)
        };
        texts.push(format!(
            "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:sos:0'><item id='{}'>{payload}</item></items></event>",
            Timestamp::from(at)
        ));
    }
    let parsed = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let now = t0 + TimeDelta::minutes(i as i64 + 1);
            (now, Event::try_from(t.parse::<Element>().unwrap()).unwrap())
        })
        .collect();
    (texts, parsed)
}

fn feed(events: &[(DateTime<Utc>, Event)], server: &Jid) -> OutageTracker {
    let t0 = events[0].0;
    let mut tracker = OutageTracker::new(Config::new("example.org".parse().unwrap()), t0);
    for (now, event) in events {
        tracker.handle_pubsub_event(*now, server, event);
        tracker.handle_timeout(*now);
        while tracker.poll_event().is_some() {}
    }
    tracker
}

fn tracker(c: &mut Criterion) {
    let server: Jid = "example.org".parse().unwrap();
    let mut g = c.benchmark_group("sos_tracker");
    g.sample_size(20);
    for n in [1_000usize, 10_000, 40_000] {
        let (texts, parsed) = events(n);
        let t = feed(&parsed, &server);
        let view = t.view();
        assert!(
            view.ongoing.is_empty() && view.upcoming.is_empty(),
            "every outage ended"
        );
        assert!(
            view.resolved.len() <= 10,
            "only recent ones shown: {}",
            view.resolved.len()
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("minidom_parse_events/{n}"), |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(t.parse::<Element>().unwrap());
                }
            })
        });
        g.bench_function(format!("tracker_feed/{n}"), |b| {
            b.iter_batched(
                || parsed.clone(),
                |events| feed(black_box(&events), &server),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("tracker_view/{n}"), |b| {
            b.iter(|| black_box(&t).view())
        });
    }
    g.finish();
}

criterion_group!(benches, status, status_scaling, tracker);
criterion_main!(benches);

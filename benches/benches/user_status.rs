//! Criterion benchmarks of `xep-user-status`: reading the `<status/>` payload and a
//! notification, the display policy, and the contact view.
//!
//! Baseline measured in the same run: `minidom` parsing the same bytes
//! (`std::str::from_utf8` + `parse::<minidom::Element>()`). Figures are read as ratios
//! to it (see `benches/RESULTS.md`).
//!
//! Run with `cargo bench -p xep-benches --bench user_status -- --warm-up-time 1 --measurement-time 3`.

use std::fmt::Write as _;
use std::hint::black_box;

use chrono::TimeDelta;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use minidom::Element;
use xep_core::time::Time;
use xep_user_status::UserStatus;
use xep_user_status::display::DisplayPolicy;
use xep_user_status::pep::Notification;
use xep_user_status::view::{Config, ContactView};

const NS: &str = "http://jabber.org/protocol/status";

fn minidom_parse(bytes: &[u8]) -> Element {
    std::str::from_utf8(bytes)
        .expect("inputs are UTF-8")
        .parse::<Element>()
        .expect("inputs are well-formed")
}

/// The spec's payload, on one line: one untagged text.
fn simple() -> String {
    format!("<status xmlns='{NS}'><text>Away! Back at 3pm, call me if urgent.</text></status>")
}

/// A multilingual publisher: eight texts and one extension (about 700 bytes), in the
/// order this crate writes them (by tag), so that the written element equals the input.
fn multilingual() -> String {
    let mut texts = String::new();
    for (lang, text) in [
        (
            "de",
            "Bis Mittag in einer Besprechung, Antworten nach dem Essen.",
        ),
        (
            "en",
            "In a meeting until noon, answering messages after lunch.",
        ),
        (
            "es",
            "En una reunión hasta el mediodía, respondo después de comer.",
        ),
        (
            "fr",
            "En réunion jusqu'à midi, je réponds après le déjeuner.",
        ),
        (
            "it",
            "In riunione fino a mezzogiorno, rispondo dopo pranzo.",
        ),
        ("nl", "Tot 12 uur in vergadering, antwoord na de lunch."),
        (
            "pt-BR",
            "Em reunião até o meio-dia, respondo depois do almoço.",
        ),
        ("zh-Hant", "開會到中午，午飯後回覆訊息。"),
    ] {
        write!(texts, "<text xml:lang='{lang}'>{text}</text>").unwrap();
    }
    format!("<status xmlns='{NS}'>{texts}<emoji xmlns='urn:example:emoji'>📅</emoji></status>")
}

fn payload_group(c: &mut Criterion, name: &str, xml: &str) {
    let bytes = xml.as_bytes();
    let element = minidom_parse(bytes);
    let typed = UserStatus::try_from(element.clone()).expect("parses");
    let reading = UserStatus::read(&element).expect("reads");
    assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
    assert_eq!(reading.value, typed);
    assert_eq!(Element::from(&typed), element);

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("minidom_parse", |b| {
        b.iter(|| minidom_parse(black_box(bytes)))
    });
    g.bench_function("element_to_typed", |b| {
        b.iter_batched(
            || element.clone(),
            |e| UserStatus::try_from(e).expect("parses"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("element_read_lenient", |b| {
        b.iter(|| UserStatus::read(black_box(&element)).expect("reads"))
    });
    g.bench_function("bytes_read_lenient", |b| {
        b.iter(|| UserStatus::read(&minidom_parse(black_box(bytes))).expect("reads"))
    });
    g.bench_function("bytes_read_strict", |b| {
        b.iter(|| UserStatus::read_strict(&minidom_parse(black_box(bytes))).expect("reads"))
    });
    g.bench_function("typed_to_element", |b| {
        b.iter(|| Element::from(black_box(&typed)))
    });
    g.finish();
}

fn payload(c: &mut Criterion) {
    payload_group(c, "user_status_simple", &simple());
    payload_group(c, "user_status_multilingual", &multilingual());
}

/// Example 2 of the spec, on one line, from contact `n`.
fn notification(n: usize) -> String {
    format!(
        "<message xmlns='jabber:client' from='contact{n}@example.org' to='romeo@montague.net/orchard'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='{NS}'><item id='current'><status xmlns='{NS}'><text>Status number {n} of this contact</text></status></item></items></event></message>"
    )
}

fn notifications(c: &mut Criterion) {
    let xml = notification(7);
    let bytes = xml.as_bytes();
    let element = minidom_parse(bytes);
    let reading = Notification::read_message(&element).expect("reads");
    assert!(reading.value.is_some() && reading.deviations.is_empty());
    let t0: Time = "2026-11-30T08:00:00Z".parse().unwrap();
    let account: jid::BareJid = "romeo@montague.net".parse().unwrap();

    let mut g = c.benchmark_group("user_status_notification");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("minidom_parse", |b| {
        b.iter(|| minidom_parse(black_box(bytes)))
    });
    g.bench_function("read_message", |b| {
        b.iter(|| Notification::read_message(black_box(&element)).expect("reads"))
    });
    g.bench_function("view_handle_message", |b| {
        b.iter_batched(
            || ContactView::new(Config::new(account.clone()), t0),
            |mut view| {
                view.handle_message(t0, black_box(&element));
                view
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // The view over many contacts: the cost of one more notification must not grow
    // with the number of contacts already known.
    let mut g = c.benchmark_group("user_status_view");
    for contacts in [10usize, 10_000] {
        let elements: Vec<Element> = (0..contacts)
            .map(|n| minidom_parse(notification(n).as_bytes()))
            .collect();
        let mut view = ContactView::new(Config::new(account.clone()), t0);
        for (i, e) in elements.iter().enumerate() {
            view.handle_message(t0 + TimeDelta::seconds(i as i64), e);
        }
        while view.poll_event().is_some() {}
        let update = minidom_parse(
            notification(contacts / 2)
                .replace("Status number", "Now")
                .as_bytes(),
        );
        let mut now = t0 + TimeDelta::days(1);
        g.bench_function(format!("one_more_notification_{contacts}_contacts"), |b| {
            b.iter(|| {
                now += TimeDelta::seconds(1);
                view.handle_message(now, black_box(&update));
                while view.poll_event().is_some() {}
            })
        });
    }
    g.finish();
}

fn display(c: &mut Criterion) {
    let policy = DisplayPolicy::default();
    let ordinary = "In a meeting until noon 📅, answering messages after lunch — call if urgent!";
    let hostile = format!(
        "\u{202E}{}{}",
        "z\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}\u{307} ".repeat(2000),
        "\u{200B}".repeat(10_000)
    );
    let mut g = c.benchmark_group("user_status_display");
    g.bench_function("ordinary_76_chars", |b| {
        b.iter(|| policy.apply(black_box(ordinary)))
    });
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("hostile_64k", |b| {
        b.iter(|| policy.apply(black_box(&hostile)))
    });
    g.finish();
}

criterion_group!(benches, payload, notifications, display);
criterion_main!(benches);

//! XEP-0310 benchmarks: the `<state-annotation/>` payload, and the server tracker at
//! scale (link events against total state, retained memory per tracked pair, routing
//! throughput).
//!
//! Every group measures, in the same run, a baseline: minidom parsing the same bytes,
//! or the same event on a tracker holding 100 times less state; `benches/RESULTS.md`
//! records the figures as ratios.
//!
//! The binary counts allocations (see [`Counting`]) to report the memory the tracker
//! retains per tracked pair.

// A `GlobalAlloc` implementation is `unsafe` by definition; it only forwards to the
// system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::time::Time;
use xep_psa::StateAnnotation;
use xep_psa::server::{Config, Tracker};
use xmpp_parsers::presence::Presence;

/// The system allocator, counting the bytes requested and not yet freed.
struct Counting;

static NET_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        NET_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NET_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        NET_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn now() -> Time {
    "2026-11-30T10:00:00Z".parse().expect("a valid time")
}

fn minidom_parse(bytes: &[u8]) -> Element {
    std::str::from_utf8(bytes)
        .expect("inputs are UTF-8")
        .parse::<Element>()
        .expect("inputs are well-formed")
}

/// A presence as a remote server sends it, 300-odd bytes: show, status, priority and
/// a XEP-0115 caps element.
fn presence_xml(from: &str, to: &str, n: usize) -> String {
    format!(
        "<presence xmlns='jabber:client' from='{from}' to='{to}'><show>away</show>\
         <status>In the orchard, update {n}</status><priority>5</priority>\
         <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org/client' \
         ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>"
    )
}

const ANNOTATED: &str = "<presence xmlns='jabber:client' from='juliet@capulet.lit/orchard' \
    to='romeo@montague.lit/lane'><status>Available</status>\
    <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'><server-unavailable/>\
    <description>The capulet.lit server is no longer available</description>\
    <description xml:lang='de'>Der Server capulet.lit ist nicht erreichbar</description>\
    </state-annotation></presence>";

/// The payload: minidom parsing the annotation's bytes, and Element -> typed.
fn payload(c: &mut Criterion) {
    let presence = minidom_parse(ANNOTATED.as_bytes());
    let annotation = presence
        .get_child("state-annotation", xep_psa::ns::PSA)
        .expect("annotated")
        .clone();
    let bytes = String::from(&annotation);
    assert_eq!(minidom_parse(bytes.as_bytes()), annotation);
    assert!(
        StateAnnotation::read(&annotation)
            .expect("reads")
            .deviations
            .is_empty()
    );

    let mut g = c.benchmark_group("psa_payload");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("minidom_parse", |b| {
        b.iter(|| minidom_parse(black_box(bytes.as_bytes())))
    });
    g.bench_function("element_to_annotation_xso", |b| {
        b.iter_batched(
            || annotation.clone(),
            |e| StateAnnotation::try_from(black_box(e)).expect("parses"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("element_to_annotation_lenient", |b| {
        b.iter(|| StateAnnotation::read(black_box(&annotation)).expect("reads"))
    });
    let typed = StateAnnotation::read(&annotation).expect("reads").value;
    g.bench_function("annotation_to_element", |b| {
        b.iter_batched(
            || typed.clone(),
            |a| Element::from(black_box(a)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// A server with `sessions` local PSA sessions, each holding the presence of every one
/// of `remotes` remote full JIDs (spread over 100 bulk domains), plus the affected
/// domain: 10 remote JIDs seen by 10 further sessions, 100 pairs.
fn populated(sessions: usize, remotes: usize) -> Tracker {
    let t = now();
    let mut tracker = Tracker::new(Config::new("montague.lit".parse().expect("domain")), t);
    let session_jids: Vec<FullJid> = (0..sessions)
        .map(|i| format!("user{i}@montague.lit/r").parse().expect("jid"))
        .collect();
    for s in &session_jids {
        tracker.handle_session_start(t, s.clone(), true);
    }
    let recipients: Vec<Jid> = session_jids.iter().cloned().map(Jid::from).collect();
    for r in 0..remotes {
        let from = format!("contact{r}@bulk{}.example/r", r % 100);
        let p: Presence = Presence::try_from(minidom_parse(
            presence_xml(&from, "x@montague.lit", 0).as_bytes(),
        ))
        .expect("presence");
        // Delivered one recipient at a time, as a session manager fans it out: the
        // tracker shares the identical stanzas.
        for to in &recipients {
            let mut each = p.clone();
            each.to = Some(to.clone());
            tracker.handle_presence(t, &each);
        }
    }
    for s in 0..10 {
        let to: FullJid = format!("watcher{s}@montague.lit/r").parse().expect("jid");
        tracker.handle_session_start(t, to.clone(), true);
        for r in 0..10 {
            let from = format!("contact{r}@affected.example/r");
            let p = Presence::try_from(minidom_parse(
                presence_xml(&from, to.as_str(), 0).as_bytes(),
            ))
            .expect("presence");
            tracker.handle_presence(t, &p);
        }
    }
    assert_eq!(tracker.pairs(), sessions * remotes + 100);
    tracker
}

/// Link down then up for the affected domain (100 pairs each way), drained.
fn cycle(tracker: &mut Tracker, domain: &BareJid) -> usize {
    let t = now();
    tracker.handle_link_down(t, domain);
    let mut n = 0;
    while let Some(p) = tracker.poll_transmit() {
        black_box(p);
        n += 1;
    }
    tracker.handle_link_up(t, domain);
    while let Some(p) = tracker.poll_transmit() {
        black_box(p);
        n += 1;
    }
    n
}

/// Link events against total state, and memory per pair at 10^6 pairs.
fn tracker_scale(c: &mut Criterion) {
    let domain: BareJid = "affected.example".parse().expect("domain");
    let mut small = populated(100, 100);
    let before = NET_BYTES.load(Ordering::SeqCst);
    let mut large = populated(1000, 1000);
    let retained = NET_BYTES.load(Ordering::SeqCst) - before;
    let pairs = large.pairs();
    // The stanzas: one per remote sender, shared by all its recipients.
    let stanza = {
        let b = NET_BYTES.load(Ordering::SeqCst);
        let p = Presence::try_from(minidom_parse(
            presence_xml("contact0@bulk0.example/r", "x@montague.lit", 0).as_bytes(),
        ))
        .expect("presence");
        let kept = NET_BYTES.load(Ordering::SeqCst) - b;
        drop(p);
        usize::try_from(kept).expect("allocated") + size_of::<Presence>()
    };
    let stanzas = 1010 * stanza;
    let retained = usize::try_from(retained).expect("retains");
    eprintln!(
        "psa memory: {pairs} pairs retain {retained} bytes: {:.1} bytes per pair in all, \
         {:.1} beyond the {} shared stanzas of {stanza} bytes each",
        retained as f64 / pairs as f64,
        (retained - stanzas) as f64 / pairs as f64,
        1010
    );
    assert_eq!(cycle(&mut small, &domain), 200);
    assert_eq!(cycle(&mut large, &domain), 200);

    let mut g = c.benchmark_group("psa_link_down_up_100_affected");
    g.throughput(Throughput::Elements(200));
    g.bench_function("tracked_10k", |b| b.iter(|| cycle(&mut small, &domain)));
    g.bench_function("tracked_1m", |b| b.iter(|| cycle(&mut large, &domain)));
    g.finish();
}

/// Routing: 1,000 presence updates from remote contacts to PSA sessions on a tracker
/// holding 10^4 pairs, against minidom parsing the same 1,000 stanzas.
fn routing(c: &mut Criterion) {
    let mut tracker = populated(100, 100);
    let xml: Vec<String> = (0..1000)
        .map(|i| {
            presence_xml(
                &format!("contact{}@bulk{}.example/r", i % 100, i % 100),
                &format!("user{}@montague.lit/r", (i * 7) % 100),
                i,
            )
        })
        .collect();
    let presences: Vec<Presence> = xml
        .iter()
        .map(|x| Presence::try_from(minidom_parse(x.as_bytes())).expect("presence"))
        .collect();
    let t = now();
    let mut g = c.benchmark_group("psa_routing_1000_presences");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("minidom_parse", |b| {
        b.iter(|| {
            for x in &xml {
                black_box(minidom_parse(x.as_bytes()));
            }
        })
    });
    g.bench_function("tracker_handle_presence", |b| {
        b.iter(|| {
            for p in &presences {
                tracker.handle_presence(t, black_box(p));
            }
        })
    });
    g.finish();
    assert!(tracker.poll_transmit().is_none());
}

criterion_group!(benches, payload, tracker_scale, routing);
criterion_main!(benches);

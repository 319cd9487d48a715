//! XEP-0485 benchmarks: the `<serverinfo/>` payload, the opt-in publisher and the
//! federation graph.
//!
//! Every payload group measures, in the same run, the baseline of parsing the same
//! bytes with minidom alone; `benches/RESULTS.md` records the figures as ratios.
//!
//! The binary counts allocations (see [`Counting`]) to report the memory the typed
//! value retains; the counter is two relaxed atomic additions per allocation, the same
//! for every benchmark of the binary.

// A `GlobalAlloc` implementation is `unsafe` by definition; it only forwards to the
// system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use minidom::Element;
use minidom::rxml;
use xep_benches::serverinfo::serverinfo_item;
use xep_serverinfo::ServerInfo;

/// The system allocator, counting the bytes requested and not yet freed and the number
/// of live blocks (what a value retains, without the allocator's own overhead).
struct Counting;

static NET_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        NET_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NET_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
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

/// Heap bytes and blocks that `build` allocates and leaves alive in its result,
/// plus the size of the result itself.
fn retained<T>(build: impl FnOnce() -> T) -> (T, usize, usize) {
    let bytes = NET_BYTES.load(Ordering::SeqCst);
    let blocks = LIVE_BLOCKS.load(Ordering::SeqCst);
    let value = build();
    let heap = NET_BYTES.load(Ordering::SeqCst) - bytes;
    let live = LIVE_BLOCKS.load(Ordering::SeqCst) - blocks;
    (
        value,
        usize::try_from(heap).expect("the value retains memory") + size_of::<T>(),
        live,
    )
}

fn minidom_parse(bytes: &[u8]) -> Element {
    std::str::from_utf8(bytes)
        .expect("inputs are UTF-8")
        .parse::<Element>()
        .expect("inputs are well-formed")
}

/// rxml's namespace-resolving parser alone (what `xso::from_bytes` drives): the floor
/// of any bytes -> typed path through xso.
fn rxml_events(bytes: &[u8]) -> usize {
    use rxml::Parse as _;
    let mut parser = rxml::Parser::new();
    let mut buf = bytes;
    let mut count = 0;
    while let Some(event) = parser.parse(&mut buf, true).expect("well-formed") {
        count += 1;
        black_box(event);
    }
    count
}

/// A 1,000-remote-domain item: parse, convert, write; and the memory of the value.
fn payload(c: &mut Criterion) {
    let xml = serverinfo_item(1000);
    let bytes = xml.as_bytes();
    let element = minidom_parse(bytes);
    let typed = ServerInfo::try_from(element.clone()).expect("the item parses");
    assert_eq!(typed.domains[0].remote_domains().len(), 1000);
    let direct: ServerInfo = xso::from_bytes(bytes).expect("from_bytes");
    assert_eq!(direct, typed);
    assert_eq!(Element::from(&typed), element);
    assert_eq!(Element::from(typed.clone()), element);

    let (from_element, via_element, blocks) =
        retained(|| ServerInfo::try_from(minidom_parse(bytes)).expect("parses"));
    let (from_bytes, via_bytes, _) =
        retained(|| xso::from_bytes::<ServerInfo>(bytes).expect("parses"));
    assert_eq!(from_element, typed);
    assert_eq!(from_bytes, typed);
    let (tree, tree_bytes, tree_blocks) = retained(|| minidom_parse(bytes));
    eprintln!(
        "serverinfo_1000 memory: input {} bytes; typed value retains {via_element} bytes \
         in {blocks} blocks ({:.2}x input; {via_bytes} bytes via from_bytes); \
         the minidom tree retains {tree_bytes} bytes in {tree_blocks} blocks ({:.2}x)",
        bytes.len(),
        via_element as f64 / bytes.len() as f64,
        tree_bytes as f64 / bytes.len() as f64,
    );
    drop((from_element, from_bytes, tree));

    let mut g = c.benchmark_group("serverinfo_1000");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("minidom_parse", |b| {
        b.iter(|| minidom_parse(black_box(bytes)))
    });
    g.bench_function("rxml_events", |b| b.iter(|| rxml_events(black_box(bytes))));
    g.bench_function("element_to_typed", |b| {
        b.iter_batched(
            || element.clone(),
            |e| ServerInfo::try_from(e).expect("parses"),
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("typed_to_element", |b| {
        b.iter(|| Element::from(black_box(&typed)))
    });
    g.bench_function("typed_to_element_owned", |b| {
        b.iter_batched(
            || typed.clone(),
            Element::from,
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("bytes_to_typed_via_minidom", |b| {
        b.iter(|| ServerInfo::try_from(minidom_parse(black_box(bytes))).expect("parses"))
    });
    g.bench_function("bytes_to_typed_from_bytes", |b| {
        b.iter(|| xso::from_bytes::<ServerInfo>(black_box(bytes)).expect("parses"))
    });
    g.finish();
}

/// `count` items, one per domain `dNNNN.example`, each federating with 12 other
/// domains of the set (a ring at offsets 1..=6 both ways, so every link is reported
/// from both ends) plus 2 anonymous peers, cycling through the publishers' encodings:
/// ejabberd's `incoming` + `outgoing`, `bidi`, Openfire's `both`, Prosody's no
/// `<connection/>`. Stamped within the last hour.
fn graph_items(count: usize) -> Vec<String> {
    use std::fmt::Write as _;
    (0..count)
        .map(|i| {
            let mut xml = format!(
                "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='d{i:04}.example'><federation>"
            );
            for k in 1..=6usize {
                for j in [(i + k) % count, (i + count - k) % count] {
                    let connections = match i % 4 {
                        0 => "<connection type='incoming'/><connection type='outgoing'/>",
                        1 => "<connection type='bidi'/>",
                        2 => "<connection type='both'/>",
                        _ => "",
                    };
                    write!(
                        xml,
                        "<remote-domain name='d{j:04}.example'>{connections}</remote-domain>"
                    )
                    .expect("writing to a String");
                }
            }
            xml.push_str("<remote-domain/><remote-domain/></federation></domain></serverinfo>");
            xml
        })
        .collect()
}

/// Folding 1,000 items (one per domain) into a graph, against minidom parsing the
/// same 1,000 items' bytes.
fn graph(c: &mut Criterion) {
    use xep_serverinfo::graph::{GraphBuilder, GraphConfig, LinkStatus, Observation, Trust};

    let now = chrono::DateTime::from_timestamp(1_748_779_200, 0).expect("a valid time");
    let xml = graph_items(1000);
    let bytes: usize = xml.iter().map(String::len).sum();
    let infos: Vec<ServerInfo> = xml
        .iter()
        .map(|x| ServerInfo::try_from(minidom_parse(x.as_bytes())).expect("parses"))
        .collect();
    let stamps: Vec<_> = (0..infos.len())
        .map(|i| now - chrono::TimeDelta::seconds((i % 3600) as i64))
        .collect();
    let fold = |infos: &[ServerInfo]| {
        let mut builder = GraphBuilder::new(GraphConfig::default().with_trust(Trust::AnySource));
        for (info, at) in infos.iter().zip(&stamps) {
            builder.add(*at, Observation::new(info, *at));
        }
        builder.graph(now)
    };
    let g = fold(&infos);
    assert_eq!(g.nodes.len(), 1000);
    assert_eq!(g.edges.len(), 6000);
    assert!(g.edges.iter().all(|e| e.status == LinkStatus::Mutual));

    let mut group = c.benchmark_group("graph_1000_items");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("minidom_parse", |b| {
        b.iter(|| {
            xml.iter()
                .map(|x| minidom_parse(black_box(x.as_bytes())))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("fold", |b| b.iter(|| fold(black_box(&infos))));
    group.bench_function("parse_and_fold", |b| {
        b.iter(|| {
            let infos: Vec<ServerInfo> = xml
                .iter()
                .map(|x| {
                    ServerInfo::try_from(minidom_parse(black_box(x.as_bytes()))).expect("parses")
                })
                .collect();
            fold(&infos)
        })
    });
    group.bench_function("to_json", |b| b.iter(|| black_box(&g).to_json()));
    group.bench_function("to_dot", |b| b.iter(|| black_box(&g).to_dot()));
    group.finish();
}

/// A pre-draft (Openfire plugin 1.0.0, INTEROP P16) item with `n` peers, two
/// connections each, the second connection of each peer after all the first ones.
fn pre_draft_item(n: usize) -> String {
    let mut xml = String::from(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain>example.org</domain><federation>",
    );
    for round in ["incoming", "outgoing"] {
        for i in 0..n {
            xml.push_str(&format!(
                "<connection type='{round}'><domain>peer{i}.example.net</domain></connection>"
            ));
        }
    }
    xml.push_str("</federation></serverinfo>");
    xml
}

/// Issue 9: the pre-draft mapping looked each connection's peer up in a list, which
/// is quadratic in the number of peers. 10,000 and 40,000 peers (4x the bytes): with
/// an index the time per byte stays about that of a minidom parse at both sizes.
fn pre_draft_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("serverinfo_pre_draft_scaling");
    g.sample_size(10);
    for n in [10_000, 40_000] {
        let xml = pre_draft_item(n);
        let element = minidom_parse(xml.as_bytes());
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(format!("minidom_parse/{n}"), |b| {
            b.iter(|| minidom_parse(black_box(xml.as_bytes())))
        });
        g.bench_function(format!("read_pre_draft/{n}"), |b| {
            b.iter(|| ServerInfo::read(black_box(&element)).expect("reads"))
        });
    }
    g.finish();
}

criterion_group!(benches, payload, graph, pre_draft_scaling);
criterion_main!(benches);

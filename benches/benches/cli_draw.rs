//! Criterion benchmarks of what `xep` draws: the HTML status page and the SVG
//! federation picture (layout included).
//!
//! Baselines measured in the same run: for the page, `serde_json::from_str::<Value>`
//! of the same status file text; for the picture, `Graph::to_dot` of the same graph
//! (the text Graphviz would still have to lay out). Figures are read as ratios to them
//! (see `benches/RESULTS.md`).
//!
//! Run with `cargo bench -p xep-benches --bench cli_draw -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::Value;
use xep_cli::page::{PageOptions, read_for_page, render};
use xep_cli::svg::{SvgOptions, render as render_svg};
use xep_serverinfo::graph::{Dropped, Edge, EdgeDirection, Graph, LinkStatus, Node};

/// A status file with a default and seven translated messages.
fn status_file() -> String {
    let mut messages = vec![(
        "default".to_owned(),
        "Planned maintenance of the database: the service is unavailable until noon (UTC)."
            .to_owned(),
    )];
    for lang in ["de", "fr", "es", "pt-BR", "it", "nl", "zh-Hant"] {
        messages.push((
            lang.to_owned(),
            format!("Text in {lang}: maintenance until noon <UTC> & after."),
        ));
    }
    let message: serde_json::Map<String, Value> = messages
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "planned": true,
        "beginning": "2026-11-22T10:00:00Z",
        "expected_end": "2026-11-22T12:00:00Z",
        "message": message,
    }))
    .unwrap()
}

/// A crawl-like federation of `n` domains: hubs, leaves, about two links a domain.
fn federation(n: usize) -> Graph {
    let name = |i: usize| format!("d{i:05}.example");
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| Node {
            id: name(i),
            aliases: Vec::new(),
            published: i % 4 != 0,
            updated: None,
            anonymous_peers: (i % 5) as u32,
            sources: Vec::new(),
        })
        .collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut edges = Vec::new();
    let mut seed: u64 = 7;
    for i in 1..n {
        for _ in 0..2 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let j = ((seed >> 33) as usize) % i.min(30);
            let (a, b) = (name(j), name(i));
            edges.push(Edge {
                a,
                b,
                direction: EdgeDirection::Both,
                status: match seed % 4 {
                    0 => LinkStatus::OneSided,
                    1 => LinkStatus::Unconfirmed,
                    _ => LinkStatus::Mutual,
                },
                reported_by: vec![name(j)],
            });
        }
    }
    edges.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    edges.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    Graph {
        nodes,
        edges,
        dropped: Dropped::default(),
    }
}

fn page(c: &mut Criterion) {
    let text = status_file();
    let options = PageOptions::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 11, 0, 0).unwrap(),
        "status.json",
    );
    let mut group = c.benchmark_group("status_page");
    group.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&text)).unwrap()))
    });
    group.bench_function("read_and_render", |b| {
        b.iter(|| {
            let (file, _) = read_for_page(black_box(&text)).unwrap();
            black_box(render(&file, &options))
        })
    });
    group.finish();
}

fn svg(c: &mut Criterion) {
    let mut group = c.benchmark_group("federation_svg");
    group.sample_size(10);
    for n in [100, 1_000] {
        let graph = federation(n);
        group.bench_with_input(BenchmarkId::new("to_dot", n), &graph, |b, g| {
            b.iter(|| black_box(g.to_dot()))
        });
        group.bench_with_input(BenchmarkId::new("layout_and_svg", n), &graph, |b, g| {
            b.iter(|| black_box(render_svg(g, &SvgOptions::default())))
        });
    }
    group.finish();
}

criterion_group!(benches, page, svg);
criterion_main!(benches);

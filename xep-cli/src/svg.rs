//! `xep serverinfo graph --format svg`: the federation graph laid out and drawn as one
//! self-contained SVG, without Graphviz.
//!
//! # Layout
//!
//! A deterministic force-directed layout of our own (Fruchterman–Reingold with a grid
//! so repulsion only looks at nearby nodes, linear cooling, a fixed number of rounds),
//! each connected component on its own, then the components packed in rows, largest
//! first. No randomness: nodes start on a sunflower spiral, busiest at the centre, so
//! the same graph always gives the same picture.
//!
//! Why not a crate: `layout-rs` (the maintained Graphviz-like crate) draws layered
//! (Sugiyama) layouts for mostly acyclic directed graphs; on a random federation-like
//! graph it took 21 s for 200 domains and made a drawing 38,000 px wide, so 1,000 was
//! out of reach. Of the force-directed crates, `forceatlas2` is AGPL (this workspace is
//! MIT OR Apache-2.0) and `fdg-sim` is superseded and seeds its layout randomly.
//!
//! # Drawing and clutter
//!
//! * Domains are circles whose area grows with their number of links; a domain seen
//!   publishing is filled, one only named by others is hollow and dashed.
//! * Links: solid when both ends list each other, dashed when one-sided, dotted and
//!   grey when unconfirmed (the other end publishes nothing current); an arrowhead
//!   half-way shows the direction (two for both ways, none when unknown), so hubs are
//!   not buried under arrowheads.
//! * Anonymous peers (peers listed without a name) are a `+N` badge after the label and
//!   part of every node's tooltip.
//! * At most [`SvgOptions::max_labels`] labels (default 150), given to the domains with
//!   the most links, right or left of the circle and never over another label; every
//!   node and link still has a `<title>` tooltip with its names,
//!   status and reporters. Links are thin and translucent at scale so that hubs stay
//!   visible, and a legend states how many labels were left out.

use core::f64::consts::PI;
use core::fmt::Write as _;
use std::collections::BTreeMap;

use xep_serverinfo::graph::{EdgeDirection, Graph, LinkStatus};

use crate::page::escape;

/// Drawing options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgOptions {
    /// At most this many domain labels are drawn (the domains with the most links).
    pub max_labels: usize,
}

impl Default for SvgOptions {
    fn default() -> Self {
        Self { max_labels: 150 }
    }
}

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal, growing to the right.
    pub x: f64,
    /// Vertical, growing downwards.
    pub y: f64,
}

/// Ideal distance between linked nodes in large components, in SVG units (twice that
/// in the smallest).
const K: f64 = 70.0;

/// The positions of `graph.nodes`, in the same order; deterministic.
pub fn layout(graph: &Graph) -> Vec<Point> {
    let n = graph.nodes.len();
    let index: BTreeMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    let mut adjacency = vec![Vec::new(); n];
    for edge in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(edge.a.as_str()), index.get(edge.b.as_str())) {
            if a != b {
                adjacency[a].push(b);
                adjacency[b].push(a);
            }
        }
    }
    // Connected components, each listed busiest node first (ties by id order).
    let mut component = vec![usize::MAX; n];
    let mut components: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if component[start] != usize::MAX {
            continue;
        }
        let c = components.len();
        let mut members = vec![start];
        component[start] = c;
        let mut i = 0;
        while i < members.len() {
            for &next in &adjacency[members[i]] {
                if component[next] == usize::MAX {
                    component[next] = c;
                    members.push(next);
                }
            }
            i += 1;
        }
        members.sort_by_key(|&m| (core::cmp::Reverse(adjacency[m].len()), m));
        components.push(members);
    }
    components.sort_by_key(|m| (core::cmp::Reverse(m.len()), m[0]));

    let mut positions = vec![Point { x: 0.0, y: 0.0 }; n];
    let mut placed: Vec<(Vec<usize>, Vec<Point>)> = Vec::new();
    for members in components {
        let local = layout_component(&members, &adjacency);
        placed.push((members, local));
    }
    // Shelf packing: rows as wide as the largest component (at least a square's side).
    let boxes: Vec<(f64, f64, f64, f64)> = placed.iter().map(|(_, p)| bounds(p)).collect();
    let total_area: f64 = boxes
        .iter()
        .map(|b| (b.2 - b.0 + K) * (b.3 - b.1 + K))
        .sum();
    let row_width = boxes
        .iter()
        .map(|b| b.2 - b.0 + K)
        .fold(total_area.sqrt(), f64::max);
    let (mut x, mut y, mut row_height) = (0.0, 0.0, 0.0f64);
    for ((members, local), b) in placed.iter().zip(&boxes) {
        let (w, h) = (b.2 - b.0 + K, b.3 - b.1 + K);
        if x > 0.0 && x + w > row_width {
            x = 0.0;
            y += row_height;
            row_height = 0.0;
        }
        for (&m, p) in members.iter().zip(local) {
            positions[m] = Point {
                x: x + p.x - b.0,
                y: y + p.y - b.1,
            };
        }
        x += w;
        row_height = row_height.max(h);
    }
    positions
}

fn bounds(points: &[Point]) -> (f64, f64, f64, f64) {
    points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(x0, y0, x1, y1), p| (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y)),
    )
}

/// Fruchterman–Reingold on one component; `members[0]` is its busiest node.
fn layout_component(members: &[usize], adjacency: &[Vec<usize>]) -> Vec<Point> {
    let n = members.len();
    // Ideal link length: roomier for small components, whose labels are all drawn.
    let k = K * (2.0 - (n.min(200) as f64) / 200.0);
    // Sunflower spiral: even spread, busiest at the centre.
    let golden = PI * (3.0 - 5f64.sqrt());
    let mut pos: Vec<Point> = (0..n)
        .map(|i| {
            let r = k * 0.6 * (i as f64).sqrt();
            let t = i as f64 * golden;
            Point {
                x: r * t.cos(),
                y: r * t.sin(),
            }
        })
        .collect();
    if n <= 1 {
        return pos;
    }
    let local: BTreeMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let edges: Vec<(usize, usize)> = members
        .iter()
        .enumerate()
        .flat_map(|(i, &m)| {
            adjacency[m]
                .iter()
                .map(|b| local[b])
                .filter(move |&j| i < j)
                .map(move |j| (i, j))
        })
        .collect();
    let rounds = if n <= 300 { 300 } else { 160 };
    let mut temperature = k * (n as f64).sqrt() * 0.3;
    let cooling = temperature / f64::from(rounds + 1);
    // Small components: every pair repels (one grid cell); large ones: only neighbours.
    let small = n <= 300;
    let cell = if small { f64::INFINITY } else { 2.0 * k };
    let gravity = if small { 0.004 } else { 0.02 };
    let mut disp = vec![Point { x: 0.0, y: 0.0 }; n];
    let mut grid: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for _ in 0..rounds {
        grid.clear();
        for (i, p) in pos.iter().enumerate() {
            grid.entry(cell_of(*p, cell)).or_default().push(i);
        }
        disp.fill(Point { x: 0.0, y: 0.0 });
        // Repulsion from nodes in the 3×3 neighbouring cells.
        for (i, p) in pos.iter().enumerate() {
            let (cx, cy) = cell_of(*p, cell);
            for gx in cx - 1..=cx + 1 {
                for gy in cy - 1..=cy + 1 {
                    let Some(others) = grid.get(&(gx, gy)) else {
                        continue;
                    };
                    for &j in others {
                        if j == i {
                            continue;
                        }
                        let (mut dx, mut dy) = (p.x - pos[j].x, p.y - pos[j].y);
                        let mut d2 = dx * dx + dy * dy;
                        if d2 < 1e-6 {
                            // Coincident: push apart along a direction fixed by the indices.
                            let a = (i * 7 + j * 13) as f64;
                            (dx, dy) = (a.cos() * 0.1, a.sin() * 0.1);
                            d2 = 0.01;
                        }
                        let d = d2.sqrt();
                        if d < cell {
                            let f = k * k / d;
                            disp[i].x += dx / d * f;
                            disp[i].y += dy / d * f;
                        }
                    }
                }
            }
        }
        // Attraction along links.
        for &(a, b) in &edges {
            let (dx, dy) = (pos[a].x - pos[b].x, pos[a].y - pos[b].y);
            let d = (dx * dx + dy * dy).sqrt().max(1e-3);
            let f = d * d / k;
            let (fx, fy) = (dx / d * f, dy / d * f);
            disp[a].x -= fx;
            disp[a].y -= fy;
            disp[b].x += fx;
            disp[b].y += fy;
        }
        // Weak gravity keeps the component round, then move at most `temperature`.
        for (p, d) in pos.iter_mut().zip(&mut disp) {
            d.x -= p.x * gravity;
            d.y -= p.y * gravity;
            let len = (d.x * d.x + d.y * d.y).sqrt();
            if len > 0.0 {
                let step = len.min(temperature);
                p.x += d.x / len * step;
                p.y += d.y / len * step;
            }
        }
        temperature = (temperature - cooling).max(1.0);
    }
    pos
}

fn cell_of(p: Point, cell: f64) -> (i64, i64) {
    if cell.is_infinite() {
        return (0, 0);
    }
    ((p.x / cell).floor() as i64, (p.y / cell).floor() as i64)
}

/// The radius of a node with `degree` links.
fn radius(degree: usize) -> f64 {
    5.0 + 2.2 * (degree as f64).sqrt()
}

/// The graph as an SVG document, laid out by [`layout`].
pub fn render(graph: &Graph, options: &SvgOptions) -> String {
    let pos = layout(graph);
    let n = graph.nodes.len();
    let index: BTreeMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    let mut degree = vec![0usize; n];
    for e in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.a.as_str()), index.get(e.b.as_str())) {
            degree[a] += 1;
            degree[b] += 1;
        }
    }
    let mut by_degree: Vec<usize> = (0..n).collect();
    by_degree.sort_by_key(|&i| (core::cmp::Reverse(degree[i]), i));
    // Labels, busiest first, right of the circle or else left of it, never over another
    // label; at most `max_labels`.
    let mut labels: Vec<Option<(f64, bool)>> = vec![None; n];
    let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
    for &i in &by_degree {
        if boxes.len() >= options.max_labels {
            break;
        }
        let node = &graph.nodes[i];
        let mut chars = node.id.chars().count();
        if !node.aliases.is_empty() {
            chars += 10;
        }
        if node.anonymous_peers > 0 {
            chars += 10;
        }
        let w = 6.8 * chars as f64;
        let r = radius(degree[i]);
        let p = pos[i];
        let (top, bottom) = (p.y - 10.0, p.y + 6.0);
        for (left, x0) in [(false, p.x + r + 3.0), (true, p.x - r - 3.0 - w)] {
            let candidate = (x0, top, x0 + w, bottom);
            let free = boxes.iter().all(|b| {
                candidate.2 < b.0 || b.2 < candidate.0 || candidate.3 < b.1 || b.3 < candidate.1
            });
            if free {
                boxes.push(candidate);
                labels[i] = Some((if left { x0 + w } else { x0 }, left));
                break;
            }
        }
    }
    let shown_labels = boxes.len();

    let margin = 40.0;
    let legend_height = 120.0;
    // The drawing's extent: circles and labels.
    let (x0, y0, x1, y1) = if n == 0 {
        (0.0, 0.0, 0.0, 0.0)
    } else {
        let circles = (0..n).map(|i| {
            let r = radius(degree[i]);
            (pos[i].x - r, pos[i].y - r, pos[i].x + r, pos[i].y + r)
        });
        circles.chain(boxes.iter().copied()).fold(
            (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
            |(a, b, c, d), (x0, y0, x1, y1)| (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
        )
    };
    // Wide enough for the legend.
    let width = (x1 - x0 + 2.0 * margin).max(700.0);
    let height = y1 - y0 + 2.0 * margin + legend_height;
    let (ox, oy) = (margin - x0, margin + legend_height - y0);
    let at = |i: usize| Point {
        x: pos[i].x + ox,
        y: pos[i].y + oy,
    };
    let large = n > 200;

    let mut out = String::with_capacity(256 + n * 200 + graph.edges.len() * 160);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-labelledby=\"graph-title graph-desc\" \
         font-family=\"system-ui, sans-serif\">"
    );
    let _ = writeln!(
        out,
        "<title id=\"graph-title\">XMPP federation: {n} domains, {} links</title>",
        graph.edges.len()
    );
    let _ = writeln!(
        out,
        "<desc id=\"graph-desc\">Domains from XEP-0485 server information; {} publishing, {} only named by others. \
         Solid links are confirmed by both ends, dashed links by one end only, dotted links are unconfirmed.</desc>",
        graph.nodes.iter().filter(|n| n.published).count(),
        graph.nodes.iter().filter(|n| !n.published).count(),
    );
    let (edge_width, edge_opacity, arrow) = if large {
        (0.8, 0.35, 5.0)
    } else {
        (1.4, 0.8, 8.0)
    };
    let _ = write!(
        out,
        "<defs>\n\
         <marker id=\"fwd\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"{arrow}\" markerHeight=\"{arrow}\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"context-stroke\"/></marker>\n\
         <marker id=\"back\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"{arrow}\" markerHeight=\"{arrow}\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M10,0L0,5L10,10z\" fill=\"context-stroke\"/></marker>\n\
         <marker id=\"both\" viewBox=\"0 0 20 10\" refX=\"10\" refY=\"5\" markerWidth=\"{arrow2}\" markerHeight=\"{arrow}\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,5L8,0L8,10zM20,5L12,0L12,10z\" fill=\"context-stroke\"/></marker>\n\
         </defs>\n",
        arrow2 = arrow * 2.0
    );
    let _ = write!(
        out,
        "<style>\n\
         .bg{{fill:#fff}}\n\
         .e{{stroke:#3b4a63;stroke-width:{edge_width};stroke-opacity:{edge_opacity};fill:none}}\n\
         .e.one-sided{{stroke:#9a4d00;stroke-dasharray:7 4}}\n\
         .e.unconfirmed{{stroke:#6b6b6b;stroke-dasharray:2 3}}\n\
         .n circle{{fill:#1f5fbf;stroke:#0b2a5c;stroke-width:1.2}}\n\
         .n.named-only circle{{fill:#fff;stroke:#1f5fbf;stroke-dasharray:3 2}}\n\
         .n text{{font-size:12px;fill:#111;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}}\n\
         .n text .anon{{fill:#6a2c91;font-weight:600}}\n\
         .legend text{{font-size:13px;fill:#111}}\n\
         .legend .small{{font-size:12px;fill:#444}}\n\
         </style>\n"
    );
    let _ = writeln!(
        out,
        "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\"/>"
    );
    legend(&mut out, graph, shown_labels, margin);

    out.push_str("<g id=\"links\">\n");
    for e in &graph.edges {
        let (Some(&a), Some(&b)) = (index.get(e.a.as_str()), index.get(e.b.as_str())) else {
            continue;
        };
        let (pa, pb) = (at(a), at(b));
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let d = (dx * dx + dy * dy).sqrt().max(1e-6);
        // End the line at the circles' edges.
        let (ra, rb) = (radius(degree[a]) + 1.0, radius(degree[b]) + 1.0);
        let (sa, sb) = if d > ra + rb {
            (ra / d, rb / d)
        } else {
            (0.0, 0.0)
        };
        let (ax, ay) = (pa.x + dx * sa, pa.y + dy * sa);
        let (bx, by) = (pb.x - dx * sb, pb.y - dy * sb);
        let class = match e.status {
            LinkStatus::Mutual => "e mutual",
            LinkStatus::OneSided => "e one-sided",
            LinkStatus::Unconfirmed => "e unconfirmed",
        };
        let (markers, arrow_text) = match e.direction {
            EdgeDirection::Both => (" marker-mid=\"url(#both)\"", "↔"),
            EdgeDirection::AToB => (" marker-mid=\"url(#fwd)\"", "→"),
            EdgeDirection::BToA => (" marker-mid=\"url(#back)\"", "←"),
            EdgeDirection::Unknown => ("", "—"),
        };
        let _ = writeln!(
            out,
            "<polyline class=\"{class}\" points=\"{ax:.1},{ay:.1} {:.1},{:.1} {bx:.1},{by:.1}\"{markers}><title>{} {arrow_text} {} ({}; reported by {})</title></polyline>",
            (ax + bx) / 2.0,
            (ay + by) / 2.0,
            escape(&e.a),
            escape(&e.b),
            match e.status {
                LinkStatus::Mutual => "both ends",
                LinkStatus::OneSided => "one-sided",
                LinkStatus::Unconfirmed => "unconfirmed",
            },
            escape(&e.reported_by.join(", ")),
        );
    }
    out.push_str("</g>\n<g id=\"domains\">\n");
    for (i, node) in graph.nodes.iter().enumerate() {
        let p = at(i);
        let r = radius(degree[i]);
        let class = if node.published {
            "n published"
        } else {
            "n named-only"
        };
        let mut tip = node.id.clone();
        for alias in &node.aliases {
            let _ = write!(tip, "\n= {alias}");
        }
        let _ = write!(
            tip,
            "\n{} link{}",
            degree[i],
            if degree[i] == 1 { "" } else { "s" }
        );
        if node.anonymous_peers > 0 {
            let _ = write!(tip, "; {} anonymous peers", node.anonymous_peers);
        }
        tip.push_str(if node.published {
            "\npublishes server information"
        } else {
            "\nonly named by others"
        });
        let _ = write!(
            out,
            "<g class=\"{class}\"><title>{}</title><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\"/>",
            escape(&tip),
            p.x,
            p.y
        );
        if let Some((x, left)) = labels[i] {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\"{}>{}",
                x + ox,
                p.y + 4.0,
                if left { " text-anchor=\"end\"" } else { "" },
                escape(&node.id)
            );
            if !node.aliases.is_empty() {
                let _ = write!(out, " (+{} alias)", node.aliases.len());
            }
            if node.anonymous_peers > 0 {
                let _ = write!(
                    out,
                    " <tspan class=\"anon\">+{} anon.</tspan>",
                    node.anonymous_peers
                );
            }
            out.push_str("</text>");
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn legend(out: &mut String, graph: &Graph, shown_labels: usize, margin: f64) {
    let x = margin;
    let _ = writeln!(
        out,
        "<g class=\"legend\" transform=\"translate({x:.0} 16)\">"
    );
    let _ = writeln!(
        out,
        "<text x=\"0\" y=\"12\" font-weight=\"600\">XMPP federation: {} domains, {} links</text>",
        graph.nodes.len(),
        graph.edges.len()
    );
    let rows = [
        ("e mutual", "", "both ends list the link"),
        ("e one-sided", "", "one end lists it, the other does not"),
        (
            "e unconfirmed",
            "",
            "the other end publishes nothing current",
        ),
        (
            "e mutual",
            " marker-mid=\"url(#fwd)\"",
            "direction of traffic (◂▸ both ways, none: not published)",
        ),
    ];
    for (i, (class, marker, text)) in rows.iter().enumerate() {
        let y = 32.0 + 18.0 * i as f64;
        let _ = writeln!(
            out,
            "<polyline class=\"{class}\" points=\"0,{y} 20,{y} 40,{y}\" style=\"stroke-opacity:1;stroke-width:1.6\"{marker}/><text x=\"50\" y=\"{:.0}\">{text}</text>",
            y + 4.0
        );
    }
    let _ = writeln!(
        out,
        "<g class=\"n published\" transform=\"translate(330 34)\"><circle r=\"6\"/><text x=\"12\" y=\"4\">publishes its information</text></g>"
    );
    let _ = writeln!(
        out,
        "<g class=\"n named-only\" transform=\"translate(330 54)\"><circle r=\"6\"/><text x=\"12\" y=\"4\">only named by others</text></g>"
    );
    let _ = writeln!(
        out,
        "<g class=\"n\" transform=\"translate(330 74)\"><text x=\"12\" y=\"4\"><tspan class=\"anon\">+N anon.</tspan> peers listed without a name</text></g>"
    );
    let hidden = graph.nodes.len().saturating_sub(shown_labels);
    let note = if hidden > 0 {
        format!(
            "{shown_labels} busiest domains labelled, {hidden} more unlabelled; hover a circle or a link for its names"
        )
    } else {
        "circle size grows with the number of links; hover for details".to_owned()
    };
    let _ = writeln!(
        out,
        "<text class=\"small\" x=\"0\" y=\"{:.0}\">{note}</text>",
        32.0 + 18.0 * 4.0 + 4.0
    );
    out.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use xep_serverinfo::graph::{Dropped, Edge, Node};

    fn node(id: &str, published: bool, anonymous_peers: u32) -> Node {
        Node {
            id: id.into(),
            aliases: Vec::new(),
            published,
            updated: None,
            anonymous_peers,
            sources: Vec::new(),
        }
    }

    fn edge(a: &str, b: &str, direction: EdgeDirection, status: LinkStatus) -> Edge {
        Edge {
            a: a.into(),
            b: b.into(),
            direction,
            status,
            reported_by: vec![a.into()],
        }
    }

    fn sample() -> Graph {
        Graph {
            nodes: vec![
                node("a.example", true, 3),
                node("b.example", true, 0),
                node("c.example", false, 0),
                node("d.example", true, 0),
                node("lonely.example", true, 0),
            ],
            edges: vec![
                edge(
                    "a.example",
                    "b.example",
                    EdgeDirection::Both,
                    LinkStatus::Mutual,
                ),
                edge(
                    "a.example",
                    "c.example",
                    EdgeDirection::AToB,
                    LinkStatus::Unconfirmed,
                ),
                edge(
                    "b.example",
                    "d.example",
                    EdgeDirection::BToA,
                    LinkStatus::OneSided,
                ),
            ],
            dropped: Dropped::default(),
        }
    }

    /// A graph shaped like a crawl: a few hubs, many leaves, some cross links.
    pub(crate) fn crawl(n: usize) -> Graph {
        let name = |i: usize| format!("d{i:04}.example");
        let mut nodes: Vec<Node> = (0..n)
            .map(|i| node(&name(i), i % 3 != 0, (i % 7) as u32))
            .collect();
        nodes.sort_by(|x, y| x.id.cmp(&y.id));
        let mut edges = Vec::new();
        let mut seed: u64 = 42;
        for i in 1..n {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let j = ((seed >> 33) as usize) % i.clamp(1, 40);
            let (a, b) = (name(j), name(i));
            let status = match seed % 5 {
                0 => LinkStatus::OneSided,
                1 => LinkStatus::Unconfirmed,
                _ => LinkStatus::Mutual,
            };
            edges.push(edge(&a, &b, EdgeDirection::Both, status));
        }
        edges.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        edges.dedup_by(|x, y| x.a == y.a && x.b == y.b);
        Graph {
            nodes,
            edges,
            dropped: Dropped::default(),
        }
    }

    #[test]
    fn draws_every_style() {
        let svg = render(&sample(), &SvgOptions::default());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(
            svg.contains("<title id=\"graph-title\">XMPP federation: 5 domains, 3 links</title>")
        );
        assert!(svg.contains("<polyline class=\"e mutual\""));
        assert!(svg.contains("marker-mid=\"url(#both)\"><title>a.example ↔ b.example (both ends; reported by a.example)</title>"));
        assert!(
            svg.contains(
                "<title>a.example → c.example (unconfirmed; reported by a.example)</title>"
            )
        );
        assert!(
            svg.contains("<title>b.example ← d.example (one-sided; reported by b.example)</title>")
        );
        assert!(svg.contains(">a.example <tspan class=\"anon\">+3 anon.</tspan></text>"));
        assert!(svg.contains(
            "<g class=\"n named-only\"><title>c.example\n1 link\nonly named by others</title>"
        ));
        assert!(svg.contains(">lonely.example</text>"));
        assert!(svg.contains("circle size grows"));
    }

    #[test]
    fn layout_is_deterministic_and_spread() {
        let g = crawl(300);
        let p = layout(&g);
        assert_eq!(p, layout(&g));
        // No two nodes on top of each other.
        let mut min = f64::MAX;
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                let d = ((p[i].x - p[j].x).powi(2) + (p[i].y - p[j].y).powi(2)).sqrt();
                min = min.min(d);
            }
        }
        assert!(min > 5.0, "closest pair {min}");
        assert!(p.iter().all(|q| q.x.is_finite() && q.y.is_finite()));
    }

    #[test]
    fn thousand_domains_label_only_the_busiest() {
        let g = crawl(1000);
        let svg = render(&g, &SvgOptions::default());
        assert_eq!(svg.matches("<circle cx=").count(), 1000);
        let domains = svg.split("<g id=\"domains\">").nth(1).unwrap();
        let labels = domains.matches("<text x=").count();
        assert!((100..=150).contains(&labels), "{labels}");
        if let Ok(path) = std::env::var("XEP_SVG_DUMP") {
            std::fs::write(path, &svg).unwrap();
        }
        assert!(svg.contains(&format!(
            "{labels} busiest domains labelled, {} more unlabelled",
            1000 - labels
        )));
        // The drawing stays of a size a browser shows.
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(width < 6000.0, "{width}");
    }

    #[test]
    fn hostile_names_are_escaped_and_empty_graph_draws() {
        let mut g = sample();
        g.nodes[0].id = "<script>x</script>\u{0}".into();
        let svg = render(&g, &SvgOptions::default());
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;\u{fffd}"));
        let empty = render(&Graph::default(), &SvgOptions::default());
        assert!(empty.contains("0 domains, 0 links"));
    }
}

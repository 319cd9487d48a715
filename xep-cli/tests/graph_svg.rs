//! `xep serverinfo graph --format svg` through the binary.

use std::process::{Command, Stdio};

#[test]
fn svg_of_the_sample_capture() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/serverinfo-items.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_xep"))
        .args(["serverinfo", "graph", "--format", "svg", sample])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    // The same capture as DOT names the same domains.
    let dot = Command::new(env!("CARGO_BIN_EXE_xep"))
        .args(["serverinfo", "graph", "--format", "dot", sample])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let dot = String::from_utf8(dot.stdout).unwrap();
    let nodes: Vec<&str> = dot
        .lines()
        .filter(|l| !l.contains(" -- ") && l.trim_start().starts_with('"'))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(!nodes.is_empty());
    for node in nodes {
        assert!(svg.contains(&format!("<title>{node}\n")), "{node} missing");
    }
    assert_eq!(
        svg.matches("<circle cx=").count(),
        svg.matches("<g class=\"n ").count() - 2
    );
}

//! `xep serverinfo graph`, tested through the binary.

mod common;
use common::{stderr, stdout, xep};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/serverinfo-items.xml")
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn edge<'a>(g: &'a Value, a: &str, b: &str) -> &'a Value {
    g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["a"] == a && e["b"] == b)
        .unwrap_or_else(|| panic!("no edge {a} -- {b} in {g}"))
}

#[test]
fn sample_capture_prints_dot() {
    let path = sample();
    let o = xep(&["serverinfo", "graph", path.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(
        stdout(&o),
        "graph serverinfo {\n  \
         \"ej.example\" [label=\"ej.example\\nej2.example\", anonymous_peers=1];\n  \
         \"of.example\" [anonymous_peers=1];\n  \
         \"pro.example\" [anonymous_peers=2];\n  \
         \"ej.example\" -- \"of.example\" [dir=forward, style=dashed];\n  \
         \"ej.example\" -- \"pro.example\" [dir=both];\n  \
         \"of.example\" -- \"pro.example\" [dir=both, style=dashed];\n}\n"
    );
}

#[test]
fn sample_capture_as_json_with_sources_and_stamps() {
    let path = sample();
    let o = xep(
        &[
            "serverinfo",
            "graph",
            "--format",
            "json",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let g = json(&o);
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    // ej.example and ej2.example publish on one service and list each other: siblings.
    assert_eq!(nodes[0]["id"], "ej.example");
    assert_eq!(nodes[0]["aliases"], serde_json::json!(["ej2.example"]));
    assert_eq!(nodes[0]["updated"], "2025-06-01T11:56:00Z");
    assert_eq!(nodes[1]["sources"][0]["service"], "pubsub.of.example");
    assert_eq!(
        nodes[1]["sources"][0]["item"],
        "5f0c8a7e-3c1b-4a7e-9a53-0d6f2b9d1c44"
    );
    assert_eq!(nodes[2]["sources"][0]["node"], "serverinfo/pro.example");
    // Prosody names ej.example with no connection, ejabberd sends incoming + outgoing.
    let e = edge(&g, "ej.example", "pro.example");
    assert_eq!(e["direction"], "both");
    assert_eq!(e["status"], "mutual");
    assert_eq!(
        e["reported_by"],
        serde_json::json!(["ej.example", "pro.example"])
    );
    assert_eq!(edge(&g, "ej.example", "of.example")["status"], "one_sided");
    assert_eq!(g["dropped"]["sibling_links"], 2);
    assert_eq!(g["dropped"]["stale"], 0);
}

#[test]
fn now_and_max_age_drop_stale_items() {
    let path = sample();
    let path = path.to_str().unwrap();
    // pro.example's item is from 11:50: stale after 14:50 with the default 3 hours.
    let o = xep(
        &[
            "serverinfo",
            "graph",
            "--format=json",
            "--now",
            "2025-06-01T14:52:00Z",
            path,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let g = json(&o);
    assert_eq!(g["dropped"]["stale"], 1);
    assert_eq!(
        edge(&g, "ej.example", "pro.example")["status"],
        "unconfirmed"
    );
    assert_eq!(
        edge(&g, "ej.example", "pro.example")["reported_by"],
        serde_json::json!(["ej.example"])
    );
    // A 200 s window at the newest stamp (11:58:30) keeps ej2 (11:56) and of (11:58:30).
    let o = xep(
        &[
            "serverinfo",
            "graph",
            "--format",
            "json",
            "--max-age",
            "200",
            path,
        ],
        b"",
    );
    let g = json(&o);
    assert_eq!(g["dropped"]["stale"], 2);
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["ej.example", "ej2.example", "of.example", "pro.example"]
    );
    // ej.example's own item is stale, so the sibling evidence is gone: ej2 stands alone.
    assert!(g["nodes"][0]["aliases"].as_array().unwrap().is_empty());
    assert_eq!(g["nodes"][0]["published"], false);
}

#[test]
fn bare_payload_on_stdin_without_stamp_is_fresh() {
    let o = xep(
        &["serverinfo", "graph", "--now", "2030-01-01T00:00:00Z"],
        b"<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation>\
          <remote-domain name='b\"q.example'><connection type='bidi'/></remote-domain>\
          </federation></domain></serverinfo>",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "graph serverinfo {\n  \"a.example\";\n  \"b\\\"q.example\" [style=dotted];\n  \
         \"a.example\" -- \"b\\\"q.example\" [dir=both, style=dotted];\n}\n"
    );
}

#[test]
fn several_files_fold_together_and_duplicates_count_once() {
    let path = sample();
    let path = path.to_str().unwrap();
    let once = xep(&["serverinfo", "graph", "--format", "json", path], b"");
    let twice = xep(
        &["serverinfo", "graph", "--format", "json", path, path],
        b"",
    );
    assert_eq!(stdout(&once), stdout(&twice));
}

#[test]
fn malformed_xml_exits_2_with_location_and_prints_nothing() {
    let path = sample();
    let o = xep(
        &["serverinfo", "graph", path.to_str().unwrap(), "-"],
        b"<message xmlns='jabber:client'>\n  <event></message>",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.starts_with("xep: -:2:"), "{err}");
}

#[test]
fn broken_payloads_are_reported_and_skipped() {
    let input = b"<message xmlns='jabber:client' from='pubsub.x.example'>\
        <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='serverinfo'><item id='current'>\
        <serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='x.example'><federation>\
        <remote-domain name='y.example'><connection type='bidi'><x/></connection></remote-domain>\
        </federation></domain></serverinfo></item></items></event>\
        <delay xmlns='urn:xmpp:delay' stamp='yesterday'/></message>\n\
        <serverinfo xmlns='urn:xmpp:serverinfo:0'><domain><federation/></domain></serverinfo>\n\
        <serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='ok.example'><federation/></domain></serverinfo>";
    let o = xep(&["serverinfo", "graph", "--format", "json"], input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("xep: -:1:1: /message: <delay/> stamp \"yesterday\""),
        "{err}"
    );
    assert_eq!(
        lines[1],
        "xep: -:1:1: /message/event/items/item/serverinfo: \
         /serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/connection[1]: \
         connection left out: Unknown child in Connection element.; the rest is used",
        "{err}"
    );
    assert!(
        lines[2].starts_with("xep: -:2:1: /serverinfo: no named <domain/>"),
        "{err}"
    );
    let g = json(&o);
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    // The item with a broken connection still counts, without that connection.
    assert!(
        ids.contains(&"ok.example") && ids.contains(&"x.example"),
        "{ids:?}"
    );
}

#[test]
fn command_line_errors_exit_2() {
    for args in [
        &["serverinfo", "graph", "--format", "png"][..],
        &["serverinfo", "graph", "--max-age", "-5"],
        &["serverinfo", "graph", "--now", "2025-06-01 12:00"],
        &["serverinfo", "graph", "--frobnicate"],
        &["serverinfo", "graph", "--now"],
    ] {
        let o = xep(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        // The error and one hint, not the whole usage.
        assert_eq!(stderr(&o).lines().count(), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("xep: "), "{args:?}");
        assert_eq!(stdout(&o), "");
    }
    let o = xep(&["serverinfo", "graph", "--help"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--max-age <SECS>"));
    let o = xep(&["serverinfo", "graph", "/nonexistent/x.xml"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("xep: /nonexistent/x.xml: "));
}

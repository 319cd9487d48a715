//! `xep status page`, and `--page` on `xep status new`, `update` and `end`, through the
//! binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn xep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xep"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn new_update_and_end_write_the_page_with_the_json() {
    let d = dir("status-page-new");
    let (json, page) = (d.join("status.json"), d.join("index.html"));
    let out = xep(&[
        "status",
        "new",
        "--beginning",
        "2026-11-22T10:00:00Z",
        "--expected-end",
        "2026-11-22T12:00:00Z",
        "--planned",
        "--message",
        "default=Upgrade <tonight>",
        "--message",
        "de=Aktualisierung",
        "--now",
        "2026-11-22T09:00:00Z",
        "-o",
        s(&json),
        "--page",
        s(&page),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Planned outage, not yet started"));
    assert!(html.contains("<p>Upgrade &lt;tonight&gt;</p>"));
    assert!(html.contains("<a href=\"status.json\" type=\"application/json\">"));
    assert!(html.contains("datetime=\"2026-11-22T12:00:00Z\""));

    let out = xep(&[
        "status",
        "update",
        s(&json),
        "--expected-end",
        "2026-11-22T13:00:00Z",
        "--now",
        "2026-11-22T11:00:00Z",
        "--page",
        s(&page),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Planned maintenance in progress"));
    assert!(html.contains("datetime=\"2026-11-22T13:00:00Z\""));

    let out = xep(&[
        "status",
        "end",
        "-o",
        s(&json),
        "--page",
        s(&page),
        "--now",
        "2026-11-22T12:30:00Z",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&json).unwrap().trim(), "{}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Resolved: the outage is over"));
    assert!(html.contains("datetime=\"2026-11-22T12:30:00Z\""));
}

#[test]
fn status_page_from_a_file_and_from_standard_input() {
    let d = dir("status-page-cmd");
    let json = d.join("status.json");
    std::fs::write(
        &json,
        r#"{"beginning":"2026-11-22T10:00:00Z","message":{"default":"x","fr":"y"}}"#,
    )
    .unwrap();
    let out = xep(&[
        "status",
        "page",
        "--now",
        "2026-11-22T11:00:00Z",
        "--title",
        "chat.example status",
        "--json-url",
        "https://chat.example/status.json",
        s(&json),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h1>chat.example status</h1>"));
    assert!(html.contains("href=\"https://chat.example/status.json\""));
    assert!(html.contains("Outage in progress"));

    let page = d.join("index.html");
    let out = xep(&[
        "status",
        "page",
        "-o",
        s(&page),
        "--now",
        "2026-11-22T11:00:00Z",
        s(&json),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("href=\"status.json\"")
    );

    // `null` reads as no outage, with a note.
    std::fs::write(&json, "null").unwrap();
    let out = xep(&["status", "page", s(&json)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No outage"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("note: `null` is read as no outage"));

    // Unusable: exit 2, one line naming the file.
    std::fs::write(&json, r#"{"beginning": 5}"#).unwrap();
    let out = xep(&["status", "page", s(&json)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("status.json: invalid status file"), "{err}");
}

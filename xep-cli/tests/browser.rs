//! The status page and the federation SVG in a real browser: headless Chromium from
//! Debian's packages, driven by `tests/browser/cdp.js` (Node.js, the DevTools protocol
//! over a pipe, no npm packages).
//!
//! Every test here is `#[ignore]`d so that `cargo test --workspace` passes on a machine
//! without Chromium; `.ci/run` installs Chromium when it is missing and runs them with
//! `cargo test -p xep-cli --test browser -- --ignored`. Run under `--ignored`, a missing
//! Chromium or Node.js is a failure, not a skip.
//!
//! Screenshots go to `CARGO_TARGET_TMPDIR/browser/`; with `XEP_SCREENSHOT_DIR=docs` they
//! also refresh the two shown in the README.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use xep_cli::page::{PageOptions, read_for_page, render};
use xep_serverinfo::graph::{Dropped, Edge, EdgeDirection, Graph, LinkStatus, Node};

/// What the browser rendered.
struct Rendered {
    text: String,
    html: String,
    title: String,
    scroll_width: u64,
    eval: Value,
}

struct Load<'a> {
    script: bool,
    lang: &'a str,
    tz: &'a str,
    width: u32,
    screenshot: Option<&'a Path>,
    eval: Option<&'a str>,
    /// The reader's clock.
    now: Option<&'a str>,
}

impl Default for Load<'_> {
    fn default() -> Self {
        Self {
            script: true,
            lang: "en-US",
            tz: "UTC",
            width: 1000,
            screenshot: None,
            eval: None,
            now: Some(READER_NOW),
        }
    }
}

fn dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load(file: &Path, how: &Load<'_>) -> Rendered {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/cdp.js");
    let mut cmd = Command::new("node");
    cmd.arg(&driver)
        .arg(format!("file://{}", file.display()))
        .args(["--lang", how.lang, "--tz", how.tz])
        .args(["--width", &how.width.to_string()]);
    if !how.script {
        cmd.arg("--no-script");
    }
    if let Some(shot) = how.screenshot {
        cmd.arg("--screenshot").arg(shot);
    }
    if let Some(now) = how.now {
        cmd.args(["--now", now]);
    }
    let eval_file;
    if let Some(expression) = how.eval {
        eval_file = dir().join(format!(
            "{}.eval.js",
            file.file_stem().unwrap().to_string_lossy()
        ));
        std::fs::write(&eval_file, expression).unwrap();
        cmd.arg("--eval").arg(&eval_file);
    }
    let output = cmd
        .output()
        .expect("node (Node.js) runs the browser driver; install it, and chromium");
    assert!(
        output.status.success(),
        "browser driver failed for {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    let exceptions = v["exceptions"].as_array().unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert!(
        exceptions.is_empty() && errors.is_empty(),
        "{}: exceptions {exceptions:?}, errors {errors:?}",
        file.display()
    );
    Rendered {
        text: v["text"].as_str().unwrap().to_owned(),
        html: v["html"].as_str().unwrap().to_owned(),
        title: v["title"].as_str().unwrap().to_owned(),
        scroll_width: v["scrollWidth"].as_u64().unwrap(),
        eval: v["eval"].clone(),
    }
}

/// The reader's clock in the browser (the page's `Date`), three hours after the pages
/// are made.
const READER_NOW: &str = "2026-11-22T12:00:00Z";

/// The time pages are made at.
fn made() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

fn write_page(name: &str, json: &str, options: &PageOptions) -> PathBuf {
    let (file, _) = read_for_page(json).unwrap();
    let path = dir().join(format!("{name}.html"));
    std::fs::write(&path, render(&file, options)).unwrap();
    path
}

const MULTILINGUAL: &str = r#"{
  "outage": "complete",
  "planned": true,
  "beginning": "2026-11-22T10:00:00Z",
  "expected_end": "2026-11-22T13:30:00Z",
  "message": {
    "default": "The server is being upgraded.",
    "de": "Der Server wird aktualisiert.",
    "fr": "Le serveur est en cours de mise à jour.",
    "<b>x</b>": "<img src=x onerror=alert(1)>"
  }
}"#;

fn screenshot(name: &str) -> PathBuf {
    dir().join(name)
}

fn publish_screenshot(from: &Path, name: &str) {
    if let Ok(target) = std::env::var("XEP_SCREENSHOT_DIR") {
        let target = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(target)
            .join(name);
        std::fs::copy(from, target).unwrap();
    }
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000);
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn page_in_german_swiss_preferences_with_local_times() {
    let path = write_page(
        "multilingual",
        MULTILINGUAL,
        &PageOptions::new(made(), "status.json"),
    );
    let shot = screenshot("status-page.png");
    let r = load(
        &path,
        &Load {
            lang: "de-CH",
            tz: "Europe/Zurich",
            width: 760,
            screenshot: Some(&shot),
            ..Load::default()
        },
    );
    assert_png(&shot);
    publish_screenshot(&shot, "status-page.png");
    // The state: made at 09:00Z as "not yet started", but the outage began at 10:00Z,
    // before the reader's clock (12:00Z), so the script says it is ongoing.
    assert!(
        r.text
            .contains("Planned maintenance in progress: the service is unavailable"),
        "{}",
        r.text
    );
    // The message chosen for de-CH is the German one, marked as German.
    assert!(r.html.contains(
        "<div id=\"message\" class=\"message\" lang=\"de\" data-key=\"de\"><p>Der Server wird aktualisiert.</p></div>"
    ));
    let main_message = r.text.split("Message from the operators").nth(1).unwrap();
    assert!(
        main_message
            .trim_start()
            .starts_with("Der Server wird aktualisiert.")
    );
    // Times in the reader's zone (UTC+1 in November) and language.
    assert!(r.text.contains("22. November 2026"), "{}", r.text);
    assert!(r.text.contains("11:00"), "{}", r.text);
    assert!(r.text.contains("14:30"), "{}", r.text);
    assert!(!r.text.contains("10:00 UTC"));
    // The UTC time stays in the markup.
    assert!(r.html.contains("datetime=\"2026-11-22T10:00:00Z\""));
    // The hostile key and text stayed text.
    assert!(!r.html.contains("<img"));
    assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(r.title.starts_with("Outage: "));
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn page_without_scripts_shows_the_default_message_and_utc() {
    let path = write_page(
        "multilingual-noscript",
        MULTILINGUAL,
        &PageOptions::new(made(), "status.json"),
    );
    let r = load(
        &path,
        &Load {
            script: false,
            lang: "de-CH",
            tz: "Europe/Zurich",
            ..Load::default()
        },
    );
    // Made at 09:00Z, before the beginning: without scripts the page says what it said
    // when it was made.
    assert!(
        r.text.contains("Planned outage, not yet started"),
        "{}",
        r.text
    );
    let main_message = r.text.split("Message from the operators").nth(1).unwrap();
    assert!(
        main_message
            .trim_start()
            .starts_with("The server is being upgraded.")
    );
    assert!(r.text.contains("Sunday 22 November 2026, 10:00 UTC"));
    assert!(r.text.contains("13:30 UTC"));
    // The other languages are one click away.
    assert!(r.text.contains("The message in every language (4)"));
    assert!(
        r.html
            .contains("<section class=\"other\" data-key=\"de\" lang=\"de\">")
    );
    assert!(r.text.contains("status.json"));
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn every_status_file_shape_renders() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // name, file, heading with scripts, heading without
        ("empty-object", "{}", "No outage", "No outage"),
        ("null", "null", "No outage", "No outage"),
        (
            "minimal",
            r#"{"beginning":"2026-11-22T08:00:00Z"}"#,
            "Outage in progress",
            "Outage in progress",
        ),
        (
            "multilingual",
            MULTILINGUAL,
            "Planned maintenance in progress",
            "Planned outage, not yet started",
        ),
        (
            "planned",
            r#"{"planned":true,"outage":"partial","beginning":"2026-11-22T08:00:00Z","expected_end":"2026-11-22T11:00:00Z"}"#,
            "Planned maintenance in progress: the service is partly unavailable",
            "Planned maintenance in progress: the service is partly unavailable",
        ),
        (
            "upcoming",
            r#"{"planned":true,"beginning":"2026-11-23T01:00:00Z","message":{"default":"Maintenance"}}"#,
            "Planned outage, not yet started",
            "Planned outage, not yet started",
        ),
        (
            "bad-expected-end",
            r#"{"beginning":"2026-11-22T08:00:00Z","expected_end":"tomorrow","message":{"fr":"Panne"}}"#,
            "Outage in progress",
            "Outage in progress",
        ),
    ];
    for (name, json, with, without) in cases {
        let path = write_page(name, json, &PageOptions::new(made(), "status.json"));
        for script in [true, false] {
            let r = load(
                &path,
                &Load {
                    script,
                    ..Load::default()
                },
            );
            let heading = if script { with } else { without };
            assert!(
                r.text.contains(heading),
                "{name} (scripts {script}): {}",
                r.text
            );
        }
    }
    // An expected end that is not a time reads "not known".
    let r = load(&dir().join("bad-expected-end.html"), &Load::default());
    assert!(r.text.contains("Not known"));
    assert!(r.text.contains("Panne"));
    // An expected end in the reader's past is flagged (the page was made before it).
    let r = load(&dir().join("planned.html"), &Load::default());
    assert!(r.text.contains("The expected end has passed"));
    let r = load(
        &dir().join("planned.html"),
        &Load {
            script: false,
            ..Load::default()
        },
    );
    assert!(!r.text.contains("The expected end has passed"));
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn resolved_page_and_phone_width() {
    let options = PageOptions {
        resolved_at: Some(made()),
        title: "chat.example.org status".into(),
        ..PageOptions::new(made(), "https://chat.example.org/status.json")
    };
    let path = write_page("resolved", "{}", &options);
    let r = load(&path, &Load::default());
    assert!(r.text.contains("Resolved: the outage is over"));
    assert!(r.text.contains("chat.example.org status"));
    let path = write_page(
        "phone",
        MULTILINGUAL,
        &PageOptions::new(made(), "status.json"),
    );
    let r = load(
        &path,
        &Load {
            width: 360,
            ..Load::default()
        },
    );
    assert!(
        r.scroll_width <= 360,
        "scrolls sideways: {}",
        r.scroll_width
    );
}

/// The page's script, in Chromium, picks the message the crates pick.
#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn page_script_agrees_with_the_crates_in_chromium() {
    use xep_sos::status::Messages;
    let ranges = [
        vec!["de-CH"],
        vec!["de-CH-1996", "en"],
        vec!["zh-Hant-x-a"],
        vec!["en-GB", "fr"],
        vec!["*"],
        vec![""],
        vec!["\u{feff}de"],
        vec!["K"],
        vec![],
    ];
    let keys = [
        vec!["default", "de", "fr-CA", "zh-Hant"],
        vec!["DE", "en"],
        vec!["fr", "zh"],
        vec!["default", "\u{212a}", "k"],
        vec![],
    ];
    let mut cases = Vec::new();
    for r in &ranges {
        for k in &keys {
            cases.push((r.clone(), k.clone()));
        }
    }
    let path = write_page("lookup", MULTILINGUAL, &PageOptions::new(made(), "s.json"));
    let expression = format!(
        "JSON.stringify({}.map(function (c) {{ return xepPick(c[0], c[1]); }}))",
        serde_json::to_string(&cases).unwrap()
    );
    let r = load(
        &path,
        &Load {
            eval: Some(&expression),
            ..Load::default()
        },
    );
    let js: Vec<Option<String>> = serde_json::from_str(r.eval.as_str().unwrap()).unwrap();
    for ((ranges, keys), js) in cases.iter().zip(js) {
        let messages: Messages = keys
            .iter()
            .map(|k| (k.to_string(), String::new()))
            .collect();
        let rust = messages.best_match_entry(ranges).map(|(k, _)| k.to_owned());
        assert_eq!(js, rust, "{ranges:?} {keys:?}");
    }
}

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

/// A small federation with every kind of link.
fn federation() -> Graph {
    let mut nodes = vec![
        node("chat.example.org", true, 12),
        node("jabber.example.net", true, 3),
        node("xmpp.example.com", true, 0),
        node("muc.example.org", true, 0),
        node("quiet.example", false, 0),
        node("legacy.example", false, 0),
        node("im.example.de", true, 5),
        node("talk.example.fr", true, 0),
    ];
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut edges = vec![
        edge(
            "chat.example.org",
            "jabber.example.net",
            EdgeDirection::Both,
            LinkStatus::Mutual,
        ),
        edge(
            "chat.example.org",
            "xmpp.example.com",
            EdgeDirection::AToB,
            LinkStatus::OneSided,
        ),
        edge(
            "chat.example.org",
            "quiet.example",
            EdgeDirection::AToB,
            LinkStatus::Unconfirmed,
        ),
        edge(
            "chat.example.org",
            "muc.example.org",
            EdgeDirection::Unknown,
            LinkStatus::Mutual,
        ),
        edge(
            "im.example.de",
            "jabber.example.net",
            EdgeDirection::Both,
            LinkStatus::Mutual,
        ),
        edge(
            "im.example.de",
            "talk.example.fr",
            EdgeDirection::BToA,
            LinkStatus::OneSided,
        ),
        edge(
            "jabber.example.net",
            "legacy.example",
            EdgeDirection::Unknown,
            LinkStatus::Unconfirmed,
        ),
        edge(
            "jabber.example.net",
            "talk.example.fr",
            EdgeDirection::Both,
            LinkStatus::Mutual,
        ),
        edge(
            "talk.example.fr",
            "xmpp.example.com",
            EdgeDirection::Both,
            LinkStatus::Mutual,
        ),
    ];
    edges.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    Graph {
        nodes,
        edges,
        dropped: Dropped::default(),
    }
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn federation_svg_renders_with_labels_and_counts() {
    let svg = xep_cli::svg::render(&federation(), &xep_cli::svg::SvgOptions::default());
    let path = dir().join("federation.svg");
    std::fs::write(&path, svg).unwrap();
    let shot = screenshot("federation.png");
    let expression = "JSON.stringify({\
        labels: Array.from(document.querySelectorAll('#domains text')).map(function (t) { return t.textContent; }),\
        circles: document.querySelectorAll('#domains circle').length,\
        links: document.querySelectorAll('#links polyline').length,\
        width: document.documentElement.getBBox().width,\
        dashed: getComputedStyle(document.querySelector('.e.one-sided')).strokeDasharray,\
        dotted: getComputedStyle(document.querySelector('.e.unconfirmed')).strokeDasharray\
    })";
    let r = load(
        &path,
        &Load {
            screenshot: Some(&shot),
            eval: Some(expression),
            ..Load::default()
        },
    );
    assert_png(&shot);
    publish_screenshot(&shot, "federation.png");
    assert!(r.title.starts_with("XMPP federation: 8 domains, 9 links"));
    let v: Value = serde_json::from_str(r.eval.as_str().unwrap()).unwrap();
    assert_eq!(v["circles"], 8);
    assert_eq!(v["links"], 9);
    assert!(v["width"].as_f64().unwrap() > 100.0);
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(labels.contains(&"chat.example.org +12 anon."), "{labels:?}");
    assert!(labels.contains(&"quiet.example"), "{labels:?}");
    assert_eq!(labels.len(), 8);
    assert_ne!(v["dashed"], v["dotted"]);
    assert_ne!(v["dashed"], "none");
}

#[test]
#[ignore = "needs Chromium and Node.js; .ci/run runs it"]
fn thousand_domain_svg_renders() {
    let n = 1000;
    let name = |i: usize| format!("d{i:04}.example");
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| node(&name(i), i % 4 != 0, (i % 5) as u32))
        .collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut edges = Vec::new();
    let mut seed: u64 = 7;
    for i in 1..n {
        for _ in 0..2 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let j = ((seed >> 33) as usize) % i.min(30);
            edges.push(edge(
                &name(j),
                &name(i),
                EdgeDirection::Both,
                LinkStatus::Mutual,
            ));
        }
    }
    edges.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    edges.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    let graph = Graph {
        nodes,
        edges,
        dropped: Dropped::default(),
    };
    let svg = xep_cli::svg::render(&graph, &xep_cli::svg::SvgOptions::default());
    let path = dir().join("federation-1000.svg");
    std::fs::write(&path, svg).unwrap();
    let shot = screenshot("federation-1000.png");
    let r = load(
        &path,
        &Load {
            screenshot: Some(&shot),
            eval: Some("document.querySelectorAll('#domains circle').length"),
            ..Load::default()
        },
    );
    assert_png(&shot);
    assert_eq!(r.eval, 1000);
}

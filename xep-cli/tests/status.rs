//! `xep status` and the Service Outage Status kinds of `xep inspect`, through the
//! binary.

mod common;
use common::{sample, stderr, stdout, xep};

use std::path::PathBuf;

use serde_json::Value;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xep-status-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn new_writes_a_valid_planned_file_and_validate_accepts_it() {
    let o = xep(
        &[
            "status",
            "new",
            "--planned",
            "--beginning",
            "2026-11-22T10:00:00Z",
            "--expected-end",
            "2026-11-22T12:00:00+01:00",
            "--message",
            "default=Maintenance",
            "--message",
            "de-ch=Wartung",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{\n  \"planned\": true,\n  \"beginning\": \"2026-11-22T10:00:00Z\",\n  \"expected_end\": \"2026-11-22T12:00:00+01:00\",\n  \"message\": {\n    \"default\": \"Maintenance\",\n    \"de-CH\": \"Wartung\"\n  }\n}\n"
    );
    let v = xep(
        &["status", "validate", "--now=2026-11-22T10:30:00Z", "-"],
        &o.stdout,
    );
    assert_eq!(v.status.code(), Some(0));
    assert_eq!(stdout(&v), "-: ok (v0.4)\n");
}

#[test]
fn new_seed_with_outage_scope_to_a_file() {
    let path = temp("seed.json");
    let o = xep(
        &[
            "status",
            "new",
            "--unplanned",
            "--outage",
            "partial",
            "--spec",
            "seed",
            "--beginning",
            "2026-11-22T10:00:00Z",
            "-o",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({"outage": "partial", "planned": false, "beginning": "2026-11-22T10:00:00Z"})
    );
    let v = xep(
        &[
            "status",
            "validate",
            "--spec",
            "seed",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[test]
fn new_refuses_what_would_make_a_bad_file() {
    for (args, expected) in [
        (
            vec!["--message", "default=x"],
            "the following required arguments were not provided: --beginning <TIME>",
        ),
        (
            vec!["--beginning", "2026-11-22 10:00"],
            "invalid value '2026-11-22 10:00' for '--beginning <TIME>': is not `now`, +DURATION (+2h, +30m) or RFC 3339 (2026-11-22T10:00:00Z)",
        ),
        (
            vec!["--beginning", "2026-11-22T10:00:00Z", "--message", "de=x"],
            "a message needs a default text",
        ),
        (
            vec![
                "--beginning",
                "2026-11-22T10:00:00Z",
                "--message",
                "en_US=x",
            ],
            "invalid value 'en_US=x' for '--message <LANG=TEXT>': \"en_US\" is not `default` or a BCP 47 language tag",
        ),
        (
            vec![
                "--beginning",
                "2026-11-22T10:00:00Z",
                "--outage",
                "complete",
            ],
            "--outage: the v0.4 status file has no outage field",
        ),
        (
            vec![
                "--beginning",
                "2026-11-22T10:00:00Z",
                "--outage",
                "total",
                "--spec",
                "seed",
            ],
            "invalid value 'total' for '--outage <SCOPE>'",
        ),
        (
            vec![
                "--beginning",
                "2026-11-22T10:00:00Z",
                "--expected-end",
                "2026-11-22T09:00:00Z",
            ],
            "--expected-end is before --beginning",
        ),
        (
            vec!["--beginning", "2026-11-22T10:00:00Z", "--spec", "v9"],
            "invalid value 'v9' for '--spec <VERSION>'",
        ),
    ] {
        let mut all = vec!["status", "new"];
        all.extend(args.iter().copied());
        let o = xep(&all, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stdout(&o).is_empty());
        assert!(
            stderr(&o).starts_with(&format!("xep: {expected}")),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn end_writes_an_empty_object() {
    let o = xep(&["status", "end"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "{}\n");
    let v = xep(&["status", "validate", "-"], &o.stdout);
    assert_eq!(stdout(&v), "-: ok (v0.4)\n");
}

#[test]
fn validate_reports_lines_fields_and_severities() {
    let text = "{\n  \"beginning\": \"2026-11-22T10:00:00Z\",\n  \"expected_end\": \"tonight\",\n  \"message\": {\"en\": \"Down\", \"en_US\": \"Down\"}\n}\n";
    let o = xep(&["status", "validate", "-"], text.as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            "-:3:19: invalid: /expected_end: not an RFC 3339 date-time: \"tonight\"",
            "-:4:14: invalid: /message: no \"default\" message (the spec says MUST)",
            "-:4:38: warning: /message/en_US: key \"en_US\" is not \"default\" or a BCP 47 language tag",
        ]
    );
    let bad = xep(
        &["status", "validate", "-"],
        b"{\"beginning\": \"2025-06-01 08:00\", \"planned\": \"yes\"}",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        stdout(&bad).lines().collect::<Vec<_>>(),
        [
            "-:1:15: error: /beginning: not an RFC 3339 date-time: \"2025-06-01 08:00\"",
            "-:1:46: error: /planned: expected a boolean, found a string",
        ]
    );
    let syntax = xep(&["status", "validate", "-"], b"{\n\"beginning\": }");
    assert_eq!(syntax.status.code(), Some(2));
    assert!(
        stdout(&syntax).starts_with("-:2:14: error: /: not well-formed JSON"),
        "{}",
        stdout(&syntax)
    );
}

#[test]
fn validate_warnings_exit_zero_or_one_under_strict() {
    let text =
        b"{\"beginning\": \"2026-11-22T10:00:00Z\", \"expected_end\": \"2026-11-22T11:00:00Z\"}";
    let now = ["status", "validate", "--now", "2026-11-22T12:00:00Z", "-"];
    let o = xep(&now, text);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "-:1:55: warning: /expected_end: expected_end has passed (now is 2026-11-22T12:00:00Z) (update it, or publish {} if the outage is over)\n"
    );
    let strict = xep(
        &[
            "status",
            "validate",
            "--strict",
            "--now",
            "2026-11-22T12:00:00Z",
            "-",
        ],
        text,
    );
    assert_eq!(strict.status.code(), Some(1));
    // Without --now, the file's own data: an end before the beginning.
    let own = xep(
        &["status", "validate", "--strict", "-"],
        b"{\"beginning\": \"2026-11-22T10:00:00Z\", \"expected_end\": \"2026-11-22T09:00:00Z\"}",
    );
    assert_eq!(own.status.code(), Some(1));
    assert!(stdout(&own).contains("warning: /expected_end: expected_end is before beginning"));
}

#[test]
fn validate_checks_discovery_addresses() {
    let input = b"<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses'><value>xmpp:status@example.org</value></field></x></query>";
    let o = xep(&["status", "validate", "--strict", "-"], input);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        [
            "-:1:1: warning: /x[1]/field[@var='external-status-addresses']: address \"xmpp:status@example.org\" is not http: or https: (the spec says SHOULD) [should]",
            "-:1:1: warning: no http: or https: address a client could fetch",
        ]
    );
    let none = xep(
        &["status", "validate", "-"],
        b"<query xmlns='http://jabber.org/protocol/disco#info'/>",
    );
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn schema_prints_the_version_asked_for() {
    let seed = xep(&["status", "schema", "--spec", "seed"], b"");
    assert_eq!(seed.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&seed.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(stdout(&seed).contains("\"partial\""));
    let current = xep(&["status", "schema"], b"");
    assert!(!stdout(&current).contains("\"partial\""));
    let help = xep(&["status", "validate", "--help"], b"");
    assert!(stdout(&help).contains("Exit status: 0 when the file is valid"));
    let wrong = xep(&["status", "frob"], b"");
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(
        stderr(&wrong),
        "xep: unrecognized subcommand 'frob'\n  see 'xep status --help'\n"
    );
}

#[test]
fn inspect_recognises_a_status_file_and_writes_it_back() {
    let o = xep(
        &["inspect", sample("sos-status.json").to_str().unwrap()],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(found["kind"], "sos-status");
    assert_eq!(found["no_outage"], false);
    assert_eq!(found["valid"], true);
    assert_eq!(
        found["status"]["message"]["de"],
        "Wartung der Datenbank: der Dienst ist bis 12 Uhr (UTC) nicht erreichbar."
    );
    let wire = xep(
        &[
            "inspect",
            "--emit",
            "wire",
            sample("sos-status.json").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        stdout(&wire),
        std::fs::read_to_string(sample("sos-status.json")).unwrap()
    );

    let empty = xep(&["inspect"], b"{}");
    let found: Value = serde_json::from_str(stdout(&empty).trim()).unwrap();
    assert_eq!(found["kind"], "sos-status");
    assert_eq!(found["no_outage"], true);

    // Lenient: a bad expected_end is a deviation, --strict fails on it.
    let bad = b"{\"beginning\": \"2026-11-22T10:00:00Z\", \"expected_end\": \"soon\"}";
    let strict = xep(&["inspect", "--strict"], bad);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        stderr(&strict),
        "xep: -: deviation: /: sos-status: line 1, column 55: /expected_end: not an RFC 3339 date-time: \"soon\"\n"
    );
    // Not readable at all: reported as the kind's error.
    let broken = xep(&["inspect"], b"{\"beginning\": 5}");
    let found: Value = serde_json::from_str(stdout(&broken).trim()).unwrap();
    assert_eq!(
        found["error"],
        "invalid status file: line 1, column 15: /beginning: expected a string, found a number"
    );
}

#[test]
fn inspect_recognises_in_band_items_and_the_discovery_form() {
    let o = xep(
        &["inspect", sample("sos-outage-events.xml").to_str().unwrap()],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["kind"], "sos-outage");
    assert_eq!(found[0]["path"], "/message/event/items/item/outage");
    assert_eq!(found[0]["version"], "v0.2");
    assert_eq!(
        found[0]["descriptions"]["de"],
        "Das IRC-Gateway ist ausgefallen"
    );
    assert_eq!(found[0]["expected_end"], "2026-11-22T11:30:00Z");
    assert_eq!(found[1]["kind"], "sos-outage-end");
    let input = std::fs::read(sample("sos-outage-events.xml")).unwrap();
    let wire = xep(&["inspect", "--emit", "wire"], &input);
    let again = xep(&["inspect"], &wire.stdout);
    assert_eq!(stdout(&again), stdout(&xep(&["inspect"], &input)));

    let disco = xep(
        &["inspect", sample("disco-info.xml").to_str().unwrap()],
        b"",
    );
    let found: Vec<Value> = stdout(&disco)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sos: Vec<&Value> = found
        .iter()
        .filter(|f| f["kind"] == "sos-discovery")
        .collect();
    assert_eq!(sos.len(), 1);
    assert_eq!(sos[0]["item"], 2);
    assert_eq!(
        sos[0]["fetchable"][0],
        "https://status.example.net/chat.example.com.json"
    );

    // P12: untyped field, FORM_TYPE not hidden, seed namespace.
    let seed = b"<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:xmpp:tmp:sos</value></field><field var='external-status-addresses'><value>http://secondary.shakespeare.lit/status.json</value></field></x>";
    let o = xep(&["inspect"], seed);
    let found: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(found["form_type"], "urn:xmpp:tmp:sos");
    assert_eq!(
        found["addresses"][0],
        "http://secondary.shakespeare.lit/status.json"
    );
    let wire = stdout(&xep(&["inspect", "--emit", "wire"], seed));
    assert!(wire.contains("<value>urn:xmpp:tmp:sos</value>"), "{wire}");
    assert!(
        wire.contains("type='list-multi'") || wire.contains("type=\"list-multi\""),
        "{wire}"
    );

    let broken = xep(
        &["inspect", "--strict"],
        b"<outage xmlns='urn:xmpp:sos:0'><beginning/></outage>",
    );
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains(
            "sos-outage: /outage[1]/beginning[1]: <beginning/> is not defined in this namespace; left out [dropped]"
        ),
        "{}",
        stderr(&broken)
    );
    // Without --strict the rest of the outage is read.
    let lenient = xep(
        &["inspect"],
        b"<outage xmlns='urn:xmpp:sos:0'><beginning/><planned>true</planned></outage>",
    );
    assert_eq!(lenient.status.code(), Some(0));
    let found: Value = serde_json::from_str(stdout(&lenient).trim()).unwrap();
    assert_eq!(found["planned"], true);
}

//! Writing status files under pressure, through the binary: `now` and relative times
//! against a fixed `--now`, timestamps every client reads, `update` that keeps what it
//! does not know, and writes that never leave a half-written file.

mod common;
use common::{names_in, stderr, stdout, temp_dir, xep};

use std::path::Path;
use std::process::Command;

const NOW: &str = "--now=2026-11-22T10:00:00Z";

fn ok(args: &[&str], stdin: &[u8]) -> String {
    let o = xep(args, stdin);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn now_and_relative_times_resolve_against_the_clock() {
    assert_eq!(
        ok(
            &[
                "status",
                "new",
                "--beginning",
                "now",
                "--expected-end",
                "+2h",
                NOW
            ],
            b""
        ),
        "{\n  \"beginning\": \"2026-11-22T10:00:00Z\",\n  \"expected_end\": \"2026-11-22T12:00:00Z\"\n}\n"
    );
    // It began a quarter of an hour ago; back in an hour and a half.
    let text = ok(
        &[
            "status",
            "new",
            "--beginning=-15m",
            "--expected-end=+1h30m",
            NOW,
        ],
        b"",
    );
    assert!(
        text.contains("\"beginning\": \"2026-11-22T09:45:00Z\""),
        "{text}"
    );
    assert!(
        text.contains("\"expected_end\": \"2026-11-22T11:30:00Z\""),
        "{text}"
    );
    // Maintenance announced for tomorrow.
    let text = ok(
        &[
            "status",
            "new",
            "--planned",
            "--beginning=+1d",
            "--expected-end=+1d2h",
            NOW,
        ],
        b"",
    );
    assert!(
        text.contains("\"beginning\": \"2026-11-23T10:00:00Z\""),
        "{text}"
    );
    // Without --now the machine's clock is used: the file says a time near it.
    let text = ok(&["status", "new", "--beginning", "now"], b"");
    let written: serde_json::Value = serde_json::from_str(&text).unwrap();
    let beginning =
        chrono::DateTime::parse_from_rfc3339(written["beginning"].as_str().unwrap()).unwrap();
    let clock = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    assert!(
        (clock - beginning.to_utc()).num_seconds().abs() < 120,
        "{text}"
    );
}

#[test]
fn written_timestamps_are_what_slixmpp_reads() {
    // The operator's digits are kept up to 6, never padded.
    for (given, written) in [
        ("2026-11-22T10:00:00.5Z", "2026-11-22T10:00:00.5Z"),
        (
            "2026-11-22T10:00:00.50+01:00",
            "2026-11-22T10:00:00.50+01:00",
        ),
        ("2026-11-22T10:00:00.123456Z", "2026-11-22T10:00:00.123456Z"),
        ("2026-11-22t10:00:00z", "2026-11-22T10:00:00Z"),
    ] {
        let text = ok(&["status", "new", "--beginning", given], b"");
        assert!(
            text.contains(&format!("\"beginning\": \"{written}\"")),
            "{given}: {text}"
        );
    }
    // Seven digits: cut to six, and said.
    let o = xep(
        &[
            "status",
            "new",
            "--beginning",
            "2026-11-22T10:00:00.1234567Z",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("\"beginning\": \"2026-11-22T10:00:00.123456Z\""));
    assert_eq!(
        stderr(&o),
        "xep: note: --beginning: fraction cut to 6 digits (2026-11-22T10:00:00.123456Z): Slixmpp reads no more\n"
    );
    // A leap second is refused: Slixmpp would drop the whole status.
    let o = xep(
        &["status", "new", "--beginning", "2016-12-31T23:59:60Z"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("leap second"), "{}", stderr(&o));
}

#[test]
fn validate_warns_about_timestamps_clients_cannot_read() {
    let file = "{\n  \"beginning\": \"2016-12-31T10:00:00.1234567Z\",\n  \"expected_end\": \"2016-12-31T23:59:60Z\"\n}\n";
    let args = ["status", "validate", "--now=2016-01-01T00:00:00Z", "-"];
    let o = xep(&args, file.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "-:2:16: warning: /beginning: Slixmpp cannot read 7 fraction digits (at most 6 are read) and drops the whole status; write 2016-12-31T10:00:00.123456Z\n\
         -:3:19: warning: /expected_end: Slixmpp cannot read a leap second (:60) and ignores the expected end; write 2016-12-31T23:59:59Z\n"
    );
    let o = xep(
        &[
            "status",
            "validate",
            "--strict",
            "--now=2016-01-01T00:00:00Z",
            "-",
        ],
        file.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn validate_checks_expected_end_against_the_clock_unless_now_is_given() {
    let file =
        b"{\"beginning\": \"2000-01-01T00:00:00Z\", \"expected_end\": \"2000-01-01T02:00:00Z\"}";
    let o = xep(&["status", "validate", "-"], file);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o)
            .starts_with("-:1:55: warning: /expected_end: expected_end has passed (now is 20"),
        "{}",
        stdout(&o)
    );
    let o = xep(
        &["status", "validate", "--now", "2000-01-01T01:00:00Z", "-"],
        file,
    );
    assert_eq!(stdout(&o), "-: ok (v0.4)\n");
}

#[test]
fn outage_refusal_says_which_version_clients_read() {
    let o = xep(
        &["status", "new", "--beginning", "now", "--outage", "partial"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "xep: --outage: the v0.4 status file has no outage field\n  clients read the v0.4 format (Slixmpp, the one known client, ignores `outage`); write the scope into --message, or pass --spec seed or --spec v0.2 for a file in those older formats\n"
    );
    let help = ok(&["status", "new", "--help"], b"");
    assert!(help.contains("clients (Slixmpp)"), "{help}");
    assert!(help.contains("read the"), "{help}");
}

const KEPT: &str = r#"{
  "beginning": "2026-11-22T10:00:00Z",
  "x-ticket": {
    "id": 4.777777777777777e+49,
    "escalated": true,
    "owners": ["ops", "noc"]
  },
  "message": {
    "default": "Database down",
    "de": "Datenbank ausgefallen"
  },
  "x-note": null
}
"#;

#[test]
fn update_changes_a_file_in_place_and_keeps_unknown_fields() {
    let dir = temp_dir("update");
    let path = dir.join("status.json");
    std::fs::write(&path, KEPT).unwrap();
    let p = path.to_str().unwrap();
    let o = xep(
        &[
            "status",
            "update",
            p,
            "--expected-end=+2h",
            "--message",
            "fr=Base de données en panne",
            "--unplanned",
            NOW,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "in place: nothing on standard output");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        r#"{
  "planned": false,
  "beginning": "2026-11-22T10:00:00Z",
  "expected_end": "2026-11-22T12:00:00Z",
  "x-ticket": {
    "id": 4.777777777777777e+49,
    "escalated": true,
    "owners": [
      "ops",
      "noc"
    ]
  },
  "message": {
    "default": "Database down",
    "de": "Datenbank ausgefallen",
    "fr": "Base de données en panne"
  },
  "x-note": null
}
"#
    );
    // The end is not known any more; German is dropped; the default text replaced.
    ok(
        &[
            "status",
            "update",
            p,
            "--no-expected-end",
            "--remove-message=DE",
            "--message=default=Database back, queues draining",
        ],
        b"",
    );
    let now: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(now.get("expected_end"), None);
    assert_eq!(
        now["message"],
        serde_json::json!({"default": "Database back, queues draining", "fr": "Base de données en panne"})
    );
    assert_eq!(now["x-ticket"]["owners"][1], "noc");
    // The result is still a valid file.
    let v = xep(&["status", "validate", p], b"");
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
    assert_eq!(names_in(&dir), ["status.json"], "no temporary file left");
}

#[test]
fn update_to_standard_output_or_another_file() {
    let text = ok(&["status", "update", "-", "--planned"], KEPT.as_bytes());
    assert!(
        text.starts_with("{\n  \"planned\": true,\n  \"beginning\""),
        "{text}"
    );
    let dir = temp_dir("update-o");
    let (from, to) = (dir.join("a.json"), dir.join("b.json"));
    std::fs::write(&from, KEPT).unwrap();
    ok(
        &[
            "status",
            "update",
            from.to_str().unwrap(),
            "--planned",
            "-o",
            to.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        std::fs::read_to_string(&from).unwrap(),
        KEPT,
        "the source is untouched"
    );
    assert!(
        std::fs::read_to_string(&to)
            .unwrap()
            .contains("\"x-ticket\"")
    );
}

#[test]
fn update_refuses_what_would_make_a_bad_file_and_changes_nothing() {
    let dir = temp_dir("update-refused");
    let path = dir.join("status.json");
    let p = path.to_str().unwrap();
    for (file, args, expected) in [
        (
            "{}\n",
            vec!["--planned"],
            "the file says there is no outage (no beginning)",
        ),
        (
            KEPT,
            vec!["--remove-message", "default"],
            "a message needs a default text",
        ),
        (
            KEPT,
            vec!["--expected-end", "2026-11-22T09:00:00Z"],
            "--expected-end is before --beginning",
        ),
        (
            KEPT,
            vec!["--outage", "complete"],
            "--outage: the v0.4 status file has no outage field",
        ),
        (
            "{\"beginning\": ",
            vec!["--planned"],
            "not well-formed JSON",
        ),
    ] {
        std::fs::write(&path, file).unwrap();
        let mut all = vec!["status", "update", p];
        all.extend(args.iter().copied());
        let o = xep(&all, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).lines().count() <= 2, "{args:?}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), file, "{args:?}");
    }
    // With an outage field, v0.2 rules apply by themselves.
    std::fs::write(
        &path,
        "{\"outage\": \"partial\", \"beginning\": \"2026-11-22T10:00:00Z\"}",
    )
    .unwrap();
    ok(&["status", "update", p, "--outage", "complete"], b"");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"outage\": \"complete\"")
    );
}

/// Runs `xep` where no file may grow past 0 bytes (a full disk, as far as the writer
/// can tell): the write of the temporary file fails.
fn xep_on_a_full_disk(args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_xep"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_failed_write_leaves_the_old_file_intact() {
    let dir = temp_dir("atomic");
    let path = dir.join("status.json");
    let p = path.to_str().unwrap();
    let old = "{\n  \"beginning\": \"2026-11-22T10:00:00Z\"\n}\n";
    for args in [
        vec![
            "status",
            "new",
            "--beginning",
            "now",
            "--message",
            "default=Down",
            "-o",
            p,
        ],
        vec!["status", "end", "-o", p],
        vec!["status", "update", p, "--planned"],
    ] {
        std::fs::write(&path, old).unwrap();
        let o = xep_on_a_full_disk(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("xep: {p}: cannot write: ")),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 2, "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), old, "{args:?}");
        assert_eq!(
            names_in(&dir),
            ["status.json"],
            "{args:?}: temporary file removed"
        );
    }
    // And when the disk has room, `end` replaces it.
    ok(&["status", "end", "-o", p], b"");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
}

#[cfg(unix)]
#[test]
fn a_replaced_file_keeps_its_permissions_and_a_new_one_is_readable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("modes");
    let path = dir.join("status.json");
    std::fs::write(&path, "{}").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(
        &[
            "status",
            "new",
            "--beginning",
            "now",
            "-o",
            path.to_str().unwrap(),
        ],
        b"",
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o640);
    let fresh = dir.join("fresh.json");
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_xep"))
        .args(["status", "end", "-o", fresh.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(mode(&fresh), 0o644, "a web server can read it");
}

#[cfg(unix)]
#[test]
fn a_linked_status_file_stays_a_link() {
    let dir = temp_dir("link");
    std::fs::create_dir(dir.join("real")).unwrap();
    let target = dir.join("real").join("current.json");
    std::fs::write(&target, KEPT).unwrap();
    let link = dir.join("status.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ok(
        &["status", "update", link.to_str().unwrap(), "--planned"],
        b"",
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("\"planned\": true")
    );
    ok(&["status", "end", "-o", link.to_str().unwrap()], b"");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}\n");
    assert_eq!(names_in(&dir.join("real")), ["current.json"]);
}

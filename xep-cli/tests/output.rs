//! Standard output that fails, through the binary: a full device is exit 2 and one
//! line; a reader that goes away is a quiet end; the inputs' status is never lost;
//! readable text for people, JSON Lines for pipes.

mod common;
use common::{json_lines, sample, stderr, stdout, xep, xep_to};

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

fn dev_full() -> Option<Stdio> {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipping: no /dev/full on this system");
        return None;
    }
    Some(Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    ))
}

#[test]
fn a_full_device_is_exit_2_and_one_line_for_every_command() {
    let disco = sample("disco-info.xml");
    let status = sample("sos-status.json");
    let items = sample("serverinfo-items.xml");
    for args in [
        vec!["inspect", disco.to_str().unwrap()],
        vec!["inspect", "--emit", "wire", disco.to_str().unwrap()],
        vec!["inspect", "--pretty", disco.to_str().unwrap()],
        vec!["serverinfo", "graph", items.to_str().unwrap()],
        vec!["status", "new", "--beginning", "now"],
        vec!["status", "end"],
        vec!["status", "schema"],
        vec![
            "status",
            "validate",
            "--now=2000-01-01T00:00:00Z",
            status.to_str().unwrap(),
        ],
        vec!["status", "update", status.to_str().unwrap(), "-o", "-"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["inspect", "--help"],
        vec!["--version"],
    ] {
        let Some(full) = dev_full() else { return };
        let o = xep_to(&args, full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("xep: cannot write to standard output: "),
            "{args:?}: {err}"
        );
        assert_eq!(err.matches("cannot write").count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn several_inputs_keep_every_status_when_output_fails() {
    let Some(full) = dev_full() else { return };
    let disco = sample("disco-info.xml");
    let o = xep_to(
        &[
            "inspect",
            disco.to_str().unwrap(),
            "/nonexistent/early.xml",
            disco.to_str().unwrap(),
            "/nonexistent/late.xml",
        ],
        full,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    // Every input was read, after the failed write too.
    assert!(err.contains("xep: /nonexistent/early.xml: "), "{err}");
    assert!(err.contains("xep: /nonexistent/late.xml: "), "{err}");
    assert!(
        err.contains("xep: cannot write to standard output: "),
        "{err}"
    );
}

/// Runs `xep` and closes its standard output after reading `keep` bytes.
fn xep_with_reader_gone(args: &[&str], keep: usize) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xep"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = vec![0; keep];
    let _ = out.read_exact(&mut first);
    drop(out);
    child.wait_with_output().unwrap()
}

#[test]
fn a_reader_that_goes_away_is_a_quiet_end() {
    // Enough output to fill any pipe buffer, so that xep writes after the reader left.
    let dir = common::temp_dir("pipe");
    let big = dir.join("many.xml");
    let one = "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation/></domain></serverinfo>\n";
    std::fs::write(&big, one.repeat(3_000)).unwrap();
    let big = big.to_str().unwrap();
    for args in [
        vec!["inspect", big],
        vec!["inspect", "--pretty", big],
        vec!["inspect", "--emit=wire", big],
        vec!["--help"],
        vec!["inspect", "--help"],
        vec!["man"],
    ] {
        let o = xep_with_reader_gone(&args, 1);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
    // The status the inputs earned is kept: a malformed input is still exit 2.
    let o = xep_with_reader_gone(&["inspect", big, "/nonexistent/x.xml"], 1);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("xep: /nonexistent/x.xml: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pretty_text_for_people_json_lines_for_pipes() {
    let disco = sample("disco-info.xml");
    let disco = disco.to_str().unwrap();
    // A pipe gets JSON Lines by default.
    assert_eq!(json_lines(&xep(&["inspect", disco], b"")).len(), 6);
    let o = xep(&["inspect", "--pretty", disco], b"");
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("{disco}: item 1 /iq/query: contact-addresses\n  addresses:\n    abuse: mailto:abuse@example.org\n    admin: xmpp:admin@example.org, mailto:admin@example.org\n  other fields: serverinfo-pubsub-node\n\n")),
        "{text}"
    );
    assert!(
        text.contains("  deviation: /x[2]: 2 forms share the FORM_TYPE"),
        "{text}"
    );
    assert!(serde_json::from_str::<serde_json::Value>(text.lines().next().unwrap()).is_err());
    let o = xep(&["inspect", "--pretty", "-"], b"<message/>");
    assert_eq!(stdout(&o), "-: no xep-* payload recognised\n");
}

//! `xep inspect` on User Status stanzas, through the binary: the seed's examples, the
//! real clients' cleared forms (INTEROP P18), `--strict` and `--emit wire`.

mod common;
use common::{json_lines, stderr, stdout, xep};

/// The seed's five XML blocks (data format, examples 1 to 4), one after the other.
fn seed_examples() -> Option<String> {
    let text = xep_testkit::shared_file("seeds", "002_bad7815c9a56a24d.txt")?;
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with('<') {
            inside = true;
        }
        if inside && line.trim().is_empty() {
            inside = false;
            out.push('\n');
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    Some(out)
}

#[test]
fn seed_examples_are_recognised_and_written_back() {
    let Some(input) = seed_examples() else {
        return;
    };
    let o = xep(&["inspect", "--strict", "-"], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    let summary: Vec<(u64, &str, &str)> = found
        .iter()
        .map(|f| {
            (
                f["item"].as_u64().unwrap(),
                f["state"].as_str().unwrap(),
                f["source"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "set", "-"),
            (2, "set", "publish"),
            (3, "set", "event"),
            (4, "cleared", "publish"),
            (5, "cleared", "event"),
        ]
    );
    assert_eq!(found[2]["publisher"], "juliet@capulet.lit");
    assert_eq!(found[2]["item_id"], "a475804a-0f9c-11dc-98a8-001143d5d5db");
    assert_eq!(found[2]["texts"]["default"], "Away!");
    // Written back and read again: the same findings.
    let wire = xep(&["inspect", "--emit", "wire", "-"], input.as_bytes());
    assert_eq!(wire.status.code(), Some(0));
    let again = xep(&["inspect", "-"], &wire.stdout);
    assert_eq!(stdout(&again), stdout(&o));
}

#[test]
fn strict_lists_deviations_and_notes_do_not_count() {
    let cleared = b"<status xmlns='http://jabber.org/protocol/status'><text></text></status>";
    let o = xep(&["inspect", "--strict", "-"], cleared);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad = b"<status xmlns='http://jabber.org/protocol/status'><text xml:lang='en'>a</text><text xml:lang='en'>b</text></status>";
    let o = xep(&["inspect", "--strict", "-"], bad);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "xep: -: deviation: item 1 /status: user-status: /status[1]/text[2]: a second en <text/>; the first one is kept [dropped]\n"
    );
    let wire = xep(&["inspect", "--emit", "wire", "-"], bad);
    assert_eq!(
        stdout(&wire),
        "<status xmlns='http://jabber.org/protocol/status'><text xml:lang='en'>a</text></status>\n"
    );
}

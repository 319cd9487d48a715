//! `xep inspect` as a command: read every input, print its findings as JSON Lines (for
//! pipes and programs) or as readable text (for people), and earn an exit status.

use std::io::Write;

use serde_json::Value;
use xep_core::reading::excerpt;
use xep_core::xml::Limits;

use crate::args::{Emit, InspectArgs};
use crate::input::read_input;
use crate::inspect::{Finding, Inspection, inspect, inspect_findings};
use crate::output::Out;
use crate::progress::Progress;
use crate::registry::Registry;

/// How findings are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// JSON Lines.
    Json,
    /// Readable text.
    Pretty,
    /// The input written back.
    Wire,
}

impl Show {
    /// What the options ask for; without `--emit` or `--pretty`, readable text when
    /// standard output is a terminal and JSON Lines otherwise.
    pub fn from_args(args: &InspectArgs, terminal: bool) -> Self {
        match (args.emit, args.pretty) {
            (_, true) => Self::Pretty,
            (Some(Emit::Json), _) => Self::Json,
            (Some(Emit::Wire), _) => Self::Wire,
            (None, false) if terminal => Self::Pretty,
            (None, false) => Self::Json,
        }
    }
}

/// Runs `xep inspect`; returns the exit status.
///
/// Every input is read even when standard output fails, so that the status says what
/// the inputs earned: 2 when any is malformed or unreadable (or output failed), else 1
/// when `--strict` saw deviations, else 0.
pub fn run(args: &InspectArgs, show: Show, stdout: &mut dyn Write, err: &mut dyn Write) -> u8 {
    run_with_progress(args, show, stdout, err, false)
}

/// [`run`], with a progress bar on the process's standard error when `progress` is
/// set and [`crate::progress`] finds it worth showing (a terminal, many or large
/// inputs). `err` must not hold the process's standard error locked: the bar draws on
/// it from its own thread.
pub fn run_with_progress(
    args: &InspectArgs,
    show: Show,
    stdout: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> u8 {
    let mut files: Vec<&str> = args.files.iter().map(String::as_str).collect();
    if files.is_empty() {
        files.push("-");
    }
    let bar = if progress {
        let names: Vec<String> = files.iter().map(|f| (*f).to_owned()).collect();
        Progress::for_inputs(&names, "inspecting")
    } else {
        Progress::hidden()
    };
    let limits = Limits::default();
    let registry = Registry::default();
    let several = files.len() > 1;
    let mut out = Out::new(std::io::BufWriter::new(stdout));
    let mut malformed = false;
    let mut deviations: Vec<String> = Vec::new();
    for name in &files {
        bar.start(name);
        let bytes = match read_input(name, limits.max_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                bar.suspend(|| writeln!(err, "xep: {name}: {e}")).ok();
                malformed = true;
                continue;
            }
        };
        // The input is written back only when it is what is printed.
        let read = if matches!(show, Show::Wire) {
            inspect
        } else {
            inspect_findings
        };
        let inspection = match read(&bytes, &registry, &limits) {
            Ok(inspection) => inspection,
            Err(e) => {
                bar.suspend(|| writeln!(err, "xep: {name}: {e}")).ok();
                malformed = true;
                continue;
            }
        };
        bar.done(bytes.len() as u64);
        // With a bar on screen, what is printed goes out now, while the bar is away.
        bar.suspend(|| {
            if out.is_open() {
                let label = several.then_some(*name);
                match show {
                    Show::Json => {
                        for f in &inspection.findings {
                            let _ = f.write_json(label, &mut out);
                            let _ = writeln!(out);
                        }
                    }
                    Show::Wire => {
                        let _ = out.write_all(inspection.wire.as_bytes());
                    }
                    Show::Pretty => {
                        let _ = out.write_all(pretty(&inspection, name).as_bytes());
                    }
                }
            }
            if bar.is_shown() {
                let _ = out.flush();
            }
        });
        for d in inspection.deviations() {
            if args.strict {
                bar.suspend(|| {
                    writeln!(err, "xep: {name}: deviation: {}", cut(&d.to_string(), 1000))
                })
                .ok();
            }
            deviations.push(if several {
                format!("{name}: {d}")
            } else {
                d.to_string()
            });
        }
    }
    bar.finish();
    let status = if malformed {
        2
    } else if !deviations.is_empty() && args.strict {
        1
    } else {
        if let Some(first) = deviations.first() {
            let _ = writeln!(err, "{}", deviation_note(deviations.len(), first));
        }
        0
    };
    out.finish().exit_status(status, err)
}

/// The one line said about deviations without `--strict`: how many, and what the first
/// one is, so that a note is not mistaken for a fault.
pub fn deviation_note(count: usize, first: &str) -> String {
    let first = cut(first, 300);
    if count == 1 {
        format!("xep: note: 1 spec deviation, read leniently: {first} (--strict for details)")
    } else {
        format!(
            "xep: note: {count} spec deviations, read leniently; the first: {first} (--strict lists them)"
        )
    }
}

/// `text` cut on a character boundary to `max` characters, with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// The findings of one input as readable text.
pub fn pretty(inspection: &Inspection, name: &str) -> String {
    let mut text = String::new();
    if inspection.findings.is_empty() {
        text.push_str(&format!("{name}: no xep-* payload recognised\n"));
    }
    for finding in &inspection.findings {
        pretty_finding(&mut text, finding, name);
    }
    text
}

fn pretty_finding(text: &mut String, finding: &Finding, name: &str) {
    let at = if finding.item > 0 {
        format!("item {} {}", finding.item, finding.path)
    } else {
        finding.path.clone()
    };
    text.push_str(&format!("{name}: {at}: {}\n", finding.kind));
    for (key, value) in finding.fields.to_map().iter().filter(|(_, v)| !is_empty(v)) {
        pretty_value(text, 1, key, value);
    }
    for d in &finding.deviations {
        text.push_str(&format!("  deviation: {}\n", cut(d, 300)));
    }
    text.push('\n');
}

/// Nothing to tell a person: null, `[]`, `{}`, or an object of those.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_empty),
        _ => false,
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("-".to_owned()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.is_empty() => Some("\"\"".to_owned()),
        Value::String(s) if s.chars().count() > 120 => Some(excerpt(s)),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.is_empty() => Some("-".to_owned()),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Array(_) | Value::Object(_) => None,
                other => scalar(other),
            })
            .collect::<Option<Vec<_>>>()
            .map(|all| all.join(", ")),
        Value::Object(map) if map.values().all(is_empty) => Some("-".to_owned()),
        Value::Object(_) => None,
    }
}

fn pretty_value(text: &mut String, depth: usize, key: &str, value: &Value) {
    let indent = "  ".repeat(depth);
    let key = key.replace('_', " ");
    if let Some(line) = scalar(value) {
        text.push_str(&format!("{indent}{key}: {line}\n"));
        return;
    }
    text.push_str(&format!("{indent}{key}:\n"));
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter().filter(|(_, v)| !is_empty(v)) {
                pretty_value(text, depth + 1, k, v);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pretty_value(text, depth + 1, &format!("{}", i + 1), item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_text_nests_and_joins() {
        let capture = b"<iq type='result' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'>\
          <x xmlns='jabber:x:data' type='result'>\
            <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
            <field var='admin-addresses'><value>xmpp:admin@example.org</value><value>mailto:a@example.org</value></field>\
          </x></query></iq>";
        let inspection = inspect(capture, &Registry::default(), &Limits::default()).unwrap();
        let text = pretty(&inspection, "-");
        assert!(
            text.starts_with(
                "-: item 1 /iq/query: contact-addresses\n  addresses:\n    admin: xmpp:admin@example.org, mailto:a@example.org\n\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn people_get_text_and_pipes_get_json_lines() {
        use clap::Parser;
        let show = |args: &[&str], terminal: bool| {
            let cli = crate::args::Cli::try_parse_from(args).unwrap();
            let crate::args::Command::Inspect(args) = cli.command else {
                unreachable!()
            };
            Show::from_args(&args, terminal)
        };
        assert_eq!(show(&["xep", "inspect"], true), Show::Pretty);
        assert_eq!(show(&["xep", "inspect"], false), Show::Json);
        assert_eq!(show(&["xep", "inspect", "--emit=json"], true), Show::Json);
        assert_eq!(show(&["xep", "inspect", "--pretty"], false), Show::Pretty);
        assert_eq!(
            show(&["xep", "inspect", "--emit", "wire"], true),
            Show::Wire
        );
    }

    #[test]
    fn the_note_says_what_the_deviation_is() {
        assert_eq!(
            deviation_note(1, "item 2 /iq/query: x: two forms"),
            "xep: note: 1 spec deviation, read leniently: item 2 /iq/query: x: two forms (--strict for details)"
        );
        let long = "é".repeat(500);
        assert!(deviation_note(3, &long).chars().count() < 400);
    }
}

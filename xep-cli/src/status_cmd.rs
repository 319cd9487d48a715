//! `xep status`: write, end, validate and describe XEP-0455 status files.
//!
//! The command an operator runs during an outage, so every mistake it can catch is
//! caught before the file is published: bad timestamps, a message without a default
//! text, a language tag that is not BCP 47, an `outage` scope in a version that has
//! none.

use std::io::{self, Write};

use xep_core::lang::Lang;
use xep_core::reading::Severity;
use xep_core::xml::{Limits, parse_items};
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::status::{Messages, OutageScope, Status};
use xep_sos::{StatusFile, Timestamp, Version};
use xmpp_parsers::data_forms::DataForm;

/// The usage text of `xep status`.
pub const USAGE: &str = "\
usage: xep status new --beginning TIME [--expected-end TIME] [--planned|--unplanned]
                      [--outage partial|complete] [--message LANG=TEXT]...
                      [--spec seed|v0.2|v0.4] [-o FILE]
       xep status end [-o FILE]
       xep status validate [--spec seed|v0.2|v0.4] [--now TIME] [--strict] [FILE|-]
       xep status schema [--spec seed|v0.2|v0.4]

new       writes a status file describing an outage. TIME is RFC 3339
          (2026-11-22T10:00:00Z, offsets and fractions allowed); a beginning in the
          future announces a planned outage that has not started. --message takes
          `default=TEXT` (required when any message is given) or a BCP 47 tag
          (`de=TEXT`, `pt-BR=TEXT`) and may be repeated. --outage exists in the seed
          and v0.2 only. --spec defaults to v0.4.
end       writes `{}`, the file that says the outage is over.
validate  checks a status file (or, for input starting with `<`, the
          external-status-addresses disco forms in a stanza) and prints one line per
          finding: FILE:LINE:COLUMN: SEVERITY: PATH: MESSAGE [CODE].
          `error`: the file cannot be used at all (not JSON, not an object, no
          readable beginning). `dropped`: a member clients cannot read and leave out
          (a bad expected_end). `must`: the spec or its schema is not followed, but
          clients still read it (a message without default, `null`, a byte order
          mark). `should`: a SHOULD is not followed (a key repeated, a message key
          that is not a language tag, an end before the beginning, an expected end
          already past at --now, an address that is not http(s)). `note`: allowed,
          worth knowing.
schema    prints the JSON Schema of the status file (--spec seed for the one with
          the `outage` field).

Exit status: 0 when the file is valid (should-level findings allowed), 1 when --strict
saw should-level findings, 2 for errors, dropped or must-level findings, unreadable
input or a wrong command line. `xep inspect --strict` fails on the same files.";

/// Runs `xep status ARGS...`; returns the exit status.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = match args.first().map(String::as_str) {
        Some("new") => new(&args[1..], out),
        Some("end") => end(&args[1..], out),
        Some("validate") => validate(&args[1..], out),
        Some("schema") => schema(&args[1..], out),
        Some("-h" | "--help") => {
            let _ = writeln!(out, "{USAGE}");
            Ok(0)
        }
        Some(other) => Err(Usage(format!("unknown status command {other:?}"))),
        None => Err(Usage("no status command given".into())),
    };
    match result {
        Ok(code) => code,
        Err(Usage(message)) => {
            let _ = writeln!(err, "xep: {message}\n\n{USAGE}");
            2
        }
    }
}

/// A command-line or input problem, reported with the usage text.
struct Usage(String);

fn value<'a>(args: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a str, Usage> {
    args.next()
        .map(String::as_str)
        .ok_or_else(|| Usage(format!("{flag} needs a value")))
}

fn timestamp(text: &str, flag: &str) -> Result<Timestamp, Usage> {
    Timestamp::parse(text).map_err(|_| {
        Usage(format!(
            "{flag}: {text:?} is not an RFC 3339 date-time (like 2026-11-22T10:00:00Z)"
        ))
    })
}

fn spec(text: &str) -> Result<Version, Usage> {
    text.parse()
        .map_err(|e: xep_sos::Error| Usage(e.to_string()))
}

fn write_output(path: Option<&str>, text: &str, out: &mut dyn Write) -> Result<u8, Usage> {
    match path {
        None | Some("-") => {
            let _ = out.write_all(text.as_bytes());
            Ok(0)
        }
        Some(path) => std::fs::write(path, text)
            .map(|()| 0)
            .map_err(|e| Usage(format!("{path}: {e}"))),
    }
}

fn new(args: &[String], out: &mut dyn Write) -> Result<u8, Usage> {
    let mut version = Version::V0_4;
    let mut beginning = None;
    let mut expected_end = None;
    let mut planned = None;
    let mut outage = None;
    let mut message = Messages::new();
    let mut output = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => version = spec(value(&mut args, "--spec")?)?,
            "--beginning" => beginning = Some(timestamp(value(&mut args, arg)?, arg)?),
            "--expected-end" => expected_end = Some(timestamp(value(&mut args, arg)?, arg)?),
            "--planned" => planned = Some(true),
            "--unplanned" => planned = Some(false),
            "--outage" => {
                let v = value(&mut args, arg)?;
                outage = Some(v.parse::<OutageScope>().map_err(|()| {
                    Usage(format!("--outage takes partial or complete, not {v:?}"))
                })?);
            }
            "--message" => {
                let v = value(&mut args, arg)?;
                let (key, text) = v
                    .split_once('=')
                    .ok_or_else(|| Usage(format!("--message takes LANG=TEXT, not {v:?}")))?;
                let key = if key == "default" {
                    key.to_owned()
                } else {
                    Lang::parse(key)
                        .map_err(|_| {
                            Usage(format!(
                                "--message: {key:?} is not `default` or a BCP 47 language tag"
                            ))
                        })?
                        .to_string()
                };
                if message.insert(key.clone(), text).is_some() {
                    return Err(Usage(format!("--message {key} given twice")));
                }
            }
            "-o" | "--output" => output = Some(value(&mut args, arg)?),
            other => return Err(Usage(format!("unknown option {other:?} for status new"))),
        }
    }
    let beginning = beginning.ok_or_else(|| Usage("status new needs --beginning TIME".into()))?;
    if outage.is_some() && !version.has_outage_field() {
        return Err(Usage(format!(
            "--outage: the {version} status file has no outage field (use --spec seed or v0.2)"
        )));
    }
    if !message.is_empty() && message.default_text().is_none() {
        return Err(Usage(
            "a message needs a default text: add --message default=TEXT (\"The 'message' field, when set, MUST contain at least a message on the 'default' key\")".into(),
        ));
    }
    if let Some(end) = expected_end {
        if end < beginning {
            return Err(Usage("--expected-end is before --beginning".into()));
        }
    }
    let file = StatusFile::Outage(Status {
        outage,
        planned,
        expected_end,
        message: (!message.is_empty()).then_some(message),
        ..Status::new(beginning)
    });
    let text = file.to_json_pretty();
    // What is written is what the strict reading accepts.
    debug_assert_eq!(
        StatusFile::read_strict(&text, version).ok().as_ref(),
        Some(&file)
    );
    write_output(output, &text, out)
}

fn end(args: &[String], out: &mut dyn Write) -> Result<u8, Usage> {
    let mut output = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-o" | "--output" => output = Some(value(&mut args, arg)?),
            other => return Err(Usage(format!("unknown option {other:?} for status end"))),
        }
    }
    write_output(output, &StatusFile::NoOutage.to_json_pretty(), out)
}

fn schema(args: &[String], out: &mut dyn Write) -> Result<u8, Usage> {
    let mut version = Version::V0_4;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => version = spec(value(&mut args, arg)?)?,
            other => return Err(Usage(format!("unknown option {other:?} for status schema"))),
        }
    }
    let _ = out.write_all(xep_sos::schema::schema_text(version).as_bytes());
    Ok(0)
}

fn read_input(name: &str) -> io::Result<String> {
    let bytes = crate::input::read_input(name, Limits::default().max_bytes)?;
    String::from_utf8(bytes).map_err(|_| io::Error::other("input is not UTF-8"))
}

fn validate(args: &[String], out: &mut dyn Write) -> Result<u8, Usage> {
    let mut version = Version::V0_4;
    let mut now = None;
    let mut strict = false;
    let mut file = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => version = spec(value(&mut args, arg)?)?,
            "--now" => now = Some(timestamp(value(&mut args, arg)?, arg)?),
            "--strict" => strict = true,
            "-" => file = Some("-"),
            s if s.starts_with('-') => {
                return Err(Usage(format!("unknown option {s:?} for status validate")));
            }
            s => {
                if file.replace(s).is_some() {
                    return Err(Usage("status validate takes one file".into()));
                }
            }
        }
    }
    let name = file.unwrap_or("-");
    let text = match read_input(name) {
        Ok(text) => text,
        Err(e) => {
            let _ = writeln!(out, "{name}: error: {e}");
            return Ok(2);
        }
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let findings = if body.trim_start().starts_with('<') {
        validate_disco(&text)
    } else {
        validate_status(&text, version, now)
    };
    let mut worst = None;
    for (severity, line) in &findings {
        worst = worst.max(Some(*severity));
        let _ = writeln!(out, "{name}:{line}");
    }
    Ok(match worst {
        None => {
            let _ = writeln!(out, "{name}: ok ({version})");
            0
        }
        Some(Level::Note) => 0,
        Some(Level::Should) if strict => 1,
        Some(Level::Should) => 0,
        Some(_) => 2,
    })
}

/// How bad a finding of `validate` is: a deviation's severity, or an error that makes
/// the input unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Note,
    Should,
    Must,
    Dropped,
    Error,
}

impl Level {
    fn of(severity: Severity) -> Self {
        match severity {
            Severity::Note => Self::Note,
            Severity::Should => Self::Should,
            Severity::Must => Self::Must,
            _ => Self::Dropped,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Should => "should",
            Self::Must => "must",
            Self::Dropped => "dropped",
            Self::Error => "error",
        }
    }
}

/// One line per deviation, without the file name:
/// `LINE:COLUMN: severity: PATH: message [code]`.
fn validate_status(text: &str, version: Version, now: Option<Timestamp>) -> Vec<(Level, String)> {
    let found: Vec<(Level, xep_core::reading::Deviation)> = match StatusFile::read(text, version) {
        Ok(reading) => {
            let mut all: Vec<_> = reading
                .deviations
                .iter()
                .map(|d| (Level::of(d.severity), d.clone()))
                .collect();
            if let Some(now) = now {
                for d in reading.value.check_at(now) {
                    let position = xep_sos::status::position(text, &d.path);
                    all.push((Level::of(d.severity), d.at(position)));
                }
            }
            all
        }
        Err(e) => e
            .deviations()
            .iter()
            .enumerate()
            // The first is why the file cannot be used.
            .map(|(i, d)| {
                let level = if i == 0 {
                    Level::Error
                } else {
                    Level::of(d.severity)
                };
                (level, d.clone())
            })
            .collect(),
    };
    found
        .into_iter()
        .map(|(level, d)| {
            let at = d
                .position
                .map_or_else(|| "1:1".to_owned(), |p| format!("{}:{}", p.line, p.column));
            let mut line = format!("{at}: {}: {}: {}", level.name(), d.path, d.message);
            if d.code == "end-passed" {
                line.push_str(" (update it, or publish {} if the outage is over)");
            }
            line.push_str(&format!(" [{}]", d.code));
            (level, line)
        })
        .collect()
}

/// Checks the `external-status-addresses` forms of every element in a capture.
fn validate_disco(text: &str) -> Vec<(Level, String)> {
    let items = match parse_items(text.as_bytes(), &Limits::default()) {
        Ok(items) => items,
        Err(e) => {
            return vec![(
                Level::Error,
                format!("{}:{}: error: /: {}", e.line, e.column, e.message),
            )];
        }
    };
    let mut out = Vec::new();
    let mut any = false;
    for item in &items {
        let mut forms = Vec::new();
        collect_forms(&item.element, &mut forms);
        let reading = ExternalStatusAddresses::read(&forms);
        let Some(value) = reading.value else {
            continue;
        };
        any = true;
        let at = format!("{}:{}", item.line, item.column);
        for d in reading
            .deviations
            .iter()
            // The same finding as `xep inspect`'s, so that both --strict agree.
            .chain(&crate::sos::no_fetchable_address(&value.addresses))
        {
            let level = Level::of(d.severity);
            out.push((
                level,
                format!(
                    "{at}: {}: {}: {} [{}]",
                    level.name(),
                    d.path,
                    d.message,
                    d.code
                ),
            ));
        }
    }
    if !any {
        out.push((
            Level::Error,
            "1:1: error: /: no external-status-addresses form (FORM_TYPE urn:xmpp:sos:0 or urn:xmpp:tmp:sos) found".to_owned(),
        ));
    }
    out
}

fn collect_forms(element: &minidom::Element, out: &mut Vec<DataForm>) {
    if element.is("x", xep_core::ns::DATA_FORMS) {
        if let Ok(form) = DataForm::try_from(element.clone()) {
            out.push(form);
        }
        return;
    }
    for child in element.children() {
        collect_forms(child, out);
    }
}

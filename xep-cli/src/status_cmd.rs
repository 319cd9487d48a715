//! `xep status`: write, end, validate and describe XEP-0455 status files.
//!
//! The command an operator runs during an outage, so every mistake it can catch is
//! caught before the file is published: bad timestamps, a message without a default
//! text, a language tag that is not BCP 47, an `outage` scope in a version that has
//! none.

use std::io::{self, Write};

use xep_core::lang::Lang;
use xep_core::xml::{Limits, parse_items};
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::status::{DiagnosticKind, Messages, OutageScope, Severity, Status};
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
          finding: FILE:LINE:COLUMN: error|invalid|warning: PATH: MESSAGE.
          `invalid` is what the published schema rejects but clients still read
          (a bad expected_end, a message without default); warnings are advice (a
          message key that is not a language tag, an end before the beginning, an
          expected end already past at --now, an address that is not http(s)).
schema    prints the JSON Schema of the status file (--spec seed for the one with
          the `outage` field).

Exit status: 0 when the file is valid (warnings allowed), 1 when --strict saw
warnings, 2 for errors or invalid files, unreadable input or a wrong command line.";

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
    debug_assert_eq!(StatusFile::parse(&text, version).as_ref(), Ok(&file));
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
    let findings = if text.trim_start().starts_with('<') {
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
        Some(Severity::Warning) if strict => 1,
        Some(Severity::Warning) => 0,
        Some(_) => 2,
    })
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Invalid => "invalid",
        Severity::Warning => "warning",
    }
}

/// One line per diagnostic, without the file name: `LINE:COLUMN: severity: PATH: message`.
fn validate_status(
    text: &str,
    version: Version,
    now: Option<Timestamp>,
) -> Vec<(Severity, String)> {
    let diagnostics = match StatusFile::parse_lenient(text, version) {
        Ok(l) => {
            let mut all = l.diagnostics.clone();
            if let Some(now) = now {
                all.extend(l.check_at(now));
            }
            all
        }
        Err(e) => e.diagnostics,
    };
    diagnostics
        .iter()
        .map(|d| {
            let at = d
                .position
                .map_or_else(|| "1:1".to_owned(), |p| format!("{}:{}", p.line, p.column));
            let path = if d.path.is_empty() {
                "/"
            } else {
                d.path.as_str()
            };
            let mut line = format!("{at}: {}: {path}: {}", severity_name(d.severity), d.kind);
            if matches!(d.kind, DiagnosticKind::EndPassed { .. }) {
                line.push_str(" (update it, or publish {} if the outage is over)");
            }
            (d.severity, line)
        })
        .collect()
}

/// Checks the `external-status-addresses` forms of every element in a capture.
fn validate_disco(text: &str) -> Vec<(Severity, String)> {
    let items = match parse_items(text.as_bytes(), &Limits::default()) {
        Ok(items) => items,
        Err(e) => {
            return vec![(
                Severity::Error,
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
        for d in &reading.deviations {
            let severity = if d.severity >= xep_core::Severity::Must {
                Severity::Invalid
            } else {
                Severity::Warning
            };
            out.push((
                severity,
                format!("{at}: {}: {}", severity_name(severity), d),
            ));
        }
        if value.fetchable().next().is_none() {
            out.push((
                Severity::Warning,
                format!("{at}: warning: no http: or https: address a client could fetch"),
            ));
        }
    }
    if !any {
        out.push((
            Severity::Error,
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

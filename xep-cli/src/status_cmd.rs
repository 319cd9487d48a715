//! `xep status`: write, end, validate and describe XEP-0455 status files.
//!
//! The command an operator runs during an outage, so every mistake it can catch is
//! caught before the file is published: bad timestamps, a message without a default
//! text, a language tag that is not BCP 47, an `outage` scope in a version that has
//! none.

use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use serde_json::{Map, Value};
use xep_core::xml::{Limits, parse_items};
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::status::{DiagnosticKind, Messages, OutageScope, Severity, Status};
use xep_sos::{StatusFile, Timestamp, Version};
use xmpp_parsers::data_forms::DataForm;

use crate::args::{NewArgs, Outage, StatusCommand, TimeArg, UpdateArgs, ValidateArgs};
use crate::output::{Out, write_atomically};

/// Runs `xep status ...`; `clock` is the machine's current time, which `--now`
/// replaces. Returns the exit status.
pub fn run(
    command: StatusCommand,
    clock: DateTime<Utc>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut out = Out::new(out);
    let result = match command {
        StatusCommand::New(args) => new(args, clock, &mut out, err),
        StatusCommand::Update(args) => update(args, clock, &mut out, err),
        StatusCommand::End(args) => write_output(
            args.output.as_deref(),
            &StatusFile::NoOutage.to_json_pretty(),
            &mut out,
        ),
        StatusCommand::Validate(args) => validate(&args, clock, &mut out),
        StatusCommand::Schema(args) => {
            let _ = out.write_all(xep_sos::schema::schema_text(args.spec.into()).as_bytes());
            Ok(0)
        }
    };
    let status = match result {
        Ok(status) => status,
        Err(refused) => {
            let _ = writeln!(err, "xep: {}", refused.message);
            if let Some(hint) = refused.hint {
                let _ = writeln!(err, "  {hint}");
            }
            2
        }
    };
    out.finish().exit_status(status, err)
}

/// Why nothing was written: one line, and at most one line of advice.
#[derive(Debug)]
struct Refused {
    message: String,
    hint: Option<String>,
}

impl Refused {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// What the `--outage` refusal says, in the error and (shorter) in `--help`.
const OUTAGE_HINT: &str = "clients read the v0.4 format (Slixmpp, the one known client, ignores `outage`); write the scope into --message, or pass --spec seed or --spec v0.2 for a file in those older formats";

fn check_outage(outage: Option<Outage>, version: Version) -> Result<(), Refused> {
    if outage.is_some() && !version.has_outage_field() {
        return Err(Refused::new(format!(
            "--outage: the {version} status file has no outage field"
        ))
        .hint(OUTAGE_HINT));
    }
    Ok(())
}

/// A time as written into a file: RFC 3339 with `digits` fraction digits (at most 6,
/// which every client reads) and `Z` for UTC.
pub fn format_time(at: DateTime<FixedOffset>, digits: usize) -> String {
    let digits = digits.min(6);
    let mut text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    if digits > 0 {
        // `digits` is at most 6, so the power fits; a leap second never gets here.
        let scale = 10u32.pow(9 - digits as u32);
        let fraction = at.nanosecond().min(999_999_999) / scale;
        text.push_str(&format!(".{fraction:0digits$}"));
    }
    if at.offset().local_minus_utc() == 0 {
        text.push('Z');
    } else {
        text.push_str(&at.format("%:z").to_string());
    }
    text
}

/// Resolves a time option against the clock, saying on `err` when fraction digits
/// were cut.
fn resolve(
    time: TimeArg,
    flag: &str,
    now: DateTime<Utc>,
    err: &mut dyn Write,
) -> Result<(Timestamp, String), Refused> {
    let (at, digits, cut) = time
        .resolve(now)
        .map_err(|e| Refused::new(format!("{flag}: the time {e}")))?;
    let text = format_time(at, digits);
    if cut {
        let _ = writeln!(
            err,
            "xep: note: {flag}: fraction cut to 6 digits ({text}): Slixmpp reads no more"
        );
    }
    let stamp = Timestamp::parse(&text)
        .map_err(|e| Refused::new(format!("{flag}: cannot write the time: {e}")))?;
    Ok((stamp, text))
}

fn write_output(
    path: Option<&str>,
    text: &str,
    out: &mut Out<&mut dyn Write>,
) -> Result<u8, Refused> {
    match path {
        None | Some("-") => {
            let _ = out.write_all(text.as_bytes());
            Ok(0)
        }
        Some(path) => write_atomically(Path::new(path), text)
            .map(|()| 0)
            .map_err(|e| {
                Refused::new(format!("{path}: cannot write: {e}"))
                    .hint("nothing was changed: the file is as it was")
            }),
    }
}

fn check_messages(message: &Messages) -> Result<(), Refused> {
    if !message.is_empty() && message.default_text().is_none() {
        return Err(Refused::new(
            "a message needs a default text (\"The 'message' field, when set, MUST contain at least a message on the 'default' key\")",
        )
        .hint("add --message default=TEXT"));
    }
    Ok(())
}

fn check_order(beginning: Timestamp, end: Option<Timestamp>) -> Result<(), Refused> {
    if end.is_some_and(|end| end < beginning) {
        return Err(Refused::new("--expected-end is before --beginning")
            .hint("relative times (+2h) count from now, not from --beginning"));
    }
    Ok(())
}

/// The status file as text, with the timestamps spelled as given.
fn status_text(status: &Status, spelled: &[(&str, &str)]) -> String {
    let mut value =
        serde_json::to_value(StatusFile::Outage(status.clone())).expect("a status file serialises");
    if let Value::Object(map) = &mut value {
        for (key, text) in spelled {
            if let Some(slot) = map.get_mut(*key) {
                *slot = Value::String((*text).to_owned());
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    text.push('\n');
    text
}

fn new(
    args: NewArgs,
    clock: DateTime<Utc>,
    out: &mut Out<&mut dyn Write>,
    err: &mut dyn Write,
) -> Result<u8, Refused> {
    let version: Version = args.spec.into();
    let now = args.now.now.unwrap_or(clock);
    check_outage(args.outage, version)?;
    let (beginning, beginning_text) = resolve(args.beginning, "--beginning", now, err)?;
    let expected_end = match args.expected_end {
        Some(t) => Some(resolve(t, "--expected-end", now, err)?),
        None => None,
    };
    let mut message = Messages::new();
    for m in args.message {
        if message.insert(m.key.clone(), m.text).is_some() {
            return Err(Refused::new(format!("--message {} given twice", m.key)));
        }
    }
    check_messages(&message)?;
    check_order(beginning, expected_end.as_ref().map(|e| e.0))?;
    let status = Status {
        outage: args.outage.map(Into::into),
        planned: args.planned.value(),
        expected_end: expected_end.as_ref().map(|e| e.0),
        message: (!message.is_empty()).then_some(message),
        ..Status::new(beginning)
    };
    let mut spelled = vec![("beginning", beginning_text.as_str())];
    if let Some((_, text)) = &expected_end {
        spelled.push(("expected_end", text));
    }
    let text = status_text(&status, &spelled);
    // What is written is what the strict reading accepts.
    debug_assert_eq!(
        StatusFile::parse(&text, version),
        Ok(StatusFile::Outage(status))
    );
    write_output(args.output.as_deref(), &text, out)
}

/// The status file's members in the order the spec lists them.
const ORDER: [&str; 5] = ["outage", "planned", "beginning", "expected_end", "message"];

/// Sets a member; a new one goes where the spec's order puts it among the members the
/// file has (after `beginning` for `expected_end`), everything else stays in place.
fn set(map: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some(slot) = map.get_mut(key) {
        *slot = value;
        return;
    }
    let rank = ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len());
    let before = |k: &String| ORDER.iter().position(|o| o == k).is_some_and(|r| r < rank);
    let first_known = map.keys().position(|k| ORDER.contains(&k.as_str()));
    let index = match map.keys().rposition(before) {
        Some(i) => i + 1,
        None => first_known.unwrap_or(map.len()),
    };
    map.shift_insert(index, key.to_owned(), value);
}

fn update(
    args: UpdateArgs,
    clock: DateTime<Utc>,
    out: &mut Out<&mut dyn Write>,
    err: &mut dyn Write,
) -> Result<u8, Refused> {
    let name = args.file.as_str();
    let text = read_input(name).map_err(|e| Refused::new(format!("{name}: {e}")))?;
    let mut value: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .map_err(|e| {
            Refused::new(format!(
                "{name}:{}:{}: not well-formed JSON",
                e.line(),
                e.column()
            ))
            .hint("nothing was changed; `xep status validate FILE` says more")
        })?;
    let Value::Object(map) = &mut value else {
        return Err(Refused::new(format!("{name}: not a JSON object")));
    };
    let version: Version = match args.spec {
        Some(spec) => spec.into(),
        None if map.contains_key("outage") => Version::V0_2,
        None => Version::V0_4,
    };
    check_outage(args.outage, version)?;
    let now = args.now.now.unwrap_or(clock);
    if let Some(t) = args.beginning {
        set(
            map,
            "beginning",
            resolve(t, "--beginning", now, err)?.1.into(),
        );
    }
    if !map.contains_key("beginning") {
        return Err(Refused::new(format!(
            "{name}: the file says there is no outage (no beginning)"
        ))
        .hint("start one with `xep status new`, or give --beginning"));
    }
    if let Some(t) = args.expected_end {
        let (_, text) = resolve(t, "--expected-end", now, err)?;
        set(map, "expected_end", text.into());
    }
    if args.no_expected_end {
        map.shift_remove("expected_end");
    }
    if let Some(planned) = args.planned.value() {
        set(map, "planned", planned.into());
    }
    if let Some(outage) = args.outage {
        let scope: OutageScope = outage.into();
        set(map, "outage", scope.as_str().into());
    }
    if !args.message.is_empty() || !args.remove_message.is_empty() {
        let mut messages = match map.get("message") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => {
                return Err(Refused::new(format!(
                    "{name}: its message is not a JSON object, so it cannot be changed"
                )));
            }
        };
        for lang in &args.remove_message {
            let key = messages
                .keys()
                .find(|k| k.eq_ignore_ascii_case(lang))
                .cloned()
                .ok_or_else(|| {
                    Refused::new(format!("--remove-message: {name} has no {lang:?} message"))
                })?;
            messages.shift_remove(&key);
        }
        for m in args.message {
            // Language tags compare without case: replace `de-ch` with `de-CH`.
            if let Some(old) = messages
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&m.key))
                .cloned()
            {
                messages.shift_remove(&old);
            }
            messages.insert(m.key, m.text.into());
        }
        if messages.is_empty() {
            map.shift_remove("message");
        } else {
            set(map, "message", Value::Object(messages));
        }
    }
    let mut updated = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    updated.push('\n');
    // The same rules as `new` for what the result says.
    let lenient = StatusFile::parse_lenient(&updated, version).map_err(|e| {
        Refused::new(format!("the updated file would be unreadable: {e}"))
            .hint("nothing was changed")
    })?;
    if let Some(status) = lenient.file.outage() {
        if let Some(message) = &status.message {
            check_messages(message)?;
        }
        check_order(status.beginning, status.expected_end)?;
    }
    for d in lenient
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Invalid)
    {
        let _ = writeln!(err, "xep: note: {name}: kept as it was: {d}");
    }
    for (_, line) in client_readability(&updated) {
        let _ = writeln!(err, "xep: note: {name}:{line}");
    }
    let output = args.output.as_deref().unwrap_or(name);
    write_output(Some(output), &updated, out)
}

fn read_input(name: &str) -> io::Result<String> {
    let bytes = crate::input::read_input(name, Limits::default().max_bytes)?;
    String::from_utf8(bytes).map_err(|_| io::Error::other("input is not UTF-8"))
}

fn validate(
    args: &ValidateArgs,
    clock: DateTime<Utc>,
    out: &mut Out<&mut dyn Write>,
) -> Result<u8, Refused> {
    let version: Version = args.spec.into();
    let now = Timestamp::from_utc(args.now.now.unwrap_or(clock));
    let name = args.file.as_str();
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
        // A hostile value quoted in a message must not make a 15 MB line.
        match line.char_indices().nth(1000) {
            None => {
                let _ = writeln!(out, "{name}:{line}");
            }
            Some((at, _)) => {
                let rest = line[at..].chars().count();
                let _ = writeln!(out, "{name}:{}… ({rest} more characters)", &line[..at]);
            }
        }
    }
    Ok(match worst {
        None => {
            let _ = writeln!(out, "{name}: ok ({version})");
            0
        }
        Some(Severity::Warning) if args.strict => 1,
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
fn validate_status(text: &str, version: Version, now: Timestamp) -> Vec<(Severity, String)> {
    let (diagnostics, readable) = match StatusFile::parse_lenient(text, version) {
        Ok(l) => {
            let mut all = l.diagnostics.clone();
            all.extend(l.check_at(now));
            (all, client_readability(text))
        }
        Err(e) => (e.diagnostics, Vec::new()),
    };
    let mut lines: Vec<(Severity, String)> = diagnostics
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
        .collect();
    lines.extend(readable);
    // In the order of the file: "LINE:COLUMN: ...".
    lines.sort_by_key(|(_, line)| {
        let mut at = line
            .split(':')
            .take(2)
            .map(|n| n.parse::<usize>().unwrap_or(usize::MAX));
        (at.next(), at.next())
    });
    lines
}

/// Warnings about timestamps that the published schema accepts but a real client
/// cannot read: Slixmpp takes at most 6 fraction digits and no leap second, and drops
/// the whole status when `beginning` is such a time (only `expected_end` otherwise).
fn client_readability(text: &str) -> Vec<(Severity, String)> {
    let Ok(Value::Object(map)) =
        serde_json::from_str::<Value>(text.strip_prefix('\u{feff}').unwrap_or(text))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, consequence) in [
        ("beginning", "drops the whole status"),
        ("expected_end", "ignores the expected end"),
    ] {
        let Some(Value::String(value)) = map.get(key) else {
            continue;
        };
        let Ok(stamp) = Timestamp::parse(value) else {
            continue;
        };
        let digits = value
            .split_once('.')
            .map_or(0, |(_, f)| f.bytes().take_while(u8::is_ascii_digit).count());
        let problem = if stamp.as_datetime().nanosecond() >= 1_000_000_000 {
            "a leap second (:60)".to_owned()
        } else if digits > 6 {
            format!("{digits} fraction digits (at most 6 are read)")
        } else {
            continue;
        };
        let at = position_of(text, value).unwrap_or((1, 1));
        out.push((
            Severity::Warning,
            format!(
                "{}:{}: warning: /{key}: Slixmpp cannot read {problem} and {consequence}; write {}",
                at.0,
                at.1,
                format_time(stamp.as_datetime(), digits.min(6)).replace(":60", ":59")
            ),
        ));
    }
    out
}

/// The 1-based line and column (in characters) of the JSON string `value` in `text`.
fn position_of(text: &str, value: &str) -> Option<(usize, usize)> {
    let quoted = serde_json::to_string(value).ok()?;
    let offset = text.find(&quoted)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Some((line, column))
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

//! The JSON status file an operator publishes outside XMPP (seed 0.0.1, XEP-0455 v0.2
//! and v0.4).
//!
//! ```json
//! {
//!   "outage": "complete",
//!   "planned": true,
//!   "beginning": "2021-01-12T01:01:01Z",
//!   "expected_end": "2021-01-12T05:00:00Z",
//!   "message": { "default": "Mise à jour du serveur", "en": "The server is being updated" }
//! }
//! ```
//!
//! `{}` means "no outage": "When the outage is over, the file SHOULD be replaced with an
//! empty JSON object" (v0.2, v0.4).
//!
//! Two readings:
//!
//! * [`StatusFile::parse`] is **strict**: it accepts exactly what the published JSON
//!   Schema of the chosen [`Version`] accepts (with format checking on), plus `{}`.
//! * [`StatusFile::parse_lenient`] keeps a status that real clients keep (INTEROP P13):
//!   a bad `expected_end` is dropped, a `message` without `default` is kept, an unknown
//!   `outage` value is dropped; each with a [`Diagnostic`]. Wrong JSON types elsewhere,
//!   a missing or bad `beginning`, and text that is not a JSON object are refused.
//!
//! Every diagnostic names the JSON Pointer of the member and, when read from text, the
//! line and column of its value.

use alloc::borrow::Cow;
use core::fmt;
use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::Version;
use crate::locate::{Locations, Position, locate, pointer_token};
use crate::timestamp::Timestamp;

/// The `outage` field of the seed and v0.2 status file: how much of the service is down.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OutageScope {
    /// `partial`: some of the service is unavailable.
    Partial,
    /// `complete`: the whole service is unavailable.
    Complete,
}

impl OutageScope {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partial => "partial",
            Self::Complete => "complete",
        }
    }
}

impl fmt::Display for OutageScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for OutageScope {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "partial" => Ok(Self::Partial),
            "complete" => Ok(Self::Complete),
            _ => Err(()),
        }
    }
}

/// The `message` object: a `default` text and texts keyed by BCP 47 language tags, in
/// the order they were given.
///
/// Keys are kept as written, even when they are not well-formed language tags (the
/// published schema accepts any key); lookup uses RFC 4647 "Lookup" on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messages {
    /// The `default` text.
    default: Option<String>,
    /// The other keys with their texts, in the order first given.
    tagged: Vec<(String, String)>,
    /// Key -> its index in `tagged`, so that reading n keys costs O(n log n), not
    /// O(n²) (a B-tree rather than a hash map: `Status`, which holds this, stays small).
    index: BTreeMap<String, usize>,
}

/// The key of the default message.
pub const DEFAULT_KEY: &str = "default";

impl Messages {
    /// No message at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map holding only the default message.
    pub fn with_default(text: impl Into<String>) -> Self {
        let mut m = Self::new();
        m.insert(DEFAULT_KEY, text);
        m
    }

    /// Sets the text for a key (`default` or a language tag), returning the one it
    /// replaces. `default` is kept first, the other keys in the order first given.
    pub fn insert(&mut self, key: impl Into<String>, text: impl Into<String>) -> Option<String> {
        let (key, text) = (key.into(), text.into());
        if key == DEFAULT_KEY {
            return self.default.replace(text);
        }
        match self.index.get(&key) {
            Some(&i) => Some(core::mem::replace(&mut self.tagged[i].1, text)),
            None => {
                self.index.insert(key.clone(), self.tagged.len());
                self.tagged.push((key, text));
                None
            }
        }
    }

    /// The text for exactly this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        if key == DEFAULT_KEY {
            return self.default.as_deref();
        }
        self.index.get(key).map(|&i| self.tagged[i].1.as_str())
    }

    /// The `default` text.
    pub fn default_text(&self) -> Option<&str> {
        self.get(DEFAULT_KEY)
    }

    /// Every `(key, text)` in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let default = self.default.as_deref().map(|t| (DEFAULT_KEY, t));
        default
            .into_iter()
            .chain(self.tagged.iter().map(|(k, t)| (k.as_str(), t.as_str())))
    }

    /// Number of texts, `default` included.
    pub fn len(&self) -> usize {
        self.tagged.len() + usize::from(self.default.is_some())
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best text for a user whose language preferences are `ranges` (most
    /// preferred first): RFC 4647 Lookup over the language keys for each range in turn,
    /// then `default` ("used by the client if the current user language is not found"),
    /// then the first text, so that a user is shown something when there is anything.
    ///
    /// ```
    /// # use xep_sos::status::Messages;
    /// let mut m = Messages::with_default("Mise à jour du serveur");
    /// m.insert("en", "The server is being updated");
    /// assert_eq!(m.best_match(&["en-GB", "fr"]), Some("The server is being updated"));
    /// assert_eq!(m.best_match(&["de"]), Some("Mise à jour du serveur"));
    /// ```
    pub fn best_match(&self, ranges: &[&str]) -> Option<&str> {
        self.best_match_entry(ranges).map(|(_, text)| text)
    }

    /// Like [`best_match`](Self::best_match), also giving the key chosen.
    pub fn best_match_entry(&self, ranges: &[&str]) -> Option<(&str, &str)> {
        let tagged = || self.tagged.iter().map(|(k, _)| k.as_str());
        for range in ranges {
            if let Some(i) = xep_core::lang::lookup(range, tagged()) {
                let (key, text) = &self.tagged[i];
                return Some((key.as_str(), text.as_str()));
            }
        }
        self.default_text()
            .map(|t| (DEFAULT_KEY, t))
            .or_else(|| self.iter().next())
    }
}

impl FromIterator<(String, String)> for Messages {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        let mut m = Self::new();
        for (k, t) in iter {
            m.insert(k, t);
        }
        m
    }
}

impl serde::Serialize for Messages {
    /// `default` first, then the other keys in the order given.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, t) in self.iter() {
            map.serialize_entry(k, t)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Messages {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        map.into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                other => Err(serde::de::Error::custom(format!(
                    "message {k:?}: expected a string, found {}",
                    json_type(&other)
                ))),
            })
            .collect()
    }
}

impl schemars::JsonSchema for Messages {
    fn schema_name() -> Cow<'static, str> {
        "Messages".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "Textual message to service users, each key being 'default' or a BCP47 language tag.",
            "required": [DEFAULT_KEY],
            "properties": { DEFAULT_KEY: { "type": "string" } },
            "additionalProperties": { "type": "string" }
        })
    }
}

/// An outage described by a status file.
#[derive(Debug, Clone, PartialEq, schemars::JsonSchema)]
#[schemars(
    title = "XMPP Server Outage Format",
    description = "The status of an XMPP service during an outage (XEP-0455)."
)]
pub struct Status {
    /// The outage status (partial or complete). Seed and v0.2 only; under v0.4 a valid
    /// value is still read, and anything else is an unknown field.
    #[schemars(
        with = "OutageScope",
        description = "The outage status (partial or complete)."
    )]
    #[serde(default)]
    pub outage: Option<OutageScope>,
    /// If the outage was planned or not.
    #[schemars(with = "bool", description = "If the outage was planned or not.")]
    #[serde(default)]
    pub planned: Option<bool>,
    /// Approximate time of the start of the outage. A time in the future is a planned
    /// outage that has not started yet.
    #[schemars(description = "Approximate time of the start of the outage.")]
    pub beginning: Timestamp,
    /// Estimated time of the end of the outage (if known).
    #[schemars(
        with = "Timestamp",
        description = "Estimated time of the end of the outage (if known)."
    )]
    #[serde(default)]
    pub expected_end: Option<Timestamp>,
    /// Textual message to service users.
    #[schemars(with = "Messages", description = "Textual message to service users.")]
    #[serde(default)]
    pub message: Option<Messages>,
    /// Fields this crate does not know, kept and written back ("A client MUST ignore
    /// unknown extra fields present in the JSON file, to allow extensibility, and
    /// implementations MAY add other fields.").
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The names of the fields [`Status`] types; never written from [`Status::extra`].
const KNOWN: [&str; 5] = ["outage", "planned", "beginning", "expected_end", "message"];

impl Status {
    /// An outage beginning at `beginning`, with nothing else said.
    pub fn new(beginning: Timestamp) -> Self {
        Self {
            outage: None,
            planned: None,
            beginning,
            expected_end: None,
            message: None,
            extra: Map::new(),
        }
    }

    /// Whether the outage has not started at `now` ("A client fetching an outage event
    /// for a time in the future SHOULD treat it as a planned event that is not already
    /// happening").
    pub fn is_upcoming(&self, now: Timestamp) -> bool {
        self.beginning > now
    }

    /// The best message for these language preferences.
    pub fn message_for(&self, ranges: &[&str]) -> Option<&str> {
        self.message.as_ref()?.best_match(ranges)
    }
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(outage) = self.outage {
            map.serialize_entry("outage", &outage)?;
        }
        if let Some(planned) = self.planned {
            map.serialize_entry("planned", &planned)?;
        }
        map.serialize_entry("beginning", &self.beginning)?;
        if let Some(end) = &self.expected_end {
            map.serialize_entry("expected_end", end)?;
        }
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        for (k, v) in &self.extra {
            // A typed field wins over an extra one of the same name. `outage` is the
            // exception when untyped: under v0.4 it is an extension field like any
            // other, and an unknown value of it is kept there.
            let typed = match k.as_str() {
                "outage" => self.outage.is_some(),
                other => KNOWN.contains(&other),
            };
            if !typed {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// A whole status file: either "no outage" (`{}`) or an outage.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusFile {
    /// `{}`: there is no outage (any more).
    NoOutage,
    /// An outage, upcoming or ongoing.
    Outage(Status),
}

impl serde::Serialize for StatusFile {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::NoOutage => serializer.serialize_map(Some(0))?.end(),
            Self::Outage(status) => status.serialize(serializer),
        }
    }
}

impl<'de> serde::Deserialize<'de> for StatusFile {
    /// The strict reading under v0.4 rules (which accept every file the seed and v0.2
    /// schemas accept).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value, Version::V0_4).map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match StatusFile::deserialize(deserializer)? {
            StatusFile::Outage(status) => Ok(status),
            StatusFile::NoOutage => Err(serde::de::Error::custom(
                "{} is a status file without an outage",
            )),
        }
    }
}

/// How bad a [`Diagnostic`] is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice: the published schema accepts the file.
    Warning,
    /// The published schema rejects the file, but the lenient reading keeps the status.
    Invalid,
    /// The file cannot be used at all.
    Error,
}

/// What a [`Diagnostic`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The text is not JSON.
    Syntax {
        /// What the JSON parser said.
        message: String,
    },
    /// The document is not a JSON object.
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A required member is missing.
    Missing {
        /// Its name.
        field: &'static str,
    },
    /// A member has the wrong JSON type.
    WrongType {
        /// The JSON type the schema asks for.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A string that should be an RFC 3339 date-time is not.
    BadTimestamp {
        /// The string.
        value: String,
    },
    /// `outage` is neither `partial` nor `complete`.
    UnknownOutageScope {
        /// The value.
        value: String,
    },
    /// `message` has no `default` text.
    MissingDefaultMessage,
    /// A `message` key is neither `default` nor a well-formed BCP 47 tag.
    BadLanguageTag {
        /// The key.
        key: String,
    },
    /// The same key appears twice in one object; the last one counts.
    DuplicateKey,
    /// `expected_end` is before `beginning`.
    EndBeforeBeginning,
    /// `expected_end` has passed at the time of the check.
    EndPassed {
        /// The time of the check.
        now: Timestamp,
    },
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { message } => write!(f, "not well-formed JSON: {message}"),
            Self::NotAnObject { found } => write!(f, "expected a JSON object, found {found}"),
            Self::Missing { field } => write!(f, "required field {field:?} is missing"),
            Self::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            Self::BadTimestamp { value } => {
                write!(f, "not an RFC 3339 date-time: {value:?}")
            }
            Self::UnknownOutageScope { value } => {
                write!(f, "{value:?} is not \"partial\" or \"complete\"")
            }
            Self::MissingDefaultMessage => {
                f.write_str("no \"default\" message (the spec says MUST)")
            }
            Self::BadLanguageTag { key } => {
                write!(f, "key {key:?} is not \"default\" or a BCP 47 language tag")
            }
            Self::DuplicateKey => f.write_str("key repeated; the last value counts"),
            Self::EndBeforeBeginning => f.write_str("expected_end is before beginning"),
            Self::EndPassed { now } => write!(f, "expected_end has passed (now is {now})"),
        }
    }
}

/// One finding about a status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// JSON Pointer of the member concerned (`""` for the whole document).
    pub path: String,
    /// Where, when the file was read from text.
    pub position: Option<Position>,
    /// What.
    pub kind: DiagnosticKind,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.position {
            write!(f, "line {}, column {}: ", p.line, p.column)?;
        }
        if self.path.is_empty() {
            f.write_str("document: ")?;
        } else {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.kind)
    }
}

/// A status file that could not be read: every diagnostic found, the worst first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid status file: {}", DisplayList(.diagnostics))]
pub struct StatusError {
    /// Every diagnostic, errors first, then in document order.
    pub diagnostics: Vec<Diagnostic>,
}

struct DisplayList<'a>(&'a [Diagnostic]);

impl fmt::Display for DisplayList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worst = self.0.iter().map(|d| d.severity).max();
        let shown: Vec<_> = self
            .0
            .iter()
            .filter(|d| Some(d.severity) == worst)
            .collect();
        for (i, d) in shown.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The outcome of a lenient reading: the file and what was wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient {
    /// What was read.
    pub file: StatusFile,
    /// Everything noticed, in document order (no [`Severity::Error`]).
    pub diagnostics: Vec<Diagnostic>,
    /// Where `expected_end` was, for [`check_at`](Self::check_at).
    end_position: Option<Position>,
}

impl Lenient {
    /// [`StatusFile::check_at`], with the position of `expected_end` in the text.
    pub fn check_at(&self, now: Timestamp) -> Vec<Diagnostic> {
        let mut found = self.file.check_at(now);
        for d in &mut found {
            d.position = self.end_position;
        }
        found
    }

    /// Whether the published schema accepts the file (no [`Severity::Invalid`]).
    pub fn is_valid(&self) -> bool {
        self.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning)
    }
}

impl StatusFile {
    /// Strict reading: the file as the published schema of `version` sees it, with
    /// format checking, plus `{}`. Warnings (such as a `message` key that is not a
    /// language tag) do not make it fail.
    ///
    /// ```
    /// use xep_sos::{StatusFile, Version};
    /// let file = StatusFile::parse(r#"{"beginning": "2021-01-12T01:01:01Z", "planned": "yes"}"#, Version::V0_4);
    /// assert_eq!(
    ///     file.unwrap_err().to_string(),
    ///     "invalid status file: line 1, column 50: /planned: expected a boolean, found a string"
    /// );
    /// assert_eq!(StatusFile::parse("{}", Version::Seed), Ok(StatusFile::NoOutage));
    /// ```
    pub fn parse(text: &str, version: Version) -> Result<Self, StatusError> {
        Self::parse_lenient(text, version)?.into_strict()
    }

    /// Lenient reading (see the [module docs](self)).
    pub fn parse_lenient(text: &str, version: Version) -> Result<Lenient, StatusError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| StatusError {
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                path: String::new(),
                position: Some(Position {
                    line: e.line().max(1),
                    column: e.column().max(1),
                }),
                kind: DiagnosticKind::Syntax {
                    message: e
                        .to_string()
                        .split(" at line ")
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                },
            }],
        })?;
        let locations = locate(text, 2);
        Reader {
            locations: Some(&locations),
            diagnostics: Vec::new(),
        }
        .read(&value, version)
    }

    /// Strict reading of an already parsed JSON value (no line numbers).
    pub fn from_value(value: &Value, version: Version) -> Result<Self, StatusError> {
        Self::from_value_lenient(value, version)?.into_strict()
    }

    /// Lenient reading of an already parsed JSON value (no line numbers).
    pub fn from_value_lenient(value: &Value, version: Version) -> Result<Lenient, StatusError> {
        Reader {
            locations: None,
            diagnostics: Vec::new(),
        }
        .read(value, version)
    }

    /// The file as pretty-printed JSON with a final newline, fields in the spec's order.
    pub fn to_json_pretty(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a status file serialises");
        text.push('\n');
        text
    }

    /// The status, if there is an outage.
    pub fn outage(&self) -> Option<&Status> {
        match self {
            Self::NoOutage => None,
            Self::Outage(status) => Some(status),
        }
    }

    /// Advice that depends on the time of the check: an `expected_end` in the past.
    pub fn check_at(&self, now: Timestamp) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(end) = self.outage().and_then(|s| s.expected_end) {
            if end < now {
                out.push(Diagnostic {
                    severity: Severity::Warning,
                    path: "/expected_end".into(),
                    position: None,
                    kind: DiagnosticKind::EndPassed { now },
                });
            }
        }
        out
    }
}

impl Lenient {
    /// The file if the published schema accepts it, else every diagnostic that says why
    /// not (the invalid ones first).
    pub fn into_strict(self) -> Result<StatusFile, StatusError> {
        if self.is_valid() {
            Ok(self.file)
        } else {
            let mut diagnostics = self.diagnostics;
            diagnostics.sort_by_key(|d| core::cmp::Reverse(d.severity));
            Err(StatusError { diagnostics })
        }
    }
}

/// The JSON type name used in diagnostics.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Reader<'a> {
    locations: Option<&'a Locations>,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn report(&mut self, severity: Severity, path: String, kind: DiagnosticKind) {
        let position = self.locations.and_then(|l| {
            l.value(&path)
                .or_else(|| l.object(&path))
                .or_else(|| l.object(""))
                .or(l.start)
        });
        self.diagnostics.push(Diagnostic {
            severity,
            path,
            position,
            kind,
        });
    }

    fn wrong_type(&mut self, severity: Severity, path: String, expected: &'static str, v: &Value) {
        let found = json_type(v);
        self.report(
            severity,
            path,
            DiagnosticKind::WrongType { expected, found },
        );
    }

    fn read(mut self, value: &Value, version: Version) -> Result<Lenient, StatusError> {
        let Value::Object(object) = value else {
            let found = json_type(value);
            self.report(
                Severity::Error,
                String::new(),
                DiagnosticKind::NotAnObject { found },
            );
            return Err(self.fail());
        };
        if let Some(l) = self.locations {
            for path in l.duplicates.clone() {
                self.report(Severity::Warning, path, DiagnosticKind::DuplicateKey);
            }
        }
        if object.is_empty() {
            return Ok(Lenient {
                file: StatusFile::NoOutage,
                diagnostics: self.diagnostics,
                end_position: None,
            });
        }
        let mut extra = Map::new();
        let mut outage = None;
        let mut planned = None;
        let mut beginning = None;
        let mut expected_end = None;
        let mut message = None;
        for (key, v) in object {
            let path = format!("/{}", pointer_token(key));
            match key.as_str() {
                "outage" if version.has_outage_field() => match v {
                    Value::String(s) => match s.parse() {
                        Ok(scope) => outage = Some(scope),
                        Err(()) => self.report(
                            Severity::Invalid,
                            path,
                            DiagnosticKind::UnknownOutageScope { value: s.clone() },
                        ),
                    },
                    _ => self.wrong_type(Severity::Error, path, "a string", v),
                },
                "outage" => match v.as_str().and_then(|s| s.parse().ok()) {
                    // v0.4 dropped the field; a valid value is still understood, and
                    // anything else is an extension field like any other.
                    Some(scope) => outage = Some(scope),
                    None => {
                        extra.insert(key.clone(), v.clone());
                    }
                },
                "planned" => match v {
                    Value::Bool(b) => planned = Some(*b),
                    _ => self.wrong_type(Severity::Error, path, "a boolean", v),
                },
                "beginning" => match v {
                    Value::String(s) => match Timestamp::parse(s) {
                        Ok(t) => beginning = Some(t),
                        Err(_) => self.report(
                            Severity::Error,
                            path,
                            DiagnosticKind::BadTimestamp { value: s.clone() },
                        ),
                    },
                    _ => self.wrong_type(Severity::Error, path, "a string", v),
                },
                "expected_end" => match v {
                    Value::String(s) => match Timestamp::parse(s) {
                        Ok(t) => expected_end = Some(t),
                        Err(_) => self.report(
                            Severity::Invalid,
                            path,
                            DiagnosticKind::BadTimestamp { value: s.clone() },
                        ),
                    },
                    _ => self.wrong_type(Severity::Invalid, path, "a string", v),
                },
                "message" => message = self.messages(v, path),
                _ => {
                    extra.insert(key.clone(), v.clone());
                }
            }
        }
        let Some(beginning) = beginning else {
            if !object.contains_key("beginning") {
                self.report(
                    Severity::Error,
                    String::new(),
                    DiagnosticKind::Missing { field: "beginning" },
                );
            }
            return Err(self.fail());
        };
        if let Some(end) = expected_end {
            if end < beginning {
                self.report(
                    Severity::Warning,
                    "/expected_end".into(),
                    DiagnosticKind::EndBeforeBeginning,
                );
            }
        }
        if self
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            return Err(self.fail());
        }
        self.diagnostics.sort_by_key(|d| d.position);
        let end_position = self.locations.and_then(|l| l.value("/expected_end"));
        Ok(Lenient {
            end_position,
            file: StatusFile::Outage(Status {
                outage,
                planned,
                beginning,
                expected_end,
                message,
                extra,
            }),
            diagnostics: self.diagnostics,
        })
    }

    fn messages(&mut self, v: &Value, path: String) -> Option<Messages> {
        let Value::Object(map) = v else {
            self.wrong_type(Severity::Error, path, "an object", v);
            return None;
        };
        let mut messages = Messages::new();
        for (key, text) in map {
            let item = format!("{path}/{}", pointer_token(key));
            match text {
                Value::String(s) => {
                    messages.insert(key.clone(), s.clone());
                    if key != DEFAULT_KEY && xep_core::lang::Lang::parse(key).is_err() {
                        self.report(
                            Severity::Warning,
                            item,
                            DiagnosticKind::BadLanguageTag { key: key.clone() },
                        );
                    }
                }
                _ => self.wrong_type(Severity::Error, item, "a string", text),
            }
        }
        if messages.default_text().is_none() {
            self.report(
                Severity::Invalid,
                path,
                DiagnosticKind::MissingDefaultMessage,
            );
        }
        Some(messages)
    }

    fn fail(mut self) -> StatusError {
        self.diagnostics
            .sort_by_key(|d| (core::cmp::Reverse(d.severity), d.position));
        StatusError {
            diagnostics: self.diagnostics,
        }
    }
}

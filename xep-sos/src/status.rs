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
//! Two readings, in the one shape of [`xep_core::reading`]:
//!
//! * [`StatusFile::read`] is **lenient**: it keeps what real clients keep (INTEROP
//!   P13) and returns the file with every [`Deviation`]. A member of the wrong JSON
//!   type, a bad `expected_end` or an unknown `outage` value is left out
//!   ([`Severity::Dropped`]); a `message` without `default` is kept
//!   ([`Severity::Must`]). It is `Err` ([`StatusError`], wrapped in [`Error`]) only when
//!   nothing usable remains: text that is not JSON, a document that is not an object
//!   (or `null`), or an outage without a readable `beginning`.
//! * [`StatusFile::read_strict`] is the lenient reading followed by
//!   [`Reading::into_strict`]: any deviation of severity [`Severity::Should`] or worse
//!   refuses the file. What it accepts is what the published JSON Schema of the chosen
//!   [`Version`] accepts (with format checking on), plus `{}` under v0.2 and v0.4,
//!   minus the SHOULD-level findings below.
//!
//! Every deviation names the JSON Pointer of the member ([`Path::key`]) and, when read
//! from text, the line and column of its value ([`Deviation::position`]).
//!
//! # Deviation codes
//!
//! | code | severity | what |
//! |---|---|---|
//! | `not-json` | dropped, `Err` | the text is not well-formed JSON |
//! | `not-an-object` | dropped, `Err` | the document is an array, a string, a number or a boolean |
//! | `null-file` | must | the document is `null` (Slixmpp's CI serves one); read as no outage |
//! | `byte-order-mark` | must | the text starts with U+FEFF, which RFC 8259 says implementations "MUST NOT add"; ignored, as RFC 8259 allows readers to |
//! | `empty-object-in-seed` | must | `{}` read under the seed, whose prose and schema do not define it (the schema requires `beginning`); read as no outage, as v0.2 defines it |
//! | `duplicate-key` | should | a key repeated in one object: RFC 8259 says names "SHOULD be unique", and readers disagree on which value wins (this one, the last, is used) |
//! | `missing-beginning` | dropped, `Err` | an outage without `beginning` |
//! | `wrong-type` | dropped (`Err` for `beginning`) | a member of the wrong JSON type, left out |
//! | `boolean-as-string` | must | `planned` is the string `"true"` or `"false"`; read as the boolean |
//! | `bad-timestamp` | dropped (`Err` for `beginning`) | a string that is not an RFC 3339 `date-time`, left out |
//! | `timestamp-white-space` | must | a `date-time` with white space around it; read trimmed |
//! | `unknown-outage-scope` | dropped | `outage` (seed, v0.2) is neither `partial` nor `complete` |
//! | `missing-default-message` | must | `message` has no `default` text ("MUST contain at least a message on the 'default' key"); kept |
//! | `bad-language-tag` | should | a `message` key is neither `default` nor a well-formed BCP 47 tag; kept |
//! | `end-before-beginning` | should | `expected_end` is before `beginning` |
//! | `end-passed` | should | `expected_end` has passed at the time of the check ([`StatusFile::check_at`] only) |

use alloc::borrow::Cow;
use core::fmt;
use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use xep_core::reading::{Deviation, Path, Position, Reading, Severity, excerpt};

use crate::locate::{Locations, locate};
use crate::timestamp::Timestamp;
use crate::{Error, Version};

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
    /// then a key in the same primary language as a range
    /// ([`same_language`](xep_core::lang::same_language): `de-AT` for `de-CH`), then
    /// `default` ("used by the client if the current user language is not found"),
    /// then the first text, so that a user is shown something when there is anything.
    ///
    /// ```
    /// # use xep_sos::status::Messages;
    /// let mut m = Messages::with_default("Mise à jour du serveur");
    /// m.insert("en", "The server is being updated");
    /// assert_eq!(m.best_match(&["en-GB", "fr"]), Some("The server is being updated"));
    /// assert_eq!(m.best_match(&["de"]), Some("Mise à jour du serveur"));
    /// m.insert("de-AT", "Wartung");
    /// assert_eq!(m.best_match(&["de-CH"]), Some("Wartung"));
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
        if let Some(i) = xep_core::lang::same_language(ranges, tagged()) {
            let key = tagged().nth(i).expect("index from same_language");
            return self.get(key).map(|t| (key, t));
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
        Self::read_value_strict(&value, Version::V0_4).map_err(serde::de::Error::custom)
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

/// A status file that cannot be used at all: why, then everything else noticed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid status file: {}", DisplayList(.deviations))]
pub struct StatusError {
    /// The deviation that makes the file unusable first, then the others in document
    /// order.
    pub deviations: Vec<Deviation>,
}

impl StatusError {
    /// The deviation that makes the file unusable.
    pub fn reason(&self) -> Option<&Deviation> {
        self.deviations.first()
    }
}

struct DisplayList<'a>(&'a [Deviation]);

impl fmt::Display for DisplayList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Whether a lenient reading's file is one the published JSON Schema accepts: no
/// deviation of severity [`Severity::Must`] or worse. (`{}` under v0.2 and v0.4 counts
/// as accepted: the prose defines it, though no published schema does.)
pub fn fits_schema(deviations: &[Deviation]) -> bool {
    deviations.iter().all(|d| d.severity < Severity::Must)
}

/// Where the value at `path` (a JSON Pointer, as in the deviations) starts in `text`,
/// for members down to `message`'s keys; the start of the enclosing object when the
/// member is missing. A leading byte order mark is not counted.
///
/// ```
/// use xep_core::reading::{Path, Position};
/// let text = "{\n  \"expected_end\": \"soon\"\n}";
/// let at = xep_sos::status::position(text, &Path::root().key("expected_end"));
/// assert_eq!(at, Some(Position { line: 2, column: 19 }));
/// ```
pub fn position(text: &str, path: &Path) -> Option<Position> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    position_in(&locate(text, 2), path)
}

fn position_in(l: &Locations, path: &Path) -> Option<Position> {
    let mut parent = path.as_str();
    l.value(parent).or_else(|| {
        // The innermost enclosing object that exists.
        loop {
            if let Some(p) = l.object(parent) {
                return Some(p);
            }
            match parent.rfind('/') {
                Some(cut) => parent = &parent[..cut],
                None => return l.start,
            }
        }
    })
}

impl StatusFile {
    /// Lenient reading (see the [module docs](self)): the file and every deviation, in
    /// document order; `Err` only when nothing usable remains.
    ///
    /// ```
    /// use xep_sos::{StatusFile, Version};
    /// use xep_core::reading::Severity;
    /// let text = "{\"beginning\": \"2021-01-12T01:01:01Z\",\n \"planned\": \"yes\"}";
    /// let reading = StatusFile::read(text, Version::V0_4)?;
    /// assert_eq!(reading.value.outage().unwrap().planned, None);
    /// let d = &reading.deviations[0];
    /// assert_eq!((d.severity, &*d.code, d.path.as_str()), (Severity::Dropped, "wrong-type", "/planned"));
    /// assert_eq!(d.to_string(), "line 2, column 13: /planned: expected a boolean, found a string; left out [dropped]");
    /// // Slixmpp's CI serves `null`: no outage, with a deviation.
    /// let null = StatusFile::read("null", Version::V0_4)?;
    /// assert_eq!((null.value, &*null.deviations[0].code), (StatusFile::NoOutage, "null-file"));
    /// # Ok::<(), xep_sos::Error>(())
    /// ```
    pub fn read(text: &str, version: Version) -> Result<Reading<Self>, Error> {
        Self::read_text(text, version).map_err(Error::Status)
    }

    /// Strict reading: [`read`](Self::read) followed by [`Reading::into_strict`]; any
    /// deviation of severity [`Severity::Should`] or worse refuses the file.
    ///
    /// ```
    /// use xep_sos::{StatusFile, Version};
    /// let file = StatusFile::read_strict(r#"{"beginning": "2021-01-12T01:01:01Z", "planned": "yes"}"#, Version::V0_4);
    /// assert_eq!(
    ///     file.unwrap_err().to_string(),
    ///     "status file deviates from its spec: line 1, column 50: /planned: expected a boolean, found a string; left out [dropped]"
    /// );
    /// assert_eq!(StatusFile::read_strict("{}", Version::V0_4)?, StatusFile::NoOutage);
    /// // The seed does not define `{}`.
    /// assert!(StatusFile::read_strict("{}", Version::Seed).is_err());
    /// # Ok::<(), xep_sos::Error>(())
    /// ```
    pub fn read_strict(text: &str, version: Version) -> Result<Self, Error> {
        Ok(Self::read(text, version)?.into_strict(STRICT_WHAT)?)
    }

    /// Lenient reading of an already parsed JSON value (no positions, and no
    /// duplicate keys to see).
    pub fn read_value(value: &Value, version: Version) -> Result<Reading<Self>, Error> {
        Reader {
            locations: None,
            deviations: Vec::new(),
        }
        .read(value, version)
        .map_err(Error::Status)
    }

    /// Strict reading of an already parsed JSON value.
    pub fn read_value_strict(value: &Value, version: Version) -> Result<Self, Error> {
        Ok(Self::read_value(value, version)?.into_strict(STRICT_WHAT)?)
    }

    fn read_text(text: &str, version: Version) -> Result<Reading<Self>, StatusError> {
        let mut deviations = Vec::new();
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => {
                deviations.push(
                    Deviation::new(
                        Severity::Must,
                        "byte-order-mark",
                        Path::root(),
                        "the file starts with a byte order mark (U+FEFF), which JSON texts \
                         must not carry (RFC 8259: \"Implementations MUST NOT add a byte order \
                         mark\"); ignored",
                    )
                    .at(Some(Position { line: 1, column: 1 })),
                );
                rest
            }
            None => text,
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or_default();
                let fatal = Deviation::new(
                    Severity::Dropped,
                    "not-json",
                    Path::root(),
                    format!("not well-formed JSON: {message}"),
                )
                .at(Some(Position {
                    line: e.line().max(1),
                    column: e.column().max(1),
                }));
                deviations.insert(0, fatal);
                return Err(StatusError { deviations });
            }
        };
        let locations = locate(text, 2);
        Reader {
            locations: Some(&locations),
            deviations,
        }
        .read(&value, version)
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

    /// Findings that depend on the time of the check: an `expected_end` in the past
    /// (code `end-passed`, severity [`Severity::Should`]: the operator should update
    /// the file or publish `{}`). Without a position; [`position`] finds it in the text.
    pub fn check_at(&self, now: Timestamp) -> Vec<Deviation> {
        let mut out = Vec::new();
        if let Some(end) = self.outage().and_then(|s| s.expected_end) {
            if end < now {
                out.push(Deviation::new(
                    Severity::Should,
                    "end-passed",
                    Path::root().key("expected_end"),
                    format!("expected_end has passed (now is {now})"),
                ));
            }
        }
        out
    }
}

/// `true` or `false` written as a JSON string (white space around it allowed).
fn parse_bool(text: &str) -> Option<bool> {
    match text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// What [`Reading::into_strict`] names in its error.
const STRICT_WHAT: &str = "status file";

/// The JSON type name used in messages.
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
    deviations: Vec<Deviation>,
}

impl Reader<'_> {
    fn deviation(
        &self,
        severity: Severity,
        code: &'static str,
        path: Path,
        message: String,
    ) -> Deviation {
        let position = self.locations.and_then(|l| position_in(l, &path));
        Deviation::new(severity, code, path, message).at(position)
    }

    fn report(&mut self, severity: Severity, code: &'static str, path: Path, message: String) {
        let d = self.deviation(severity, code, path, message);
        self.deviations.push(d);
    }

    fn wrong_type(&self, path: Path, expected: &str, v: &Value, consequence: &str) -> Deviation {
        let found = json_type(v);
        self.deviation(
            Severity::Dropped,
            "wrong-type",
            path,
            format!("expected {expected}, found {found}; {consequence}"),
        )
    }

    /// The reading failed for `fatal`: it comes first, the rest in document order.
    fn fail(mut self, fatal: Deviation) -> StatusError {
        self.sort();
        self.deviations.insert(0, fatal);
        StatusError {
            deviations: self.deviations,
        }
    }

    /// Document order: by position when known (the byte order mark stays first).
    fn sort(&mut self) {
        self.deviations
            .sort_by_key(|d| (d.code != "byte-order-mark", d.position));
    }

    fn read(mut self, value: &Value, version: Version) -> Result<Reading<StatusFile>, StatusError> {
        let object = match value {
            Value::Object(object) => object,
            Value::Null => {
                // Slixmpp's own CI serves `null`, and Slixmpp reads it as no outage.
                self.report(
                    Severity::Must,
                    "null-file",
                    Path::root(),
                    "the file is null, not a JSON object; read as no outage (write {} to say \
                     the outage is over)"
                        .to_owned(),
                );
                return Ok(Reading::new(StatusFile::NoOutage, self.deviations));
            }
            other => {
                let fatal = self.deviation(
                    Severity::Dropped,
                    "not-an-object",
                    Path::root(),
                    format!("a status file is a JSON object, found {}", json_type(other)),
                );
                return Err(self.fail(fatal));
            }
        };
        if let Some(l) = self.locations {
            for path in &l.duplicates {
                let key = path.rsplit('/').next().unwrap_or_default();
                self.report(
                    Severity::Should,
                    "duplicate-key",
                    Path::from_raw(path.clone()),
                    format!(
                        "key {} repeated: readers disagree on which value counts (this one, \
                         the last, is used here)",
                        excerpt(&key.replace("~1", "/").replace("~0", "~"))
                    ),
                );
            }
        }
        if object.is_empty() {
            if version == Version::Seed {
                // "When the outage is over, the file SHOULD be replaced with an empty
                // JSON object" is v0.2's; the seed has no such sentence, and its schema
                // requires `beginning`.
                self.report(
                    Severity::Must,
                    "empty-object-in-seed",
                    Path::root(),
                    "{} is not defined by the seed (its schema requires beginning, its prose \
                     has no empty file); read as no outage, as XEP-0455 v0.2 defines it"
                        .to_owned(),
                );
            }
            self.sort();
            return Ok(Reading::new(StatusFile::NoOutage, self.deviations));
        }
        let mut extra = Map::new();
        let mut outage = None;
        let mut planned = None;
        let mut beginning = Err(None);
        let mut expected_end = None;
        let mut message = None;
        for (key, v) in object {
            let path = Path::root().key(key);
            match key.as_str() {
                "outage" if version.has_outage_field() => match v {
                    Value::String(s) => match s.parse() {
                        Ok(scope) => outage = Some(scope),
                        Err(()) => self.report(
                            Severity::Dropped,
                            "unknown-outage-scope",
                            path,
                            format!(
                                "{} is not \"partial\" or \"complete\"; left out",
                                excerpt(s)
                            ),
                        ),
                    },
                    _ => {
                        let d = self.wrong_type(path, "a string", v, "left out");
                        self.deviations.push(d);
                    }
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
                    Value::String(text) if parse_bool(text).is_some() => {
                        planned = parse_bool(text);
                        self.report(
                            Severity::Must,
                            "boolean-as-string",
                            path,
                            format!(
                                "expected a boolean, found the string {}; read as {}",
                                excerpt(text),
                                planned.unwrap_or_default()
                            ),
                        );
                    }
                    _ => {
                        let d = self.wrong_type(path, "a boolean", v, "left out");
                        self.deviations.push(d);
                    }
                },
                "beginning" => match v {
                    Value::String(s) => match self.timestamp(s, &path) {
                        Some(t) => beginning = Ok(t),
                        None => {
                            beginning = Err(Some(self.deviation(
                                Severity::Dropped,
                                "bad-timestamp",
                                path,
                                format!(
                                    "not an RFC 3339 date-time: {}; the outage cannot be dated",
                                    excerpt(s)
                                ),
                            )));
                        }
                    },
                    _ => {
                        beginning = Err(Some(self.wrong_type(
                            path,
                            "a string",
                            v,
                            "the outage cannot be dated",
                        )));
                    }
                },
                "expected_end" => match v {
                    Value::String(s) => match self.timestamp(s, &path) {
                        Some(t) => expected_end = Some(t),
                        None => self.report(
                            Severity::Dropped,
                            "bad-timestamp",
                            path,
                            format!("not an RFC 3339 date-time: {}; left out", excerpt(s)),
                        ),
                    },
                    _ => {
                        let d = self.wrong_type(path, "a string", v, "left out");
                        self.deviations.push(d);
                    }
                },
                "message" => message = self.messages(v, path),
                _ => {
                    extra.insert(key.clone(), v.clone());
                }
            }
        }
        let beginning = match beginning {
            Ok(beginning) => beginning,
            Err(Some(fatal)) => return Err(self.fail(fatal)),
            Err(None) => {
                let fatal = self.deviation(
                    Severity::Dropped,
                    "missing-beginning",
                    Path::root().key("beginning"),
                    "required member \"beginning\" is missing; the outage cannot be dated"
                        .to_owned(),
                );
                return Err(self.fail(fatal));
            }
        };
        if let Some(end) = expected_end {
            if end < beginning {
                self.report(
                    Severity::Should,
                    "end-before-beginning",
                    Path::root().key("expected_end"),
                    "expected_end is before beginning".to_owned(),
                );
            }
        }
        self.sort();
        Ok(Reading::new(
            StatusFile::Outage(Status {
                outage,
                planned,
                beginning,
                expected_end,
                message,
                extra,
            }),
            self.deviations,
        ))
    }

    /// An RFC 3339 date-time, also with white space around it (reported: the JSON
    /// Schema `date-time` format has none, but the value is plain).
    fn timestamp(&mut self, text: &str, path: &Path) -> Option<Timestamp> {
        if let Ok(t) = Timestamp::parse(text) {
            return Some(t);
        }
        let trimmed = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        let t = Timestamp::parse(trimmed).ok()?;
        self.report(
            Severity::Must,
            "timestamp-white-space",
            path.clone(),
            format!(
                "date-time {} has white space around it; read as {}",
                excerpt(text),
                excerpt(trimmed)
            ),
        );
        Some(t)
    }

    fn messages(&mut self, v: &Value, path: Path) -> Option<Messages> {
        let Value::Object(map) = v else {
            let d = self.wrong_type(path, "an object", v, "left out");
            self.deviations.push(d);
            return None;
        };
        let mut messages = Messages::new();
        for (key, text) in map {
            let item = path.clone().key(key);
            match text {
                Value::String(s) => {
                    messages.insert(key.clone(), s.clone());
                    if key != DEFAULT_KEY && xep_core::lang::Lang::parse(key).is_err() {
                        self.report(
                            Severity::Should,
                            "bad-language-tag",
                            item,
                            format!(
                                "key {} is not \"default\" or a BCP 47 language tag",
                                excerpt(key)
                            ),
                        );
                    }
                }
                _ => {
                    let d = self.wrong_type(item, "a string", text, "left out");
                    self.deviations.push(d);
                }
            }
        }
        if messages.default_text().is_none() {
            // "The "message" field, when set, MUST contain at least a message on the
            // "default" key"
            self.report(
                Severity::Must,
                "missing-default-message",
                path,
                "no \"default\" message (the spec says MUST)".to_owned(),
            );
        }
        Some(messages)
    }
}

//! The one shape of every `xep-*` crate: lenient and strict readings, one deviation
//! type, and the conventions the state machines share.
//!
//! A user who has learned one crate should know them all. New crates follow this
//! section; the landed ones have been brought into it.
//!
//! # Reading input
//!
//! Every payload, form, file and disco result has two readings:
//!
//! * **Lenient**: `read(...) -> Result<Reading<T>, Error>`. It accepts what real
//!   implementations send (`../shared/INTEROP.md`), keeps whatever it can, and
//!   returns the value together with every [`Deviation`] it noticed. It is `Err`
//!   only when no value can be produced at all (not XML, not the element asked
//!   for, no usable data). A part that cannot be read is left out of the value and
//!   reported with [`Severity::Dropped`] and its path, so one bad child does not
//!   cost the whole payload. Where the thing read may simply be absent (a disco
//!   result without our form), the value is an `Option`, so that deviations about
//!   skipped input are still reported.
//! * **Strict**: `read_strict(...) -> Result<T, Error>`, the lenient reading
//!   followed by [`Reading::into_strict`]: any deviation of severity
//!   [`Severity::Should`] or worse makes it an error listing all of them
//!   ([`Strict`]). Payloads that derive `FromXml` also keep xso's own strict
//!   `TryFrom<Element>`, which refuses anything the derive does not model.
//!
//! Readers start from the raw [`Element`](minidom::Element) (a `<query/>`, a whole
//! `<iq/>`, a payload) as well as from the xmpp-parsers types, so that one malformed
//! unrelated form in a disco#info result cannot hide ours (see
//! [`disco::DiscoInfo`](crate::disco::DiscoInfo)).
//!
//! # Deviations
//!
//! A [`Deviation`] has a [`Path`] (where), a [`Severity`] (how bad), a stable
//! machine-readable `code` (what, for programs) and a message (what, for people).
//! Paths have one format for every document: a `/`-separated list of steps; an
//! element step is `name[n]` with a 1-based index among siblings of that name, an
//! attribute is `@name`, a data form field is `field[@var='…']`, and a JSON member is
//! its key as in JSON Pointer (RFC 6901, with `~0` and `~1` escapes). Values quoted in
//! messages are cut to a readable length by [`excerpt`].
//!
//! # Writing output
//!
//! Writers emit exactly what the spec says, in the version the caller asks for; a
//! value that any reader returned can always be written without panicking.
//! Conversions to forms are `to_form(&self)` (a version argument where the spec has
//! several: `to_form_version(&self, version)`).
//!
//! # State machines
//!
//! * `new(config, now)`; inputs through `handle_*(now, ...)`, one method per kind of
//!   input, named after the input (`handle_disco_info`, `handle_presence`,
//!   `handle_timeout`); outputs drained with `poll_event()` / `poll_transmit()` until
//!   `None`; `poll_timeout()` gives the next deadline.
//! * Peers are typed: [`jid::Jid`], [`jid::BareJid`] or, for a server, its domain
//!   as a [`jid::BareJid`] without a node; never `&str`.
//! * Stanzas in are accepted as the raw [`Element`](minidom::Element) as well as the
//!   xmpp-parsers type, and replies are matched to requests by `id`, type
//!   (`result` or `error`) and sender; a request from a peer is never taken as a
//!   reply (the caller answers it).
//! * Time is [`Time`](crate::time::Time), wall-clock UTC, because the specs compare
//!   it with timestamps on the wire (item ids, `expected_end`, `<delay/>`). All time
//!   arithmetic saturates ([`time::add`](crate::time::add)): a configured
//!   `TimeDelta::MAX` means "never", not a panic.
//! * State a user may persist is `serde`-serialisable; restoring it can never make a
//!   machine panic.
//! * Every MUST the code enforces quotes the spec sentence next to the check.

use alloc::borrow::Cow;
use core::fmt;

/// How bad a [`Deviation`] is, from harmless to lossy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, allowed by the spec (a legacy alias read as its current name,
    /// several forms merged). A strict reading accepts it.
    Note,
    /// A SHOULD or RECOMMENDED of the spec is not followed. The value is complete.
    Should,
    /// A MUST of the spec (or its schema) is not followed; the lenient reading kept
    /// the value anyway.
    Must,
    /// A part of the input could not be read and is missing from the value.
    Dropped,
}

impl Severity {
    /// The lower-case name used in JSON output: `note`, `should`, `must`, `dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Should => "should",
            Self::Must => "must",
            Self::Dropped => "dropped",
        }
    }

    /// Whether a strict reading refuses a deviation of this severity.
    pub fn fails_strict(self) -> bool {
        self >= Self::Should
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column (in characters) in a text input.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// Where in a document a [`Deviation`] lies, in the one format of every crate (see
/// the [module docs](self)).
///
/// ```
/// use xep_core::reading::Path;
/// let p = Path::root().elem("serverinfo", 1).elem("domain", 2).attr("name");
/// assert_eq!(p.as_str(), "/serverinfo[1]/domain[2]/@name");
/// assert_eq!(Path::root().key("message").key("a/b").as_str(), "/message/a~1b");
/// assert_eq!(Path::root().elem("x", 1).field("FORM_TYPE").as_str(), "/x[1]/field[@var='FORM_TYPE']");
/// ```
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Path(String);

impl Path {
    /// The whole document (displayed as `/`).
    pub fn root() -> Self {
        Self(String::new())
    }

    /// A path given as text in this format, taken as is.
    pub fn from_raw(path: impl Into<String>) -> Self {
        Self(path.into())
    }

    /// The child element `name`, the `index`th (1-based) of its name.
    #[must_use]
    pub fn elem(mut self, name: &str, index: usize) -> Self {
        use fmt::Write as _;
        let _ = write!(self.0, "/{name}[{index}]");
        self
    }

    /// The attribute `name`.
    #[must_use]
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push_str("/@");
        self.0.push_str(name);
        self
    }

    /// The data form field with this `var`.
    #[must_use]
    pub fn field(mut self, var: &str) -> Self {
        self.0.push_str("/field[@var='");
        self.0.push_str(&var.replace('\'', "&apos;"));
        self.0.push_str("']");
        self
    }

    /// The JSON member `key` (escaped as in JSON Pointer).
    #[must_use]
    pub fn key(mut self, key: &str) -> Self {
        self.0.push('/');
        self.0.push_str(&key.replace('~', "~0").replace('/', "~1"));
        self
    }

    /// The JSON array element at `index` (0-based, as in JSON Pointer).
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        use fmt::Write as _;
        let _ = write!(self.0, "/{index}");
        self
    }

    /// The path as text; empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the whole document.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// A [`Path`] not built yet: a built path, or a child step of another lazy path,
/// all borrowed.
///
/// Readers hand it down the tree and call [`LazyPath::path`] only when they record a
/// deviation, so that reading a document without deviations builds no path at all
/// (a path per element was most of the allocations of a vCard or disco#info read).
///
/// ```
/// use xep_core::reading::{LazyPath, Path};
///
/// let root = Path::root().elem("vcard", 1);
/// let card = LazyPath::new(&root);
/// let adr = card.elem("adr", 2);
/// assert_eq!(adr.elem("country", 1).path().as_str(), "/vcard[1]/adr[2]/country[1]");
/// ```
#[derive(Debug, Clone, Copy)]
pub enum LazyPath<'a> {
    /// A path already built.
    Built(&'a Path),
    /// The `index`th (1-based) child element called `name` of `parent`.
    Elem {
        /// The parent element's path.
        parent: &'a Self,
        /// The element's name.
        name: &'a str,
        /// Its index among the siblings of that name.
        index: usize,
    },
}

impl<'a> LazyPath<'a> {
    /// `path`, as a lazy path.
    pub fn new(path: &'a Path) -> Self {
        Self::Built(path)
    }

    /// The child element `name`, the `index`th (1-based) of its name; nothing is
    /// built.
    pub fn elem(&'a self, name: &'a str, index: usize) -> Self {
        Self::Elem {
            parent: self,
            name,
            index,
        }
    }

    /// The path, built now, in one allocation.
    pub fn path(&self) -> Path {
        use fmt::Write as _;
        // The steps, innermost first, and the length they take.
        let mut steps: Vec<(&str, usize)> = Vec::new();
        let mut len = 0;
        let mut at = self;
        let base = loop {
            match at {
                Self::Built(path) => break *path,
                Self::Elem {
                    parent,
                    name,
                    index,
                } => {
                    steps.push((name, *index));
                    // "/", "[", "]" and at most 20 digits.
                    len += name.len() + 23;
                    at = parent;
                }
            }
        };
        let mut text = String::with_capacity(base.0.len() + len);
        text.push_str(&base.0);
        for (name, index) in steps.iter().rev() {
            let _ = write!(text, "/{name}[{index}]");
        }
        Path(text)
    }
}

/// The 1-based index of each element name among the siblings seen so far: the `n`
/// of a path step `name[n]` ([`Path::elem`]).
///
/// Names are borrowed from the element being read and kept in a B-tree, so that a
/// child costs O(log k) for k distinct names: a list searched per child made a
/// hostile element with many distinct child names quadratic.
///
/// ```
/// use xep_core::reading::Siblings;
///
/// let mut siblings = Siblings::new();
/// let steps: Vec<usize> = ["feature", "identity", "feature"]
///     .into_iter()
///     .map(|name| siblings.next(name))
///     .collect();
/// assert_eq!(steps, [1, 1, 2]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Siblings<'a>(alloc::collections::BTreeMap<&'a str, usize>);

impl<'a> Siblings<'a> {
    /// No sibling seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one more sibling called `name` and returns its 1-based index.
    pub fn next(&mut self, name: &'a str) -> usize {
        let n = self.0.entry(name).or_insert(0);
        *n += 1;
        *n
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "/" } else { &self.0 })
    }
}

/// A departure from a spec noticed while reading: where, how bad, what.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Deviation {
    /// Where.
    pub path: Path,
    /// Where in the text, when the input was text and the reader knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// How bad.
    pub severity: Severity,
    /// A stable kebab-case identifier of the kind of deviation, for programs
    /// (`form-type-not-hidden`, `empty-name`, ...). Each crate lists its codes.
    pub code: Cow<'static, str>,
    /// What, for people: lower case, no final period, values quoted through
    /// [`excerpt`].
    pub message: String,
}

impl Deviation {
    /// A deviation at `path`.
    pub fn new(
        severity: Severity,
        code: impl Into<Cow<'static, str>>,
        path: Path,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path,
            position: None,
            severity,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The same deviation, located at `position` in the text.
    #[must_use]
    pub fn at(mut self, position: Option<Position>) -> Self {
        self.position = position;
        self
    }

    /// The same deviation under `prefix`: `prefix` followed by this path.
    #[must_use]
    pub fn under(mut self, prefix: &Path) -> Self {
        let mut path = prefix.0.clone();
        path.push_str(&self.path.0);
        self.path = Path(path);
        self
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.position {
            write!(f, "line {}, column {}: ", p.line, p.column)?;
        }
        write!(f, "{}: {} [{}]", self.path, self.message, self.severity)
    }
}

/// The outcome of a lenient reading: the value and every deviation seen, in
/// document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading<T> {
    /// What was read.
    pub value: T,
    /// Every departure from the spec, in document order.
    pub deviations: Vec<Deviation>,
}

impl<T> Reading<T> {
    /// A reading with no deviations.
    pub fn clean(value: T) -> Self {
        Self {
            value,
            deviations: Vec::new(),
        }
    }

    /// A reading of `value` with `deviations`.
    pub fn new(value: T, deviations: Vec<Deviation>) -> Self {
        Self { value, deviations }
    }

    /// The worst severity seen, `None` when nothing deviated.
    pub fn worst(&self) -> Option<Severity> {
        self.deviations.iter().map(|d| d.severity).max()
    }

    /// Whether a strict reading would accept this (no deviation of severity
    /// [`Severity::Should`] or worse).
    pub fn is_strict_ok(&self) -> bool {
        !self.deviations.iter().any(|d| d.severity.fails_strict())
    }

    /// The value if a strict reading accepts it, else [`Strict`] listing every
    /// deviation that fails it; `what` names the thing read in the error message.
    pub fn into_strict(self, what: impl Into<Cow<'static, str>>) -> Result<T, Strict> {
        if self.is_strict_ok() {
            Ok(self.value)
        } else {
            Err(Strict {
                what: what.into(),
                deviations: self
                    .deviations
                    .into_iter()
                    .filter(|d| d.severity.fails_strict())
                    .collect(),
            })
        }
    }

    /// The reading of `f(value)`, with the same deviations.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        Reading {
            value: f(self.value),
            deviations: self.deviations,
        }
    }

    /// The value, with this reading's deviations moved into `sink`.
    pub fn take(self, sink: &mut Vec<Deviation>) -> T {
        sink.extend(self.deviations);
        self.value
    }
}

/// A reading derefs to its value, so that `reading.field` reads the value's field while
/// `reading.deviations` stays at hand.
impl<T> core::ops::Deref for Reading<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// A strict reading refused its input: every deviation that made it fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} deviates from its spec: {}", DisplayList(.deviations))]
pub struct Strict {
    /// What was being read, such as `serverinfo payload`.
    pub what: Cow<'static, str>,
    /// The deviations of severity [`Severity::Should`] or worse, in document order.
    pub deviations: Vec<Deviation>,
}

struct DisplayList<'a>(&'a [Deviation]);

impl fmt::Display for DisplayList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// Longest quoted value, in characters, that [`excerpt`] keeps whole.
pub const EXCERPT_CHARS: usize = 80;

/// `value` quoted for a message, cut on a character boundary to
/// [`EXCERPT_CHARS`] characters with the number of characters left out, so that a
/// 15 MB attribute does not become a 15 MB line of standard error.
///
/// ```
/// use xep_core::reading::excerpt;
/// assert_eq!(excerpt("abc"), "\"abc\"");
/// let long = "é".repeat(100);
/// assert_eq!(excerpt(&long), format!("\"{}\"… (20 more characters)", "é".repeat(80)));
/// ```
pub fn excerpt(value: &str) -> String {
    match value.char_indices().nth(EXCERPT_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => {
            let rest = value[cut..].chars().count();
            format!("{:?}… ({rest} more characters)", &value[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(severity: Severity) -> Deviation {
        Deviation::new(severity, "test", Path::root().elem("a", 1), "something")
    }

    #[test]
    fn strict_refuses_should_and_worse_and_keeps_only_those() {
        let r = Reading::new(1, vec![dev(Severity::Note)]);
        assert_eq!(r.worst(), Some(Severity::Note));
        assert_eq!(r.into_strict("thing"), Ok(1));
        let r = Reading::new(1, vec![dev(Severity::Note), dev(Severity::Should)]);
        let err = r.into_strict("thing").unwrap_err();
        assert_eq!(err.deviations, vec![dev(Severity::Should)]);
        assert_eq!(
            err.to_string(),
            "thing deviates from its spec: /a[1]: something [should]"
        );
    }

    #[test]
    fn severity_orders_from_harmless_to_lossy() {
        assert!(Severity::Note < Severity::Should);
        assert!(Severity::Should < Severity::Must);
        assert!(Severity::Must < Severity::Dropped);
        assert!(!Severity::Note.fails_strict());
        assert!(Severity::Dropped.fails_strict());
    }

    #[test]
    fn paths_and_positions_display() {
        assert_eq!(Path::root().to_string(), "/");
        let d = dev(Severity::Must)
            .at(Some(Position { line: 3, column: 7 }))
            .under(&Path::root().elem("iq", 1));
        assert_eq!(
            d.to_string(),
            "line 3, column 7: /iq[1]/a[1]: something [must]"
        );
        assert_eq!(Path::root().key("~x").index(2).as_str(), "/~0x/2");
        assert_eq!(
            Path::root().field("a'b").as_str(),
            "/field[@var='a&apos;b']"
        );
    }

    #[test]
    fn excerpt_counts_characters_not_bytes() {
        let exact = "x".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), format!("{exact:?}"));
        let over = "日".repeat(EXCERPT_CHARS + 1);
        assert!(excerpt(&over).ends_with("… (1 more characters)"));
    }

    #[test]
    fn deviations_serialise_with_lower_case_severity() {
        let json = serde_json::to_string(&dev(Severity::Dropped)).unwrap();
        assert_eq!(
            json,
            r#"{"path":"/a[1]","severity":"dropped","code":"test","message":"something"}"#
        );
    }
}

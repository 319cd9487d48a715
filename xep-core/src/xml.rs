//! Bounded reading of XML captures: one or more top-level elements, with or without
//! an XML declaration or a stream header, into `minidom` elements.
//!
//! This is what a tool, a test harness or a crawler needs to read a log or a capture
//! file: stanzas one after another (`<iq/><message/>`), a whole stream
//! (`<stream:stream ...><iq/>...`, closed or not), or a bare payload. Parsing uses
//! `rxml`, which refuses DTDs, entity declarations and processing instructions; on top
//! of that the input size and nesting depth are bounded ([`Limits`]), so hostile input
//! is an [`XmlError`] with a line and column, never a panic or a runaway allocation.
//!
//! Elements with no namespace declaration in scope (stanzas pasted from a log) are
//! read in `jabber:client`, the namespace a client stream would give them, and the
//! `stream:` prefix is bound to the stream namespace (`<stream:features/>` cut from a
//! log).
//!
//! ```
//! use xep_core::xml::{parse_items, Limits};
//! let items = parse_items(b"<iq type='get' id='1'/>\n<presence/>", &Limits::default())?;
//! assert_eq!(items.len(), 2);
//! assert_eq!(items[1].element.name(), "presence");
//! assert_eq!((items[1].line, items[1].column), (2, 1));
//! # Ok::<(), xep_core::xml::XmlError>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use minidom::Element;
use rxml::error::EndOrError;
use rxml::{Event, Options, Parse, Parser, WithOptions};

use crate::ns;
use crate::tree::{Tree, TreeBuilder};

/// Whether XML 1.0 can carry `c` (production \[2\] `Char`): tab, line feed, carriage
/// return, and everything from U+0020 on except U+FFFE and U+FFFF (surrogates cannot be
/// a `char`). A value holding any other character cannot be written, even escaped, so
/// readers refuse it where it enters (a percent-decoded URI, a JSON string).
///
/// ```
/// use xep_core::xml::{is_xml_char, is_xml_text};
/// assert!(is_xml_char('\t') && is_xml_char('é') && is_xml_char('\u{10FFFF}'));
/// assert!(!is_xml_char('\0') && !is_xml_char('\u{1B}') && !is_xml_char('\u{FFFE}'));
/// assert!(is_xml_text("plain") && !is_xml_text("a\0b"));
/// ```
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether XML 1.0 can carry every character of `s` (see [`is_xml_char`]).
pub fn is_xml_text(s: &str) -> bool {
    s.chars().all(is_xml_char)
}

/// The namespace of `xmlns` declarations, in which no element or attribute may be.
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// The namespace of the `xml` prefix (`xml:lang`): for attributes only. rxml lets an
/// element called `xml:name` through; minidom's parser refuses it (and the XML
/// specifications define no element in it), so a peer that wrote one back could not
/// read it.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Longest qualified name (`prefix:local`), namespace or attribute value, in bytes,
/// that a parser with rxml's default options (minidom's `str::parse`, xmpp-rs streams)
/// reads: what [`Limits::default`] reads and [`writable_copy`] keeps.
///
/// A longer one was read (the limit was 1 MiB), kept, written back, and the reader on
/// the other side refused the stanza (issue 9: a user-status extension named with 8,890
/// bytes, found by the long user_status fuzz run).
pub const MAX_TOKEN: usize = 8192;

/// Longest local name (an element's or attribute's name without its prefix), in bytes,
/// that [`ItemReader`] and [`writable_copy`] take: [`MAX_TOKEN`] less room for the
/// prefix a writer may choose in place of the one read (minidom writes `tns0:name` for
/// `p:name`), so that what was read is read back once written.
pub const MAX_LOCAL_NAME: usize = MAX_TOKEN - 64;

/// A copy of `element` that minidom can always write, or `None` when it holds
/// something XML cannot carry.
///
/// Readers keep unknown content (extensions, unknown children) as elements; what they
/// return must never make a writer panic. minidom's writer panics on an element or
/// attribute in the `xmlns` namespace (which its parser accepts as a default
/// namespace) and on a recorded `xmlns:xml` declaration (legal XML), its parser refuses
/// an element in the namespace of the `xml` prefix (`<xml:x/>`, which a stream parser
/// may let through), a tree built by hand may hold characters XML cannot carry, and a
/// name over [`MAX_LOCAL_NAME`] bytes or a namespace or attribute value over
/// [`MAX_TOKEN`] is written but refused by the parser that reads it back. The copy
/// records no prefix declarations (the writer chooses its own prefixes, the namespaces
/// are the same)
/// and has each run of adjacent text nodes merged into one, so that the same XML read
/// by a stream parser (which splits text at references) and from a string compares
/// equal.
///
/// ```
/// use minidom::Element;
/// use xep_core::xml::writable_copy;
/// let ok: Element = "<x xmlns='urn:x' xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'>a</x>".parse().unwrap();
/// assert_eq!(String::from(&writable_copy(&ok).unwrap()), "<x xmlns='urn:x' xml:lang='en'>a</x>");
/// let bad: Element = "<x xmlns='http://www.w3.org/2000/xmlns/'/>".parse().unwrap();
/// assert!(writable_copy(&bad).is_none());
/// ```
pub fn writable_copy(element: &Element) -> Option<Element> {
    try_writable_copy(element).ok()
}

/// A value written as XML text by xso's writer, without a minidom tree of it (for a
/// writer that streams text, such as `xep inspect --emit wire`).
///
/// # Panics
///
/// If xso's writer refuses the value: text or names XML cannot carry. No reader of
/// the `xep-*` crates returns such a value (they keep only [`writable_copy`]s), as
/// `Element::from` would panic on it too.
pub fn write_text(value: &impl xso::AsXml) -> String {
    let bytes = xso::to_vec(value).expect("a value read from XML writes");
    String::from_utf8(bytes).expect("xso writes UTF-8")
}

/// Why [`try_writable_copy`] made no copy: the first thing found, in the element or
/// one of its descendants, that no writer can put on the wire for a reader to read
/// back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unwritable {
    /// An element or attribute in the reserved `xmlns` namespace.
    XmlnsNamespace,
    /// An element in the namespace of the `xml` prefix.
    XmlNamespace,
    /// A local name over [`MAX_LOCAL_NAME`] bytes, or a namespace or attribute value
    /// over [`MAX_TOKEN`].
    TooLong,
    /// A character XML cannot carry (such as U+0000), or an empty name.
    Character,
}

impl fmt::Display for Unwritable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::XmlnsNamespace => "an element or attribute in the reserved xmlns namespace",
            Self::XmlNamespace => "an element in the namespace of the xml prefix",
            Self::TooLong => "a name over 8128 bytes, or a namespace or attribute value over 8192",
            Self::Character => "a character XML cannot carry",
        })
    }
}

/// [`writable_copy`], saying why there is none.
///
/// ```
/// use minidom::Element;
/// use xep_core::xml::{Unwritable, try_writable_copy};
/// let bad = Element::builder("x", "urn:x")
///     .append(Element::bare("y", "http://www.w3.org/XML/1998/namespace"))
///     .build();
/// assert_eq!(try_writable_copy(&bad), Err(Unwritable::XmlNamespace));
/// let long = Element::bare("y".repeat(9000), "urn:x");
/// assert_eq!(try_writable_copy(&long), Err(Unwritable::TooLong));
/// ```
pub fn try_writable_copy(element: &Element) -> Result<Element, Unwritable> {
    let limited = |token: &str, max: usize| {
        if token.len() > max {
            Err(Unwritable::TooLong)
        } else if !is_xml_text(token) {
            Err(Unwritable::Character)
        } else {
            Ok(())
        }
    };
    let token = |token: &str| limited(token, MAX_TOKEN);
    let name = |name: &str| limited(name, MAX_LOCAL_NAME);
    if element.name().is_empty() {
        return Err(Unwritable::Character);
    }
    name(element.name())?;
    if element.has_ns(XMLNS_NAMESPACE) {
        return Err(Unwritable::XmlnsNamespace);
    }
    if element.has_ns(XML_NAMESPACE) {
        return Err(Unwritable::XmlNamespace);
    }
    let namespace = element.ns();
    token(&namespace)?;
    let mut out = Element::builder(element.name(), namespace).build();
    for ((namespace, attr), value) in element.attrs().iter() {
        if namespace.as_str() == XMLNS_NAMESPACE {
            return Err(Unwritable::XmlnsNamespace);
        }
        token(namespace.as_str())?;
        name(attr.as_str())?;
        token(value)?;
        out.set_attr(namespace.clone(), attr.clone(), value.clone());
    }
    let mut text = String::new();
    for node in element.nodes() {
        match node {
            minidom::Node::Text(t) => {
                if !is_xml_text(t) {
                    return Err(Unwritable::Character);
                }
                text.push_str(t);
            }
            minidom::Node::Element(child) => {
                if !text.is_empty() {
                    out.append_text_node(core::mem::take(&mut text));
                }
                out.append_child(try_writable_copy(child)?);
            }
        }
    }
    if !text.is_empty() {
        out.append_text_node(text);
    }
    Ok(out)
}

/// The error of a strict conversion that met foreign content [`writable_copy`]
/// refuses.
pub const UNWRITABLE: &str = "Foreign element XML cannot carry (the xmlns namespace, the xml prefix, characters, a name over 8128 bytes, or a namespace or value over 8192).";

/// For the strict conversions (xso derives and hand-written `TryFrom<Element>`) that
/// keep foreign elements: each is replaced by its [`writable_copy`], and one that has
/// none is an error ([`UNWRITABLE`]), so that what a strict conversion accepts can
/// always be written and read back.
///
/// ```
/// use minidom::Element;
/// use xep_core::xml::make_writable;
/// let mut ok = vec![Element::bare("x", "urn:x")];
/// assert!(make_writable(&mut ok).is_ok());
/// let mut bad = vec![Element::bare("x", "http://www.w3.org/XML/1998/namespace")];
/// assert!(make_writable(&mut bad).is_err());
/// ```
pub fn make_writable(elements: &mut [Element]) -> Result<(), xso::error::Error> {
    for element in elements {
        *element = writable_copy(element).ok_or(xso::error::Error::Other(UNWRITABLE))?;
    }
    Ok(())
}

/// Values that can tell whether XML can carry all their text: the strings a serde
/// reading produces and a writer later puts into a stanza.
pub trait XmlText {
    /// Whether every character of every string in `self` is one XML can carry.
    fn is_xml_text(&self) -> bool;
}

impl XmlText for String {
    fn is_xml_text(&self) -> bool {
        is_xml_text(self)
    }
}

impl<T: XmlText> XmlText for Option<T> {
    fn is_xml_text(&self) -> bool {
        self.as_ref().is_none_or(T::is_xml_text)
    }
}

impl<T: XmlText> XmlText for Vec<T> {
    fn is_xml_text(&self) -> bool {
        self.iter().all(T::is_xml_text)
    }
}

impl<K, V: XmlText> XmlText for alloc::collections::BTreeMap<K, V> {
    fn is_xml_text(&self) -> bool {
        self.values().all(V::is_xml_text)
    }
}

/// Feeds `element` to `state` as minidom compares elements: name, namespace,
/// attributes and nodes, in order, so that equal elements hash equal (a fingerprint
/// of a value that keeps unknown content, without writing it out).
///
/// The tree is walked with a stack of its own, not by recursion: a deep tree from a
/// hostile peer cannot overflow the call stack.
///
/// ```
/// use std::hash::{BuildHasher, RandomState};
/// use minidom::Element;
/// use xep_core::xml::hash_element;
///
/// let a: Element = "<x xmlns='urn:x' b='1'>t<y/></x>".parse().unwrap();
/// let b: Element = "<x xmlns='urn:x' b='1'>t<y/></x>".parse().unwrap();
/// let c: Element = "<x xmlns='urn:x' b='1'><y/>t</x>".parse().unwrap();
/// let state = RandomState::new();
/// let hash = |e: &Element| {
///     let mut h = state.build_hasher();
///     hash_element(e, &mut h);
///     std::hash::Hasher::finish(&h)
/// };
/// assert_eq!(hash(&a), hash(&b));
/// assert_ne!(hash(&a), hash(&c));
/// ```
pub fn hash_element<H: core::hash::Hasher>(element: &Element, state: &mut H) {
    use core::hash::Hash as _;
    fn header<H: core::hash::Hasher>(e: &Element, state: &mut H) {
        e.name().hash(state);
        e.ns().hash(state);
        e.attrs().len().hash(state);
        for ((ns, name), value) in e.attrs().iter() {
            ns.as_str().hash(state);
            name.as_str().hash(state);
            value.hash(state);
        }
        e.nodes().count().hash(state);
    }
    header(element, state);
    let mut stack: Vec<&minidom::Node> = element.nodes().rev().collect();
    while let Some(node) = stack.pop() {
        match node {
            minidom::Node::Text(text) => {
                0u8.hash(state);
                text.hash(state);
            }
            minidom::Node::Element(e) => {
                1u8.hash(state);
                header(e, state);
                stack.extend(e.nodes().rev());
            }
        }
    }
}

/// For `#[serde(deserialize_with = "xep_core::xml::deserialize_xml_text")]`: reads
/// the value as usual, then refuses it if it holds a character XML cannot carry (a
/// JSON `"\u0000"`), so that no value read from JSON makes an XML writer panic.
///
/// ```
/// #[derive(serde::Deserialize)]
/// # #[allow(dead_code)]
/// struct Form {
///     #[serde(deserialize_with = "xep_core::xml::deserialize_xml_text")]
///     values: Vec<String>,
/// }
/// assert!(serde_json::from_str::<Form>(r#"{"values": ["ok"]}"#).is_ok());
/// let err = serde_json::from_str::<Form>(r#"{"values": ["a\u0000b"]}"#).err().unwrap();
/// assert!(err.to_string().starts_with("a character XML cannot carry"));
/// ```
pub fn deserialize_xml_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + XmlText,
{
    let value = T::deserialize(deserializer)?;
    if value.is_xml_text() {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(
            "a character XML cannot carry (such as U+0000)",
        ))
    }
}

/// Bounds on what [`parse_items`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (a top-level element is depth 1; a stream header does
    /// not count).
    pub max_depth: usize,
    /// Longest single qualified name or attribute value, in bytes (text of any length
    /// is read, in pieces of at most this size). Local names may be 64 bytes shorter at
    /// most, leaving room for a prefix a writer may choose.
    ///
    /// Above [`MAX_TOKEN`], what is read may be written in a form a parser with default
    /// options refuses: readers leave such foreign content out (as `Dropped`) rather
    /// than write it.
    pub max_token: usize,
}

impl Default for Limits {
    /// 16 MiB, 64 levels, names and attribute values of [`MAX_TOKEN`] bytes (local
    /// names of [`MAX_LOCAL_NAME`]): far beyond any real stanza, small enough that a
    /// hostile file cannot exhaust memory, and no more than a reader with rxml's
    /// default options reads back.
    fn default() -> Self {
        Self {
            max_bytes: 16 << 20,
            max_depth: 64,
            max_token: MAX_TOKEN,
        }
    }
}

impl Limits {
    /// Limits with a different maximum input size.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Limits with a different maximum depth.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// One top-level element and where it started.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The element.
    pub element: Element,
    /// 1-based line of its start tag.
    pub line: usize,
    /// 1-based column (in characters) of its start tag.
    pub column: usize,
}

/// A top-level element [`ItemReader::next_piece`] did not build a tree for: its bytes
/// in the input, checked well-formed and within the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    /// Its bytes, from `<` of the start tag to `>` of the end tag, as a range of the
    /// input.
    pub range: core::ops::Range<usize>,
    /// 1-based line of its start tag.
    pub line: usize,
    /// 1-based column (in characters) of its start tag.
    pub column: usize,
}

/// Which top-level elements, by (namespace, local name), [`ItemReader::with_raw`]
/// leaves as bytes.
pub type RawFilter<'a> = dyn Fn(&str, &str) -> bool + 'a;

/// What [`ItemReader::next_piece`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// An element built as a tree.
    Element(Item),
    /// An element the caller asked to read from its bytes.
    Raw(RawItem),
    /// An element built as a compact [`Tree`] ([`ItemReader::compact`]).
    Tree(TreeItem),
}

/// One top-level element as a compact [`Tree`], and where it started.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeItem {
    /// The element.
    pub tree: Tree,
    /// 1-based line of its start tag.
    pub line: usize,
    /// 1-based column (in characters) of its start tag.
    pub column: usize,
}

/// Input that is not well-formed XML, or exceeds the [`Limits`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct XmlError {
    /// 1-based line where the problem was detected.
    pub line: usize,
    /// 1-based column (in characters) where the problem was detected.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The `xml:lang` attribute of an element, if any (`Element::attr("xml:lang")` does
/// not find it: the attribute is in the XML namespace).
pub fn xml_lang(element: &Element) -> Option<&str> {
    element.attr_ns(rxml::Namespace::xml(), "lang")
}

/// Reads every top-level element of `input`.
///
/// Accepts an optional UTF-8 byte order mark and XML declaration, then either a stream
/// header whose children are returned (the stream may be left open, as captures of a
/// live stream are), or any number of elements separated by white space. Comments are
/// skipped. Refuses an input with no element at all.
///
/// This holds every element at once; [`ItemReader`] reads the same input one
/// top-level element at a time, so that a tool can drop each when done.
pub fn parse_items(input: &[u8], limits: &Limits) -> Result<Vec<Item>, XmlError> {
    ItemReader::new(input, limits).collect()
}

/// Reads the top-level elements of a capture one at a time: what [`parse_items`]
/// returns, as an iterator, so that only the element being read is held in memory (a
/// capture of a million stanzas costs one stanza's tree, not a million).
///
/// Yields each element as soon as its end tag is read, then, if the input is not
/// well-formed or exceeds the limits, one [`XmlError`], and nothing after it. Elements
/// yielded before the error were well-formed; a caller that wants all or nothing
/// collects into `Result<Vec<_>, _>`.
///
/// ```
/// use xep_core::xml::{ItemReader, Limits};
/// let mut reader = ItemReader::new(b"<presence/>\n<iq type='get' id='1'/><bad>", &Limits::default());
/// assert_eq!(reader.next().unwrap().unwrap().element.name(), "presence");
/// assert_eq!(reader.next().unwrap().unwrap().line, 2);
/// let err = reader.next().unwrap().unwrap_err();
/// assert_eq!(err.to_string(), "line 2, column 29: input ends inside <bad> opened at line 2, column 24");
/// assert!(reader.next().is_none());
/// ```
pub struct ItemReader<'a> {
    input: &'a [u8],
    limits: Limits,
    parser: Parser,
    /// What the parser has not been given yet.
    buf: &'a [u8],
    /// Offset of the next event's first byte, summed from event metrics (the lexer's
    /// read position runs ahead of it by its look-ahead).
    consumed: usize,
    /// Elements under construction, with the line and column of their start tag.
    stack: Vec<(Element, usize, usize)>,
    cursor: Cursor,
    in_stream: bool,
    stream_closed: bool,
    /// Top-level elements yielded so far.
    yielded: usize,
    /// An error found before the first element (size, XML declaration).
    pending: Option<XmlError>,
    /// Set once the end or an error has been reported.
    done: bool,
    /// Top-level elements (namespace, name) to yield as [`RawItem`]s.
    raw: Option<&'a RawFilter<'a>>,
    /// The top-level element being skipped as raw: start offset, line, column, and
    /// the depth inside it.
    raw_open: Option<(usize, usize, usize, usize)>,
    /// Whether [`next_piece`](Self::next_piece) builds compact trees.
    compact: bool,
    /// The compact tree under construction, with the line and column of each open
    /// element's start tag.
    building: Option<(TreeBuilder, Vec<(usize, usize)>)>,
}

impl fmt::Debug for ItemReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemReader")
            .field("input_len", &self.input.len())
            .field("consumed", &self.consumed)
            .field("depth", &self.stack.len())
            .field("yielded", &self.yielded)
            .finish_non_exhaustive()
    }
}

/// Room above the input's length for the lexer's token buffer: more than the longest
/// token of the synthetic stream header [`ItemReader`] parses first.
const PROLOGUE_SLACK: usize = 128;

impl<'a> ItemReader<'a> {
    /// A reader of `input` within `limits`.
    pub fn new(input: &'a [u8], limits: &Limits) -> Self {
        // rxml reserves its token buffer at the full limit up front (1 MiB by
        // default): for a stanza of a few hundred bytes that was a thousand times the
        // input (issue 9). No token can be longer than the input (or than the
        // prologue below), so the buffer is capped there; the limit still refuses
        // what it refused before, since a token that reaches the cap would have to be
        // longer than the whole input.
        let options = Options {
            comments: rxml::parser::CommentMode::Discard,
            max_token_length: limits
                .max_token
                .min(input.len().saturating_add(PROLOGUE_SLACK)),
            ..Options::default()
        };
        let mut parser = Parser::with_options(options);
        // A synthetic stream header gives unprefixed stanzas the client namespace,
        // binds the `stream:` prefix (stream features and errors cut from a log), lets
        // the parser take any number of top-level elements, and lets a capture that
        // starts mid-stream end with `</stream:stream>`.
        let mut prologue: &[u8] = b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
        loop {
            match parser.parse(&mut prologue, false) {
                Ok(Some(_)) => {}
                Err(EndOrError::NeedMoreData) => break,
                Ok(None) | Err(EndOrError::Error(_)) => {
                    unreachable!("the prologue is well-formed")
                }
            }
        }
        let mut reader = Self {
            input,
            limits: *limits,
            parser,
            buf: &[],
            consumed: 0,
            stack: Vec::new(),
            cursor: Cursor::default(),
            in_stream: false,
            stream_closed: false,
            yielded: 0,
            pending: None,
            done: false,
            raw: None,
            raw_open: None,
            compact: false,
            building: None,
        };
        match reader.start() {
            Ok(start) => {
                reader.buf = &input[start..];
                reader.consumed = start;
            }
            Err(e) => reader.pending = Some(e),
        }
        reader
    }

    /// Makes [`next_piece`](Self::next_piece) yield the top-level elements for which
    /// `raw(namespace, name)` holds as a byte range ([`RawItem`]) instead of a tree, for
    /// a caller that reads them straight from the parser's events (a 15 MB payload then
    /// costs its typed value, not a tree many times its size). The iterator
    /// ([`Iterator::next`]) is unaffected and always builds trees.
    ///
    /// A raw element is parsed here too (so that it is well-formed and within the
    /// limits), but nothing of it is kept. Its bytes rely on no namespace declaration
    /// outside it except the defaults every item gets (`jabber:client`, `stream:`).
    ///
    /// ```
    /// use xep_core::xml::{ItemReader, Limits, Piece};
    /// let input = b"<presence/><big xmlns='urn:example'><a/><a/></big>";
    /// let mut reader = ItemReader::new(input, &Limits::default())
    ///     .with_raw(&|ns, name| ns == "urn:example" && name == "big");
    /// assert!(matches!(reader.next_piece(), Some(Ok(Piece::Element(_)))));
    /// let Some(Ok(Piece::Raw(raw))) = reader.next_piece() else { panic!() };
    /// assert_eq!(&input[raw.range], b"<big xmlns='urn:example'><a/><a/></big>");
    /// assert!(reader.next_piece().is_none());
    /// ```
    pub fn with_raw(mut self, raw: &'a RawFilter<'a>) -> Self {
        self.raw = Some(raw);
        self
    }

    /// Makes [`next_piece`](Self::next_piece) yield each top-level element (other than
    /// the raw ones) as a compact [`Tree`] ([`Piece::Tree`]) instead of a minidom
    /// element: a caller that walks a large stanza and builds minidom elements only
    /// for the parts it recognises ([`TreeElement::to_element`]) then holds a few
    /// times the stanza's text instead of some thirty. The checks and errors are the
    /// same. The iterator ([`Iterator::next`]) is unaffected and always builds
    /// minidom elements.
    ///
    /// [`TreeElement::to_element`]: crate::tree::TreeElement::to_element
    pub fn compact(mut self) -> Self {
        self.compact = true;
        self
    }

    /// The next top-level element, as a tree or (see [`with_raw`](Self::with_raw)) as
    /// a byte range; then at most one error, then `None`.
    pub fn next_piece(&mut self) -> Option<Result<Piece, XmlError>> {
        if self.done {
            return None;
        }
        match self.read_next(self.raw, self.compact) {
            Ok(Some(piece)) => Some(Ok(piece)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                // The elements under construction are no longer needed.
                self.stack = Vec::new();
                self.building = None;
                Some(Err(e))
            }
        }
    }

    fn at(&self, offset: usize, message: String) -> XmlError {
        let (line, column) = line_column(self.input, offset);
        XmlError {
            line,
            column,
            message,
        }
    }

    /// What every start tag must satisfy, whether it is built into a tree or left as
    /// bytes: names and namespaces a writer can put back on the wire for a reader to
    /// read.
    fn check_names(
        &self,
        offset: usize,
        namespace: &str,
        name: &str,
        attrs: &rxml::AttrMap,
    ) -> Result<(), XmlError> {
        // "Other prefixes MUST NOT be bound to this namespace name, and it
        // MUST NOT be declared as the default namespace" (Namespaces in
        // XML 1.0, 3): rxml lets it through, and no writer can write an
        // element or attribute in it back.
        if namespace == XMLNS_NAMESPACE {
            return Err(self.at(
                offset,
                format!(
                    "element <{name}> is in the reserved namespace {XMLNS_NAMESPACE}, which may not be declared"
                ),
            ));
        }
        if namespace == XML_NAMESPACE {
            return Err(self.at(
                offset,
                format!(
                    "element <xml:{name}> is in the namespace of the xml prefix ({XML_NAMESPACE}), which is for attributes such as xml:lang; minidom refuses such an element"
                ),
            ));
        }
        if let Some(((_, attr), _)) = attrs
            .iter()
            .find(|((ns, _), _)| ns.as_str() == XMLNS_NAMESPACE)
        {
            return Err(self.at(
                offset,
                format!(
                    "attribute {attr} of <{name}> is in the reserved namespace {XMLNS_NAMESPACE}, to which no prefix may be bound"
                ),
            ));
        }
        // Room for a prefix a writer may choose: `p:` read may be written
        // `tns0:`, and what was read must read back.
        let max_local = self
            .limits
            .max_token
            .saturating_sub(MAX_TOKEN - MAX_LOCAL_NAME);
        if let Some(long) = core::iter::once(name)
            .chain(attrs.iter().map(|((_, attr), _)| attr.as_str()))
            .find(|local| local.len() > max_local)
        {
            return Err(self.at(
                offset,
                format!(
                    "a local name of {} bytes ({}) is over the limit of {max_local}, which leaves room for a prefix",
                    long.len(),
                    crate::reading::excerpt(long)
                ),
            ));
        }
        Ok(())
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while self.input.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    }

    /// Checks the size and skips a byte order mark and an XML declaration: the offset
    /// the elements start at.
    fn start(&self) -> Result<usize, XmlError> {
        let input = self.input;
        if input.len() > self.limits.max_bytes {
            return Err(self.at(
                0,
                format!(
                    "input is {} bytes, over the limit of {}",
                    input.len(),
                    self.limits.max_bytes
                ),
            ));
        }
        let mut start = 0;
        if input.starts_with(b"\xEF\xBB\xBF") {
            start = 3;
        }
        if input[start..].starts_with(b"<?xml") {
            let end = find(&input[start..], b"?>")
                .ok_or_else(|| self.at(start, "unterminated XML declaration".into()))?;
            start = self.skip_ws(start + end + 2);
        }
        Ok(start)
    }

    /// The next top-level element, `Ok(None)` at a well-formed end.
    /// How deep the element under construction is open.
    fn depth(&self) -> usize {
        match &self.building {
            Some((builder, ..)) => builder.depth(),
            None => self.stack.len(),
        }
    }

    fn read_next(
        &mut self,
        raw: Option<&RawFilter<'_>>,
        compact: bool,
    ) -> Result<Option<Piece>, XmlError> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        loop {
            let before = self.consumed;
            let event = match self.parser.parse(&mut self.buf, false) {
                Ok(Some(event)) => event,
                // The synthetic stream was closed: anything after it is refused below.
                Ok(None) => break,
                Err(EndOrError::NeedMoreData) => break,
                // Reported at the start of the construct that failed (the lexer's own
                // position runs ahead of it).
                Err(EndOrError::Error(e)) => {
                    let offset = self.skip_ws(before).min(self.input.len());
                    let message = error_message(&e, &self.input[offset..], &self.limits);
                    return Err(self.at(offset, message));
                }
            };
            self.consumed += event.metrics().len();
            if let Some((start, line, column, depth)) = self.raw_open {
                if let Event::StartElement(metrics, (namespace, name), attrs) = &event {
                    let offset = self.skip_ws(before).min(before + metrics.len());
                    self.check_names(offset, namespace, name.as_str(), attrs)?;
                }
                let depth = match event {
                    Event::StartElement(..) => depth + 1,
                    Event::EndElement(_) => depth - 1,
                    _ => depth,
                };
                if depth > self.limits.max_depth {
                    return Err(self.at(
                        self.skip_ws(before),
                        format!(
                            "elements nested deeper than {} levels",
                            self.limits.max_depth
                        ),
                    ));
                }
                if depth == 0 {
                    self.raw_open = None;
                    self.yielded += 1;
                    return Ok(Some(Piece::Raw(RawItem {
                        range: start..self.consumed,
                        line,
                        column,
                    })));
                }
                self.raw_open = Some((start, line, column, depth));
                continue;
            }
            match event {
                Event::XmlDeclaration(..) => {
                    return Err(self.at(
                        before,
                        "XML declaration after the start of the input".into(),
                    ));
                }
                Event::StartElement(metrics, (namespace, name), attrs) => {
                    // The start offset: skip leading white space the metrics include.
                    let offset = self.skip_ws(before).min(before + metrics.len());
                    let ns_str: &str = &namespace;
                    let depth = self.depth();
                    if depth == 0 && ns_str == ns::STREAM && name == "stream" {
                        if self.in_stream {
                            return Err(self.at(offset, "stream header inside a stream".into()));
                        }
                        if self.yielded > 0 || self.stream_closed {
                            return Err(
                                self.at(offset, "stream header after other elements".into())
                            );
                        }
                        self.in_stream = true;
                        continue;
                    }
                    if depth >= self.limits.max_depth {
                        return Err(self.at(
                            offset,
                            format!(
                                "elements nested deeper than {} levels",
                                self.limits.max_depth
                            ),
                        ));
                    }
                    // XMPP has no unqualified top-level elements; one written back
                    // would read as `jabber:client`.
                    if depth == 0 && ns_str.is_empty() {
                        return Err(self.at(offset, format!("element <{name}> is in no namespace")));
                    }
                    self.check_names(offset, ns_str, name.as_str(), &attrs)?;
                    if depth == 0 && raw.is_some_and(|raw| raw(ns_str, name.as_str())) {
                        self.cursor.advance(self.input, offset);
                        self.raw_open = Some((offset, self.cursor.line, self.cursor.column, 1));
                        continue;
                    }
                    if compact {
                        self.cursor.advance(self.input, offset);
                        let at = (self.cursor.line, self.cursor.column);
                        let (builder, open) = self.building.get_or_insert_default();
                        builder.start(&namespace, &name, attrs);
                        open.push(at);
                        continue;
                    }
                    let mut element = Element::builder(name.as_str(), ns_str).build();
                    *element.attrs_mut() = attrs;
                    self.cursor.advance(self.input, offset);
                    self.stack
                        .push((element, self.cursor.line, self.cursor.column));
                }
                Event::EndElement(_) if self.building.is_some() => {
                    let (builder, open) = self.building.as_mut().expect("checked by the guard");
                    let (line, column) = open.pop().expect("as deep as the builder");
                    if let Some(tree) = builder.end() {
                        let item = TreeItem { tree, line, column };
                        self.building = None;
                        self.yielded += 1;
                        return Ok(Some(Piece::Tree(item)));
                    }
                }
                Event::EndElement(_) => match self.stack.pop() {
                    Some((element, line, column)) => match self.stack.last_mut() {
                        Some((parent, ..)) => {
                            parent.append_child(element);
                        }
                        None => {
                            self.yielded += 1;
                            return Ok(Some(Piece::Element(Item {
                                element,
                                line,
                                column,
                            })));
                        }
                    },
                    // The end of a stream, whether its header is in the capture or not.
                    None => {
                        self.in_stream = false;
                        self.stream_closed = true;
                    }
                },
                Event::Text(_, text) if self.building.is_some() => {
                    let (builder, ..) = self.building.as_mut().expect("checked by the guard");
                    builder.text(&text);
                }
                Event::Text(_, text) => match self.stack.last_mut() {
                    Some((parent, ..)) => parent.append_text(text),
                    None if text.trim().is_empty() => {}
                    None => {
                        let offset = self.skip_ws(before);
                        return Err(self.at(offset, "text outside any element".into()));
                    }
                },
            }
        }
        let input = self.input;
        // Bytes the parser holds back, waiting for more input: a trailing text run or
        // a cut-off tag.
        let tail = self.skip_ws(self.consumed);
        if tail < input.len() && self.depth() == 0 && self.raw_open.is_none() {
            return Err(if input[tail] == b'<' {
                self.at(input.len(), "input ends inside a tag".into())
            } else {
                self.at(tail, "text outside any element".into())
            });
        }
        if let Some((start, line, column, _)) = self.raw_open {
            let name_end = input[start + 1..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
                .map_or(input.len(), |i| start + 1 + i);
            return Err(self.at(
                input.len(),
                format!(
                    "input ends inside <{}> opened at line {line}, column {column}",
                    String::from_utf8_lossy(&input[start + 1..name_end])
                ),
            ));
        }
        if let Some((builder, open)) = &self.building {
            let (line, column) = open.last().copied().unwrap_or_default();
            return Err(self.at(
                input.len(),
                format!(
                    "input ends inside <{}> opened at line {line}, column {column}",
                    builder.open_name().unwrap_or_default()
                ),
            ));
        }
        if let Some((element, line, column)) = self.stack.last() {
            return Err(self.at(
                input.len(),
                format!(
                    "input ends inside <{}> opened at line {line}, column {column}",
                    element.name()
                ),
            ));
        }
        if self.yielded == 0 {
            return Err(self.at(input.len(), "no XML element in the input".into()));
        }
        Ok(None)
    }
}

impl Iterator for ItemReader<'_> {
    type Item = Result<Item, XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_next(None, false) {
            Ok(Some(Piece::Element(item))) => Some(Ok(item)),
            Ok(Some(Piece::Raw(_) | Piece::Tree(_))) => {
                unreachable!("raw and compact items only when asked")
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                // The elements under construction are no longer needed.
                self.stack = Vec::new();
                Some(Err(e))
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(input: &[u8], offset: usize) -> (usize, usize) {
    let mut cursor = Cursor::default();
    cursor.advance(input, offset);
    (cursor.line, cursor.column)
}

/// A position that only moves forward, so that positions of many elements cost one
/// pass over the input in all (a fresh count from the start for each element made
/// large captures quadratic).
#[derive(Debug, Clone, Copy)]
struct Cursor {
    offset: usize,
    line: usize,
    column: usize,
}

impl Default for Cursor {
    fn default() -> Self {
        Self {
            offset: 0,
            line: 1,
            column: 1,
        }
    }
}

impl Cursor {
    /// Moves to `offset` (clamped to the input; never backwards), counting lines and
    /// characters (UTF-8 continuation bytes do not start a character).
    fn advance(&mut self, input: &[u8], offset: usize) {
        let offset = offset.min(input.len());
        if offset <= self.offset {
            return;
        }
        for &b in &input[self.offset..offset] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.offset = offset;
    }
}

/// What went wrong, in words that point at the cause: `rest` is the input from where
/// the failing construct starts.
fn error_message(e: &rxml::Error, rest: &[u8], limits: &Limits) -> String {
    const NOT_IN_XMPP: &str = "not allowed in XMPP (RFC 6120, section 11.1)";
    let starts = |prefix: &[u8]| {
        rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    match e {
        // rxml sees `<!DOCTYPE` as a broken comment or CDATA start.
        rxml::Error::InvalidSyntax(_) if starts(b"<!DOCTYPE") => {
            format!(
                "refused: a DTD (<!DOCTYPE ...>); DTDs and entity declarations are {NOT_IN_XMPP}"
            )
        }
        rxml::Error::InvalidSyntax(_)
            if starts(b"<!ENTITY") || starts(b"<!ELEMENT") || starts(b"<!ATTLIST") =>
        {
            format!(
                "refused: a DTD declaration (<!ENTITY ...>); DTDs and entity declarations are {NOT_IN_XMPP}"
            )
        }
        rxml::Error::RestrictedXml("processing instructions") => {
            format!(
                "refused: a processing instruction (<?...?>); processing instructions are {NOT_IN_XMPP}"
            )
        }
        rxml::Error::RestrictedXml("long name or reference") => format!(
            "a name or attribute value is over the limit of {} bytes",
            limits.max_token
        ),
        rxml::Error::RestrictedXml("event too long") => format!(
            "a start tag is over the limit of {} bytes",
            limits.max_token
        ),
        rxml::Error::RestrictedXml(what) => format!("refused: {what} ({NOT_IN_XMPP})"),
        rxml::Error::UndeclaredEntity => {
            "use of an undeclared entity (only the five XML entities are allowed; DTDs are refused)"
                .into()
        }
        rxml::Error::UndeclaredNamespacePrefix(context) => {
            if matches!(context, Some(rxml::error::ErrorContext::AttributeName)) {
                return "an attribute name uses a namespace prefix that no xmlns:PREFIX='...' declares".into();
            }
            match element_prefix(rest) {
                Some(prefix) if prefix.len() <= 40 => format!(
                    "an element name uses the prefix {prefix:?} that no xmlns:{prefix}='...' declares"
                ),
                Some(prefix) => format!(
                    "an element name uses the prefix {} that no xmlns declaration binds",
                    crate::reading::excerpt(&prefix)
                ),
                None => {
                    "an element name uses a namespace prefix that no xmlns:PREFIX='...' declares"
                        .into()
                }
            }
        }
        other => format!("not well-formed XML: {other}"),
    }
}

/// The prefix of the element name at the start of `rest` (`<p:b ...`).
fn element_prefix(rest: &[u8]) -> Option<String> {
    let tag = rest.strip_prefix(b"<")?;
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b':'))?;
    (tag.get(end) == Some(&b':')).then(|| String::from_utf8_lossy(&tag[..end]).into_owned())
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<{}> at line {}, column {}",
            self.element.name(),
            self.line,
            self.column
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn items(s: &str) -> Vec<Item> {
        parse_items(s.as_bytes(), &Limits::default()).unwrap()
    }

    fn err(s: &str) -> String {
        parse_items(s.as_bytes(), &Limits::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn several_top_level_elements_with_positions() {
        let got =
            items("<?xml version='1.0'?>\n<iq type='get'/>\n  <message><body>hi</body></message>");
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].line, got[0].column), (2, 1));
        assert_eq!((got[1].line, got[1].column), (3, 3));
        assert_eq!(got[0].element.ns(), "jabber:client");
        assert_eq!(
            got[1]
                .element
                .get_child("body", "jabber:client")
                .unwrap()
                .text(),
            "hi"
        );
    }

    #[test]
    fn open_and_closed_streams() {
        let open = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='a.example'><iq type='result' id='x'/><presence/>";
        let got = items(open);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].element.ns(), "jabber:server");
        let closed = format!("{open}</stream:stream>");
        assert_eq!(items(&closed).len(), 2);
    }

    #[test]
    fn capture_may_end_a_stream_it_did_not_start() {
        let got = items(
            "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\n</stream:stream>\n",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].element.name(), "error");
    }

    #[test]
    fn fuzz_regressions() {
        assert_eq!(
            err(
                "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:stream/>"
            ),
            "line 1, column 86: stream header inside a stream"
        );
        assert_eq!(
            err("<a xmlns=''/>"),
            "line 1, column 1: element <a> is in no namespace"
        );
        // Nested unqualified elements are fine: they are written back with xmlns=''.
        let got = items("<a xmlns='urn:x'><b xmlns=''/></a>");
        let again = items(&String::from(&got[0].element));
        assert_eq!(again[0].element, got[0].element);
    }

    #[test]
    fn stream_prefix_is_predeclared() {
        let got = items(
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
        );
        assert_eq!(got[0].element.ns(), "http://etherx.jabber.org/streams");
        assert_eq!(got[0].element.name(), "features");
    }

    #[test]
    fn explicit_namespaces_attributes_and_comments() {
        let got = items(
            "<!-- a capture -->\n<serverinfo xmlns='urn:xmpp:serverinfo:0' xml:lang='en'><domain name='a'/></serverinfo>",
        );
        let e = &got[0].element;
        assert_eq!(e.ns(), "urn:xmpp:serverinfo:0");
        assert_eq!(e.children().next().unwrap().attr("name"), Some("a"));
        assert_eq!(e.attr_ns(rxml::Namespace::xml(), "lang"), Some("en"));
    }

    #[test]
    fn hostile_inputs_are_one_line_errors() {
        let dtd = err("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>");
        assert!(dtd.starts_with("line 1, column "), "{dtd}");
        assert!(!dtd.contains('\n'));
        assert!(err("<x>&lol;</x>").contains("undeclared entity"));
        // What the cause is, not what the lexer tripped over.
        for bomb in [
            "<!DOCTYPE x [<!ENTITY a 'b'>]><x/>",
            "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]><lolz>&lol2;</lolz>",
            "<!doctype x SYSTEM 'file:///etc/passwd'><x/>",
        ] {
            let e = err(bomb);
            assert!(e.contains("refused: a DTD (<!DOCTYPE ...>); DTDs and entity declarations are not allowed in XMPP"), "{e}");
        }
        assert!(err("<!ENTITY a 'b'><x/>").contains("refused: a DTD declaration"));
        let long = format!("<a b='{}'/>", "x".repeat(2 << 20));
        assert_eq!(
            err(&long),
            "line 1, column 1: a name or attribute value is over the limit of 8192 bytes"
        );
        assert_eq!(
            err("<a><p:b/></a>"),
            "line 1, column 4: an element name uses the prefix \"p\" that no xmlns:p='...' declares"
        );
        assert_eq!(
            err("<a xmlns:p='urn:x'><b p:c='1' q:d='2'/></a>"),
            "line 1, column 20: an attribute name uses a namespace prefix that no xmlns:PREFIX='...' declares"
        );
        // The reserved xmlns namespace: accepted by rxml, unwritable by minidom
        // (`<xmlns:bad/>` came out of `xep inspect --emit wire`).
        assert_eq!(
            err("<a xmlns='urn:a'><bad xmlns='http://www.w3.org/2000/xmlns/'/></a>"),
            "line 1, column 18: element <bad> is in the reserved namespace http://www.w3.org/2000/xmlns/, which may not be declared"
        );
        // An element with the xml prefix: rxml takes it, minidom's parser does not,
        // so one written back could not be read (found by the psa_payload long run).
        assert_eq!(
            err("<a xmlns='urn:a'><xml:b/></a>"),
            "line 1, column 18: element <xml:b> is in the namespace of the xml prefix (http://www.w3.org/XML/1998/namespace), which is for attributes such as xml:lang; minidom refuses such an element"
        );
        assert!("<a xmlns='urn:a'><xml:b/></a>".parse::<Element>().is_err());
        assert_eq!(
            err("<a xmlns='urn:a' xmlns:x='http://www.w3.org/2000/xmlns/' x:b='1'/>"),
            "line 1, column 1: attribute b of <a> is in the reserved namespace http://www.w3.org/2000/xmlns/, to which no prefix may be bound"
        );
        assert!(err("<x><?pi x?></x>").starts_with("line 1"));
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(
            err(&deep),
            "line 1, column 193: elements nested deeper than 64 levels"
        );
        let small = Limits::default().with_max_bytes(10);
        assert_eq!(
            parse_items(b"<presence/><presence/>", &small)
                .unwrap_err()
                .to_string(),
            "line 1, column 1: input is 22 bytes, over the limit of 10"
        );
    }

    /// Found by the user_status long run: an extension element named with 8,890
    /// bytes was read (the token limit was 1 MiB), kept and written back, and minidom's
    /// parser refused the output ("long name or reference"). Then by the xml target's
    /// seed at the new limit: `p:` plus a local name of 8,190 bytes was read, written
    /// as `tns0:` plus the same, and not read back.
    #[test]
    fn names_and_values_are_read_only_as_long_as_a_default_parser_reads_them_back() {
        assert_eq!((MAX_TOKEN, MAX_LOCAL_NAME), (8192, 8128));
        assert!(UNWRITABLE.contains("8128") && UNWRITABLE.contains("8192"));
        let err = |s: &str| {
            parse_items(s.as_bytes(), &Limits::default())
                .unwrap_err()
                .to_string()
        };
        let long = |n: usize| "n".repeat(n);
        assert_eq!(
            err(&format!("<a xmlns='urn:a'>\n <{}/></a>", long(8193))),
            "line 2, column 2: a name or attribute value is over the limit of 8192 bytes"
        );
        assert_eq!(
            err(&format!("<a xmlns='urn:a'><b c='{}'/></a>", long(8193))),
            "line 1, column 18: a name or attribute value is over the limit of 8192 bytes"
        );
        let excerpt = crate::reading::excerpt(&long(8129));
        assert_eq!(
            err(&format!("<a xmlns='urn:a'>\n <{}/></a>", long(8129))),
            format!(
                "line 2, column 2: a local name of 8129 bytes ({excerpt}) is over the limit of 8128, which leaves room for a prefix"
            )
        );
        assert!(
            err(&format!(
                "<a xmlns='urn:a' xmlns:p='urn:p'><b p:{}='1'/></a>",
                long(8129)
            ))
            .starts_with("line 1, column 34: a local name of 8129 bytes")
        );
        // At the limits: read, written (an attribute with a one-letter prefix is
        // written with a longer one) and read back by minidom's parser and by ours, as
        // is long text.
        let name = "n".repeat(MAX_LOCAL_NAME);
        let local = "l".repeat(MAX_LOCAL_NAME);
        let value = "v".repeat(MAX_TOKEN);
        let text = "t".repeat(10 * MAX_TOKEN);
        let input = format!(
            "<a xmlns='urn:a' xmlns:p='urn:p'><{name} p:{local}='{value}'>{text}</{name}></a>"
        );
        let items = parse_items(input.as_bytes(), &Limits::default()).unwrap();
        let written = String::from(&items[0].element);
        let back: Element = written.parse().expect("minidom reads back what was read");
        assert_eq!(back, items[0].element);
        let again = parse_items(written.as_bytes(), &Limits::default()).expect("and we do");
        assert_eq!(again[0].element, items[0].element);
        let child = back.get_child(name.as_str(), "urn:a").unwrap();
        assert_eq!(child.attr_ns("urn:p", local.as_str()), Some(value.as_str()));
        assert_eq!(child.text().len(), text.len());
        // minidom's parser refuses a name over 8,192 bytes, which is what the limit is for.
        let longer = format!("<{0} xmlns='urn:a'/>", "n".repeat(8193));
        assert!(longer.parse::<Element>().is_err());
    }

    #[test]
    fn writable_copy_refuses_what_a_default_parser_cannot_read_back() {
        let over = "x".repeat(MAX_LOCAL_NAME + 1);
        let at = "x".repeat(MAX_LOCAL_NAME);
        let value_over = "x".repeat(MAX_TOKEN + 1);
        let value_at = "x".repeat(MAX_TOKEN);
        let wrapped = |e: Element| Element::builder("w", "urn:w").append(e).build();
        let nc = |s: &str| rxml::NcName::try_from(s).unwrap();
        for (element, writable) in [
            (Element::bare(over.as_str(), "urn:x"), false),
            (Element::bare(at.as_str(), "urn:x"), true),
            (Element::bare("x", format!("urn:{value_over}")), false),
            (Element::bare("x", value_at.as_str()), true),
            (
                Element::builder("x", "urn:x").attr(nc(&over), "1").build(),
                false,
            ),
            (
                Element::builder("x", "urn:x")
                    .attr(nc("a"), value_over.as_str())
                    .build(),
                false,
            ),
            (
                Element::builder("x", "urn:x")
                    .attr(nc("a"), value_at.as_str())
                    .build(),
                true,
            ),
        ] {
            let copy = writable_copy(&wrapped(element.clone()));
            assert_eq!(copy.is_some(), writable, "{:.40}", element.name());
            if let Some(copy) = copy {
                let back: Element = String::from(&copy).parse().unwrap();
                assert_eq!(back, copy);
            }
            let mut strict = vec![element];
            assert_eq!(make_writable(&mut strict).is_ok(), writable);
        }
    }

    #[test]
    fn malformed_inputs_name_the_place() {
        assert_eq!(
            err("<a>\n<b></a>"),
            "line 2, column 4: not well-formed XML: start and end tag do not match"
        );
        assert_eq!(
            err("<a>\n  <b>"),
            "line 2, column 6: input ends inside <b> opened at line 2, column 3"
        );
        assert_eq!(err(""), "line 1, column 1: no XML element in the input");
        assert_eq!(
            err("  \n "),
            "line 2, column 2: no XML element in the input"
        );
        assert_eq!(
            err("<a/>junk"),
            "line 1, column 5: text outside any element"
        );
        assert_eq!(
            err("<a/></b>"),
            "line 1, column 5: not well-formed XML: start and end tag do not match"
        );
        assert_eq!(
            err("<a/></stream:stream><b/>"),
            "line 1, column 21: not well-formed XML: unexpected '<' token at end of document (expected end-of-file)"
        );
        assert_eq!(err("<a/><b"), "line 1, column 7: input ends inside a tag");
        assert!(err("<a x='1' x='2'/>").contains("not well-formed"));
        assert!(err("<p:a/>").contains("uses the prefix \"p\""));
        assert!(err("<a>\u{1}</a>").contains("not well-formed"));
        assert!(parse_items(b"<a>\xff</a>", &Limits::default()).is_err());
    }

    fn tree() -> impl Strategy<Value = Element> {
        let leaf = (
            "[a-z]{1,6}",
            "(urn:a|urn:b|jabber:client)",
            proptest::option::of("[ -~é中]{1,12}"),
        )
            .prop_map(|(name, ns, text)| {
                let mut e = Element::builder(name, ns).build();
                if let Some(text) = text {
                    e.append_text_node(text);
                }
                e
            });
        leaf.prop_recursive(4, 32, 4, |inner| {
            (
                "[a-z]{1,6}",
                "(urn:a|urn:b)",
                proptest::collection::btree_map("[a-z]{1,4}", "[ -~é]{0,8}", 0..3),
                proptest::collection::vec(inner, 0..4),
            )
                .prop_map(|(name, ns, attrs, children)| {
                    let mut e = Element::builder(name, ns).build();
                    for (k, v) in attrs {
                        e.set_attr(
                            rxml::Namespace::NONE,
                            k.try_into().expect("lowercase ASCII is a name"),
                            v,
                        );
                    }
                    for c in children {
                        e.append_child(c);
                    }
                    e
                })
        })
    }

    /// Every piece of `input`, with every top-level element in no-stream namespaces
    /// read raw and then parsed on its own.
    fn pieces_reparsed(input: &[u8], limits: &Limits) -> Result<Vec<Item>, XmlError> {
        let mut reader = ItemReader::new(input, limits).with_raw(&|ns, _| ns != ns::STREAM);
        let mut out = Vec::new();
        while let Some(piece) = reader.next_piece() {
            match piece? {
                Piece::Element(item) => out.push(item),
                Piece::Raw(raw) => {
                    let mut again = parse_items(&input[raw.range], limits).unwrap();
                    assert_eq!(again.len(), 1);
                    let mut item = again.remove(0);
                    (item.line, item.column) = (raw.line, raw.column);
                    out.push(item);
                }
                Piece::Tree(_) => unreachable!("not asked for"),
            }
        }
        Ok(out)
    }

    /// Every top-level element of `input` read as a compact tree, then built as a
    /// minidom element.
    fn compact_items(input: &[u8], limits: &Limits) -> Result<Vec<Item>, XmlError> {
        let mut reader = ItemReader::new(input, limits).compact();
        let mut out = Vec::new();
        while let Some(piece) = reader.next_piece() {
            let Piece::Tree(item) = piece? else {
                unreachable!("every piece is compact")
            };
            // Written as text, it reads back as the same element.
            let root = item.tree.root();
            let text = root.to_xml();
            let again = parse_items(text.as_bytes(), &Limits::default())
                .unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(again.len(), 1, "{text}");
            assert_eq!(again[0].element, root.to_element(), "{text}");
            out.push(Item {
                element: item.tree.root().to_element(),
                line: item.line,
                column: item.column,
            });
        }
        Ok(out)
    }

    #[test]
    fn compact_trees_and_errors_match_the_trees() {
        let long_name = format!("<a xmlns='urn:a'><b>\n <{}/></b></a>", "n".repeat(8129));
        let deep = format!("<a xmlns='urn:a'>{}", "<b>".repeat(70));
        let long_value = format!("<a xmlns='urn:a' v='{}'/>", "&gt;".repeat(8192));
        for input in [
            "<a xmlns='urn:a'><b/>text</a>\n  <iq type='get' id='1'><query/></iq>",
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><message/><presence/>",
            "<a xmlns='urn:a'><b>",
            "<a xmlns='urn:a'>\n<b>\n  <c>text",
            "<a xmlns='urn:a'/><b",
            "<a xmlns='urn:a'><b><c><d><e/></d></c></b></a>",
            "<a xmlns='urn:a'/>text",
            "<a xmlns='urn:a' xml:lang='de' k='&lt;v&gt;'>one<b xmlns='urn:b' k='1'>two</b>th<![CDATA[r]]>ee<!-- c -->four<c/></a>",
            "<a xmlns='urn:a'><b/>\n<bad xmlns='http://www.w3.org/2000/xmlns/'/></a>",
            "<a xmlns='urn:a'><b><xml:c/></b></a>",
            "<a xmlns='urn:a'/></stream:stream><b xmlns='urn:a'/>",
            "<a xmlns='urn:a'/><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
            "<a/>",
            "",
            &long_name,
            &deep,
            &long_value,
        ] {
            let limits = Limits::default().with_max_depth(64);
            assert_eq!(
                compact_items(input.as_bytes(), &limits),
                parse_items(input.as_bytes(), &limits),
                "{input}"
            );
        }
        // The samples and captures the tools read.
        let mut files = 0;
        for dir in ["../../shared/interop-samples", "../xep-cli/samples"] {
            let dir = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let limits = Limits::default();
                let Ok(expected) = parse_items(&bytes, &limits) else {
                    continue;
                };
                assert_eq!(compact_items(&bytes, &limits), Ok(expected), "{entry:?}");
                files += 1;
            }
        }
        assert!(files >= 5, "{files} files compared");
    }

    #[test]
    fn raw_pieces_and_errors_match_the_trees() {
        for input in [
            "<a xmlns='urn:a'><b/>text</a>\n  <iq type='get' id='1'><query/></iq>",
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><message/><presence/>",
            "<a xmlns='urn:a'><b>",
            "<a xmlns='urn:a'/><b",
            "<a xmlns='urn:a'><b><c><d><e/></d></c></b></a>",
            "<a xmlns='urn:a'/>text",
            // Names no writer can put back are refused inside a raw element too (they
            // were let through, and only the tree reading refused them).
            "<a xmlns='urn:a'><b/>\n<bad xmlns='http://www.w3.org/2000/xmlns/'/></a>",
            "<a xmlns='urn:a'><b xmlns:x='http://www.w3.org/2000/xmlns/' x:c='1'/></a>",
            "<a xmlns='urn:a'><b><xml:c/></b></a>",
            &format!("<a xmlns='urn:a'><b>\n <{}/></b></a>", "n".repeat(8129)),
        ] {
            // Errors at the same place (a raw element cut off is named by its
            // top-level element, not by the innermost one open).
            let limits = Limits::default().with_max_depth(4);
            assert_eq!(
                pieces_reparsed(input.as_bytes(), &limits).map_err(|e| (e.line, e.column)),
                parse_items(input.as_bytes(), &limits).map_err(|e| (e.line, e.column)),
                "{input}"
            );
        }
    }

    proptest! {
        #[test]
        fn raw_pieces_reparse_to_the_same_trees(trees in proptest::collection::vec(tree(), 1..4)) {
            let text: String = trees.iter().map(String::from).collect::<Vec<_>>().join("\n");
            let limits = Limits::default();
            prop_assert_eq!(
                pieces_reparsed(text.as_bytes(), &limits),
                parse_items(text.as_bytes(), &limits)
            );
        }

        #[test]
        fn compact_trees_equal_the_trees(trees in proptest::collection::vec(tree(), 1..4)) {
            let text: String = trees.iter().map(String::from).collect::<Vec<_>>().join("\n");
            let limits = Limits::default();
            prop_assert_eq!(
                compact_items(text.as_bytes(), &limits),
                parse_items(text.as_bytes(), &limits)
            );
        }

        #[test]
        fn serialised_trees_read_back_equal(trees in proptest::collection::vec(tree(), 1..4)) {
            let text: String = trees.iter().map(String::from).collect::<Vec<_>>().join("\n");
            let got = parse_items(text.as_bytes(), &Limits::default()).unwrap();
            let got: Vec<Element> = got.into_iter().map(|i| i.element).collect();
            prop_assert_eq!(got, trees);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_items(&bytes, &Limits::default().with_max_depth(4));
        }

        #[test]
        fn arbitrary_markup_never_panics(s in "[<>/a-c='\" &;:!?-]{0,40}") {
            let _ = parse_items(s.as_bytes(), &Limits::default().with_max_depth(4));
        }
    }

    #[test]
    fn positions_of_many_items_on_one_line_and_many_lines() {
        let one_line = "<a xmlns='urn:x'/>".repeat(5000);
        let got = items(&one_line);
        assert_eq!((got[4999].line, got[4999].column), (1, 1 + 4999 * 18));
        let lines = "<é xmlns='urn:x'/>\n".repeat(5000);
        let got = items(&lines);
        assert_eq!((got[4999].line, got[4999].column), (5000, 1));
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("é\nab".as_bytes(), 5), (2, 3));
        assert_eq!(line_column(b"abc", 99), (1, 4));
    }
}

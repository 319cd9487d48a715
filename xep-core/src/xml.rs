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

/// Bounds on what [`parse_items`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (a top-level element is depth 1; a stream header does
    /// not count).
    pub max_depth: usize,
    /// Longest single name, attribute value or text token, in bytes.
    pub max_token: usize,
}

impl Default for Limits {
    /// 16 MiB, 64 levels, 1 MiB tokens: far beyond any real stanza, small enough that a
    /// hostile file cannot exhaust memory.
    fn default() -> Self {
        Self {
            max_bytes: 16 << 20,
            max_depth: 64,
            max_token: 1 << 20,
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

/// Reads every top-level element of `input`.
///
/// Accepts an optional UTF-8 byte order mark and XML declaration, then either a stream
/// header whose children are returned (the stream may be left open, as captures of a
/// live stream are), or any number of elements separated by white space. Comments are
/// skipped. Refuses an input with no element at all.
pub fn parse_items(input: &[u8], limits: &Limits) -> Result<Vec<Item>, XmlError> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_column(input, offset);
        XmlError {
            line,
            column,
            message,
        }
    };
    if input.len() > limits.max_bytes {
        return Err(at(
            0,
            format!(
                "input is {} bytes, over the limit of {}",
                input.len(),
                limits.max_bytes
            ),
        ));
    }
    let mut start = 0;
    if input.starts_with(b"\xEF\xBB\xBF") {
        start = 3;
    }
    let skip_ws = |mut i: usize| {
        while input.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    if input[start..].starts_with(b"<?xml") {
        let end = find(&input[start..], b"?>")
            .ok_or_else(|| at(start, "unterminated XML declaration".into()))?;
        start = skip_ws(start + end + 2);
    }

    let options = Options {
        comments: rxml::parser::CommentMode::Discard,
        max_token_length: limits.max_token,
        ..Options::default()
    };
    let mut parser = Parser::with_options(options);
    // A synthetic stream header gives unprefixed stanzas the client namespace, binds
    // the `stream:` prefix (stream features and errors cut from a log), lets the
    // parser take any number of top-level elements, and lets a capture that starts
    // mid-stream end with `</stream:stream>`.
    let mut prologue: &[u8] =
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    loop {
        match parser.parse(&mut prologue, false) {
            Ok(Some(_)) => {}
            Err(EndOrError::NeedMoreData) => break,
            Ok(None) | Err(EndOrError::Error(_)) => unreachable!("the prologue is well-formed"),
        }
    }

    let mut items = Vec::new();
    // Elements under construction, with the line and column of their start tag.
    let mut stack: Vec<(Element, usize, usize)> = Vec::new();
    let mut cursor = Cursor::default();
    let mut in_stream = false;
    let mut stream_closed = false;
    let mut buf = &input[start..];
    // Offset of the next event's first byte, summed from event metrics (the lexer's
    // read position runs ahead of it by its look-ahead).
    let mut consumed = start;
    loop {
        let before = consumed;
        let event = match parser.parse(&mut buf, false) {
            Ok(Some(event)) => event,
            // The synthetic stream was closed: anything after it is refused below.
            Ok(None) => break,
            Err(EndOrError::NeedMoreData) => break,
            // Reported at the start of the construct that failed (the lexer's own
            // position runs ahead of it).
            Err(EndOrError::Error(e)) => return Err(at(skip_ws(before), error_message(&e))),
        };
        consumed += event.metrics().len();
        match event {
            Event::XmlDeclaration(..) => {
                return Err(at(
                    before,
                    "XML declaration after the start of the input".into(),
                ));
            }
            Event::StartElement(metrics, (namespace, name), attrs) => {
                // The start offset: skip leading white space the metrics include.
                let offset = skip_ws(before).min(before + metrics.len());
                let ns_str: &str = &namespace;
                if stack.is_empty() && ns_str == ns::STREAM && name == "stream" {
                    if in_stream {
                        return Err(at(offset, "stream header inside a stream".into()));
                    }
                    if !items.is_empty() || stream_closed {
                        return Err(at(offset, "stream header after other elements".into()));
                    }
                    in_stream = true;
                    continue;
                }
                if stack.len() >= limits.max_depth {
                    return Err(at(
                        offset,
                        format!("elements nested deeper than {} levels", limits.max_depth),
                    ));
                }
                // XMPP has no unqualified top-level elements; one written back would
                // read as `jabber:client`.
                if stack.is_empty() && ns_str.is_empty() {
                    return Err(at(offset, format!("element <{name}> is in no namespace")));
                }
                let mut element = Element::builder(name.as_str(), ns_str).build();
                *element.attrs_mut() = attrs;
                cursor.advance(input, offset);
                stack.push((element, cursor.line, cursor.column));
            }
            Event::EndElement(_) => match stack.pop() {
                Some((element, line, column)) => match stack.last_mut() {
                    Some((parent, ..)) => {
                        parent.append_child(element);
                    }
                    None => {
                        items.push(Item {
                            element,
                            line,
                            column,
                        });
                    }
                },
                // The end of a stream, whether its header is in the capture or not.
                None => {
                    in_stream = false;
                    stream_closed = true;
                }
            },
            Event::Text(_, text) => match stack.last_mut() {
                Some((parent, ..)) => parent.append_text(text),
                None if text.trim().is_empty() => {}
                None => {
                    let offset = skip_ws(before);
                    return Err(at(offset, "text outside any element".into()));
                }
            },
        }
    }
    // Bytes the parser holds back, waiting for more input: a trailing text run or a
    // cut-off tag.
    let tail = skip_ws(consumed);
    if tail < input.len() && stack.is_empty() {
        return Err(if input[tail] == b'<' {
            at(input.len(), "input ends inside a tag".into())
        } else {
            at(tail, "text outside any element".into())
        });
    }
    if let Some((element, line, column)) = stack.last() {
        return Err(at(
            input.len(),
            format!(
                "input ends inside <{}> opened at line {line}, column {column}",
                element.name()
            ),
        ));
    }
    if items.is_empty() {
        return Err(at(input.len(), "no XML element in the input".into()));
    }
    Ok(items)
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

fn error_message(e: &rxml::Error) -> String {
    match e {
        rxml::Error::RestrictedXml(what) => format!(
            "refused: {what} (DTDs, entity declarations and processing instructions are not allowed in XMPP)"
        ),
        rxml::Error::UndeclaredEntity => {
            "use of an undeclared entity (only the five XML entities are allowed)".into()
        }
        other => format!("not well-formed XML: {other}"),
    }
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
        assert!(err("<p:a/>").contains("not well-formed"));
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

    proptest! {
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

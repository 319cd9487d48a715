//! Reading a `<serverinfo/>` from its bytes without building a tree (issue 9: a tree of
//! a 150,000-peer item is some fifty times the size of its text).
//!
//! One pass over the parser's events finds the deviations only visible on the wire
//! (the same ones, in the same order, as the tree reading); the typed value is then
//! built by the `FromXml` builder straight from the events (`xso::from_bytes`). Input
//! that needs the tree (the pre-draft layout, a payload the builder refuses, which
//! the lenient reading partly keeps) falls back to it.

use std::collections::HashMap;

use minidom::rxml::{self, Event, Parse as _};
use xep_core::reading::{Deviation, Path, Reading};

use super::{ServerInfo, expected_children, local_deviations, unknown_element};
use crate::ns;

/// An element open during the scan.
struct Frame {
    name: String,
    path: Path,
    /// Children seen per name, for the positions in paths.
    counts: HashMap<String, usize>,
    /// Neither this element nor anything inside it is XEP-0485's.
    skip: bool,
    /// A `<domain/>` directly under the root without a `name`: text in it means the
    /// pre-draft layout.
    nameless_domain: bool,
}

/// rxml's default options with the token limit of the tree reading
/// (`xep_core::xml::Limits::default`), and the token buffer (which rxml reserves at the
/// limit up front) no larger than `bytes`: no token is longer than the input, so a small
/// payload gets a small buffer (issue 9) and what the limit refuses is still refused.
fn options_for(bytes: &[u8]) -> rxml::Options {
    rxml::Options {
        max_token_length: xep_core::xml::Limits::default()
            .max_token
            .min(bytes.len().saturating_add(1)),
        ..rxml::Options::default()
    }
}

/// The wire deviations of a `<serverinfo/>` in `bytes`, or `None` when the bytes need
/// the tree reading (not a well-formed `<serverinfo/>` on their own, or the pre-draft
/// layout).
fn scan(bytes: &[u8]) -> Option<Vec<Deviation>> {
    let mut parser = <rxml::Parser as rxml::WithOptions>::with_options(options_for(bytes));
    let mut buf = bytes;
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    let mut seen_root = false;
    loop {
        let event = match parser.parse(&mut buf, true) {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(_) => return None,
        };
        match event {
            Event::XmlDeclaration(..) => {}
            Event::StartElement(_, (namespace, name), attrs) => {
                let in_ns = namespace.as_str() == ns::SERVERINFO;
                let name = name.as_str();
                let top_level = stack.len() == 1;
                let Some(parent) = stack.last_mut() else {
                    if seen_root || !in_ns || name != "serverinfo" {
                        return None;
                    }
                    seen_root = true;
                    let path = Path::root().elem("serverinfo", 1);
                    local_deviations(name, &attrs, &path, &mut out);
                    stack.push(Frame {
                        name: name.to_owned(),
                        path,
                        counts: HashMap::new(),
                        skip: false,
                        nameless_domain: false,
                    });
                    continue;
                };
                let skip = parent.skip || !in_ns;
                let mut frame = Frame {
                    name: name.to_owned(),
                    path: Path::root(),
                    counts: HashMap::new(),
                    skip,
                    nameless_domain: false,
                };
                if !skip {
                    if top_level && name == "federation" {
                        return None;
                    }
                    let index = parent.counts.entry(name.to_owned()).or_default();
                    *index += 1;
                    let path = parent.path.clone().elem(name, *index);
                    if expected_children(&parent.name).contains(&name) {
                        local_deviations(name, &attrs, &path, &mut out);
                        frame.nameless_domain = top_level
                            && name == "domain"
                            && !attrs.iter().any(|((n, a), _)| n.is_none() && a == "name");
                        frame.path = path;
                    } else {
                        out.push(unknown_element(name, path));
                        frame.skip = true;
                    }
                }
                stack.push(frame);
            }
            Event::EndElement(_) => {
                stack.pop();
            }
            Event::Text(_, text) => {
                if stack.last().is_some_and(|f| f.nameless_domain) && !text.trim().is_empty() {
                    return None;
                }
            }
        }
    }
    seen_root.then_some(out)
}

impl ServerInfo {
    /// [`read`](Self::read) from the bytes of one `<serverinfo/>` element (declaring
    /// its own namespace), with the same value and deviations, but without building a
    /// tree of the input for a payload the strict builder accepts: its memory is the
    /// typed value's.
    ///
    /// ```
    /// use xep_serverinfo::ServerInfo;
    /// let bytes = b"<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'>\
    ///     <federation><remote-domain name='b.example'><connection type='both'/>\
    ///     </remote-domain></federation></domain></serverinfo>";
    /// let reading = ServerInfo::read_bytes(bytes)?;
    /// assert_eq!(reading.value.domains[0].remote_domains().len(), 1);
    /// assert_eq!(reading.deviations[0].code, "both-for-bidi");
    /// # Ok::<(), xep_serverinfo::Error>(())
    /// ```
    pub fn read_bytes(bytes: &[u8]) -> Result<Reading<Self>, crate::Error> {
        if let Some(mut deviations) = scan(bytes) {
            if let Ok(mut value) = xso::from_bytes_with_options::<Self>(bytes, options_for(bytes)) {
                deviations.extend(value.schema_deviations());
                value.keep_writable_extensions(&mut deviations);
                return Ok(Reading::new(value, deviations));
            }
        }
        let limits = xep_core::xml::Limits::default().with_max_bytes(usize::MAX);
        let element = xep_core::xml::parse_items(bytes, &limits)
            .map_err(|e| crate::Error::Payload {
                element: "serverinfo",
                reason: e.to_string(),
            })?
            .swap_remove(0)
            .element;
        Self::read(&element)
    }
}

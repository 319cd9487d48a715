//! Characters that XML 1.0 cannot carry, kept out of every value a reader returns so
//! that no writer can fail on them.

use minidom::{Element, Node};

/// Whether XML 1.0 can carry `c` (the `Char` production).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `value` without the characters XML cannot carry; `None` when it had none.
pub(crate) fn strip(value: &str) -> Option<String> {
    if value.chars().all(is_xml_char) {
        None
    } else {
        Some(value.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

/// Whether every name, attribute value and text of `element` is writable XML.
pub(crate) fn writable(element: &Element) -> bool {
    let mut stack = vec![element];
    while let Some(e) = stack.pop() {
        if !e.name().chars().all(is_xml_char) || e.name().is_empty() {
            return false;
        }
        if e.attrs().iter().any(|(_, v)| !v.chars().all(is_xml_char)) {
            return false;
        }
        for node in e.nodes() {
            match node {
                Node::Element(child) => stack.push(child),
                Node::Text(text) => {
                    if !text.chars().all(is_xml_char) {
                        return false;
                    }
                }
            }
        }
    }
    true
}

/// `element` with each run of adjacent text nodes merged into one and empty text
/// nodes removed, at every depth.
///
/// minidom compares elements node by node, and how text is split into nodes depends
/// on the parser: a stream parser splits it at references and at buffer ends, a
/// parser of a whole string does not. Unknown content is kept in this merged form so
/// that the same XML read twice compares equal (the directory decides "unchanged"
/// by comparing cards).
pub(crate) fn merged_text(element: &Element) -> Element {
    let mut out = element.clone();
    let mut stack = vec![&mut out];
    while let Some(e) = stack.pop() {
        let nodes = e.take_nodes();
        let mut text = String::new();
        for node in nodes {
            match node {
                Node::Text(t) => text.push_str(&t),
                Node::Element(child) => {
                    if !text.is_empty() {
                        e.append_text_node(core::mem::take(&mut text));
                    }
                    e.append_child(child);
                }
            }
        }
        if !text.is_empty() {
            e.append_text_node(text);
        }
        stack.extend(e.children_mut());
    }
    out
}

/// The stanza namespaces a stanza may arrive in.
const STANZA_NAMESPACES: [&str; 2] = ["jabber:server", "jabber:component:accept"];

/// `element` with the stanza namespace of a server or component stream
/// (`jabber:server`, `jabber:component:accept`) replaced by `jabber:client`, the one
/// xmpp-parsers reads, on the element and on every descendant that inherited it.
pub(crate) fn client_namespace(element: &Element) -> std::borrow::Cow<'_, Element> {
    fn convert(e: &Element) -> Element {
        let ns = if STANZA_NAMESPACES.contains(&e.ns().as_str()) {
            "jabber:client".to_owned()
        } else {
            e.ns()
        };
        let mut out = Element::builder(e.name(), ns).build();
        for ((attr_ns, name), value) in e.attrs().iter() {
            out.set_attr(attr_ns.clone(), name.clone(), value.clone());
        }
        for node in e.nodes() {
            match node {
                Node::Element(child) => {
                    out.append_child(convert(child));
                }
                Node::Text(text) => out.append_text_node(text.clone()),
            }
        }
        out
    }
    if STANZA_NAMESPACES.contains(&element.ns().as_str()) {
        std::borrow::Cow::Owned(convert(element))
    } else {
        std::borrow::Cow::Borrowed(element)
    }
}

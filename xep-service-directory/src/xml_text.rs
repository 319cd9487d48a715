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

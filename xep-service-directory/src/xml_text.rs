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

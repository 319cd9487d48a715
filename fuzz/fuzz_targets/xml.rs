//! Bytes -> bounded XML reader -> each element serialised -> read again.
//!
//! `parse_items` never panics on arbitrary bytes; every element it returns, written
//! out with minidom, reads back as exactly one element equal to it, and minidom's own
//! parser (rxml's default options, as a peer on xmpp-rs reads a stanza) reads it too.
//! The compact reader (`ItemReader::compact`, what `xep inspect` walks) gives the same
//! elements, and the same error at the same place.

#![no_main]

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_core::xml::{Item, ItemReader, Limits, Piece, XmlError, parse_items};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default().with_max_bytes(1 << 16);
    let parsed = parse_items(data, &limits);
    assert_eq!(compact(data, &limits), parsed, "the compact reader differs");
    let Ok(items) = parsed else {
        return;
    };
    for item in &items {
        let text = String::from(&item.element);
        // Serialising may add namespace declarations and escapes: reread without the
        // size bound, which is not what this property is about.
        let again = parse_items(text.as_bytes(), &Limits::default()).unwrap_or_else(|e| {
            panic!("serialised element does not parse again: {e}\nxml: {text}")
        });
        // What the default limits accept is no longer than that parser reads (a name
        // of 8,890 bytes was read, written, and refused; found by the user_status run).
        if let Err(e) = text.parse::<Element>() {
            panic!("minidom's parser refuses the serialised element: {e}\nxml: {text}");
        }
        let elements: Vec<&Element> = again.iter().map(|i| &i.element).collect();
        assert_eq!(
            elements,
            [&item.element],
            "element changed in the round trip\nxml: {text}"
        );
    }
});

/// Every element read as a compact tree, then built as a minidom element.
fn compact(data: &[u8], limits: &Limits) -> Result<Vec<Item>, XmlError> {
    let mut reader = ItemReader::new(data, limits).compact();
    let mut out = Vec::new();
    while let Some(piece) = reader.next_piece() {
        let Piece::Tree(item) = piece? else {
            panic!("a compact reader yields trees");
        };
        out.push(Item {
            element: item.tree.root().to_element(),
            line: item.line,
            column: item.column,
        });
    }
    Ok(out)
}

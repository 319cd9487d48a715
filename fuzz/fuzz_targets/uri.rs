//! Text -> `PubSubUri` -> canonical text -> `PubSubUri`.
//!
//! Parsing never panics; whatever parses formats to a string that parses again into
//! the same value, and formatting that value gives the same string (the canonical
//! form is a fixed point). Every decoded part can be written into a stanza: a node
//! holding `%00` once made the IQ built for it panic when serialised (issue 9).

#![no_main]

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_core::uri::PubSubUri;

fn ncname(name: &str) -> minidom::rxml::NcName {
    name.try_into().expect("an XML name")
}

/// An IQ naming every decoded part of `uri`, as a client would build one, written out.
fn write_stanza(uri: &PubSubUri) -> String {
    let mut items = Element::builder("items", "http://jabber.org/protocol/pubsub")
        .attr(ncname("node"), uri.node.as_str())
        .build();
    if let Some(item) = &uri.item {
        items.append_child(
            Element::builder("item", "http://jabber.org/protocol/pubsub")
                .attr(ncname("id"), item.as_str())
                .build(),
        );
    }
    let mut iq = Element::builder("iq", "jabber:client")
        .attr(ncname("to"), uri.service.as_str())
        .attr(ncname("type"), uri.query_type.as_str())
        .build();
    let texts = [
        uri.action.as_deref(),
        uri.authority.as_deref(),
        uri.fragment.as_deref(),
    ];
    for text in texts.into_iter().flatten() {
        iq.append_text(text);
    }
    for (key, value) in &uri.params {
        iq.append_text(key);
        iq.append_text(value);
    }
    iq.append_child(items);
    String::from(&iq)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = PubSubUri::parse(text) else {
        return;
    };
    let _ = write_stanza(&uri);
    let formatted = uri.to_string();
    let again = PubSubUri::parse(&formatted).unwrap_or_else(|e| {
        panic!("canonical form does not parse: {e}\ninput: {text:?}\nformatted: {formatted:?}")
    });
    assert_eq!(
        again, uri,
        "value changed in the round trip\ninput: {text:?}\nformatted: {formatted:?}"
    );
    assert_eq!(
        again.to_string(),
        formatted,
        "canonical form is not a fixed point\ninput: {text:?}"
    );
});

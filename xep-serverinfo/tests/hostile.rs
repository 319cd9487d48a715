//! Hostile input found by long fuzzing and by hand (issue 9): each once panicked or
//! misbehaved; now each is read into a value or a clean error.

use minidom::Element;
use xep_serverinfo::discovery::Discovery;

fn disco_with_node(value: &str) -> Element {
    let xml = format!(
        "<query xmlns='http://jabber.org/protocol/disco#info'>\
         <feature var='urn:xmpp:serverinfo:0'/>\
         <x xmlns='jabber:x:data' type='result'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
         <field var='serverinfo-pubsub-node'><value>{value}</value></field></x></query>"
    );
    xml.parse().unwrap()
}

/// Byte 5 of these node values falls inside a character: slicing `[..5]` to look for
/// the `xmpp:` scheme panicked.
#[test]
fn non_ascii_node_values_do_not_panic() {
    for value in [
        "日本",
        "xmppď",
        "xmpp\u{e9}:x",
        "ab\u{1F600}",
        "\u{e9}\u{e9}\u{e9}",
    ] {
        let d =
            Discovery::read(&disco_with_node(value)).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert!(d.value.opted_in, "{value:?}");
    }
}

//! Error messages that point at the cause, through the binary (issue 9, item 7).

mod common;
use common::{stderr, stdout, xep};

fn inspect_error(input: &[u8]) -> String {
    let o = xep(&["inspect"], input);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn dtds_and_entity_bombs_say_dtds_are_refused() {
    for bomb in [
        &b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"[..],
        b"<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol1 '&lol;&lol;&lol;'>]><lolz>&lol1;</lolz>",
        b"<!DOCTYPE foo [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><foo>&xxe;</foo>",
    ] {
        let err = inspect_error(bomb);
        assert!(
            err.contains(": refused: a DTD (<!DOCTYPE ...>); DTDs and entity declarations are not allowed in XMPP"),
            "{err}"
        );
    }
    assert!(inspect_error(b"<x>&lol;</x>").contains("undeclared entity"));
}

#[test]
fn a_long_attribute_value_is_not_blamed_on_dtds() {
    let input = format!("<a b='{}'/>", "x".repeat(2 << 20));
    let err = inspect_error(input.as_bytes());
    assert_eq!(
        err,
        "xep: -: line 1, column 1: a name or attribute value is over the limit of 8192 bytes\n"
    );
}

#[test]
fn an_unbound_prefix_is_named() {
    assert_eq!(
        inspect_error(b"<iq>\n  <p:query/></iq>"),
        "xep: -: line 2, column 3: an element name uses the prefix \"p\" that no xmlns:p='...' declares\n"
    );
    assert!(inspect_error(b"<iq q:x='1'/>").contains("an attribute name uses a namespace prefix"));
}

#[test]
fn huge_values_are_cut_in_messages() {
    let value = "x".repeat(3 << 20);
    let status = format!("{{\"beginning\": \"{value}\"}}");
    let o = xep(&["status", "validate", "-"], status.as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).len() < 2000, "{} bytes", stdout(&o).len());
    let disco = format!(
        "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
         <field var='admin-addresses'><value>{value}</value></field></x></query></iq>"
    );
    let o = xep(&["inspect", "--strict"], disco.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).len() < 3000, "{} bytes", stderr(&o).len());
}

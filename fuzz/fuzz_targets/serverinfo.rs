//! XML bytes -> XEP-0485 payloads and discovery forms.
//!
//! Every element of the input (top-level items and their descendants) is tried as:
//!
//! * a `<serverinfo/>` payload: `ServerInfo::read` must not panic; a value it returns
//!   must survive `Element` and byte round trips unchanged (`TryFrom<Element>` and
//!   `xso::from_bytes` of its serialisation); and the reading from the element's bytes
//!   without a tree (`ServerInfo::read_bytes`) must be the same reading;
//! * a disco#info result: `Discovery::from_disco` must not panic, and the merged form
//!   it writes back must read again to the same coordinates, contact addresses and
//!   plan.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_serverinfo::ServerInfo;
use xep_serverinfo::discovery::Discovery;
use xmpp_parsers::disco::DiscoInfoResult;

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn check(element: &Element) {
    if element.is("serverinfo", "urn:xmpp:serverinfo:0") {
        check_payload(element);
    } else if let Ok(info) = DiscoInfoResult::try_from(element.clone()) {
        check_discovery(&info);
    }
}

fn check_payload(element: &Element) {
    let from_tree = ServerInfo::read(element);
    let text = String::from(element);
    let from_bytes = ServerInfo::read_bytes(text.as_bytes());
    assert_eq!(
        from_bytes, from_tree,
        "read_bytes differs from read\n{text}"
    );
    let Ok(reading) = from_tree else {
        return;
    };
    let value = reading.value;
    let written = Element::from(&value);
    let again = ServerInfo::try_from(written.clone())
        .unwrap_or_else(|e| panic!("written payload does not parse: {e}\n{written:?}"));
    assert_eq!(again, value, "Element round trip changed the value");
    let bytes = String::from(&written);
    let direct: ServerInfo = xso::from_bytes(bytes.as_bytes())
        .unwrap_or_else(|e| panic!("from_bytes refuses our own output: {e}\n{bytes}"));
    assert_eq!(direct, value, "byte round trip changed the value");
}

fn check_discovery(info: &DiscoInfoResult) {
    let discovery = Discovery::from_disco(info).value;
    let plan = discovery.plan();
    let form = discovery.to_form();
    let features: Vec<String> = if discovery.opted_in {
        vec![xep_serverinfo::discovery::FEATURE.to_owned()]
    } else {
        Vec::new()
    };
    let again = Discovery::from_parts(&features, core::slice::from_ref(&form)).value;
    assert_eq!(
        again.contact, discovery.contact,
        "contact addresses changed"
    );
    // 1.0.0 writes one node URI (the field is text-single): the first coordinates,
    // the ones a crawler uses, survive.
    assert_eq!(
        again.node.as_ref().and_then(|n| n.coordinates.first()),
        discovery.node.as_ref().and_then(|n| n.coordinates.first()),
        "first coordinates changed"
    );
    assert_eq!(again.plan(), plan, "plan changed");
}

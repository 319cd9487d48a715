//! XML bytes -> XEP-0309 server cards.
//!
//! Every `<vcard/>` and `<vcards/>` of the input (top-level or nested) is read
//! leniently; what the reading returns must be writable, and written and read again
//! (lenient, strict derive and from bytes) it must be the same card. The lint must
//! not panic either.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_service_directory::vcard::{VCard, lint, read_cards};

const VCARD4: &str = "urn:ietf:params:xml:ns:vcard-4.0";

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn check(element: &Element) {
    if !(element.is("vcard", VCARD4) || element.is("vcards", VCARD4)) {
        return;
    }
    let Ok(reading) = read_cards(element) else {
        return;
    };
    for card in &reading.value {
        let _ = lint(&xep_core::Reading::clean(card.clone()));
        let written = Element::from(card.clone());
        let again = VCard::read(&written)
            .unwrap_or_else(|e| panic!("written card does not read: {e}\n{written:?}"))
            .value;
        assert_eq!(&again, card, "lenient Element round trip changed the card");
        let strict = VCard::try_from(written.clone())
            .unwrap_or_else(|e| panic!("the derive refuses our own output: {e}\n{written:?}"));
        assert_eq!(&strict, card, "strict Element round trip changed the card");
        let bytes = String::from(&written);
        let parsed: Element = bytes
            .parse()
            .unwrap_or_else(|e| panic!("our output is not XML: {e}\n{bytes}"));
        assert_eq!(
            &VCard::read(&parsed).unwrap().value,
            card,
            "byte round trip changed the card"
        );
    }
}

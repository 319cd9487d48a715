//! XML bytes -> in-band outage items.
//!
//! Every element of the input (top-level items and their descendants) is offered to
//! `OutageItem::try_from`. A payload that reads is written back, converted to text and
//! parsed again, and read again: the value must be unchanged. Nothing may panic.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_sos::items::OutageItem;

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn check(element: &Element) {
    if let Ok(item) = OutageItem::try_from(element.clone()) {
        let written = Element::from(item.clone());
        let text = String::from(&written);
        let parsed: Element = text
            .parse()
            .unwrap_or_else(|e| panic!("written item is not XML: {e}\n{text}"));
        let again = OutageItem::try_from(parsed)
            .unwrap_or_else(|e| panic!("written item does not read again: {e}\n{text}"));
        assert_eq!(again, item, "value changed in the round trip\n{text}");
    }
}

//! XML bytes -> disco#info results and data forms -> XEP-0157 contact addresses.
//!
//! Every element of the input (top-level items and their descendants) that converts
//! to a `DiscoInfoResult` or a `DataForm` is read leniently with
//! `ContactAddresses::read`. A reading is written back as one merged form
//! (typed fields plus the unknown fields it handed back), converted to an `Element`
//! and back, and read again: the value and the unknown fields must be unchanged.
//! Nothing may panic on the way.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_core::forms::{FormBuilder, TypedForm};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::disco::DiscoInfoResult;

fuzz_target!(|data: &[u8]| common::each_element(data, visit));

/// Checks one element (the walk visits every element of the input).
fn visit(element: &Element) {
    if let Ok(info) = DiscoInfoResult::try_from(element.clone()) {
        check(&info.extensions);
    } else if let Ok(form) = DataForm::try_from(element.clone()) {
        check(core::slice::from_ref(&form));
    }
}

/// The round-trip property over one set of forms.
fn check(forms: &[DataForm]) {
    let Some(value) = ContactAddresses::read(forms).value else {
        return;
    };
    let unknown = ContactAddresses::unknown_fields(forms);
    let written = FormBuilder::new(ContactAddresses::FORM_TYPE)
        .with(&value)
        .unwrap()
        .with_fields(unknown.clone())
        .build();
    let element = Element::from(written.clone());
    let form = DataForm::try_from(element.clone()).unwrap_or_else(|e| {
        panic!("written form does not parse again: {e}\nform: {written:?}\nxml: {element:?}")
    });
    let again = ContactAddresses::read([&form])
        .value
        .expect("the written form carries the FORM_TYPE");
    assert_eq!(again, value, "value changed in the round trip");
    assert_eq!(
        ContactAddresses::unknown_fields([&form]),
        unknown,
        "unknown fields changed in the round trip"
    );
}

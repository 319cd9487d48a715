//! XML bytes -> XEP-0310 state annotations.
//!
//! Every element of the input is offered to the lenient reading and to xso's strict
//! `TryFrom`, and every `<presence/>` to the annotation reader. What reads is written
//! back, converted to text, parsed again and read again: the value must be unchanged
//! (the lenient reading of what we write has no deviation but a missing `from` when
//! the value had none). Nothing may panic.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_psa::StateAnnotation;
use xep_psa::presence::read_annotation_element;

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn round_trip(value: &StateAnnotation) -> StateAnnotation {
    let written = Element::from(value.clone());
    let text = String::from(&written);
    let parsed: Element = text
        .parse()
        .unwrap_or_else(|e| panic!("written annotation is not XML: {e}\n{text}"));
    let again = StateAnnotation::read(&parsed)
        .unwrap_or_else(|e| panic!("written annotation does not read again: {e}\n{text}"));
    for d in &again.deviations {
        assert!(
            (d.code == "missing-from" && value.from.is_none()) || d.code == "unknown-condition",
            "what we write deviates: {d}\n{text}"
        );
    }
    assert_eq!(
        again.value, *value,
        "value changed in the round trip\n{text}"
    );
    again.value
}

fn check(element: &Element) {
    if let Ok(reading) = StateAnnotation::read(element) {
        round_trip(&reading.value);
    }
    if let Ok(strict) = StateAnnotation::try_from(element.clone()) {
        let again = StateAnnotation::try_from(Element::from(strict.clone()))
            .expect("what the strict reading accepted is accepted again");
        assert_eq!(again, strict);
        // The two readings agree on what both accept.
        let lenient = StateAnnotation::read(element).expect("an annotation");
        assert_eq!(lenient.value, strict);
    }
    if element.name() == "presence"
        && let Some(reading) = read_annotation_element(element)
    {
        round_trip(&reading.value);
    }
}

//! XML bytes -> XEP-0050 command envelopes and server-buddy steps.
//!
//! Every `<command/>` of the input is read leniently as an envelope and as a
//! server-buddy step. A step read must be written and read again to the same step;
//! an envelope read must survive the derive's round trip.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_service_directory::command::{Command, ServerBuddy};

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn check(element: &Element) {
    if !element.is("command", "http://jabber.org/protocol/commands") {
        return;
    }
    if let Ok(reading) = Command::read(element) {
        let written = Element::from(reading.value.clone());
        let again = Command::try_from(written.clone())
            .unwrap_or_else(|e| panic!("the derive refuses our own envelope: {e}\n{written:?}"));
        assert_eq!(
            Element::from(again),
            written,
            "envelope round trip changed the element"
        );
    }
    let Ok(reading) = ServerBuddy::read(element) else {
        return;
    };
    let step = reading.value;
    let written = Element::from(step.to_command());
    let bytes = String::from(&written);
    let parsed: Element = bytes
        .parse()
        .unwrap_or_else(|e| panic!("our output is not XML: {e}\n{bytes}"));
    let again = ServerBuddy::read(&parsed)
        .unwrap_or_else(|e| panic!("written step does not read: {e}\n{bytes}"))
        .value;
    assert_eq!(again, step, "step round trip changed the step");
}

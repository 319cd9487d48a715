//! Text -> `PubSubUri` -> canonical text -> `PubSubUri`.
//!
//! Parsing never panics; whatever parses formats to a string that parses again into
//! the same value, and formatting that value gives the same string (the canonical
//! form is a fixed point).

#![no_main]

use libfuzzer_sys::fuzz_target;
use xep_core::uri::PubSubUri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = PubSubUri::parse(text) else {
        return;
    };
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

//! Bytes -> XEP-0455 status file.
//!
//! Any UTF-8 input is read leniently under every spec version. A file that reads is
//! written back and read again: the lenient reading gives the same file, and what was
//! written fits the published schema unless the reading kept a `message` without
//! `default` (the one schema violation the lenient reading keeps). The strict reading
//! never accepts what the lenient one refuses, nor anything with a deviation of
//! severity `should` or worse. Nothing may panic on the way.

#![no_main]

use libfuzzer_sys::fuzz_target;
use xep_sos::status::fits_schema;
use xep_sos::{StatusFile, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for version in Version::ALL {
        let lenient = StatusFile::read(text, version);
        let strict = StatusFile::read_strict(text, version);
        let Ok(lenient) = lenient else {
            assert!(strict.is_err(), "strict accepted what lenient refused");
            continue;
        };
        assert_eq!(
            strict.is_ok(),
            lenient.is_strict_ok(),
            "strict and lenient disagree"
        );
        if let Ok(file) = &strict {
            assert_eq!(file, &lenient.value, "strict and lenient disagree");
        }
        let written = lenient.value.to_json_pretty();
        let again = StatusFile::read(&written, version)
            .unwrap_or_else(|e| panic!("written file does not read again: {e}\n{written}"));
        assert_eq!(
            again.value, lenient.value,
            "value changed in the round trip\n{written}"
        );
        let keeps_invalid = lenient
            .deviations
            .iter()
            .any(|d| d.code == "missing-default-message");
        // `{}` fits every version but the seed, which does not define it.
        let expected = match lenient.value {
            StatusFile::NoOutage => version != Version::Seed,
            StatusFile::Outage(_) => !keeps_invalid,
        };
        assert_eq!(
            fits_schema(&again.deviations),
            expected,
            "schema fit of the written file\n{written}"
        );
        for d in &lenient.deviations {
            let _ = d.to_string();
        }
    }
});

//! Bytes -> XEP-0455 status file.
//!
//! Any UTF-8 input is read leniently under every spec version. A file that reads is
//! written back and read again: the lenient reading gives the same file, and the
//! strict reading accepts it unless it kept a `message` without `default` (the one
//! schema violation the lenient reading keeps). The strict reading never accepts what
//! the lenient one refuses. Nothing may panic on the way.

#![no_main]

use libfuzzer_sys::fuzz_target;
use xep_sos::status::DiagnosticKind;
use xep_sos::{StatusFile, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for version in Version::ALL {
        let lenient = StatusFile::parse_lenient(text, version);
        let strict = StatusFile::parse(text, version);
        let Ok(lenient) = lenient else {
            assert!(strict.is_err(), "strict accepted what lenient refused");
            continue;
        };
        if let Ok(file) = &strict {
            assert_eq!(file, &lenient.file, "strict and lenient disagree");
        }
        let written = lenient.file.to_json_pretty();
        let again = StatusFile::parse_lenient(&written, version)
            .unwrap_or_else(|e| panic!("written file does not read again: {e}\n{written}"));
        assert_eq!(
            again.file, lenient.file,
            "value changed in the round trip\n{written}"
        );
        let keeps_invalid = lenient
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::MissingDefaultMessage);
        assert_eq!(
            StatusFile::parse(&written, version).is_ok(),
            !keeps_invalid,
            "strict reading of the written file\n{written}"
        );
        for d in &lenient.diagnostics {
            let _ = d.to_string();
        }
    }
});

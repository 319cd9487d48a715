//! The generated JSON Schemas against the ones published in the specs.
//!
//! The published schemas are read at test time from the spec texts in `XEP_SPECS_DIR`
//! (default `../shared/specs`, beside the checkout), never copied into the project.
//! Every file of `tests/status-corpus/` is validated with both (format checking on), and
//! with our readers: the published schema accepts a file exactly when the lenient
//! reading finds nothing of severity `must` or worse (`status::fits_schema`); the
//! strict reading also refuses the SHOULD-level findings the schema cannot see
//! (duplicate keys, an end before the beginning, a key that is not a language tag).
//! File name prefixes say what the published schemas decide:
//!
//! * `ok-`: valid under every version;
//! * `bad-`: invalid under every version;
//! * `seedbad-`: invalid under the seed and v0.2 (the `outage` enum), valid under v0.4;
//! * `empty-object.json`: `{}`, rejected by every published schema (it lacks
//!   `beginning`) and accepted by ours under v0.2 and v0.4, whose prose defines it,
//!   the one intended difference.

use std::path::Path;

use serde_json::Value;
use xep_sos::schema::schema;
use xep_sos::{StatusFile, Version};
use xep_testkit::specs_dir;

/// The JSON Schema printed in a spec: the `<code>` block holding `"$schema"`.
fn published_schema(dir: &Path, file: &str) -> Value {
    let source = std::fs::read_to_string(dir.join(file)).unwrap();
    let text = source
        .split("<![CDATA[")
        .skip(1)
        .filter_map(|chunk| chunk.split("]]>").next())
        .find(|body| body.contains("\"$schema\""))
        .unwrap_or_else(|| panic!("{file}: no JSON schema"));
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: schema is not JSON: {e}"))
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

fn spec_file(version: Version) -> &'static str {
    match version {
        Version::Seed => "sos-protoxep-0.0.1.xml",
        Version::V0_2 => "xep-0455-v0.2.0.xml",
        Version::V0_4 => "xep-0455-v0.4.0.xml",
    }
}

fn corpus() -> Vec<(String, String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/status-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, text, value)
        })
        .collect()
}

/// What the published schema of `version` says about a corpus file, by its name.
fn expected(name: &str, version: Version) -> bool {
    if name.starts_with("ok-") {
        true
    } else if name.starts_with("bad-") || name == "empty-object.json" {
        false
    } else if name.starts_with("seedbad-") {
        !version.has_outage_field()
    } else {
        panic!("{name}: unknown corpus prefix")
    }
}

#[test]
fn generated_schemas_decide_like_the_published_ones() {
    let Some(dir) = specs_dir() else { return };
    let corpus = corpus();
    assert!(corpus.len() >= 30, "corpus too small: {}", corpus.len());
    for version in Version::ALL {
        let published = validator(&published_schema(&dir, spec_file(version)));
        let ours_schema = serde_json::to_value(schema(version)).unwrap();
        // Our schema is itself a valid draft-07 schema.
        assert!(jsonschema::meta::is_valid(&ours_schema), "{version}");
        let ours = validator(&ours_schema);
        let (mut accepted, mut rejected) = (0, 0);
        for (name, text, value) in &corpus {
            let theirs = published.is_valid(value);
            assert_eq!(
                theirs,
                expected(name, version),
                "{version} {name}: the published schema disagrees with the file name"
            );
            let mine = ours.is_valid(value);
            let reading = StatusFile::read(text, version);
            let fits = reading
                .as_ref()
                .is_ok_and(|r| xep_sos::status::fits_schema(&r.deviations));
            let strict = StatusFile::read_strict(text, version);
            if name == "empty-object.json" {
                assert!(mine, "{version}: {{}} must be accepted");
                assert_eq!(reading.unwrap().value, StatusFile::NoOutage);
                // The seed does not define `{}`: reported, and refused when strict.
                assert_eq!(fits, version != Version::Seed, "{version}");
                assert_eq!(strict.is_ok(), version != Version::Seed, "{version}");
                continue;
            }
            assert_eq!(mine, theirs, "{version} {name}: generated schema differs");
            assert_eq!(
                fits, theirs,
                "{version} {name}: lenient reader differs: {reading:?}"
            );
            let should_level = reading.as_ref().is_ok_and(|r| {
                r.deviations
                    .iter()
                    .any(|d| d.severity == xep_core::reading::Severity::Should)
            });
            assert_eq!(
                strict.is_ok(),
                theirs && !should_level,
                "{version} {name}: strict reader differs: {strict:?}"
            );
            if theirs {
                accepted += 1;
            } else {
                rejected += 1;
            }
        }
        assert!(
            accepted >= 10 && rejected >= 10,
            "{version}: {accepted}/{rejected}"
        );
    }
}

#[test]
fn written_files_are_valid_under_the_published_schema() {
    let Some(dir) = specs_dir() else { return };
    for version in Version::ALL {
        let published = validator(&published_schema(&dir, spec_file(version)));
        for (name, text, _) in corpus() {
            let Ok(lenient) = StatusFile::read(&text, version) else {
                continue;
            };
            let written: Value = serde_json::from_str(&lenient.value.to_json_pretty()).unwrap();
            let ok = published.is_valid(&written);
            if lenient.value == StatusFile::NoOutage {
                assert!(!ok, "{{}} is outside every published schema");
                continue;
            }
            // What the lenient reading keeps of a file is written back valid, except a
            // `message` without `default`, which it keeps as it is.
            let keeps_invalid_message = lenient
                .deviations
                .iter()
                .any(|d| d.code == "missing-default-message");
            assert_eq!(ok, !keeps_invalid_message, "{version} {name}: {written}");
        }
    }
}

#[test]
fn golden_schema_text_is_stable() {
    // Drift in the generated schema must be a deliberate change.
    let seed = xep_sos::schema::schema_text(Version::Seed);
    let v04 = xep_sos::schema::schema_text(Version::V0_4);
    assert_eq!(
        seed.replace("(seed)", "(v0.2)"),
        xep_sos::schema::schema_text(Version::V0_2),
        "the seed and v0.2 publish the same schema"
    );
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    assert_eq!(
        seed,
        std::fs::read_to_string(golden.join("schema-seed.json")).unwrap()
    );
    assert_eq!(
        v04,
        std::fs::read_to_string(golden.join("schema-v0.4.json")).unwrap()
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

    /// Near-RFC 3339 strings: the strict reader's `date-time` check decides like the
    /// published schema's format check (leap seconds, offsets, day counts, case).
    #[test]
    fn timestamps_decide_like_the_published_schema(
        text in "[0-9]{4}-(0[0-9]|1[0-3])-[0-3][0-9][Tt ]([01][0-9]|2[0-5]):[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,3})?([Zz]|[+-][0-2][0-9]:[0-6][0-9])?"
    ) {
        let Some(dir) = specs_dir() else { return Ok(()) };
        let published = validator(&published_schema(&dir, spec_file(Version::V0_4)));
        let file = serde_json::json!({ "beginning": text });
        let theirs = published.is_valid(&file);
        let ours = StatusFile::read_strict(&file.to_string(), Version::V0_4).is_ok();
        proptest::prop_assert_eq!(ours, theirs, "{}", text);
    }
}

//! Every example of the three spec versions, read with this crate's types and written
//! back. The spec texts are read at test time from `XEP_SPECS_DIR` (default
//! `../shared/specs`).

use minidom::Element;
use xep_core::xml::{Limits, parse_items};
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::items::OutageItem;
use xep_sos::{StatusFile, Version};
use xep_testkit::specs_dir;
use xmpp_parsers::data_forms::DataForm;

/// The examples' texts, trimmed.
fn examples(source: &str) -> Vec<String> {
    xep_testkit::examples(source)
        .into_iter()
        .map(|e| e.text.trim().to_owned())
        .collect()
}

fn walk<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
    out.push(e);
    for c in e.children() {
        walk(c, out);
    }
}

#[derive(Debug, Default, PartialEq)]
struct Counts {
    json: usize,
    outages: usize,
    ends: usize,
    forms: usize,
}

fn check(file: &str, version: Version) -> Counts {
    let Some(dir) = specs_dir() else {
        return Counts::default();
    };
    let source = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut counts = Counts::default();
    for text in examples(&source) {
        if text.starts_with('{') {
            let file =
                StatusFile::parse(&text, version).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
            let again = StatusFile::parse(&file.to_json_pretty(), version).unwrap();
            assert_eq!(again, file);
            counts.json += 1;
            continue;
        }
        let items = parse_items(text.as_bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
        for item in &items {
            let mut all = Vec::new();
            walk(&item.element, &mut all);
            let forms: Vec<DataForm> = all
                .iter()
                .filter(|e| e.is("x", "jabber:x:data"))
                .map(|e| DataForm::try_from((*e).clone()).unwrap())
                .collect();
            let reading = ExternalStatusAddresses::read(&forms);
            if let Some(value) = reading.value {
                assert_eq!(
                    value.addresses,
                    ["http://secondary.shakespeare.lit/status.json"]
                );
                assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
                let written = value.to_form_version(version);
                assert_eq!(written.form_type(), Some(version.namespace()));
                let back = ExternalStatusAddresses::read_strict([&written]).unwrap();
                assert_eq!(back, Some(value));
                counts.forms += 1;
            }
            for e in all
                .iter()
                .filter(|e| matches!(e.name(), "outage" | "outage-end"))
            {
                let typed = OutageItem::try_from((*e).clone())
                    .unwrap_or_else(|err| panic!("{file}: {err}"));
                assert_eq!(
                    typed.version(),
                    if version == Version::Seed {
                        Version::Seed
                    } else {
                        Version::V0_2
                    }
                );
                let written = Element::from(typed.clone());
                assert_eq!(OutageItem::try_from(written.clone()).unwrap(), typed);
                // Same element, apart from white space between children.
                assert_eq!(written.ns(), e.ns());
                match typed {
                    OutageItem::Outage(o) => {
                        assert_eq!(o.descriptions.len(), 2);
                        assert_eq!(o.planned, Some(false));
                        counts.outages += 1;
                    }
                    OutageItem::End(end) => {
                        assert_eq!(
                            end.descriptions.best_match(&["fr"]),
                            Some("Tout a été corrigé\u{202f}!")
                        );
                        counts.ends += 1;
                    }
                }
            }
        }
    }
    counts
}

#[test]
fn seed_examples() {
    let c = check("sos-protoxep-0.0.1.xml", Version::Seed);
    if c != Counts::default() {
        assert_eq!(
            c,
            Counts {
                json: 1,
                outages: 2,
                ends: 1,
                forms: 1
            }
        );
    }
}

#[test]
fn v0_2_examples() {
    let c = check("xep-0455-v0.2.0.xml", Version::V0_2);
    if c != Counts::default() {
        assert_eq!(
            c,
            Counts {
                json: 2,
                outages: 2,
                ends: 1,
                forms: 1
            }
        );
    }
}

#[test]
fn v0_4_examples() {
    let c = check("xep-0455-v0.4.0.xml", Version::V0_4);
    if c != Counts::default() {
        assert_eq!(
            c,
            Counts {
                json: 2,
                outages: 0,
                ends: 0,
                forms: 1
            }
        );
    }
}

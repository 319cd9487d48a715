//! Conformance: every `<example>` of every spec file in `XEP_SPECS_DIR` (default
//! `../shared/specs`) is well-formed XML, except the few listed in [`KNOWN_BROKEN`],
//! and running `inspect` over it never fails for any other reason.
//!
//! Later issues extend [`check_example`] so that each example is also read with the
//! typed layer of its crate.

use std::path::PathBuf;

use xep_cli::inspect::{inspect, inspect_findings};
use xep_cli::registry::{Registry, compare_tree_readings};
use xep_core::xml::{ItemReader, Limits, Piece};
use xep_testkit::{Example, example_xml, examples, specs_dir};

/// Examples that are not well-formed XML in the spec text itself, by file and caption
/// (or 1-based example number where the caption is not unique). Each says why.
const KNOWN_BROKEN: &[(&str, &str, &str)] = &[
    (
        "xep-0309-v0.2.xml",
        "Directory Pushes Server Data to Subscriber",
        "<name>StartSSL</uri>: the element is closed by the wrong end tag (INTEROP P19)",
    ),
    (
        "xep-0309-v0.3.xml",
        "Directory Pushes Server Data to Subscriber",
        "the same example, unchanged in v0.3",
    ),
];

fn known_broken(file: &str, ex: &Example) -> bool {
    KNOWN_BROKEN
        .iter()
        .any(|(f, key, _)| *f == file && (*key == ex.caption || *key == format!("#{}", ex.number)))
}

/// What every example must satisfy. Returns a description of the failure.
fn check_example(ex: &Example, registry: &Registry) -> Result<(), String> {
    check_sos(ex, registry)?;
    let Some(xml) = example_xml(&ex.text) else {
        return Ok(());
    };
    let first = inspect(xml.as_bytes(), registry, &Limits::default()).map_err(|e| e.to_string())?;
    same_without_wire(xml.as_bytes(), &first, registry)?;
    wants_what_it_reads(xml.as_bytes(), registry)?;
    compare_tree_readings(xml.as_bytes(), registry)?;
    check_findings(&first, registry)
}

/// The walk builds a minidom element for a claim or context kind only where the
/// kind's `wants` holds on the compact tree; wherever it does not, the kind's `read`
/// must find nothing, or a finding would be lost.
fn wants_what_it_reads(bytes: &[u8], registry: &Registry) -> Result<(), String> {
    let limits = Limits::default();
    let mut reader = ItemReader::new(bytes, &limits).compact();
    while let Some(piece) = reader.next_piece() {
        let Ok(Piece::Tree(item)) = piece else {
            return Ok(());
        };
        let root = item.tree.root();
        for kind in &registry.context_kinds {
            if !(kind.wants)(root) && !(kind.read)(&root.to_element()).is_empty() {
                return Err(format!(
                    "context kind {} reads what it does not want",
                    kind.kind
                ));
            }
        }
        for element in root.descendants() {
            for kind in &registry.claim_kinds {
                if element.is(kind.name, kind.namespace)
                    && !(kind.wants)(element)
                    && (kind.read)(&element.to_element()).is_some()
                {
                    return Err(format!(
                        "claim kind {} reads what it does not want",
                        kind.kind
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn tree_reading_matches_element_reading_on_the_fuzz_seeds() {
    // The seeds hold broken payloads too (lenient paths, errors), which the spec
    // examples and samples do not.
    let registry = Registry::default();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus");
    let mut compared = 0;
    for target in ["inspect", "sos_items", "service_directory_vcard", "xml"] {
        for entry in std::fs::read_dir(format!("{root}/{target}")).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            compared += compare_tree_readings(&bytes, &registry)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    // And the lenient paths one by one.
    let sos = |ns: &str, body: &str| {
        format!(
            "<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:sos:0'><item id='a'>{}</item></items></event></message>",
            body.replace("NS", ns)
        )
    };
    let mut inputs = Vec::new();
    for ns in ["urn:xmpp:sos:0", "urn:xmpp:tmp:sos"] {
        for body in [
            "<outage xmlns='NS'><description>Down</description><planned>true</planned></outage>",
            "<outage xmlns='NS'><description xml:lang='de'>Weg</description>\
             <description xml:lang='de'>Weg 2</description><description xml:lang='x y'>?</description>\
             <planned>maybe</planned><planned>1</planned><expected_end>soon</expected_end>\
             <expected_end>2026-12-01T10:00:00Z</expected_end><expected_end>2026-12-01T11:00:00Z</expected_end>\
             <bogus/><x xmlns='urn:example:ext' a='1'>kept<y/></x></outage>",
            "<outage-end xmlns='NS'><description xml:lang='en'>Back</description><planned>true</planned></outage-end>",
            "<outage-end xmlns='NS'/>",
        ] {
            inputs.push(sos(ns, body));
        }
    }
    let card =
        |body: &str| format!("<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>{body}</vcard>");
    for body in [
        "<fn><text>Example</text></fn><url><parameters><pref>1</pref></parameters><uri>https://example.org/</uri></url>",
        "<fn>bare text</fn><email><uri>mailto:a@example.org</uri></email><impp><text>x</text><uri>y</uri></impp>",
        "<adr><country>DE</country><country>FR</country><region><text>Berlin</text></region><street/><b xmlns='urn:x'/></adr>",
        "<ca><name>StartSSL</name><uri>https://www.startssl.com/</uri></ca><ca xmlns='urn:xmpp:vcard:ca:0'><uri>u</uri></ca>",
        "<registration xmlns='urn:xmpp:vcard:registration:1'/><registration xmlns='urn:xmpp:vcard:registration:1'><uri> https://example.org/ </uri></registration>",
        "<name xmlns='jabber:iq:version'>Prosody</name><name><text>ejabberd</text></name><x-other xmlns='urn:x'>o</x-other>",
        "<bday><date>2013</date></bday><tz><utc-offset>+0100</utc-offset></tz><lang><language-tag>en</language-tag></lang><geo/>",
    ] {
        inputs.push(card(body));
        inputs.push(format!(
            "<iq xmlns='jabber:client' type='get' id='v'>{}</iq>",
            card(body)
        ));
    }
    for input in &inputs {
        let found = compare_tree_readings(input.as_bytes(), &registry)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert!(found > 0, "nothing compared in {input}");
        compared += found;
    }
    assert!(compared >= 30, "only {compared} elements compared");
}

/// `inspect_findings` (what `xep inspect` runs unless `--emit wire` is asked for)
/// reports exactly what `inspect` does, and writes nothing back.
fn same_without_wire(
    bytes: &[u8],
    first: &xep_cli::inspect::Inspection,
    registry: &Registry,
) -> Result<(), String> {
    let quick = inspect_findings(bytes, registry, &Limits::default())
        .map_err(|e| format!("inspect_findings refused what inspect read: {e}"))?;
    if quick.findings != first.findings {
        return Err(format!(
            "inspect_findings differs from inspect:\n{:?}\n{:?}",
            quick.findings, first.findings
        ));
    }
    if !quick.wire.is_empty() {
        return Err("inspect_findings wrote the input back".to_owned());
    }
    Ok(())
}

/// Typed checks on what the registered kinds made of an example: none of them may
/// fail to read it, and the example written back from the typed values must give the
/// same report (the round trip).
fn check_findings(first: &xep_cli::inspect::Inspection, registry: &Registry) -> Result<(), String> {
    if first.findings.is_empty() {
        return Ok(());
    }
    for finding in &first.findings {
        if let Some(error) = finding.fields.get("error") {
            return Err(format!("{} at {}: {error}", finding.kind, finding.path));
        }
    }
    let again = inspect(first.wire.as_bytes(), registry, &Limits::default())
        .map_err(|e| format!("written back, the example does not parse: {e}"))?;
    let json = |i: &xep_cli::inspect::Inspection| -> Vec<serde_json::Value> {
        i.findings.iter().map(|f| f.to_json(None)).collect()
    };
    if json(first) != json(&again) {
        return Err(format!(
            "round trip changed the report:\n{:?}\n{:?}",
            json(first),
            json(&again)
        ));
    }
    Ok(())
}

/// The XEP-0485 examples (both versions) that carry a typed payload or form: each
/// must be recognised, not just be well-formed.
#[test]
fn service_directory_examples_are_recognised() {
    let Some(dir) = specs_dir() else { return };
    let registry = Registry::default();
    for (file, expected) in [
        (
            "xep-0309-v0.2.xml",
            &[
                "directory-discovery:directory",
                "server-buddy-command:execute",
                "server-buddy-command:form",
                "server-buddy-command:submit",
                "server-buddy-command:completed",
                "directory-discovery:public-server",
                "server-vcard",
            ][..],
        ),
        (
            "xep-0309-v0.3.xml",
            &[
                "directory-discovery:directory",
                "directory-discovery:public-server",
                "server-vcard",
            ][..],
        ),
    ] {
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut seen = Vec::new();
        for ex in examples(&source) {
            let Some(xml) = example_xml(&ex.text) else {
                continue;
            };
            let Ok(inspection) = inspect(xml.as_bytes(), &registry, &Limits::default()) else {
                continue; // the known broken push
            };
            for f in &inspection.findings {
                // Notes only (the example's `<pref>1</pref>` without `<integer/>`).
                assert!(
                    f.deviations.iter().all(|d| d.ends_with("[note]")),
                    "{file} #{}: {:?}",
                    ex.number,
                    f.deviations
                );
                seen.push(match f.kind {
                    "directory-discovery" => {
                        format!(
                            "{}:{}",
                            f.kind,
                            f.fields.get("role").unwrap().as_str().unwrap()
                        )
                    }
                    "server-buddy-command" => {
                        format!(
                            "{}:{}",
                            f.kind,
                            f.fields.get("step").unwrap().as_str().unwrap()
                        )
                    }
                    kind => kind.to_owned(),
                });
            }
        }
        assert_eq!(seen, expected, "{file}");
    }
}

#[test]
fn serverinfo_examples_are_recognised() {
    let Some(dir) = specs_dir() else { return };
    let registry = Registry::default();
    for (file, payloads, forms) in [
        ("xep-0485-v1.0.0.xml", 4, 1),
        ("serverinfo-protoxep-2023-12-20.xml", 4, 1),
    ] {
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        let (mut seen_payloads, mut seen_forms) = (0, 0);
        for ex in examples(&source) {
            let Some(xml) = example_xml(&ex.text) else {
                continue;
            };
            let inspection = inspect(xml.as_bytes(), &registry, &Limits::default()).unwrap();
            for f in &inspection.findings {
                match f.kind {
                    "serverinfo" => {
                        seen_payloads += 1;
                        let fields = f.fields.to_map();
                        let domains = fields["domains"].as_array().unwrap();
                        assert_eq!(
                            domains[0]["name"], "shakespeare.lit",
                            "{file} #{}",
                            ex.number
                        );
                    }
                    "serverinfo-discovery" => {
                        seen_forms += 1;
                        let plan = &f.fields.get("plan").unwrap();
                        assert_eq!(plan["action"], "fetch", "{file} #{}", ex.number);
                        assert_eq!(plan["service"], "pubsub.shakespeare.lit");
                        assert_eq!(plan["node"], "serverinfo");
                    }
                    _ => {}
                }
            }
        }
        assert_eq!((seen_payloads, seen_forms), (payloads, forms), "{file}");
    }
}

#[test]
fn every_spec_example_is_well_formed_or_known_broken() {
    let Some(dir) = specs_dir() else { return };
    let registry = Registry::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no spec files in {}", dir.display());
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut total = 0;
    for path in &files {
        let file = path.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(path).unwrap();
        let found = examples(&source);
        let tags = source.matches("<example ").count() + source.matches("<example>").count();
        assert_eq!(found.len(), tags, "{file}: extraction missed examples");
        for ex in found {
            total += 1;
            let result = check_example(&ex, &registry);
            match (result, known_broken(file, &ex)) {
                (Ok(()), true) => stale.push(format!("{file} #{} {:?}", ex.number, ex.caption)),
                (Err(e), false) => failures.push(format!(
                    "{file}:{} example #{} {:?}: {e}",
                    ex.line, ex.number, ex.caption
                )),
                _ => {}
            }
        }
    }
    assert!(total > 0, "no examples found in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} examples fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed as broken but fine now:\n{}",
        stale.join("\n")
    );
}

/// Service Outage Status examples (any spec whose example uses its namespaces, and
/// JSON status files): read by the typed kinds without error or deviation, and
/// written back to something that reads the same.
fn check_sos(ex: &Example, registry: &Registry) -> Result<(), String> {
    let text = ex.text.trim();
    let is_json = text.starts_with('{');
    let is_sos_xml = text.contains("urn:xmpp:tmp:sos") || text.contains("urn:xmpp:sos:0");
    if !is_json && !is_sos_xml {
        return Ok(());
    }
    let input = if is_json {
        text.to_owned()
    } else {
        example_xml(text).ok_or("not XML")?
    };
    let first =
        inspect(input.as_bytes(), registry, &Limits::default()).map_err(|e| e.to_string())?;
    let sos: Vec<_> = first
        .findings
        .iter()
        .filter(|f| f.kind.starts_with("sos-"))
        .collect();
    // The disco#info query examples carry no form and the status queries nothing.
    let expects_finding =
        is_json || text.contains("<outage") || text.contains("external-status-addresses");
    if expects_finding && sos.is_empty() {
        return Err("no sos-* finding".into());
    }
    for f in &sos {
        if !f.deviations.is_empty() {
            return Err(format!("{}: {:?}", f.kind, f.deviations));
        }
    }
    let again = inspect(first.wire.as_bytes(), registry, &Limits::default())
        .map_err(|e| format!("written back: {e}"))?;
    if again.findings != first.findings {
        return Err(format!("written back differently:\n{}", first.wire));
    }
    Ok(())
}

#[test]
fn sos_examples_are_checked() {
    let Some(dir) = specs_dir() else { return };
    let registry = Registry::default();
    let mut checked = 0;
    for file in [
        "sos-protoxep-0.0.1.xml",
        "xep-0455-v0.2.0.xml",
        "xep-0455-v0.4.0.xml",
    ] {
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        for ex in examples(&source) {
            check_sos(&ex, &registry).unwrap_or_else(|e| panic!("{file} #{}: {e}", ex.number));
            checked += 1;
        }
    }
    // 6 + 7 + 4 examples, the JSON status files included.
    assert_eq!(checked, 17);
}

#[test]
fn an_example_that_is_not_well_formed_fails_the_check() {
    let got = examples("<example caption=\"Two\"><![CDATA[\n<a>]]></example>");
    assert!(check_example(&got[0], &Registry::default()).is_err());
}

#[test]
fn samples_and_captures_read_the_same_without_writing_back() {
    let registry = Registry::default();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples"
    ))];
    dirs.extend(xep_testkit::shared_dir("interop-samples"));
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    let mut read = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        // Captures that are not a readable input (notes, broken examples) are skipped
        // here: the CLI tests cover their errors.
        let Ok(first) = inspect(&bytes, &registry, &Limits::default()) else {
            continue;
        };
        if let Err(e) = same_without_wire(&bytes, &first, &registry)
            .and_then(|()| wants_what_it_reads(&bytes, &registry))
            .and_then(|()| compare_tree_readings(&bytes, &registry).map(drop))
        {
            panic!("{}: {e}", file.display());
        }
        read += 1;
    }
    assert!(read >= 4, "only {read} of {} files read", files.len());
}

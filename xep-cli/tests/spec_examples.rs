//! Conformance: every `<example>` of every spec file in `XEP_SPECS_DIR` (default
//! `../shared/specs`) is well-formed XML, except the few listed in [`KNOWN_BROKEN`],
//! and running `inspect` over it never fails for any other reason.
//!
//! Later issues extend [`check_example`] so that each example is also read with the
//! typed layer of its crate.

use std::path::{Path, PathBuf};

use xep_cli::inspect::inspect;
use xep_cli::registry::Registry;
use xep_core::xml::Limits;

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

fn specs_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("XEP_SPECS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("spec directory {} missing on CI", dir.display());
    } else {
        eprintln!("skipping: no spec directory at {}", dir.display());
        None
    }
}

/// One `<example caption='...'><![CDATA[ ... ]]></example>` of a spec file.
#[derive(Debug)]
struct Example {
    number: usize,
    caption: String,
    line: usize,
    text: String,
}

/// Extracts the examples of a XEP source file. The files carry a DTD and entities,
/// so they are scanned as text rather than parsed.
fn examples(source: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut rest = source;
    let mut offset = 0;
    while let Some(start) = rest.find("<example") {
        let after_tag = &rest[start..];
        let Some(head_end) = after_tag.find('>') else {
            break;
        };
        let head = &after_tag[..head_end];
        let caption = head
            .split_once("caption=")
            .map(|(_, c)| {
                let quote = c.chars().next().unwrap_or('\'');
                c[1..].split(quote).next().unwrap_or("").to_owned()
            })
            .unwrap_or_default();
        let Some(end) = after_tag.find("</example>") else {
            break;
        };
        let body = &after_tag[head_end + 1..end];
        let text = match (body.find("<![CDATA["), body.rfind("]]>")) {
            (Some(a), Some(b)) if b > a => body[a + 9..b].to_owned(),
            _ => body.to_owned(),
        };
        let line = 1 + source[..offset + start].matches('\n').count();
        out.push(Example {
            number: out.len() + 1,
            caption,
            line,
            text,
        });
        offset += start + end;
        rest = &source[offset..];
    }
    out
}

fn known_broken(file: &str, ex: &Example) -> bool {
    KNOWN_BROKEN
        .iter()
        .any(|(f, key, _)| *f == file && (*key == ex.caption || *key == format!("#{}", ex.number)))
}

/// The XML an example holds, or `None` for an example that is not XML at all (an
/// XMPP URI, a timestamp, what a client displays).
///
/// Two conventions of the XEP texts are undone first: an HTTP request or response
/// head before the XML body (XEP-0206), and lines that only say content was elided
/// (`[ ... ]`, `...`).
fn example_xml(text: &str) -> Option<String> {
    let mut text = text.trim_start();
    if text.starts_with("POST ") || text.starts_with("HTTP/") {
        let body = text.find("\n\n").or_else(|| text.find("\r\n\r\n"))?;
        text = text[body..].trim_start();
    }
    if !text.starts_with('<') {
        return None;
    }
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !matches!(line.trim(), "[ ... ]" | "[...]" | "..." | "[..]"))
        .collect();
    Some(kept.join("\n"))
}

/// What every example must satisfy. Returns a description of the failure.
fn check_example(ex: &Example, registry: &Registry) -> Result<(), String> {
    check_sos(ex, registry)?;
    let Some(xml) = example_xml(&ex.text) else {
        return Ok(());
    };
    let first = inspect(xml.as_bytes(), registry, &Limits::default()).map_err(|e| e.to_string())?;
    check_findings(&first, registry)
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
                        let domains = f.fields["domains"].as_array().unwrap();
                        assert_eq!(
                            domains[0]["name"], "shakespeare.lit",
                            "{file} #{}",
                            ex.number
                        );
                    }
                    "serverinfo-discovery" => {
                        seen_forms += 1;
                        let plan = &f.fields["plan"];
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

#[test]
fn extraction_finds_caption_line_and_cdata() {
    let src = "<p/>\n<example caption='First'><![CDATA[<iq/>]]></example>\n<example caption=\"Two\"><![CDATA[\n<a>]]></example>";
    let got = examples(src);
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].caption.as_str(), got[0].line, got[0].text.as_str()),
        ("First", 2, "<iq/>")
    );
    assert_eq!((got[1].caption.as_str(), got[1].number), ("Two", 2));
    assert!(check_example(&got[1], &Registry::default()).is_err());
}

#[test]
fn prose_http_and_elisions_are_handled() {
    assert_eq!(example_xml("xmpp:example.org?disco"), None);
    assert_eq!(example_xml("  1776-07-04"), None);
    let http =
        "POST /webclient HTTP/1.1\nHost: x\n\n<body xmlns='http://jabber.org/protocol/httpbind'/>";
    assert_eq!(
        example_xml(http).unwrap(),
        "<body xmlns='http://jabber.org/protocol/httpbind'/>"
    );
    assert_eq!(
        example_xml("<a/>\n\n[ ... ]\n<b/>").unwrap(),
        "<a/>\n\n<b/>"
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

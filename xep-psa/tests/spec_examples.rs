//! Every example of XEP-0310 v0.1, read as a presence with this crate's types and
//! written back. The spec text is read at test time from `XEP_SPECS_DIR` (default
//! `../shared/specs`).

use minidom::Element;
use xep_psa::presence::{read_annotation, read_annotation_element};
use xep_psa::{Condition, StateAnnotation};
use xmpp_parsers::presence::Presence;

/// The element without the white space between its children (pretty-printing).
fn compact(e: &Element) -> Element {
    let mut out = Element::builder(e.name(), e.ns()).build();
    for ((ns, name), value) in e.attrs() {
        out.set_attr(ns.clone(), name.clone(), value.clone());
    }
    for node in e.nodes() {
        match node {
            minidom::Node::Element(c) => {
                out.append_child(compact(c));
            }
            minidom::Node::Text(t) if t.trim().is_empty() => {}
            minidom::Node::Text(t) => out.append_text(t.clone()),
        }
    }
    out
}

#[test]
fn every_example_reads_and_round_trips() {
    let Some(source) = xep_testkit::shared_file("specs", "xep-0310-v0.1.xml") else {
        return;
    };
    let examples = xep_testkit::examples(&source);
    assert_eq!(examples.len(), 10, "XEP-0310 v0.1 has ten examples");
    let mut seen = Vec::new();
    for example in &examples {
        let xml = xep_testkit::example_xml(&example.text).expect("every example is XML");
        // The examples carry no stream namespace: read them as the client stream would.
        let xml = xml.replacen("<presence", "<presence xmlns='jabber:client'", 1);
        let element: Element = xml
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", example.caption));
        let presence = Presence::try_from(element.clone()).unwrap();
        let Some(reading) = read_annotation(&presence) else {
            seen.push("none");
            continue;
        };
        assert!(
            reading.deviations.is_empty(),
            "{}: {:?}",
            example.caption,
            reading.deviations
        );
        assert_eq!(read_annotation_element(&element).unwrap(), reading);
        let annotation = reading.value;
        // Every example names the annotating entity.
        assert!(annotation.from.is_some());
        seen.push(match &annotation.condition {
            None => "cleared",
            Some(Condition::ServerUnavailable) => "server-unavailable",
            Some(Condition::ConnectionPaused) => "connection-paused",
            Some(_) => "other",
        });
        // Written back, the payload reads as the same value both ways.
        let written = Element::from(annotation.clone());
        assert_eq!(
            StateAnnotation::try_from(written.clone()).unwrap(),
            annotation
        );
        assert_eq!(StateAnnotation::read_strict(&written).unwrap(), annotation);
        let original = element
            .children()
            .find(|c| c.name() == "state-annotation")
            .unwrap();
        assert_eq!(written, compact(original), "{}", example.caption);
        // And the whole presence survives xmpp-parsers.
        let again = Presence::try_from(Element::from(presence.clone())).unwrap();
        assert_eq!(again, presence);
    }
    assert_eq!(
        seen,
        [
            "none",
            "server-unavailable",
            "cleared",
            "none",
            "connection-paused",
            "cleared",
            "none",
            "none",
            "server-unavailable",
            "cleared",
        ]
    );
}

//! `xep inspect` on XEP-0310 presence state annotations, through the binary.

mod common;
use common::{json_lines, stderr, stdout, xep};

const DOWN: &[u8] = b"<presence xmlns='jabber:client' from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'>\
    <status>Available</status>\
    <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'><server-unavailable/>\
    <description>The capulet.lit server is no longer available</description>\
    <description xml:lang='de'>Der Server ist weg</description></state-annotation></presence>";

#[test]
fn annotation_with_the_presence_addresses() {
    let o = xep(&["inspect", "-"], DOWN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f["kind"], "psa-annotation");
    assert_eq!(f["path"], "/presence/state-annotation");
    assert_eq!(f["condition"], "server-unavailable");
    assert_eq!(f["cleared"], false);
    assert_eq!(f["from"], "montague.lit");
    assert_eq!(
        f["descriptions"]["default"],
        "The capulet.lit server is no longer available"
    );
    assert_eq!(f["descriptions"]["de"], "Der Server ist weg");
    assert_eq!(f["presence"]["from"], "juliet@capulet.lit/orchard");
    assert_eq!(f["presence"]["to"], "romeo@montague.lit/lane");
    // Nothing deviates: strict accepts it.
    assert_eq!(
        xep(&["inspect", "--strict", "-"], DOWN).status.code(),
        Some(0)
    );
}

#[test]
fn cleared_and_wire_round_trip() {
    let input = b"<presence xmlns='jabber:client' from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'>\
        <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'/></presence>";
    let o = xep(&["inspect", "-"], input);
    let f = &json_lines(&o)[0];
    assert_eq!(f["condition"], serde_json::Value::Null);
    assert_eq!(f["cleared"], true);
    for input in [&input[..], DOWN] {
        let wire = xep(&["inspect", "--emit", "wire", "-"], input);
        assert_eq!(wire.status.code(), Some(0));
        let again = xep(&["inspect", "-"], &wire.stdout);
        assert_eq!(stdout(&again), stdout(&xep(&["inspect", "-"], input)));
    }
}

#[test]
fn strict_reports_a_missing_from_and_wire_keeps_unknown_conditions() {
    let input = b"<presence xmlns='jabber:client' from='juliet@capulet.lit/orchard'>\
        <state-annotation xmlns='urn:xmpp:psa'><link-flapping/></state-annotation></presence>";
    let lenient = xep(&["inspect", "-"], input);
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(json_lines(&lenient)[0]["condition"], "link-flapping");
    let strict = xep(&["inspect", "--strict", "-"], input);
    assert_eq!(strict.status.code(), Some(1));
    let lines: Vec<String> = stderr(&strict).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            "xep: -: deviation: item 1 /presence/state-annotation: psa-annotation: /state-annotation[1]/@from: \
             no 'from' attribute: \"the state-annotation MUST have a 'from' attribute set to the entity \
             annotating the stanza\" [must]"
        ]
    );
    let wire = xep(&["inspect", "--emit", "wire", "-"], input);
    assert!(
        stdout(&wire).contains("<link-flapping/>"),
        "{}",
        stdout(&wire)
    );
}

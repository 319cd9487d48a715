//! Every example of XEP-0309 v0.2 and v0.3: each parses as what it shows and writes
//! back to the same element, except the known non-well-formed push (INTEROP P19).

use minidom::{Element, Node};
use xep_core::disco::DiscoInfo;
use xep_service_directory::command::{Command, ServerBuddy};
use xep_service_directory::disco::classify;
use xep_service_directory::vcard::{VCard, VCardQuery};
use xmpp_parsers::disco::{DiscoInfoQuery, DiscoInfoResult};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::Presence;

/// The example XEP-0309 prints with `<name>StartSSL</uri>` (INTEROP P19).
const KNOWN_NOT_WELL_FORMED: &str = "Directory Pushes Server Data to Subscriber";

/// The element without white-space-only text nodes (the examples are indented).
fn compact(element: &Element) -> Element {
    let mut out = Element::builder(element.name(), element.ns()).build();
    for (name, value) in element.attrs().iter() {
        out.set_attr(name.0.clone(), name.1.clone(), value.clone());
    }
    for node in element.nodes() {
        match node {
            Node::Element(child) => {
                out.append_child(compact(child));
            }
            Node::Text(text) if !text.trim().is_empty() => out.append_text_node(text.clone()),
            Node::Text(_) => {}
        }
    }
    out
}

/// The one element of an example, read as a log or capture is (stanzas without a
/// namespace declaration are in `jabber:client`).
fn read_xml(xml: &str) -> Result<Element, xep_core::xml::XmlError> {
    let mut items = xep_core::xml::parse_items(xml.as_bytes(), &xep_core::xml::Limits::default())?;
    assert_eq!(items.len(), 1);
    Ok(items.remove(0).element)
}

/// What each example was found to be, for the per-version summary.
fn check(version: &str) -> Option<Vec<String>> {
    let source = xep_testkit::shared_file("specs", &format!("xep-0309-{version}.xml"))?;
    let mut seen = Vec::new();
    for example in xep_testkit::examples(&source) {
        let xml = xep_testkit::example_xml(&example.text).expect("every example is XML");
        let parsed = read_xml(&xml);
        if example.caption == KNOWN_NOT_WELL_FORMED {
            assert!(
                parsed.is_err(),
                "{version} #{} is known not to be well-formed",
                example.number
            );
            seen.push("not-well-formed".to_owned());
            continue;
        }
        let element = compact(&parsed.unwrap_or_else(|e| {
            panic!("{version} #{} {:?}: {e}", example.number, example.caption)
        }));
        let what = if let Some(query) =
            element.get_child("query", "http://jabber.org/protocol/disco#info")
        {
            if element.attr("type") == Some("get") {
                let query = DiscoInfoQuery::try_from(query.clone()).unwrap();
                let iq = Iq::try_from(element.clone()).unwrap();
                assert_eq!(Element::from(iq), element);
                assert_eq!(query.node, None);
                "disco-query".to_owned()
            } else {
                let info = DiscoInfo::read(&element).unwrap();
                assert!(info.deviations.is_empty(), "{:?}", info.deviations);
                let result = DiscoInfoResult::try_from(query.clone()).unwrap();
                assert_eq!(
                    classify(&(&result).into()).value,
                    classify(&info.value).value
                );
                let found = classify(&info.value);
                assert!(found.deviations.is_empty());
                format!("disco-result:{}", found.value.role())
            }
        } else if element.name() == "presence" {
            let presence = Presence::try_from(element.clone()).unwrap();
            // xmpp-parsers writes a default <priority>0</priority>: compare values.
            assert_eq!(
                Presence::try_from(Element::from(presence.clone())).unwrap(),
                presence
            );
            format!("presence:{:?}", presence.type_).to_lowercase()
        } else if let Some(command) =
            element.get_child("command", "http://jabber.org/protocol/commands")
        {
            let reading = ServerBuddy::read(&element).unwrap();
            assert!(reading.is_strict_ok(), "{:?}", reading.deviations);
            assert_eq!(Element::from(reading.value.to_command()), *command);
            assert_eq!(
                Command::try_from(command.clone()).unwrap(),
                Command::read(command).unwrap().value
            );
            let step = format!("{:?}", reading.value);
            format!("command:{}", step.split([' ', '{']).next().unwrap())
        } else if let Some(card) = element.get_child("vcard", "urn:ietf:params:xml:ns:vcard-4.0") {
            if card.children().next().is_none() {
                assert_eq!(VCardQuery::try_from(card.clone()).unwrap(), VCardQuery);
                "vcard-query".to_owned()
            } else {
                let reading = VCard::read(&element).unwrap();
                assert!(reading.is_strict_ok(), "{:?}", reading.deviations);
                assert_eq!(Element::from(reading.value.clone()), *card);
                assert_eq!(VCard::try_from(card.clone()).unwrap(), reading.value);
                "vcard".to_owned()
            }
        } else {
            panic!(
                "{version} #{}: unexpected example {:?}",
                example.number, example.caption
            );
        };
        seen.push(what);
    }
    Some(seen)
}

/// Discovery of the directory and the buddy handshake, the start of both versions.
const FLOW: [&str; 6] = [
    "disco-query",
    "disco-result:directory",
    "presence:subscribe",
    "presence:subscribed",
    "presence:subscribe",
    "presence:subscribed",
];

#[test]
fn every_v0_2_example() {
    let Some(seen) = check("v0.2") else { return };
    let mut expected: Vec<&str> = FLOW.to_vec();
    expected.extend([
        "command:Execute",
        "command:Form",
        "command:Submit",
        "command:Completed",
        "disco-query",
        "disco-result:public-server",
        "vcard-query",
        "vcard",
        "not-well-formed",
    ]);
    assert_eq!(seen, expected);
}

#[test]
fn every_v0_3_example() {
    let Some(seen) = check("v0.3") else { return };
    let mut expected: Vec<&str> = FLOW.to_vec();
    expected.extend([
        "disco-query",
        "disco-result:public-server",
        "vcard-query",
        "vcard",
        "not-well-formed",
    ]);
    assert_eq!(seen, expected);
}

#[test]
fn the_known_broken_push_is_the_interop_sample() {
    let Some(sample) =
        xep_testkit::shared_file("interop-samples", "xep0309-startssl-name-closed-by-uri.xml")
    else {
        return;
    };
    let err = read_xml(&sample).unwrap_err();
    assert!(!err.to_string().is_empty());
    // Repaired (`</name>`), the push carries a card that reads cleanly.
    let repaired = sample.replace("<name>StartSSL</uri>", "<name>StartSSL</name>");
    let message = compact(&read_xml(&repaired).unwrap());
    let item = message
        .get_child("event", "http://jabber.org/protocol/pubsub#event")
        .and_then(|e| e.get_child("items", "http://jabber.org/protocol/pubsub#event"))
        .and_then(|i| i.get_child("item", "http://jabber.org/protocol/pubsub#event"))
        .unwrap();
    let reading = VCard::read(item).unwrap();
    assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
    assert_eq!(reading.value.ca().unwrap().name, "StartSSL");
    assert_eq!(reading.value.software_name(), Some("Isode M-Link"));
    assert_eq!(
        Element::from(reading.value),
        *item
            .get_child("vcard", "urn:ietf:params:xml:ns:vcard-4.0")
            .unwrap()
    );
}

//! The classifier and the builders: spec identities, Prosody's swapped identity
//! (INTEROP P20), Metronome's combined server and directory.

use minidom::Element;
use xep_core::disco::DiscoInfo;
use xep_core::reading::Severity;
use xep_service_directory::disco::{
    Reason, Role, add_directory, classify, classify_element, directory_info, public_server_info,
};
use xmpp_parsers::disco::DiscoInfoResult;

fn info(xml: &str) -> DiscoInfo {
    DiscoInfo::read(&xml.parse::<Element>().unwrap())
        .unwrap()
        .value
}

#[test]
fn the_swapped_identity_is_a_directory_with_a_deviation() {
    let xml = "<iq xmlns='jabber:server' type='result' id='d'>\
        <query xmlns='http://jabber.org/protocol/disco#info'>\
        <identity category='server' type='im'/>\
        <identity category='server' type='directory' name='Prosody'/>\
        <feature var='urn:xmpp:server-presence'/></query></iq>";
    let reading = classify_element(&xml.parse().unwrap()).unwrap();
    assert_eq!(reading.value.role(), Role::Directory);
    assert_eq!(
        reading.value.reasons,
        [
            Reason::NoPublicServerFeature,
            Reason::SwappedDirectoryIdentity,
            Reason::ServerPresenceFeature
        ]
    );
    let d = &reading.deviations[0];
    assert_eq!(
        (d.severity, d.path.as_str()),
        (Severity::Should, "/iq[1]/query[1]/identity[2]")
    );
    assert!(!reading.is_strict_ok());
}

#[test]
fn the_spec_identity_wins_over_a_swapped_one_and_needs_no_note() {
    let found = classify(&info(
        "<query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='server' type='directory'/>\
         <identity category='directory' type='server' name='Metronome'/>\
         <feature var='urn:xmpp:public-server'/><feature var='jabber:iq:register'/>\
         <feature var='urn:ietf:params:xml:ns:vcard-4.0'/></query>",
    ));
    assert!(found.deviations.is_empty());
    assert_eq!(found.value.role(), Role::Both);
    assert_eq!(found.value.directory_name.as_deref(), Some("Metronome"));
    assert!(found.value.vcard4 && found.value.in_band_registration);
    assert!(!found.value.server_presence);
    let text: Vec<String> = found
        .value
        .reasons
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        text,
        [
            "advertises urn:xmpp:public-server",
            "has the identity directory/server",
            "does not advertise urn:xmpp:server-presence",
            "advertises urn:ietf:params:xml:ns:vcard-4.0",
            "offers in-band registration (jabber:iq:register)"
        ]
    );
}

#[test]
fn neither_and_node_results() {
    let plain = classify(&info(
        "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/></query>",
    ));
    assert_eq!(plain.value.role(), Role::Neither);
    let node = classify(&info(
        "<query xmlns='http://jabber.org/protocol/disco#info' node='x'>\
         <feature var='urn:xmpp:public-server'/></query>",
    ));
    assert_eq!(node.value.role(), Role::Neither);
    assert_eq!(node.value.reasons, [Reason::NotRootNode]);
    assert!(classify_element(&"<x xmlns='urn:y'/>".parse().unwrap()).is_err());
}

#[test]
fn builders_classify_as_what_they_build() {
    let dir = directory_info(Some("Directory"));
    let found = classify(&(&dir).into());
    assert_eq!(found.value.role(), Role::Directory);
    assert!(found.value.server_presence);
    assert_eq!(
        String::from(&Element::from(dir.clone())),
        "<query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='directory' name='Directory' type='server'/>\
         <feature var='http://jabber.org/protocol/disco#info'/>\
         <feature var='http://jabber.org/protocol/disco#items'/>\
         <feature var='urn:xmpp:server-presence'/></query>"
    );
    let mut server = public_server_info(None, true);
    assert_eq!(classify(&(&server).into()).value.role(), Role::PublicServer);
    add_directory(&mut server, None);
    add_directory(&mut server, None);
    assert_eq!(server.identities.len(), 2);
    let back = DiscoInfoResult::try_from(Element::from(server.clone())).unwrap();
    assert_eq!(back.identities, server.identities);
    assert_eq!(back.features, server.features);
    assert_eq!(classify(&(&back).into()).value.role(), Role::Both);
}

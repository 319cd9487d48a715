//! The JSON export: folding captured items and retractions, the schema snapshot, and
//! validation of what we export against the schema we publish.

mod common;

use common::parse;
use xep_service_directory::listing::{Listing, ListingEntry};

const ITEMS: &str = "<iq xmlns='jabber:client' type='result' from='xmpp.net' id='i'>\
    <pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:contacts'>\
    <item id='b.example'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>B</text></fn>\
      <email><uri>admin@b.example</uri></email></vcard></item>\
    <item id='3B55FBC7-8149-4693-A1A1-5367E2A49C83'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
      <fn><text>jabber.org IM service</text></fn><impp><uri>xmpp:jabber.org</uri></impp>\
      <ca xmlns='urn:xmpp:vcard:ca:0'><name>StartSSL</name><uri>http://www.startssl.com/</uri></ca>\
      <name xmlns='jabber:iq:version'>Isode M-Link</name></vcard></item>\
    <item id='not a domain'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/></item>\
    </items></pubsub></iq>";

const RETRACT: &str = "<message xmlns='jabber:client' from='xmpp.net' type='headline'>\
    <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:contacts'>\
    <retract id='b.example'/></items></event></message>";

#[test]
fn items_and_retractions_fold_into_one_listing_keyed_by_domain() {
    let mut listing = Listing::default();
    let deviations = listing.fold(&parse(ITEMS));
    let found: Vec<_> = deviations
        .iter()
        .map(|d| format!("{} {}", d.code, d.path))
        .collect();
    assert_eq!(
        found,
        [
            "email-uri /iq[1]/pubsub[1]/items[1]/item[1]/vcard[1]/email[1]/uri[1]",
            "item-without-domain /iq[1]/pubsub[1]/items[1]/item[3]"
        ]
    );
    let domains: Vec<_> = listing.servers.iter().map(|e| e.domain.as_str()).collect();
    assert_eq!(domains, ["b.example", "jabber.org"]);
    let jabber = &listing.servers[1];
    assert_eq!(jabber.ca_name.as_deref(), Some("StartSSL"));
    assert_eq!(jabber.software.as_deref(), Some("Isode M-Link"));
    assert!(listing.fold(&parse(RETRACT)).is_empty());
    assert_eq!(listing.servers.len(), 1);
    // Another node is not ours.
    let other = RETRACT
        .replace("urn:xmpp:contacts", "urn:other")
        .replace("b.example", "jabber.org");
    listing.fold(&parse(&other));
    assert_eq!(listing.servers.len(), 1);
}

#[test]
fn the_json_has_stable_field_names() {
    let mut listing = Listing::default();
    listing.fold(&parse(ITEMS));
    assert_eq!(
        serde_json::to_string(&listing.servers[0]).unwrap(),
        "{\"domain\":\"b.example\",\"name\":\"B\",\"email\":\"admin@b.example\"}"
    );
    let mut entry = ListingEntry::default();
    entry.domain = "x.example".into();
    entry.in_band_registration = Some(false);
    entry.updated = Some("2026-11-30T10:00:00Z".into());
    assert_eq!(
        serde_json::to_string(&entry).unwrap(),
        "{\"domain\":\"x.example\",\"in_band_registration\":false,\"updated\":\"2026-11-30T10:00:00Z\"}"
    );
    assert!(Listing::from_json("{\"servers\":[{\"domain\":\"a\",\"colour\":1}]}").is_err());
    assert_eq!(
        Listing::from_json("{\"servers\": 3}")
            .unwrap_err()
            .to_string(),
        "invalid JSON: invalid type: integer `3`, expected a sequence at line 1 column 13"
    );
}

#[test]
fn the_schema_matches_its_snapshot_and_accepts_what_we_export() {
    let schema = Listing::json_schema();
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/listing.schema.json"
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(path).expect("run with UPDATE_GOLDEN=1 to create");
    assert_eq!(
        text, golden,
        "schema drift: rerun with UPDATE_GOLDEN=1 and review"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut listing = Listing::default();
    listing.fold(&parse(ITEMS));
    let exported: serde_json::Value = serde_json::from_str(&listing.to_json_pretty()).unwrap();
    assert!(validator.is_valid(&exported));
    let bad = serde_json::json!({"servers": [{"name": "no domain"}]});
    assert!(!validator.is_valid(&bad));
    let bad = serde_json::json!({"servers": [{"domain": "a", "in_band_registration": "yes"}]});
    assert!(!validator.is_valid(&bad));
}

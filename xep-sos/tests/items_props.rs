//! Property tests of the in-band items: parse(write(x)) == x in both namespaces, and
//! through a pubsub item and its text.

use minidom::Element;
use proptest::prelude::*;
use xep_core::lang::{Lang, LangMap};
use xep_sos::items::{Outage, OutageEnd, OutageItem, outage_item, parse_item_id};
use xep_sos::{Timestamp, Version};

fn arb_descriptions() -> impl Strategy<Value = LangMap> {
    proptest::collection::vec(
        (
            proptest::option::of(prop_oneof![
                Just("en"),
                Just("de-CH"),
                Just("pt-BR"),
                Just("zh-Hant"),
                Just("fr")
            ]),
            "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,20}",
        ),
        0..4,
    )
    .prop_map(|entries| {
        let mut map = LangMap::new();
        for (lang, text) in entries {
            map.insert(lang.map(|l| Lang::parse(l).unwrap()), text);
        }
        map
    })
}

fn arb_timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_000_000_000, 0u32..1_000_000_000, -1439i32..=1439).prop_map(|(s, n, off)| {
        let utc = chrono::DateTime::from_timestamp(s, n).unwrap();
        Timestamp::from(utc.with_timezone(&chrono::FixedOffset::east_opt(off * 60).unwrap()))
    })
}

fn arb_extension() -> impl Strategy<Value = Element> {
    ("[a-z]{1,6}", "[a-z0-9]{0,6}").prop_map(|(name, value)| {
        format!("<{name} xmlns='urn:example:ext' v='{value}'/>")
            .parse()
            .unwrap()
    })
}

fn arb_item() -> impl Strategy<Value = OutageItem> {
    let version = prop_oneof![Just(Version::Seed), Just(Version::V0_2)];
    let outage = (
        version.clone(),
        arb_descriptions(),
        proptest::option::of(any::<bool>()),
        proptest::option::of(arb_timestamp()),
        proptest::collection::vec(arb_extension(), 0..3),
    )
        .prop_map(
            |(version, descriptions, planned, expected_end, extensions)| {
                let mut o = Outage::new(version);
                o.descriptions = descriptions;
                o.planned = planned;
                o.expected_end = expected_end;
                o.extensions = extensions;
                OutageItem::Outage(o)
            },
        );
    let end = (
        version,
        arb_descriptions(),
        proptest::collection::vec(arb_extension(), 0..3),
    )
        .prop_map(|(version, descriptions, extensions)| {
            let mut e = OutageEnd::new(version);
            e.descriptions = descriptions;
            e.extensions = extensions;
            OutageItem::End(e)
        });
    prop_oneof![outage, end]
}

proptest! {
    #[test]
    fn xml_round_trip(item in arb_item(), at in arb_timestamp()) {
        let element = Element::from(item.clone());
        prop_assert_eq!(OutageItem::try_from(element.clone()).unwrap(), item.clone());
        // Through text, as on the wire.
        let text = String::from(&element);
        let parsed: Element = text.parse().unwrap();
        prop_assert_eq!(OutageItem::try_from(parsed).unwrap(), item.clone());
        // Through a pubsub item, whose id is the timestamp.
        let pubsub_item = outage_item(at, item.clone());
        prop_assert_eq!(parse_item_id(pubsub_item.id.as_ref()).unwrap(), at);
        prop_assert_eq!(OutageItem::try_from(pubsub_item.payload.unwrap()).unwrap(), item);
    }

    #[test]
    fn arbitrary_outage_children_never_panic(inner in "[a-z<>/ ='\"0-9:TZ.-]{0,60}") {
        let text = format!("<outage xmlns='urn:xmpp:sos:0'>{inner}</outage>");
        if let Ok(element) = text.parse::<Element>() {
            if let Ok(item) = OutageItem::try_from(element) {
                let again = OutageItem::try_from(Element::from(item.clone())).unwrap();
                prop_assert_eq!(again, item);
            }
        }
    }
}

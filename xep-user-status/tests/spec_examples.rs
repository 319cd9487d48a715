//! Every example of the User Status ProtoXEP 0.0.1 (the seed text in
//! `../shared/seeds/`), read with this crate's types and written back.

use minidom::Element;
use xep_core::xml::{Limits, parse_items};
use xep_user_status::pep::{self, Notification, PublishMode, Source};
use xep_user_status::{State, UserStatus};
use xmpp_parsers::pubsub::pubsub::PubSub;

const SEED: &str = "002_bad7815c9a56a24d.txt";

/// The XML blocks of the seed text: from a line starting with `<` to the next blank
/// line.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            Some(block) if !line.trim().is_empty() => {
                block.push_str(line);
                block.push('\n');
            }
            Some(_) => out.extend(current.take()),
            None if line.starts_with('<') => current = Some(format!("{line}\n")),
            None => {}
        }
    }
    out.extend(current);
    out
}

fn parse(block: &str) -> Element {
    let mut items = parse_items(block.as_bytes(), &Limits::default())
        .unwrap_or_else(|e| panic!("{e}\n{block}"));
    assert_eq!(items.len(), 1, "{block}");
    items.remove(0).element
}

fn find<'a>(e: &'a Element, name: &str, ns: &str, out: &mut Vec<&'a Element>) {
    if e.is(name, ns) {
        out.push(e);
    }
    for c in e.children() {
        find(c, name, ns, out);
    }
}

/// Reads every `<status/>` payload in `e` strictly and checks the round trip.
fn payloads(e: &Element) -> Vec<UserStatus> {
    let mut found = Vec::new();
    find(e, "status", pep::NODE, &mut found);
    found
        .into_iter()
        .map(|p| {
            let status = UserStatus::read_strict(p).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(UserStatus::try_from(p.clone()).unwrap(), status);
            let written = Element::from(&status);
            assert_eq!(UserStatus::read_strict(&written).unwrap(), status);
            assert_eq!(UserStatus::try_from(written).unwrap(), status);
            status
        })
        .collect()
}

#[test]
fn seed_examples_parse_and_round_trip() {
    let Some(text) = xep_testkit::shared_file("seeds", SEED) else {
        return;
    };
    let blocks = blocks(&text);
    assert_eq!(
        blocks.len(),
        5,
        "the data format example and examples 1 to 4"
    );

    // 2.1 Data Format.
    let format = parse(&blocks[0]);
    assert_eq!(payloads(&format), [UserStatus::new("Away!")]);
    assert_eq!(
        String::from(&Element::from(UserStatus::new("Away!"))),
        "<status xmlns='http://jabber.org/protocol/status'><text>Away!</text></status>"
    );

    // Example 1 (publish) and 3 (disable publishing): an IQ set with a publish.
    for (block, expected) in [
        (&blocks[1], State::Text(UserStatus::new("Away!"))),
        (&blocks[3], State::Cleared),
    ] {
        let iq = parse(block);
        let statuses = payloads(&iq);
        assert_eq!(statuses.len(), 1);
        assert_eq!(statuses[0].state(), expected);
        let pubsub = iq
            .get_child("pubsub", "http://jabber.org/protocol/pubsub")
            .unwrap();
        let PubSub::Publish { publish, .. } = PubSub::try_from(pubsub.clone()).unwrap() else {
            panic!("a publish")
        };
        assert_eq!(publish.node, pep::node());
        // What we would send says the same, with our item id.
        let ours = Element::from(pep::publish_request(&statuses[0], PublishMode::Plain));
        let PubSub::Publish { publish: mine, .. } = PubSub::try_from(ours).unwrap() else {
            panic!()
        };
        assert_eq!(mine.node, publish.node);
        assert_eq!(
            UserStatus::try_from(mine.items[0].payload.clone().unwrap()).unwrap(),
            statuses[0]
        );
    }
    // Example 2 (delivered) and 4 (empty status delivered): notifications.
    let me: jid::BareJid = "romeo@montague.net".parse().unwrap();
    for (block, expected) in [
        (&blocks[2], State::Text(UserStatus::new("Away!"))),
        (&blocks[4], State::Cleared),
    ] {
        let message = parse(block);
        let reading = Notification::read_message(&message).unwrap();
        assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
        let notification = reading.value.unwrap();
        assert_eq!(notification.source, Source::Event);
        let (who, state) = notification.latest(&me).unwrap();
        assert_eq!(who.as_str(), "juliet@capulet.lit");
        assert_eq!(state, &expected);
        assert_eq!(
            notification.updates[0].item_id.as_deref(),
            Some("a475804a-0f9c-11dc-98a8-001143d5d5db")
        );
        payloads(&message);
    }
}

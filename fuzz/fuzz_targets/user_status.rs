//! XML bytes -> User Status payloads and notifications.
//!
//! Every element of the input (top-level items and their descendants) is tried as:
//!
//! * a `<status/>` payload: `UserStatus::read` must not panic; the value it returns
//!   must survive `Element` and byte round trips unchanged, read again without a
//!   deviation once written (but for the unknown children it keeps), and agree with the derived `TryFrom<Element>` whenever
//!   that accepts the input; the display policy must not panic on any of its texts and
//!   must keep to its cap;
//! * a `<message/>`, `<iq/>` or `<presence/>`: the notification readers must not panic, and feeding
//!   the stanza to a contact view must not either.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_user_status::UserStatus;
use xep_user_status::display::DisplayPolicy;
use xep_user_status::pep::Notification;
use xep_user_status::view::{Config, ContactView};

fuzz_target!(|data: &[u8]| common::each_element(data, check));

fn check(element: &Element) {
    match element.name() {
        "status" if element.ns() == "http://jabber.org/protocol/status" => check_payload(element),
        "message" | "iq" | "presence" => check_stanza(element),
        _ => {}
    }
}

fn check_payload(element: &Element) {
    let reading = UserStatus::read(element).expect("our element always reads leniently");
    let strict_ok = reading.is_strict_ok();
    let value = reading.value;
    let written = Element::from(&value);
    let again = UserStatus::try_from(written.clone())
        .unwrap_or_else(|e| panic!("written payload does not parse: {e}\n{written:?}"));
    assert_eq!(again, value, "Element round trip changed the value");
    // What we write deviates from the spec only by the unknown children we keep.
    let reread = UserStatus::read(&written).expect("our output reads");
    assert_eq!(reread.value, value, "lenient reading of our output differs");
    assert!(
        reread.deviations.iter().all(|d| d.code == "unknown-child"),
        "written payload deviates: {:?}",
        reread.deviations
    );
    let bytes = String::from(&written);
    let reparsed: Element = bytes
        .parse()
        .unwrap_or_else(|e| panic!("our output is not XML: {e}\n{bytes}"));
    assert_eq!(
        UserStatus::try_from(reparsed).unwrap(),
        value,
        "byte round trip changed the value"
    );
    if let Ok(derived) = UserStatus::try_from(element.clone()) {
        if strict_ok {
            assert_eq!(derived, value, "lenient and derived readings differ");
        }
    }
    let policy = DisplayPolicy::default().with_max_chars(20);
    for (_, text) in value.texts.iter() {
        let shown = policy.apply(text);
        // The policy looks at no more than (cap + 1) * (16 + marks) characters.
        assert!(shown.text.chars().count() <= 21 * 20 + 1, "cap not kept");
        assert!(
            !shown.text.chars().any(|c| c.is_control()),
            "control character shown"
        );
    }
}

fn check_stanza(element: &Element) {
    let now = "2026-11-30T08:00:00Z".parse().unwrap();
    let _ = Notification::read_message(element);
    let _ = Notification::read_items_result(element);
    let mut view = ContactView::new(Config::new("me@example.org".parse().unwrap()), now);
    view.handle_message(now, element);
    view.handle_presence(now, element);
    view.handle_items_result(now, now, &"a@example.org".parse().unwrap(), element);
    while view.poll_event().is_some() {}
    let _ = view.contacts().count();
}

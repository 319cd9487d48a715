//! Property tests: the payload round trip, the lenient reading against the derived
//! strict one, and the contact view against a small model.

use chrono::TimeDelta;
use jid::BareJid;
use minidom::Element;
use proptest::prelude::*;
use xep_core::lang::Lang;
use xep_core::reading::Reading;
use xep_core::time::Time;
use xep_user_status::UserStatus;
use xep_user_status::view::{Config, ContactView, Kind};

const STATUS: &str = "http://jabber.org/protocol/status";

/// Text XML can carry that is not blank. Carriage returns are left out: XML line-end
/// normalisation turns them into line feeds when the text is parsed again.
fn text() -> impl Strategy<Value = String> {
    "[^\u{0}-\u{8}\u{b}\u{c}\u{d}\u{e}-\u{1f}\u{fffe}\u{ffff}]{1,24}"
        .prop_filter("not blank", |t| !t.chars().all(char::is_whitespace))
}

fn lang() -> impl Strategy<Value = Option<Lang>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec!["en", "de", "fr-CA", "zh-Hant", "pt-BR"])
            .prop_map(|t| Some(Lang::parse(t).unwrap())),
    ]
}

fn extension() -> impl Strategy<Value = Element> {
    ("[a-z]{1,8}", "[a-zA-Z0-9 ]{0,8}").prop_map(|(name, text)| {
        let mut e = Element::builder(name, "urn:example:ext").build();
        if !text.is_empty() {
            e.append_text(text);
        }
        e
    })
}

fn status() -> impl Strategy<Value = UserStatus> {
    (
        prop::collection::vec((lang(), text()), 0..4),
        prop::collection::vec(extension(), 0..3),
    )
        .prop_map(|(texts, extensions)| {
            let mut s = UserStatus::cleared();
            for (lang, text) in texts {
                s = s.with_text(lang, text);
            }
            for e in extensions {
                s = s.with_extension(e);
            }
            s
        })
}

proptest! {
    #[test]
    fn payload_round_trips_through_element_and_text(s in status()) {
        let element = Element::from(&s);
        prop_assert_eq!(UserStatus::try_from(element.clone()).unwrap(), s.clone());
        let reparsed: Element = String::from(&element).parse().unwrap();
        prop_assert_eq!(UserStatus::try_from(reparsed.clone()).unwrap(), s.clone());
        // The lenient reading agrees with the derived strict one, and finds nothing.
        prop_assert_eq!(UserStatus::read(&reparsed).unwrap(), Reading::clean(s));
    }

    #[test]
    fn lenient_reading_never_fails_on_our_element(
        children in prop::collection::vec(
            prop_oneof![
                text().prop_map(|t| format!("<text>{}</text>", escape(&t))),
                (text(), "[a-z_!]{0,6}").prop_map(|(t, l)| format!("<text xml:lang='{l}'>{}</text>", escape(&t))),
                Just("<text/>".to_owned()),
                Just("<text>a<b>c</b></text>".to_owned()),
                Just("<mood>x</mood>".to_owned()),
                Just("<x xmlns='urn:other'/>".to_owned()),
                Just("stray".to_owned()),
            ],
            0..6,
        )
    ) {
        let xml = format!("<status xmlns='{STATUS}'>{}</status>", children.concat());
        let element: Element = xml.parse().unwrap();
        let reading = UserStatus::read(&element).unwrap();
        // What it read writes and reads back as itself.
        let again = UserStatus::try_from(Element::from(&reading.value)).unwrap();
        prop_assert_eq!(&again, &reading.value);
        // A strict reading accepts exactly when nothing of weight deviated.
        prop_assert_eq!(UserStatus::read_strict(&element).is_ok(), reading.is_strict_ok());
        if UserStatus::try_from(element.clone()).is_ok() {
            prop_assert_eq!(UserStatus::try_from(element).unwrap(), reading.value);
        }
    }
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// --- the contact view against a model ---------------------------------------------

const CONTACTS: [&str; 2] = ["alice@example.org", "bob@example.net"];
const TEXTS: [&str; 3] = ["Away", "Busy", "Lunch"];
/// What a non-owner says: must never be shown.
const EVIL: &str = "Evil";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Content {
    Text(usize),
    Cleared,
    Retract,
    Purge,
    Delete,
}

#[derive(Debug, Clone, Copy)]
enum Sender {
    /// The contact's bare JID: accepted.
    Owner,
    /// A full JID of the contact: refused.
    Full,
}

#[derive(Debug, Clone)]
enum Op {
    Advance(i64),
    Event {
        contact: usize,
        sender: Sender,
        other_node: bool,
        content: Content,
        /// Minutes before now of a delay stamp (negative: in the future).
        delay: Option<i64>,
    },
    Items {
        contact: usize,
        asked: usize,
        content: Option<Content>,
        requested_before: i64,
    },
    Presence {
        contact: usize,
        resource: usize,
        status: Option<usize>,
    },
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (0..TEXTS.len()).prop_map(Content::Text),
        Just(Content::Cleared),
        Just(Content::Retract),
        Just(Content::Purge),
        Just(Content::Delete),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..30).prop_map(Op::Advance),
        (
            0..CONTACTS.len(),
            prop_oneof![3 => Just(Sender::Owner), 1 => Just(Sender::Full)],
            prop::bool::weighted(0.2),
            content(),
            prop::option::of(-10i64..60),
        )
            .prop_map(|(contact, sender, other_node, content, delay)| Op::Event {
                contact,
                sender,
                other_node,
                content,
                delay
            }),
        (
            0..CONTACTS.len(),
            0..CONTACTS.len(),
            prop::option::of((0..TEXTS.len()).prop_map(Content::Text)),
            0i64..60,
        )
            .prop_map(|(contact, asked, content, requested_before)| Op::Items {
                contact,
                asked,
                content,
                requested_before
            }),
        (
            0..CONTACTS.len(),
            0usize..2,
            prop::option::of(0..TEXTS.len())
        )
            .prop_map(|(contact, resource, status)| Op::Presence {
                contact,
                resource,
                status
            }),
    ]
}

#[derive(Debug, Clone, Default)]
struct ModelContact {
    /// The time the current state speaks for, and the state.
    pep: Option<(Time, Content)>,
    presence: [Option<usize>; 2],
}

fn payload(content: Content, text: &str) -> String {
    match content {
        Content::Text(_) => format!(
            "<items node='{STATUS}'><item id='current'><status xmlns='{STATUS}'><text>{text}</text></status></item></items>"
        ),
        Content::Cleared => format!(
            "<items node='{STATUS}'><item id='current'><status xmlns='{STATUS}'/></item></items>"
        ),
        Content::Retract => format!("<items node='{STATUS}'><retract id='current'/></items>"),
        Content::Purge => format!("<purge node='{STATUS}'/>"),
        Content::Delete => format!("<delete node='{STATUS}'/>"),
    }
}

fn stamp(t: Time) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn view_matches_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let start: Time = "2026-11-30T08:00:00Z".parse().unwrap();
        let mut now = start;
        let me: BareJid = "romeo@montague.net".parse().unwrap();
        let mut view = ContactView::new(Config::new(me), now);
        let mut model: [ModelContact; 2] = Default::default();
        for op in ops {
            match op {
                Op::Advance(m) => now += TimeDelta::minutes(m),
                Op::Event { contact, sender, other_node, content, delay } => {
                    let owner = matches!(sender, Sender::Owner) && !other_node;
                    let text = match content {
                        Content::Text(k) if owner => TEXTS[k],
                        _ => EVIL,
                    };
                    let from = match sender {
                        Sender::Owner => CONTACTS[contact].to_owned(),
                        Sender::Full => format!("{}/res", CONTACTS[contact]),
                    };
                    let mut body = payload(content, text);
                    if other_node {
                        body = body.replace(STATUS, "urn:other").replace(
                            "xmlns='urn:other'",
                            &format!("xmlns='{STATUS}'"),
                        );
                    }
                    let stamp_at = delay.map(|m| now - TimeDelta::minutes(m));
                    let delay_xml = stamp_at
                        .map(|t| format!("<delay xmlns='urn:xmpp:delay' stamp='{}'/>", stamp(t)))
                        .unwrap_or_default();
                    let xml = format!(
                        "<message xmlns='jabber:client' from='{from}'>{delay_xml}<event xmlns='http://jabber.org/protocol/pubsub#event'>{body}</event></message>"
                    );
                    view.handle_message(now, &xml.parse().unwrap());
                    if owner {
                        let as_of = stamp_at.map_or(now, |s| s.min(now));
                        let m = &mut model[contact];
                        if m.pep.is_none_or(|(t, _)| as_of >= t) {
                            m.pep = Some((as_of, content));
                        }
                    }
                }
                Op::Items { contact, asked, content, requested_before } => {
                    let owner = contact == asked;
                    let items = match content {
                        Some(Content::Text(k)) => format!(
                            "<item id='current'><status xmlns='{STATUS}'><text>{}</text></status></item>",
                            if owner { TEXTS[k] } else { EVIL }
                        ),
                        _ => String::new(),
                    };
                    let xml = format!(
                        "<iq xmlns='jabber:client' type='result' id='q' from='{}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{STATUS}'>{items}</items></pubsub></iq>",
                        CONTACTS[contact]
                    );
                    let requested = now - TimeDelta::minutes(requested_before);
                    let asked_jid: BareJid = CONTACTS[asked].parse().unwrap();
                    view.handle_items_result(now, requested, &asked_jid, &xml.parse().unwrap());
                    if owner {
                        let m = &mut model[contact];
                        if m.pep.is_none_or(|(t, _)| requested >= t) {
                            // An empty result: "not published", shown like a retraction.
                            m.pep = Some((requested, content.unwrap_or(Content::Retract)));
                        }
                    }
                }
                Op::Presence { contact, resource, status } => {
                    let status_xml = status
                        .map(|k| format!("<status>{}</status>", TEXTS[k]))
                        .unwrap_or_default();
                    let xml = format!(
                        "<presence xmlns='jabber:client' from='{}/r{resource}'>{status_xml}</presence>",
                        CONTACTS[contact]
                    );
                    view.handle_presence(now, &xml.parse().unwrap());
                    model[contact].presence[resource] = status;
                }
            }
            while view.poll_event().is_some() {}
            for (i, m) in model.iter().enumerate() {
                let shown = view.contact(&CONTACTS[i].parse().unwrap());
                let expected_text = match m.pep {
                    Some((_, Content::Text(k))) if !m.presence.contains(&Some(k)) => Some(TEXTS[k].to_owned()),
                    _ => None,
                };
                let text = shown.as_ref().and_then(|s| s.text.clone());
                prop_assert_ne!(text.as_deref(), Some(EVIL), "a non-owner's text is shown");
                prop_assert_eq!(&text, &expected_text);
                let kind = shown.as_ref().map(|s| s.kind);
                match m.pep {
                    None => prop_assert_eq!(kind, None),
                    Some((_, Content::Text(_))) => prop_assert_eq!(kind, Some(Kind::Text)),
                    // A retracted or cleared status never shows a text.
                    Some(_) => {
                        prop_assert!(kind != Some(Kind::Text));
                        prop_assert_eq!(text, None);
                    }
                }
            }
            // The state saves and restores to the same view.
            let restored: ContactView =
                serde_json::from_str(&serde_json::to_string(&view).unwrap()).unwrap();
            prop_assert_eq!(restored.contacts().collect::<Vec<_>>(), view.contacts().collect::<Vec<_>>());
        }
    }
}

// --- the display policy -----------------------------------------------------------

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

proptest! {
    #[test]
    fn display_policy_output_is_safe_and_stable(
        text in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200b}\u{301}\u{3164} ]){0,200}",
        cap in 0usize..60,
    ) {
        use unicode_segmentation::UnicodeSegmentation;
        use xep_user_status::display::DisplayPolicy;
        let policy = DisplayPolicy::default().with_max_chars(cap);
        let shown = policy.apply(&text);
        prop_assert!(shown.text.graphemes(true).count() <= cap);
        prop_assert!(!shown.text.chars().any(|c| c.is_control() || is_bidi_control(c)));
        prop_assert!(!shown.text.contains("  "));
        prop_assert_eq!(shown.text.trim(), shown.text.as_str());
        // What is shown, shown again, is unchanged (unless it had to be cut).
        if !shown.truncated {
            prop_assert_eq!(policy.apply(&shown.text).text, shown.text);
        }
    }
}

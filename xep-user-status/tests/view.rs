//! The contact view, as transcripts: stanzas in, events and what is shown out.

use jid::BareJid;
use minidom::Element;
use xep_core::time::Time;
use xep_user_status::NoStatus;
use xep_user_status::display::DisplayPolicy;
use xep_user_status::view::{Config, ContactView, Event, Ignored, Kind, Refusal};

const STATUS: &str = "http://jabber.org/protocol/status";

fn t(s: &str) -> Time {
    format!("2026-11-30T{s}Z").parse().unwrap()
}

fn jid(s: &str) -> BareJid {
    s.parse().unwrap()
}

fn view() -> ContactView {
    ContactView::new(
        Config::new(jid("romeo@montague.net")).with_languages(["en"]),
        t("08:00:00"),
    )
}

fn elem(xml: &str) -> Element {
    xml.parse().unwrap()
}

/// A notification from `from` (None: no from) on `node` with `inner` in `<items/>`,
/// or a purge/delete when `inner` starts with `<purge` / `<delete`.
fn event(from: Option<&str>, node: &str, inner: &str, delay: Option<&str>) -> Element {
    let from = from.map(|f| format!(" from='{f}'")).unwrap_or_default();
    let delay = delay
        .map(|d| format!("<delay xmlns='urn:xmpp:delay' stamp='2026-11-30T{d}Z'/>"))
        .unwrap_or_default();
    let body = if inner.starts_with("<purge") || inner.starts_with("<delete") {
        inner.to_owned()
    } else {
        format!("<items node='{node}'>{inner}</items>")
    };
    elem(&format!(
        "<message xmlns='jabber:client'{from} to='romeo@montague.net/orchard'>{delay}<event xmlns='http://jabber.org/protocol/pubsub#event'>{body}</event></message>"
    ))
}

fn item(payload: &str) -> String {
    format!("<item id='current'>{payload}</item>")
}

fn text(t: &str) -> String {
    item(&format!(
        "<status xmlns='{STATUS}'><text>{t}</text></status>"
    ))
}

fn drain(view: &mut ContactView) -> Vec<Event> {
    std::iter::from_fn(|| view.poll_event()).collect()
}

fn shown_text(view: &ContactView, who: &str) -> Option<String> {
    view.contact(&jid(who)).and_then(|s| s.text)
}

fn kind(view: &ContactView, who: &str) -> Option<Kind> {
    view.contact(&jid(who)).map(|s| s.kind)
}

const JULIET: &str = "juliet@capulet.lit";

#[test]
fn a_published_text_shows_with_when_it_was_set() {
    let mut v = view();
    assert!(v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None)
    ));
    assert_eq!(
        drain(&mut v),
        [Event::Changed {
            contact: jid(JULIET)
        }]
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert_eq!(shown.kind, Kind::Text);
    assert_eq!(shown.text.as_deref(), Some("Away!"));
    assert_eq!(shown.set_at, t("08:01:00"));
    // The same item again (re-sent on reconnect) keeps the time it was set, and is
    // no change.
    v.handle_message(
        t("09:00:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None),
    );
    assert_eq!(drain(&mut v), []);
    assert_eq!(v.contact(&jid(JULIET)).unwrap().set_at, t("08:01:00"));
}

#[test]
fn p18_cleared_as_empty_status_element() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None),
    );
    v.handle_message(
        t("08:02:00"),
        &event(
            Some(JULIET),
            STATUS,
            &item(&format!("<status xmlns='{STATUS}'/>")),
            None,
        ),
    );
    assert_eq!(kind(&v, JULIET), Some(Kind::Cleared));
    assert_eq!(shown_text(&v, JULIET), None);
}

#[test]
fn p18_cleared_as_empty_text_element() {
    for payload in [
        format!("<status xmlns='{STATUS}'><text></text></status>"),
        format!("<status xmlns='{STATUS}'><text/></status>"),
        format!("<status xmlns='{STATUS}'><text>  \n </text></status>"),
    ] {
        let mut v = view();
        v.handle_message(
            t("08:01:00"),
            &event(Some(JULIET), STATUS, &text("Away!"), None),
        );
        v.handle_message(
            t("08:02:00"),
            &event(Some(JULIET), STATUS, &item(&payload), None),
        );
        assert_eq!(kind(&v, JULIET), Some(Kind::Cleared), "{payload}");
        assert_eq!(shown_text(&v, JULIET), None);
        // The blank text is reported, as a note.
        let events = drain(&mut v);
        assert!(
            events.iter().any(|e| matches!(e, Event::Deviations { deviations, .. } if deviations[0].code == "blank-text")),
            "{events:?}"
        );
    }
}

#[test]
fn p18_cleared_is_not_a_retraction_nor_a_missing_node() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(
            Some(JULIET),
            STATUS,
            &item(&format!("<status xmlns='{STATUS}'/>")),
            None,
        ),
    );
    assert_eq!(kind(&v, JULIET), Some(Kind::Cleared));
    v.handle_message(
        t("08:02:00"),
        &event(Some(JULIET), STATUS, "<retract id='current'/>", None),
    );
    assert_eq!(kind(&v, JULIET), Some(Kind::NoStatus(NoStatus::Retracted)));
    let empty = elem(&format!(
        "<iq xmlns='jabber:client' type='result' id='q' from='{JULIET}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{STATUS}'/></pubsub></iq>"
    ));
    v.handle_items_result(t("08:04:00"), t("08:03:00"), &jid(JULIET), &empty);
    assert_eq!(
        kind(&v, JULIET),
        Some(Kind::NoStatus(NoStatus::NotPublished))
    );
}

#[test]
fn p18_same_text_in_presence_status_is_not_shown_twice() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("In a meeting"), None),
    );
    drain(&mut v);
    let presence = elem(&format!(
        "<presence xmlns='jabber:client' from='{JULIET}/balcony'><show>dnd</show><status>In a  meeting\n</status></presence>"
    ));
    assert!(v.handle_presence(t("08:02:00"), &presence));
    assert_eq!(
        drain(&mut v),
        [Event::Changed {
            contact: jid(JULIET)
        }]
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert!(shown.duplicate_of_presence);
    assert_eq!(shown.text, None);
    assert_eq!(shown.kind, Kind::Text);
    // The resource goes offline: the PEP text shows again.
    let gone = elem(&format!(
        "<presence xmlns='jabber:client' type='unavailable' from='{JULIET}/balcony'/>"
    ));
    assert!(v.handle_presence(t("08:03:00"), &gone));
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("In a meeting"));
    // A different presence text does not hide it.
    let other = elem(&format!(
        "<presence xmlns='jabber:client' from='{JULIET}/chamber'><status>Busy</status></presence>"
    ));
    assert!(!v.handle_presence(t("08:04:00"), &other));
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("In a meeting"));
}

#[test]
fn p18_presence_first_then_the_same_pep_text() {
    let mut v = view();
    let presence = elem(&format!(
        "<presence xmlns='jabber:client' from='{JULIET}/balcony'><status xml:lang='en'>Lunch</status></presence>"
    ));
    v.handle_presence(t("08:00:30"), &presence);
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Lunch"), None),
    );
    assert!(v.contact(&jid(JULIET)).unwrap().duplicate_of_presence);
    assert_eq!(shown_text(&v, JULIET), None);
}

#[test]
fn retraction_purge_and_deletion_remove_the_status() {
    for (inner, reason) in [
        ("<retract id='current'/>".to_owned(), NoStatus::Retracted),
        (format!("<purge node='{STATUS}'/>"), NoStatus::Purged),
        (format!("<delete node='{STATUS}'/>"), NoStatus::Deleted),
    ] {
        let mut v = view();
        v.handle_message(
            t("08:01:00"),
            &event(Some(JULIET), STATUS, &text("Away!"), None),
        );
        drain(&mut v);
        v.handle_message(t("08:02:00"), &event(Some(JULIET), STATUS, &inner, None));
        assert_eq!(kind(&v, JULIET), Some(Kind::NoStatus(reason)));
        assert_eq!(shown_text(&v, JULIET), None);
        assert_eq!(
            drain(&mut v),
            [Event::Changed {
                contact: jid(JULIET)
            }]
        );
    }
}

#[test]
fn retracting_another_item_keeps_the_shown_one() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None),
    );
    drain(&mut v);
    v.handle_message(
        t("08:02:00"),
        &event(Some(JULIET), STATUS, "<retract id='old-uuid'/>", None),
    );
    assert_eq!(
        drain(&mut v),
        [Event::Ignored {
            contact: jid(JULIET),
            reason: Ignored::OtherItem
        }]
    );
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("Away!"));
}

#[test]
fn only_the_contacts_bare_jid_speaks_for_it() {
    let mut v = view();
    // A client (full JID) pretending to be a PEP service.
    assert!(v.handle_message(
        t("08:01:00"),
        &event(
            Some("mallory@evil.example/bot"),
            STATUS,
            &text("I am Juliet"),
            None
        )
    ));
    // The right sender, but another node.
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), "urn:evil", &text("Hacked"), None),
    );
    assert_eq!(
        drain(&mut v),
        [
            Event::Refused {
                from: Some("mallory@evil.example/bot".parse().unwrap()),
                node: STATUS.into(),
                reason: Refusal::FullJid
            },
            Event::Refused {
                from: Some(JULIET.parse().unwrap()),
                node: "urn:evil".into(),
                reason: Refusal::WrongNode
            },
        ]
    );
    assert_eq!(v.contacts().count(), 0);
    // A bare JID speaks only for itself: Mallory's status is Mallory's.
    v.handle_message(
        t("08:02:00"),
        &event(Some("mallory@evil.example"), STATUS, &text("Hi"), None),
    );
    assert_eq!(shown_text(&v, JULIET), None);
    assert_eq!(
        shown_text(&v, "mallory@evil.example").as_deref(),
        Some("Hi")
    );
    // An items result from someone else than asked.
    let iq = elem(&format!(
        "<iq xmlns='jabber:client' type='result' id='q' from='mallory@evil.example'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{STATUS}'>{}</items></pubsub></iq>",
        text("Juliet here")
    ));
    drain(&mut v);
    v.handle_items_result(t("08:03:00"), t("08:02:30"), &jid(JULIET), &iq);
    assert!(matches!(
        drain(&mut v)[..],
        [Event::Refused {
            reason: Refusal::WrongSender,
            ..
        }]
    ));
    assert_eq!(shown_text(&v, JULIET), None);
}

#[test]
fn no_from_is_the_account_itself() {
    let mut v = view();
    v.handle_message(t("08:01:00"), &event(None, STATUS, &text("Coding"), None));
    assert_eq!(
        shown_text(&v, "romeo@montague.net").as_deref(),
        Some("Coding")
    );
}

#[test]
fn an_older_item_after_a_newer_one_does_not_win() {
    let mut v = view();
    v.handle_message(
        t("08:05:00"),
        &event(Some(JULIET), STATUS, &text("New"), None),
    );
    drain(&mut v);
    // Offline storage delivers an older notification late.
    v.handle_message(
        t("08:06:00"),
        &event(Some(JULIET), STATUS, &text("Old"), Some("07:00:00")),
    );
    assert_eq!(
        drain(&mut v),
        [Event::Ignored {
            contact: jid(JULIET),
            reason: Ignored::OutOfOrder
        }]
    );
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("New"));
    // An items result asked for before the live notification arrived.
    let iq = elem(&format!(
        "<iq xmlns='jabber:client' type='result' id='q' from='{JULIET}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='{STATUS}'>{}</items></pubsub></iq>",
        text("Stale")
    ));
    v.handle_items_result(t("08:07:00"), t("08:04:00"), &jid(JULIET), &iq);
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("New"));
    // A retraction from before the newer item does not remove it either.
    v.handle_message(
        t("08:08:00"),
        &event(
            Some(JULIET),
            STATUS,
            "<retract id='current'/>",
            Some("08:00:00"),
        ),
    );
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("New"));
    // A delayed item newer than what is held does win, and is dated by its stamp.
    v.handle_message(
        t("08:09:00"),
        &event(Some(JULIET), STATUS, &text("Newer"), Some("08:06:30")),
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert_eq!(shown.text.as_deref(), Some("Newer"));
    assert_eq!(shown.set_at, t("08:06:30"));
}

#[test]
fn a_delay_stamp_in_the_future_does_not_freeze_the_view() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Skewed"), Some("23:00:00")),
    );
    v.handle_message(
        t("08:02:00"),
        &event(Some(JULIET), STATUS, &text("Live"), None),
    );
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("Live"));
}

#[test]
fn hostile_text_goes_through_the_display_policy() {
    let mut v = ContactView::new(
        Config::new(jid("romeo@montague.net"))
            .with_display(DisplayPolicy::default().with_max_chars(10)),
        t("08:00:00"),
    );
    v.handle_message(
        t("08:01:00"),
        &event(
            Some(JULIET),
            STATUS,
            &text("\u{202E}evil\u{9B}\n\n text that goes on and on"),
            None,
        ),
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert_eq!(shown.text.as_deref(), Some("evil text…"));
    assert!(shown.truncated);
    // A text that is nothing but invisible characters shows nothing.
    v.handle_message(
        t("08:02:00"),
        &event(Some(JULIET), STATUS, &text("\u{200B}\u{2066}"), None),
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert_eq!((shown.kind, shown.text), (Kind::Text, None));
}

#[test]
fn languages_pick_the_text() {
    let mut v = ContactView::new(
        Config::new(jid("romeo@montague.net")).with_languages(["de-AT", "en"]),
        t("08:00:00"),
    );
    let payload = format!(
        "<status xmlns='{STATUS}'><text xml:lang='en'>Away</text><text xml:lang='de'>Weg</text></status>"
    );
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &item(&payload), None),
    );
    let shown = v.contact(&jid(JULIET)).unwrap();
    assert_eq!(shown.text.as_deref(), Some("Weg"));
    assert_eq!(shown.lang.unwrap().as_str(), "de");
}

#[test]
fn unrelated_stanzas_are_not_ours() {
    let mut v = view();
    let tune = event(
        Some(JULIET),
        "http://jabber.org/protocol/tune",
        "<item id='1'><tune xmlns='http://jabber.org/protocol/tune'/></item>",
        None,
    );
    assert!(!v.handle_message(t("08:01:00"), &tune));
    assert!(!v.handle_message(
        t("08:01:00"),
        &elem("<message xmlns='jabber:client' from='@'/>")
    ));
    assert!(!v.handle_presence(
        t("08:01:00"),
        &elem("<presence xmlns='jabber:client' from='a@b' type='subscribe'/>")
    ));
    assert_eq!(drain(&mut v), []);
}

#[test]
fn state_survives_a_save_and_restore() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None),
    );
    v.handle_presence(
        t("08:01:30"),
        &elem(&format!(
            "<presence xmlns='jabber:client' from='{JULIET}/x'><status>Away!</status></presence>"
        )),
    );
    v.handle_message(
        t("08:02:00"),
        &event(
            Some("nurse@capulet.lit"),
            STATUS,
            "<retract id='current'/>",
            None,
        ),
    );
    let saved = serde_json::to_string(&v).unwrap();
    let restored: ContactView = serde_json::from_str(&saved).unwrap();
    let before: Vec<_> = v.contacts().collect();
    let after: Vec<_> = restored.contacts().collect();
    assert_eq!(before, after);
    assert_eq!(after.len(), 2);
    assert!(after[0].duplicate_of_presence);
    // A hand-edited state with a bad JID is refused, not a panic.
    let broken = saved.replace("juliet@capulet.lit", "@@");
    assert!(serde_json::from_str::<ContactView>(&broken).is_err());
}

#[test]
fn removing_a_contact_forgets_it() {
    let mut v = view();
    v.handle_message(
        t("08:01:00"),
        &event(Some(JULIET), STATUS, &text("Away!"), None),
    );
    drain(&mut v);
    v.handle_contact_removed(t("08:02:00"), &jid(JULIET));
    assert_eq!(
        drain(&mut v),
        [Event::Changed {
            contact: jid(JULIET)
        }]
    );
    assert!(v.contact(&jid(JULIET)).is_none());
}

#[test]
fn xmpp_parsers_stanzas_are_accepted_too() {
    use xmpp_parsers::message::Message;
    use xmpp_parsers::presence::Presence;
    let mut v = view();
    let message = Message::try_from(event(Some(JULIET), STATUS, &text("Away!"), None)).unwrap();
    assert!(v.handle_message_stanza(t("08:01:00"), &message));
    assert_eq!(shown_text(&v, JULIET).as_deref(), Some("Away!"));
    let presence = Presence::try_from(elem(&format!(
        "<presence xmlns='jabber:client' from='{JULIET}/balcony'><status>Away!</status></presence>"
    )))
    .unwrap();
    assert!(v.handle_presence_stanza(t("08:02:00"), &presence));
    assert!(v.contact(&jid(JULIET)).unwrap().duplicate_of_presence);
}

//! Transcripts of the client view: presences in, states and advice out.

use jid::{BareJid, Jid};
use xep_core::lang::Lang;
use xep_core::time::Time;
use xep_psa::StateAnnotation;
use xep_psa::client::{ClientConfig, ClientEvent, Freshness, Reason, View};
use xep_psa::presence::annotate;
use xmpp_parsers::presence::Presence;

fn t(seconds: i64) -> Time {
    "2026-11-30T10:00:00Z".parse::<Time>().unwrap() + chrono::TimeDelta::seconds(seconds)
}

fn jid(s: &str) -> Jid {
    s.parse().unwrap()
}

fn bare(s: &str) -> BareJid {
    s.parse().unwrap()
}

fn available(from: &str) -> Presence {
    Presence::available()
        .with_from(jid(from))
        .with_to(jid("romeo@montague.lit/lane"))
}

fn down(by: &str) -> StateAnnotation {
    StateAnnotation::server_unavailable(jid(by))
}

fn cleared(by: &str) -> StateAnnotation {
    StateAnnotation::cleared(jid(by))
}

fn events(view: &mut View) -> Vec<ClientEvent> {
    std::iter::from_fn(|| view.poll_event()).collect()
}

fn romeo() -> View {
    View::new(
        ClientConfig::new(bare("romeo@montague.lit"), &["de-CH", "en"]),
        t(0),
    )
}

fn freshness(view: &View, who: &str) -> Option<Freshness> {
    view.entry(&jid(who)).map(|e| e.freshness.clone())
}

#[test]
fn contact_stale_then_cleared_advises_a_probe() {
    let mut view = romeo();
    let juliet = available("juliet@capulet.lit/orchard");
    view.handle_presence(t(1), &juliet);
    assert_eq!(
        freshness(&view, "juliet@capulet.lit/orchard"),
        Some(Freshness::Fresh)
    );
    let annotation = down("montague.lit")
        .with_description(None, "The capulet.lit server is no longer available")
        .with_description(
            Some(Lang::parse("de").unwrap()),
            "Der Server capulet.lit ist nicht erreichbar",
        );
    view.handle_presence(t(2), &annotate(&juliet, annotation));
    let Some(Freshness::Stale(stale)) = freshness(&view, "juliet@capulet.lit/orchard") else {
        panic!("stale expected")
    };
    assert_eq!(stale.reason, Reason::ServerUnavailable);
    assert_eq!(stale.by, jid("montague.lit"));
    assert_eq!(
        stale.description.as_deref(),
        Some("Der Server capulet.lit ist nicht erreichbar")
    );
    assert_eq!(stale.since, t(2));
    assert_eq!(view.stale().count(), 1);
    assert_eq!(events(&mut view), []);
    view.handle_presence(t(3), &annotate(&juliet, cleared("montague.lit")));
    assert_eq!(
        freshness(&view, "juliet@capulet.lit/orchard"),
        Some(Freshness::Fresh)
    );
    assert_eq!(
        events(&mut view),
        [ClientEvent::Reprobe {
            contact: bare("juliet@capulet.lit")
        }]
    );
}

#[test]
fn reprobe_once_after_the_last_resource_is_cleared() {
    let mut view = romeo();
    let orchard = available("juliet@capulet.lit/orchard");
    let balcony = available("juliet@capulet.lit/balcony");
    view.handle_presence(t(1), &annotate(&orchard, down("montague.lit")));
    view.handle_presence(t(1), &annotate(&balcony, down("montague.lit")));
    view.handle_presence(t(2), &annotate(&orchard, cleared("montague.lit")));
    assert_eq!(events(&mut view), []);
    // Any new presence clears too.
    view.handle_presence(t(2), &balcony);
    assert_eq!(
        events(&mut view),
        [ClientEvent::Reprobe {
            contact: bare("juliet@capulet.lit")
        }]
    );
}

#[test]
fn paused_contact_and_resumption() {
    let mut view = romeo();
    let benvolio = available("benvolio@montague.lit/lane");
    view.handle_presence(
        t(1),
        &annotate(
            &benvolio,
            StateAnnotation::connection_paused(jid("montague.lit")),
        ),
    );
    let Some(Freshness::Stale(stale)) = freshness(&view, "benvolio@montague.lit/lane") else {
        panic!("stale expected")
    };
    assert_eq!(stale.reason, Reason::ConnectionPaused);
    assert_eq!(stale.description, None);
    view.handle_presence(t(2), &annotate(&benvolio, cleared("montague.lit")));
    assert_eq!(
        freshness(&view, "benvolio@montague.lit/lane"),
        Some(Freshness::Fresh)
    );
    assert_eq!(events(&mut view), [], "no advice for a resumed session");
    view.handle_presence(
        t(3),
        &Presence::unavailable().with_from(jid("benvolio@montague.lit/lane")),
    );
    assert_eq!(freshness(&view, "benvolio@montague.lit/lane"), None);
}

#[test]
fn annotations_from_others_are_refused() {
    let mut view = romeo();
    let juliet = available("juliet@capulet.lit/orchard");
    view.handle_presence(t(1), &juliet);
    for by in ["capulet.lit", "tybalt@montague.lit", "montague.lit/admin"] {
        view.handle_presence(t(1), &annotate(&juliet, down(by)));
        assert_eq!(
            freshness(&view, "juliet@capulet.lit/orchard"),
            Some(Freshness::Fresh),
            "{by}"
        );
        assert_eq!(
            events(&mut view),
            [ClientEvent::Refused {
                sender: jid("juliet@capulet.lit/orchard"),
                annotator: Some(jid(by)),
                expected: vec![bare("montague.lit")],
            }]
        );
    }
    // Without from.
    let mut a = down("montague.lit");
    a.from = None;
    view.handle_presence(t(1), &annotate(&juliet, a));
    assert!(matches!(
        &events(&mut view)[..],
        [ClientEvent::Refused {
            annotator: None,
            ..
        }]
    ));
}

#[test]
fn room_occupants() {
    let mut view = romeo();
    let room = bare("orchard@chats.shakespeare.lit");
    view.handle_room_joined(t(0), room.clone());
    let juliet = available("orchard@chats.shakespeare.lit/Juliet");
    let nurse = available("orchard@chats.shakespeare.lit/Nurse");
    view.handle_presence(t(1), &juliet);
    view.handle_presence(t(1), &nurse);
    // The room's service speaks for its occupants.
    view.handle_presence(t(2), &annotate(&juliet, down("chats.shakespeare.lit")));
    // So does our own server, whose link to the service went down.
    view.handle_presence(t(2), &annotate(&nurse, down("montague.lit")));
    // Nobody else.
    view.handle_presence(t(2), &annotate(&nurse, down("capulet.lit")));
    assert_eq!(
        events(&mut view),
        [ClientEvent::Refused {
            sender: jid("orchard@chats.shakespeare.lit/Nurse"),
            annotator: Some(jid("capulet.lit")),
            expected: vec![bare("montague.lit"), bare("chats.shakespeare.lit")],
        }]
    );
    assert_eq!(view.stale().count(), 2, "the refused copy changed nothing");
    assert_eq!(
        view.entry(&jid("orchard@chats.shakespeare.lit/Juliet"))
            .unwrap()
            .room,
        Some(room.clone())
    );
    view.handle_presence(t(3), &annotate(&juliet, cleared("chats.shakespeare.lit")));
    assert_eq!(events(&mut view), [], "the Nurse is still unreachable");
    view.handle_presence(t(3), &annotate(&nurse, cleared("montague.lit")));
    assert_eq!(
        events(&mut view),
        [ClientEvent::CheckRoomPresence { room: room.clone() }]
    );
    view.handle_room_left(t(4), &room);
    assert_eq!(view.entries().count(), 0);
}

#[test]
fn view_survives_serde() {
    let mut view = romeo();
    view.handle_presence(
        t(1),
        &annotate(
            &available("juliet@capulet.lit/orchard"),
            down("montague.lit"),
        ),
    );
    let json = serde_json::to_string(&view).unwrap();
    let again: View = serde_json::from_str(&json).unwrap();
    assert_eq!(again, view);
}

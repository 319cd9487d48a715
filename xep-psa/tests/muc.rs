//! Transcripts of the MUC service tracker, with the spec's orchard room.

use chrono::TimeDelta;
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::lang::LangMap;
use xep_core::time::Time;
use xep_psa::muc::{MucConfig, MucEvent, MucTracker};
use xmpp_parsers::presence::Presence;

fn t(seconds: i64) -> Time {
    "2026-11-30T10:00:00Z".parse::<Time>().unwrap() + TimeDelta::seconds(seconds)
}

fn compact(e: &Element) -> Element {
    let mut out = Element::builder(e.name(), e.ns()).build();
    for ((ns, name), value) in e.attrs() {
        out.set_attr(ns.clone(), name.clone(), value.clone());
    }
    for node in e.nodes() {
        match node {
            minidom::Node::Element(c) => {
                out.append_child(compact(c));
            }
            minidom::Node::Text(t) if t.trim().is_empty() => {}
            minidom::Node::Text(t) => out.append_text(t.clone()),
        }
    }
    out
}

fn stanza(xml: &str) -> Presence {
    let xml = xml.replacen("<presence", "<presence xmlns='jabber:client'", 1);
    let e: Element = xml.parse().unwrap();
    Presence::try_from(compact(&e)).unwrap()
}

fn drain(muc: &mut MucTracker) -> Vec<Presence> {
    std::iter::from_fn(|| muc.poll_transmit()).collect()
}

fn full(s: &str) -> FullJid {
    s.parse().unwrap()
}

fn jid(s: &str) -> Jid {
    s.parse().unwrap()
}

fn capulet() -> BareJid {
    "capulet.lit".parse().unwrap()
}

fn join(muc: &mut MucTracker, now: Time, nick: &str, real: &str, status: &str) {
    let occupant = full(&format!("orchard@chats.shakespeare.lit/{nick}"));
    let mut p = Presence::available().with_from(occupant.clone());
    p.set_status("", status);
    muc.handle_occupant_presence(now, occupant, jid(real), &p);
}

/// The orchard room: Romeo (asks for PSA) and Juliet, whose server is capulet.lit.
fn orchard(grace: TimeDelta) -> MucTracker {
    let mut config = MucConfig::new("chats.shakespeare.lit".parse().unwrap(), grace);
    let mut text = LangMap::new();
    text.insert(None, "The user's server is no longer reachable");
    config.server_unavailable_text = text;
    let mut muc = MucTracker::new(config, t(0));
    muc.handle_features(t(0), jid("romeo@montague.lit/lane"), true);
    join(
        &mut muc,
        t(0),
        "Romeo",
        "romeo@montague.lit/lane",
        "Wherefore",
    );
    // Example 8: Romeo receives a presence update from Juliet in the MUC room (the
    // room's own broadcast; the tracker only records it).
    join(
        &mut muc,
        t(1),
        "Juliet",
        "juliet@capulet.lit/balcony",
        "Ay me!",
    );
    assert_eq!(drain(&mut muc), []);
    muc
}

#[test]
fn occupant_server_unavailable_then_back() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    // Example 9: Romeo receives an annotated presence from the MUC room that Juliet's
    // server is unavailable.
    assert_eq!(
        drain(&mut muc),
        [stanza(
            "<presence from='orchard@chats.shakespeare.lit/Juliet' to='romeo@montague.lit/lane'>
               <state-annotation xmlns='urn:xmpp:psa' from='chats.shakespeare.lit'>
                 <server-unavailable/>
                 <description>The user's server is no longer reachable</description>
               </state-annotation>
               <status>Ay me!</status>
             </presence>"
        )]
    );
    assert_eq!(muc.poll_timeout(), Some(t(602)));
    muc.handle_link_up(t(3), &capulet());
    // Example 10: Romeo receives an annotated presence from the MUC room that Juliet's
    // server is again available.
    assert_eq!(
        drain(&mut muc),
        [stanza(
            "<presence from='orchard@chats.shakespeare.lit/Juliet' to='romeo@montague.lit/lane'>
               <state-annotation xmlns='urn:xmpp:psa' from='chats.shakespeare.lit'/>
               <status>Ay me!</status>
             </presence>"
        )]
    );
    assert_eq!(muc.poll_timeout(), None);
    assert_eq!(muc.poll_event(), None);
}

#[test]
fn ejected_meanwhile_nothing_on_link_up() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    assert_eq!(drain(&mut muc).len(), 1);
    muc.handle_occupant_left(t(3), &full("orchard@chats.shakespeare.lit/Juliet"));
    muc.handle_link_up(t(4), &capulet());
    assert_eq!(drain(&mut muc), []);
}

#[test]
fn grace_period_asks_for_removal_once() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    drain(&mut muc);
    muc.handle_timeout(t(601));
    assert_eq!(muc.poll_event(), None, "not yet");
    muc.handle_timeout(t(602));
    assert_eq!(
        muc.poll_event(),
        Some(MucEvent::RemoveOccupant {
            occupant: full("orchard@chats.shakespeare.lit/Juliet"),
            real: jid("juliet@capulet.lit/balcony"),
        })
    );
    assert_eq!(muc.poll_event(), None);
    assert_eq!(muc.poll_timeout(), None);
    muc.handle_timeout(t(900));
    assert_eq!(muc.poll_event(), None, "asked once per outage");
    // The service removes her.
    muc.handle_occupant_left(t(903), &full("orchard@chats.shakespeare.lit/Juliet"));
    muc.handle_link_up(t(904), &capulet());
    assert_eq!(drain(&mut muc), []);
    assert_eq!(muc.occupants(), 1);
}

#[test]
fn never_grace_with_max() {
    let mut muc = orchard(TimeDelta::MAX);
    muc.handle_link_down(t(2), &capulet());
    assert_eq!(muc.poll_timeout(), None);
    muc.handle_timeout(Time::MAX_UTC);
    assert_eq!(muc.poll_event(), None);
}

#[test]
fn never_to_occupants_that_did_not_ask_or_are_unreachable() {
    let mut muc = orchard(TimeDelta::minutes(10));
    // Mercutio did not ask; Tybalt asked but is on capulet.lit too.
    join(&mut muc, t(1), "Mercutio", "mercutio@verona.lit/x", "");
    muc.handle_features(t(1), jid("tybalt@capulet.lit/sword"), true);
    join(&mut muc, t(1), "Tybalt", "tybalt@capulet.lit/sword", "");
    muc.handle_link_down(t(2), &capulet());
    let to: Vec<Jid> = drain(&mut muc).into_iter().map(|p| p.to.unwrap()).collect();
    assert_eq!(
        to,
        [
            jid("romeo@montague.lit/lane"),
            jid("romeo@montague.lit/lane")
        ]
    );
    muc.handle_link_down(t(3), &capulet());
    assert_eq!(drain(&mut muc), [], "down, down");
    muc.handle_link_up(t(4), &"verona.lit".parse().unwrap());
    assert_eq!(drain(&mut muc), [], "never down");
}

#[test]
fn newcomer_learns_who_is_unreachable_and_probe_on_link_up() {
    let mut config = MucConfig::new(
        "chats.shakespeare.lit".parse().unwrap(),
        TimeDelta::minutes(10),
    );
    config.probe_on_link_up = true;
    let mut muc = MucTracker::new(config, t(0));
    join(
        &mut muc,
        t(1),
        "Juliet",
        "juliet@capulet.lit/balcony",
        "Ay me!",
    );
    muc.handle_link_down(t(2), &capulet());
    assert_eq!(drain(&mut muc), [], "nobody to tell yet");
    muc.handle_features(t(3), jid("romeo@montague.lit/lane"), true);
    join(&mut muc, t(3), "Romeo", "romeo@montague.lit/lane", "");
    let out = drain(&mut muc);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].from,
        Some(jid("orchard@chats.shakespeare.lit/Juliet"))
    );
    muc.handle_link_up(t(4), &capulet());
    let out = drain(&mut muc);
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[1],
        stanza(
            "<presence type='probe' from='orchard@chats.shakespeare.lit/Juliet' to='juliet@capulet.lit/balcony'/>"
        )
    );
}

#[test]
fn recipient_who_left_is_not_cleared() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    drain(&mut muc);
    muc.handle_occupant_left(t(3), &full("orchard@chats.shakespeare.lit/Romeo"));
    muc.handle_link_up(t(4), &capulet());
    assert_eq!(drain(&mut muc), []);
}

#[test]
fn saved_state_behaves_the_same() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    drain(&mut muc);
    let json = serde_json::to_string(&muc).unwrap();
    let mut restored: MucTracker = serde_json::from_str(&json).unwrap();
    assert_eq!(restored.occupants(), 2);
    assert_eq!(restored.poll_timeout(), muc.poll_timeout());
    for m in [&mut muc, &mut restored] {
        m.handle_link_up(t(3), &capulet());
    }
    let a = drain(&mut muc);
    assert_eq!(a.len(), 1);
    assert_eq!(a, drain(&mut restored));
    let mut bad = serde_json::to_value(&muc).unwrap();
    bad["occupants"][0]["stale"] = serde_json::json!([7]);
    let err = serde_json::from_value::<MucTracker>(bad).unwrap_err();
    assert!(err.to_string().contains("occupant 7 out of range"), "{err}");
}

#[test]
fn an_update_from_an_unreachable_occupant_is_annotated_again() {
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    drain(&mut muc);
    // A stanza that raced the link event: the room broadcast it; Romeo is told again
    // that it may be stale.
    join(
        &mut muc,
        t(3),
        "Juliet",
        "juliet@capulet.lit/balcony",
        "O Romeo",
    );
    let out = drain(&mut muc);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].statuses.values().next().map(String::as_str),
        Some("O Romeo")
    );
    muc.handle_link_up(t(4), &capulet());
    let out = drain(&mut muc);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].statuses.values().next().map(String::as_str),
        Some("O Romeo")
    );
}

#[test]
fn only_available_presences_are_occupant_state() {
    // Found by the psa_muc fuzz target: a probe (or subscription) presence given as
    // Juliet's room presence was stored and went out annotated as `type='probe'`.
    let mut muc = orchard(TimeDelta::minutes(10));
    muc.handle_link_down(t(2), &capulet());
    drain(&mut muc);
    let juliet = full("orchard@chats.shakespeare.lit/Juliet");
    for odd in [
        Presence::probe(),
        Presence::subscribe(),
        Presence::subscribed(),
        Presence::unsubscribe(),
        Presence::new(xmpp_parsers::presence::Type::Unsubscribed),
    ] {
        let odd = odd.with_from(juliet.clone());
        muc.handle_occupant_presence(
            t(3),
            juliet.clone(),
            jid("juliet@capulet.lit/balcony"),
            &odd,
        );
        assert_eq!(
            drain(&mut muc),
            [],
            "{:?} is no occupant presence",
            odd.type_
        );
    }
    muc.handle_link_up(t(4), &capulet());
    assert_eq!(
        drain(&mut muc),
        [stanza(
            "<presence from='orchard@chats.shakespeare.lit/Juliet' to='romeo@montague.lit/lane'>
               <state-annotation xmlns='urn:xmpp:psa' from='chats.shakespeare.lit'/>
               <status>Ay me!</status>
             </presence>"
        )]
    );
    // An error presence ends the occupant, as `unavailable` does: nothing more about
    // her, even when her server goes away and comes back.
    muc.handle_occupant_presence(
        t(5),
        juliet.clone(),
        jid("juliet@capulet.lit/balcony"),
        &Presence::error().with_from(juliet.clone()),
    );
    assert_eq!(muc.occupants(), 1);
    muc.handle_link_down(t(6), &capulet());
    muc.handle_link_up(t(7), &capulet());
    assert_eq!(drain(&mut muc), []);
}

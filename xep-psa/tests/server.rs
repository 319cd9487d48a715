//! Transcripts of the server tracker: events in, stanzas out, with the spec's own
//! examples as the expected stanzas, and one test per "never" rule.

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::lang::LangMap;
use xep_core::time::Time;
use xep_psa::server::{Config, Tracker};
use xmpp_parsers::presence::Presence;

fn t(seconds: i64) -> Time {
    "2026-11-30T10:00:00Z".parse::<Time>().unwrap() + chrono::TimeDelta::seconds(seconds)
}

fn jid(s: &str) -> Jid {
    s.parse().unwrap()
}

fn full(s: &str) -> FullJid {
    s.parse().unwrap()
}

fn domain(s: &str) -> BareJid {
    s.parse().unwrap()
}

/// The element without white space between children, so that the spec's
/// pretty-printed examples compare with what we write.
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

/// A presence as written in the spec (without the stream namespace).
fn stanza(xml: &str) -> Presence {
    let xml = xml.replacen("<presence", "<presence xmlns='jabber:client'", 1);
    let e: Element = xml.parse().unwrap();
    Presence::try_from(compact(&e)).unwrap()
}

fn drain(tracker: &mut Tracker) -> Vec<Presence> {
    std::iter::from_fn(|| tracker.poll_transmit()).collect()
}

/// What the spec's examples configure: descriptions in the examples' words.
fn montague() -> Config {
    let mut config = Config::new(domain("montague.lit"));
    let mut down = LangMap::new();
    down.insert(None, "The {domain} server is no longer available");
    config.server_unavailable_text = down;
    let mut paused = LangMap::new();
    paused.insert(None, "{user}'s BOSH session has been paused");
    config.connection_paused_text = paused;
    config
}

const JULIET: &str = "<presence from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'>\
    <status>Available</status></presence>";

fn romeo_and_juliet() -> Tracker {
    let mut tracker = Tracker::new(montague(), t(0));
    tracker.handle_session_start(t(0), full("romeo@montague.lit/lane"), true);
    // Example 1: Romeo receives Juliet's presence.
    tracker.handle_presence(t(1), &stanza(JULIET));
    assert_eq!(drain(&mut tracker), []);
    tracker
}

#[test]
fn remote_server_unavailable_then_back() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    // Example 2: Romeo receives Juliet's presence, annotated that the S2S is unavailable.
    assert_eq!(
        drain(&mut tracker),
        [stanza(
            "<presence from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'>
               <status>Available</status>
               <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'>
                 <server-unavailable/>
                 <description>The capulet.lit server is no longer available</description>
               </state-annotation>
             </presence>"
        )]
    );
    assert_eq!(tracker.down_since(&domain("capulet.lit")), Some(t(2)));
    tracker.handle_link_up(t(3), &domain("capulet.lit"));
    // Example 3: Romeo receives Juliet's annotated presence, annotated that S2S is restored.
    assert_eq!(
        drain(&mut tracker),
        [stanza(
            "<presence from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'>
               <status>Available</status>
               <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'/>
             </presence>"
        )]
    );
    assert_eq!(tracker.down_since(&domain("capulet.lit")), None);
}

#[test]
fn link_up_probes_when_configured() {
    let mut tracker = Tracker::new(montague().with_probes(true), t(0));
    tracker.handle_session_start(t(0), full("romeo@montague.lit/lane"), true);
    tracker.handle_session_start(t(0), full("romeo@montague.lit/garden"), true);
    let mut juliet = stanza(JULIET);
    tracker.handle_presence(t(1), &juliet);
    juliet.to = Some(jid("romeo@montague.lit/garden"));
    tracker.handle_presence(t(1), &juliet);
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker).len(), 2);
    tracker.handle_link_up(t(3), &domain("capulet.lit"));
    let out = drain(&mut tracker);
    assert_eq!(
        out.len(),
        3,
        "two empty annotations, then one probe per user pair"
    );
    assert_eq!(
        out[2],
        stanza("<presence type='probe' from='romeo@montague.lit' to='juliet@capulet.lit'/>")
    );
}

const BENVOLIO: &str = "<presence from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'>\
    <status>He ran this way, and leap'd this orchard wall</status></presence>";

fn benvolio() -> Tracker {
    let mut tracker = Tracker::new(montague(), t(0));
    tracker.handle_session_start(t(0), full("romeo@montague.lit/lane"), true);
    tracker.handle_session_start(t(0), full("benvolio@montague.lit/lane"), false);
    // Example 4: Romeo receives Benvolio's presence.
    tracker.handle_presence(t(1), &stanza(BENVOLIO));
    assert_eq!(drain(&mut tracker), []);
    tracker
}

const BENVOLIO_PAUSED: &str =
    "<presence from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'>
      <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'>
        <connection-paused/>
        <description>benvolio's BOSH session has been paused</description>
      </state-annotation>
      <status>He ran this way, and leap'd this orchard wall</status>
    </presence>";

#[test]
fn local_user_paused_resumed_then_timed_out() {
    let mut tracker = benvolio();
    let benvolio = full("benvolio@montague.lit/lane");
    tracker.handle_session_paused(t(2), &benvolio);
    // Example 5: Romeo receives Benvolio's presence annotated for the paused session.
    assert_eq!(drain(&mut tracker), [stanza(BENVOLIO_PAUSED)]);
    assert_eq!(tracker.paused_since(&benvolio), Some(t(2)));
    tracker.handle_session_resumed(t(3), &benvolio);
    // Example 6: Romeo receives Benvolio's presence annotated for the resumed session.
    assert_eq!(
        drain(&mut tracker),
        [stanza(
            "<presence from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'>
               <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'/>
               <status>He ran this way, and leap'd this orchard wall</status>
             </presence>"
        )]
    );
    tracker.handle_session_paused(t(4), &benvolio);
    assert_eq!(drain(&mut tracker), [stanza(BENVOLIO_PAUSED)]);
    tracker.handle_session_end(t(5), &benvolio);
    // Example 7: Romeo receives Benvolio's synthesized unavailable presence for the
    // terminated session.
    assert_eq!(
        drain(&mut tracker),
        [stanza(
            "<presence from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane' type='unavailable'/>"
        )]
    );
    assert_eq!(tracker.pairs(), 0);
}

#[test]
fn remote_recipients_of_a_paused_session_that_request_psa() {
    let mut tracker = benvolio();
    let benvolio = full("benvolio@montague.lit/lane");
    // Benvolio's presence also went to a remote contact (bare JID, as handed to the
    // remote server) and to a remote full JID by directed presence.
    let mut p = stanza(BENVOLIO);
    p.to = None;
    tracker.handle_features(t(1), jid("mercutio@verona.lit"), true);
    tracker.handle_broadcast(
        t(1),
        &p,
        &[jid("mercutio@verona.lit"), jid("tybalt@capulet.lit/sword")],
    );
    tracker.handle_session_paused(t(2), &benvolio);
    let mut to: Vec<String> = drain(&mut tracker)
        .into_iter()
        .map(|p| p.to.unwrap().to_string())
        .collect();
    to.sort();
    // Tybalt never asked for annotations.
    assert_eq!(to, ["mercutio@verona.lit", "romeo@montague.lit/lane"]);
    // But the session's end reaches everyone who holds its presence.
    tracker.handle_session_end(t(3), &benvolio);
    assert_eq!(drain(&mut tracker).len(), 3);
}

// ---- never ----

#[test]
fn never_for_subscription_presences() {
    let mut tracker = Tracker::new(montague(), t(0));
    tracker.handle_session_start(t(0), full("romeo@montague.lit/lane"), true);
    for kind in [
        "subscribe",
        "subscribed",
        "unsubscribe",
        "unsubscribed",
        "probe",
    ] {
        tracker.handle_presence(
            t(1),
            &stanza(&format!(
                "<presence type='{kind}' from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'/>"
            )),
        );
    }
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker), []);
    assert_eq!(tracker.pairs(), 0);
}

#[test]
fn never_after_unavailable_or_error() {
    for kind in ["unavailable", "error"] {
        let mut tracker = romeo_and_juliet();
        tracker.handle_presence(
            t(2),
            &stanza(&format!(
                "<presence type='{kind}' from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'/>"
            )),
        );
        tracker.handle_link_down(t(3), &domain("capulet.lit"));
        tracker.handle_link_up(t(4), &domain("capulet.lit"));
        assert_eq!(drain(&mut tracker), [], "{kind}");
    }
    let mut tracker = benvolio();
    tracker.handle_presence(
        t(2),
        &stanza("<presence type='unavailable' from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'/>"),
    );
    tracker.handle_session_paused(t(3), &full("benvolio@montague.lit/lane"));
    tracker.handle_session_end(t(4), &full("benvolio@montague.lit/lane"));
    assert_eq!(drain(&mut tracker), []);
}

#[test]
fn never_to_entities_that_did_not_ask() {
    let mut tracker = Tracker::new(montague(), t(0));
    tracker.handle_session_start(t(0), full("romeo@montague.lit/lane"), false);
    tracker.handle_session_start(t(0), full("benvolio@montague.lit/lane"), false);
    tracker.handle_presence(t(1), &stanza(JULIET));
    tracker.handle_presence(t(1), &stanza(BENVOLIO));
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    tracker.handle_session_paused(t(2), &full("benvolio@montague.lit/lane"));
    tracker.handle_link_up(t(3), &domain("capulet.lit"));
    tracker.handle_session_resumed(t(3), &full("benvolio@montague.lit/lane"));
    assert_eq!(drain(&mut tracker), []);
}

#[test]
fn a_session_that_stops_asking_is_forgotten() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker).len(), 1);
    tracker.handle_features(t(3), jid("romeo@montague.lit/lane"), false);
    tracker.handle_link_up(t(4), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker), []);
    assert_eq!(tracker.pairs(), 0);
}

#[test]
fn never_twice_when_an_event_repeats() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    tracker.handle_link_down(t(3), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker).len(), 1);
    tracker.handle_link_up(t(4), &domain("capulet.lit"));
    tracker.handle_link_up(t(5), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker).len(), 1);

    let mut tracker = benvolio();
    let benvolio = full("benvolio@montague.lit/lane");
    tracker.handle_session_paused(t(2), &benvolio);
    tracker.handle_session_paused(t(3), &benvolio);
    assert_eq!(drain(&mut tracker).len(), 1);
    tracker.handle_session_resumed(t(4), &benvolio);
    tracker.handle_session_resumed(t(5), &benvolio);
    assert_eq!(drain(&mut tracker).len(), 1);
}

#[test]
fn never_for_a_domain_that_was_never_down() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_link_up(t(2), &domain("capulet.lit"));
    tracker.handle_link_up(t(2), &domain("elsewhere.example"));
    tracker.handle_session_resumed(t(2), &full("romeo@montague.lit/lane"));
    assert_eq!(drain(&mut tracker), []);
    // A domain with nobody affected goes down and up silently.
    tracker.handle_link_down(t(3), &domain("verona.lit"));
    tracker.handle_link_up(t(4), &domain("verona.lit"));
    assert_eq!(drain(&mut tracker), []);
}

#[test]
fn never_for_local_senders_on_link_events_or_remote_senders_on_pause() {
    let mut tracker = benvolio();
    tracker.handle_link_down(t(2), &domain("montague.lit"));
    tracker.handle_presence(t(2), &stanza(JULIET));
    tracker.handle_session_paused(t(3), &full("juliet@capulet.lit/orchard"));
    assert_eq!(drain(&mut tracker), []);
}

// ---- presence routed during an outage or a pause ----

#[test]
fn presence_arriving_while_down_is_annotated_at_once() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    drain(&mut tracker);
    tracker.handle_session_start(t(3), full("romeo@montague.lit/garden"), true);
    let mut late = stanza(JULIET);
    late.to = Some(jid("romeo@montague.lit/garden"));
    tracker.handle_presence(t(3), &late);
    let out = drain(&mut tracker);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, Some(jid("romeo@montague.lit/garden")));
    assert_eq!(out[0].payloads.len(), 1);
    tracker.handle_link_up(t(4), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker).len(), 2, "both sessions are cleared");
}

#[test]
fn probe_answered_for_a_paused_session_is_annotated() {
    let mut tracker = benvolio();
    let benvolio = full("benvolio@montague.lit/lane");
    tracker.handle_session_paused(t(2), &benvolio);
    drain(&mut tracker);
    tracker.handle_session_start(t(3), full("romeo@montague.lit/garden"), true);
    let mut answer = stanza(BENVOLIO);
    answer.to = Some(jid("romeo@montague.lit/garden"));
    tracker.handle_presence(t(3), &answer);
    let out = drain(&mut tracker);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, Some(jid("romeo@montague.lit/garden")));
    tracker.handle_session_resumed(t(4), &benvolio);
    assert_eq!(drain(&mut tracker).len(), 2);
}

#[test]
fn a_new_presence_replaces_the_held_one() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_presence(
        t(2),
        &stanza("<presence from='juliet@capulet.lit/orchard' to='romeo@montague.lit/lane'><show>away</show></presence>"),
    );
    tracker.handle_link_down(t(3), &domain("capulet.lit"));
    let out = drain(&mut tracker);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].show, Some(xmpp_parsers::presence::Show::Away));
    assert_eq!(tracker.pairs(), 1);
}

#[test]
fn session_end_after_the_server_routed_unavailable_sends_nothing_more() {
    let mut tracker = benvolio();
    tracker.handle_presence(
        t(2),
        &stanza("<presence type='unavailable' from='benvolio@montague.lit/lane' to='romeo@montague.lit/lane'/>"),
    );
    tracker.handle_session_end(t(3), &full("benvolio@montague.lit/lane"));
    assert_eq!(drain(&mut tracker), []);
}

#[test]
fn a_receiving_session_that_ends_is_forgotten() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_session_end(t(2), &full("romeo@montague.lit/lane"));
    assert_eq!(
        drain(&mut tracker),
        [],
        "Juliet is remote: not ours to tell"
    );
    assert_eq!(tracker.pairs(), 0);
    tracker.handle_link_down(t(3), &domain("capulet.lit"));
    assert_eq!(drain(&mut tracker), []);
}

// ---- saved state ----

fn sorted(mut out: Vec<Presence>) -> Vec<String> {
    let mut text: Vec<String> = out
        .drain(..)
        .map(|p| String::from(&Element::from(p)))
        .collect();
    text.sort();
    text
}

#[test]
fn saved_state_behaves_the_same() {
    let mut tracker = romeo_and_juliet();
    tracker.handle_session_start(t(1), full("benvolio@montague.lit/lane"), false);
    tracker.handle_presence(t(1), &stanza(BENVOLIO));
    tracker.handle_link_down(t(2), &domain("capulet.lit"));
    drain(&mut tracker);
    let json = serde_json::to_string(&tracker).unwrap();
    let mut restored: Tracker = serde_json::from_str(&json).unwrap();
    assert_eq!(restored.pairs(), tracker.pairs());
    assert_eq!(restored.down_since(&domain("capulet.lit")), Some(t(2)));
    for tr in [&mut tracker, &mut restored] {
        tr.handle_link_up(t(3), &domain("capulet.lit"));
        tr.handle_session_paused(t(3), &full("benvolio@montague.lit/lane"));
        tr.handle_session_end(t(4), &full("benvolio@montague.lit/lane"));
    }
    let a = sorted(drain(&mut tracker));
    assert_eq!(a.len(), 3, "{a:?}");
    assert_eq!(a, sorted(drain(&mut restored)));
}

#[test]
fn hand_edited_state_is_refused_not_trusted() {
    let tracker = romeo_and_juliet();
    let json = serde_json::to_value(&tracker).unwrap();
    let mut bad = json.clone();
    bad["pairs"][0][1] = serde_json::json!(99);
    let err = serde_json::from_value::<Tracker>(bad).unwrap_err();
    assert!(
        err.to_string().contains("recipient 99 out of range"),
        "{err}"
    );
    let mut bad = json.clone();
    bad["stanzas"][0] = serde_json::json!("<message xmlns='jabber:client'/>");
    assert!(serde_json::from_value::<Tracker>(bad).is_err());
    let mut bad = json;
    bad["pairs"][0][0] = bad["pairs"][0][1].clone();
    assert!(serde_json::from_value::<Tracker>(bad).is_err());
}

#[test]
fn a_broadcast_is_stored_once() {
    let mut tracker = benvolio();
    let mut p = stanza(BENVOLIO);
    p.to = None;
    p.set_status("", "Gone to the orchard");
    tracker.handle_broadcast(
        t(2),
        &p,
        &[
            jid("romeo@montague.lit/lane"),
            jid("mercutio@verona.lit"),
            jid("tybalt@capulet.lit"),
        ],
    );
    // And the same stanza delivered one recipient at a time is shared as well.
    p.to = Some(jid("nurse@capulet.lit"));
    tracker.handle_presence(t(2), &p);
    assert_eq!(tracker.pairs(), 4);
    let saved = serde_json::to_value(&tracker).unwrap();
    assert_eq!(saved["stanzas"].as_array().unwrap().len(), 1, "{saved}");
}

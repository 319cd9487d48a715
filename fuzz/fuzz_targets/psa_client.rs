//! Structured bytes -> a sequence of inputs to the XEP-0310 client view.
//!
//! The input is decoded with `arbitrary::Unstructured`: the user's language
//! preferences, then up to 256 inputs, each taking only the bytes it needs: a presence
//! (hostile stanzas from `psa_stanzas`: contacts, the user's own resources and server,
//! room occupants, a room's bare JID, odd and missing `from`s; annotations by the
//! user's server, a room's service, another server, a user or a resource of the
//! user's server, nobody; unknown and several conditions, several annotations, wrong
//! namespaces), a room joined or left, the clock moving (backwards included), and a
//! serde round trip that replaces the view with its restored copy.
//!
//! What the module docs promise is checked after every input:
//!
//! * provenance: an annotation is believed only from the user's own server, or for an
//!   occupant of a room the user is in, from the room's service; anything else (or no
//!   `from`) yields exactly one `Refused` naming sender, annotator and who may speak,
//!   and changes nothing the view knew (a new sender is entered as fresh); so a stale
//!   entry is always by one of those who may speak for it;
//! * a believed annotation with a condition makes the entry stale with that reason,
//!   annotator, every description, the best description for the user's languages and
//!   the arrival time; an empty annotation or a plain presence makes it fresh;
//!   `unavailable` and `error` remove it; other presence types and presences without
//!   `from` change nothing;
//! * advice is consistent with the state: `CheckRoomPresence` / `Reprobe` exactly when
//!   an entry stale for an unreachable server became fresh and no entry of that room /
//!   contact remains stale for that reason, for the entry's room or bare JID;
//! * entries of a room are dropped when the user leaves it; no entry claims a room the
//!   user is not in; the view survives a serde round trip unchanged.
//!
//! Nothing may panic.

#![no_main]

mod psa_stanzas;

use std::collections::BTreeSet;

use jid::{BareJid, Jid};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use xep_core::time::Time;
use xep_psa::Condition;
use xep_psa::client::{ClientConfig, ClientEvent, Entry, Freshness, Reason, Stale, View};
use xep_psa::presence::read_annotation;
use xmpp_parsers::presence::Type;

const ACCOUNT: &str = "romeo@montague.lit";
const SENDERS: [&str; 14] = [
    "juliet@capulet.lit/orchard",
    "juliet@capulet.lit/balcony",
    "juliet@capulet.lit",
    "benvolio@montague.lit/lane",
    "romeo@montague.lit/other",
    "montague.lit",
    "capulet.lit",
    "orchard@chats.shakespeare.lit/Juliet",
    "orchard@chats.shakespeare.lit/Nurse",
    "orchard@chats.shakespeare.lit",
    "garden@chats.shakespeare.lit/Juliet",
    "conference@montague.lit/Benvolio",
    "orchard@capulet.lit/Tybalt",
    "chats.shakespeare.lit",
];
const ANNOTATORS: [&str; 10] = [
    "montague.lit",
    "chats.shakespeare.lit",
    "capulet.lit",
    "tybalt@montague.lit",
    "montague.lit/admin",
    "MONTAGUE.LIT",
    "montague.lit.",
    "shakespeare.lit",
    "romeo@montague.lit",
    "",
];
const ROOMS: [&str; 5] = [
    "orchard@chats.shakespeare.lit",
    "garden@chats.shakespeare.lit",
    "conference@montague.lit",
    "orchard@capulet.lit",
    "juliet@capulet.lit",
];
const LANGUAGES: [&[&str]; 4] = [&["en"], &["de-CH", "en"], &[], &["*"]];

struct Run {
    now: Time,
    view: View,
    languages: Vec<String>,
    rooms: BTreeSet<BareJid>,
}

fn bare_of(j: &Jid) -> BareJid {
    j.to_bare()
}

fn unreachable(e: &Entry) -> bool {
    matches!(
        e.freshness,
        Freshness::Stale(Stale {
            reason: Reason::ServerUnavailable,
            ..
        })
    )
}

impl Run {
    fn own(&self) -> BareJid {
        BareJid::from_parts(None, ACCOUNT.parse::<BareJid>().expect("valid").domain())
    }

    /// Who may annotate a presence from `sender`, as the docs say.
    fn expected(&self, sender: &Jid) -> Vec<BareJid> {
        let mut expected = vec![self.own()];
        let bare = bare_of(sender);
        if self.rooms.contains(&bare) {
            expected.push(BareJid::from_parts(None, bare.domain()));
        }
        expected
    }

    fn events(&mut self) -> Vec<ClientEvent> {
        let mut events = Vec::new();
        while let Some(e) = self.view.poll_event() {
            events.push(e);
            assert!(events.len() <= 2, "more than two events for one presence");
        }
        events
    }

    /// What must hold whatever the input.
    fn check_state(&self) {
        for (jid, entry) in self.view.entries() {
            if let Some(room) = &entry.room {
                assert!(self.rooms.contains(room), "{jid} claims {room}, not joined");
                assert_eq!(&bare_of(jid), room, "{jid} is no occupant of {room}");
            }
            if let Freshness::Stale(s) = &entry.freshness {
                let may: Vec<BareJid> = match &entry.room {
                    Some(room) => vec![self.own(), BareJid::from_parts(None, room.domain())],
                    None => vec![self.own()],
                };
                assert!(
                    s.by.node().is_none()
                        && s.by.resource().is_none()
                        && may.iter().any(|m| m.domain() == s.by.domain()),
                    "{jid} shown stale by {}, who cannot speak for it",
                    s.by
                );
            }
        }
        assert_eq!(
            self.view.stale().count(),
            self.view
                .entries()
                .filter(|(_, e)| matches!(e.freshness, Freshness::Stale(_)))
                .count()
        );
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let before: Vec<(Jid, Entry)> = self
            .view
            .entries()
            .map(|(j, e)| (j.clone(), e.clone()))
            .collect();
        match u.int_in_range(0u8..=15)? {
            0..=10 => {
                let Some(presence) = psa_stanzas::presence(u, &SENDERS, &ANNOTATORS)? else {
                    return Ok(());
                };
                self.view.handle_presence(self.now, &presence);
                let events = self.events();
                let after: Vec<(Jid, Entry)> = self
                    .view
                    .entries()
                    .map(|(j, e)| (j.clone(), e.clone()))
                    .collect();
                let Some(sender) = presence.from.clone() else {
                    assert_eq!(after, before, "a presence without from changed the view");
                    assert_eq!(events, [], "a presence without from");
                    return Ok(());
                };
                let others = |list: &[(Jid, Entry)]| -> Vec<(Jid, Entry)> {
                    list.iter().filter(|(j, _)| *j != sender).cloned().collect()
                };
                assert_eq!(others(&after), others(&before), "another entry changed");
                let old = before
                    .iter()
                    .find(|(j, _)| *j == sender)
                    .map(|(_, e)| e.clone());
                let new = self.view.entry(&sender).cloned();
                match presence.type_ {
                    Type::None => {}
                    Type::Unavailable | Type::Error => {
                        assert_eq!(new, None, "{:?} removes the entry", presence.type_);
                        assert_eq!(events, []);
                        return Ok(());
                    }
                    _ => {
                        assert_eq!(new, old, "{:?} changes nothing", presence.type_);
                        assert_eq!(events, []);
                        return Ok(());
                    }
                }
                let new = new.expect("an available presence makes an entry");
                let room = self
                    .rooms
                    .contains(&bare_of(&sender))
                    .then(|| bare_of(&sender));
                let mut events = events.into_iter();
                match read_annotation(&presence).map(|r| r.value) {
                    Some(a) => {
                        let expected = self.expected(&sender);
                        let trusted = a.from.as_ref().is_some_and(|f| {
                            f.node().is_none()
                                && f.resource().is_none()
                                && expected.iter().any(|e| e.domain() == f.domain())
                        });
                        if !trusted {
                            assert_eq!(
                                events.next(),
                                Some(ClientEvent::Refused {
                                    sender: sender.clone(),
                                    annotator: a.from.clone(),
                                    expected,
                                })
                            );
                            assert_eq!(events.next(), None, "only the refusal");
                            match old {
                                Some(old) => {
                                    assert_eq!(new, old, "a refused annotation changed the entry")
                                }
                                None => assert_eq!(
                                    new.freshness,
                                    Freshness::Fresh,
                                    "a new sender with a refused annotation is fresh"
                                ),
                            }
                            return Ok(());
                        }
                        match &a.condition {
                            None => assert_eq!(new.freshness, Freshness::Fresh),
                            Some(c) => {
                                let Freshness::Stale(s) = &new.freshness else {
                                    panic!("a believed {} left {sender} fresh", c.name())
                                };
                                let reason = match c {
                                    Condition::ServerUnavailable => Reason::ServerUnavailable,
                                    Condition::ConnectionPaused => Reason::ConnectionPaused,
                                    other => Reason::Other(other.name().to_owned()),
                                };
                                assert_eq!(s.reason, reason);
                                assert_eq!(Some(&s.by), a.from.as_ref());
                                assert_eq!(s.descriptions, a.descriptions);
                                let langs: Vec<&str> =
                                    self.languages.iter().map(String::as_str).collect();
                                assert_eq!(
                                    s.description.as_deref(),
                                    a.descriptions.best_match(&langs)
                                );
                                assert_eq!(s.since, self.now);
                            }
                        }
                    }
                    None => assert_eq!(new.freshness, Freshness::Fresh, "a plain presence"),
                }
                assert_eq!(new.room, room, "the entry's room");
                // Advice.
                let was = old.as_ref().is_some_and(unreachable);
                let cleared = was && new.freshness == Freshness::Fresh;
                let bare = bare_of(&sender);
                let still = self
                    .view
                    .entries()
                    .any(|(j, e)| bare_of(j) == bare && unreachable(e));
                let advice = events.next();
                assert_eq!(events.next(), None, "at most one advice");
                if cleared && !still {
                    let expected = match &room {
                        Some(room) => ClientEvent::CheckRoomPresence { room: room.clone() },
                        None => ClientEvent::Reprobe { contact: bare },
                    };
                    assert_eq!(advice, Some(expected), "advice after the last one cleared");
                } else {
                    assert_eq!(advice, None, "advice without cause");
                }
            }
            11 | 12 => {
                let room: BareJid = u.choose(&ROOMS)?.parse().expect("valid");
                if u.ratio(1u8, 2)? {
                    self.view.handle_room_joined(self.now, room.clone());
                    self.rooms.insert(room);
                    let after: Vec<(Jid, Entry)> = self
                        .view
                        .entries()
                        .map(|(j, e)| (j.clone(), e.clone()))
                        .collect();
                    assert_eq!(after, before, "joining a room changes no entry");
                } else {
                    self.view.handle_room_left(self.now, &room);
                    self.rooms.remove(&room);
                    let after: Vec<(Jid, Entry)> = self
                        .view
                        .entries()
                        .map(|(j, e)| (j.clone(), e.clone()))
                        .collect();
                    let kept: Vec<(Jid, Entry)> = before
                        .into_iter()
                        .filter(|(_, e)| e.room.as_ref() != Some(&room))
                        .collect();
                    assert_eq!(after, kept, "leaving a room drops exactly its entries");
                }
                assert_eq!(self.events(), []);
            }
            13 | 14 => self.now = psa_stanzas::tick(u, self.now)?,
            _ => {
                let json = serde_json::to_string(&self.view).expect("the view saves");
                let restored: View = serde_json::from_str(&json)
                    .unwrap_or_else(|e| panic!("the saved view does not read back: {e}\n{json}"));
                assert_eq!(
                    restored, self.view,
                    "saved and restored view differs\n{json}"
                );
                self.view = restored;
            }
        }
        self.check_state();
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(languages) = u.choose(&LANGUAGES) else {
        return;
    };
    let now = psa_stanzas::start();
    let config = ClientConfig::new(ACCOUNT.parse().expect("valid"), languages);
    let mut run = Run {
        now,
        view: View::new(config, now),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        rooms: BTreeSet::new(),
    };
    let mut steps = 0;
    while steps < 256 && !u.is_empty() && run.step(&mut u).is_ok() {
        steps += 1;
    }
});

//! Structured bytes -> a sequence of inputs to the XEP-0310 MUC service tracker.
//!
//! The input is decoded with `arbitrary::Unstructured`: first a configuration (grace
//! period from none to never, probes or not, descriptions with `{domain}`, the hash
//! seed), then up to 256 inputs, each taking only the bytes it needs: an occupant's
//! features, an occupant presence (hostile stanzas from `psa_stanzas`, any of twelve
//! room JIDs in three rooms, one on another service, with any of eight real JIDs,
//! nick takeovers included), an occupant leaving, a link down or up (for domains with
//! occupants, the service's own domain, a never-seen one, a JID with a node), a
//! timeout at `now` or at `poll_timeout`, the clock moving (backwards and to the ends of
//! time included) and, rarely (at most four a run: each costs as much as dozens of
//! other inputs), a serde round trip that replaces the tracker with its restored copy.
//!
//! What the module docs promise is checked after every input, against a small record
//! of who is present, who asks for PSA, which links are down and who was told what:
//!
//! * every stanza out is the annotated copy of an occupant's current room presence
//!   (exactly one `<state-annotation/>`, from the service's domain,
//!   `<server-unavailable/>` with the configured descriptions while the occupant's
//!   server is down, empty once it is back), sent to the real JID of another occupant
//!   of the same room that asks for PSA and whose server is reachable; or a probe to an
//!   occupant's real JID right after its link came up, when configured;
//! * link down: exactly the occupants of that domain, to exactly the other reachable
//!   PSA occupants of their rooms; down again: nothing; link up: the empty annotation
//!   to exactly those told who are still present and reachable, nothing for an occupant
//!   that left meanwhile, nothing for a domain that was not down; a newcomer asking
//!   for PSA learns every unreachable occupant of its room; an update from an
//!   unreachable occupant is annotated again to those told; `unavailable` and `error`
//!   end the occupant, probes and subscription presences change nothing (found here:
//!   a probe was stored as the occupant's presence and went out annotated);
//! * after the grace period, one `RemoveOccupant` per occupant still on the domain,
//!   once per outage; `poll_timeout` is the end of the earliest grace period running;
//! * the saved state reads back and saves to the same JSON;
//! * every stanza out can be written; draining takes a bounded number of polls.
//!
//! Nothing may panic.

#![no_main]

mod psa_stanzas;

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use jid::{BareJid, FullJid, Jid};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use xep_core::lang::{Lang, LangMap};
use xep_core::time::{self, Time};
use xep_psa::Condition;
use xep_psa::muc::{MucConfig, MucEvent, MucTracker};
use xep_psa::presence::{is_annotation, read_annotation};
use xmpp_parsers::presence::{Presence, Type};

const SERVICE: &str = "chats.shakespeare.lit";
/// Most inputs read from one run: twelve room JIDs and seven domains are explored
/// well within it, and shorter runs are more runs.
const MAX_STEPS: usize = 256;
/// Most serde round trips in one run (each costs as much as dozens of other inputs).
const MAX_SAVES: usize = 4;
const OCCUPANTS: [&str; 12] = [
    "orchard@chats.shakespeare.lit/Romeo",
    "orchard@chats.shakespeare.lit/Juliet",
    "orchard@chats.shakespeare.lit/Nurse",
    "orchard@chats.shakespeare.lit/Tybalt",
    "garden@chats.shakespeare.lit/Romeo",
    "garden@chats.shakespeare.lit/Juliet",
    "garden@chats.shakespeare.lit/Mercutio",
    "garden@chats.shakespeare.lit/\u{263a}",
    "orchard@other.lit/Romeo",
    "orchard@other.lit/Juliet",
    "orchard@other.lit/Nurse",
    "orchard@other.lit/x",
];
const REALS: [&str; 8] = [
    "romeo@montague.lit/lane",
    "juliet@capulet.lit/balcony",
    "nurse@capulet.lit/kitchen",
    "tybalt@capulet.lit",
    "mercutio@verona.lit/x",
    "montague.lit",
    "chats.shakespeare.lit",
    "romeo@montague.lit/orchard",
];
const DOMAINS: [&str; 7] = [
    "capulet.lit",
    "montague.lit",
    "verona.lit",
    "chats.shakespeare.lit",
    "never.lit",
    "juliet@capulet.lit",
    "CAPULET.lit",
];

/// The tracker and what the checks know about its world.
struct Run {
    now: Time,
    config: MucConfig,
    muc: MucTracker,
    /// Present occupants: real JID and the room presence as stored (no `to`, `from` the
    /// room JID).
    present: BTreeMap<FullJid, (Jid, Presence)>,
    psa: BTreeSet<Jid>,
    /// Domains whose link is down: since when, and whether the grace period fired.
    down: BTreeMap<String, (Time, bool)>,
    /// For each occupant, the occupants told it is unreachable (and not yet cleared).
    told: BTreeMap<FullJid, BTreeSet<FullJid>>,
    occupants: Vec<FullJid>,
    reals: Vec<Jid>,
    domains: Vec<BareJid>,
    saves: usize,
}

/// What a stanza out was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Out {
    Down,
    Cleared,
    Probe,
}

type Sent = BTreeSet<(Jid, FullJid, Out)>;

fn domain_of(j: &Jid) -> String {
    j.domain().as_str().to_owned()
}

impl Run {
    fn is_down(&self, real: &Jid) -> bool {
        self.down.contains_key(&domain_of(real))
    }

    /// Whether this real JID asks for PSA and can be reached.
    fn ok(&self, real: &Jid) -> bool {
        self.psa.contains(real) && !self.is_down(real)
    }

    fn room_of(o: &FullJid) -> BareJid {
        o.to_bare()
    }

    /// The other present occupants of `x`'s room.
    fn others(&self, x: &FullJid) -> Vec<FullJid> {
        let room = Self::room_of(x);
        self.present
            .keys()
            .filter(|r| *r != x && Self::room_of(r) == room)
            .cloned()
            .collect()
    }

    fn left(&mut self, x: &FullJid) {
        self.present.remove(x);
        self.told.remove(x);
        for set in self.told.values_mut() {
            set.remove(x);
        }
    }

    /// Drains the tracker, checks every stanza on its own, and returns what was sent.
    fn drain(&mut self) -> Sent {
        let mut sent = Sent::new();
        let bound = 4 * self.present.len() * self.present.len() + 16;
        let mut polls = 0;
        while let Some(out) = self.muc.poll_transmit() {
            polls += 1;
            assert!(polls <= bound, "more than {bound} stanzas for one input");
            // Whatever the tracker sends can be written.
            let _ = String::from(&Element::from(out.clone()));
            sent.insert(self.check_stanza(&out));
        }
        sent
    }

    fn check_stanza(&self, out: &Presence) -> (Jid, FullJid, Out) {
        let from = out.from.clone().expect("a stanza out has a from");
        let to = out.to.clone().expect("a stanza out has a to");
        let x = FullJid::try_from(from).expect("from an occupant JID");
        let (real, stored) = self
            .present
            .get(&x)
            .unwrap_or_else(|| panic!("a stanza about {x}, who is not present"));
        if out.type_ == Type::Probe {
            assert!(self.config.probe_on_link_up, "a probe nobody configured");
            assert_eq!(&to, real, "a probe goes to the occupant's real JID");
            assert!(out.payloads.is_empty(), "a bare probe");
            return (to, x, Out::Probe);
        }
        // To another occupant of the same room that asked and is reachable.
        assert!(
            self.others(&x).iter().any(|r| self.present[r].0 == to),
            "{to} is no other occupant of {x}'s room"
        );
        assert!(
            self.psa.contains(&to),
            "annotated presence to {to}, who did not ask"
        );
        assert!(
            !self.is_down(&to),
            "annotated presence to {to}, who cannot be reached"
        );
        // Exactly one annotation, from the service.
        assert_eq!(
            out.payloads.iter().filter(|p| is_annotation(p)).count(),
            1,
            "one annotation per stanza: {out:?}"
        );
        let reading = read_annotation(out).expect("annotated");
        assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
        let a = reading.value;
        assert_eq!(a.from, Some(Jid::from(self.config.service.clone())));
        let kind = if self.is_down(real) {
            assert_eq!(a.condition, Some(Condition::ServerUnavailable));
            let mut expected = LangMap::new();
            for (lang, text) in self.config.server_unavailable_text.iter() {
                expected.insert(
                    lang.cloned(),
                    text.replace("{domain}", real.domain().as_str()),
                );
            }
            assert_eq!(a.descriptions, expected);
            Out::Down
        } else {
            assert_eq!(a.condition, None, "cleared once the link is back");
            assert!(a.descriptions.is_empty());
            Out::Cleared
        };
        // The occupant's current room presence, annotation aside.
        let mut copy = out.clone();
        copy.to = None;
        copy.payloads.retain(|p| !is_annotation(p));
        let mut current = stored.clone();
        current.payloads.retain(|p| !is_annotation(p));
        assert_eq!(copy, current, "not the occupant's current presence");
        (to, x, kind)
    }

    fn events(&mut self) -> Vec<MucEvent> {
        let bound = self.present.len() + 1;
        let mut events = Vec::new();
        while let Some(e) = self.muc.poll_event() {
            events.push(e);
            assert!(events.len() <= bound, "more events than occupants");
        }
        events
    }

    fn expect_timeout(&self) -> Option<Time> {
        if self.config.grace == TimeDelta::MAX {
            return None;
        }
        self.down
            .values()
            .filter(|(_, expired)| !expired)
            .map(|(since, _)| time::add(*since, self.config.grace))
            .min()
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let mut expected = Sent::new();
        let mut events = Vec::new();
        match u.int_in_range(0u8..=63)? {
            0..=7 => {
                let real = u.choose(&self.reals)?.clone();
                let on = u.ratio(3u8, 4)?;
                self.muc.handle_features(self.now, real.clone(), on);
                if on {
                    self.psa.insert(real);
                } else {
                    self.psa.remove(&real);
                }
            }
            8..=27 => {
                let x = u.choose(&self.occupants)?.clone();
                let real = u.choose(&self.reals)?.clone();
                let Some(presence) = psa_stanzas::presence(
                    u,
                    &OCCUPANTS,
                    &[SERVICE, "montague.lit", "capulet.lit", "nurse@capulet.lit"],
                )?
                else {
                    return Ok(());
                };
                self.muc
                    .handle_occupant_presence(self.now, x.clone(), real.clone(), &presence);
                if matches!(presence.type_, Type::Unavailable | Type::Error) {
                    self.left(&x);
                } else if presence.type_ != Type::None {
                    // Probes and subscription presences are no occupant state.
                } else {
                    let mut stored = presence.clone();
                    stored.to = None;
                    stored.from = Some(Jid::from(x.clone()));
                    let same = self.present.get(&x).is_some_and(|(r, _)| *r == real);
                    if same {
                        self.present.insert(x.clone(), (real.clone(), stored));
                        if self.is_down(&real) {
                            for r in &self.told[&x] {
                                let rr = &self.present[r].0;
                                if self.ok(rr) {
                                    expected.insert((rr.clone(), x.clone(), Out::Down));
                                }
                            }
                        }
                    } else {
                        self.left(&x);
                        self.present.insert(x.clone(), (real.clone(), stored));
                        if self.is_down(&real) {
                            let told: BTreeSet<FullJid> = self
                                .others(&x)
                                .into_iter()
                                .filter(|r| self.ok(&self.present[r].0))
                                .collect();
                            for r in &told {
                                expected.insert((self.present[r].0.clone(), x.clone(), Out::Down));
                            }
                            self.told.insert(x.clone(), told);
                        }
                        if self.ok(&real) {
                            for s in self.others(&x) {
                                if self.is_down(&self.present[&s].0) {
                                    expected.insert((real.clone(), s.clone(), Out::Down));
                                    self.told.get_mut(&s).expect("told").insert(x.clone());
                                }
                            }
                        }
                    }
                }
            }
            28..=31 => {
                let x = u.choose(&self.occupants)?.clone();
                self.muc.handle_occupant_left(self.now, &x);
                self.left(&x);
            }
            32..=39 => {
                let d = u.choose(&self.domains)?.clone();
                self.muc.handle_link_down(self.now, &d);
                let name = d.domain().as_str().to_owned();
                if !self.down.contains_key(&name) {
                    self.down.insert(name.clone(), (self.now, false));
                    let affected: Vec<FullJid> = self
                        .present
                        .iter()
                        .filter(|(_, (r, _))| domain_of(r) == name)
                        .map(|(x, _)| x.clone())
                        .collect();
                    for x in affected {
                        let told: BTreeSet<FullJid> = self
                            .others(&x)
                            .into_iter()
                            .filter(|r| self.ok(&self.present[r].0))
                            .collect();
                        for r in &told {
                            expected.insert((self.present[r].0.clone(), x.clone(), Out::Down));
                        }
                        self.told.insert(x, told);
                    }
                }
            }
            40..=47 => {
                let d = u.choose(&self.domains)?.clone();
                self.muc.handle_link_up(self.now, &d);
                let name = d.domain().as_str().to_owned();
                if self.down.remove(&name).is_some() {
                    let affected: Vec<FullJid> = self
                        .present
                        .iter()
                        .filter(|(_, (r, _))| domain_of(r) == name)
                        .map(|(x, _)| x.clone())
                        .collect();
                    for x in affected {
                        let told = self.told.remove(&x).unwrap_or_default();
                        let mut cleared = false;
                        for r in told {
                            let rr = self.present[&r].0.clone();
                            if self.ok(&rr) {
                                expected.insert((rr, x.clone(), Out::Cleared));
                                cleared = true;
                            }
                        }
                        if cleared && self.config.probe_on_link_up {
                            expected.insert((self.present[&x].0.clone(), x.clone(), Out::Probe));
                        }
                    }
                }
            }
            48..=55 => {
                let at = if u.ratio(1u8, 2)? {
                    self.muc.poll_timeout().unwrap_or(self.now)
                } else {
                    self.now
                };
                self.muc.handle_timeout(at);
                if self.config.grace != TimeDelta::MAX {
                    let grace = self.config.grace;
                    for (name, (since, expired)) in &mut self.down {
                        if !*expired && time::add(*since, grace) <= at {
                            *expired = true;
                            for (x, (real, _)) in &self.present {
                                if domain_of(real) == *name {
                                    events.push(MucEvent::RemoveOccupant {
                                        occupant: x.clone(),
                                        real: real.clone(),
                                    });
                                }
                            }
                        }
                    }
                }
            }
            56..=62 => self.now = psa_stanzas::tick(u, self.now)?,
            _ if self.saves >= MAX_SAVES => {}
            _ => {
                self.saves += 1;
                let json = serde_json::to_string(&self.muc).expect("the state saves");
                let restored: MucTracker = serde_json::from_str(&json)
                    .unwrap_or_else(|e| panic!("the saved state does not read back: {e}\n{json}"));
                let again = serde_json::to_string(&restored).expect("the state saves");
                assert_eq!(json, again, "saved, restored and saved again differs");
                assert_eq!(restored.occupants(), self.muc.occupants());
                self.muc = restored;
            }
        }
        let sent = self.drain();
        assert_eq!(sent, expected, "stanzas out");
        let mut got = self.events();
        got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        events.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        assert_eq!(got, events, "events");
        assert_eq!(
            self.muc.poll_timeout(),
            self.expect_timeout(),
            "poll_timeout"
        );
        assert_eq!(self.muc.occupants(), self.present.len(), "occupants");
        Ok(())
    }
}

fn config(u: &mut Unstructured<'_>) -> Result<MucConfig> {
    let grace = match u.int_in_range(0u8..=6)? {
        0 => TimeDelta::zero(),
        1 => TimeDelta::seconds(1),
        2 => TimeDelta::MAX,
        3 => TimeDelta::minutes(-1),
        4 => TimeDelta::MIN,
        5 => TimeDelta::days(365 * 1000),
        _ => TimeDelta::minutes(5),
    };
    let mut config = MucConfig::new(SERVICE.parse().expect("valid"), grace);
    config.probe_on_link_up = u.arbitrary()?;
    config.hash_seed = u.arbitrary()?;
    let mut text = LangMap::new();
    if u.arbitrary()? {
        text.insert(None, "{domain} is unreachable");
        text.insert(
            Some(Lang::parse("de").expect("valid")),
            "{domain}{domain} weg",
        );
    }
    config.server_unavailable_text = text;
    Ok(config)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else { return };
    let now = psa_stanzas::start();
    let mut run = Run {
        now,
        muc: MucTracker::new(config.clone(), now),
        config,
        present: BTreeMap::new(),
        psa: BTreeSet::new(),
        down: BTreeMap::new(),
        told: BTreeMap::new(),
        occupants: OCCUPANTS
            .iter()
            .map(|o| o.parse().expect("valid"))
            .collect(),
        reals: REALS.iter().map(|r| r.parse().expect("valid")).collect(),
        domains: DOMAINS.iter().map(|d| d.parse().expect("valid")).collect(),
        saves: 0,
    };
    let mut steps = 0;
    while steps < MAX_STEPS && !u.is_empty() && run.step(&mut u).is_ok() {
        steps += 1;
    }
});

//! Structured bytes -> a long sequence of inputs to the XEP-0485 opt-in publisher.
//!
//! The input is decoded with `arbitrary::Unstructured`: first a configuration (opt-in
//! lifetime, query timeout and publication interval from below zero to never, an
//! allow-list, anonymous peers listed or not, node creation, the id prefix, the local
//! domain's spelling), then up to 4,096 inputs, each taking only the bytes it needs:
//! a connection opened or closed (three directions, twelve peers: plain, allow-listed,
//! the local domain, IDN and punycode, Unicode, an IP literal, a single label), a
//! typed disco#info result (feature present, padded, missing, near misses, only in a
//! form) or error, a raw `<iq/>` (result, error, get, set, no type; from the peer, in
//! capitals with a trailing dot, from a user or a resource of it, from nobody; the
//! id in flight, another peer's, a stale one, a made-up one; disco#info with and
//! without the feature, a vCard, nothing), the clock moving while the deadlines
//! fire (as a server loop would) or without them (a late caller, to the end of
//! time), a timeout at `now` or at `poll_timeout`, and, rarely (at most four a run),
//! a restart: the opt-in cache goes through JSON, stray entries are added, and a new
//! machine restored from it takes over the open connections.
//!
//! After every input the transmits and events are drained and compared with a small
//! model of the connections, the opt-in cache and the queries in flight:
//!
//! * a disco#info query goes exactly to a connected peer that is not the local
//!   domain, not allow-listed, has no cached answer and no query in flight, or whose
//!   cached answer expired while it is still connected; every stanza id is new;
//! * a reply counts only with the id in flight from the peer asked (type `result` or
//!   `error`; a request, a user's or a resource's reply, another id are not ours:
//!   `handle_iq` says `false`); the feature, padded or not, opts in, anything else
//!   (near misses, a form, an error, a vCard, nothing) does not; the typed calls
//!   report a stray reply as `UnsolicitedReply`; a query times out after
//!   `query_timeout`; a deadline that saturates at the end of time never fires;
//! * a publication happens only in `handle_timeout`, differs from the previous one,
//!   comes at least `min_interval` after it, fits the schema, is the current item,
//!   and names exactly the connected peers that are allow-listed or whose cached
//!   answer opted in (never another), with their connections; anonymous peers are
//!   listed after the named ones (or not at all);
//! * after `handle_timeout(now)` no deadline is at or before `now`; an item that
//!   differs from the last published one has a publication deadline no later than
//!   `min_interval` after the last one (or now); draining takes a bounded number of
//!   polls; every transmit can be written;
//! * the opt-in cache reads back from JSON unchanged, and a restored machine goes on
//!   under the same checks.
//!
//! The full comparison of the item and the cache runs after each of the first 64
//! inputs, then after every 64th and after the last. Nothing may panic.

#![no_main]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, TimeDelta};
use jid::{BareJid, DomainPart};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use minidom::Element;
use minidom::rxml::{Namespace, NcNameStr};
use xep_core::disco::DiscoInfo;
use xep_core::time::{self, Time};
use xep_serverinfo::ServerInfo;
use xep_serverinfo::discovery::Coordinates;
use xep_serverinfo::payload::Direction;
use xep_serverinfo::publisher::{
    Event, LinkDirection, OptInEntry, OptInSource, Publisher, PublisherConfig, Transmit,
};

/// Most inputs read from one run.
const MAX_STEPS: usize = 4096;
/// Most restarts in one run (each replays every open connection).
const MAX_RESTARTS: usize = 4;
/// Most deadlines fired by one clock move; the rest fire late, at the target.
const MAX_FIRINGS: usize = 64;
const PEERS: [&str; 12] = [
    "peer0.example",
    "peer1.example",
    "peer2.example",
    "trusted.example",
    "example.org",
    "bücher.example",
    "xn--bcher-kva.example",
    "äö.example",
    "日本.example",
    "[::1]",
    "127.0.0.1",
    "a",
];
const DIRECTIONS: [LinkDirection; 3] = [
    LinkDirection::Incoming,
    LinkDirection::Outgoing,
    LinkDirection::Bidi,
];
const DISCO: &str = "http://jabber.org/protocol/disco#info";

/// What a peer answers to our disco#info query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Feature,
    Padded,
    Other,
    NearMiss,
    FormOnly,
    NoQuery,
    VCard,
}

const ANSWERS: [Answer; 7] = [
    Answer::Feature,
    Answer::Padded,
    Answer::Other,
    Answer::NearMiss,
    Answer::FormOnly,
    Answer::NoQuery,
    Answer::VCard,
];

impl Answer {
    /// The payload of the result, if any.
    fn payload(self) -> &'static str {
        match self {
            Self::Feature => {
                "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/><feature var='urn:xmpp:serverinfo:0'/></query>"
            }
            Self::Padded => {
                "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/><feature var=' urn:xmpp:serverinfo:0 '/></query>"
            }
            Self::Other => {
                "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/></query>"
            }
            Self::NearMiss => {
                "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='URN:XMPP:SERVERINFO:0'/><feature var='urn:xmpp:serverinfo:1'/><feature var='urn:xmpp:serverinfo'/></query>"
            }
            Self::FormOnly => {
                "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:serverinfo:0</value></field></x></query>"
            }
            Self::NoQuery => "",
            Self::VCard => "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>",
        }
    }

    /// Whether the peer opted in, and why not if it did not (as a result).
    fn outcome(self) -> (bool, OptInSource) {
        match self {
            Self::Feature | Self::Padded => (true, OptInSource::Feature),
            Self::Other | Self::NearMiss | Self::FormOnly => (false, OptInSource::NoFeature),
            Self::NoQuery | Self::VCard => (false, OptInSource::FailedReply),
        }
    }

    /// The typed reading of a disco#info payload.
    fn info(self) -> Option<DiscoInfo> {
        let element: Element = self.payload().parse().ok()?;
        element
            .is("query", DISCO)
            .then(|| DiscoInfo::read(&element).expect("a disco#info query").value)
    }
}

/// The model's key for a domain: what the machine's docs say names compare as.
fn key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

thread_local! {
    /// Raw stanzas without `from` and `id`, parsed once per shape and kept across
    /// runs (parsing them on every input took a third of the time).
    static STANZAS: RefCell<HashMap<StanzaShape, Element>> = RefCell::new(HashMap::new());
}

thread_local! {
    /// The peers as domains and the typed answers, made once.
    static FIXTURES: (Vec<DomainPart>, Vec<Option<DiscoInfo>>) = (
        PEERS
            .iter()
            .map(|p| DomainPart::new(p).expect("valid").into_owned())
            .collect(),
        ANSWERS.iter().map(|a| a.info()).collect(),
    );
}

/// Element name, namespace, `type` and the index of the answer in [`ANSWERS`].
type StanzaShape = (&'static str, &'static str, Option<&'static str>, usize);

/// `<name xmlns=ns type=kind>payload</name>`, from the cache.
fn stanza(
    name: &'static str,
    ns: &'static str,
    kind: Option<&'static str>,
    answer: usize,
) -> Element {
    STANZAS.with(|cache| {
        cache
            .borrow_mut()
            .entry((name, ns, kind, answer))
            .or_insert_with(|| {
                let kind_attr = kind.map_or_else(String::new, |k| format!(" type='{k}'"));
                let error = if kind == Some("error") {
                    "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                } else {
                    ""
                };
                format!(
                    "<{name} xmlns='{ns}'{kind_attr} to='example.org'>{}{error}</{name}>",
                    ANSWERS[answer].payload()
                )
                .parse()
                .expect("well-formed")
            })
            .clone()
    })
}

fn set_attr(element: &mut Element, name: &'static str, value: &str) {
    let name = <&NcNameStr>::try_from(name)
        .expect("an XML name")
        .to_owned();
    element.set_attr(Namespace::NONE, name, value.to_owned());
}

fn start() -> Time {
    // 2026-11-30T10:00:00Z
    DateTime::from_timestamp(1_796_032_800, 0).expect("in range")
}

/// The latest instant the clock reaches: the end of time, where every deadline
/// saturates (a deadline there is "never"; it looped before).
fn end() -> Time {
    Time::MAX_UTC
}

fn sort_events(events: &mut [Event]) {
    events.sort_by_key(|e| format!("{e:?}"));
}

/// The machine and what the checks know about its world.
struct Run {
    now: Time,
    /// The configuration given to `new` (the machine may adjust it; the model reads
    /// durations from `Publisher::config`).
    config: PublisherConfig,
    p: Publisher,
    local: String,
    allow: BTreeSet<String>,
    /// Open connections per peer key and direction.
    counts: BTreeMap<String, [u32; 3]>,
    /// The opt-in cache: answer, expiry, and whether the expiry was handled (it is,
    /// once: a peer still connected is asked again and keeps its answer meanwhile).
    cache: BTreeMap<String, (bool, Time, bool)>,
    /// Queries in flight: id and deadline per peer key.
    pending: BTreeMap<String, (String, Time)>,
    /// Every id the current machine handed out.
    ids: HashSet<String>,
    /// Ids that were answered or timed out (replayed as stale replies).
    stale: Vec<String>,
    /// The last publication of the current machine.
    last: Option<(Time, ServerInfo)>,
    peers: Vec<DomainPart>,
    infos: Vec<Option<DiscoInfo>>,
    restarts: usize,
    /// How many transmits were written out.
    written: usize,
    /// What the current input must produce.
    want_queries: Vec<String>,
    want_events: Vec<Event>,
    want_create: bool,
}

impl Run {
    fn new(config: PublisherConfig) -> Self {
        let now = start();
        let p = Publisher::new(config.clone(), now);
        let mut run = Self {
            now,
            local: key(&config.domain),
            allow: BTreeSet::new(),
            want_create: config.create_node,
            config,
            p,
            counts: BTreeMap::new(),
            cache: BTreeMap::new(),
            pending: BTreeMap::new(),
            ids: HashSet::new(),
            stale: Vec::new(),
            last: None,
            peers: FIXTURES.with(|f| f.0.clone()),
            infos: FIXTURES.with(|f| f.1.clone()),
            restarts: 0,
            written: 0,
            want_queries: Vec::new(),
            want_events: Vec::new(),
        };
        run.allow = run.config.allow_list.iter().map(|d| key(d)).collect();
        run.settle(false);
        run
    }

    fn ttl(&self) -> TimeDelta {
        self.p.config().opt_in_ttl
    }

    fn named(&self, k: &str) -> bool {
        self.allow.contains(k) || self.cache.get(k).is_some_and(|e| e.0)
    }

    fn retire(&mut self, id: String) {
        if self.stale.len() >= 8 {
            self.stale.remove(0);
        }
        self.stale.push(id);
    }

    /// The model's side of an accepted answer.
    fn answered(&mut self, k: &str, opted_in: bool, source: OptInSource) {
        let (id, _) = self.pending.remove(k).expect("in flight");
        self.retire(id);
        self.cache.insert(
            k.to_owned(),
            (opted_in, time::add(self.now, self.ttl()), false),
        );
        let peer = self.peers.iter().find(|p| p.as_str() == k).cloned();
        self.want_events.push(Event::OptIn {
            peer: peer.unwrap_or_else(|| DomainPart::new(k).expect("a domain").into_owned()),
            opted_in,
            source,
        });
    }

    fn open(&mut self, peer: &DomainPart, direction: LinkDirection) {
        self.p.handle_connection_opened(self.now, peer, direction);
        let k = key(peer.as_str());
        if k == self.local {
            return;
        }
        let slot = &mut self.counts.entry(k.clone()).or_insert([0; 3])[direction as usize];
        *slot = slot.saturating_add(1);
        // (A query asked for earlier in the same input, as a restart's replay does, is
        // in flight too.)
        if !self.allow.contains(&k)
            && !self.cache.contains_key(&k)
            && !self.pending.contains_key(&k)
            && !self.want_queries.contains(&k)
        {
            self.want_queries.push(k);
        }
    }

    fn close(&mut self, peer: &DomainPart, direction: LinkDirection) {
        self.p.handle_connection_closed(self.now, peer, direction);
        let k = key(peer.as_str());
        if let Some(counts) = self.counts.get_mut(&k) {
            let slot = &mut counts[direction as usize];
            if *slot > 0 {
                *slot -= 1;
                if counts.iter().all(|&c| c == 0) {
                    self.counts.remove(&k);
                }
            }
        }
    }

    /// Picks a stanza id for a reply: the one in flight to `k`, another peer's, a
    /// stale one, or made up.
    fn pick_id(&self, u: &mut Unstructured<'_>, k: &str) -> Result<String> {
        Ok(match u.int_in_range(0u8..=5)? {
            0..=2 => self
                .pending
                .get(k)
                .map_or_else(|| "serverinfo-1".to_owned(), |p| p.0.clone()),
            3 if !self.pending.is_empty() => {
                let i = u.choose_index(self.pending.len())?;
                self.pending.values().nth(i).expect("in range").0.clone()
            }
            4 if !self.stale.is_empty() => u.choose(&self.stale)?.clone(),
            _ => u.choose(&["serverinfo-1", "", "x"])?.to_string(),
        })
    }

    /// A typed disco#info result or error.
    fn typed(&mut self, u: &mut Unstructured<'_>, error: bool) -> Result<()> {
        let peer = u.choose(&self.peers)?.clone();
        let k = key(peer.as_str());
        let id = self.pick_id(u, &k)?;
        let accepted = self.pending.get(&k).is_some_and(|p| p.0 == id);
        if error {
            self.p.handle_disco_error(self.now, &peer, &id);
            if accepted {
                self.answered(&k, false, OptInSource::FailedReply);
            }
        } else {
            let i = u.choose_index(ANSWERS.len())?;
            let Some(info) = self.infos[i].clone() else {
                return Ok(());
            };
            self.p.handle_disco_info(self.now, &peer, &id, &info);
            if accepted {
                let (opted_in, source) = ANSWERS[i].outcome();
                self.answered(&k, opted_in, source);
            }
        }
        if !accepted {
            self.want_events.push(Event::UnsolicitedReply { from: k });
        }
        Ok(())
    }

    /// A raw `<iq/>` (or not quite).
    fn raw(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let peer = u.choose(&self.peers)?.clone();
        let k = key(peer.as_str());
        let id = self.pick_id(u, &k)?;
        let from = match u.int_in_range(0u8..=9)? {
            0..=4 => Some(peer.as_str().to_owned()),
            5 => Some(format!("{}.", peer.as_str().to_ascii_uppercase())),
            6 => Some(format!("admin@{}", peer.as_str())),
            7 => Some(format!("{}/res", peer.as_str())),
            8 => Some(String::new()),
            _ => None,
        };
        let kind = *u.choose(&[
            Some("result"),
            Some("result"),
            Some("result"),
            Some("error"),
            Some("error"),
            Some("get"),
            Some("set"),
            Some("RESULT"),
            None,
        ])?;
        let a = u.choose_index(ANSWERS.len())?;
        let answer = ANSWERS[a];
        let ns = *u.choose(&[
            "jabber:server",
            "jabber:server",
            "jabber:client",
            "urn:example:other",
        ])?;
        let name = if u.ratio(1u8, 16)? { "message" } else { "iq" };
        let has_id = u.ratio(15u8, 16)?;
        let mut element = stanza(name, ns, kind, a);
        if let Some(from) = &from {
            set_attr(&mut element, "from", from);
        }
        if has_id {
            set_attr(&mut element, "id", &id);
        }

        // Ours: a result or an error, from the domain asked (a bare domain JID), with
        // the id in flight.
        let asked = from
            .as_deref()
            .and_then(|f| BareJid::new(f).ok())
            .filter(|j| j.node().is_none())
            .map(|j| key(j.domain().as_str()));
        let ours = name == "iq"
            && has_id
            && matches!(kind, Some("result" | "error"))
            && asked
                .as_ref()
                .is_some_and(|a| self.pending.get(a).is_some_and(|p| p.0 == id));
        let taken = self.p.handle_iq(self.now, &element);
        assert_eq!(taken, ours, "handle_iq on {}", String::from(&element));
        if ours {
            let asked = asked.expect("ours");
            let (opted_in, source) = if kind == Some("error") || ns == "urn:example:other" {
                (false, OptInSource::FailedReply)
            } else {
                answer.outcome()
            };
            self.answered(&asked, opted_in, source);
        }
        Ok(())
    }

    /// The model's side of `handle_timeout(at)`.
    fn expect_timeout(&mut self, at: Time) {
        let due: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.1 <= at && p.1 < Time::MAX_UTC)
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            self.answered(&k, false, OptInSource::Timeout);
        }
        let expired: Vec<String> = self
            .cache
            .iter()
            .filter(|(_, e)| e.1 <= at && e.1 < Time::MAX_UTC && !e.2)
            .map(|(k, _)| k.clone())
            .collect();
        for k in expired {
            if self.counts.contains_key(&k) && !self.allow.contains(&k) {
                // Still connected: asked again (the old answer stands meanwhile).
                if !self.pending.contains_key(&k) {
                    self.want_queries.push(k.clone());
                }
                self.cache.get_mut(&k).expect("cached").2 = true;
            } else {
                self.cache.remove(&k);
            }
        }
    }

    fn fire(&mut self, at: Time) {
        self.now = at;
        self.expect_timeout(at);
        self.p.handle_timeout(at);
        self.settle(true);
    }

    /// Moves the clock to `target`, firing the deadlines on the way as a server loop
    /// would (the first few; the rest fire late, at the target).
    fn advance(&mut self, target: Time) {
        for _ in 0..MAX_FIRINGS {
            match self.p.poll_timeout() {
                Some(deadline) if deadline <= target => self.fire(deadline.max(self.now)),
                _ => break,
            }
        }
        if self.p.poll_timeout().is_some_and(|d| d <= target) {
            self.fire(target);
        }
        self.now = target;
    }

    fn tick(&mut self, u: &mut Unstructured<'_>) -> Result<Time> {
        let seconds = match u.int_in_range(0u8..=15)? {
            0..=7 => u.int_in_range(0..=120)?,
            8..=12 => u.int_in_range(0..=7200)?,
            13 | 14 => u.int_in_range(0..=3 * 86_400)?,
            _ => return Ok(end()),
        };
        Ok(time::add(self.now, TimeDelta::seconds(seconds)).min(end()))
    }

    fn restart(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        self.restarts += 1;
        let json = serde_json::to_string(self.p.opt_in_cache()).expect("the cache saves");
        let back: HashMap<String, OptInEntry> = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("the saved cache does not read back: {e}\n{json}"));
        assert_eq!(
            &back,
            self.p.opt_in_cache(),
            "the cache changed through JSON"
        );
        let mut entries: Vec<(String, OptInEntry)> = back.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // Stray entries, as a hand-edited or older cache may hold.
        let strays = u.int_in_range(0u8..=3)?;
        for _ in 0..strays {
            let name = *u.choose(&[
                "",
                " ",
                "a b",
                "x@y.example",
                "..",
                "Peer1.Example.",
                "ÄÖ.EXAMPLE",
                "peer9.example",
                "trusted.example",
            ])?;
            let expires = match u.int_in_range(0u8..=3)? {
                0 => self.now,
                1 => time::sub(self.now, TimeDelta::seconds(1)),
                2 => Time::MAX_UTC,
                _ => time::add(self.now, TimeDelta::seconds(u.int_in_range(1..=7200)?)),
            };
            entries.push((
                name.to_owned(),
                OptInEntry {
                    opted_in: u.arbitrary()?,
                    expires,
                },
            ));
        }
        self.p = Publisher::new(self.config.clone(), self.now);
        self.p.restore_opt_in_cache(self.now, entries.clone());
        self.want_create = self.config.create_node;
        self.pending.clear();
        self.ids.clear();
        self.last = None;
        self.cache.clear();
        for (name, entry) in entries {
            // Keys compare as JID domains (lower case beyond ASCII too).
            let name = key(&name);
            let Ok(domain) = DomainPart::new(&name) else {
                continue;
            };
            // Of two entries for one peer, the one that expires later (the fresher
            // answer) is kept.
            let k = key(domain.as_str());
            let fresher = self
                .cache
                .get(&k)
                .is_none_or(|&(_, expires, _)| expires < entry.expires);
            if entry.expires > self.now && fresher {
                self.cache.insert(k, (entry.opted_in, entry.expires, false));
            }
        }
        // The server tells the new machine about the connections still open.
        let counts = std::mem::take(&mut self.counts);
        for (k, counts) in counts {
            let peer = DomainPart::new(&k).expect("a domain").into_owned();
            for direction in DIRECTIONS {
                for _ in 0..counts[direction as usize] {
                    self.open(&peer, direction);
                }
            }
        }
        Ok(())
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        match u.int_in_range(0u8..=63)? {
            0..=13 => {
                let peer = u.choose(&self.peers)?.clone();
                let direction = *u.choose(&DIRECTIONS)?;
                self.open(&peer, direction);
            }
            14..=22 => {
                let peer = u.choose(&self.peers)?.clone();
                let direction = *u.choose(&DIRECTIONS)?;
                self.close(&peer, direction);
            }
            23..=34 => self.raw(u)?,
            35..=40 => self.typed(u, false)?,
            41..=43 => self.typed(u, true)?,
            44..=51 => {
                let target = self.tick(u)?;
                self.advance(target);
            }
            52..=54 => self.now = self.tick(u)?,
            55..=61 => {
                let at = if u.arbitrary()? {
                    self.p
                        .poll_timeout()
                        .filter(|t| *t >= self.now && *t <= end())
                        .unwrap_or(self.now)
                } else {
                    self.now
                };
                self.fire(at);
                return Ok(());
            }
            62 => {
                let json = serde_json::to_string(self.p.opt_in_cache()).expect("the cache saves");
                let back: HashMap<String, OptInEntry> =
                    serde_json::from_str(&json).expect("the cache reads back");
                assert_eq!(
                    &back,
                    self.p.opt_in_cache(),
                    "the cache changed through JSON"
                );
            }
            _ if self.restarts >= MAX_RESTARTS => {}
            _ => self.restart(u)?,
        }
        self.settle(false);
        Ok(())
    }

    /// Drains the machine and compares what came out with what the input must produce.
    fn settle(&mut self, timed_out: bool) {
        let bound = self.counts.len() + 4;
        let mut polls = 0;
        let mut queries = Vec::new();
        let mut published = None;
        while let Some(transmit) = self.p.poll_transmit() {
            polls += 1;
            assert!(polls <= bound, "more than {bound} transmits for one input");
            // Whatever the machine sends can be written (the first few of each run:
            // writing every one was a third of the time).
            let budget = if matches!(transmit, Transmit::Publish { .. }) {
                8
            } else {
                16
            };
            if self.written < budget {
                self.written += 1;
                let _ = String::from(&Element::from(transmit.to_iq(None)));
            }
            match transmit {
                Transmit::DiscoInfo { to, id } => {
                    assert!(self.ids.insert(id.clone()), "stanza id {id} used twice");
                    let k = key(to.as_str());
                    let deadline = time::add(self.now, self.p.config().query_timeout);
                    assert!(
                        self.pending.insert(k.clone(), (id, deadline)).is_none(),
                        "a second query in flight to {k}"
                    );
                    queries.push(k);
                }
                Transmit::CreateNode { at, id } => {
                    assert!(self.want_create, "a node created twice");
                    self.want_create = false;
                    assert_eq!(at, self.config.coordinates);
                    assert!(self.ids.insert(id.clone()), "stanza id {id} used twice");
                }
                Transmit::Publish { at, item, id } => {
                    assert!(timed_out, "a publication outside handle_timeout");
                    assert!(published.is_none(), "two publications at once");
                    assert_eq!(at, self.config.coordinates);
                    assert!(self.ids.insert(id.clone()), "stanza id {id} used twice");
                    published = Some(item);
                }
            }
        }
        assert!(!self.want_create, "the node was not created at start");
        queries.sort();
        self.want_queries.sort();
        assert_eq!(
            queries, self.want_queries,
            "disco#info queries at {}",
            self.now
        );
        self.want_queries.clear();

        let mut events = Vec::new();
        while let Some(event) = self.p.poll_event() {
            events.push(event);
            assert!(events.len() <= 2 * PEERS.len() + 2, "too many events");
        }
        sort_events(&mut events);
        let mut want = std::mem::take(&mut self.want_events);
        sort_events(&mut want);
        assert_eq!(events, want, "events at {}", self.now);

        if let Some(item) = published {
            let min_interval = self.p.config().min_interval;
            if let Some((at, previous)) = &self.last {
                assert!(
                    self.now >= time::add(*at, min_interval),
                    "published at {} after {at}",
                    self.now
                );
                assert_ne!(previous, &item, "republished an unchanged item");
            }
            assert_eq!(
                item,
                self.p.current_item(),
                "published item is not the current one"
            );
            assert_eq!(item.schema_deviations(), vec![], "{item:?}");
            self.check_item(&item);
            self.last = Some((self.now, item));
        }
        if timed_out {
            assert!(
                self.p.poll_timeout().is_none_or(|t| t > self.now),
                "a deadline at or before {} after handle_timeout: {:?}",
                self.now,
                self.p.poll_timeout()
            );
        }
    }

    /// The item names exactly the connected peers that may be named, with their
    /// connections, and lists the others anonymously after them (or not at all).
    fn check_item(&self, item: &ServerInfo) {
        assert_eq!(item.domains.len(), 1);
        assert_eq!(
            item.domains[0].name.as_deref(),
            Some(self.config.domain.as_str())
        );
        let mut named = BTreeMap::new();
        let mut anonymous = Vec::new();
        let mut seen_anonymous = false;
        for remote in item.domains[0].remote_domains() {
            let mut counts = [0u32; 3];
            for connection in remote.connections.iter() {
                let i = match connection.direction() {
                    Some(Direction::Incoming) => 0,
                    Some(Direction::Outgoing) => 1,
                    Some(Direction::Bidi) => 2,
                    other => panic!("connection {other:?}"),
                };
                counts[i] += 1;
            }
            match &remote.name {
                Some(name) => {
                    assert!(!seen_anonymous, "a named peer after an anonymous one");
                    assert!(
                        named.insert(name.as_str().to_owned(), counts).is_none(),
                        "{name} listed twice"
                    );
                }
                None => {
                    seen_anonymous = true;
                    anonymous.push(counts);
                }
            }
        }
        let mut want_named = BTreeMap::new();
        let mut want_anonymous = Vec::new();
        for (k, counts) in &self.counts {
            if self.named(k) {
                want_named.insert(k.clone(), *counts);
            } else if self.config.include_anonymous {
                want_anonymous.push(*counts);
            }
        }
        assert_eq!(named, want_named, "named peers");
        anonymous.sort();
        want_anonymous.sort();
        assert_eq!(anonymous, want_anonymous, "anonymous peers");
    }

    /// The full comparison with the model.
    fn check(&self) {
        self.check_item(&self.p.current_item());
        assert_eq!(self.p.connected_peers(), self.counts.len());
        for peer in &self.peers {
            let k = key(peer.as_str());
            assert_eq!(self.p.is_opted_in(peer), self.named(&k), "is_opted_in({k})");
            assert_eq!(
                self.p.pending_query(peer),
                self.pending.get(&k).map(|p| p.0.as_str()),
                "pending_query({k})"
            );
        }
        let cache: BTreeMap<&String, (bool, Time)> = self
            .p
            .opt_in_cache()
            .iter()
            .map(|(k, e)| (k, (e.opted_in, e.expires)))
            .collect();
        let model: BTreeMap<&String, (bool, Time)> =
            self.cache.iter().map(|(k, e)| (k, (e.0, e.1))).collect();
        assert_eq!(cache, model, "the opt-in cache");
        // A change waits for the next publication slot, never for ever.
        let current = self.p.current_item();
        if self.last.as_ref().is_none_or(|(_, item)| *item != current) {
            let by = self.last.as_ref().map_or(self.now, |(at, _)| {
                time::add(*at, self.p.config().min_interval).max(self.now)
            });
            assert!(
                self.p.poll_timeout().is_some_and(|t| t <= by),
                "a changed item is not due by {by}: {:?}",
                self.p.poll_timeout()
            );
        }
    }
}

fn config(u: &mut Unstructured<'_>) -> Result<PublisherConfig> {
    let duration = |u: &mut Unstructured<'_>, usual: i64| -> Result<TimeDelta> {
        Ok(match u.int_in_range(0u8..=7)? {
            0 => TimeDelta::zero(),
            1 => TimeDelta::seconds(1),
            2 => TimeDelta::seconds(-30),
            3 => TimeDelta::MAX,
            4 => TimeDelta::MIN,
            5 => TimeDelta::seconds(u.int_in_range(1..=600)?),
            _ => TimeDelta::seconds(usual),
        })
    };
    let domain = *u.choose(&["example.org", "example.org", "Example.ORG."])?;
    let at = Coordinates::new("pubsub.example.org".parse().expect("valid"), "serverinfo");
    let mut config = PublisherConfig::new(domain, at);
    config.opt_in_ttl = duration(u, 3600)?;
    config.query_timeout = duration(u, 30)?;
    config.min_interval = duration(u, 300)?;
    config.allow_list = match u.int_in_range(0u8..=3)? {
        0 => BTreeSet::new(),
        1 => BTreeSet::from(["trusted.example".to_owned()]),
        2 => BTreeSet::from([" Trusted.Example ".to_owned(), "PEER2.example.".to_owned()]),
        _ => BTreeSet::from(["trusted.example".to_owned(), "日本.example".to_owned()]),
    };
    config.include_anonymous = u.ratio(3u8, 4)?;
    config.create_node = u.arbitrary()?;
    config.id_prefix = u.choose(&["serverinfo-", "", "a'b<&"])?.to_string();
    Ok(config)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else { return };
    let mut run = Run::new(config);
    let mut steps = 0;
    while steps < MAX_STEPS && !u.is_empty() && run.step(&mut u).is_ok() {
        steps += 1;
        if steps <= 64 || steps % 64 == 0 {
            run.check();
        }
    }
    // A step cut short by the end of the input still left the machine drained.
    run.settle(false);
    run.check();
});

//! The server side of XEP-0310: a tracker that a server's session manager feeds with
//! what it routes, and that tells it which annotated presences to send.
//!
//! # What it tracks
//!
//! * **Remote presence held by local sessions** ("Remote Server Unavailable"): for
//!   every local session that requests annotations, the last available presence it
//!   received from each remote full JID.
//! * **Local presence held by anyone** ("Local User Paused"): for every local session,
//!   which local and remote entities last received an available presence from it
//!   (broadcast and directed), and which one.
//!
//! Each stanza is stored once, behind an [`Arc`], and shared by every recipient that
//! received it: a broadcast given to [`Tracker::handle_broadcast`] is one allocation,
//! and consecutive deliveries of an identical stanza from one sender share it too.
//!
//! # What it sends
//!
//! | event | stanzas out |
//! |---|---|
//! | [`handle_link_down`](Tracker::handle_link_down) (domain) | to every PSA session holding an available presence of a full JID on that domain: that presence, annotated `<server-unavailable/>` |
//! | [`handle_link_up`](Tracker::handle_link_up) (domain) | to the same set: the presence with the empty annotation; then, if configured, one probe per (local user, remote user) |
//! | [`handle_session_paused`](Tracker::handle_session_paused) | to every entity holding the session's available presence that requests PSA: that presence, annotated `<connection-paused/>` |
//! | [`handle_session_resumed`](Tracker::handle_session_resumed) | to the same set: the presence with the empty annotation |
//! | [`handle_session_end`](Tracker::handle_session_end) | to every entity still holding the session's available presence: `<presence type='unavailable'/>` |
//!
//! and nothing else. In particular, never: for a subscription presence (they are not
//! tracked at all: "Subscription requests are excluded from this processing"); to an
//! entity whose last presence from that sender was `unavailable` or `error`; to an
//! entity that does not request PSA; a second annotation when an event repeats (down,
//! down; pause, pause); anything on link up for a domain that was never down, or on
//! resume for a session that was never paused.
//!
//! # Presence routed while a link is down or a session is paused
//!
//! The tracker's view of a link or session is the one the caller gave it, until the
//! caller says otherwise. While a domain is down or a session is paused:
//!
//! * an available presence routed *from* that domain or session (a presence that
//!   raced the event, or the server answering a probe on behalf of a paused session)
//!   is recorded, and immediately followed by an annotated copy to the recipient if it
//!   requests PSA. A recipient's view then always agrees with the tracker's state, and
//!   the up or resume event clears it like every other one;
//! * an `unavailable` or `error` presence from it removes the entry, and nothing more
//!   is sent for it: the recipient knows the entity is gone;
//! * presence routed *to* a paused session is recorded as usual (the server queues it
//!   for the resumption).
//!
//! # Recipients
//!
//! Call the tracker once per delivered stanza with the address it was delivered to:
//! a local session's full JID when the server fans a presence out to a user's
//! resources, the bare JID when it hands a presence to a remote server. Whether an
//! entity requests PSA is told with [`handle_features`](Tracker::handle_features)
//! (from its caps or disco#info, see [`crate::disco`]), for local sessions and for
//! any remote JID, full or bare, the server learns it of. Remote presence is only
//! tracked for local sessions that request PSA when it arrives; a session that
//! stops requesting PSA forgets it.
//!
//! # Cost
//!
//! A link event costs time proportional to the (session, remote JID) pairs it
//! affects: the domain indexes its remote senders, and each sender indexes who holds
//! its presence. A pause, resume or end costs time proportional to the session's
//! recipients. A routed presence costs two hash lookups and an insertion.
//!
//! # Lifecycle
//!
//! ```text
//!  a pair (sender, recipient):
//!
//!        available routed              link down / pause (recipient requests PSA)
//!  none ----------------> held -----------------------------------> held, annotated
//!   ^                      |  ^            link up / resume: empty annotation  |
//!   |   unavailable/error  |  +-------------------------------------------------+
//!   +----------------------+  (from either state; session end: unavailable sent)
//!
//!  a remote domain:   up --handle_link_down--> down --handle_link_up--> up
//!  a local session:   started --paused--> paused --resumed--> started
//!                     started|paused --handle_session_end--> gone
//! ```
//!
//! # Example
//!
//! ```
//! use xep_psa::server::{Config, Tracker};
//! use xmpp_parsers::presence::Presence;
//!
//! let now: xep_core::time::Time = "2026-11-30T10:00:00Z".parse()?;
//! let mut tracker = Tracker::new(Config::new("montague.lit".parse()?), now);
//! let romeo: jid::FullJid = "romeo@montague.lit/lane".parse()?;
//! tracker.handle_session_start(now, romeo.clone(), true);
//! let juliet = Presence::available()
//!     .with_from("juliet@capulet.lit/orchard".parse::<jid::Jid>()?)
//!     .with_to(romeo.clone());
//! tracker.handle_presence(now, &juliet);
//! tracker.handle_link_down(now, &"capulet.lit".parse()?);
//! let stale = tracker.poll_transmit().expect("Romeo is told");
//! assert_eq!(stale.to, Some(romeo.into()));
//! assert!(tracker.poll_transmit().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use foldhash::fast::FixedState;
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::lang::LangMap;
use xep_core::time::Time;
use xmpp_parsers::presence::{Presence, Type};

use crate::annotation::{Condition, StateAnnotation};

pub(crate) type Map<K, V> = HashMap<K, V, FixedState>;
pub(crate) type Set<K> = HashSet<K, FixedState>;

/// What the tracker needs to know about the server it runs in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Config {
    /// The server's domain: the `from` of every annotation ("The state-annotation MUST
    /// have a 'from' attribute set to the entity annotating the stanza (in this case
    /// montague.lit)"), and what tells local JIDs from remote ones.
    pub domain: BareJid,
    /// Send a presence probe from each local user to each remote user whose presence
    /// was cleared on link up ("It MAY subsequently attempt to refresh this presence
    /// by reprobing the remote entity").
    pub probe_on_link_up: bool,
    /// Descriptions for `<server-unavailable/>`, by language; `{domain}` is replaced
    /// with the unreachable domain. Empty: no description.
    pub server_unavailable_text: LangMap,
    /// Descriptions for `<connection-paused/>`, by language; `{user}` is replaced
    /// with the local part of the paused session's JID. Empty: no description.
    pub connection_paused_text: LangMap,
    /// Seed of the tracker's hash tables. The tables hash JIDs that peers choose, so
    /// a server should pass a random value; the tracker draws no randomness itself,
    /// and a fixed seed makes its output order reproducible.
    pub hash_seed: u64,
}

impl Config {
    /// A configuration for the server `domain`: no probes, no descriptions, seed 0.
    pub fn new(domain: BareJid) -> Self {
        Self {
            domain,
            probe_on_link_up: false,
            server_unavailable_text: LangMap::new(),
            connection_paused_text: LangMap::new(),
            hash_seed: 0,
        }
    }

    /// The same configuration with probes on link up.
    #[must_use]
    pub fn with_probes(mut self, probe: bool) -> Self {
        self.probe_on_link_up = probe;
        self
    }

    /// The same configuration with this hash seed.
    #[must_use]
    pub fn with_hash_seed(mut self, seed: u64) -> Self {
        self.hash_seed = seed;
        self
    }
}

type Id = u32;

/// A recipient's copy of a sender's last available presence.
#[derive(Debug, Clone)]
struct Held {
    stanza: Arc<Presence>,
    annotated: bool,
}

#[derive(Debug)]
struct Entity {
    jid: Jid,
    /// A local session started with `handle_session_start`.
    local: bool,
    /// Requests annotations.
    psa: bool,
    /// Paused since (local sessions only).
    paused: Option<Time>,
    /// The remote domain's slot, for a remote sender indexed under it.
    domain: Option<u32>,
    /// As a sender: who holds our last available presence.
    audience: Map<Id, Held>,
    /// As a recipient: whose presence we hold.
    holding: Set<Id>,
    /// The last stanza stored for this sender, shared with the next identical one.
    last: Option<Arc<Presence>>,
}

#[derive(Debug)]
struct Domain {
    name: String,
    /// Remote senders on this domain with a non-empty audience.
    senders: Set<Id>,
    down: Option<Time>,
}

/// The server tracker. See the [module docs](self) for what it does, its lifecycle
/// and its costs.
///
/// After any `handle_*` call, drain [`poll_transmit`](Self::poll_transmit) until
/// `None` and send what it gives, in that order. There are no timers: how long a
/// paused session may wait is the session manager's business, which ends it with
/// [`handle_session_end`](Self::handle_session_end).
#[derive(Debug)]
pub struct Tracker {
    config: Config,
    entities: Vec<Option<Entity>>,
    free: Vec<Id>,
    ids: Map<Jid, Id>,
    domains: Vec<Option<Domain>>,
    free_domains: Vec<u32>,
    domain_ids: Map<String, u32>,
    transmit: VecDeque<Presence>,
    pairs: usize,
}

impl Tracker {
    /// A tracker with nothing tracked.
    pub fn new(config: Config, now: Time) -> Self {
        let _ = now;
        let state = FixedState::with_seed(config.hash_seed);
        Self {
            entities: Vec::new(),
            free: Vec::new(),
            ids: Map::with_hasher(state.clone()),
            domains: Vec::new(),
            free_domains: Vec::new(),
            domain_ids: Map::with_hasher(state),
            transmit: VecDeque::new(),
            pairs: 0,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next stanza to send, in order.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Presence> {
        self.transmit.pop_front()
    }

    /// How many (sender, recipient) pairs are tracked.
    pub fn pairs(&self) -> usize {
        self.pairs
    }

    /// Whether the tracker considers `domain` unreachable, and since when.
    pub fn down_since(&self, domain: &BareJid) -> Option<Time> {
        let slot = *self.domain_ids.get(domain.domain().as_str())?;
        self.domain(slot).down
    }

    /// Whether the local session `jid` is paused, and since when.
    pub fn paused_since(&self, jid: &FullJid) -> Option<Time> {
        let id = *self.ids.get(&Jid::from(jid.clone()))?;
        self.entity(id).paused
    }

    /// Whether `jid` is known to request annotations.
    pub fn requests_psa(&self, jid: &Jid) -> bool {
        self.ids.get(jid).is_some_and(|id| self.entity(*id).psa)
    }

    fn state(&self) -> FixedState {
        FixedState::with_seed(self.config.hash_seed)
    }

    fn entity(&self, id: Id) -> &Entity {
        self.entities[id as usize]
            .as_ref()
            .expect("ids in the tables name live entities")
    }

    fn entity_mut(&mut self, id: Id) -> &mut Entity {
        self.entities[id as usize]
            .as_mut()
            .expect("ids in the tables name live entities")
    }

    fn domain(&self, slot: u32) -> &Domain {
        self.domains[slot as usize]
            .as_ref()
            .expect("domain slots in use are live")
    }

    fn domain_mut(&mut self, slot: u32) -> &mut Domain {
        self.domains[slot as usize]
            .as_mut()
            .expect("domain slots in use are live")
    }

    fn is_local_domain(&self, jid: &Jid) -> bool {
        jid.domain() == self.config.domain.domain()
    }

    fn intern(&mut self, jid: &Jid) -> Id {
        if let Some(id) = self.ids.get(jid) {
            return *id;
        }
        let state = self.state();
        let entity = Entity {
            jid: jid.clone(),
            local: false,
            psa: false,
            paused: None,
            domain: None,
            audience: Map::with_hasher(state.clone()),
            holding: Set::with_hasher(state),
            last: None,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.entities[id as usize] = Some(entity);
                id
            }
            None => {
                let id = Id::try_from(self.entities.len()).expect("fewer than 2^32 entities");
                self.entities.push(Some(entity));
                id
            }
        };
        self.ids.insert(jid.clone(), id);
        id
    }

    /// Frees an entity that nothing refers to any more.
    fn release(&mut self, id: Id) {
        let e = self.entity(id);
        if e.local || e.psa || !e.audience.is_empty() || !e.holding.is_empty() {
            return;
        }
        let jid = e.jid.clone();
        self.ids.remove(&jid);
        self.entities[id as usize] = None;
        self.free.push(id);
    }

    fn domain_slot(&mut self, name: &str) -> u32 {
        if let Some(slot) = self.domain_ids.get(name) {
            return *slot;
        }
        let domain = Domain {
            name: name.to_owned(),
            senders: Set::with_hasher(self.state()),
            down: None,
        };
        let slot = match self.free_domains.pop() {
            Some(slot) => {
                self.domains[slot as usize] = Some(domain);
                slot
            }
            None => {
                let slot = u32::try_from(self.domains.len()).expect("fewer than 2^32 domains");
                self.domains.push(Some(domain));
                slot
            }
        };
        self.domain_ids.insert(name.to_owned(), slot);
        slot
    }

    fn release_domain(&mut self, slot: u32) {
        let d = self.domain(slot);
        if d.down.is_some() || !d.senders.is_empty() {
            return;
        }
        let name = d.name.clone();
        self.domain_ids.remove(&name);
        self.domains[slot as usize] = None;
        self.free_domains.push(slot);
    }

    /// A local session started (resource bound). `requests_psa` is what its caps or
    /// disco#info say, if known yet (see [`handle_features`](Self::handle_features)).
    /// Starting a session that exists only updates its PSA request.
    pub fn handle_session_start(&mut self, now: Time, jid: FullJid, requests_psa: bool) {
        let jid = Jid::from(jid);
        let id = self.intern(&jid);
        self.entity_mut(id).local = true;
        self.handle_features(now, jid, requests_psa);
    }

    /// What an entity's caps or disco#info say about annotations: a local session's
    /// full JID, or a remote full or bare JID. An entity that stops requesting PSA
    /// forgets the remote presence it held (it would never be annotated).
    pub fn handle_features(&mut self, now: Time, jid: Jid, requests_psa: bool) {
        let _ = now;
        let id = match self.ids.get(&jid) {
            Some(id) => *id,
            None if requests_psa => self.intern(&jid),
            None => return,
        };
        let was = self.entity(id).psa;
        self.entity_mut(id).psa = requests_psa;
        if was && !requests_psa {
            let remote_senders: Vec<Id> = self
                .entity(id)
                .holding
                .iter()
                .copied()
                .filter(|s| !self.entity(*s).local)
                .collect();
            for sender in remote_senders {
                self.unlink(sender, id);
                self.release(sender);
            }
        }
        self.release(id);
    }

    /// A presence the server routes, as delivered to its `to` (see the [module
    /// docs](self) on recipients). Stanzas without `from` or `to`, probes and
    /// subscription presences are ignored.
    pub fn handle_presence(&mut self, now: Time, presence: &Presence) {
        if let Some(to) = &presence.to {
            self.route(now, presence, to);
        }
    }

    /// One presence the server delivers to each of `recipients` (a broadcast): stored
    /// once for all of them. The stanza's own `to` is not looked at.
    pub fn handle_broadcast<'a>(
        &mut self,
        now: Time,
        presence: &Presence,
        recipients: impl IntoIterator<Item = &'a Jid>,
    ) {
        for to in recipients {
            self.route(now, presence, to);
        }
    }

    fn route(&mut self, now: Time, presence: &Presence, to: &Jid) {
        let _ = now;
        let Some(from) = &presence.from else { return };
        if from == to {
            return;
        }
        match presence.type_ {
            Type::None => self.available(presence, from, to),
            Type::Unavailable | Type::Error => {
                // "the most recent presence is an available type (i.e. not error or
                // unavailable)": anything else ends what the recipient holds.
                if let (Some(s), Some(r)) = (self.ids.get(from), self.ids.get(to)) {
                    let (s, r) = (*s, *r);
                    self.unlink(s, r);
                    self.release(s);
                    self.release(r);
                }
            }
            // "Subscription requests are excluded from this processing"; probes carry
            // no presence state.
            Type::Probe
            | Type::Subscribe
            | Type::Subscribed
            | Type::Unsubscribe
            | Type::Unsubscribed => {}
        }
    }

    fn available(&mut self, presence: &Presence, from: &Jid, to: &Jid) {
        let sender_local = self.ids.get(from).is_some_and(|id| self.entity(*id).local);
        if !sender_local {
            // Remote presence is tracked for local sessions that request PSA, from
            // remote full JIDs ("for every remote full JID on the unavailable server").
            if self.is_local_domain(from) || from.resource().is_none() {
                return;
            }
            let Some(&r) = self.ids.get(to) else { return };
            let receiver = self.entity(r);
            if !receiver.local || !receiver.psa {
                return;
            }
        }
        let s = self.intern(from);
        let r = self.intern(to);
        let stanza = self.share(s, presence);
        if !sender_local && self.entity(s).domain.is_none() {
            let slot = self.domain_slot(from.domain().as_str());
            self.entity_mut(s).domain = Some(slot);
        }
        let previous = self.entity_mut(s).audience.insert(
            r,
            Held {
                stanza,
                annotated: false,
            },
        );
        if previous.is_none() {
            self.pairs += 1;
            self.entity_mut(r).holding.insert(s);
            if let Some(slot) = self.entity(s).domain {
                self.domain_mut(slot).senders.insert(s);
            }
        }
        // While the sender's domain is down or the sender is paused, the new copy is
        // annotated at once (see "Presence routed while a link is down").
        let condition = if sender_local {
            self.entity(s).paused.map(|_| Condition::ConnectionPaused)
        } else {
            let slot = self.entity(s).domain.expect("remote senders have a domain");
            self.domain(slot).down.map(|_| Condition::ServerUnavailable)
        };
        if let Some(condition) = condition
            && self.entity(r).psa
        {
            let annotation = Element::from(self.annotation_for(s, Some(condition)));
            self.send_annotated(s, r, &annotation, true);
        }
    }

    /// The stored stanza for a presence from `s`: the last one if identical, else a
    /// new one (without `to`).
    fn share(&mut self, s: Id, presence: &Presence) -> Arc<Presence> {
        if let Some(last) = &self.entity(s).last
            && same_but_to(last, presence)
        {
            return Arc::clone(last);
        }
        let mut stored = presence.clone();
        stored.to = None;
        let stored = Arc::new(stored);
        self.entity_mut(s).last = Some(Arc::clone(&stored));
        stored
    }

    /// Removes the pair (s, r) if tracked.
    fn unlink(&mut self, s: Id, r: Id) {
        if self.entity_mut(s).audience.remove(&r).is_none() {
            return;
        }
        self.pairs -= 1;
        self.entity_mut(r).holding.remove(&s);
        let sender = self.entity_mut(s);
        if sender.audience.is_empty() {
            sender.last = None;
            if let Some(slot) = sender.domain.take() {
                self.domain_mut(slot).senders.remove(&s);
                self.release_domain(slot);
            }
        }
    }

    fn annotation_for(&self, sender: Id, condition: Option<Condition>) -> StateAnnotation {
        let jid = &self.entity(sender).jid;
        let mut a = StateAnnotation::new(Jid::from(self.config.domain.clone()), None);
        match &condition {
            Some(Condition::ServerUnavailable) => {
                let domain = jid.domain().as_str();
                for (lang, text) in self.config.server_unavailable_text.iter() {
                    a.descriptions
                        .insert(lang.cloned(), text.replace("{domain}", domain));
                }
            }
            Some(Condition::ConnectionPaused) => {
                let user = jid.node().map_or("", |n| n.as_str());
                for (lang, text) in self.config.connection_paused_text.iter() {
                    a.descriptions
                        .insert(lang.cloned(), text.replace("{user}", user));
                }
            }
            _ => {}
        }
        a.condition = condition;
        a
    }

    /// Queues the held presence of (s, r) with `annotation`, and records the state.
    fn send_annotated(&mut self, s: Id, r: Id, annotation: &Element, annotated: bool) {
        let to = self.entity(r).jid.clone();
        let held = self
            .entity_mut(s)
            .audience
            .get_mut(&r)
            .expect("only tracked pairs are annotated");
        held.annotated = annotated;
        let mut out = Presence::clone(&held.stanza);
        out.to = Some(to);
        out.payloads.retain(|p| !crate::presence::is_annotation(p));
        out.payloads.push(annotation.clone());
        self.transmit.push_back(out);
    }

    /// The server-to-server link with `domain` became unavailable.
    ///
    /// "When an S2S connection is deemed not to be available [...] the server MUST send
    /// a corresponding annotated presence for every remote full JID on the unavailable
    /// server to every local client requesting PSAs where the local client has received
    /// presence from the remote JID and the most recent presence is an available type".
    /// A domain already down is left alone.
    pub fn handle_link_down(&mut self, now: Time, domain: &BareJid) {
        let slot = self.domain_slot(domain.domain().as_str());
        if self.domain(slot).down.is_some() {
            return;
        }
        self.domain_mut(slot).down = Some(now);
        let annotation = Element::from(self.annotation_for_domain(domain, true));
        for (s, r) in self.affected(slot, false) {
            self.send_annotated(s, r, &annotation, true);
        }
    }

    /// The server-to-server link with `domain` is available again: "montague.lit MUST
    /// send an empty annotation of the previous presence to Romeo. It MAY subsequently
    /// attempt to refresh this presence by reprobing the remote entity." Nothing
    /// happens for a domain that was not down.
    pub fn handle_link_up(&mut self, now: Time, domain: &BareJid) {
        let _ = now;
        let Some(&slot) = self.domain_ids.get(domain.domain().as_str()) else {
            return;
        };
        if self.domain_mut(slot).down.take().is_none() {
            return;
        }
        let annotation = Element::from(StateAnnotation::cleared(Jid::from(
            self.config.domain.clone(),
        )));
        let pairs = self.affected(slot, true);
        for &(s, r) in &pairs {
            self.send_annotated(s, r, &annotation, false);
        }
        if self.config.probe_on_link_up {
            let mut seen = Set::with_hasher(self.state());
            for (s, r) in pairs {
                let from = self.entity(r).jid.to_bare();
                let to = self.entity(s).jid.to_bare();
                if seen.insert((from.clone(), to.clone())) {
                    self.transmit
                        .push_back(Presence::probe().with_from(from).with_to(to));
                }
            }
        }
        self.release_domain(slot);
    }

    fn annotation_for_domain(&self, domain: &BareJid, down: bool) -> StateAnnotation {
        let mut a = StateAnnotation::new(Jid::from(self.config.domain.clone()), None);
        if down {
            a.condition = Some(Condition::ServerUnavailable);
            for (lang, text) in self.config.server_unavailable_text.iter() {
                a.descriptions.insert(
                    lang.cloned(),
                    text.replace("{domain}", domain.domain().as_str()),
                );
            }
        }
        a
    }

    /// The (sender, recipient) pairs under a domain whose annotation state is
    /// `annotated` and whose recipient requests PSA.
    fn affected(&self, slot: u32, annotated: bool) -> Vec<(Id, Id)> {
        let mut out = Vec::new();
        for &s in &self.domain(slot).senders {
            self.audience_of(s, annotated, &mut out);
        }
        out
    }

    fn audience_of(&self, s: Id, annotated: bool, out: &mut Vec<(Id, Id)>) {
        for (&r, held) in &self.entity(s).audience {
            if held.annotated == annotated && self.entity(r).psa {
                out.push((s, r));
            }
        }
    }

    fn local_session(&self, jid: &FullJid) -> Option<Id> {
        let id = *self.ids.get(&Jid::from(jid.clone()))?;
        self.entity(id).local.then_some(id)
    }

    /// A local session was paused: a BOSH pause, or a XEP-0198 session waiting for
    /// resumption. "it MUST send annotated presence, as above, to every local and
    /// remote JID that has received the client session's presence (and where the
    /// presence is not subscription-related and has not been cancelled by a
    /// corresponding unavailable presence) and requests PSAs." A session already
    /// paused, or unknown, is left alone.
    pub fn handle_session_paused(&mut self, now: Time, jid: &FullJid) {
        let Some(s) = self.local_session(jid) else {
            return;
        };
        if self.entity(s).paused.is_some() {
            return;
        }
        self.entity_mut(s).paused = Some(now);
        let annotation = Element::from(self.annotation_for(s, Some(Condition::ConnectionPaused)));
        let mut pairs = Vec::new();
        self.audience_of(s, false, &mut pairs);
        for (s, r) in pairs {
            self.send_annotated(s, r, &annotation, true);
        }
    }

    /// A paused session was resumed: "If a paused session is resumed, the server MUST
    /// then send a corresponding empty state-annotation to each of these JIDs". A
    /// session that was not paused is left alone.
    pub fn handle_session_resumed(&mut self, now: Time, jid: &FullJid) {
        let _ = now;
        let Some(s) = self.local_session(jid) else {
            return;
        };
        if self.entity_mut(s).paused.take().is_none() {
            return;
        }
        let annotation = Element::from(StateAnnotation::cleared(Jid::from(
            self.config.domain.clone(),
        )));
        let mut pairs = Vec::new();
        self.audience_of(s, true, &mut pairs);
        for (s, r) in pairs {
            self.send_annotated(s, r, &annotation, false);
        }
    }

    /// A local session ended (closed, or timed out while paused): "If the session is
    /// terminated the server MUST send unavailable presence using the usual rules from
    /// RFC6121." The tracker sends `unavailable` to every entity that still holds an
    /// available presence of the session, PSA or not; a server that routes its own
    /// unavailable presences through [`handle_presence`](Self::handle_presence) before
    /// this call leaves it nothing to send. The session's tracked state is then
    /// forgotten.
    pub fn handle_session_end(&mut self, now: Time, jid: &FullJid) {
        let _ = now;
        let Some(s) = self.local_session(jid) else {
            return;
        };
        let from = self.entity(s).jid.clone();
        let audience: Vec<Id> = self.entity(s).audience.keys().copied().collect();
        for r in audience {
            let to = self.entity(r).jid.clone();
            self.transmit
                .push_back(Presence::unavailable().with_from(from.clone()).with_to(to));
            self.unlink(s, r);
            self.release(r);
        }
        let holding: Vec<Id> = self.entity(s).holding.iter().copied().collect();
        for sender in holding {
            self.unlink(sender, s);
            self.release(sender);
        }
        let e = self.entity_mut(s);
        e.local = false;
        e.psa = false;
        e.paused = None;
        self.release(s);
    }
}

/// Whether two presences are equal except for `to`.
fn same_but_to(stored: &Presence, new: &Presence) -> bool {
    stored.from == new.from
        && stored.id == new.id
        && stored.type_ == new.type_
        && stored.show == new.show
        && stored.statuses == new.statuses
        && stored.priority == new.priority
        && stored.payloads == new.payloads
}

/// The saved form of a [`Tracker`]: every stanza once, as XML text, and the pairs
/// referring to it by index.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    config: Config,
    entities: Vec<SavedEntity>,
    stanzas: Vec<String>,
    /// (sender, recipient, stanza, annotated), indexes into the lists above.
    pairs: Vec<(u32, u32, u32, bool)>,
    down: Vec<(String, Time)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedEntity {
    jid: Jid,
    local: bool,
    psa: bool,
    paused: Option<Time>,
}

impl serde::Serialize for Tracker {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut index: Map<Id, u32> = Map::with_hasher(self.state());
        let mut entities = Vec::new();
        for (id, e) in self.entities.iter().enumerate() {
            if let Some(e) = e {
                index.insert(id as Id, entities.len() as u32);
                entities.push(SavedEntity {
                    jid: e.jid.clone(),
                    local: e.local,
                    psa: e.psa,
                    paused: e.paused,
                });
            }
        }
        let mut stanza_index: Map<*const Presence, u32> = Map::with_hasher(self.state());
        let mut stanzas = Vec::new();
        let mut pairs = Vec::with_capacity(self.pairs);
        for (id, e) in self.entities.iter().enumerate() {
            let Some(e) = e else { continue };
            for (r, held) in &e.audience {
                let n = *stanza_index
                    .entry(Arc::as_ptr(&held.stanza))
                    .or_insert_with(|| {
                        stanzas.push(String::from(&Element::from(Presence::clone(&held.stanza))));
                        (stanzas.len() - 1) as u32
                    });
                pairs.push((index[&(id as Id)], index[r], n, held.annotated));
            }
        }
        let down = self
            .domains
            .iter()
            .flatten()
            .filter_map(|d| d.down.map(|since| (d.name.clone(), since)))
            .collect();
        Saved {
            config: self.config.clone(),
            entities,
            stanzas,
            pairs,
            down,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Tracker {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(deserializer)?;
        Self::restore(saved).map_err(serde::de::Error::custom)
    }
}

impl Tracker {
    /// Rebuilds a tracker from its saved form, checking every index, so that a
    /// hand-edited state is refused rather than trusted.
    fn restore(saved: Saved) -> Result<Self, crate::Error> {
        let refuse = |reason: String| crate::Error::State { reason };
        let t = saved.down.first().map_or(Time::MIN_UTC, |d| d.1);
        let mut tracker = Self::new(saved.config, t);
        let mut ids = Vec::with_capacity(saved.entities.len());
        for e in &saved.entities {
            if tracker.ids.contains_key(&e.jid) {
                return Err(refuse(format!("entity {} listed twice", e.jid)));
            }
            let id = tracker.intern(&e.jid);
            let entity = tracker.entity_mut(id);
            entity.local = e.local;
            entity.psa = e.psa;
            entity.paused = e.paused.filter(|_| e.local);
            ids.push(id);
        }
        let mut stanzas = Vec::with_capacity(saved.stanzas.len());
        for (n, xml) in saved.stanzas.iter().enumerate() {
            let element: Element = xml
                .parse()
                .map_err(|e| refuse(format!("stanza {n} is not XML: {e}")))?;
            let mut presence = Presence::try_from(element)
                .map_err(|e| refuse(format!("stanza {n} is not a presence: {e}")))?;
            presence.to = None;
            stanzas.push(Arc::new(presence));
        }
        for (domain, since) in saved.down {
            let slot = tracker.domain_slot(&domain);
            tracker.domain_mut(slot).down = Some(since);
        }
        for (s, r, n, annotated) in saved.pairs {
            let lookup = |i: u32, what: &str| {
                ids.get(i as usize)
                    .copied()
                    .ok_or_else(|| refuse(format!("{what} {i} out of range")))
            };
            let (s, r) = (lookup(s, "sender")?, lookup(r, "recipient")?);
            let stanza = stanzas
                .get(n as usize)
                .cloned()
                .ok_or_else(|| refuse(format!("stanza {n} out of range")))?;
            if s == r || stanza.from.as_ref() != Some(&tracker.entity(s).jid) {
                return Err(refuse(format!(
                    "pair ({}, {}) does not match its stanza",
                    tracker.entity(s).jid,
                    tracker.entity(r).jid
                )));
            }
            if !tracker.entity(s).local && tracker.entity(s).domain.is_none() {
                let domain = tracker.entity(s).jid.domain().as_str().to_owned();
                let slot = tracker.domain_slot(&domain);
                tracker.entity_mut(s).domain = Some(slot);
            }
            let previous = tracker
                .entity_mut(s)
                .audience
                .insert(r, Held { stanza, annotated });
            if previous.is_none() {
                tracker.pairs += 1;
                tracker.entity_mut(r).holding.insert(s);
                if let Some(slot) = tracker.entity(s).domain {
                    tracker.domain_mut(slot).senders.insert(s);
                }
            }
        }
        for id in ids {
            tracker.release(id);
        }
        let slots: Vec<u32> = (0..tracker.domains.len() as u32)
            .filter(|s| tracker.domains[*s as usize].is_some())
            .collect();
        for slot in slots {
            tracker.release_domain(slot);
        }
        Ok(tracker)
    }
}

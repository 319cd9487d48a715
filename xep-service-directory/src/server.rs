//! The server side: a sans-I/O machine for a public server that wants to be listed.
//! It runs the server-buddy admin command, finds out whether the peer is a
//! directory, subscribes to it, approves its subscription back, and answers the
//! directory's disco#info, vCard and software-version queries from configured data.
//!
//! ```text
//!  handle_iq(command execute from an admin)  ─► [result: form, new session]
//!  handle_iq(command submit, peerjid)        ─► [result: completed]
//!                                                [iq get disco#info -> peer]
//!  handle_iq(disco#info result)
//!    ├─ directory/server (or server/directory) ─► [presence subscribe] Event::DirectoryFound
//!    └─ otherwise ─► Event::NotADirectory (no subscription)
//!  handle_presence(subscribed from the directory)   ─► Event::Subscribed
//!  handle_presence(subscribe from the directory)    ─► [presence subscribed] Event::Buddies
//!  handle_iq(get disco#info / vcard / version from anyone) ─► [result] from config
//!  handle_timeout(now): sessions expire, unanswered discovery ─► Event::DirectoryUnreachable
//! ```
//!
//! Only admins (bare JIDs in the configuration) may run the command: XEP-0133 answers
//! anyone else with `forbidden`.
//!
//! ```
//! use xep_service_directory::server::{ServerConfig, ServerSide, Transmit};
//! use xep_service_directory::vcard::VCard;
//! use xmpp_parsers::iq::Iq;
//! let t0 = "2026-11-30T10:00:00Z".parse()?;
//! let domain: jid::BareJid = "jabber.org".parse()?;
//! let mut config = ServerConfig::new(domain.clone(), VCard::server("jabber.org IM service", &domain));
//! config.admins.insert("stpeter@jabber.org".parse()?);
//! let mut server = ServerSide::new(config, t0);
//! let vcard_get: minidom::Element = "<iq xmlns='jabber:server' type='get' id='lw71bs73' \
//!     from='xmpp.net' to='jabber.org'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/></iq>".parse()?;
//! assert!(server.handle_iq_element(t0, &vcard_get));
//! let Some(Transmit::Iq(reply)) = server.poll_transmit() else { panic!() };
//! assert!(matches!(*reply, Iq::Result { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::TimeDelta;
use jid::{BareJid, Jid};
use minidom::Element;
use serde::{Deserialize, Serialize};
use xmpp_parsers::disco::DiscoInfoQuery;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::{Presence, Type as PresenceType};
use xmpp_parsers::version::{VersionQuery, VersionResult};

use xep_core::disco::DiscoInfo;
use xep_core::ns;
use xep_core::time::{self, Time};

use crate::command::{CommandError, ServerBuddy, ServerBuddyForm};
use crate::directory::Failure;
use crate::disco::{Reason, classify, public_server_info};
use crate::vcard::{VCard, VCardQuery};

/// How the server side behaves.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The server's domain.
    pub jid: BareJid,
    /// Who may run the server-buddy command.
    pub admins: BTreeSet<BareJid>,
    /// The card answered to vCard queries.
    pub card: VCard,
    /// The software version answered to XEP-0092 queries (none: not answered).
    pub software: Option<VersionResult>,
    /// Whether the server is public (`urn:xmpp:public-server` advertised).
    pub public: bool,
    /// Whether it offers in-band registration (`jabber:iq:register` advertised).
    pub in_band_registration: bool,
    /// The form returned for the command.
    pub form: ServerBuddyForm,
    /// How long a command session stays open.
    pub session_timeout: TimeDelta,
    /// How long the discovery of a peer may stay unanswered.
    pub query_timeout: TimeDelta,
    /// Subscribe only to peers that are directories (true); when false, any peer
    /// named by an admin becomes a buddy.
    pub require_directory: bool,
    /// Prefix of the stanza ids the machine generates.
    pub id_prefix: String,
}

impl ServerConfig {
    /// The defaults: public, no in-band registration, no software version, the
    /// spec's form, 10-minute sessions, 60 s queries, directories only, ids `sb1`, ...
    pub fn new(jid: BareJid, card: VCard) -> Self {
        Self {
            jid,
            admins: BTreeSet::new(),
            card,
            software: None,
            public: true,
            in_band_registration: false,
            form: ServerBuddyForm::default(),
            session_timeout: TimeDelta::minutes(10),
            query_timeout: TimeDelta::seconds(60),
            require_directory: true,
            id_prefix: "sb".to_owned(),
        }
    }
}

/// Something the server's user may want to know.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// An admin asked to befriend `peer`; its disco#info was requested.
    BuddyRequested {
        /// Who ran the command.
        admin: Jid,
        /// The peer.
        peer: BareJid,
    },
    /// The peer is a directory; a subscription was sent.
    DirectoryFound {
        /// The directory.
        directory: BareJid,
        /// The name of its directory identity.
        name: Option<String>,
    },
    /// The peer is not a directory: no subscription was sent.
    NotADirectory {
        /// The peer.
        peer: BareJid,
        /// The classifier's evidence.
        reasons: Vec<Reason>,
    },
    /// The peer's disco#info failed.
    DirectoryUnreachable {
        /// The peer.
        peer: BareJid,
        /// Why.
        failure: Failure,
    },
    /// The directory approved our subscription.
    Subscribed {
        /// The directory.
        directory: BareJid,
    },
    /// Both subscriptions are in place: the directory will query us.
    Buddies {
        /// The directory.
        directory: BareJid,
    },
    /// The directory ended the relation.
    Unsubscribed {
        /// The directory.
        directory: BareJid,
    },
}

/// A stanza to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Transmit {
    /// A presence (subscription handshake).
    Presence(Presence),
    /// An IQ: a reply to a query or command, or a disco#info query.
    Iq(Box<Iq>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Session {
    admin: Jid,
    expires: Time,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Peer {
    /// The disco#info query in flight, and when it times out.
    discovering: Option<(String, Time)>,
    /// We sent a subscription.
    subscribing: bool,
    /// The peer approved it.
    subscribed: bool,
    /// We approved the peer's subscription.
    approved: bool,
}

/// `now + delay`; a negative delay in the configuration counts as none, so that no
/// timer is ever set in the past.
fn after(now: Time, delay: TimeDelta) -> Time {
    time::add(now, delay.max(TimeDelta::zero()))
}

/// The server side's state, as it is saved and restored (serde).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerState {
    sessions: BTreeMap<String, Session>,
    peers: BTreeMap<BareJid, Peer>,
    next_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Session(String),
    Query(BareJid),
}

/// The server-side machine. See the [module docs](self) for the lifecycle.
#[derive(Debug)]
pub struct ServerSide {
    config: ServerConfig,
    state: ServerState,
    pending: BTreeMap<String, BareJid>,
    timers: BTreeSet<(Time, Timer)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl ServerSide {
    /// A server side with no directory known yet.
    pub fn new(config: ServerConfig, now: Time) -> Self {
        Self::restore(config, ServerState::default(), now)
    }

    /// A server side from a saved state; never panics whatever the state holds.
    pub fn restore(config: ServerConfig, state: ServerState, _now: Time) -> Self {
        let mut pending = BTreeMap::new();
        let mut timers = BTreeSet::new();
        for (id, session) in &state.sessions {
            timers.insert((session.expires, Timer::Session(id.clone())));
        }
        for (peer, record) in &state.peers {
            if let Some((id, deadline)) = &record.discovering {
                pending.insert(id.clone(), peer.clone());
                timers.insert((*deadline, Timer::Query(peer.clone())));
            }
        }
        Self {
            config,
            state,
            pending,
            timers,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The state to save.
    pub fn state(&self) -> &ServerState {
        &self.state
    }

    /// The next stanza to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`ServerSide::handle_timeout`] should be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// The disco#info this server answers with.
    pub fn disco_info(&self) -> xmpp_parsers::disco::DiscoInfoResult {
        let mut info = public_server_info(None, self.config.in_band_registration);
        if !self.config.public {
            info.features.remove(ns::PUBLIC_SERVER);
        }
        if self.config.software.is_some() {
            info.features.insert(ns::VERSION.to_owned());
        }
        info.features.insert(ns::COMMANDS.to_owned());
        info
    }

    /// The directories the server is buddies with (both subscriptions in place).
    pub fn buddies(&self) -> impl Iterator<Item = &BareJid> {
        self.state
            .peers
            .iter()
            .filter(|(_, p)| p.subscribed && p.approved)
            .map(|(j, _)| j)
    }

    fn own(&self) -> Jid {
        Jid::from(self.config.jid.clone())
    }

    fn next_id(&mut self) -> String {
        self.state.next_id = self.state.next_id.wrapping_add(1);
        format!("{}{}", self.config.id_prefix, self.state.next_id)
    }

    fn send_iq(&mut self, iq: Iq) {
        self.transmits.push_back(Transmit::Iq(Box::new(iq)));
    }

    fn reply(&mut self, id: &str, to: Option<&Jid>, payload: Result<Element, CommandError>) {
        let iq = match payload {
            Ok(element) => Iq::Result {
                from: Some(self.own()),
                to: to.cloned(),
                id: id.to_owned(),
                payload: Some(element),
            },
            Err(error) => Iq::Error {
                from: Some(self.own()),
                to: to.cloned(),
                id: id.to_owned(),
                payload: None,
                error: error.to_stanza_error(),
            },
        };
        self.send_iq(iq);
    }

    fn presence(&mut self, type_: PresenceType, to: &BareJid) {
        let presence = Presence::new(type_)
            .with_from(self.own())
            .with_to(Jid::from(to.clone()));
        self.transmits.push_back(Transmit::Presence(presence));
    }

    /// Starts befriending `peer` without the command (the operator's configuration
    /// names the directory): its disco#info is requested.
    pub fn subscribe_to(&mut self, now: Time, peer: BareJid) {
        let id = self.next_id();
        let iq = Iq::from_get(id.clone(), DiscoInfoQuery { node: None })
            .with_from(self.own())
            .with_to(Jid::from(peer.clone()));
        self.send_iq(iq);
        let deadline = after(now, self.config.query_timeout);
        let record = self.state.peers.entry(peer.clone()).or_default();
        if let Some((old, old_deadline)) = record.discovering.replace((id.clone(), deadline)) {
            self.pending.remove(&old);
            self.timers
                .remove(&(old_deadline, Timer::Query(peer.clone())));
        }
        self.pending.insert(id, peer.clone());
        self.timers.insert((deadline, Timer::Query(peer)));
    }

    /// An IQ addressed to the server: a query it answers, the admin command, or a
    /// reply to its disco#info query. `false` when it is none of these.
    pub fn handle_iq(&mut self, now: Time, iq: &Iq) -> bool {
        match iq {
            Iq::Get {
                from, id, payload, ..
            } => {
                let answer =
                    if DiscoInfoQuery::try_from(payload.clone()).is_ok_and(|q| q.node.is_none()) {
                        Element::from(self.disco_info())
                    } else if VCardQuery::try_from(payload.clone()).is_ok() {
                        Element::from(self.config.card.clone())
                    } else if VersionQuery::try_from(payload.clone()).is_ok() {
                        match &self.config.software {
                            Some(v) => Element::from(v.clone()),
                            None => return false,
                        }
                    } else {
                        return false;
                    };
                self.reply(id, from.as_ref(), Ok(answer));
                true
            }
            Iq::Set {
                from, id, payload, ..
            } => {
                if !payload.is("command", ns::COMMANDS)
                    || payload.attr("node") != Some(crate::command::NODE)
                {
                    return false;
                }
                let Some(from) = from else {
                    return false;
                };
                let mut then = None;
                let answer = self.command(now, from, payload, &mut then);
                self.reply(id, Some(from), answer);
                // The admin hears of the completion before the peer is asked.
                if let Some(peer) = then {
                    self.subscribe_to(now, peer);
                }
                true
            }
            Iq::Result {
                id, from, payload, ..
            } => self.discovered(now, id, from.as_ref(), Ok(payload.clone())),
            Iq::Error {
                id, from, error, ..
            } => self.discovered(
                now,
                id,
                from.as_ref(),
                Err(Failure::Error(error.defined_condition.clone())),
            ),
        }
    }

    fn command(
        &mut self,
        now: Time,
        from: &Jid,
        payload: &Element,
        then: &mut Option<BareJid>,
    ) -> Result<Element, CommandError> {
        // XEP-0133: "The ability to complete the administrative tasks specified
        // herein MUST NOT be granted to users who lack service-level administrative
        // privileges."
        if !self.config.admins.contains(&from.to_bare()) {
            return Err(CommandError::Forbidden);
        }
        let step = ServerBuddy::read(payload)
            .map_err(|_| CommandError::BadPayload)?
            .value;
        let session = |this: &mut Self, sessionid: &str| -> Result<(), CommandError> {
            let open = this.state.sessions.get(sessionid);
            if open.is_none_or(|s| s.admin != *from) {
                return Err(CommandError::BadSessionId);
            }
            if let Some(s) = this.state.sessions.remove(sessionid) {
                this.timers
                    .remove(&(s.expires, Timer::Session(sessionid.to_owned())));
            }
            Ok(())
        };
        let reply = match step {
            ServerBuddy::Execute => {
                self.state.next_id = self.state.next_id.wrapping_add(1);
                let sessionid = format!(
                    "server-buddy:{}-{}",
                    now.format("%Y%m%dT%H%M%SZ"),
                    self.state.next_id
                );
                let expires = after(now, self.config.session_timeout);
                self.state.sessions.insert(
                    sessionid.clone(),
                    Session {
                        admin: from.clone(),
                        expires,
                    },
                );
                self.timers
                    .insert((expires, Timer::Session(sessionid.clone())));
                ServerBuddy::Form {
                    sessionid,
                    form: self.config.form.clone(),
                }
            }
            ServerBuddy::Submit { sessionid, peer } => {
                if peer == self.config.jid {
                    return Err(CommandError::BadPayload);
                }
                session(self, &sessionid)?;
                self.events.push_back(Event::BuddyRequested {
                    admin: from.clone(),
                    peer: peer.clone(),
                });
                *then = Some(peer);
                ServerBuddy::Completed {
                    sessionid,
                    notes: Vec::new(),
                }
            }
            ServerBuddy::Cancel { sessionid } => {
                session(self, &sessionid)?;
                ServerBuddy::Canceled { sessionid }
            }
            _ => return Err(CommandError::BadAction),
        };
        Ok(Element::from(reply.to_command()))
    }

    fn discovered(
        &mut self,
        _now: Time,
        id: &str,
        from: Option<&Jid>,
        payload: Result<Option<Element>, Failure>,
    ) -> bool {
        let Some(peer) = self.pending.get(id).cloned() else {
            return false;
        };
        if from.map(Jid::to_bare).as_ref() != Some(&peer) {
            return false;
        }
        self.pending.remove(id);
        let Some(record) = self.state.peers.get_mut(&peer) else {
            return true;
        };
        if let Some((_, deadline)) = record.discovering.take() {
            self.timers.remove(&(deadline, Timer::Query(peer.clone())));
        }
        let info = match payload {
            Ok(Some(element)) => {
                DiscoInfo::read(&element).map_err(|e| Failure::Undecodable(e.to_string()))
            }
            Ok(None) => Err(Failure::Undecodable("empty disco#info result".to_owned())),
            Err(failure) => Err(failure),
        };
        match info {
            Err(failure) => {
                self.events
                    .push_back(Event::DirectoryUnreachable { peer, failure });
            }
            Ok(reading) => {
                let found = classify(&reading.value).value;
                if found.directory || !self.config.require_directory {
                    // "If the server wishes to have its information aggregated, it
                    // sends a presence subscription request to the directory."
                    record.subscribing = true;
                    self.presence(PresenceType::Subscribe, &peer);
                    self.events.push_back(Event::DirectoryFound {
                        directory: peer,
                        name: found.directory_name,
                    });
                } else {
                    self.events.push_back(Event::NotADirectory {
                        peer,
                        reasons: found.reasons,
                    });
                }
            }
        }
        true
    }

    /// A presence from a peer: the directory's side of the handshake. `false` for
    /// presences from peers the server did not subscribe to (the caller's policy).
    pub fn handle_presence(&mut self, _now: Time, presence: &Presence) -> bool {
        let Some(from) = presence.from.as_ref() else {
            return false;
        };
        if from.node().is_some() || from.resource().is_some() {
            return false;
        }
        let peer = from.to_bare();
        let Some(record) = self.state.peers.get_mut(&peer) else {
            return false;
        };
        if !record.subscribing {
            return false;
        }
        match presence.type_ {
            PresenceType::Subscribed => {
                if record.subscribed {
                    return true;
                }
                record.subscribed = true;
                let both = record.approved;
                self.events.push_back(Event::Subscribed {
                    directory: peer.clone(),
                });
                if both {
                    self.events.push_back(Event::Buddies { directory: peer });
                }
                true
            }
            PresenceType::Subscribe => {
                // "The service then approves that subscription request, as well."
                let first = !record.approved;
                record.approved = true;
                let both = record.subscribed;
                self.presence(PresenceType::Subscribed, &peer);
                if first && both {
                    self.events.push_back(Event::Buddies { directory: peer });
                }
                true
            }
            PresenceType::Unsubscribe | PresenceType::Unsubscribed => {
                let approved = record.approved;
                if approved {
                    self.presence(PresenceType::Unsubscribed, &peer);
                }
                if let Some((id, deadline)) =
                    self.state.peers.remove(&peer).and_then(|p| p.discovering)
                {
                    self.pending.remove(&id);
                    self.timers.remove(&(deadline, Timer::Query(peer.clone())));
                }
                self.events
                    .push_back(Event::Unsubscribed { directory: peer });
                true
            }
            _ => false,
        }
    }

    /// Ends the relation with `directory`: both subscriptions are cancelled
    /// (the directory then retracts the server's card).
    pub fn unsubscribe(&mut self, _now: Time, directory: &BareJid) {
        let Some(record) = self.state.peers.remove(directory) else {
            return;
        };
        if let Some((id, deadline)) = record.discovering {
            self.pending.remove(&id);
            self.timers
                .remove(&(deadline, Timer::Query(directory.clone())));
        }
        if record.subscribing {
            self.presence(PresenceType::Unsubscribe, directory);
        }
        if record.approved {
            self.presence(PresenceType::Unsubscribed, directory);
        }
    }

    /// An IQ as a raw element, in any stanza namespace (`jabber:server` as it
    /// arrives over s2s). `false` when it cannot be read or is not for this machine.
    pub fn handle_iq_element(&mut self, now: Time, element: &Element) -> bool {
        match Iq::try_from(crate::xml_text::client_namespace(element).into_owned()) {
            Ok(iq) => self.handle_iq(now, &iq),
            Err(_) => false,
        }
    }

    /// A presence as a raw element, in any stanza namespace.
    pub fn handle_presence_element(&mut self, now: Time, element: &Element) -> bool {
        match Presence::try_from(crate::xml_text::client_namespace(element).into_owned()) {
            Ok(presence) => self.handle_presence(now, &presence),
            Err(_) => false,
        }
    }

    /// Fires every timer due at `now`: command sessions expire, unanswered
    /// discovery fails. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some((t, timer)) = self.timers.first().cloned() {
            if t > now {
                break;
            }
            self.timers.remove(&(t, timer.clone()));
            match timer {
                Timer::Session(id) => {
                    self.state.sessions.remove(&id);
                }
                Timer::Query(peer) => {
                    if let Some(record) = self.state.peers.get_mut(&peer)
                        && let Some((id, _)) = record.discovering.take()
                    {
                        self.pending.remove(&id);
                        self.events.push_back(Event::DirectoryUnreachable {
                            peer,
                            failure: Failure::Timeout,
                        });
                    }
                }
            }
        }
    }
}

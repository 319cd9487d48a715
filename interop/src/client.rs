//! A real XMPP client session (tokio-xmpp over plain TCP on loopback) with the
//! behaviour the tests need from a well-behaved client: it answers disco#info (so
//! that its XEP-0115 caps with `+notify` features are honoured by PEP), answers
//! pings, refuses other requests, and keeps the messages and presences it receives
//! for the test to pick from. Every wait is bounded.

use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use tokio::time::{Instant, timeout_at};
use tokio_xmpp::connect::DnsConfig;
use tokio_xmpp::xmlstream::Timeouts;
use tokio_xmpp::{Client, Event, IqRequest, IqResponse, Stanza};
use xmpp_parsers::caps::{Caps, compute_disco, hash_caps};
use xmpp_parsers::disco::{DiscoInfoQuery, DiscoInfoResult, Identity};
use xmpp_parsers::hashes::Algo;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::message::Message;
use xmpp_parsers::presence::{Presence, Type as PresenceType};
use xmpp_parsers::roster::Roster;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

use crate::fixture::{Account, PASSWORD};
use crate::runner::Failure;
use crate::setup::Target;

/// How long to wait for a session to come online.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the answer to a request.
pub const IQ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for a message or presence that a test expects.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for a clean stream close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The caps node this client advertises.
const CAPS_NODE: &str = "https://example.invalid/xep-interop";

/// One logged-in client.
#[derive(Debug)]
pub struct Session {
    client: Client,
    jid: FullJid,
    account: Account,
    disco: DiscoInfoResult,
    caps: Caps,
    inbox: VecDeque<Stanza>,
}

/// The reply to a request: its payload, or the error the entity answered with.
pub type Reply = Result<Option<Element>, StanzaError>;

impl Session {
    /// Logs `account` in, fetches its roster, then sends initial presence with caps
    /// advertising disco#info and `NS+notify` for each of `notify`.
    pub async fn connect(
        target: &Target,
        account: Account,
        notify: &[&str],
    ) -> Result<Self, Failure> {
        Self::connect_with_features(target, account, notify, &[]).await
    }

    /// [`Self::connect`], with the `extra` features added to the disco#info the client
    /// answers and its caps stand for.
    pub async fn connect_with_features(
        target: &Target,
        account: Account,
        notify: &[&str],
        extra: &[&str],
    ) -> Result<Self, Failure> {
        let bare: BareJid = account
            .bare()
            .parse()
            .map_err(|e| Failure::new(format!("account JID {}: {e}", account.bare())))?;
        let timeouts = Timeouts {
            read_timeout: Duration::from_secs(60),
            response_timeout: Duration::from_secs(30),
        };
        let mut client =
            Client::new_plaintext(bare, PASSWORD, DnsConfig::addr(&target.c2s), timeouts);
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let jid = loop {
            match timeout_at(deadline, client.next()).await {
                Err(_) => {
                    return Err(Failure::new(format!(
                        "{} not online within {CONNECT_TIMEOUT:?} at {}",
                        account.bare(),
                        target.c2s
                    )));
                }
                Ok(None) => return Err(Failure::new("client stream ended before login")),
                Ok(Some(Event::Disconnected(e))) => {
                    return Err(Failure::new(format!(
                        "{} disconnected: {e}",
                        account.bare()
                    )));
                }
                Ok(Some(Event::Online { bound_jid, .. })) => match bound_jid.try_into_full() {
                    Ok(full) => break full,
                    Err(bare) => {
                        return Err(Failure::new(format!("server bound a bare JID {bare}")));
                    }
                },
                Ok(Some(Event::Stanza(_))) => {}
            }
        };
        let mut features: BTreeSet<String> = [
            xep_core::ns::DISCO_INFO,
            xmpp_parsers::ns::CAPS,
            xmpp_parsers::ns::PING,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        features.extend(notify.iter().map(|ns| format!("{ns}+notify")));
        features.extend(extra.iter().map(|f| (*f).to_owned()));
        let disco = DiscoInfoResult {
            node: None,
            identities: vec![Identity::new("client", "bot", "en", "xep-interop")],
            features,
            extensions: Vec::new(),
        };
        let hash = hash_caps(&compute_disco(&disco), Algo::Sha_1)
            .map_err(|e| Failure::new(format!("caps hash: {e}")))?;
        let mut session = Self {
            client,
            jid,
            account,
            disco,
            caps: Caps::new(CAPS_NODE, hash),
            inbox: VecDeque::new(),
        };
        // Fetching the roster makes this an "interested resource" (RFC 6121), to which
        // Prosody delivers subscription approvals; then the initial presence.
        session
            .get(
                None,
                Roster {
                    ver: None,
                    items: Vec::new(),
                },
            )
            .await
            .map_err(|f| f.context("roster"))?;
        session.announce().await?;
        Ok(session)
    }

    /// Sends available presence with the caps (again: after a new subscription, so
    /// that the contact's PEP service learns them).
    pub async fn announce(&mut self) -> Result<(), Failure> {
        let presence = Presence::available().with_payload(self.caps.clone());
        self.send(presence.into()).await
    }

    /// The full JID the server bound.
    pub fn jid(&self) -> &FullJid {
        &self.jid
    }

    /// The account.
    pub fn account(&self) -> Account {
        self.account
    }

    /// Sends a stanza.
    pub async fn send(&mut self, stanza: Stanza) -> Result<(), Failure> {
        match tokio::time::timeout(IQ_TIMEOUT, self.client.send_stanza(stanza)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Failure::new(format!("{}: send failed: {e}", self.jid))),
            Err(_) => Err(Failure::new(format!("{}: send timed out", self.jid))),
        }
    }

    /// Sends a request (`to: None` is the account itself) and waits for the reply,
    /// answering the requests that arrive meanwhile.
    pub async fn request(&mut self, to: Option<&str>, req: IqRequest) -> Result<Reply, Failure> {
        let to = to
            .map(|t| t.parse::<Jid>())
            .transpose()
            .map_err(|e| Failure::new(format!("bad request address: {e}")))?;
        let what = format!(
            "{} -> {}",
            self.jid,
            to.as_ref()
                .map_or_else(|| "own account".into(), Jid::to_string)
        );
        let token = self.client.send_iq(to, req).await;
        tokio::pin!(token);
        let deadline = Instant::now() + IQ_TIMEOUT;
        loop {
            tokio::select! {
                reply = &mut token => {
                    return match reply {
                        Ok(IqResponse::Result(payload)) => Ok(Ok(payload)),
                        Ok(IqResponse::Error(error)) => Ok(Err(error)),
                        Err(e) => Err(Failure::new(format!("{what}: request failed: {e}"))),
                    };
                }
                event = self.client.next() => self.on_event(event).await?,
                () = tokio::time::sleep_until(deadline) => {
                    return Err(Failure::new(format!("{what}: no reply within {IQ_TIMEOUT:?}")));
                }
            }
        }
    }

    /// Sends a request built elsewhere (by one of the crates' builders): its `to`
    /// and payload are kept, its id is replaced.
    pub async fn request_iq(&mut self, iq: Iq) -> Result<Reply, Failure> {
        let (to, req) = match iq {
            Iq::Get { to, payload, .. } => (to, IqRequest::Get(payload)),
            Iq::Set { to, payload, .. } => (to, IqRequest::Set(payload)),
            Iq::Result { .. } | Iq::Error { .. } => {
                return Err(Failure::new("request_iq: not a request"));
            }
        };
        let to = to.map(|t| t.to_string());
        self.request(to.as_deref(), req).await
    }

    /// Sends a request exactly as built, keeping its id (a sans-I/O machine chose
    /// it), and returns the raw reply stanza (`result` or `error`) with that id.
    pub async fn request_raw(&mut self, iq: Iq) -> Result<Element, Failure> {
        let id = iq.id().to_owned();
        self.send(iq.into()).await?;
        let deadline = Instant::now() + IQ_TIMEOUT;
        let mut checked = 0;
        loop {
            while checked < self.inbox.len() {
                if let Stanza::Iq(reply @ (Iq::Result { .. } | Iq::Error { .. })) =
                    &self.inbox[checked]
                {
                    if reply.id() == id {
                        let reply = reply.clone();
                        self.inbox.remove(checked);
                        return Ok(reply.into());
                    }
                }
                checked += 1;
            }
            match timeout_at(deadline, self.client.next()).await {
                Ok(event) => self.on_event(event).await?,
                Err(_) => {
                    return Err(Failure::new(format!(
                        "{}: no reply to request {id} within {IQ_TIMEOUT:?}",
                        self.jid
                    )));
                }
            }
        }
    }

    /// A `get` request that must succeed; its payload.
    pub async fn get(
        &mut self,
        to: Option<&str>,
        payload: impl Into<Element>,
    ) -> Result<Option<Element>, Failure> {
        self.request(to, IqRequest::Get(payload.into()))
            .await?
            .map_err(|e| Failure::new(format!("get to {to:?} failed: {}", describe(&e))))
    }

    /// A `set` request that must succeed; its payload.
    pub async fn set(
        &mut self,
        to: Option<&str>,
        payload: impl Into<Element>,
    ) -> Result<Option<Element>, Failure> {
        self.request(to, IqRequest::Set(payload.into()))
            .await?
            .map_err(|e| Failure::new(format!("set to {to:?} failed: {}", describe(&e))))
    }

    /// The disco#info `<query/>` of `to`, as the raw element.
    pub async fn disco_info(&mut self, to: &str) -> Result<Element, Failure> {
        self.get(Some(to), DiscoInfoQuery { node: None })
            .await?
            .ok_or_else(|| Failure::new(format!("disco#info of {to}: empty result")))
    }

    /// Waits for a message that `pick` accepts; earlier messages that it rejects stay
    /// queued for later waits.
    pub async fn wait_message<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&Message) -> Option<T>,
    ) -> Result<T, Failure> {
        self.wait_stanza(what, |stanza| match stanza {
            Stanza::Message(message) => pick(message),
            _ => None,
        })
        .await
    }

    /// Waits for a presence that `pick` accepts, like [`Self::wait_message`].
    pub async fn wait_presence<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&Presence) -> Option<T>,
    ) -> Result<T, Failure> {
        self.wait_stanza(what, |stanza| match stanza {
            Stanza::Presence(presence) => pick(presence),
            _ => None,
        })
        .await
    }

    /// Waits for a queued or incoming stanza that `pick` accepts, within
    /// `DELIVERY_TIMEOUT`; the stanzas it rejects stay queued.
    async fn wait_stanza<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&Stanza) -> Option<T>,
    ) -> Result<T, Failure> {
        let deadline = Instant::now() + DELIVERY_TIMEOUT;
        let mut checked = 0;
        loop {
            while checked < self.inbox.len() {
                if let Some(found) = pick(&self.inbox[checked]) {
                    self.inbox.remove(checked);
                    return Ok(found);
                }
                checked += 1;
            }
            match timeout_at(deadline, self.client.next()).await {
                Ok(event) => self.on_event(event).await?,
                Err(_) => {
                    return Err(Failure::new(format!(
                        "{}: no {what} within {DELIVERY_TIMEOUT:?}",
                        self.jid
                    )));
                }
            }
        }
    }

    /// Runs `work` (another session's request, say) while this session keeps
    /// reading its stream, answering the requests that reach it (disco#info, ping)
    /// and queueing the rest; `work` must bound itself.
    pub async fn serve_while<T>(
        &mut self,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return out,
                event = self.client.next() => self.on_event(event).await?,
            }
        }
    }

    /// Closes the stream cleanly (bounded).
    pub async fn close(self) {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.client.send_end()).await;
    }

    async fn on_event(&mut self, event: Option<Event>) -> Result<(), Failure> {
        match event {
            None => Err(Failure::new(format!("{}: client stream ended", self.jid))),
            Some(Event::Disconnected(e)) => {
                Err(Failure::new(format!("{}: disconnected: {e}", self.jid)))
            }
            Some(Event::Online { .. }) => Ok(()),
            Some(Event::Stanza(Stanza::Iq(iq @ (Iq::Get { .. } | Iq::Set { .. })))) => {
                self.answer(iq).await
            }
            Some(Event::Stanza(other)) => {
                self.inbox.push_back(other);
                Ok(())
            }
        }
    }

    /// Answers a request addressed to this client: disco#info (any node: the caps
    /// node#ver or none) and ping; anything else gets `service-unavailable`.
    async fn answer(&mut self, iq: Iq) -> Result<(), Failure> {
        let (from, id, payload) = match iq {
            Iq::Get {
                from, id, payload, ..
            } => (from, id, Some(payload)),
            Iq::Set { from, id, .. } => (from, id, None),
            Iq::Result { .. } | Iq::Error { .. } => return Ok(()),
        };
        let reply = match payload {
            Some(p) if p.is("query", xep_core::ns::DISCO_INFO) => {
                let node = p.attr("node").map(str::to_owned);
                let info = DiscoInfoResult {
                    node,
                    ..self.disco.clone()
                };
                Iq::from_result(id, Some(info))
            }
            Some(p) if p.is("ping", xmpp_parsers::ns::PING) => Iq::Result {
                from: None,
                to: None,
                id,
                payload: None,
            },
            _ => Iq::from_error(
                id,
                StanzaError::new(
                    ErrorType::Cancel,
                    DefinedCondition::ServiceUnavailable,
                    "en",
                    "not handled by the interop client",
                ),
            ),
        };
        let reply = match from {
            Some(from) => reply.with_to(from),
            None => reply,
        };
        self.send(reply.into()).await
    }
}

/// Makes `a` and `b` contacts with a presence subscription both ways (RFC 6121
/// handshakes, each approved by the other client), then has both announce their
/// presence and caps again, so that each one's PEP service notifies the other.
pub async fn befriend(a: &mut Session, b: &mut Session) -> Result<(), Failure> {
    subscribe_presence(a, b).await?;
    subscribe_presence(b, a).await?;
    a.announce().await?;
    b.announce().await
}

/// `from` asks for `to`'s presence, `to` approves, `from` sees the approval.
async fn subscribe_presence(from: &mut Session, to: &mut Session) -> Result<(), Failure> {
    let from_bare = from.jid.to_bare();
    let to_bare = to.jid.to_bare();
    from.send(Presence::subscribe().with_to(to_bare.clone()).into())
        .await?;
    to.wait_presence(&format!("subscription request from {from_bare}"), |p| {
        (p.type_ == PresenceType::Subscribe
            && p.from.as_ref().map(Jid::to_bare).as_ref() == Some(&from_bare))
        .then_some(())
    })
    .await?;
    to.send(Presence::subscribed().with_to(from_bare).into())
        .await?;
    from.wait_presence(&format!("subscription approval from {to_bare}"), |p| {
        (p.type_ == PresenceType::Subscribed
            && p.from.as_ref().map(Jid::to_bare).as_ref() == Some(&to_bare))
        .then_some(())
    })
    .await
}

/// A stanza error in one line: its condition and text.
pub fn describe(error: &StanzaError) -> String {
    let text = error
        .texts
        .values()
        .next()
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    format!("{:?}/{:?}{text}", error.type_, error.defined_condition)
}

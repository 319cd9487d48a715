//! The one place where the suite calls the crates' readers and machine inputs, so
//! that following their API changes touches this file only. Every reader starts
//! from the raw element the server sent.

use chrono::{DateTime, Utc};
use jid::Jid;
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_core::disco::DiscoInfo;
use xep_core::forms::TypedForm;
use xep_serverinfo::ServerInfo;
use xep_serverinfo::discovery::Discovery;
use xep_serverinfo::publisher::Publisher;
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::items::OutageItem;
use xep_sos::tracker::OutageTracker;
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::message::Message;

use crate::client::Reply;
use crate::runner::Failure;

/// A lenient reading: the value and its deviations, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    /// The value.
    pub value: T,
    /// The deviations from the spec, one line each.
    pub deviations: Vec<String>,
}

/// The disco#info result read leniently from the raw element (xep-core): each form
/// on its own, so that one malformed unrelated form hides nothing.
fn disco_info(query: &Element) -> Result<DiscoInfo, Failure> {
    DiscoInfo::read(query)
        .map(|reading| reading.value)
        .map_err(|e| Failure::new(format!("disco#info result: {e}")))
}

fn disco_result(query: &Element) -> Result<DiscoInfoResult, Failure> {
    DiscoInfoResult::try_from(query.clone())
        .map_err(|e| Failure::new(format!("disco#info result: {e}")))
}

/// XEP-0157 contact addresses from a disco#info `<query/>`.
pub fn contact_addresses(query: &Element) -> Result<Read<ContactAddresses>, Failure> {
    let info = disco_info(query)?;
    let reading = ContactAddresses::from_forms(&info.forms)
        .ok_or_else(|| Failure::new("no http://jabber.org/network/serverinfo form"))?
        .map_err(|e| Failure::new(format!("contact addresses: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
    })
}

/// XEP-0485 discovery from a disco#info `<query/>`.
pub fn serverinfo_discovery(query: &Element) -> Result<Read<Discovery>, Failure> {
    let info = disco_result(query)?;
    let discovery = Discovery::from_disco(&info)
        .map_err(|e| Failure::new(format!("serverinfo discovery: {e}")))?;
    let deviations = discovery
        .deviations
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Read {
        value: discovery,
        deviations,
    })
}

/// XEP-0455 status file addresses from a disco#info `<query/>`.
pub fn sos_addresses(query: &Element) -> Result<Read<ExternalStatusAddresses>, Failure> {
    let info = disco_info(query)?;
    let reading = ExternalStatusAddresses::from_forms(&info.forms)
        .ok_or_else(|| Failure::new("no urn:xmpp:sos:0 or urn:xmpp:tmp:sos form"))?
        .map_err(|e| Failure::new(format!("status addresses: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
    })
}

/// A `<serverinfo/>` payload, read leniently.
pub fn serverinfo_payload(payload: &Element) -> Result<Read<ServerInfo>, Failure> {
    let reading =
        ServerInfo::read(payload).map_err(|e| Failure::new(format!("serverinfo payload: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
    })
}

/// An `<outage/>` or `<outage-end/>` payload (seed or v0.2).
pub fn outage_item(payload: &Element) -> Result<OutageItem, Failure> {
    OutageItem::try_from(payload.clone()).map_err(|e| Failure::new(format!("outage item: {e}")))
}

/// Feeds the publisher a peer's reply to its disco#info query.
pub fn publisher_disco_reply(
    publisher: &mut Publisher,
    now: DateTime<Utc>,
    peer: &str,
    reply: &Reply,
) {
    match reply {
        Ok(Some(query)) => match DiscoInfoResult::try_from(query.clone()) {
            Ok(info) => publisher.handle_disco_result(now, peer, &info),
            Err(_) => publisher.handle_disco_failure(now, peer),
        },
        Ok(None) | Err(_) => publisher.handle_disco_failure(now, peer),
    }
}

/// Feeds the tracker the server's disco#info `<query/>`.
pub fn tracker_disco(
    tracker: &mut OutageTracker,
    now: DateTime<Utc>,
    server: &Jid,
    query: &Element,
) -> Result<(), Failure> {
    let info = disco_result(query)?;
    tracker.handle_disco_info(now, server, &info);
    Ok(())
}

/// Feeds the tracker a received message; whether it was about outages.
pub fn tracker_message(tracker: &mut OutageTracker, now: DateTime<Utc>, message: &Message) -> bool {
    tracker.handle_message(now, message)
}

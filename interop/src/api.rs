//! The one place where the suite calls the crates' readers and machine inputs, so
//! that following their API changes touches this file only. Every reader starts
//! from the raw element the server sent.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_core::forms::TypedForm;
use xep_core::reading::Deviation;
use xep_psa::annotation::StateAnnotation;
use xep_psa::presence::read_annotation;
use xep_psa::server::Tracker;
use xep_serverinfo::ServerInfo;
use xep_serverinfo::discovery::Discovery;
use xep_serverinfo::publisher::Publisher;
use xep_service_directory::command::{CommandError, ServerBuddy};
use xep_service_directory::directory::Directory;
use xep_service_directory::vcard::VCard;
use xep_sos::disco::ExternalStatusAddresses;
use xep_sos::items::OutageItem;
use xep_sos::tracker::OutageTracker;
use xep_user_status::State;
use xep_user_status::pep::Notification;
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::message::Message;
use xmpp_parsers::presence::Presence;

use crate::runner::Failure;

/// A lenient reading: the value and its deviations, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    /// The value.
    pub value: T,
    /// The deviations from the spec, one line each.
    pub deviations: Vec<String>,
}

fn disco_result(query: &Element) -> Result<DiscoInfoResult, Failure> {
    DiscoInfoResult::try_from(query.clone())
        .map_err(|e| Failure::new(format!("disco#info result: {e}")))
}

fn lines(deviations: &[Deviation]) -> Vec<String> {
    deviations.iter().map(ToString::to_string).collect()
}

/// XEP-0157 contact addresses from a raw disco#info `<query/>` (each form read on
/// its own).
pub fn contact_addresses(query: &Element) -> Result<Read<ContactAddresses>, Failure> {
    let reading = ContactAddresses::read_element(query)
        .map_err(|e| Failure::new(format!("contact addresses: {e}")))?;
    let value = reading
        .value
        .ok_or_else(|| Failure::new("no http://jabber.org/network/serverinfo form"))?;
    Ok(Read {
        value,
        deviations: lines(&reading.deviations),
    })
}

/// XEP-0485 discovery from a raw disco#info `<query/>`.
pub fn serverinfo_discovery(query: &Element) -> Result<Read<Discovery>, Failure> {
    let reading =
        Discovery::read(query).map_err(|e| Failure::new(format!("serverinfo discovery: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: lines(&reading.deviations),
    })
}

/// XEP-0455 status file addresses from a raw disco#info `<query/>`.
pub fn sos_addresses(query: &Element) -> Result<Read<ExternalStatusAddresses>, Failure> {
    let reading = ExternalStatusAddresses::read_element(query)
        .map_err(|e| Failure::new(format!("status addresses: {e}")))?;
    let value = reading
        .value
        .ok_or_else(|| Failure::new("no urn:xmpp:sos:0 or urn:xmpp:tmp:sos form"))?;
    Ok(Read {
        value,
        deviations: lines(&reading.deviations),
    })
}

/// A `<serverinfo/>` payload, read leniently.
pub fn serverinfo_payload(payload: &Element) -> Result<Read<ServerInfo>, Failure> {
    let reading =
        ServerInfo::read(payload).map_err(|e| Failure::new(format!("serverinfo payload: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: lines(&reading.deviations),
    })
}

/// An `<outage/>` or `<outage-end/>` payload (seed or v0.2).
pub fn outage_item(payload: &Element) -> Result<OutageItem, Failure> {
    OutageItem::try_from(payload.clone()).map_err(|e| Failure::new(format!("outage item: {e}")))
}

/// Offers the publisher a raw `<iq/>` reply; whether it answered one of its queries.
pub fn publisher_reply(publisher: &mut Publisher, now: DateTime<Utc>, iq: &Element) -> bool {
    publisher.handle_iq(now, iq)
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

/// A received message read as a user status notification (`None`: not about user
/// status): who it speaks for and the state it leaves them in, with the deviations.
pub fn user_status_notification(
    account: &BareJid,
    message: &Message,
) -> Result<Read<Option<(BareJid, State)>>, Failure> {
    let reading = Notification::read_message(&Element::from(message.clone()))
        .map_err(|e| Failure::new(format!("user status notification: {e}")))?;
    Ok(Read {
        value: reading
            .value
            .as_ref()
            .and_then(|n| n.latest(account))
            .map(|(who, state)| (who, state.clone())),
        deviations: lines(&reading.deviations),
    })
}

/// The XEP-0310 state annotation of a received presence, read leniently (`None`:
/// the presence carries none).
pub fn psa_annotation(presence: &Presence) -> Option<Read<StateAnnotation>> {
    read_annotation(presence).map(|reading| Read {
        value: reading.value,
        deviations: lines(&reading.deviations),
    })
}

/// A vCard4 server card (a `<vcard/>`, or a pubsub `<item/>` or `<iq/>` holding
/// one), read leniently.
pub fn server_card(element: &Element) -> Result<Read<VCard>, Failure> {
    let reading = VCard::read(element).map_err(|e| Failure::new(format!("server vCard: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: lines(&reading.deviations),
    })
}

/// A reply of the server-buddy command (a raw `<iq/>` result), read leniently.
pub fn server_buddy_reply(iq: &Element) -> Result<Read<ServerBuddy>, Failure> {
    let command = iq
        .get_child("command", xep_core::ns::COMMANDS)
        .ok_or_else(|| Failure::new(format!("no <command/> in {}", String::from(iq))))?;
    let reading = ServerBuddy::read(command)
        .map_err(|e| Failure::new(format!("server-buddy command: {e}")))?;
    Ok(Read {
        value: reading.value,
        deviations: lines(&reading.deviations),
    })
}

/// The XEP-0050 error condition of a raw `<iq type='error'/>` answering a command
/// (`None`: not an error, or not one of the command's conditions).
pub fn command_error(iq: &Element) -> Result<Option<CommandError>, Failure> {
    match Iq::try_from(iq.clone()) {
        Ok(Iq::Error { error, .. }) => Ok(CommandError::from_stanza_error(&error)),
        Ok(_) => Ok(None),
        Err(e) => Err(Failure::new(format!("command answer: {e}"))),
    }
}

/// Offers the directory machine a raw stanza the directory's session received:
/// a presence, or an IQ reply. Whether the machine took it.
pub fn directory_stanza(directory: &mut Directory, now: DateTime<Utc>, stanza: &Element) -> bool {
    match stanza.name() {
        "presence" => directory.handle_presence_element(now, stanza),
        "iq" => directory.handle_iq_element(now, stanza),
        _ => false,
    }
}

/// Feeds the PSA tracker one presence as the server delivered it to the local
/// session `session`: the address it was delivered to, whatever its `to` says (a
/// presence broadcast to a contact is addressed to the bare JID and fanned out to
/// the resources as it is).
pub fn psa_tracker_delivered(
    tracker: &mut Tracker,
    now: DateTime<Utc>,
    presence: &Presence,
    session: &FullJid,
) {
    tracker.handle_broadcast(now, presence, [&Jid::from(session.clone())]);
}

/// Whether a disco#info `<query/>` asks for presence state annotations.
pub fn psa_requested(query: &Element) -> Result<bool, Failure> {
    Ok(xep_psa::disco::result_requests_psa(&disco_result(query)?))
}

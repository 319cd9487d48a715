//! User status over PEP (XEP-0163): the node, the `+notify` feature, the requests a
//! client sends, and the readings of what it receives.
//!
//! "Status information MUST be communicated and transported by means of the
//! Publish-Subscribe (XEP-0060) subset specified in Personal Eventing Protocol
//! (XEP-0163)." The node is named after the namespace, [`NODE`]; a contact's client
//! receives notifications when it advertises [`NOTIFY_FEATURE`] in its entity
//! capabilities.
//!
//! Publishing:
//!
//! * [`publish_request`] publishes a status as item [`ITEM_ID`] (`current`, as the only
//!   known publisher does), with publish-options asking for what a user expects of
//!   presence-like data: access model `presence` and at most one item
//!   ([`PublishMode::WithOptions`]). A service that refuses the options (see
//!   [`PublishMode::after_error`]) gets the same publish without them
//!   ([`PublishMode::Plain`]).
//! * [`clear_request`] is what the spec says to do to stop publishing: "the user's
//!   client shall send an empty `<status/>` element".
//! * [`retract_request`] removes the item instead: contacts then see no status at all,
//!   rather than a cleared one.
//! * [`items_request`] asks a contact's PEP service for the current item.
//!
//! Receiving: [`Notification::read_message`] reads a `<message/>` with a pubsub event
//! (items, retractions, purge, node deletion) and [`Notification::read_items_result`]
//! an `<iq/>` answering [`items_request`]; both give who sent it and the
//! [`State`] of each item, in the lenient shape of `xep-core` (a
//! [`Reading`] with [`Deviation`]s). Who may speak for a contact is checked by
//! [`ContactView`](crate::view::ContactView), not here.
//!
//! ```
//! use xep_user_status::pep::{self, Notification, PublishMode};
//! use xep_user_status::UserStatus;
//!
//! let request = pep::publish_request(&UserStatus::new("Away!"), PublishMode::WithOptions);
//! let xml = String::from(&minidom::Element::from(request));
//! assert!(xml.contains("<publish node='http://jabber.org/protocol/status'><item id='current'>"));
//! assert!(xml.contains("<field var='pubsub#access_model'><value>presence</value></field>"));
//!
//! let message: minidom::Element = "<message xmlns='jabber:client' from='juliet@capulet.lit'>\
//!     <event xmlns='http://jabber.org/protocol/pubsub#event'>\
//!     <items node='http://jabber.org/protocol/status'><item id='current'>\
//!     <status xmlns='http://jabber.org/protocol/status'><text>Away!</text></status>\
//!     </item></items></event></message>".parse()?;
//! let notification = Notification::read_message(&message)?.value.expect("a status event");
//! let account: jid::BareJid = "romeo@montague.net".parse()?;
//! let (who, state) = notification.latest(&account).expect("one item");
//! assert_eq!(who.as_str(), "juliet@capulet.lit");
//! assert_eq!(state.status().and_then(|s| s.text(&[])), Some("Away!"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use jid::{BareJid, Jid};
use minidom::Element;
use xep_core::reading::{Deviation, Path, Reading, Severity, Siblings, excerpt};
use xep_core::time::Time;
use xep_core::tree::{ElementView, TreeElement};
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field};
use xmpp_parsers::message::Message;
use xmpp_parsers::pubsub::pubsub::{Item, Items, PubSub, Publish, PublishOptions, Retract};
use xmpp_parsers::pubsub::{ItemId, NodeName};
use xmpp_parsers::stanza_error::{DefinedCondition, StanzaError};

use crate::payload::{NoStatus, State, UserStatus};
use crate::{Error, ns};

/// The PEP node: the payload namespace, one node per account.
pub const NODE: &str = ns::USER_STATUS;

/// The XEP-0115 feature a client advertises to receive contacts' statuses
/// (XEP-0163 filtered notifications): `http://jabber.org/protocol/status+notify`.
pub const NOTIFY_FEATURE: &str = ns::USER_STATUS_NOTIFY;

/// The item id the status is published under, so that a new status replaces the old
/// one even on a node that keeps several items.
pub const ITEM_ID: &str = "current";

const PUBSUB_ERRORS: &str = "http://jabber.org/protocol/pubsub#errors";
const DELAY: &str = "urn:xmpp:delay";
const XMPP_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";

/// The node name, [`NODE`].
pub fn node() -> NodeName {
    NodeName(NODE.to_owned())
}

/// The disco#info features a client that shows contacts' statuses advertises: the
/// namespace and its `+notify` feature.
pub fn client_features() -> [&'static str; 2] {
    [ns::USER_STATUS, NOTIFY_FEATURE]
}

/// Whether to send publish-options with a publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PublishMode {
    /// With [`publish_options`]: the node is created (or must already be) with access
    /// model `presence` and one item.
    #[default]
    WithOptions,
    /// A plain publish: the node keeps the configuration it has (or the service's
    /// defaults, which XEP-0163 sets to access model `presence`).
    Plain,
}

impl PublishMode {
    /// What to do after a publish in this mode failed with `error`: `Some(Plain)` when
    /// the service refused the publish-options, so that the same publish without them
    /// may succeed; `None` when a retry would not help.
    ///
    /// Refusals of the options are XEP-0060's `<conflict/>` with
    /// `<precondition-not-met/>` (the node exists with another configuration, for
    /// instance an access model the user chose), `<feature-not-implemented/>` (no
    /// publish-options support; XEP-0163 only says a PEP service "SHOULD also support"
    /// it), and the `<bad-request/>` or `<not-acceptable/>` some services send for an
    /// option they do not know ("it MUST reject the publication upon encountering
    /// unknown fields"). ejabberd 23.01 answers an option it does not know
    /// (`pubsub#max_items`) with `<resource-constraint/>` of type `wait` and the text
    /// "Unknown field", found by the interop suite: that is a refusal of the options
    /// too.
    ///
    /// ```
    /// use xep_user_status::pep::PublishMode;
    /// use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
    /// let mut error = StanzaError::new(ErrorType::Cancel, DefinedCondition::Conflict, "en", "");
    /// error.other = Some("<precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>".parse()?);
    /// assert_eq!(PublishMode::WithOptions.after_error(&error), Some(PublishMode::Plain));
    /// assert_eq!(PublishMode::Plain.after_error(&error), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn after_error(self, error: &StanzaError) -> Option<Self> {
        if self == Self::Plain {
            return None;
        }
        let precondition = error
            .other
            .as_ref()
            .is_some_and(|e| e.is("precondition-not-met", PUBSUB_ERRORS));
        let refused = match error.defined_condition {
            DefinedCondition::Conflict => precondition,
            DefinedCondition::FeatureNotImplemented
            | DefinedCondition::BadRequest
            | DefinedCondition::NotAcceptable
            | DefinedCondition::ResourceConstraint => true,
            _ => precondition,
        };
        refused.then_some(Self::Plain)
    }
}

/// The publish-options a user expects for presence-like data: only contacts with a
/// presence subscription may read it (`pubsub#access_model` = `presence`) and the node
/// keeps one item (`pubsub#max_items` = `1`).
pub fn publish_options() -> PublishOptions {
    PublishOptions {
        form: Some(DataForm::new(
            DataFormType::Submit,
            xep_core::ns::PUBSUB_PUBLISH_OPTIONS,
            vec![
                Field::text_single("pubsub#access_model", "presence"),
                Field::text_single("pubsub#max_items", "1"),
            ],
        )),
    }
}

/// The `<pubsub/>` of an IQ set publishing `status` as item [`ITEM_ID`] of [`NODE`].
pub fn publish_request(status: &UserStatus, mode: PublishMode) -> PubSub {
    PubSub::Publish {
        publish: Publish {
            node: node(),
            items: vec![Item {
                id: Some(ItemId(ITEM_ID.to_owned())),
                publisher: None,
                payload: Some(Element::from(status)),
            }],
        },
        publish_options: match mode {
            PublishMode::WithOptions => Some(publish_options()),
            PublishMode::Plain => None,
        },
    }
}

/// The `<pubsub/>` of an IQ set clearing the status: "In order to indicate that the
/// user is no longer publishing a status, the user's client shall send an empty
/// `<status/>` element."
pub fn clear_request(mode: PublishMode) -> PubSub {
    publish_request(&UserStatus::cleared(), mode)
}

/// The `<pubsub/>` of an IQ set retracting item [`ITEM_ID`], with `notify` asking the
/// service to tell subscribers. Contacts then have no status at all
/// ([`NoStatus::Retracted`]), which is not the same as a cleared one.
pub fn retract_request(notify: bool) -> PubSub {
    PubSub::Retract(Retract {
        node: node(),
        notify,
        items: vec![Item {
            id: Some(ItemId(ITEM_ID.to_owned())),
            publisher: None,
            payload: None,
        }],
    })
}

/// The `<pubsub/>` of an IQ get to a contact's bare JID asking for the most recent
/// status item (`max_items='1'`).
pub fn items_request() -> PubSub {
    let mut items = Items::new(NODE);
    items.max_items = Some(1);
    PubSub::Items(items)
}

/// Where a [`Notification`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Source {
    /// A `<message/>` with a pubsub `<event/>`.
    Event,
    /// An `<iq type='result'/>` (or `item-not-found` error) answering an items
    /// request.
    ItemsResult,
}

/// What one item, retraction, purge or deletion says.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Update {
    /// The node it names (a status payload on another node is reported with that
    /// node, for the caller to refuse).
    pub node: String,
    /// The item id (for items and retractions).
    pub item_id: Option<String>,
    /// The item's `publisher` attribute, when the service adds one.
    pub publisher: Option<Jid>,
    /// The state it puts the publisher in.
    pub state: State,
}

/// A message or IQ about a user status, read.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// Its kind.
    pub source: Source,
    /// The stanza's `from`; `None` when it had none, which for a stanza the account's
    /// own server sends means the account itself (RFC 6120, 8.1.2.1).
    pub from: Option<Jid>,
    /// The stanza's `id`, to match an IQ result to its request.
    pub id: Option<String>,
    /// The XEP-0203 `<delay stamp='…'/>` of a message delivered late (offline storage,
    /// last published item on presence).
    pub delay: Option<Time>,
    /// What it says, in document order: for the same publisher, the last one is the
    /// current state.
    pub updates: Vec<Update>,
}

impl Notification {
    /// Who this speaks for: the sender's bare JID, or `account` when there is no
    /// `from`. (Whether the sender may speak for that JID is
    /// [`ContactView`](crate::view::ContactView)'s check.)
    pub fn who(&self, account: &BareJid) -> BareJid {
        self.from
            .as_ref()
            .map_or_else(|| account.clone(), Jid::to_bare)
    }

    /// The (who, state) pair this leaves its sender in: the last update.
    pub fn latest(&self, account: &BareJid) -> Option<(BareJid, &State)> {
        self.updates
            .last()
            .map(|update| (self.who(account), &update.state))
    }

    /// Reads a `<message/>` (in any stanza namespace), leniently.
    ///
    /// The value is `None` when the message carries no pubsub event about user status:
    /// none of its `<items/>`, `<purge/>` or `<delete/>` names [`NODE`], and no item
    /// holds a `<status/>` payload. `Err` when the element is not a message, or its
    /// `from` is not a JID.
    ///
    /// Deviations (besides those of each payload, under the item's path):
    /// `bad-delay` (dropped: a delay stamp that is not a date-time), `no-payload`
    /// (dropped: an item without payload, sent by a node that does not deliver
    /// payloads; fetch it with [`items_request`]), `not-a-status` (dropped: another
    /// payload on the status node), `bad-publisher` (note: a `publisher` that is not a
    /// JID, ignored).
    pub fn read_message(message: &Element) -> Result<Reading<Option<Self>>, Error> {
        Self::read_message_view(message)
    }

    /// [`read_message`](Self::read_message) from a compact tree
    /// ([`xep_core::tree`]), without a minidom tree of the message.
    pub fn read_message_tree(message: TreeElement<'_>) -> Result<Reading<Option<Self>>, Error> {
        Self::read_message_view(message)
    }

    /// [`read_message`](Self::read_message) from either kind of element.
    pub fn read_message_view<'a, E: ElementView<'a>>(
        message: E,
    ) -> Result<Reading<Option<Self>>, Error> {
        if message.name() != "message" {
            return Err(Error::Unexpected {
                expected: "a message",
                name: message.name().to_owned(),
                namespace: message.ns().into_owned(),
            });
        }
        let mut notification = Self::start(message, Source::Event)?;
        let mut deviations = Vec::new();
        if message.attr("type") == Some("error") {
            return Ok(Reading::clean(None));
        }
        let root = Path::root().elem("message", 1);
        let mut events = 0;
        let mut delays = 0;
        for child in message.children() {
            if child.is("delay", DELAY) {
                delays += 1;
                let path = root.clone().elem("delay", delays);
                match child.attr("stamp").map(parse_stamp) {
                    Some(Some(stamp)) if notification.delay.is_none() => {
                        notification.delay = Some(stamp);
                    }
                    Some(Some(_)) => {}
                    _ => deviations.push(Deviation::new(
                        Severity::Dropped,
                        "bad-delay",
                        path.attr("stamp"),
                        format!(
                            "delay stamp {} is not a date-time; ignored",
                            excerpt(child.attr("stamp").unwrap_or_default())
                        ),
                    )),
                }
            } else if child.is("event", xep_core::ns::PUBSUB_EVENT) {
                events += 1;
                let path = root.clone().elem("event", events);
                let mut counts = Siblings::new();
                for what in child.children() {
                    let index = counts.next(what.name());
                    let path = path.clone().elem(what.name(), index);
                    read_container(what, &path, true, &mut notification, &mut deviations);
                }
            }
        }
        Ok(Self::finish(notification, deviations))
    }

    /// Reads the `<message/>` of xmpp-parsers (see [`read_message`](Self::read_message)).
    pub fn from_message(message: &Message) -> Result<Reading<Option<Self>>, Error> {
        Self::read_message(&Element::from(message.clone()))
    }

    /// Reads an `<iq/>` answering [`items_request`], leniently: a result with the
    /// status node's items (none means [`NoStatus::NotPublished`]; with several, the
    /// last in document order is the newest, XEP-0060's publication order), or an
    /// `item-not-found` error that echoes the request (the node does not exist).
    ///
    /// The value is `None` for other IQs. `Err` when the element is not an IQ or its
    /// `from` is not a JID. Deviations as for [`read_message`](Self::read_message),
    /// plus `several-items` (note).
    pub fn read_items_result(iq: &Element) -> Result<Reading<Option<Self>>, Error> {
        if iq.name() != "iq" {
            return Err(Error::unexpected("an iq", iq));
        }
        let mut notification = Self::start(iq, Source::ItemsResult)?;
        let mut deviations = Vec::new();
        let root = Path::root().elem("iq", 1);
        let Some(pubsub) = iq.get_child("pubsub", xep_core::ns::PUBSUB) else {
            return Ok(Reading::clean(None));
        };
        let path = root.elem("pubsub", 1);
        let items = pubsub.children().find(|c| c.name() == "items");
        match iq.attr("type") {
            Some("result") => {
                if let Some(items) = items {
                    let path = path.elem("items", 1);
                    let before = notification.updates.len();
                    read_container(items, &path, false, &mut notification, &mut deviations);
                    let count = notification.updates.len() - before;
                    if count > 1 {
                        deviations.push(Deviation::new(
                            Severity::Note,
                            "several-items",
                            path,
                            format!("{count} items; the last one is taken as the newest"),
                        ));
                    }
                }
            }
            Some("error") => {
                let not_found = iq
                    .children()
                    .filter(|c| c.name() == "error")
                    .any(|e| e.has_child("item-not-found", XMPP_STANZAS));
                if not_found && items.is_some_and(|i| i.attr("node") == Some(NODE)) {
                    notification.updates.push(Update {
                        node: NODE.to_owned(),
                        item_id: None,
                        publisher: None,
                        state: State::NoStatus(NoStatus::NotPublished),
                    });
                }
            }
            _ => {}
        }
        Ok(Self::finish(notification, deviations))
    }

    fn start<'a>(stanza: impl ElementView<'a>, source: Source) -> Result<Self, Error> {
        let from = match stanza.attr("from") {
            None => None,
            Some(text) => Some(text.parse::<Jid>().map_err(|e| Error::Jid {
                jid: excerpt(text),
                reason: e.to_string(),
            })?),
        };
        Ok(Self {
            source,
            from,
            id: stanza.attr("id").map(str::to_owned),
            delay: None,
            updates: Vec::new(),
        })
    }

    fn finish(notification: Self, deviations: Vec<Deviation>) -> Reading<Option<Self>> {
        let ours = !notification.updates.is_empty();
        Reading::new(ours.then_some(notification), deviations)
    }
}

/// An XEP-0082 date-time, with or without fractions and offset.
fn parse_stamp(text: &str) -> Option<Time> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.to_utc())
}

/// Reads an event's `<items/>`, `<purge/>` or `<delete/>` (or, `event == false`, the
/// `<items/>` of an items result) into `out`, if it is about user status.
fn read_container<'a, E: ElementView<'a>>(
    container: E,
    path: &Path,
    event: bool,
    out: &mut Notification,
    deviations: &mut Vec<Deviation>,
) {
    let node = container.attr("node").unwrap_or_default();
    let on_node = node == NODE;
    let state = match container.name() {
        "purge" if event && on_node => Some(NoStatus::Purged),
        "delete" if event && on_node => Some(NoStatus::Deleted),
        _ => None,
    };
    if let Some(reason) = state {
        out.updates.push(Update {
            node: node.to_owned(),
            item_id: None,
            publisher: None,
            state: State::NoStatus(reason),
        });
        return;
    }
    if container.name() != "items" {
        return;
    }
    let carries_status = container
        .children()
        .any(|item| item.children().any(|p| p.is("status", ns::USER_STATUS)));
    if !on_node && !carries_status {
        return;
    }
    let mut counts = Siblings::new();
    let before = out.updates.len();
    for child in container.children() {
        let index = counts.next(child.name());
        let path = path.clone().elem(child.name(), index);
        let item_id = child.attr("id").map(str::to_owned);
        match child.name() {
            "retract" if event => out.updates.push(Update {
                node: node.to_owned(),
                item_id,
                publisher: None,
                state: State::NoStatus(NoStatus::Retracted),
            }),
            "item" => {
                let publisher = match child.attr("publisher") {
                    None => None,
                    Some(text) => match text.parse::<Jid>() {
                        Ok(jid) => Some(jid),
                        Err(_) => {
                            deviations.push(Deviation::new(
                                Severity::Note,
                                "bad-publisher",
                                path.clone().attr("publisher"),
                                format!("publisher {} is not a JID; ignored", excerpt(text)),
                            ));
                            None
                        }
                    },
                };
                let Some(payload) = child.children().next() else {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "no-payload",
                        path,
                        "item without payload (the node does not deliver payloads); fetch it",
                    ));
                    continue;
                };
                let Ok(reading) = UserStatus::read_view(payload) else {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "not-a-status",
                        path.clone().elem(payload.name(), 1),
                        format!(
                            "{{{}}}{} is not a user status payload; item ignored",
                            payload.ns(),
                            payload.name()
                        ),
                    ));
                    continue;
                };
                deviations.extend(reading.deviations.into_iter().map(|d| d.under(&path)));
                out.updates.push(Update {
                    node: node.to_owned(),
                    item_id,
                    publisher,
                    state: State::from(reading.value),
                });
            }
            _ => {}
        }
    }
    // An items result with no item: nothing is published.
    if !event && on_node && out.updates.len() == before && container.children().next().is_none() {
        out.updates.push(Update {
            node: node.to_owned(),
            item_id: None,
            publisher: None,
            state: State::NoStatus(NoStatus::NotPublished),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elem(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    fn message(inner: &str) -> Element {
        elem(&format!(
            "<message xmlns='jabber:client' from='juliet@capulet.lit' to='romeo@montague.net'><event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"
        ))
    }

    fn states(reading: &Reading<Option<Notification>>) -> Vec<State> {
        reading
            .value
            .as_ref()
            .map(|n| n.updates.iter().map(|u| u.state.clone()).collect())
            .unwrap_or_default()
    }

    const ITEMS: &str = "<items node='http://jabber.org/protocol/status'>";

    #[test]
    fn publish_request_with_and_without_options() {
        let with = Element::from(publish_request(
            &UserStatus::new("Away!"),
            PublishMode::WithOptions,
        ));
        assert_eq!(
            String::from(&with),
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='http://jabber.org/protocol/status'><item id='current'><status xmlns='http://jabber.org/protocol/status'><text>Away!</text></status></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pubsub#access_model'><value>presence</value></field><field var='pubsub#max_items'><value>1</value></field></x></publish-options></pubsub>"
        );
        let plain = Element::from(publish_request(
            &UserStatus::new("Away!"),
            PublishMode::Plain,
        ));
        assert!(
            plain
                .get_child("publish-options", xep_core::ns::PUBSUB)
                .is_none()
        );
        // What we write reads back with xmpp-parsers.
        let PubSub::Publish { publish, .. } = PubSub::try_from(with).unwrap() else {
            panic!()
        };
        let payload = publish.items[0].payload.clone().unwrap();
        assert_eq!(
            UserStatus::try_from(payload).unwrap(),
            UserStatus::new("Away!")
        );
    }

    #[test]
    fn clear_is_an_empty_status_and_retract_names_current() {
        let clear = String::from(&Element::from(clear_request(PublishMode::Plain)));
        assert_eq!(
            clear,
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='http://jabber.org/protocol/status'><item id='current'><status xmlns='http://jabber.org/protocol/status'/></item></publish></pubsub>"
        );
        assert_eq!(
            String::from(&Element::from(retract_request(true))),
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='http://jabber.org/protocol/status' notify='true'><item id='current'/></retract></pubsub>"
        );
        assert_eq!(
            String::from(&Element::from(items_request())),
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items max_items='1' node='http://jabber.org/protocol/status'/></pubsub>"
        );
        assert_eq!(
            client_features()[1],
            "http://jabber.org/protocol/status+notify"
        );
    }

    #[test]
    fn publish_mode_after_errors() {
        use xmpp_parsers::stanza_error::ErrorType;
        let error = |condition, other: Option<&str>| {
            let mut e = StanzaError::new(ErrorType::Cancel, condition, "en", "");
            e.other = other.map(elem);
            e
        };
        let unsupported = "<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='publish-options'/>";
        let with = PublishMode::WithOptions;
        assert_eq!(
            with.after_error(&error(
                DefinedCondition::FeatureNotImplemented,
                Some(unsupported)
            )),
            Some(PublishMode::Plain)
        );
        assert_eq!(
            with.after_error(&error(DefinedCondition::Conflict, None)),
            None
        );
        assert_eq!(
            with.after_error(&error(DefinedCondition::Forbidden, None)),
            None
        );
        assert_eq!(
            with.after_error(&error(DefinedCondition::NotAcceptable, None)),
            Some(PublishMode::Plain)
        );
        // ejabberd 23.01 on `pubsub#max_items` (the interop suite found it returned
        // None here, so a client following the advice never published).
        let mut ejabberd = StanzaError::new(
            ErrorType::Wait,
            DefinedCondition::ResourceConstraint,
            "en",
            "Unknown field",
        );
        assert_eq!(with.after_error(&ejabberd), Some(PublishMode::Plain));
        ejabberd.defined_condition = DefinedCondition::InternalServerError;
        assert_eq!(with.after_error(&ejabberd), None);
    }

    #[test]
    fn items_retract_purge_delete() {
        let r = Notification::read_message(&message(&format!(
            "{ITEMS}<item id='current'><status xmlns='http://jabber.org/protocol/status'><text>Away</text></status></item></items>"
        )))
        .unwrap();
        assert!(r.deviations.is_empty());
        let n = r.value.as_ref().unwrap();
        assert_eq!(n.source, Source::Event);
        assert_eq!(n.updates[0].item_id.as_deref(), Some("current"));
        assert_eq!(states(&r), [State::Text(UserStatus::new("Away"))]);

        let r = Notification::read_message(&message(&format!(
            "{ITEMS}<retract id='current'/></items>"
        )))
        .unwrap();
        assert_eq!(states(&r), [State::NoStatus(NoStatus::Retracted)]);
        let r = Notification::read_message(&message(
            "<purge node='http://jabber.org/protocol/status'/>",
        ))
        .unwrap();
        assert_eq!(states(&r), [State::NoStatus(NoStatus::Purged)]);
        let r = Notification::read_message(&message(
            "<delete node='http://jabber.org/protocol/status'><redirect uri='xmpp:x'/></delete>",
        ))
        .unwrap();
        assert_eq!(states(&r), [State::NoStatus(NoStatus::Deleted)]);
        // Other nodes are not ours.
        let r =
            Notification::read_message(&message("<purge node='urn:xmpp:avatar:data'/>")).unwrap();
        assert_eq!(r.value, None);
        let r = Notification::read_message(&message(
            "<items node='http://jabber.org/protocol/tune'><item id='x'><tune xmlns='http://jabber.org/protocol/tune'/></item></items>",
        ))
        .unwrap();
        assert_eq!(r, Reading::clean(None));
    }

    #[test]
    fn a_status_on_another_node_is_reported_with_its_node() {
        let r = Notification::read_message(&message(
            "<items node='urn:evil'><item id='1'><status xmlns='http://jabber.org/protocol/status'><text>Hi</text></status></item></items>",
        ))
        .unwrap();
        assert_eq!(r.value.unwrap().updates[0].node, "urn:evil");
    }

    #[test]
    fn deviations_have_paths_under_the_stanza() {
        let m = elem(&format!(
            "<message xmlns='jabber:client' from='juliet@capulet.lit'><delay xmlns='urn:xmpp:delay' stamp='yesterday'/><event xmlns='http://jabber.org/protocol/pubsub#event'>{ITEMS}<item id='a'/><item id='b' publisher='@@'><status xmlns='http://jabber.org/protocol/status'><text xml:lang='en_GB'>Tea</text></status></item><item id='c'><tune xmlns='http://jabber.org/protocol/tune'/></item></items></event></message>"
        ));
        let r = Notification::read_message(&m).unwrap();
        let found: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "/message[1]/delay[1]/@stamp: delay stamp \"yesterday\" is not a date-time; ignored [dropped]",
                "/message[1]/event[1]/items[1]/item[1]: item without payload (the node does not deliver payloads); fetch it [dropped]",
                "/message[1]/event[1]/items[1]/item[2]/@publisher: publisher \"@@\" is not a JID; ignored [note]",
                "/message[1]/event[1]/items[1]/item[2]/status[1]/text[1]/@xml:lang: \"en_GB\" is not a BCP 47 tag; read as en-GB [should]",
                "/message[1]/event[1]/items[1]/item[3]/tune[1]: {http://jabber.org/protocol/tune}tune is not a user status payload; item ignored [dropped]",
            ]
        );
        assert_eq!(r.value.unwrap().updates.len(), 1);
    }

    #[test]
    fn delay_and_missing_from() {
        let m = elem(&format!(
            "<message xmlns='jabber:client'><delay xmlns='urn:xmpp:delay' stamp='2026-11-30T08:00:00.123+01:00'/><event xmlns='http://jabber.org/protocol/pubsub#event'>{ITEMS}<item id='current'><status xmlns='http://jabber.org/protocol/status'/></item></items></event></message>"
        ));
        let n = Notification::read_message(&m).unwrap().value.unwrap();
        assert_eq!(
            n.delay.unwrap().to_rfc3339(),
            "2026-11-30T07:00:00.123+00:00"
        );
        let me: BareJid = "romeo@montague.net".parse().unwrap();
        let (who, state) = n.latest(&me).unwrap();
        assert_eq!(who, me);
        assert_eq!(state, &State::Cleared);
        assert_eq!(
            Notification::read_message(&elem("<message xmlns='jabber:client' from='a@b/c/@@@'/>"))
                .map(|_| ()),
            Ok(())
        );
        assert!(
            Notification::read_message(&elem("<message xmlns='jabber:client' from='@'/>")).is_err()
        );
        assert!(Notification::read_message(&elem("<presence xmlns='jabber:client'/>")).is_err());
    }

    #[test]
    fn items_results() {
        let iq = |inner: &str| {
            elem(&format!(
                "<iq xmlns='jabber:client' type='result' id='i1' from='juliet@capulet.lit'><pubsub xmlns='http://jabber.org/protocol/pubsub'>{inner}</pubsub></iq>"
            ))
        };
        let r = Notification::read_items_result(&iq(&format!(
            "{ITEMS}<item id='old'><status xmlns='http://jabber.org/protocol/status'><text>Old</text></status></item><item id='new'><status xmlns='http://jabber.org/protocol/status'><text>New</text></status></item></items>"
        )))
        .unwrap();
        assert_eq!(r.deviations[0].code, "several-items");
        let n = r.value.unwrap();
        assert_eq!(n.source, Source::ItemsResult);
        assert_eq!(n.id.as_deref(), Some("i1"));
        let me: BareJid = "romeo@montague.net".parse().unwrap();
        assert_eq!(
            n.latest(&me).unwrap().1,
            &State::Text(UserStatus::new("New"))
        );
        let r = Notification::read_items_result(&iq(&format!("{ITEMS}</items>"))).unwrap();
        assert_eq!(states(&r), [State::NoStatus(NoStatus::NotPublished)]);
        let not_found = elem(
            "<iq xmlns='jabber:client' type='error' id='i2' from='juliet@capulet.lit'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/status'/></pubsub><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
        );
        let r = Notification::read_items_result(&not_found).unwrap();
        assert_eq!(states(&r), [State::NoStatus(NoStatus::NotPublished)]);
        let other = iq("<items node='urn:xmpp:avatar:data'/>");
        assert_eq!(Notification::read_items_result(&other).unwrap().value, None);
    }
}

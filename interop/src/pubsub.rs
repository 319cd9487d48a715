//! XEP-0060 requests the tests make besides the crates' own builders (subscribe,
//! fetch items, read a node's configuration), and reading what comes back.

use jid::Jid;
use minidom::Element;
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::message::Message;
use xmpp_parsers::pubsub::event::{Event, Payload};
use xmpp_parsers::pubsub::pubsub::{Items, Subscribe};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSub};
use xmpp_parsers::stanza_error::DefinedCondition;

use crate::client::{Session, describe};
use crate::runner::Failure;

/// An item as stored or delivered: its id and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    /// The item id.
    pub id: Option<String>,
    /// The payload.
    pub payload: Option<Element>,
}

/// Subscribes `session`'s bare JID to `node` at `service` (a pubsub service, or for
/// a PEP node the owner's bare JID).
pub async fn subscribe(session: &mut Session, service: &str, node: &str) -> Result<(), Failure> {
    let jid = Jid::from(session.jid().to_bare());
    let request = PubSub::Subscribe {
        subscribe: Some(Subscribe {
            jid,
            node: Some(NodeName(node.to_owned())),
        }),
        options: None,
    };
    session
        .set(Some(service), request)
        .await
        .map(drop)
        .map_err(|f| f.context(format!("subscribe to {service} node {node}")))
}

/// Sends a create request built by a crate; a node that already exists (an earlier
/// case made it) is fine.
pub async fn create(
    session: &mut Session,
    service: Option<&str>,
    request: PubSub,
) -> Result<(), Failure> {
    let what = format!("create node at {}", service.unwrap_or("own account"));
    match session
        .request(service, tokio_xmpp::IqRequest::Set(request.into()))
        .await?
    {
        Ok(_) => Ok(()),
        Err(e) if e.defined_condition == DefinedCondition::Conflict => Ok(()),
        Err(e) => Err(Failure::new(format!("{what}: {}", describe(&e)))),
    }
}

/// The items of `node` at `service`, oldest first as the service returns them.
pub async fn items(
    session: &mut Session,
    service: &str,
    node: &str,
) -> Result<Vec<StoredItem>, Failure> {
    let result = session
        .get(Some(service), PubSub::Items(Items::new(node)))
        .await
        .map_err(|f| f.context(format!("items of {service} node {node}")))?
        .ok_or_else(|| Failure::new(format!("items of {service} node {node}: empty result")))?;
    match PubSub::try_from(result) {
        Ok(PubSub::Items(items)) => Ok(items
            .items
            .into_iter()
            .map(|i| StoredItem {
                id: i.id.map(|ItemId(id)| id),
                payload: i.payload,
            })
            .collect()),
        Ok(other) => Err(Failure::new(format!(
            "items of {node}: unexpected answer {other:?}"
        ))),
        Err(e) => Err(Failure::new(format!("items of {node}: {e}"))),
    }
}

/// The configuration form of `node` at `service` (owner request).
pub async fn node_config(
    session: &mut Session,
    service: &str,
    node: &str,
) -> Result<DataForm, Failure> {
    let request: Element = format!(
        "<pubsub xmlns='{}'><configure node='{node}'/></pubsub>",
        xmpp_parsers::ns::PUBSUB_OWNER
    )
    .parse()
    .map_err(|e| Failure::new(format!("configure request: {e}")))?;
    let result = session
        .get(Some(service), request)
        .await
        .map_err(|f| f.context(format!("configuration of {service} node {node}")))?
        .ok_or_else(|| Failure::new("configuration: empty result"))?;
    let form = result
        .get_child("configure", xmpp_parsers::ns::PUBSUB_OWNER)
        .and_then(|c| c.get_child("x", xmpp_parsers::ns::DATA_FORMS))
        .ok_or_else(|| Failure::new("configuration: no form"))?;
    DataForm::try_from(form.clone()).map_err(|e| Failure::new(format!("configuration form: {e}")))
}

/// The single value of `var` in a form.
pub fn form_value<'a>(form: &'a DataForm, var: &str) -> Option<&'a str> {
    form.fields
        .iter()
        .find(|f| f.var.as_deref() == Some(var))
        .and_then(|f| f.values.first())
        .map(String::as_str)
}

/// The items published to `node` in a pubsub event message from `service`, if the
/// message is one.
pub fn event_items(message: &Message, service: &str, node: &str) -> Option<Vec<StoredItem>> {
    if message.from.as_ref().map(Jid::to_string).as_deref() != Some(service) {
        return None;
    }
    message.payloads.iter().find_map(|p| {
        let event = Event::try_from(p.clone()).ok()?;
        match event.payload {
            Payload::Items {
                node: NodeName(n),
                published,
                ..
            } if n == node && !published.is_empty() => Some(
                published
                    .into_iter()
                    .map(|i| StoredItem {
                        id: i.id.map(|ItemId(id)| id),
                        payload: i.payload,
                    })
                    .collect(),
            ),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    #[test]
    fn event_items_picks_the_node_and_sender() {
        let m = message(
            "<message xmlns='jabber:client' from='home.test' to='alice@home.test/r'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:sos:0'><item id='2026-11-22T10:00:00Z'>\
             <outage xmlns='urn:xmpp:sos:0'/></item></items></event></message>",
        );
        let items = event_items(&m, "home.test", "urn:xmpp:sos:0").unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].id.as_deref(), Some("2026-11-22T10:00:00Z"));
        assert!(
            items[0]
                .payload
                .as_ref()
                .unwrap()
                .is("outage", "urn:xmpp:sos:0")
        );
        assert!(event_items(&m, "pubsub.home.test", "urn:xmpp:sos:0").is_none());
        assert!(event_items(&m, "home.test", "urn:xmpp:tmp:sos").is_none());
        let chat =
            message("<message xmlns='jabber:client' from='home.test'><body>hi</body></message>");
        assert!(event_items(&chat, "home.test", "urn:xmpp:sos:0").is_none());
    }

    #[test]
    fn form_value_reads_one_field() {
        let form = DataForm::try_from(
            "<x xmlns='jabber:x:data' type='form'>\
             <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>\
             <field var='pubsub#max_items'><value>1</value></field></x>"
                .parse::<Element>()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(form_value(&form, "pubsub#max_items"), Some("1"));
        assert_eq!(form_value(&form, "pubsub#access_model"), None);
    }
}

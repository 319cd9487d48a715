//! The User Status kind of `xep inspect` (crate `xep-user-status`): `user-status`.
//!
//! The `<status xmlns='http://jabber.org/protocol/status'/>` payload is read wherever it
//! sits (pubsub events, items results, publish requests, bare) with its `state`
//! (`set` or `cleared`), its `texts` per language and its `extensions`, and written back
//! from the typed value. Around it, the stanza adds the `source` (`event`,
//! `items-result`, `publish`), the `publisher` (the stanza's `from`; `null` with
//! `publisher_is_account` when it has none), the `item_id`, the `node`, and whether a
//! client would accept it (`provenance`: `ok`, `full-jid` or `wrong-node`).
//! Retractions, purges, node deletions and empty items results have no payload and
//! are findings of their own, with `state` `retracted`, `purged`, `deleted` or
//! `not-published`.

use std::collections::HashMap;

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_core::reading::Reading;
use xep_core::tree::{ElementView, TreeElement};
use xep_user_status::UserStatus;
use xep_user_status::pep::{NODE, Notification};

use crate::inspect::Fields;
use crate::registry::{
    ContextFinding, ContextKind, ElementFinding, ElementKind, Registry, TextFinding,
};

/// Adds the kinds of this module to a registry.
pub fn register(registry: &mut Registry) {
    registry.element_kinds.push(USER_STATUS);
    registry.context_kinds.push(USER_STATUS_CONTEXT);
}

/// The `<status/>` payload, read leniently and written back from the typed value.
pub const USER_STATUS: ElementKind = ElementKind {
    kind: "user-status",
    namespace: xep_user_status::ns::USER_STATUS,
    name: "status",
    read_text: None,
    read_tree: Some(read_payload_tree),
    read: read_payload,
};

/// The stanza around it: publisher, item id, and the events without payload.
pub const USER_STATUS_CONTEXT: ContextKind = ContextKind {
    kind: "user-status",
    wants: names_user_status,
    read: read_context,
    read_tree: Some(read_context_tree),
};

/// A stanza that names the user-status node or holds a `<status/>` of ours: every
/// finding of [`read_context`] is about one or the other.
fn names_user_status(stanza: TreeElement<'_>) -> bool {
    stanza
        .descendants()
        .any(|e| e.attr("node") == Some(NODE) || e.is("status", xep_user_status::ns::USER_STATUS))
}

fn read_payload(element: &Element) -> Result<ElementFinding, String> {
    let reading = UserStatus::read(element).map_err(|e| e.to_string())?;
    let (fields, deviations) = payload_fields(&reading);
    let Ok(Value::Object(fields)) = serde_json::to_value(&fields) else {
        unreachable!("the fields are an object")
    };
    Ok(ElementFinding {
        fields,
        deviations,
        written: Element::from(&reading.value),
    })
}

/// [`read_payload`] from the compact tree: no minidom tree of the payload.
fn read_payload_tree(element: TreeElement<'_>, write: bool) -> Result<TextFinding, String> {
    let reading = UserStatus::read_tree(element).map_err(|e| e.to_string())?;
    let (fields, deviations) = payload_fields(&reading);
    Ok(TextFinding {
        fields: Fields::serialize(&fields),
        deviations,
        written: if write {
            reading.value.to_xml()
        } else {
            String::new()
        },
    })
}

fn payload_fields(reading: &Reading<UserStatus>) -> (PayloadFields<'_>, Vec<String>) {
    let status = &reading.value;
    let extensions: Vec<String> = status
        .extensions
        .iter()
        .map(|e| format!("{{{}}}{}", e.ns(), e.name()))
        .collect();
    let (deviations, notes): (Vec<_>, Vec<_>) = reading
        .deviations
        .iter()
        .partition(|d| d.severity.fails_strict());
    let state = if status.is_cleared() {
        "cleared"
    } else {
        "set"
    };
    let fields = PayloadFields {
        state,
        texts: Texts(&status.texts),
        extensions,
        notes: (!notes.is_empty()).then(|| notes.iter().map(ToString::to_string).collect()),
    };
    (fields, deviations.iter().map(ToString::to_string).collect())
}

/// The fields of a `<status/>` finding, serialised straight to text (a tree of JSON
/// values of 2,000 texts would be some four times their text).
#[derive(serde::Serialize)]
struct PayloadFields<'a> {
    state: &'static str,
    texts: Texts<'a>,
    extensions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<String>>,
}

/// The texts by language tag, `default` for the untagged one.
struct Texts<'a>(&'a xep_core::lang::LangMap);

impl serde::Serialize for Texts<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (lang, text) in self.0.iter() {
            match lang {
                Some(lang) => map.serialize_entry(&lang.to_string(), text)?,
                None => map.serialize_entry("default", text)?,
            }
        }
        map.end()
    }
}

/// The children of `parent` with their paths in the walk's format.
fn children<'a, E: ElementView<'a>>(parent: E, path: &str) -> Vec<(E, String)> {
    // Counted once (a list search per child would be quadratic in a pubsub event of
    // many items).
    let all: Vec<E> = parent.children().collect();
    let mut totals: HashMap<&str, usize> = HashMap::new();
    for child in &all {
        *totals.entry(child.name()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    all.iter()
        .map(|child| {
            let name = child.name();
            let total = totals[name];
            let n = seen.entry(name).or_default();
            *n += 1;
            let n = *n;
            let p = if total > 1 {
                format!("{path}/{name}[{n}]")
            } else {
                format!("{path}/{name}")
            };
            (*child, p)
        })
        .collect()
}

fn is_status<'a>(e: impl ElementView<'a>) -> bool {
    e.is("status", xep_user_status::ns::USER_STATUS)
}

/// What the stanza says about whoever published.
struct Stanza {
    base: Map<String, Value>,
    full_jid: bool,
}

impl Stanza {
    fn new<'a>(stanza: impl ElementView<'a>, source: &str) -> Self {
        let from = stanza.attr("from");
        let mut base = Map::new();
        base.insert("source".into(), source.into());
        base.insert("publisher".into(), json!(from));
        if from.is_none() {
            base.insert("publisher_is_account".into(), true.into());
        }
        let full_jid = from
            .and_then(|f| f.parse::<xmpp_parsers::jid::Jid>().ok())
            .is_some_and(|j| j.resource().is_some());
        Self { base, full_jid }
    }

    fn fields(&self, node: &str, item_id: Option<&str>) -> Map<String, Value> {
        let mut fields = self.base.clone();
        fields.insert("node".into(), node.into());
        if let Some(id) = item_id {
            fields.insert("item_id".into(), id.into());
        }
        let provenance = if self.full_jid {
            "full-jid"
        } else if node != NODE {
            "wrong-node"
        } else {
            "ok"
        };
        fields.insert("provenance".into(), provenance.into());
        fields
    }
}

/// `fields` after a `state`, which comes first as in a payload's finding.
fn with_state(fields: Map<String, Value>, state: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("state".into(), state.into());
    out.extend(fields);
    out
}

fn read_context(stanza: &Element) -> Vec<ContextFinding> {
    read_context_view(stanza)
}

/// [`read_context`] from the compact tree: no minidom tree of the stanza.
fn read_context_tree(stanza: TreeElement<'_>) -> Vec<ContextFinding> {
    read_context_view(stanza)
}

fn read_context_view<'a, E: ElementView<'a>>(stanza: E) -> Vec<ContextFinding> {
    let root = format!("/{}", stanza.name());
    let mut out = Vec::new();
    match stanza.name() {
        "message" => {
            let mut who = Stanza::new(stanza, "event");
            // Notification-level deviations (payload ones come with the payload).
            let reading = Notification::read_message_view(stanza).ok();
            if let Some(delay) = reading.as_ref().and_then(|r| r.value.as_ref()?.delay) {
                who.base.insert("delay".into(), delay.to_rfc3339().into());
            }
            for (event, path) in children(stanza, &root) {
                if !event.is("event", xep_core::ns::PUBSUB_EVENT) {
                    continue;
                }
                for (container, path) in children(event, &path) {
                    read_container(container, &path, &who, &mut out);
                }
            }
            if let (Some(first), Some(reading)) = (out.first_mut(), reading) {
                first.deviations.extend(
                    reading
                        .deviations
                        .iter()
                        .filter(|d| d.severity.fails_strict())
                        .filter(|d| !d.path.as_str().contains("/status["))
                        .map(ToString::to_string),
                );
            }
        }
        "iq" => {
            for (pubsub, path) in children(stanza, &root) {
                if !pubsub.is("pubsub", xep_core::ns::PUBSUB) {
                    continue;
                }
                for (request, path) in children(pubsub, &path) {
                    let source = match (stanza.attr("type"), request.name()) {
                        (Some("result"), "items") => "items-result",
                        (Some("set"), "publish") => "publish",
                        (Some("set"), "retract") => "retract",
                        _ => continue,
                    };
                    let who = Stanza::new(stanza, source);
                    read_container(request, &path, &who, &mut out);
                }
            }
        }
        _ => {}
    }
    out
}

/// An event's `<items/>`, `<purge/>` or `<delete/>`, or a request's or result's
/// `<items/>`, `<publish/>` or `<retract/>`.
fn read_container<'a, E: ElementView<'a>>(
    container: E,
    path: &str,
    who: &Stanza,
    out: &mut Vec<ContextFinding>,
) {
    let node = container.attr("node").unwrap_or_default();
    let own = |fields| ContextFinding {
        path: path.to_owned(),
        fields,
        deviations: Vec::new(),
    };
    match container.name() {
        "purge" if node == NODE => out.push(own(with_state(who.fields(node, None), "purged"))),
        "delete" if node == NODE => out.push(own(with_state(who.fields(node, None), "deleted"))),
        "items" | "publish" | "retract" => {
            let items = children(container, path);
            let carries = items.iter().any(|(item, _)| item.children().any(is_status));
            if node != NODE && !carries {
                return;
            }
            if container.name() == "items" && items.is_empty() && who.base["source"] != "event" {
                out.push(own(with_state(who.fields(node, None), "not-published")));
            }
            for (item, item_path) in items {
                let id = item.attr("id");
                let retracted = item.name() == "retract"
                    || (container.name() == "retract" && item.name() == "item");
                if retracted {
                    out.push(ContextFinding {
                        path: item_path,
                        fields: with_state(who.fields(node, id), "retracted"),
                        deviations: Vec::new(),
                    });
                    continue;
                }
                for (payload, payload_path) in children(item, &item_path) {
                    if !is_status(payload) {
                        continue;
                    }
                    let mut fields = who.fields(node, id);
                    if let Some(p) = item.attr("publisher") {
                        fields.insert("item_publisher".into(), p.into());
                    }
                    out.push(ContextFinding {
                        path: payload_path,
                        fields,
                        deviations: Vec::new(),
                    });
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::inspect;
    use xep_core::xml::Limits;

    fn findings(xml: &str) -> Vec<Value> {
        let registry = Registry::default();
        let inspection = inspect(xml.as_bytes(), &registry, &Limits::default()).unwrap();
        inspection
            .findings
            .iter()
            .filter(|f| f.kind == "user-status")
            .map(|f| {
                let mut v = f.to_json(None);
                v["deviations"] = json!(f.deviations);
                v
            })
            .collect()
    }

    #[test]
    fn notification_with_publisher_and_item_id() {
        let found = findings(
            "<message from='juliet@capulet.lit' to='romeo@montague.net'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='http://jabber.org/protocol/status'><item id='current'><status xmlns='http://jabber.org/protocol/status'><text>Away!</text><text xml:lang='de'>Weg</text></status></item></items></event></message>",
        );
        assert_eq!(
            found,
            [json!({
                "kind": "user-status", "item": 1,
                "path": "/message/event/items/item/status",
                "state": "set", "texts": {"default": "Away!", "de": "Weg"}, "extensions": [],
                "source": "event", "publisher": "juliet@capulet.lit",
                "node": "http://jabber.org/protocol/status", "item_id": "current",
                "provenance": "ok", "deviations": [],
            })]
        );
    }

    #[test]
    fn retract_purge_and_delete_stay_visible() {
        let found = findings(
            "<message from='juliet@capulet.lit/balcony'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='http://jabber.org/protocol/status'><retract id='current'/></items></event></message>\n\
             <message from='juliet@capulet.lit'><event xmlns='http://jabber.org/protocol/pubsub#event'><purge node='http://jabber.org/protocol/status'/></event></message>\n\
             <message><event xmlns='http://jabber.org/protocol/pubsub#event'><delete node='http://jabber.org/protocol/status'/></event></message>",
        );
        let states: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|f| {
                (
                    f["state"].as_str().unwrap(),
                    f["path"].as_str().unwrap(),
                    f["provenance"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("retracted", "/message/event/items/retract", "full-jid"),
                ("purged", "/message/event/purge", "ok"),
                ("deleted", "/message/event/delete", "ok"),
            ]
        );
        assert_eq!(found[2]["publisher_is_account"], true);
    }

    #[test]
    fn cleared_forms_and_their_notes() {
        let found = findings(
            "<status xmlns='http://jabber.org/protocol/status'/>\n<status xmlns='http://jabber.org/protocol/status'><text></text></status>",
        );
        assert_eq!(found[0]["state"], "cleared");
        assert_eq!(found[1]["state"], "cleared");
        assert_eq!(found[1]["deviations"], json!([]));
        assert_eq!(
            found[1]["notes"],
            json!([
                "/status[1]/text[1]: empty or white-space-only <text/>, read as cleared [note]"
            ])
        );
    }

    #[test]
    fn items_results_publish_and_retract_requests() {
        let found = findings(
            "<iq type='result' id='1' from='juliet@capulet.lit'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/status'/></pubsub></iq>\n\
             <iq type='set' id='2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='http://jabber.org/protocol/status'><item><status xmlns='http://jabber.org/protocol/status'/></item></publish></pubsub></iq>\n\
             <iq type='set' id='3'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='http://jabber.org/protocol/status'><item id='current'/></retract></pubsub></iq>",
        );
        let summary: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f["source"].as_str().unwrap(), f["state"].as_str().unwrap()))
            .collect();
        assert_eq!(
            summary,
            [
                ("items-result", "not-published"),
                ("publish", "cleared"),
                ("retract", "retracted")
            ]
        );
    }

    #[test]
    fn wrong_node_and_deviations_are_reported() {
        let found = findings(
            "<message from='mallory@evil.example'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:evil'><item id='x'><status xmlns='http://jabber.org/protocol/status'><text xml:lang='en_US'>Hi</text></status></item></items></event></message>",
        );
        assert_eq!(found[0]["provenance"], "wrong-node");
        assert_eq!(
            found[0]["deviations"],
            json!([
                "/status[1]/text[1]/@xml:lang: \"en_US\" is not a BCP 47 tag; read as en-US [should]"
            ])
        );
    }

    #[test]
    fn wire_writes_the_payload_back() {
        let registry = Registry::default();
        let input = "<message from='juliet@capulet.lit'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='http://jabber.org/protocol/status'><item id='current'><status xmlns='http://jabber.org/protocol/status'>\n  <text/>\n</status></item></items></event></message>";
        let inspection = inspect(input.as_bytes(), &registry, &Limits::default()).unwrap();
        // The cleared status is the empty <status/>: the white space and the empty
        // <text/> are gone (xso writes an empty element as a start and an end tag).
        assert!(
            inspection.wire.contains(
                "<item id='current'><status xmlns='http://jabber.org/protocol/status'></status></item>"
            ),
            "{}",
            inspection.wire
        );
        // Reading what was written reports the same state.
        let again = inspect(inspection.wire.as_bytes(), &registry, &Limits::default()).unwrap();
        assert_eq!(again.findings[0].fields.get("state").unwrap(), "cleared");
    }
}

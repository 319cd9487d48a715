//! The XEP-0485 kinds of `xep inspect`: `serverinfo` (the payload) and
//! `serverinfo-discovery` (the node coordinates in the XEP-0157 form).

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_core::forms::TypedForm;
use xep_serverinfo::ServerInfo;
use xep_serverinfo::discovery::{Discovery, FormLayout, NodeForm, Plan};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::inspect::Fields;
use crate::registry::{
    ElementFinding, ElementKind, FormContext, FormFinding, FormKind, TextFinding,
};

/// `<serverinfo xmlns='urn:xmpp:serverinfo:0'/>`, read leniently (pre-draft layout
/// included) and written back from the typed value.
pub const SERVERINFO: ElementKind = ElementKind {
    kind: "serverinfo",
    namespace: xep_core::ns::SERVERINFO,
    name: "serverinfo",
    read: read_serverinfo,
    read_text: Some(read_serverinfo_text),
    read_tree: None,
};

/// A `<serverinfo/>` inside a stanza, read from its text as a top-level one is read
/// from its bytes (without a minidom tree), and written back as text when `write`
/// asks: `None` where that reading fails, for the walk to read the element (and
/// report its error) instead.
fn read_serverinfo_text(text: &str, write: bool) -> Option<TextFinding> {
    if write {
        let found = read_serverinfo_bytes(text.as_bytes()).ok()?;
        return Some(TextFinding {
            fields: found.fields,
            deviations: found.deviations,
            written: found.written,
        });
    }
    let reading = ServerInfo::read_bytes(text.as_bytes()).ok()?;
    Some(TextFinding {
        fields: Fields::serialize(&View(&reading.value)),
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
        written: String::new(),
    })
}

/// XEP-0485's fields of the `http://jabber.org/network/serverinfo` form, with the
/// disco features beside them: where the data lives, or why it cannot be fetched.
pub const SERVERINFO_DISCOVERY: FormKind = FormKind {
    kind: "serverinfo-discovery",
    form_types: &[xep_core::ns::SERVERINFO_FORM],
    read: read_discovery,
};

fn names(extensions: &[Element]) -> Vec<String> {
    extensions
        .iter()
        .map(|e| format!("{{{}}}{}", e.ns(), e.name()))
        .collect()
}

fn read_serverinfo(element: &Element) -> Result<ElementFinding, String> {
    let reading = ServerInfo::read(element).map_err(|e| e.to_string())?;
    Ok(ElementFinding {
        fields: fields(&reading.value),
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
        written: Element::from(&reading.value),
    })
}

/// The `serverinfo` kind read from the bytes of a top-level `<serverinfo/>`, without a
/// tree of the input or of what is written back (issue 9: a tree of a 150,000-peer
/// item is some fifty times its text): the typed fields, the deviations, and the
/// payload written back (empty elements as start and end tags).
pub fn read_serverinfo_bytes(bytes: &[u8]) -> Result<BytesFinding, String> {
    let reading = ServerInfo::read_bytes(bytes).map_err(|e| e.to_string())?;
    let written = xso::to_vec(&reading.value).map_err(|e| e.to_string())?;
    let written = String::from_utf8(written).map_err(|e| e.to_string())?;
    Ok(BytesFinding {
        fields: Fields::serialize(&View(&reading.value)),
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
        written,
    })
}

/// The JSON fields of a payload serialised straight from the typed value: the same
/// object [`fields`] builds as a tree, without the tree (some ten times the payload's
/// text for a payload with many peers).
struct View<'a>(&'a ServerInfo);

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("domains", &Seq(&self.0.domains))?;
        map.serialize_entry("extensions", &Names(&self.0.extensions))?;
        map.end()
    }
}

/// A list serialised as the JSON array [`fields`] builds for it.
struct Seq<'a, T>(&'a [T]);

impl Serialize for Seq<'_, xep_serverinfo::Domain> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(DomainFields))
    }
}

impl Serialize for Seq<'_, xep_serverinfo::RemoteDomain> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(RemoteFields))
    }
}

impl Serialize for Seq<'_, xep_serverinfo::Connection> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(xep_serverinfo::Connection::type_value))
    }
}

/// Extension elements as `{namespace}name`.
struct Names<'a>(&'a [Element]);

impl Serialize for Names<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|e| format!("{{{}}}{}", e.ns(), e.name())))
    }
}

struct DomainFields<'a>(&'a xep_serverinfo::Domain);

impl Serialize for DomainFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("name", &d.name.as_deref())?;
        map.serialize_entry("federation", &d.federation.is_some())?;
        map.serialize_entry("remote_domains", &Seq(d.remote_domains()))?;
        map.serialize_entry("extensions", &Names(&d.extensions))?;
        map.end()
    }
}

struct RemoteFields<'a>(&'a xep_serverinfo::RemoteDomain);

impl Serialize for RemoteFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("name", &r.name.as_deref())?;
        map.serialize_entry("connections", &Seq(&r.connections))?;
        map.end()
    }
}

/// What [`read_serverinfo_bytes`] made of a payload's bytes.
#[derive(Debug)]
pub struct BytesFinding {
    /// Typed fields for the JSON output.
    pub fields: Fields,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The payload written back from the typed value.
    pub written: String,
}

fn fields(info: &ServerInfo) -> Map<String, Value> {
    let domains: Vec<Value> = info
        .domains
        .iter()
        .map(|domain| {
            let remotes: Vec<Value> = domain
                .remote_domains()
                .iter()
                .map(|r| {
                    let connections: Vec<Value> = r
                        .connections
                        .iter()
                        .map(|c| json!(c.type_value()))
                        .collect();
                    json!({ "name": r.name.as_deref(), "connections": connections })
                })
                .collect();
            json!({
                "name": domain.name.as_deref(),
                "federation": domain.federation.is_some(),
                "remote_domains": remotes,
                "extensions": names(&domain.extensions),
            })
        })
        .collect();
    let mut fields = Map::new();
    fields.insert("domains".into(), Value::Array(domains));
    fields.insert("extensions".into(), json!(names(&info.extensions)));
    fields
}

fn read_discovery(cx: &FormContext<'_>) -> Option<Result<FormFinding, String>> {
    let features: Vec<String> = cx
        .features
        .iter()
        .map(|f| xep_core::disco::collapse(f))
        .collect();
    let discovery = Discovery::from_parts(&features, cx.forms);
    if discovery.node.is_none() && !discovery.opted_in {
        return None;
    }
    let plan = match discovery.plan() {
        Plan::Fetch(at) => json!({
            "action": "fetch", "service": at.service.to_string(), "node": at.node,
        }),
        Plan::FindPubSubService { node } => json!({
            "action": "find-pubsub-service", "node": node,
        }),
        Plan::Unavailable(why) => json!({ "action": "unavailable", "reason": why.to_string() }),
    };
    let mut fields = Map::new();
    fields.insert("opted_in".into(), json!(discovery.opted_in));
    fields.insert("plan".into(), plan);
    let node = discovery.node.as_ref();
    fields.insert(
        "layout".into(),
        json!(node.map(|n| match n.layout {
            FormLayout::V1 => "1.0.0",
            FormLayout::Seed => "seed",
        })),
    );
    fields.insert(
        "coordinates".into(),
        json!(
            node.map(|n| n
                .coordinates
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>())
                .unwrap_or_default()
        ),
    );
    // `Discovery` read the merged form once for both specs. Form-level deviations
    // (several forms, FORM_TYPE not hidden) concern the whole FORM_TYPE and are
    // reported once, by the contact-addresses kind that always reads the same forms;
    // this kind reports its own fields' deviations.
    let vars: Vec<&str> = NodeForm::FIELDS.iter().map(|f| f.var).collect();
    let own = |d: &&xep_core::Deviation| crate::registry::about_fields(d, &vars);
    Some(Ok(FormFinding {
        fields,
        deviations: discovery
            .deviations
            .iter()
            .filter(own)
            .map(ToString::to_string)
            .collect(),
        written: node.map(TypedForm::write).unwrap_or_default(),
        owned: NodeForm::FIELDS.iter().map(|f| f.var).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::inspect;
    use crate::registry::Registry;
    use xep_core::xml::Limits;

    const PAYLOAD: &str = "<serverinfo xmlns='urn:xmpp:serverinfo:0'>\
        <domain name='a.example'><federation>\
        <remote-domain name='b.example'><connection type='incoming'/><connection type='outgoing'/></remote-domain>\
        <remote-domain><connection type='bidi'/></remote-domain>\
        <remote-domain name='c.example'><connection/><connection type='odd \"value\"'/></remote-domain>\
        </federation><x xmlns='urn:example:ext'/></domain>\
        <domain name='d.example'/>\
        <extra xmlns='urn:example:top'/></serverinfo>";

    #[test]
    fn streamed_fields_are_the_tree_fields() {
        let info = ServerInfo::read_bytes(PAYLOAD.as_bytes()).unwrap().value;
        let streamed = Fields::serialize(&View(&info));
        assert_eq!(streamed, Fields::from(fields(&info)));
        let map = streamed.to_map();
        assert_eq!(map["domains"][0]["remote_domains"][1]["name"], Value::Null);
        assert_eq!(
            map["domains"][0]["remote_domains"][0]["connections"],
            json!(["incoming", "outgoing"])
        );
        assert_eq!(map["extensions"], json!(["{urn:example:top}extra"]));
    }

    #[test]
    fn written_json_is_the_json_value_text() {
        let capture = format!("<presence/>{PAYLOAD}<message/>");
        let inspection =
            inspect(capture.as_bytes(), &Registry::default(), &Limits::default()).unwrap();
        let finding = inspection
            .findings
            .iter()
            .find(|f| f.kind == "serverinfo")
            .unwrap();
        assert_eq!(finding.item, 2);
        for label in [None, Some("in \"quotes\".xml")] {
            let mut out = Vec::new();
            finding.write_json(label, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                finding.to_json(label).to_string()
            );
        }
        let bare = crate::inspect::Finding {
            fields: Fields::from(Map::new()),
            item: 0,
            ..finding.clone()
        };
        let mut out = Vec::new();
        bare.write_json(None, &mut out).unwrap();
        assert_eq!(out, br#"{"kind":"serverinfo","path":"/serverinfo"}"#);
    }
}

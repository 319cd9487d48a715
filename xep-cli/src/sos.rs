//! The Service Outage Status kinds of `xep inspect` (crate `xep-sos`):
//!
//! * `sos-discovery`: the `external-status-addresses` disco form, under
//!   `urn:xmpp:tmp:sos` (seed) or `urn:xmpp:sos:0` (XEP-0455);
//! * `sos-status`: a JSON status file (`{}` is "no outage");
//! * `sos-outage`, `sos-outage-end`: the in-band pubsub payloads (seed, v0.2).

use minidom::Element;
use serde_json::{Map, Value, json};

use crate::inspect::Fields;
use xep_core::forms::TypedForm;
use xep_core::reading::{Deviation, Path, Reading, Severity};
use xep_core::tree::TreeElement;
use xep_sos::disco::{SeedForm, Xep0455Form, is_http};
use xep_sos::items::OutageItem;
use xep_sos::{StatusFile, Version};

use crate::registry::{
    ElementFinding, ElementKind, FormContext, FormFinding, JsonFinding, JsonKind, Registry,
    TextFinding, form_finding,
};

/// Adds the kinds of this module to a registry.
pub fn register(registry: &mut Registry) {
    registry.form_kinds.push(SOS_DISCOVERY);
    registry.element_kinds.extend([
        SOS_OUTAGE_SEED,
        SOS_OUTAGE,
        SOS_OUTAGE_END_SEED,
        SOS_OUTAGE_END,
    ]);
    registry.json_kinds.push(SOS_STATUS);
}

/// The disco form holding the status file addresses.
pub const SOS_DISCOVERY: FormKind = FormKind {
    kind: "sos-discovery",
    form_types: &[xep_sos::ns::SOS_TMP, xep_sos::ns::SOS_0],
    read: read_discovery,
};

use crate::registry::FormKind;

fn read_discovery(cx: &FormContext<'_>) -> Option<Result<FormFinding, String>> {
    // The forms of one call share one FORM_TYPE: whichever of the two it is.
    let current = Xep0455Form::read(cx.forms);
    if let Some(value) = current.value {
        return Some(Ok(discovery_finding(
            Reading::new(value, current.deviations),
            xep_sos::ns::SOS_0,
        )));
    }
    let seed = SeedForm::read(cx.forms);
    let value = seed.value?;
    let mut found = discovery_finding(
        Reading::new(Xep0455Form(value.0), seed.deviations),
        xep_sos::ns::SOS_TMP,
    );
    // Written back under its own FORM_TYPE: same fields either way.
    found.owned = SeedForm::FIELDS.iter().map(|f| f.var).collect();
    Some(Ok(found))
}

fn discovery_finding(reading: Reading<Xep0455Form>, form_type: &str) -> FormFinding {
    let addresses = &reading.value.0.addresses;
    let fetchable: Vec<&str> = addresses
        .iter()
        .map(String::as_str)
        .filter(|a| is_http(a))
        .collect();
    let mut fields = Map::new();
    fields.insert("form_type".into(), form_type.into());
    fields.insert("addresses".into(), json!(addresses));
    fields.insert("fetchable".into(), json!(fetchable));
    let unusable = no_fetchable_address(addresses);
    let mut found = form_finding(reading, fields);
    found.deviations.extend(unusable.map(|d| d.to_string()));
    found
}

/// The deviation of a discovery form whose addresses include none a client can fetch
/// (none at all, or none `http:`/`https:`: "Links present inside the
/// 'external-status-addresses' field SHOULD use HTTP/HTTPS protocol", and the field is
/// "One or more addresses containing a file with the server status"). `xep inspect`
/// and `xep status validate` both report it, so that their `--strict` verdicts agree.
pub fn no_fetchable_address(addresses: &[String]) -> Option<Deviation> {
    (!addresses.iter().any(|a| is_http(a))).then(|| {
        Deviation::new(
            Severity::Should,
            "no-fetchable-address",
            Path::root().field(xep_sos::disco::FIELD_VAR),
            "no http: or https: address a client could fetch",
        )
    })
}

/// `<outage/>` in the seed namespace.
pub const SOS_OUTAGE_SEED: ElementKind = ElementKind {
    kind: "sos-outage",
    namespace: xep_sos::ns::SOS_TMP,
    name: "outage",
    read_text: None,
    read_tree: Some(read_item_tree),
    read: read_item,
};

/// `<outage/>` in XEP-0455's namespace.
pub const SOS_OUTAGE: ElementKind = ElementKind {
    kind: "sos-outage",
    namespace: xep_sos::ns::SOS_0,
    name: "outage",
    read_text: None,
    read_tree: Some(read_item_tree),
    read: read_item,
};

/// `<outage-end/>` in the seed namespace.
pub const SOS_OUTAGE_END_SEED: ElementKind = ElementKind {
    kind: "sos-outage-end",
    namespace: xep_sos::ns::SOS_TMP,
    name: "outage-end",
    read_text: None,
    read_tree: Some(read_item_tree),
    read: read_item,
};

/// `<outage-end/>` in XEP-0455's namespace.
pub const SOS_OUTAGE_END: ElementKind = ElementKind {
    kind: "sos-outage-end",
    namespace: xep_sos::ns::SOS_0,
    name: "outage-end",
    read_text: None,
    read_tree: Some(read_item_tree),
    read: read_item,
};

fn descriptions(map: &xep_core::lang::LangMap) -> Value {
    let mut out = Map::new();
    for (lang, text) in map.iter() {
        out.insert(
            lang.map_or_else(|| "default".to_owned(), ToString::to_string),
            text.into(),
        );
    }
    Value::Object(out)
}

fn read_item(element: &Element) -> Result<ElementFinding, String> {
    // Lenient: a broken description or value is left out and reported, the rest kept.
    let (fields, deviations, item) = item_finding(OutageItem::read(element))?;
    Ok(ElementFinding {
        fields,
        deviations,
        written: item.into(),
    })
}

/// [`read_item`] from the compact tree: no minidom tree of the payload, read or
/// written.
fn read_item_tree(element: TreeElement<'_>, write: bool) -> Result<TextFinding, String> {
    let (fields, deviations, item) = item_finding(OutageItem::read_tree(element))?;
    Ok(TextFinding {
        fields: Fields::serialize(&fields),
        deviations,
        written: if write {
            item.into_xml()
        } else {
            String::new()
        },
    })
}

type ItemFinding = (Map<String, Value>, Vec<String>, OutageItem);

fn item_finding(
    reading: Result<Reading<OutageItem>, xep_sos::Error>,
) -> Result<ItemFinding, String> {
    let reading = reading.map_err(|e| e.to_string())?;
    let deviations = reading.deviations.iter().map(ToString::to_string).collect();
    let item = reading.value;
    let mut fields = Map::new();
    fields.insert("version".into(), item.version().as_str().into());
    match &item {
        OutageItem::Outage(o) => {
            fields.insert("descriptions".into(), descriptions(&o.descriptions));
            fields.insert("planned".into(), json!(o.planned));
            fields.insert(
                "expected_end".into(),
                json!(o.expected_end.map(|t| t.to_string())),
            );
            fields.insert("extensions".into(), json!(o.extensions.len()));
        }
        OutageItem::End(e) => {
            fields.insert("descriptions".into(), descriptions(&e.descriptions));
            fields.insert("extensions".into(), json!(e.extensions.len()));
        }
    }
    Ok((fields, deviations, item))
}

/// A JSON status file.
pub const SOS_STATUS: JsonKind = JsonKind {
    kind: "sos-status",
    read: read_status,
};

/// The members a status file may have; a document with none of them (and not `{}`)
/// is not a status file.
const STATUS_KEYS: [&str; 5] = ["outage", "planned", "beginning", "expected_end", "message"];

fn read_status(text: &str, write: bool) -> Option<Result<JsonFinding, String>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The top-level keys alone (a tree of the whole document would be a second copy
    // of it, alive while the status file reader builds its own).
    let keys = if body.trim_start().starts_with('{') {
        Some(serde_json::from_str::<TopLevel>(body).ok()?.0)
    } else {
        None
    };
    // The status file is the one JSON document kind: a document that is not an
    // object (`null`, `[1]`, `"x"`) is read as one, so that the reader says what is
    // wrong with it. An object with none of its members is something else.
    if keys
        .as_ref()
        .is_some_and(|k| !k.is_empty() && !STATUS_KEYS.iter().any(|s| k.contains(*s)))
    {
        return None;
    }
    // With an `outage` member, read by the seed/v0.2 rules that define it.
    let version = if keys.is_some_and(|k| k.contains("outage")) {
        Version::V0_2
    } else {
        Version::V0_4
    };
    let reading = match StatusFile::read(text, version) {
        Ok(reading) => reading,
        Err(e) => return Some(Err(e.to_string())),
    };
    let status = match &reading.value {
        StatusFile::NoOutage => None,
        StatusFile::Outage(status) => Some(status),
    };
    let fields = Fields::serialize(&StatusFields {
        version_rules: version.as_str(),
        no_outage: status.is_none(),
        status,
        valid: xep_sos::status::fits_schema(&reading.deviations),
    });
    // Every departure from the spec, as `xep status validate` lists them.
    let deviations = reading.deviations.iter().map(ToString::to_string).collect();
    Some(Ok(JsonFinding {
        fields,
        deviations,
        written: if write {
            reading.value.to_json_pretty()
        } else {
            String::new()
        },
    }))
}

/// The fields of a status file finding, in this order.
#[derive(serde::Serialize)]
struct StatusFields<'a> {
    version_rules: &'static str,
    no_outage: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a xep_sos::status::Status>,
    valid: bool,
}

/// The names of a JSON object's members; their values are skipped.
struct TopLevel(std::collections::HashSet<String>);

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TopLevel, A::Error> {
                let mut keys = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.insert(key);
                }
                Ok(TopLevel(keys))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

//! The Presence State Annotations kind of `xep inspect` (crate `xep-psa`):
//!
//! * `psa-annotation`: a `<state-annotation xmlns='urn:xmpp:psa'/>` (XEP-0310), with
//!   its condition (`null` when cleared), annotating entity, descriptions by
//!   language, and the `from` and `to` of the presence that carries it.

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_psa::StateAnnotation;

use crate::registry::{ChildKind, ElementFinding, Registry};

/// Adds the kinds of this module to a registry.
pub fn register(registry: &mut Registry) {
    registry.child_kinds.push(PSA_ANNOTATION);
}

/// `<state-annotation xmlns='urn:xmpp:psa'/>`.
pub const PSA_ANNOTATION: ChildKind = ChildKind {
    kind: "psa-annotation",
    namespace: xep_psa::ns::PSA,
    name: "state-annotation",
    read: read_annotation,
};

fn read_annotation(element: &Element, parent: Option<&Element>) -> Result<ElementFinding, String> {
    let reading = StateAnnotation::read(element).map_err(|e| e.to_string())?;
    let value = reading.value;
    let mut fields = Map::new();
    fields.insert(
        "condition".into(),
        value
            .condition
            .as_ref()
            .map_or(Value::Null, |c| c.name().into()),
    );
    fields.insert("cleared".into(), value.is_cleared().into());
    fields.insert(
        "from".into(),
        value
            .from
            .as_ref()
            .map_or(Value::Null, |j| j.as_str().into()),
    );
    let mut descriptions = Map::new();
    for (lang, text) in value.descriptions.iter() {
        descriptions.insert(
            lang.map_or_else(|| "default".to_owned(), ToString::to_string),
            text.into(),
        );
    }
    fields.insert("descriptions".into(), Value::Object(descriptions));
    let presence = parent.filter(|p| p.name() == "presence");
    let attr = |name: &str| {
        presence
            .and_then(|p| p.attr(name))
            .map_or(Value::Null, Into::into)
    };
    fields.insert(
        "presence".into(),
        json!({ "from": attr("from"), "to": attr("to"), "type": attr("type") }),
    );
    fields.insert("extensions".into(), value.extensions.len().into());
    Ok(ElementFinding {
        fields,
        // Notes (an unknown condition kept, an ignored attribute) are allowed by the
        // spec; what --strict lists is what a strict reading refuses.
        deviations: reading
            .deviations
            .iter()
            .filter(|d| d.severity.fails_strict())
            .map(ToString::to_string)
            .collect(),
        written: value.into(),
    })
}

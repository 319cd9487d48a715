//! The Presence State Annotations kind of `xep inspect` (crate `xep-psa`):
//!
//! * `psa-annotation`: a `<state-annotation xmlns='urn:xmpp:psa'/>` (XEP-0310), with
//!   its condition (`null` when cleared), annotating entity, descriptions by
//!   language, and the `from`, `to` and `type` of the top-level presence that
//!   carries it (read by a context kind, since the element kind sees only the
//!   element).

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_core::reading::Reading;
use xep_core::tree::{ElementView, TreeElement};
use xep_psa::StateAnnotation;

use crate::inspect::Fields;
use crate::registry::{
    ContextFinding, ContextKind, ElementFinding, ElementKind, Registry, TextFinding,
};

/// Adds the kinds of this module to a registry.
pub fn register(registry: &mut Registry) {
    registry.element_kinds.push(PSA_ANNOTATION);
    registry.context_kinds.push(PSA_PRESENCE);
}

/// `<state-annotation xmlns='urn:xmpp:psa'/>`.
pub const PSA_ANNOTATION: ElementKind = ElementKind {
    kind: "psa-annotation",
    namespace: xep_psa::ns::PSA,
    name: "state-annotation",
    read_text: None,
    read_tree: Some(read_annotation_tree),
    read: read_annotation,
};

/// The `<presence/>` around an annotation: its `from`, `to` and `type`.
pub const PSA_PRESENCE: ContextKind = ContextKind {
    kind: "psa-annotation",
    wants: has_annotation,
    read: read_presence,
    read_tree: Some(read_presence_tree),
};

/// A presence with an annotation of ours: what [`read_presence`] reads.
fn has_annotation(stanza: TreeElement<'_>) -> bool {
    stanza.name() == "presence"
        && stanza
            .children()
            .any(|c| c.is("state-annotation", xep_psa::ns::PSA))
}

fn read_presence(stanza: &Element) -> Vec<ContextFinding> {
    read_presence_view(stanza)
}

/// [`read_presence`] from the compact tree.
fn read_presence_tree(stanza: TreeElement<'_>) -> Vec<ContextFinding> {
    read_presence_view(stanza)
}

fn read_presence_view<'a, E: ElementView<'a>>(stanza: E) -> Vec<ContextFinding> {
    if stanza.name() != "presence" {
        return Vec::new();
    }
    let attr = |name: &str| stanza.attr(name).map_or(Value::Null, Into::into);
    let presence = json!({ "from": attr("from"), "to": attr("to"), "type": attr("type") });
    let annotations = stanza
        .children()
        .filter(|c| c.name() == "state-annotation")
        .count();
    let mut n = 0;
    let mut out = Vec::new();
    for child in stanza.children().filter(|c| c.name() == "state-annotation") {
        n += 1;
        if !child.is("state-annotation", xep_psa::ns::PSA) {
            continue;
        }
        // The walk's path format: an index only among several same-name siblings.
        let path = if annotations > 1 {
            format!("/presence/state-annotation[{n}]")
        } else {
            "/presence/state-annotation".to_owned()
        };
        let mut fields = Map::new();
        fields.insert("presence".into(), presence.clone());
        out.push(ContextFinding {
            path,
            fields,
            deviations: Vec::new(),
        });
    }
    out
}

fn read_annotation(element: &Element) -> Result<ElementFinding, String> {
    let reading = StateAnnotation::read(element).map_err(|e| e.to_string())?;
    let (fields, deviations) = annotation_fields(&reading);
    Ok(ElementFinding {
        fields,
        deviations,
        written: reading.value.into(),
    })
}

/// [`read_annotation`] from the compact tree: no minidom tree of the annotation.
fn read_annotation_tree(element: TreeElement<'_>, write: bool) -> Result<TextFinding, String> {
    let reading = StateAnnotation::read_tree(element).map_err(|e| e.to_string())?;
    let (fields, deviations) = annotation_fields(&reading);
    Ok(TextFinding {
        fields: Fields::serialize(&fields),
        deviations,
        written: if write {
            reading.value.into_xml()
        } else {
            String::new()
        },
    })
}

fn annotation_fields(reading: &Reading<StateAnnotation>) -> (Map<String, Value>, Vec<String>) {
    let value = &reading.value;
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
    fields.insert("extensions".into(), value.extensions.len().into());
    // Notes (an unknown condition kept, an ignored attribute) are allowed by the
    // spec; what --strict lists is what a strict reading refuses.
    let deviations = reading
        .deviations
        .iter()
        .filter(|d| d.severity.fails_strict())
        .map(ToString::to_string)
        .collect();
    (fields, deviations)
}

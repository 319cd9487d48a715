//! The kinds `xep inspect` recognises, and how each is read and written back.
//!
//! Two shapes of payload exist:
//!
//! * **Form kinds** live in XEP-0128 disco extensions (or stand-alone data forms) and
//!   may share a FORM_TYPE with other kinds: XEP-0157 contact addresses and XEP-0485's
//!   node coordinates both use `http://jabber.org/network/serverinfo`. All forms of one
//!   FORM_TYPE in a `<query/>` are read by every kind registered for it, and written
//!   back as one form holding every kind's fields plus the fields none of them owns.
//! * **Element kinds** are one element in one namespace (a pubsub payload, a presence
//!   extension); each is read and written back on its own.
//!
//! Each XEP crate adds its kinds here.

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_core::contact::ContactAddresses;
use xep_core::forms::TypedForm;
use xep_core::reading::Reading;
use xep_core::tree::TreeElement;
use xep_core::xml::{ItemReader, Limits, Piece};

use crate::inspect::Fields;
use xmpp_parsers::data_forms::{DataForm, Field};

/// What a form kind made of the forms of its FORM_TYPE.
#[derive(Debug)]
pub struct FormFinding {
    /// Typed fields for the JSON output.
    pub fields: Map<String, Value>,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The fields this kind writes back (its share of the merged form).
    pub written: Vec<Field>,
    /// Vars this kind owns.
    pub owned: Vec<&'static str>,
}

/// The context a form kind reads from.
#[derive(Debug)]
pub struct FormContext<'a> {
    /// All forms in the container that carry the kind's FORM_TYPE.
    pub forms: &'a [DataForm],
    /// The disco#info features next to them (empty for a stand-alone form).
    pub features: &'a [String],
}

/// A kind read from data forms.
#[derive(Debug, Clone, Copy)]
pub struct FormKind {
    /// Stable kind name in the JSON output.
    pub kind: &'static str,
    /// The FORM_TYPE values it is registered under.
    pub form_types: &'static [&'static str],
    /// Reads the forms; `None` when the kind is not there.
    pub read: fn(&FormContext<'_>) -> Option<Result<FormFinding, String>>,
}

/// What an element kind made of its element.
#[derive(Debug)]
pub struct ElementFinding {
    /// Typed fields for the JSON output.
    pub fields: Map<String, Value>,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The element written back from the typed value.
    pub written: Element,
}

/// [`ElementKind::read_text`]: what was read from an element's text (and, when the
/// flag asks for it, the element written back as text), or `None` for "read the
/// element instead".
pub type ReadText = fn(&str, bool) -> Option<TextFinding>;

/// What an element kind read from an element's text.
#[derive(Debug)]
pub struct TextFinding {
    /// Typed fields for the JSON output.
    pub fields: Fields,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The element written back from the typed value, as text (empty unless asked
    /// for).
    pub written: String,
}

/// A kind read from one element.
#[derive(Debug, Clone, Copy)]
pub struct ElementKind {
    /// Stable kind name in the JSON output.
    pub kind: &'static str,
    /// Namespace of the element.
    pub namespace: &'static str,
    /// Local name of the element.
    pub name: &'static str,
    /// Reads the element; an `Err` is a payload that is ours but broken.
    pub read: fn(&Element) -> Result<ElementFinding, String>,
    /// Reads what [`read`](Self::read) reads from the element's text
    /// ([`TreeElement::to_xml`]) without a minidom tree, where the kind can (a
    /// `<serverinfo/>` of 150,000 peers is some thirty times its text as a tree);
    /// `None` from it means "read the element instead".
    pub read_text: Option<ReadText>,
    /// Reads what [`read`](Self::read) reads from the compact tree, without a minidom
    /// tree of the element (and writes it back as text when the flag asks for it),
    /// where the kind can: an element of many children with attributes is some twenty
    /// times its text as a minidom tree.
    pub read_tree: Option<ReadTree>,
}

/// [`ElementKind::read_tree`]: what was read from the element (an `Err` is a payload
/// that is ours but broken).
pub type ReadTree = fn(TreeElement<'_>, bool) -> Result<TextFinding, String>;

/// What a context kind says about one place in a stanza.
#[derive(Debug)]
pub struct ContextFinding {
    /// Element path inside the top-level item, in the format of the walk
    /// (`/message/event/items/item/status`, `[n]` only among same-name siblings).
    pub path: String,
    /// Fields added to the finding of the same kind at that path (the pubsub item
    /// around a payload), or the fields of a finding of its own where there is none (a
    /// retraction, a purge).
    pub fields: Map<String, Value>,
    /// Spec deviations seen in the stanza around the payload.
    pub deviations: Vec<String>,
}

/// A kind that also reads the whole top-level stanza, for what its element kind cannot
/// see: who published a payload, its item id, and events that carry no payload. It
/// writes nothing: the stanza is written back by the walk.
#[derive(Debug, Clone, Copy)]
pub struct ContextKind {
    /// The kind whose findings it completes.
    pub kind: &'static str,
    /// Whether the stanza may hold anything for [`read`](Self::read): it is built as
    /// a minidom element only then (a large stanza costs some thirty times its text
    /// as one). It must hold wherever `read` would find something.
    pub wants: fn(TreeElement<'_>) -> bool,
    /// Reads a top-level stanza.
    pub read: fn(&Element) -> Vec<ContextFinding>,
    /// Reads what [`read`](Self::read) reads from the compact tree, without a minidom
    /// tree of the stanza, where the kind can.
    pub read_tree: Option<fn(TreeElement<'_>) -> Vec<ContextFinding>>,
}

/// What a JSON kind made of a JSON document.
#[derive(Debug)]
pub struct JsonFinding {
    /// Typed fields for the JSON output (as text: a status file's messages in ten
    /// thousand languages are several times their text as a tree of values).
    pub fields: Fields,
    /// Spec deviations seen while reading, with line and column where known.
    pub deviations: Vec<String>,
    /// The document written back from the typed value (empty unless asked for).
    pub written: String,
}

/// A kind read from a whole JSON document (a status file).
#[derive(Debug, Clone, Copy)]
pub struct JsonKind {
    /// Stable kind name in the JSON output.
    pub kind: &'static str,
    /// Reads the document text (already known to be well-formed JSON), and writes
    /// it back when the flag asks for it; `None` when it is not this kind, `Err` when
    /// it is but cannot be read.
    pub read: fn(&str, bool) -> Option<Result<JsonFinding, String>>,
}

/// What a claim kind made of an element.
#[derive(Debug)]
pub struct ClaimFinding {
    /// Typed fields for the JSON output.
    pub fields: Map<String, Value>,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The element written back from the typed value; `None` when the walk goes on
    /// into the element (a disco#info result whose forms other kinds read).
    pub written: Option<Element>,
}

/// A kind that decides for itself whether an element is its own (a disco#info
/// result that describes a directory, a command on one node). It sees the element
/// before the element kinds.
#[derive(Debug, Clone, Copy)]
pub struct ClaimKind {
    /// Stable kind name in the JSON output.
    pub kind: &'static str,
    /// Namespace of the element.
    pub namespace: &'static str,
    /// Local name of the element.
    pub name: &'static str,
    /// Whether the element may be this kind's, decided on the compact tree before a
    /// minidom element is built for [`read`](Self::read). It must hold wherever `read`
    /// would not answer `None`; [`always`] when every such element is worth building.
    pub wants: fn(TreeElement<'_>) -> bool,
    /// Reads the element; `None` when it is not this kind's, `Err` when it is but
    /// cannot be read.
    pub read: fn(&Element) -> Option<Result<ClaimFinding, String>>,
    /// Reads what [`read`](Self::read) reads from the compact tree, without a minidom
    /// tree of the element (and writes it back as text when the flag asks for it),
    /// where the kind can.
    pub read_tree: Option<ClaimTree>,
}

/// [`ClaimKind::read_tree`]: `None` when the element is not the kind's, `Err` when it
/// is but cannot be read.
pub type ClaimTree = fn(TreeElement<'_>, bool) -> Option<Result<TreeClaim, String>>;

/// What a claim kind read from the compact tree.
#[derive(Debug)]
pub struct TreeClaim {
    /// Typed fields for the JSON output.
    pub fields: Fields,
    /// Spec deviations seen while reading.
    pub deviations: Vec<String>,
    /// The element written back from the typed value, as text (empty unless asked
    /// for); `None` when the kind does not write it (the walk goes on into it), as
    /// [`ClaimFinding::written`].
    pub written: Option<String>,
}

/// Everything `xep inspect` knows about.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Kinds that live in data forms.
    pub form_kinds: Vec<FormKind>,
    /// Kinds that are one element.
    pub element_kinds: Vec<ElementKind>,
    /// Kinds that are a whole JSON document.
    pub json_kinds: Vec<JsonKind>,
    /// Kinds that also read the stanza around their elements.
    pub context_kinds: Vec<ContextKind>,
    /// Kinds that claim some elements of a name.
    pub claim_kinds: Vec<ClaimKind>,
}

impl Default for Registry {
    fn default() -> Self {
        let mut registry = Self {
            form_kinds: vec![CONTACT_ADDRESSES, crate::serverinfo::SERVERINFO_DISCOVERY],
            element_kinds: vec![crate::serverinfo::SERVERINFO],
            json_kinds: Vec::new(),
            context_kinds: Vec::new(),
            claim_kinds: Vec::new(),
        };
        crate::sos::register(&mut registry);
        crate::user_status::register(&mut registry);
        crate::psa::register(&mut registry);
        crate::directory::register(&mut registry);
        registry
    }
}

impl Registry {
    /// Whether any form kind is registered under this FORM_TYPE.
    pub fn knows_form_type(&self, form_type: &str) -> bool {
        self.form_kinds
            .iter()
            .any(|k| k.form_types.contains(&form_type))
    }

    /// The element kind for an element of this name and namespace, if any.
    pub fn element_kind(&self, name: &str, namespace: &str) -> Option<&ElementKind> {
        self.element_kinds
            .iter()
            .find(|k| k.name == name && k.namespace == namespace)
    }
}

/// A [`ClaimKind::wants`] or [`ContextKind::wants`] that wants every element.
pub fn always(_: TreeElement<'_>) -> bool {
    true
}

/// Turns a lenient [`Reading`] of a typed form into a [`FormFinding`].
pub fn form_finding<T: TypedForm>(reading: Reading<T>, fields: Map<String, Value>) -> FormFinding {
    FormFinding {
        fields,
        deviations: reading.deviations.iter().map(ToString::to_string).collect(),
        written: reading.value.write(),
        owned: T::FIELDS.iter().map(|f| f.var).collect(),
    }
}

/// Whether a deviation's path names one of these fields.
pub fn about_fields(deviation: &xep_core::Deviation, vars: &[&str]) -> bool {
    vars.iter().any(|var| {
        deviation
            .path
            .as_str()
            .ends_with(&format!("field[@var='{var}']"))
    })
}

/// XEP-0157 contact addresses.
pub const CONTACT_ADDRESSES: FormKind = FormKind {
    kind: "contact-addresses",
    form_types: &[xep_core::ns::SERVERINFO_FORM],
    read: read_contact_addresses,
};

fn read_contact_addresses(cx: &FormContext<'_>) -> Option<Result<FormFinding, String>> {
    let reading = ContactAddresses::read(cx.forms);
    let Some(value) = reading.value else {
        if reading.deviations.is_empty() {
            return None;
        }
        return Some(Err(reading
            .deviations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")));
    };
    let mut addresses = Map::new();
    for (var, values) in value.by_var() {
        let key = var.trim_end_matches("-addresses");
        addresses.insert(key.to_owned(), json!(values));
    }
    let unknown = ContactAddresses::unknown_fields(cx.forms);
    let other: Vec<&str> = unknown.iter().filter_map(|f| f.var.as_deref()).collect();
    let mut fields = Map::new();
    fields.insert("addresses".into(), Value::Object(addresses));
    fields.insert("other_fields".into(), json!(other));
    Some(Ok(form_finding(
        Reading::new(value, reading.deviations),
        fields,
    )))
}

/// Checks that every kind that reads from the compact tree (`read_tree`) reads what
/// its `read` reads from the minidom element: the same findings, and the same element
/// written back.
///
/// For tests and fuzz targets: `Err` names the first difference; `Ok` is how many
/// readings were compared. Reads `bytes` as `xep inspect` does (default limits).
pub fn compare_tree_readings(bytes: &[u8], registry: &Registry) -> Result<usize, String> {
    let same_written = |text: &str, element: &Element| -> Result<(), String> {
        let from_tree: Element = text
            .parse()
            .map_err(|e| format!("{e}: written from the tree: {text}"))?;
        let from_element: Element = String::from(element).parse().unwrap();
        if from_tree == from_element {
            Ok(())
        } else {
            Err(format!(
                "written back differently:\n{text}\n{}",
                String::from(element)
            ))
        }
    };
    let limits = Limits::default();
    let mut reader = ItemReader::new(bytes, &limits).compact();
    let mut compared = 0;
    while let Some(piece) = reader.next_piece() {
        let Ok(Piece::Tree(item)) = piece else {
            break;
        };
        let root = item.tree.root();
        for kind in &registry.context_kinds {
            if let Some(read_tree) = kind.read_tree {
                compared += 1;
                let (a, b) = (read_tree(root), (kind.read)(&root.to_element()));
                if format!("{a:?}") != format!("{b:?}") {
                    return Err(format!("context {}: {a:?} vs {b:?}", kind.kind));
                }
            }
        }
        for element in item.tree.root().descendants() {
            let here = format!("<{}/> in {}", element.name(), element.ns());
            for kind in &registry.claim_kinds {
                let Some(read_tree) = kind.read_tree else {
                    continue;
                };
                if !element.is(kind.name, kind.namespace) {
                    continue;
                }
                compared += 1;
                match (read_tree(element, true), (kind.read)(&element.to_element())) {
                    (None, None) => {}
                    (Some(Err(a)), Some(Err(b))) if a == b => {}
                    (Some(Ok(a)), Some(Ok(b))) => {
                        if a.fields.to_map() != b.fields || a.deviations != b.deviations {
                            return Err(format!("{}: {here}: {a:?} vs {b:?}", kind.kind));
                        }
                        match (a.written, b.written) {
                            (None, None) => {}
                            (Some(text), Some(element)) => same_written(&text, &element)?,
                            (a, b) => {
                                return Err(format!(
                                    "{}: {here}: writes {a:?} vs {b:?}",
                                    kind.kind
                                ));
                            }
                        }
                    }
                    (a, b) => return Err(format!("{}: {here}: {a:?} vs {b:?}", kind.kind)),
                }
            }
            if let Some(kind) = registry.element_kind(element.name(), element.ns()) {
                let Some(read_tree) = kind.read_tree else {
                    continue;
                };
                compared += 1;
                match (read_tree(element, true), (kind.read)(&element.to_element())) {
                    (Err(a), Err(b)) if a == b => {}
                    (Ok(a), Ok(b)) => {
                        if a.fields.to_map() != b.fields || a.deviations != b.deviations {
                            return Err(format!("{}: {here}: {a:?} vs {b:?}", kind.kind));
                        }
                        same_written(&a.written, &b.written)?;
                    }
                    (a, b) => return Err(format!("{}: {here}: {a:?} vs {b:?}", kind.kind)),
                }
            }
        }
    }
    Ok(compared)
}

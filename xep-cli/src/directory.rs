//! The XEP-0309 kinds of `xep inspect` (crate `xep-service-directory`) and the
//! `xep vcard lint` and `xep directory export` commands.
//!
//! * `server-vcard`: a vCard4 server card (`<vcard/>` with content, or a `<vcards/>`
//!   list), its typed fields, what it lacks, written back per spec;
//! * `directory-discovery`: a disco#info result that says something about XEP-0309
//!   (a directory identity, `urn:xmpp:public-server` or `urn:xmpp:server-presence`),
//!   classified with its reasons;
//! * `server-buddy-command`: an XEP-0050 command on the server-buddy node, with node,
//!   session id, status, action, step and form fields, written back from the typed
//!   step.
//!
//! The commands take already-parsed arguments (the file names) so that any argument
//! parser can call them.

use std::io::Write;

use minidom::Element;
use serde_json::{Map, Value, json};
use xep_core::ns;
use xep_core::reading::{Deviation, Reading};
use xep_core::tree::TreeElement;
use xep_core::xml::{Limits, parse_items, write_text};
use xep_service_directory::command::{Command, NODE, ServerBuddy};
use xep_service_directory::disco::{Classification, Role, classify_element, classify_tree};
use xep_service_directory::listing::{Listing, ListingEntry};
use xep_service_directory::vcard::{self, VCard, VCards, lint};

use crate::input::read_input;
use crate::inspect::Fields;
use crate::registry::{ClaimFinding, ClaimKind, Registry, TreeClaim};

/// Adds the kinds of this module to a registry.
pub fn register(registry: &mut Registry) {
    registry.claim_kinds.extend([
        SERVER_VCARD,
        SERVER_VCARDS,
        DIRECTORY_DISCOVERY,
        SERVER_BUDDY_COMMAND,
    ]);
}

/// A `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>` with content (an empty one
/// is the vCard query, not a card).
pub const SERVER_VCARD: ClaimKind = ClaimKind {
    kind: "server-vcard",
    namespace: ns::VCARD4,
    name: "vcard",
    wants: crate::registry::always,
    read: read_vcard,
    read_tree: Some(read_vcard_tree),
};

/// A `<vcards/>` list of server cards (the xmpp.net export).
pub const SERVER_VCARDS: ClaimKind = ClaimKind {
    kind: "server-vcard",
    namespace: ns::VCARD4,
    name: "vcards",
    wants: crate::registry::always,
    read: read_vcards,
    read_tree: Some(read_vcards_tree),
};

/// A disco#info result that says something about XEP-0309.
pub const DIRECTORY_DISCOVERY: ClaimKind = ClaimKind {
    kind: "directory-discovery",
    namespace: ns::DISCO_INFO,
    name: "query",
    wants: may_classify,
    read: read_discovery,
    read_tree: Some(read_discovery_tree),
};

/// Whether a disco#info `<query/>` can say anything about a directory: it names the
/// public-server or server-presence feature, or has a directory identity (either way
/// round). Without one of them [`read_discovery`] answers `None`, and a result of
/// thousands of features is not built as a minidom tree for nothing.
fn may_classify(query: TreeElement<'_>) -> bool {
    query.children().any(|child| {
        if child.is("feature", ns::DISCO_INFO) {
            // The reading collapses white space around a feature: a feature it reads
            // as one of these contains it.
            let var = child.attr("var").unwrap_or_default();
            var.contains(ns::PUBLIC_SERVER) || var.contains(ns::SERVER_PRESENCE)
        } else if child.is("identity", ns::DISCO_INFO) {
            use xep_service_directory::disco::{DIRECTORY_CATEGORY, DIRECTORY_TYPE};
            let pair = (child.attr("category"), child.attr("type"));
            pair == (Some(DIRECTORY_CATEGORY), Some(DIRECTORY_TYPE))
                || pair == (Some(DIRECTORY_TYPE), Some(DIRECTORY_CATEGORY))
        } else {
            false
        }
    })
}

/// An ad-hoc command on the server-buddy node.
pub const SERVER_BUDDY_COMMAND: ClaimKind = ClaimKind {
    kind: "server-buddy-command",
    namespace: ns::COMMANDS,
    name: "command",
    wants: crate::registry::always,
    read: read_command,
    read_tree: None,
};

fn strings(deviations: &[Deviation]) -> Vec<String> {
    deviations.iter().map(ToString::to_string).collect()
}

fn card_fields(card: &VCard) -> Map<String, Value> {
    let entry = ListingEntry::from_card("", card);
    let Value::Object(mut fields) = serde_json::to_value(&entry).expect("an entry is JSON") else {
        unreachable!("an entry is an object")
    };
    fields.remove("domain");
    // `kind` names the finding; the card's KIND goes under its own key.
    fields.insert("vcard_kind".into(), json!(card.kind()));
    let others: Vec<String> = card
        .others()
        .map(|e| format!("{{{}}}{}", e.ns(), e.name()))
        .collect();
    fields.insert("other_properties".into(), json!(others));
    // What `lint` reports as missing, without a copy of the card to lint.
    let missing = |fields: &[vcard::Field]| -> Vec<&'static str> {
        fields
            .iter()
            .filter(|f| !f.present(card))
            .map(|f| f.as_str())
            .collect()
    };
    fields.insert(
        "missing_recommended".into(),
        json!(missing(&vcard::Field::RECOMMENDED)),
    );
    fields.insert(
        "missing_optional".into(),
        json!(missing(&vcard::Field::OPTIONAL)),
    );
    fields
}

fn read_vcard(element: &Element) -> Option<Result<ClaimFinding, String>> {
    element.children().next()?;
    Some(
        VCard::read(element)
            .map(|reading| ClaimFinding {
                fields: card_fields(&reading.value),
                deviations: strings(&reading.deviations),
                written: Some(Element::from(reading.value)),
            })
            .map_err(|e| e.to_string()),
    )
}

/// [`read_vcard`] from the compact tree.
fn read_vcard_tree(element: TreeElement<'_>, write: bool) -> Option<Result<TreeClaim, String>> {
    element.children().next()?;
    Some(
        VCard::read_tree(element)
            .map(|reading| TreeClaim {
                fields: Fields::serialize(&card_fields(&reading.value)),
                deviations: strings(&reading.deviations),
                written: Some(if write {
                    write_text(&reading.value)
                } else {
                    String::new()
                }),
            })
            .map_err(|e| e.to_string()),
    )
}

fn read_vcards(element: &Element) -> Option<Result<ClaimFinding, String>> {
    Some(
        vcard::read_cards(element)
            .map(|reading| ClaimFinding {
                fields: cards_fields(&reading.value),
                deviations: strings(&reading.deviations),
                written: Some(Element::from(VCards {
                    cards: reading.value,
                })),
            })
            .map_err(|e| e.to_string()),
    )
}

/// [`read_vcards`] from the compact tree.
fn read_vcards_tree(element: TreeElement<'_>, write: bool) -> Option<Result<TreeClaim, String>> {
    Some(
        vcard::read_cards_tree(element)
            .map(|reading| TreeClaim {
                fields: Fields::serialize(&CardList(&reading.value)),
                deviations: strings(&reading.deviations),
                written: Some(if write {
                    write_text(&VCards {
                        cards: reading.value,
                    })
                } else {
                    String::new()
                }),
            })
            .map_err(|e| e.to_string()),
    )
}

fn cards_fields(cards: &[VCard]) -> Map<String, Value> {
    let cards: Vec<Value> = cards
        .iter()
        .map(|c| Value::Object(card_fields(c)))
        .collect();
    let mut fields = Map::new();
    fields.insert("cards".into(), Value::Array(cards));
    fields
}

/// The fields of [`cards_fields`], serialised one card at a time (no tree of JSON
/// values of the whole list, some twenty times the list's text).
struct CardList<'a>(&'a [VCard]);

impl serde::Serialize for CardList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Cards<'a>(&'a [VCard]);
        impl serde::Serialize for Cards<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for card in self.0 {
                    seq.serialize_element(&card_fields(card))?;
                }
                seq.end()
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("cards", &Cards(self.0))?;
        map.end()
    }
}

fn read_discovery(element: &Element) -> Option<Result<ClaimFinding, String>> {
    let (fields, deviations) = discovery_fields(classify_element(element).ok()?)?;
    Some(Ok(ClaimFinding {
        fields,
        deviations,
        written: None,
    }))
}

/// [`read_discovery`] from the compact tree: no minidom tree of the result.
fn read_discovery_tree(
    element: TreeElement<'_>,
    _write: bool,
) -> Option<Result<TreeClaim, String>> {
    let (fields, deviations) = discovery_fields(classify_tree(element).ok()?)?;
    Some(Ok(TreeClaim {
        fields: Fields::serialize(&fields),
        deviations,
        written: None,
    }))
}

fn discovery_fields(reading: Reading<Classification>) -> Option<(Map<String, Value>, Vec<String>)> {
    let found = &reading.value;
    if found.role() == Role::Neither && !found.server_presence {
        return None;
    }
    let mut fields = Map::new();
    fields.insert("role".into(), found.role().as_str().into());
    fields.insert("public_server".into(), found.public_server.into());
    fields.insert("directory".into(), found.directory.into());
    fields.insert("directory_name".into(), json!(found.directory_name));
    fields.insert("server_presence".into(), found.server_presence.into());
    fields.insert("vcard4".into(), found.vcard4.into());
    fields.insert(
        "in_band_registration".into(),
        found.in_band_registration.into(),
    );
    let reasons: Vec<String> = found.reasons.iter().map(ToString::to_string).collect();
    fields.insert("reasons".into(), json!(reasons));
    // Only the classifier's own findings: the disco#info reading's are the forms'.
    let own: Vec<String> = reading
        .deviations
        .iter()
        .filter(|d| d.code == "swapped-directory-identity")
        .map(ToString::to_string)
        .collect();
    Some((fields, own))
}

fn read_command(element: &Element) -> Option<Result<ClaimFinding, String>> {
    if element.attr("node") != Some(NODE) {
        return None;
    }
    let command = match Command::read(element) {
        Ok(c) => c,
        Err(e) => return Some(Err(e.to_string())),
    };
    let mut fields = Map::new();
    let c = &command.value;
    fields.insert("node".into(), c.node.clone().into());
    fields.insert("sessionid".into(), json!(c.sessionid));
    fields.insert("status".into(), json!(c.status.map(|s| s.as_str())));
    fields.insert("action".into(), json!(c.action.map(|a| a.as_str())));
    let form: Vec<Value> = c
        .form
        .iter()
        .flat_map(|f| &f.fields)
        .map(|f| {
            json!({
                "var": f.var,
                "type": format!("{:?}", f.type_),
                "required": f.required,
                "values": f.values,
            })
        })
        .collect();
    fields.insert("form_fields".into(), Value::Array(form));
    let step = match ServerBuddy::from_command(command) {
        Ok(step) => step,
        Err(e) => return Some(Err(e.to_string())),
    };
    let name = match &step.value {
        ServerBuddy::Execute => "execute",
        ServerBuddy::Form { .. } => "form",
        ServerBuddy::Submit { .. } => "submit",
        ServerBuddy::Completed { .. } => "completed",
        ServerBuddy::Cancel { .. } => "cancel",
        ServerBuddy::Canceled { .. } => "canceled",
        _ => "other",
    };
    fields.insert("step".into(), name.into());
    if let ServerBuddy::Submit { peer, .. } = &step.value {
        fields.insert("peer".into(), peer.as_str().into());
    }
    Some(Ok(ClaimFinding {
        fields,
        deviations: strings(&step.deviations),
        written: Some(Element::from(step.value.to_command())),
    }))
}

/// Every element of `element`'s tree (itself included) that is a server card or a
/// list of them, outermost first.
fn cards_in<'a>(element: &'a Element, out: &mut Vec<&'a Element>) {
    if (element.is("vcard", ns::VCARD4) && element.children().next().is_some())
        || element.is("vcards", ns::VCARD4)
    {
        out.push(element);
        return;
    }
    for child in element.children() {
        cards_in(child, out);
    }
}

/// `xep vcard lint FILE...`: lints every server card in the files (`-` is standard
/// input). Prints the RECOMMENDED fields each card lacks, then the OPTIONAL ones,
/// then the deviations read through. Returns the exit status: 0 when every card has
/// every RECOMMENDED field, 1 when one lacks some, 2 when an input cannot be read or
/// holds no card.
pub fn vcard_lint(files: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let limits = Limits::default();
    let stdin = ["-".to_owned()];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut status = 0u8;
    for name in files {
        let items = match read_input(name, limits.max_bytes)
            .map_err(|e| e.to_string())
            .and_then(|b| parse_items(&b, &limits).map_err(|e| e.to_string()))
        {
            Ok(items) => items,
            Err(e) => {
                let _ = writeln!(err, "xep: {name}: {e}");
                status = 2;
                continue;
            }
        };
        let mut found = Vec::new();
        for item in &items {
            cards_in(&item.element, &mut found);
        }
        if found.is_empty() {
            let _ = writeln!(err, "xep: {name}: no vCard4 server card found");
            status = 2;
            continue;
        }
        let mut n = 0;
        for element in found {
            let Ok(reading) = vcard::read_cards(element) else {
                continue;
            };
            for card in &reading.value {
                n += 1;
                let single = Reading::new(card.clone(), Vec::new());
                let mut report = lint(&single);
                // Deviations belong to the list when there are several cards.
                if reading.value.len() == 1 {
                    report.deviations = reading.deviations.clone();
                }
                let label = card.formatted_name().unwrap_or("(no fn)");
                let _ = writeln!(out, "{name}: card {n} {label:?}");
                for line in report.to_string().lines() {
                    let _ = writeln!(out, "  {line}");
                }
                if report.lacks_recommended() && status == 0 {
                    status = 1;
                }
            }
            if reading.value.len() > 1 {
                for d in &reading.deviations {
                    let _ = writeln!(out, "  deviation: {d}");
                }
            }
        }
    }
    status
}

/// `xep directory export FILE...`: folds captured `urn:xmpp:contacts` items,
/// notifications and retractions, in file order, into the JSON listing printed on
/// standard output. Returns the exit status: 0, or 2 when an input cannot be read.
pub fn directory_export(files: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let limits = Limits::default();
    let stdin = ["-".to_owned()];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut listing = Listing::default();
    let mut status = 0u8;
    for name in files {
        let items = match read_input(name, limits.max_bytes)
            .map_err(|e| e.to_string())
            .and_then(|b| parse_items(&b, &limits).map_err(|e| e.to_string()))
        {
            Ok(items) => items,
            Err(e) => {
                let _ = writeln!(err, "xep: {name}: {e}");
                status = 2;
                continue;
            }
        };
        for (i, item) in items.iter().enumerate() {
            for d in listing.fold(&item.element) {
                let _ = writeln!(err, "xep: {name}: item {}: {d}", i + 1);
            }
        }
    }
    let _ = writeln!(out, "{}", listing.to_json_pretty());
    status
}

/// `xep directory schema`: the JSON Schema of the export.
pub fn directory_schema(out: &mut dyn Write) -> u8 {
    let schema = serde_json::to_string_pretty(&Listing::json_schema()).expect("JSON");
    let _ = writeln!(out, "{schema}");
    0
}

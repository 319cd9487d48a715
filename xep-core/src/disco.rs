//! Lenient reading of a disco#info result (XEP-0030) straight from the raw element.
//!
//! `xmpp_parsers::disco::DiscoInfoResult::try_from` refuses the whole result when any
//! part of it is malformed: one unrelated form with a FORM_TYPE of two values, or a
//! field without `var` (both seen in the wild), and every other form, identity and
//! feature is lost with it. [`DiscoInfo::read`] reads each identity, feature and form
//! on its own, keeps what it can and reports what it dropped with its path, so that
//! the readers of every crate (contact addresses, SOS addresses, serverinfo opt-in,
//! service directory identity, PSA feature) see their data whatever else the server
//! sent.
//!
//! ```
//! use xep_core::disco::DiscoInfo;
//! use xep_core::reading::Severity;
//! let iq: minidom::Element = "<iq xmlns='jabber:client' type='result' id='1'>\
//!   <query xmlns='http://jabber.org/protocol/disco#info'>\
//!     <identity category='server' type='im'/>\
//!     <feature var='urn:xmpp:sos:0'/>\
//!     <x xmlns='jabber:x:data' type='result'><field type='text-single'/></x>\
//!     <x xmlns='jabber:x:data' type='result'>\
//!       <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field>\
//!       <field var='external-status-addresses'><value>https://status.example.org/</value></field>\
//!     </x>\
//!   </query></iq>".parse()?;
//! let reading = DiscoInfo::read(&iq)?;
//! assert!(reading.value.has_feature("urn:xmpp:sos:0"));
//! assert_eq!(reading.value.forms.len(), 2); // the bad field is dropped, its form kept
//! assert_eq!(reading.deviations[0].severity, Severity::Dropped);
//! assert_eq!(reading.deviations[0].path.as_str(), "/iq[1]/query[1]/x[1]/field[1]");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;

use minidom::Element;
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};
use xmpp_parsers::disco::{DiscoInfoResult, Identity};

use crate::error::Error;
use crate::ns;
use crate::reading::{Deviation, Path, Reading, Severity, Siblings, excerpt};
use crate::tree::{ElementView, TreeElement};

const CLIENT_NAMESPACES: [&str; 3] = ["jabber:client", "jabber:server", "jabber:component:accept"];

/// A disco#info result, read leniently: what the peer said it is and can do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoInfo {
    /// The `node` queried, if any (only the root node describes the server itself).
    pub node: Option<String>,
    /// Identities, in document order.
    pub identities: Vec<Identity>,
    /// Features, in document order, white space collapsed, duplicates dropped.
    pub features: Vec<String>,
    /// Extended information forms (XEP-0128), each read on its own.
    pub forms: Vec<DataForm>,
}

impl DiscoInfo {
    /// Reads a `<query xmlns='http://jabber.org/protocol/disco#info'/>` or an
    /// `<iq type='result'/>` holding one.
    ///
    /// `Err` only when the element is neither; everything inside is read leniently.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        Self::read_view(element)
    }

    /// [`read`](Self::read) from a compact tree ([`crate::tree`]): the same reading,
    /// without a minidom tree of the result (only of each form in it).
    pub fn read_tree(element: TreeElement<'_>) -> Result<Reading<Self>, Error> {
        Self::read_view(element)
    }

    /// [`read`](Self::read) from either kind of element.
    pub fn read_view<'a, E: ElementView<'a>>(element: E) -> Result<Reading<Self>, Error> {
        if element.is("query", ns::DISCO_INFO) {
            return Ok(Self::read_query(element, &query_path(element)));
        }
        if element.name() == "iq" && CLIENT_NAMESPACES.contains(&&*element.ns()) {
            let mut queries = element.children().filter(|c| c.is("query", ns::DISCO_INFO));
            let Some(query) = queries.next() else {
                return Err(Error::Payload {
                    element: "disco#info result".to_owned(),
                    reason: "the <iq/> holds no disco#info <query/>".to_owned(),
                });
            };
            let path = Path::root().elem("iq", 1);
            let mut reading = Self::read_query(query, &query_path(element));
            match element.attr("type") {
                Some("result") => {}
                other => reading.deviations.insert(
                    0,
                    Deviation::new(
                        Severity::Must,
                        "iq-not-result",
                        path.clone().attr("type"),
                        format!(
                            "a disco#info answer is an <iq type='result'/>, found type {}",
                            excerpt(other.unwrap_or(""))
                        ),
                    ),
                ),
            }
            return Ok(reading);
        }
        Err(Error::Payload {
            element: format!("{{{}}}{}", element.ns(), element.name()),
            reason: "not a disco#info <query/> or an <iq/> holding one".to_owned(),
        })
    }

    fn read_query<'a, E: ElementView<'a>>(query: E, path: &Path) -> Reading<Self> {
        let mut out = Self {
            node: query.attr("node").map(str::to_owned),
            ..Self::default()
        };
        let mut deviations = Vec::new();
        // Features seen, as they were read: borrowed from the element unless white
        // space was collapsed (one allocation per feature, not two).
        let mut seen_features: HashSet<Cow<'_, str>> = HashSet::new();
        let mut siblings = Siblings::new();
        for child in query.children() {
            let index = siblings.next(child.name());
            // Built only when a deviation is recorded: most results have none, and a
            // path per child was most of the allocations of a read.
            let here = || path.clone().elem(child.name(), index);
            if child.is("identity", ns::DISCO_INFO) {
                match (child.attr("category"), child.attr("type")) {
                    (Some(category), Some(type_)) => out.identities.push(Identity {
                        category: category.to_owned(),
                        type_: type_.to_owned(),
                        lang: child.xml_lang().map(str::to_owned),
                        name: child.attr("name").map(str::to_owned),
                    }),
                    _ => deviations.push(Deviation::new(
                        Severity::Dropped,
                        "identity-incomplete",
                        here(),
                        "identity without category or type dropped",
                    )),
                }
            } else if child.is("feature", ns::DISCO_INFO) {
                let Some(raw) = child.attr("var") else {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "feature-without-var",
                        here(),
                        "feature without var dropped",
                    ));
                    continue;
                };
                let var = collapse(raw);
                let key = if var.len() == raw.len() {
                    // Collapsing only removes white space: the same length is the
                    // same text.
                    Cow::Borrowed(raw)
                } else {
                    deviations.push(Deviation::new(
                        Severity::Should,
                        "feature-white-space",
                        here().attr("var"),
                        format!(
                            "feature {} has white space around it; read as {}",
                            excerpt(raw),
                            excerpt(&var)
                        ),
                    ));
                    Cow::Owned(var.clone())
                };
                if seen_features.insert(key) {
                    out.features.push(var);
                }
            } else if child.is("x", ns::DATA_FORMS) {
                let form = child.with_element(|form| read_form(form, &here()));
                deviations.extend(form.deviations);
                if let Some(form) = form.value {
                    out.forms.push(form);
                }
            }
            // Other children (XEP-0115 hashes, vendor extensions) are not disco#info's
            // business; the crates that want them read the element themselves.
        }
        Reading::new(out, deviations)
    }

    /// Whether the peer advertises `feature` (compared after white space collapse).
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }

    /// Whether the peer has an identity of this category and type.
    pub fn has_identity(&self, category: &str, type_: &str) -> bool {
        self.identities
            .iter()
            .any(|i| i.category == category && i.type_ == type_)
    }

    /// Whether this result describes the entity itself (no `node`), the only result
    /// that may update what a client caches about its server.
    pub fn is_root(&self) -> bool {
        self.node.as_deref().is_none_or(str::is_empty)
    }
}

/// The same view of an xmpp-parsers result, features collapsed and deduplicated as
/// [`DiscoInfo::read`] does (use `read` on the raw element to have them reported).
impl From<&DiscoInfoResult> for DiscoInfo {
    fn from(info: &DiscoInfoResult) -> Self {
        let mut seen = HashSet::new();
        Self {
            node: info.node.clone(),
            identities: info.identities.clone(),
            features: info
                .features
                .iter()
                .map(|f| collapse(f))
                .filter(|f| seen.insert(f.clone()))
                .collect(),
            forms: info.extensions.clone(),
        }
    }
}

/// The path of the `<query/>` that [`DiscoInfo::read`] reads in `element` (the
/// element itself, or the one inside an `<iq/>`): the prefix of the paths of whatever
/// is read from its forms.
pub fn query_path<'a>(element: impl ElementView<'a>) -> Path {
    if element.name() == "iq" {
        Path::root().elem("iq", 1).elem("query", 1)
    } else {
        Path::root().elem("query", 1)
    }
}

/// Reads one `<x xmlns='jabber:x:data'/>` leniently: a field without `var` (other
/// than `fixed`) is dropped and reported, an unknown form or field type is reported
/// and read as `result` / `text-single`, and a FORM_TYPE with several values keeps
/// the first. `None` (with a deviation) only for an element that is not a form.
pub fn read_form(element: &Element, path: &Path) -> Reading<Option<DataForm>> {
    let mut deviations = Vec::new();
    if !element.is("x", ns::DATA_FORMS) {
        deviations.push(Deviation::new(
            Severity::Dropped,
            "not-a-form",
            path.clone(),
            "not a jabber:x:data form",
        ));
        return Reading::new(None, deviations);
    }
    let type_ = match element.attr("type") {
        Some("result") => DataFormType::Result_,
        Some("form") => DataFormType::Form,
        Some("submit") => DataFormType::Submit,
        Some("cancel") => DataFormType::Cancel,
        other => {
            deviations.push(Deviation::new(
                Severity::Must,
                "form-type-attribute",
                path.clone().attr("type"),
                format!(
                    "form type {} is not form, submit, cancel or result; read as result",
                    excerpt(other.unwrap_or(""))
                ),
            ));
            DataFormType::Result_
        }
    };
    let mut form = DataForm {
        type_,
        title: None,
        instructions: None,
        fields: Vec::new(),
    };
    let mut siblings = Siblings::new();
    let mut form_types = 0usize;
    for child in element.children() {
        let index = siblings.next(child.name());
        // Built only when a deviation is recorded.
        let here = || path.clone().elem(child.name(), index);
        if child.is("title", ns::DATA_FORMS) {
            form.title = Some(child.text());
        } else if child.is("instructions", ns::DATA_FORMS) {
            form.instructions = Some(child.text());
        } else if child.is("field", ns::DATA_FORMS) {
            let field_type = match child.attr("type") {
                None => FieldType::TextSingle,
                Some(t) => t.parse::<FieldType>().unwrap_or_else(|_| {
                    deviations.push(Deviation::new(
                        Severity::Must,
                        "unknown-field-type",
                        here().attr("type"),
                        format!("unknown field type {}; read as text-single", excerpt(t)),
                    ));
                    FieldType::TextSingle
                }),
            };
            let var = child.attr("var");
            if var.is_none() && field_type != FieldType::Fixed {
                deviations.push(Deviation::new(
                    Severity::Dropped,
                    "field-without-var",
                    here(),
                    "field without var dropped",
                ));
                continue;
            }
            let mut field = Field {
                var: var.map(str::to_owned),
                type_: field_type,
                label: child.attr("label").map(str::to_owned),
                required: child.has_child("required", ns::DATA_FORMS),
                desc: child.get_child("desc", ns::DATA_FORMS).map(Element::text),
                options: Vec::new(),
                values: child
                    .children()
                    .filter(|v| v.is("value", ns::DATA_FORMS))
                    .map(Element::text)
                    .collect(),
                media: Vec::new(),
                validate: None,
            };
            if var == Some(crate::forms::FORM_TYPE_VAR) {
                // A FORM_TYPE without a value names no type, and xmpp-parsers refuses a
                // form that holds one: left out, so that the copy can be written.
                if field.values.is_empty() {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "form-type-without-value",
                        here(),
                        "FORM_TYPE field without a value dropped",
                    ));
                    continue;
                }
                form_types += 1;
                if form_types > 1 {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "several-form-types",
                        here(),
                        "second FORM_TYPE field in one form dropped",
                    ));
                    continue;
                }
                if field.values.len() > 1 {
                    deviations.push(Deviation::new(
                        Severity::Must,
                        "form-type-values",
                        here(),
                        format!(
                            "FORM_TYPE has {} values; the first is used",
                            field.values.len()
                        ),
                    ));
                    field.values.truncate(1);
                }
            }
            form.fields.push(field);
        }
        // Options, media and validation are not part of what these crates read from
        // disco results; they are left out of the lenient copy.
    }
    // The FORM_TYPE field first, as xmpp-parsers puts it when it parses a form: a copy
    // with it elsewhere was written one way and read back through the derive another
    // (found by the long service_directory_command run).
    if let Some(i) = form.fields.iter().position(|f| f.is_form_type(&form.type_)) {
        let field = form.fields.remove(i);
        form.fields.insert(0, field);
    }
    Reading::new(Some(form), deviations)
}

/// Collapses white space as XML Schema does for tokens and URIs: leading and
/// trailing white space removed, inner runs replaced by one space.
pub fn collapse(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value
        .split([' ', '\t', '\n', '\r'])
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn a_malformed_unrelated_form_does_not_hide_ours() {
        // FORM_TYPE with two values: xmpp-parsers refuses the whole result.
        let xml = "<query xmlns='http://jabber.org/protocol/disco#info'>\
            <feature var=' urn:xmpp:serverinfo:0 '/>\
            <x xmlns='jabber:x:data' type='result'>\
              <field var='FORM_TYPE' type='hidden'><value>urn:a</value><value>urn:b</value></field>\
            </x>\
            <x xmlns='jabber:x:data' type='result'>\
              <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
              <field var='abuse-addresses'><value>mailto:abuse@example.org</value></field>\
            </x></query>";
        let element = parse(xml);
        assert!(DiscoInfoResult::try_from(element.clone()).is_err());
        let reading = DiscoInfo::read(&element).unwrap();
        assert_eq!(reading.value.features, ["urn:xmpp:serverinfo:0"]);
        assert_eq!(reading.value.forms.len(), 2);
        assert_eq!(
            reading.value.forms[1].fields[1].values,
            ["mailto:abuse@example.org"]
        );
        let codes: Vec<_> = reading.deviations.iter().map(|d| &*d.code).collect();
        assert_eq!(codes, ["feature-white-space", "form-type-values"]);
        assert_eq!(
            reading.deviations[1].path.as_str(),
            "/query[1]/x[1]/field[1]"
        );
    }

    #[test]
    fn iq_wrappers_and_wrong_elements() {
        let iq = parse(
            "<iq xmlns='jabber:server' type='get' id='a'>\
             <query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>",
        );
        let reading = DiscoInfo::read(&iq).unwrap();
        assert_eq!(reading.deviations[0].code, "iq-not-result");
        assert!(!reading.value.is_root());
        let err = DiscoInfo::read(&parse("<iq xmlns='jabber:client' type='result'/>"));
        assert_eq!(
            err.unwrap_err().to_string(),
            "invalid disco#info result: the <iq/> holds no disco#info <query/>"
        );
        assert!(DiscoInfo::read(&parse("<query xmlns='urn:other'/>")).is_err());
    }

    #[test]
    fn identities_need_category_and_type() {
        let reading = DiscoInfo::read(&parse(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='server'/><identity category='directory' type='server' name='D' xml:lang='en'/>\
             <feature/></query>",
        ))
        .unwrap();
        assert!(reading.value.has_identity("directory", "server"));
        assert_eq!(reading.value.identities[0].lang.as_deref(), Some("en"));
        assert_eq!(reading.value.identities.len(), 1);
        assert_eq!(reading.deviations.len(), 2);
        assert_eq!(reading.deviations[1].path.as_str(), "/query[1]/feature[1]");
    }

    #[test]
    fn collapse_is_xml_schema_collapse() {
        assert_eq!(collapse("  a \n\t b  "), "a b");
        assert_eq!(collapse(""), "");
    }

    #[test]
    fn a_form_type_without_a_value_is_dropped_so_the_copy_can_be_written() {
        // Found by the service_directory_command fuzz target: the lenient copy kept
        // the empty FORM_TYPE and xmpp-parsers refused the form written from it.
        let form = parse(
            "<x xmlns='jabber:x:data' type='form'><field type='hidden' var='FORM_TYPE'><junk/></field>\
             <field type='hidden' var='FORM_TYPE'><value>urn:example</value></field></x>",
        );
        let reading = read_form(&form, &Path::root().elem("x", 1));
        let copy = reading.value.unwrap();
        assert_eq!(copy.form_type(), Some("urn:example"));
        assert_eq!(reading.deviations.len(), 1);
        assert_eq!(reading.deviations[0].code, "form-type-without-value");
        assert_eq!(reading.deviations[0].path.as_str(), "/x[1]/field[1]");
        let written = Element::from(copy.clone());
        assert_eq!(DataForm::try_from(written).unwrap(), copy);
    }

    /// Found by the long service_directory_command run: a submitted form with its
    /// (untyped) FORM_TYPE after other fields was copied in document order, written,
    /// and read back by the derive with the FORM_TYPE first.
    #[test]
    fn the_form_type_comes_first_as_the_derive_reads_it() {
        let form = parse(
            "<x xmlns='jabber:x:data' type='submit'><field var='peerjid'><value>a.example</value></field>\
             <field var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value></field></x>",
        );
        let copy = read_form(&form, &Path::root().elem("x", 1)).value.unwrap();
        let vars: Vec<_> = copy.fields.iter().map(|f| f.var.as_deref()).collect();
        assert_eq!(vars, [Some("FORM_TYPE"), Some("peerjid")]);
        let written = Element::from(copy.clone());
        assert_eq!(
            Element::from(DataForm::try_from(written.clone()).unwrap()),
            written
        );
    }
}

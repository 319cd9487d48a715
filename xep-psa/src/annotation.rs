//! The `<state-annotation xmlns='urn:xmpp:psa'/>` presence payload (XEP-0310 v0.1).
//!
//! ```xml
//! <state-annotation xmlns='urn:xmpp:psa' from='montague.lit'>
//!   <server-unavailable/>
//!   <description>The capulet.lit server is no longer available</description>
//! </state-annotation>
//! ```
//!
//! The element says that the presence it travels in may be stale, and why: the
//! condition is `<server-unavailable/>` (a server-to-server link is down),
//! `<connection-paused/>` (the sender's session is paused), or absent, which clears an
//! earlier annotation. "The state-annotation MUST have a 'from' attribute set to the
//! entity annotating the stanza", and "an OPTIONAL description child MAY provide
//! human-readable text"; this crate keeps one description per `xml:lang`.
//!
//! Reading is lenient where real input needs it (`../shared/INTEROP.md`, P17):
//!
//! * a condition child this crate does not know is kept whole as
//!   [`Condition::Other`] and written back, not refused;
//! * a missing `from` is accepted ([`StateAnnotation::from`] is `None`) and reported
//!   with severity [`Must`](xep_core::Severity::Must), so `read_strict` refuses it;
//! * white space between children and redundant namespace declarations are ignored;
//! * children in other namespaces are extensions, kept and written back after the
//!   typed children (their order relative to the typed children is not kept).
//!
//! Writing is exact: every constructor takes the annotating entity, so what this crate
//! builds always carries `from`; the condition comes first, then the descriptions.
//!
//! Deviation codes of [`StateAnnotation::read`]: `missing-from`, `invalid-from`,
//! `unknown-attribute`, `unknown-condition`, `several-conditions`, `lang-repaired`,
//! `invalid-lang`, `duplicate-description`, `description-markup`, `stray-text`.
//!
//! ```
//! use xep_psa::annotation::{Condition, StateAnnotation};
//!
//! let elem: minidom::Element = "<state-annotation xmlns='urn:xmpp:psa' from='montague.lit'>\
//!     <server-unavailable/><description>The capulet.lit server is no longer available</description>\
//!     </state-annotation>".parse()?;
//! let reading = StateAnnotation::read(&elem)?;
//! assert!(reading.deviations.is_empty());
//! let psa = reading.value;
//! assert_eq!(psa.condition, Some(Condition::ServerUnavailable));
//! assert_eq!(psa.from.as_ref().map(|j| j.as_str()), Some("montague.lit"));
//! assert_eq!(psa.descriptions.best_match(&["en"]), Some("The capulet.lit server is no longer available"));
//! assert_eq!(minidom::Element::from(psa.clone()), elem);
//! assert_eq!(StateAnnotation::try_from(elem)?, psa);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use jid::Jid;
use minidom::Element;
use xep_core::lang::{Lang, LangMap};
use xep_core::reading::{Deviation, Path, Reading, Severity, Siblings, excerpt};
use xep_core::tree::{ElementView, TreeElement, ViewNode};
use xmpp_parsers::presence::PresencePayload;
use xso::error::{Error as XsoError, FromElementError};
use xso::{AsXml, FromXml};

use crate::{Error, ns};

/// The element's local name.
pub const ELEMENT: &str = "state-annotation";

/// Why a presence may be stale: the child of `<state-annotation/>`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Condition {
    /// `<server-unavailable/>`: the link between the annotating server and the
    /// sender's server is unavailable, so updates from the sender cannot arrive.
    ServerUnavailable,
    /// `<connection-paused/>`: the sender's session is paused (a BOSH pause, or a
    /// XEP-0198 session waiting for resumption).
    ConnectionPaused,
    /// A child in `urn:xmpp:psa` this crate does not know, kept whole and written back.
    Other(Element),
}

impl Condition {
    /// The condition element's local name.
    pub fn name(&self) -> &str {
        match self {
            Self::ServerUnavailable => "server-unavailable",
            Self::ConnectionPaused => "connection-paused",
            Self::Other(e) => e.name(),
        }
    }

    fn to_element(&self) -> Element {
        match self {
            Self::Other(e) => e.clone(),
            known => Element::builder(known.name(), ns::PSA).build(),
        }
    }
}

/// Structure representing a `<state-annotation xmlns='urn:xmpp:psa'/>` element, a
/// payload of `<presence/>` sent by a server (or a MUC service) to a client.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StateAnnotation {
    /// "The state-annotation MUST have a 'from' attribute set to the entity annotating
    /// the stanza". `None` only in what a lenient reading accepted from a peer.
    pub from: Option<Jid>,
    /// Why the presence may be stale; `None` means the annotation is cleared (the
    /// empty `<state-annotation/>` sent when the link or session is back).
    pub condition: Option<Condition>,
    /// The optional human-readable descriptions, one per `xml:lang`.
    pub descriptions: LangMap,
    /// Children in other namespaces, kept and written back after the typed children.
    pub extensions: Vec<Element>,
}

impl StateAnnotation {
    /// An annotation by `from` with `condition` (`None`: cleared) and no description.
    pub fn new(from: Jid, condition: Option<Condition>) -> Self {
        Self {
            from: Some(from),
            condition,
            descriptions: LangMap::new(),
            extensions: Vec::new(),
        }
    }

    /// `<server-unavailable/>` annotated by `from`.
    pub fn server_unavailable(from: Jid) -> Self {
        Self::new(from, Some(Condition::ServerUnavailable))
    }

    /// `<connection-paused/>` annotated by `from`.
    pub fn connection_paused(from: Jid) -> Self {
        Self::new(from, Some(Condition::ConnectionPaused))
    }

    /// The empty annotation by `from`: the earlier one no longer holds.
    pub fn cleared(from: Jid) -> Self {
        Self::new(from, None)
    }

    /// The same annotation with a description in `lang` (`None`: untagged), replacing
    /// any earlier one in that language.
    #[must_use]
    pub fn with_description(mut self, lang: Option<Lang>, text: impl Into<String>) -> Self {
        self.descriptions.insert(lang, text);
        self
    }

    /// Whether this is the empty annotation (no condition).
    pub fn is_cleared(&self) -> bool {
        self.condition.is_none()
    }

    /// Reads a `<state-annotation/>` element leniently (see the [module docs](self)),
    /// with every deviation from the spec. `Err` only when the element is not a
    /// `<state-annotation xmlns='urn:xmpp:psa'/>`.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        Self::read_at(element, &Path::root().elem(ELEMENT, 1))
    }

    /// [`read`](Self::read) followed by [`Reading::into_strict`]: any deviation of
    /// severity `should` or worse (a missing `from`, two conditions, a dropped
    /// description, ...) is an error.
    pub fn read_strict(element: &Element) -> Result<Self, Error> {
        Ok(Self::read(element)?.into_strict("state annotation")?)
    }

    /// The lenient reading, with paths under `path` (the element's own path).
    pub(crate) fn read_at(element: &Element, path: &Path) -> Result<Reading<Self>, Error> {
        Self::read_view(element, path)
    }

    /// [`read`](Self::read) from a compact tree ([`xep_core::tree`]): the same
    /// reading, without a minidom tree of the annotation (one of 2,000 descriptions
    /// is some thirty times its text as one).
    pub fn read_tree(element: TreeElement<'_>) -> Result<Reading<Self>, Error> {
        Self::read_view(element, &Path::root().elem(ELEMENT, 1))
    }

    fn read_view<'a, E: ElementView<'a>>(element: E, path: &Path) -> Result<Reading<Self>, Error> {
        if !element.is(ELEMENT, ns::PSA) {
            return Err(Error::NotAnnotation {
                name: element.name().to_owned(),
                namespace: element.ns().into_owned(),
            });
        }
        let mut deviations = Vec::new();
        let mut value = Self {
            from: None,
            condition: None,
            descriptions: LangMap::new(),
            extensions: Vec::new(),
        };
        match element.attr("from") {
            Some(raw) => match xep_core::uri::stable_jid(raw) {
                Ok(jid) => value.from = Some(jid),
                Err(e) => deviations.push(Deviation::new(
                    Severity::Dropped,
                    "invalid-from",
                    path.clone().attr("from"),
                    format!("'from' {} is not a JID ({e}); left out", excerpt(raw)),
                )),
            },
            None => deviations.push(Deviation::new(
                Severity::Must,
                "missing-from",
                path.clone().attr("from"),
                "no 'from' attribute: \"the state-annotation MUST have a 'from' attribute set to \
                 the entity annotating the stanza\"",
            )),
        }
        for (namespace, name, _) in element.attrs() {
            // xml:lang and other namespaced attributes are not the payload's own.
            if namespace.is_empty() && name != "from" {
                deviations.push(Deviation::new(
                    Severity::Note,
                    "unknown-attribute",
                    path.clone().attr(name),
                    format!(
                        "attribute {} is not defined by XEP-0310; ignored",
                        excerpt(name)
                    ),
                ));
            }
        }
        if element
            .nodes()
            .any(|n| matches!(n, ViewNode::Text(t) if !t.trim().is_empty()))
        {
            deviations.push(Deviation::new(
                Severity::Note,
                "stray-text",
                path.clone(),
                "text directly inside <state-annotation/> ignored",
            ));
        }
        let mut siblings = Siblings::new();
        for child in element.children() {
            let name = child.name();
            let index = siblings.next(name);
            let here = path.clone().elem(name, index);
            if !child.has_ns(ns::PSA) {
                match child.try_writable_copy() {
                    Ok(copy) => value.extensions.push(copy),
                    Err(why) => deviations.push(Deviation::new(
                        Severity::Dropped,
                        "unwritable",
                        here.clone(),
                        format!("extension <{}/> dropped: it holds {why}", excerpt(name)),
                    )),
                }
                continue;
            }
            if name == "description" {
                read_description(child, &here, &mut value.descriptions, &mut deviations);
                continue;
            }
            let condition = match name {
                "server-unavailable" => Condition::ServerUnavailable,
                "connection-paused" => Condition::ConnectionPaused,
                other => {
                    let copy = match child.try_writable_copy() {
                        Ok(copy) => copy,
                        Err(why) => {
                            deviations.push(Deviation::new(
                                Severity::Dropped,
                                "unwritable",
                                here.clone(),
                                format!("condition <{}/> dropped: it holds {why}", excerpt(other)),
                            ));
                            continue;
                        }
                    };
                    deviations.push(Deviation::new(
                        Severity::Note,
                        "unknown-condition",
                        here.clone(),
                        format!("condition <{other}/> is not defined by XEP-0310 v0.1; kept"),
                    ));
                    Condition::Other(copy)
                }
            };
            if value.condition.is_some() {
                deviations.push(Deviation::new(
                    Severity::Dropped,
                    "several-conditions",
                    here,
                    format!("a second condition <{name}/>; only the first is kept"),
                ));
            } else {
                value.condition = Some(condition);
            }
        }
        Ok(Reading::new(value, deviations))
    }
}

fn read_description<'a>(
    child: impl ElementView<'a>,
    here: &Path,
    descriptions: &mut LangMap,
    deviations: &mut Vec<Deviation>,
) {
    let lang = match child.xml_lang().map(str::trim) {
        None | Some("") => None,
        Some(tag) => match Lang::parse_lenient(tag) {
            Ok((lang, repaired)) => {
                if repaired {
                    deviations.push(Deviation::new(
                        Severity::Should,
                        "lang-repaired",
                        here.clone().attr("xml:lang"),
                        format!("xml:lang {} read as {}", excerpt(tag), lang),
                    ));
                }
                Some(lang)
            }
            Err(_) => {
                deviations.push(Deviation::new(
                    Severity::Dropped,
                    "invalid-lang",
                    here.clone().attr("xml:lang"),
                    format!(
                        "xml:lang {} is not a language tag; description left out",
                        excerpt(tag)
                    ),
                ));
                return;
            }
        },
    };
    if child.children().next().is_some() {
        deviations.push(Deviation::new(
            Severity::Should,
            "description-markup",
            here.clone(),
            "elements inside <description/> ignored; only its text is kept",
        ));
    }
    let text = child.text();
    if descriptions.get(lang.as_ref()).is_some() {
        deviations.push(Deviation::new(
            Severity::Dropped,
            "duplicate-description",
            here.clone(),
            match &lang {
                Some(l) => format!("a second description in {l}; only the first is kept"),
                None => "a second description without xml:lang; only the first is kept".to_owned(),
            },
        ));
        return;
    }
    descriptions.insert(lang, text);
}

/// The derived wire shape (xso), used by `TryFrom<Element>` and `From<StateAnnotation>`.
#[allow(missing_debug_implementations)]
mod wire {
    use super::*;

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(namespace = ns::PSA, name = "description", on_unknown_attribute = Discard)]
    pub(super) struct Description {
        #[xml(lang(default))]
        pub(super) lang: Option<String>,
        #[xml(text)]
        pub(super) text: String,
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(namespace = ns::PSA, name = "state-annotation", on_unknown_attribute = Discard)]
    pub(super) struct Annotation {
        #[xml(attribute(default))]
        pub(super) from: Option<Jid>,
        #[xml(child(n = ..))]
        pub(super) descriptions: Vec<Description>,
        /// Conditions (any child in our namespace other than `<description/>`) and
        /// extensions, in document order.
        #[xml(element(n = ..))]
        pub(super) rest: Vec<Element>,
    }
}

impl TryFrom<Element> for StateAnnotation {
    type Error = FromElementError;

    /// The strict xso reading: refuses a bad `from`, two conditions, two descriptions
    /// in one language and a malformed `xml:lang`; accepts a missing `from` and
    /// unknown conditions (use [`StateAnnotation::read_strict`] to refuse those too).
    fn try_from(element: Element) -> Result<Self, FromElementError> {
        let wire = wire::Annotation::try_from(element)?;
        let mut descriptions = LangMap::new();
        for d in wire.descriptions {
            let lang = match d.lang.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(tag) => Some(
                    Lang::parse_lenient(tag)
                        .map_err(|_| XsoError::Other("Invalid xml:lang on description element."))?
                        .0,
                ),
            };
            if descriptions.insert(lang, d.text).is_some() {
                return Err(
                    XsoError::Other("Two description elements with the same xml:lang.").into(),
                );
            }
        }
        let mut condition = None;
        let mut extensions = Vec::new();
        for child in wire.rest {
            if child.ns() != ns::PSA {
                extensions.push(
                    xep_core::xml::writable_copy(&child)
                        .ok_or(XsoError::Other(xep_core::xml::UNWRITABLE))?,
                );
                continue;
            }
            if condition.is_some() {
                return Err(XsoError::Other(
                    "More than one condition in state-annotation element.",
                )
                .into());
            }
            condition = Some(match child.name() {
                "server-unavailable" => Condition::ServerUnavailable,
                "connection-paused" => Condition::ConnectionPaused,
                _ => Condition::Other(child),
            });
        }
        Ok(Self {
            // Prepared until stable, as the lenient reading does: one preparation
            // is not always idempotent (U+1D2D becomes 'Æ', and only a second one
            // lower-cases it), so a value read once changed on its next reading.
            from: wire
                .from
                .map(|jid| xep_core::uri::stable_jid(jid.as_str()))
                .transpose()
                .map_err(|_| XsoError::Other("Invalid JID in from attribute."))?,
            condition,
            descriptions,
            extensions,
        })
    }
}

/// Replaces every character XML 1.0 cannot carry with U+FFFD, so that writing never
/// fails (and `panicking-into-impl` never panics) whatever text a caller put in.
pub(crate) fn xml_safe(text: &str) -> String {
    if text.chars().all(is_xml_char) {
        text.to_owned()
    } else {
        text.chars()
            .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
            .collect()
    }
}

/// The `Char` production of XML 1.0.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

impl From<StateAnnotation> for Element {
    /// Writes the condition, then the descriptions (default first, then by tag), then
    /// the extensions.
    fn from(value: StateAnnotation) -> Self {
        let mut rest = Vec::with_capacity(1 + value.extensions.len());
        if let Some(c) = &value.condition {
            rest.push(c.to_element());
        }
        let descriptions = value
            .descriptions
            .iter()
            .map(|(lang, text)| wire::Description {
                lang: lang.map(ToString::to_string),
                text: xml_safe(text),
            })
            .collect();
        let wire = wire::Annotation {
            from: value.from,
            descriptions,
            rest: Vec::new(),
        };
        let mut element = Self::from(wire);
        // The condition goes first, as in every example of the spec; the derive would
        // write caught elements after the typed children.
        let descriptions: Vec<Self> = element.take_contents_as_children().collect();
        for child in rest.into_iter().chain(descriptions).chain(value.extensions) {
            element.append_child(child);
        }
        element
    }
}

impl StateAnnotation {
    /// The annotation as XML text, the element [`Element::from`] makes written without
    /// building it (for a writer that streams text): the condition, the descriptions,
    /// the extensions.
    pub fn into_xml(self) -> String {
        // The annotation without children, written as a start tag; each child is then
        // built alone (a small element) and written inside the annotation's
        // namespace, as a writer of the whole element writes it.
        let shell = Element::from(wire::Annotation {
            from: self.from,
            descriptions: Vec::new(),
            rest: Vec::new(),
        });
        let shell = xep_core::tree::Tree::from(&shell);
        let mut out = String::new();
        shell.root().write_start(&mut out, None);
        out.push('>');
        let mut child = |element: &Element| {
            xep_core::tree::Tree::from(element)
                .root()
                .write_xml(&mut out, Some(ns::PSA));
        };
        if let Some(c) = &self.condition {
            child(&c.to_element());
        }
        for (lang, t) in self.descriptions.iter() {
            child(&Element::from(wire::Description {
                lang: lang.map(ToString::to_string),
                text: xml_safe(t),
            }));
        }
        for extension in &self.extensions {
            child(extension);
        }
        shell.root().write_end(&mut out);
        out
    }
}

impl PresencePayload for StateAnnotation {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    /// Found by the long psa_payload run: U+1D2D (modifier letter capital AE) prepares
    /// to 'Æ', and only a second preparation lower-cases it; the strict reading kept
    /// the first, so its value changed when written and read again, and differed from
    /// the lenient reading.
    #[test]
    fn from_is_prepared_until_stable_in_both_readings() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='a&#7469;b.example'><connection-paused/></state-annotation>",
        );
        let strict = StateAnnotation::try_from(e.clone()).unwrap();
        assert_eq!(strict.from.as_ref().unwrap().as_str(), "a\u{e6}b.example");
        let again = StateAnnotation::try_from(Element::from(strict.clone())).unwrap();
        assert_eq!(again, strict);
        assert_eq!(StateAnnotation::read(&e).unwrap().value, strict);
    }

    #[test]
    fn cleared_round_trip() {
        let e = parse("<state-annotation xmlns='urn:xmpp:psa' from='montague.lit'/>");
        let r = StateAnnotation::read(&e).unwrap();
        assert!(r.deviations.is_empty());
        assert!(r.value.is_cleared());
        assert_eq!(Element::from(r.value.clone()), e);
        assert_eq!(StateAnnotation::try_from(e).unwrap(), r.value);
    }

    #[test]
    fn paused_with_two_languages() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='montague.lit'><connection-paused/>\
             <description>paused</description><description xml:lang='de'>pausiert</description>\
             </state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert_eq!(r.value.condition, Some(Condition::ConnectionPaused));
        assert_eq!(
            r.value.descriptions.best_match(&["de-AT"]),
            Some("pausiert")
        );
        assert_eq!(r.value.descriptions.best_match(&["fr"]), Some("paused"));
        assert_eq!(Element::from(r.value.clone()), e);
        assert_eq!(StateAnnotation::try_from(e).unwrap(), r.value);
    }

    #[test]
    fn missing_from_is_a_must() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa'><server-unavailable/></state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert_eq!(r.value.from, None);
        assert_eq!(r.deviations.len(), 1);
        assert_eq!(r.deviations[0].code, "missing-from");
        assert_eq!(r.deviations[0].path.as_str(), "/state-annotation[1]/@from");
        assert_eq!(r.deviations[0].severity, Severity::Must);
        let err = StateAnnotation::read_strict(&e).unwrap_err();
        assert_eq!(
            err.to_string(),
            "state annotation deviates from its spec: /state-annotation[1]/@from: no 'from' \
             attribute: \"the state-annotation MUST have a 'from' attribute set to the entity \
             annotating the stanza\" [must]"
        );
        // xso's reading accepts it too.
        assert_eq!(StateAnnotation::try_from(e).unwrap(), r.value);
    }

    #[test]
    fn unknown_condition_is_kept() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='example.org'><link-flapping rate='3'/>\
             </state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert_eq!(r.deviations.len(), 1);
        assert_eq!(r.deviations[0].code, "unknown-condition");
        assert_eq!(r.deviations[0].severity, Severity::Note);
        assert!(
            matches!(&r.value.condition, Some(Condition::Other(c)) if c.attr("rate") == Some("3"))
        );
        assert_eq!(Element::from(r.value.clone()), e);
        assert_eq!(StateAnnotation::read_strict(&e).unwrap(), r.value);
        assert_eq!(StateAnnotation::try_from(e).unwrap(), r.value);
    }

    #[test]
    fn two_conditions() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='example.org'><server-unavailable/>\
             <connection-paused/></state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert_eq!(r.value.condition, Some(Condition::ServerUnavailable));
        assert_eq!(r.deviations[0].code, "several-conditions");
        assert_eq!(
            r.deviations[0].path.as_str(),
            "/state-annotation[1]/connection-paused[1]"
        );
        match StateAnnotation::try_from(e).unwrap_err() {
            FromElementError::Invalid(XsoError::Other(m)) => {
                assert_eq!(m, "More than one condition in state-annotation element.")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn white_space_and_redundant_declarations() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='montague.lit'>\n  \
             <server-unavailable xmlns='urn:xmpp:psa'/>\n  \
             <description xmlns='urn:xmpp:psa'>down</description>\n</state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert_eq!(r.value.condition, Some(Condition::ServerUnavailable));
        assert_eq!(r.value.descriptions.default_text(), Some("down"));
        assert_eq!(StateAnnotation::try_from(e).unwrap(), r.value);
    }

    #[test]
    fn bad_from_lang_and_duplicates() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='@bad' extra='1'>\
             <description xml:lang='en_GB'>a</description>\
             <description xml:lang='en-GB'>b</description>\
             <description xml:lang='not a tag'>c</description>x</state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        let codes: Vec<&str> = r.deviations.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(
            codes,
            [
                "invalid-from",
                "unknown-attribute",
                "stray-text",
                "lang-repaired",
                "duplicate-description",
                "invalid-lang"
            ]
        );
        assert_eq!(r.value.from, None);
        assert_eq!(r.value.descriptions.len(), 1);
        assert_eq!(
            r.deviations[5].path.as_str(),
            "/state-annotation[1]/description[3]/@xml:lang"
        );
        assert!(StateAnnotation::try_from(e).is_err());
    }

    #[test]
    fn extensions_survive() {
        let e = parse(
            "<state-annotation xmlns='urn:xmpp:psa' from='montague.lit'><server-unavailable/>\
             <x xmlns='urn:example'><y/></x></state-annotation>",
        );
        let r = StateAnnotation::read(&e).unwrap();
        assert_eq!(r.value.extensions.len(), 1);
        assert_eq!(Element::from(r.value.clone()), e);
    }

    #[test]
    fn not_an_annotation() {
        let e = parse("<status xmlns='jabber:client'/>");
        assert_eq!(
            StateAnnotation::read(&e).unwrap_err().to_string(),
            "expected <state-annotation xmlns='urn:xmpp:psa'/>, found <status/> in namespace \"jabber:client\""
        );
    }

    #[test]
    fn unwritable_text_is_replaced() {
        let a = StateAnnotation::cleared("a.example".parse().unwrap())
            .with_description(None, "nul\0here");
        let e = Element::from(a);
        let text = String::from(&e);
        assert!(text.contains("nul\u{FFFD}here"), "{text}");
    }
}

//! In-band outage items (seed 0.0.1 and XEP-0455 v0.2; removed in v0.3):
//! `<outage/>` and `<outage-end/>` published to a pubsub node named after the
//! namespace, with XEP-0082 timestamps as item ids.
//!
//! ```xml
//! <outage xmlns='urn:xmpp:sos:0'>
//!   <description xml:lang='en'>The ICQ and MSN gateways are down</description>
//!   <description xml:lang='fr'>Les passerelles ICQ et MSN sont mortes</description>
//!   <planned>false</planned>
//!   <expected_end>2021-01-01T05:00:00Z</expected_end>
//! </outage>
//! <outage-end xmlns='urn:xmpp:sos:0'>
//!   <description xml:lang='en'>Everything has been fixed!</description>
//! </outage-end>
//! ```
//!
//! Both namespaces are read; a value remembers which one it came in (its
//! [`Version`]) and is written in that one. Children in another namespace are
//! extensions: kept, and written back after the typed children. An unknown child in
//! the element's own namespace, a repeated `<planned/>` or `<expected_end/>`, a bad
//! boolean or timestamp, or two descriptions in one language are errors. Attributes
//! the spec does not define (`xml:lang` on the element itself, foreign attributes) are
//! ignored: xso cannot keep unknown attributes.
//!
//! ```
//! use xep_sos::items::{Outage, OutageItem};
//! use xep_sos::Version;
//!
//! let elem: minidom::Element = "<outage xmlns='urn:xmpp:tmp:sos'>\
//!     <description xml:lang='en'>Gateways down</description>\
//!     <planned>false</planned></outage>".parse()?;
//! let outage = Outage::try_from(elem.clone())?;
//! assert_eq!(outage.version, Version::Seed);
//! assert_eq!(outage.descriptions.best_match(&["en-GB"]), Some("Gateways down"));
//! assert_eq!(minidom::Element::from(outage.clone()), elem);
//! // Written in the namespace asked for:
//! let v02 = outage.with_version(Version::V0_2);
//! assert_eq!(minidom::Element::from(v02).ns(), "urn:xmpp:sos:0");
//! assert!(matches!(OutageItem::try_from(elem)?, OutageItem::Outage(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use minidom::Element;
use xep_core::lang::{Lang, LangMap};
use xep_core::reading::{Deviation, Path, Reading, Severity, Siblings, excerpt};
use xep_core::tree::{ElementView, TreeElement};
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field};
use xmpp_parsers::pubsub::pubsub::{Configure, Create, Item, PubSub, Publish, PublishOptions};
use xmpp_parsers::pubsub::{ItemId, NodeName, PubSubPayload};
use xso::error::{Error as XsoError, FromElementError};
use xso::{AsXml, FromXml};

use crate::{Error, Timestamp, Version, ns};

/// Stamps the wire structs of one namespace (xso needs the namespace as a constant
/// path, so each version has its own structs; see STYLE 1g). rustfmt is kept out: it
/// re-indents multi-line attributes inside macro bodies differently on every run.
#[rustfmt::skip]
macro_rules! wire {
    ($module:ident, $ns:path) => {
        #[allow(missing_debug_implementations, unreachable_pub)]
        pub(crate) mod $module {
            use super::*;

            #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
            #[xml(namespace = $ns, name = "description", on_unknown_attribute = Discard)]
            pub(crate) struct Description {
                #[xml(lang(default))]
                pub(crate) lang: Option<String>,
                #[xml(text)]
                pub(crate) text: String,
            }

            #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
            #[xml(
                namespace = $ns,
                name = "outage",
                on_unknown_attribute = Discard,
                deserialize_callback = check_outage
            )]
            pub(crate) struct Outage {
                #[xml(child(n = ..))]
                pub(crate) descriptions: Vec<Description>,
                #[xml(extract(default, fields(text(type_ = XsBoolean))))]
                pub(crate) planned: Option<XsBoolean>,
                #[xml(extract(default, fields(text(type_ = Timestamp))))]
                pub(crate) expected_end: Option<Timestamp>,
                #[xml(element(n = ..))]
                pub(crate) extensions: Vec<Element>,
            }

            fn check_outage(o: &mut Outage) -> Result<(), XsoError> {
                own_children(&o.extensions, $ns, "Unknown child in Outage element.")?;
                xep_core::xml::make_writable(&mut o.extensions)
            }

            #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
            #[xml(
                namespace = $ns,
                name = "outage-end",
                on_unknown_attribute = Discard,
                deserialize_callback = check_end
            )]
            pub(crate) struct OutageEnd {
                #[xml(child(n = ..))]
                pub(crate) descriptions: Vec<Description>,
                #[xml(element(n = ..))]
                pub(crate) extensions: Vec<Element>,
            }

            fn check_end(o: &mut OutageEnd) -> Result<(), XsoError> {
                own_children(&o.extensions, $ns, "Unknown child in OutageEnd element.")?;
                xep_core::xml::make_writable(&mut o.extensions)
            }
        }
    };
}

/// An xs:boolean element value: `true`, `false`, `1` or `0`, with the white space
/// around it collapsed as XML Schema says (so pretty-printed input reads); written as
/// `true` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct XsBoolean(pub(crate) bool);

impl xso::FromXmlText for XsBoolean {
    fn from_xml_text(text: String) -> Result<Self, XsoError> {
        match text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
            "true" | "1" => Ok(Self(true)),
            "false" | "0" => Ok(Self(false)),
            _ => Err(XsoError::Other(
                "Invalid xs:boolean in planned element (expected true, false, 1 or 0).",
            )),
        }
    }
}

impl xso::AsXmlText for XsBoolean {
    fn as_xml_text(&self) -> Result<alloc::borrow::Cow<'_, str>, XsoError> {
        Ok(if self.0 { "true" } else { "false" }.into())
    }
}

wire!(seed, ns::SOS_TMP);
wire!(v0_2, ns::SOS_0);

/// Either element in either namespace (the dynamic enum of STYLE 1g).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
#[xml()]
enum AnyWire {
    #[xml(transparent)]
    SeedOutage(seed::Outage),
    #[xml(transparent)]
    SeedEnd(seed::OutageEnd),
    #[xml(transparent)]
    Outage(v0_2::Outage),
    #[xml(transparent)]
    End(v0_2::OutageEnd),
}

/// Extensions live in other namespaces: an unknown child in the element's own
/// namespace is an error.
fn own_children(extensions: &[Element], own: &str, message: &'static str) -> Result<(), XsoError> {
    if extensions.iter().any(|e| e.ns() == own) {
        Err(XsoError::Other(message))
    } else {
        Ok(())
    }
}

/// The in-band versions: the seed, and v0.2 for `urn:xmpp:sos:0`.
fn item_version(version: Version) -> Version {
    match version {
        Version::Seed => Version::Seed,
        Version::V0_2 | Version::V0_4 => Version::V0_2,
    }
}

macro_rules! descriptions_from_wire {
    ($list:expr) => {{
        let mut map = LangMap::new();
        for d in $list {
            let lang = match d.lang.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(tag) => Some(
                    Lang::parse_lenient(tag)
                        .map_err(|_| XsoError::Other("Invalid xml:lang on description element."))?
                        .0,
                ),
            };
            if map.insert(lang, d.text).is_some() {
                return Err(XsoError::Other(
                    "Two description elements with the same xml:lang.",
                ));
            }
        }
        map
    }};
}

macro_rules! descriptions_to_wire {
    ($module:ident, $map:expr) => {
        $map.iter()
            .map(|(lang, text)| $module::Description {
                lang: lang.map(ToString::to_string),
                text: text.to_owned(),
            })
            .collect()
    };
}

/// An `<outage/>` item payload: an outage, ongoing or (item id in the future) planned.
///
/// Its beginning is the item id, not a child (see [`outage_item`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outage {
    /// Which namespace it was read in, and is written in: [`Version::Seed`]
    /// (`urn:xmpp:tmp:sos`) or [`Version::V0_2`] (`urn:xmpp:sos:0`).
    pub version: Version,
    /// `<description xml:lang='…'/>`: what users are told, per language.
    pub descriptions: LangMap,
    /// `<planned/>`: whether the outage was planned.
    pub planned: Option<bool>,
    /// `<expected_end/>`: when it should be over.
    pub expected_end: Option<Timestamp>,
    /// Children in other namespaces, kept (written after the typed children).
    pub extensions: Vec<Element>,
}

impl Outage {
    /// An outage with nothing said, in `version`'s namespace.
    pub fn new(version: Version) -> Self {
        Self {
            version: item_version(version),
            descriptions: LangMap::new(),
            planned: None,
            expected_end: None,
            extensions: Vec::new(),
        }
    }

    /// The same outage in another version's namespace.
    pub fn with_version(mut self, version: Version) -> Self {
        self.version = item_version(version);
        self
    }

    /// Adds a description (`None` for the untagged one).
    pub fn with_description(mut self, lang: Option<Lang>, text: impl Into<String>) -> Self {
        self.descriptions.insert(lang, text);
        self
    }

    /// Sets `<planned/>`.
    pub fn with_planned(mut self, planned: bool) -> Self {
        self.planned = Some(planned);
        self
    }

    /// Sets `<expected_end/>`.
    pub fn with_expected_end(mut self, end: Timestamp) -> Self {
        self.expected_end = Some(end);
        self
    }
}

/// An `<outage-end/>` item payload: the outages before its item id are over.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OutageEnd {
    /// Which namespace it was read in, and is written in.
    pub version: Version,
    /// `<description xml:lang='…'/>`: what users are told, per language.
    pub descriptions: LangMap,
    /// Children in other namespaces, kept.
    pub extensions: Vec<Element>,
}

impl OutageEnd {
    /// An end with no description, in `version`'s namespace.
    pub fn new(version: Version) -> Self {
        Self {
            version: item_version(version),
            descriptions: LangMap::new(),
            extensions: Vec::new(),
        }
    }

    /// Adds a description (`None` for the untagged one).
    pub fn with_description(mut self, lang: Option<Lang>, text: impl Into<String>) -> Self {
        self.descriptions.insert(lang, text);
        self
    }
}

/// Either in-band payload.
#[derive(Debug, Clone, PartialEq)]
pub enum OutageItem {
    /// `<outage/>`.
    Outage(Outage),
    /// `<outage-end/>`.
    End(OutageEnd),
}

impl From<Outage> for OutageItem {
    fn from(o: Outage) -> Self {
        Self::Outage(o)
    }
}

impl From<OutageEnd> for OutageItem {
    fn from(o: OutageEnd) -> Self {
        Self::End(o)
    }
}

impl OutageItem {
    /// The version whose namespace it is in.
    pub fn version(&self) -> Version {
        match self {
            Self::Outage(o) => o.version,
            Self::End(e) => e.version,
        }
    }

    fn from_wire(wire: AnyWire) -> Result<Self, XsoError> {
        Ok(match wire {
            AnyWire::SeedOutage(o) => Self::Outage(Outage {
                version: Version::Seed,
                descriptions: descriptions_from_wire!(o.descriptions),
                planned: o.planned.map(|p| p.0),
                expected_end: o.expected_end,
                extensions: o.extensions,
            }),
            AnyWire::Outage(o) => Self::Outage(Outage {
                version: Version::V0_2,
                descriptions: descriptions_from_wire!(o.descriptions),
                planned: o.planned.map(|p| p.0),
                expected_end: o.expected_end,
                extensions: o.extensions,
            }),
            AnyWire::SeedEnd(e) => Self::End(OutageEnd {
                version: Version::Seed,
                descriptions: descriptions_from_wire!(e.descriptions),
                extensions: e.extensions,
            }),
            AnyWire::End(e) => Self::End(OutageEnd {
                version: Version::V0_2,
                descriptions: descriptions_from_wire!(e.descriptions),
                extensions: e.extensions,
            }),
        })
    }

    fn into_wire(self) -> AnyWire {
        match self {
            Self::Outage(o) if o.version == Version::Seed => AnyWire::SeedOutage(seed::Outage {
                descriptions: descriptions_to_wire!(seed, o.descriptions),
                planned: o.planned.map(XsBoolean),
                expected_end: o.expected_end,
                extensions: o.extensions,
            }),
            Self::Outage(o) => AnyWire::Outage(v0_2::Outage {
                descriptions: descriptions_to_wire!(v0_2, o.descriptions),
                planned: o.planned.map(XsBoolean),
                expected_end: o.expected_end,
                extensions: o.extensions,
            }),
            Self::End(e) if e.version == Version::Seed => AnyWire::SeedEnd(seed::OutageEnd {
                descriptions: descriptions_to_wire!(seed, e.descriptions),
                extensions: e.extensions,
            }),
            Self::End(e) => AnyWire::End(v0_2::OutageEnd {
                descriptions: descriptions_to_wire!(v0_2, e.descriptions),
                extensions: e.extensions,
            }),
        }
    }
}

fn is_ours<'a>(elem: impl ElementView<'a>, name: &str) -> bool {
    elem.name() == name && matches!(&*elem.ns(), ns::SOS_TMP | ns::SOS_0)
}

impl TryFrom<Element> for OutageItem {
    type Error = FromElementError;

    fn try_from(elem: Element) -> Result<Self, FromElementError> {
        let wire = AnyWire::try_from(elem)?;
        Self::from_wire(wire).map_err(FromElementError::Invalid)
    }
}

impl OutageItem {
    /// The item as XML text, the element [`Element::from`] makes written without
    /// building it (for a writer that streams text).
    ///
    /// # Panics
    ///
    /// As `Element::from`, if the item holds text XML cannot carry (none of this
    /// crate's readers returns such an item).
    pub fn into_xml(self) -> String {
        xep_core::xml::write_text(&self.into_wire())
    }
}

impl From<OutageItem> for Element {
    fn from(item: OutageItem) -> Self {
        item.into_wire().into()
    }
}

impl OutageItem {
    /// Reads an `<outage/>` or `<outage-end/>` (either namespace) leniently: what
    /// `TryFrom<Element>` refuses as a whole (a description with a broken `xml:lang`,
    /// two descriptions in one language, a bad boolean or timestamp, an unknown child
    /// in the payload's own namespace) is left out and reported with its path as
    /// [`Severity::Dropped`], and the rest of the item is kept. `Err` only for an
    /// element that is not one of the two payloads.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        // The derive reads the element by reference (no copy of a large payload).
        Self::read_with(element, |e| xso::transform::<AnyWire, Element>(e).ok())
    }

    /// [`read`](Self::read) from a compact tree ([`xep_core::tree`]): the same
    /// reading, without a minidom tree of the payload (an outage in 2,000 languages
    /// is some twenty times its text as one).
    pub fn read_tree(element: TreeElement<'_>) -> Result<Reading<Self>, Error> {
        Self::read_with(element, |e| e.parse::<AnyWire>().ok())
    }

    fn read_with<'a, E: ElementView<'a>>(
        element: E,
        strict: impl FnOnce(E) -> Option<AnyWire>,
    ) -> Result<Reading<Self>, Error> {
        let is_outage = is_ours(element, "outage");
        if !is_outage && !is_ours(element, "outage-end") {
            return Err(Error::Core(xep_core::Error::Payload {
                element: format!("{{{}}}{}", element.ns(), element.name()),
                reason: "not an <outage/> or <outage-end/> of the seed or XEP-0455".to_owned(),
            }));
        }
        if let Some(mut item) = strict(element).and_then(|wire| Self::from_wire(wire).ok()) {
            // The derive keeps foreign children as they came: only a copy every writer
            // can write is kept; one XML cannot carry sends the item through the
            // lenient reading below, which drops and reports it.
            let extensions = match &mut item {
                Self::Outage(o) => &mut o.extensions,
                Self::End(e) => &mut e.extensions,
            };
            let copies: Option<Vec<Element>> = extensions
                .iter()
                .map(xep_core::xml::writable_copy)
                .collect();
            if let Some(copies) = copies {
                *extensions = copies;
                return Ok(Reading::clean(item));
            }
        }
        let own = element.ns();
        let version = if own == ns::SOS_TMP {
            Version::Seed
        } else {
            Version::V0_2
        };
        let root = Path::root().elem(element.name(), 1);
        let mut deviations = Vec::new();
        let mut descriptions = LangMap::new();
        let mut planned: Option<bool> = None;
        let mut expected_end: Option<Timestamp> = None;
        let mut extensions = Vec::new();
        let mut siblings = Siblings::new();
        let mut drop = |path: Path, code: &'static str, message: String| {
            deviations.push(Deviation::new(Severity::Dropped, code, path, message));
        };
        for child in element.children() {
            let name = child.name();
            let index = siblings.next(name);
            let here = root.clone().elem(name, index);
            if child.ns() != own {
                match child.try_writable_copy() {
                    Ok(copy) => extensions.push(copy),
                    Err(why) => drop(
                        here,
                        "unwritable",
                        format!("extension <{}/> dropped: it holds {why}", excerpt(name)),
                    ),
                }
                continue;
            }
            match name {
                "description" => {
                    let raw = child.xml_lang().map(str::trim).filter(|t| !t.is_empty());
                    let lang = match raw.map(Lang::parse_lenient) {
                        None => None,
                        Some(Ok((lang, _))) => Some(lang),
                        Some(Err(e)) => {
                            drop(
                                here,
                                "bad-description-lang",
                                format!(
                                    "description with xml:lang {} left out: {e}",
                                    excerpt(raw.unwrap_or_default())
                                ),
                            );
                            continue;
                        }
                    };
                    if descriptions.get(lang.as_ref()).is_some() {
                        drop(
                            here,
                            "duplicate-description",
                            "a second description in the same language left out".to_owned(),
                        );
                        continue;
                    }
                    descriptions.insert(lang, child.text());
                }
                "planned" if is_outage => {
                    let text = child.text();
                    let value = match text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                        "true" | "1" => Some(true),
                        "false" | "0" => Some(false),
                        _ => None,
                    };
                    match (value, planned) {
                        (_, Some(_)) => drop(
                            here,
                            "repeated-planned",
                            "a second <planned/> left out".to_owned(),
                        ),
                        (None, None) => drop(
                            here,
                            "bad-planned",
                            format!(
                                "<planned/> {} is not an xs:boolean; left out",
                                excerpt(&text)
                            ),
                        ),
                        (Some(v), None) => planned = Some(v),
                    }
                }
                "expected_end" if is_outage => {
                    let text = child.text();
                    match (
                        Timestamp::parse(
                            text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')),
                        ),
                        expected_end,
                    ) {
                        (_, Some(_)) => drop(
                            here,
                            "repeated-expected-end",
                            "a second <expected_end/> left out".to_owned(),
                        ),
                        (Err(e), None) => drop(here, "bad-expected-end", format!("{e}; left out")),
                        (Ok(t), None) => expected_end = Some(t),
                    }
                }
                _ => drop(
                    here,
                    "unknown-element",
                    format!("<{name}/> is not defined in this namespace; left out"),
                ),
            }
        }
        let item = if is_outage {
            Self::Outage(Outage {
                version,
                descriptions,
                planned,
                expected_end,
                extensions,
            })
        } else {
            Self::End(OutageEnd {
                version,
                descriptions,
                extensions,
            })
        };
        Ok(Reading::new(item, deviations))
    }

    /// [`read`](Self::read), refusing any part left out.
    pub fn read_strict(element: &Element) -> Result<Self, Error> {
        Ok(Self::read(element)?
            .into_strict("SOS item")
            .map_err(xep_core::Error::from)?)
    }
}

impl TryFrom<Element> for Outage {
    type Error = FromElementError;

    fn try_from(elem: Element) -> Result<Self, FromElementError> {
        if !is_ours(&elem, "outage") {
            return Err(FromElementError::Mismatch(elem));
        }
        match OutageItem::try_from(elem)? {
            OutageItem::Outage(o) => Ok(o),
            // `is_ours` checked the name, and the name picks the variant.
            OutageItem::End(_) => unreachable!("the element is an <outage/>"),
        }
    }
}

impl From<Outage> for Element {
    fn from(o: Outage) -> Self {
        OutageItem::Outage(o).into()
    }
}

impl TryFrom<Element> for OutageEnd {
    type Error = FromElementError;

    fn try_from(elem: Element) -> Result<Self, FromElementError> {
        if !is_ours(&elem, "outage-end") {
            return Err(FromElementError::Mismatch(elem));
        }
        match OutageItem::try_from(elem)? {
            OutageItem::End(e) => Ok(e),
            // `is_ours` checked the name, and the name picks the variant.
            OutageItem::Outage(_) => unreachable!("the element is an <outage-end/>"),
        }
    }
}

impl From<OutageEnd> for Element {
    fn from(e: OutageEnd) -> Self {
        OutageItem::End(e).into()
    }
}

impl PubSubPayload for Outage {}
impl PubSubPayload for OutageEnd {}
impl PubSubPayload for OutageItem {}

/// The node name for `version`: the namespace (`urn:xmpp:tmp:sos` in the seed's
/// examples, "a 'urn:xmpp:sos:0' pubsub node" in v0.2).
pub fn node_name(version: Version) -> Result<NodeName, Error> {
    if !version.has_in_band_items() {
        return Err(Error::NoInBandItems { version });
    }
    Ok(NodeName(version.namespace().to_owned()))
}

/// The item id for a moment: "each item MUST have an 'id' attribute value containing
/// the outage date and time, in XEP-0082 format" (v0.2; the seed says "the publishing
/// time").
pub fn item_id(at: Timestamp) -> ItemId {
    ItemId(at.to_string())
}

/// Reads an item id as its timestamp.
pub fn parse_item_id(id: Option<&ItemId>) -> Result<Timestamp, Error> {
    let text = id.map_or("", |i| i.0.as_str());
    Timestamp::parse(text).map_err(|_| Error::ItemId {
        id: text.to_owned(),
    })
}

/// A pubsub `<item/>` holding `payload` with the id for `at`.
pub fn outage_item(at: Timestamp, payload: impl Into<OutageItem>) -> Item {
    Item::new(Some(item_id(at)), None, Some(payload.into()))
}

/// The access model of the outage node. XEP-0222: "The access model MAY be any model
/// defined in XEP-0060."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AccessModel {
    /// `open`: anyone, including monitors on other servers ("Entities from other servers
    /// MAY be allowed to subscribe").
    #[default]
    Open,
    /// `presence`: entities subscribed to the owner's presence.
    Presence,
    /// `roster`: entities in allowed roster groups.
    Roster,
    /// `authorize`: the owner approves each subscriber.
    Authorize,
    /// `whitelist`: listed entities only.
    Whitelist,
}

impl AccessModel {
    /// The `pubsub#access_model` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Presence => "presence",
            Self::Roster => "roster",
            Self::Authorize => "authorize",
            Self::Whitelist => "whitelist",
        }
    }
}

/// The node configuration XEP-0222 asks for: "a node MUST be configured as follows:
/// Set pubsub#persist_items to true. Set pubsub#send_last_published_item to 'never'."
/// plus the access model. `form_type` is `pubsub#node_config` (for a create or
/// configure request) or `pubsub#publish-options`.
pub fn node_config_form(form_type: &str, access_model: AccessModel) -> DataForm {
    // Written without field types, as in XEP-0222's examples (a submitted form's types
    // are those of the form the service offered).
    let fields = vec![
        Field::text_single("pubsub#persist_items", "true"),
        Field::text_single("pubsub#send_last_published_item", "never"),
        Field::text_single("pubsub#access_model", access_model.as_str()),
    ];
    DataForm::new(DataFormType::Submit, form_type, fields)
}

/// The request creating and configuring the outage node (`<create/>` + `<configure/>`).
pub fn create_node_request(version: Version, access_model: AccessModel) -> Result<PubSub, Error> {
    Ok(PubSub::Create {
        create: Create {
            node: Some(node_name(version)?),
        },
        configure: Some(Configure {
            form: Some(node_config_form(ns_node_config(), access_model)),
        }),
    })
}

fn ns_node_config() -> &'static str {
    xep_core::ns::PUBSUB_NODE_CONFIG
}

/// The request publishing `payload` as the item for `at`, in `payload`'s namespace,
/// with XEP-0222 publish-options so that a service that auto-creates the node
/// configures it right.
///
/// ```
/// use xep_sos::items::{AccessModel, OutageEnd, publish_request};
/// use xep_sos::{Timestamp, Version};
/// let end = OutageEnd::new(Version::V0_2).with_description(None, "Fixed");
/// let pubsub = publish_request(Timestamp::parse("2021-01-01T02:05:01Z")?, end, Some(AccessModel::Open))?;
/// let xml = String::from(&minidom::Element::from(pubsub));
/// assert!(xml.contains("<publish node='urn:xmpp:sos:0'><item id='2021-01-01T02:05:01Z'><outage-end xmlns='urn:xmpp:sos:0'>"));
/// assert!(xml.contains("pubsub#publish-options"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn publish_request(
    at: Timestamp,
    payload: impl Into<OutageItem>,
    options: Option<AccessModel>,
) -> Result<PubSub, Error> {
    let payload = payload.into();
    let node = node_name(payload.version())?;
    Ok(PubSub::Publish {
        publish: Publish {
            node,
            items: vec![outage_item(at, payload)],
        },
        publish_options: options.map(|access| PublishOptions {
            form: Some(node_config_form(
                xep_core::ns::PUBSUB_PUBLISH_OPTIONS,
                access,
            )),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<OutageItem, FromElementError> {
        OutageItem::try_from(xml.parse::<Element>().unwrap())
    }

    fn invalid(xml: &str) -> String {
        match parse(xml) {
            Err(FromElementError::Invalid(e)) => e.to_string(),
            other => panic!("expected an invalid payload, got {other:?}"),
        }
    }

    #[test]
    fn test_size() {
        assert_eq!(size_of::<Timestamp>(), 16);
        assert_eq!(size_of::<Version>(), 1);
    }

    #[test]
    fn outage_round_trips_in_both_namespaces() {
        for ns in [ns::SOS_TMP, ns::SOS_0] {
            let xml = format!(
                "<outage xmlns='{ns}'><description xml:lang='en'>The ICQ and MSN gateways are down</description><description xml:lang='fr'>Les passerelles ICQ et MSN sont mortes</description><planned>false</planned><expected_end>2021-01-01T05:00:00Z</expected_end></outage>"
            );
            let elem: Element = xml.parse().unwrap();
            let OutageItem::Outage(o) = OutageItem::try_from(elem.clone()).unwrap() else {
                panic!()
            };
            assert_eq!(
                o.version,
                if ns == ns::SOS_TMP {
                    Version::Seed
                } else {
                    Version::V0_2
                }
            );
            assert_eq!(o.planned, Some(false));
            assert_eq!(
                o.expected_end,
                Some(Timestamp::parse("2021-01-01T05:00:00Z").unwrap())
            );
            assert_eq!(
                o.descriptions.best_match(&["fr-CA"]),
                Some("Les passerelles ICQ et MSN sont mortes")
            );
            assert_eq!(Element::from(o), elem);
        }
    }

    #[test]
    fn end_round_trips_and_is_told_apart() {
        let xml = "<outage-end xmlns='urn:xmpp:sos:0'><description xml:lang='en'>Everything has been fixed!</description><description>Alles gut</description></outage-end>";
        let elem: Element = xml.parse().unwrap();
        let end = OutageEnd::try_from(elem.clone()).unwrap();
        assert_eq!(end.descriptions.default_text(), Some("Alles gut"));
        // Written back: the untagged description first.
        let back = Element::from(end.clone());
        assert_eq!(OutageEnd::try_from(back).unwrap(), end);
        assert!(matches!(
            Outage::try_from(elem),
            Err(FromElementError::Mismatch(_))
        ));
        let other: Element = "<outage xmlns='urn:other'/>".parse().unwrap();
        assert!(matches!(
            OutageItem::try_from(other),
            Err(FromElementError::Mismatch(_))
        ));
    }

    #[test]
    fn version_change_writes_the_other_namespace() {
        let o = Outage::new(Version::Seed)
            .with_description(Some(Lang::parse("en").unwrap()), "down")
            .with_planned(true);
        let e = Element::from(o.clone().with_version(Version::V0_4));
        assert_eq!(e.ns(), ns::SOS_0);
        let back = Outage::try_from(e).unwrap();
        assert_eq!(back.version, Version::V0_2);
        assert_eq!(back.descriptions, o.descriptions);
    }

    #[test]
    fn foreign_children_are_kept_own_unknown_children_refused() {
        let xml = "<outage xmlns='urn:xmpp:sos:0'><planned>true</planned><link xmlns='urn:example:status' href='https://status.example/1'/></outage>";
        let o = Outage::try_from(xml.parse::<Element>().unwrap()).unwrap();
        assert_eq!(o.extensions.len(), 1);
        assert_eq!(
            o.extensions[0].attr("href"),
            Some("https://status.example/1")
        );
        let again = Outage::try_from(Element::from(o.clone())).unwrap();
        assert_eq!(again, o);
        assert_eq!(
            invalid(
                "<outage xmlns='urn:xmpp:sos:0'><beginning>2021-01-01T00:00:00Z</beginning></outage>"
            ),
            "Unknown child in Outage element."
        );
        assert_eq!(
            invalid("<outage-end xmlns='urn:xmpp:tmp:sos'><planned>true</planned></outage-end>"),
            "Unknown child in OutageEnd element."
        );
    }

    #[test]
    fn bad_content_is_a_clear_error() {
        assert_eq!(
            invalid("<outage xmlns='urn:xmpp:sos:0'><planned>maybe</planned></outage>"),
            "Invalid xs:boolean in planned element (expected true, false, 1 or 0)."
        );
        assert_eq!(
            invalid(
                "<outage xmlns='urn:xmpp:sos:0'><expected_end>tomorrow</expected_end></outage>"
            ),
            "text parse error: not an RFC 3339 date-time: \"tomorrow\""
        );
        assert_eq!(
            invalid(
                "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'>a</description><description xml:lang='EN'>b</description></outage>"
            ),
            "Two description elements with the same xml:lang."
        );
        assert_eq!(
            invalid(
                "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='not a tag'>a</description></outage>"
            ),
            "Invalid xml:lang on description element."
        );
        let twice = invalid(
            "<outage xmlns='urn:xmpp:sos:0'><planned>true</planned><planned>false</planned></outage>",
        );
        assert!(twice.contains("Outage"), "{twice}");
    }

    #[test]
    fn p14_redundant_namespaces_and_white_space() {
        let xml = "<outage xmlns='urn:xmpp:sos:0'>\n  <description xmlns='urn:xmpp:sos:0' xml:lang='en'> spaced text </description>\n  <planned xmlns='urn:xmpp:sos:0'> true </planned>\n  <expected_end>\n    2021-01-01T05:00:00Z\n  </expected_end>\n</outage>";
        let o = Outage::try_from(xml.parse::<Element>().unwrap()).unwrap();
        assert_eq!(o.planned, Some(true));
        assert_eq!(
            o.expected_end,
            Some(Timestamp::parse("2021-01-01T05:00:00Z").unwrap())
        );
        // Description text is kept as written.
        assert_eq!(o.descriptions.best_match(&["en"]), Some(" spaced text "));
        assert_eq!(
            String::from(&Element::from(o)),
            "<outage xmlns='urn:xmpp:sos:0'><description xml:lang='en'> spaced text </description><planned>true</planned><expected_end>2021-01-01T05:00:00Z</expected_end></outage>"
        );
    }

    #[test]
    fn xs_boolean_forms_are_read() {
        for (text, value) in [("1", true), ("0", false), ("true", true)] {
            let o = Outage::try_from(
                format!("<outage xmlns='urn:xmpp:sos:0'><planned>{text}</planned></outage>")
                    .parse::<Element>()
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(o.planned, Some(value));
        }
    }

    #[test]
    fn embedded_in_a_pubsub_item() {
        let at = Timestamp::parse("2021-01-01T01:01:01Z").unwrap();
        let outage = Outage::new(Version::V0_2).with_expected_end(at);
        let item = outage_item(at, outage.clone());
        assert_eq!(item.id, Some(ItemId("2021-01-01T01:01:01Z".into())));
        let back = Outage::try_from(item.payload.clone().unwrap()).unwrap();
        assert_eq!(back, outage);
        assert_eq!(parse_item_id(item.id.as_ref()).unwrap(), at);
        assert_eq!(
            parse_item_id(Some(&ItemId("current".into())))
                .unwrap_err()
                .to_string(),
            "item id \"current\" is not an XEP-0082 date-time"
        );
    }

    #[test]
    fn publish_and_create_requests() {
        let at = Timestamp::parse("2021-01-01T01:01:01Z").unwrap();
        let o = Outage::new(Version::Seed).with_planned(false);
        let PubSub::Publish {
            publish,
            publish_options,
        } = publish_request(at, o.clone(), None).unwrap()
        else {
            panic!()
        };
        assert_eq!(publish.node.0, "urn:xmpp:tmp:sos");
        assert!(publish_options.is_none());
        let round: Element = PubSub::Publish {
            publish,
            publish_options,
        }
        .into();
        let again = PubSub::try_from(round).unwrap();
        let PubSub::Publish { publish, .. } = again else {
            panic!()
        };
        assert_eq!(
            Outage::try_from(publish.items[0].payload.clone().unwrap()).unwrap(),
            o
        );

        let PubSub::Create { create, configure } =
            create_node_request(Version::V0_2, AccessModel::Presence).unwrap()
        else {
            panic!()
        };
        assert_eq!(create.node.unwrap().0, "urn:xmpp:sos:0");
        let form = configure.unwrap().form.unwrap();
        assert_eq!(form.form_type(), Some(xep_core::ns::PUBSUB_NODE_CONFIG));
        let values: Vec<(String, String)> = form
            .fields
            .iter()
            .skip(1)
            .map(|f| (f.var.clone().unwrap(), f.values[0].clone()))
            .collect();
        assert_eq!(
            values,
            [
                ("pubsub#persist_items".into(), "true".into()),
                ("pubsub#send_last_published_item".into(), "never".into()),
                ("pubsub#access_model".into(), "presence".into()),
            ]
        );
        assert_eq!(
            create_node_request(Version::V0_4, AccessModel::Open)
                .unwrap_err()
                .to_string(),
            "XEP-0455 v0.4 has no in-band items"
        );
    }

    #[test]
    fn one_bad_description_does_not_cost_the_outage() {
        // Before, the whole payload was refused and the message did not say which
        // element was wrong.
        let xml = "<outage xmlns='urn:xmpp:sos:0'>\
            <description xml:lang='en'>Gateways down</description>\
            <description xml:lang='not a tag!'>???</description>\
            <description xml:lang='en'>again</description>\
            <planned>maybe</planned><expected_end>2021-01-01T05:00:00Z</expected_end>\
            <x xmlns='urn:example'/></outage>";
        let element: Element = xml.parse().unwrap();
        assert!(OutageItem::try_from(element.clone()).is_err());
        let r = OutageItem::read(&element).unwrap();
        let OutageItem::Outage(o) = &r.value else {
            panic!("an outage")
        };
        assert_eq!(o.descriptions.best_match(&["en"]), Some("Gateways down"));
        assert_eq!(o.planned, None);
        assert_eq!(
            o.expected_end,
            Some(Timestamp::parse("2021-01-01T05:00:00Z").unwrap())
        );
        assert_eq!(o.extensions.len(), 1);
        let got: Vec<_> = r
            .deviations
            .iter()
            .map(|d| (d.path.as_str(), &*d.code))
            .collect();
        assert_eq!(
            got,
            [
                ("/outage[1]/description[2]", "bad-description-lang"),
                ("/outage[1]/description[3]", "duplicate-description"),
                ("/outage[1]/planned[1]", "bad-planned"),
            ]
        );
        assert!(OutageItem::read_strict(&element).is_err());
        // What the lenient reading returns writes and reads back strictly.
        let again = OutageItem::try_from(Element::from(r.value.clone())).unwrap();
        assert_eq!(again, r.value);
        // A clean item reads with no deviation.
        let clean: Element = "<outage-end xmlns='urn:xmpp:tmp:sos'/>".parse().unwrap();
        assert!(OutageItem::read(&clean).unwrap().deviations.is_empty());
        let other: Element = "<outage xmlns='urn:other'/>".parse().unwrap();
        assert!(OutageItem::read(&other).is_err());
    }
}

//! The vCard4 server card (XEP-0309 on top of XEP-0292 / RFC 6351 xCard): the
//! properties public server cards use, the XEP-0309 extensions, the lenient reading of
//! what real servers send, and the lint.
//!
//! A [`VCard`] is an ordered list of [`Property`] values. The properties XEP-0309 names
//! are typed; everything else (other vCard properties, foreign extensions) is an
//! [`Property::Other`] element kept at its place, so a card read and written back
//! keeps its order and its unknown content.
//!
//! * [`VCard::read`] is the lenient reading. It accepts the deviations of INTEROP P19:
//!   `<ca>` in the vCard namespace (Metronome), `<ca>` without `<uri>` (xmpp.net), the
//!   software name as vCard `<name><text>` (Metronome), `<email><uri>` (Metronome), a
//!   year-only `<bday><date>`, empty values; each is reported as a [`Deviation`] with
//!   its path and read into the typed property, which is then written the way the spec
//!   says.
//! * [`VCard::read_strict`] refuses any deviation of severity `should` or worse;
//!   `VCard::try_from(Element)` is xso's derived strict conversion.
//! * [`read_cards`] reads a `<vcards/>` list (the xmpp.net export) or a single card.
//! * [`lint`] lists what a public server card lacks: the RECOMMENDED fields first, then
//!   the OPTIONAL ones.
//!
//! ```
//! use xep_service_directory::vcard::{VCard, lint, Field};
//! let card: minidom::Element = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
//!     <kind><text>application</text></kind>\
//!     <fn><text>example.org</text></fn>\
//!     <email><uri>admin@example.org</uri></email>\
//!     <ca><name>Let's Encrypt</name><uri>https://letsencrypt.org/</uri></ca>\
//!   </vcard>".parse()?;
//! let reading = VCard::read(&card)?;
//! assert_eq!(reading.value.email(), Some("admin@example.org"));
//! assert_eq!(reading.value.ca().unwrap().name, "Let's Encrypt");
//! let codes: Vec<_> = reading.deviations.iter().map(|d| &*d.code).collect();
//! assert_eq!(codes, ["email-uri", "ca-namespace"]);
//! // Written per spec: <email><text/>, <ca xmlns='urn:xmpp:vcard:ca:0'/>.
//! let written = minidom::Element::from(reading.value.clone());
//! assert!(written.get_child("ca", "urn:xmpp:vcard:ca:0").is_some());
//! let report = lint(&reading);
//! assert_eq!(report.missing_recommended, [Field::Url, Field::Country, Field::Impp]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// xso's `extract(fields(text(type_ = String)))` expands to a `String::from(String)`
// on required fields; the derive's code, not ours.
#![allow(clippy::useless_conversion)]

use core::fmt;

use minidom::Element;
use xmpp_parsers::iq::{IqGetPayload, IqResultPayload};
use xmpp_parsers::pubsub::PubSubPayload;
use xso::{AsXml, FromXml};

use xep_core::ns;
use xep_core::reading::{Deviation, LazyPath, Path, Reading, Severity, Siblings, excerpt};
use xep_core::tree::{ElementView, TreeElement};

use crate::error::Error;
use crate::xml_text;

/// The vCard KIND of a server card: "A vCard KIND of "application"" (RFC 6473).
pub const KIND_APPLICATION: &str = "application";

/// `<parameters/>` of a property (RFC 6351 section 3.4), kept as the elements it
/// holds so that every parameter survives a round trip.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(
    namespace = ns::VCARD4,
    name = "parameters",
    deserialize_callback = writable_parameters
)]
pub struct Parameters {
    /// The parameter elements (`<pref/>`, `<type/>`, ...), in document order.
    #[xml(element(n = ..))]
    pub items: Vec<Element>,
}

/// The strict conversion keeps only parameters every writer can write.
fn writable_parameters(p: &mut Parameters) -> Result<(), xso::error::Error> {
    xep_core::xml::make_writable(&mut p.items)
}

/// Consistent with `PartialEq`: the elements are hashed as minidom compares them.
impl core::hash::Hash for Parameters {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.items.len().hash(state);
        for item in &self.items {
            xep_core::xml::hash_element(item, state);
        }
    }
}

impl Parameters {
    /// The PREF parameter (1 = most preferred): `<pref><integer>1</integer></pref>`
    /// as RFC 6351 writes it, or `<pref>1</pref>` as the XEP-0309 example does.
    pub fn pref(&self) -> Option<u8> {
        let pref = self.items.iter().find(|e| e.is("pref", ns::VCARD4))?;
        let text = match pref.get_child("integer", ns::VCARD4) {
            Some(integer) => integer.text(),
            None => pref.text(),
        };
        text.trim().parse().ok()
    }
}

/// `<kind><text/></kind>`: the kind of entity the card describes; a server card
/// says "application".
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "kind")]
pub struct Kind {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<text/>`.
    #[xml(extract(name = "text", fields(text(type_ = String))))]
    pub text: String,
}

impl Kind {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            text: value.into(),
        }
    }
}

/// `<fn><text/></fn>`: "A friendly name for the service" (RECOMMENDED).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "fn")]
pub struct FormattedName {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<text/>`.
    #[xml(extract(name = "text", fields(text(type_ = String))))]
    pub text: String,
}

impl FormattedName {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            text: value.into(),
        }
    }
}

/// `<note><text/></note>`: free text about the service.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "note")]
pub struct Note {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<text/>`.
    #[xml(extract(name = "text", fields(text(type_ = String))))]
    pub text: String,
}

impl Note {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            text: value.into(),
        }
    }
}

/// `<url><uri/></url>`: "A URL for general information about the service"
/// (RECOMMENDED).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "url")]
pub struct Url {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<uri/>`.
    #[xml(extract(name = "uri", fields(text(type_ = String))))]
    pub uri: String,
}

impl Url {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            uri: value.into(),
        }
    }
}

/// `<email><text/></email>`: "An email address or alias for contacting the
/// administrators" (RECOMMENDED).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "email")]
pub struct Email {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<text/>`.
    #[xml(extract(name = "text", fields(text(type_ = String))))]
    pub text: String,
}

impl Email {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            text: value.into(),
        }
    }
}

/// `<impp><uri/></impp>`: "The XMPP address for the service" (RECOMMENDED), an
/// `xmpp:` URI.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "impp")]
pub struct Impp {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<uri/>`.
    #[xml(extract(name = "uri", fields(text(type_ = String))))]
    pub uri: String,
}

impl Impp {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            uri: value.into(),
        }
    }
}

/// `<logo><uri/></logo>`: "Logo for the service" (OPTIONAL).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "logo")]
pub struct Logo {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<uri/>`.
    #[xml(extract(name = "uri", fields(text(type_ = String))))]
    pub uri: String,
}

impl Logo {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            uri: value.into(),
        }
    }
}

/// `<geo><uri/></geo>`: "Geographical coordinates for the service" (OPTIONAL), a
/// `geo:` URI.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "geo")]
pub struct Geo {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<uri/>`.
    #[xml(extract(name = "uri", fields(text(type_ = String))))]
    pub uri: String,
}

impl Geo {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            uri: value.into(),
        }
    }
}

/// `<lang><language-tag/></lang>`: "Preferred language of communication with the
/// administrators" (OPTIONAL).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "lang")]
pub struct Lang {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The value, in `<language-tag/>`.
    #[xml(extract(name = "language-tag", fields(text(type_ = String))))]
    pub language_tag: String,
}

impl Lang {
    /// The property with this value and no parameters.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            parameters: None,
            language_tag: value.into(),
        }
    }
}

/// The value of a date property such as `<bday/>` (for a server: the year it was
/// founded), in the value type it was given in.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Hash)]
#[xml(namespace = ns::VCARD4)]
pub enum DateValue {
    /// `<date/>`: `19850412`, `1985-04`, `--0412`, `---12` (a year alone is not in
    /// the xCard pattern but is what servers send).
    #[xml(name = "date")]
    Date {
        /// The text.
        #[xml(text)]
        value: String,
    },
    /// `<date-time/>`.
    #[xml(name = "date-time")]
    DateTime {
        /// The text.
        #[xml(text)]
        value: String,
    },
    /// `<date-and-or-time/>`.
    #[xml(name = "date-and-or-time")]
    DateAndOrTime {
        /// The text.
        #[xml(text)]
        value: String,
    },
    /// `<text/>`: free text.
    #[xml(name = "text")]
    Text {
        /// The text.
        #[xml(text)]
        value: String,
    },
}

impl DateValue {
    /// The text of the value, whatever its type.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Date { value }
            | Self::DateTime { value }
            | Self::DateAndOrTime { value }
            | Self::Text { value } => value,
        }
    }

    fn from_name(name: &str, value: String) -> Option<Self> {
        Some(match name {
            "date" => Self::Date { value },
            "date-time" => Self::DateTime { value },
            "date-and-or-time" => Self::DateAndOrTime { value },
            "text" => Self::Text { value },
            _ => return None,
        })
    }
}

/// `<bday/>`: for a server card, the founding date (Metronome writes the
/// `foundation_year` option here).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "bday")]
pub struct Bday {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The date.
    #[xml(child)]
    pub value: DateValue,
}

/// The value of `<tz/>`: a zone name, a URI or a UTC offset.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Hash)]
#[xml(namespace = ns::VCARD4)]
pub enum TzValue {
    /// `<text/>`, such as `America/Chicago`.
    #[xml(name = "text")]
    Text {
        /// The text.
        #[xml(text)]
        value: String,
    },
    /// `<uri/>`.
    #[xml(name = "uri")]
    Uri {
        /// The text.
        #[xml(text)]
        value: String,
    },
    /// `<utc-offset/>`, such as `-0500`.
    #[xml(name = "utc-offset")]
    UtcOffset {
        /// The text.
        #[xml(text)]
        value: String,
    },
}

impl TzValue {
    /// The text of the value, whatever its type.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text { value } | Self::Uri { value } | Self::UtcOffset { value } => value,
        }
    }

    fn from_name(name: &str, value: String) -> Option<Self> {
        Some(match name {
            "text" => Self::Text { value },
            "uri" => Self::Uri { value },
            "utc-offset" => Self::UtcOffset { value },
            _ => return None,
        })
    }
}

/// `<tz/>`: the service's time zone.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Hash)]
#[xml(namespace = ns::VCARD4, name = "tz")]
pub struct Tz {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// The zone.
    #[xml(child)]
    pub value: TzValue,
}

/// `<adr/>`: the postal address; a server card uses `<region/>` (OPTIONAL) and
/// `<country/>` (RECOMMENDED). The components hold their text directly (RFC 6351).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default, Hash)]
#[xml(namespace = ns::VCARD4, name = "adr")]
pub struct Adr {
    /// The property's parameters, if any.
    #[xml(child(default))]
    pub parameters: Option<Parameters>,
    /// `<pobox/>`.
    #[xml(extract(default, name = "pobox", fields(text(type_ = String))))]
    pub pobox: Option<String>,
    /// `<ext/>`: extended address.
    #[xml(extract(default, name = "ext", fields(text(type_ = String))))]
    pub ext: Option<String>,
    /// `<street/>`.
    #[xml(extract(default, name = "street", fields(text(type_ = String))))]
    pub street: Option<String>,
    /// `<locality/>`: the city.
    #[xml(extract(default, name = "locality", fields(text(type_ = String))))]
    pub locality: Option<String>,
    /// `<region/>`: "Region where the service is located" (OPTIONAL).
    #[xml(extract(default, name = "region", fields(text(type_ = String))))]
    pub region: Option<String>,
    /// `<code/>`: postal code.
    #[xml(extract(default, name = "code", fields(text(type_ = String))))]
    pub code: Option<String>,
    /// `<country/>`: "The country where the service is located" (RECOMMENDED).
    #[xml(extract(default, name = "country", fields(text(type_ = String))))]
    pub country: Option<String>,
}

impl Adr {
    fn components_mut(&mut self) -> [(&'static str, &mut Option<String>); 7] {
        [
            ("pobox", &mut self.pobox),
            ("ext", &mut self.ext),
            ("street", &mut self.street),
            ("locality", &mut self.locality),
            ("region", &mut self.region),
            ("code", &mut self.code),
            ("country", &mut self.country),
        ]
    }
}

/// `<registration xmlns='urn:xmpp:vcard:registration:1'><uri/></registration>`: where
/// to register an account when the server does not offer in-band registration.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Hash)]
#[xml(namespace = ns::VCARD_REGISTRATION, name = "registration")]
pub struct Registration {
    /// The registration URI.
    #[xml(extract(name = "uri", fields(text(type_ = String))))]
    pub uri: String,
}

/// `<ca xmlns='urn:xmpp:vcard:ca:0'><name/><uri/></ca>`: "Certification authority
/// name and URI" (OPTIONAL), best added by the directory from the TLS negotiation.
#[derive(
    FromXml, AsXml, Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[xml(namespace = ns::VCARD_CA, name = "ca")]
pub struct Ca {
    /// The CA's name.
    #[xml(extract(name = "name", fields(text(type_ = String))))]
    pub name: String,
    /// The CA's URI; the schema requires it, xmpp.net leaves it out.
    #[xml(extract(default, name = "uri", fields(text(type_ = String))))]
    pub uri: Option<String>,
}

/// `<name xmlns='jabber:iq:version'/>`: "Software name" (OPTIONAL), best added by the
/// directory from an XEP-0092 query.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Hash)]
#[xml(namespace = ns::VERSION, name = "name")]
pub struct SoftwareName {
    /// The name.
    #[xml(text)]
    pub name: String,
}

/// One property of a [`VCard`].
#[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
#[xml()]
#[non_exhaustive]
pub enum Property {
    /// `<kind/>`.
    #[xml(transparent)]
    Kind(Kind),
    /// `<fn/>`.
    #[xml(transparent)]
    FormattedName(FormattedName),
    /// `<note/>`.
    #[xml(transparent)]
    Note(Note),
    /// `<url/>`.
    #[xml(transparent)]
    Url(Url),
    /// `<bday/>`.
    #[xml(transparent)]
    Bday(Bday),
    /// `<lang/>`.
    #[xml(transparent)]
    Lang(Lang),
    /// `<adr/>`.
    #[xml(transparent)]
    Adr(Adr),
    /// `<email/>`.
    #[xml(transparent)]
    Email(Email),
    /// `<impp/>`.
    #[xml(transparent)]
    Impp(Impp),
    /// `<logo/>`.
    #[xml(transparent)]
    Logo(Logo),
    /// `<geo/>`.
    #[xml(transparent)]
    Geo(Geo),
    /// `<tz/>`.
    #[xml(transparent)]
    Tz(Tz),
    /// `<registration xmlns='urn:xmpp:vcard:registration:1'/>`.
    #[xml(transparent)]
    Registration(Registration),
    /// `<ca xmlns='urn:xmpp:vcard:ca:0'/>`.
    #[xml(transparent)]
    Ca(Ca),
    /// `<name xmlns='jabber:iq:version'/>`.
    #[xml(transparent)]
    SoftwareName(SoftwareName),
    /// Any other property or extension, kept as it came.
    #[xml(transparent)]
    Other(Element),
}

/// Consistent with `PartialEq`: the variant, then its value; an
/// [`Property::Other`] element is hashed as minidom compares it.
impl core::hash::Hash for Property {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        core::mem::discriminant(self).hash(state);
        match self {
            Self::Kind(p) => p.hash(state),
            Self::FormattedName(p) => p.hash(state),
            Self::Note(p) => p.hash(state),
            Self::Url(p) => p.hash(state),
            Self::Bday(p) => p.hash(state),
            Self::Lang(p) => p.hash(state),
            Self::Adr(p) => p.hash(state),
            Self::Email(p) => p.hash(state),
            Self::Impp(p) => p.hash(state),
            Self::Logo(p) => p.hash(state),
            Self::Geo(p) => p.hash(state),
            Self::Tz(p) => p.hash(state),
            Self::Registration(p) => p.hash(state),
            Self::Ca(p) => p.hash(state),
            Self::SoftwareName(p) => p.hash(state),
            Self::Other(e) => xep_core::xml::hash_element(e, state),
        }
    }
}

impl Property {
    /// Which typed field of a server card this property is (`None` for
    /// [`Property::Other`]).
    pub fn field(&self) -> Option<Field> {
        Some(match self {
            Self::Kind(_) => Field::Kind,
            Self::FormattedName(_) => Field::FormattedName,
            Self::Note(_) => Field::Note,
            Self::Url(_) => Field::Url,
            Self::Bday(_) => Field::Bday,
            Self::Lang(_) => Field::Lang,
            Self::Adr(_) => Field::Country,
            Self::Email(_) => Field::Email,
            Self::Impp(_) => Field::Impp,
            Self::Logo(_) => Field::Logo,
            Self::Geo(_) => Field::Geo,
            Self::Tz(_) => Field::Tz,
            Self::Registration(_) => Field::Registration,
            Self::Ca(_) => Field::Ca,
            Self::SoftwareName(_) => Field::SoftwareName,
            Self::Other(_) => return None,
        })
    }
}

/// `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>`: a server card, as returned
/// to a vCard query (an [`IqResultPayload`]) and published on the directory's
/// `urn:xmpp:contacts` node (a [`PubSubPayload`]).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default, Hash)]
#[xml(namespace = ns::VCARD4, name = "vcard", deserialize_callback = writable_card)]
pub struct VCard {
    /// The properties, in document order.
    #[xml(child(n = ..))]
    pub properties: Vec<Property>,
}

/// The strict conversion keeps only unknown properties every writer can write.
fn writable_card(card: &mut VCard) -> Result<(), xso::error::Error> {
    for property in &mut card.properties {
        if let Property::Other(element) = property {
            xep_core::xml::make_writable(core::slice::from_mut(element))?;
        }
    }
    Ok(())
}

impl PubSubPayload for VCard {}
impl IqResultPayload for VCard {}

/// `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>` with no content: the vCard
/// query a directory sends to a server (XEP-0292), an [`IqGetPayload`].
#[derive(FromXml, AsXml, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[xml(namespace = ns::VCARD4, name = "vcard")]
pub struct VCardQuery;

impl IqGetPayload for VCardQuery {}

/// `<vcards xmlns='urn:ietf:params:xml:ns:vcard-4.0'/>`: a list of cards, as in an
/// xCard document or the xmpp.net export.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::VCARD4, name = "vcards")]
pub struct VCards {
    /// The cards, in document order.
    #[xml(child(n = ..))]
    pub cards: Vec<VCard>,
}

macro_rules! first {
    ($self:ident, $variant:ident) => {
        $self.properties.iter().find_map(|p| match p {
            Property::$variant(v) => Some(v),
            _ => None,
        })
    };
}

impl VCard {
    /// An empty card.
    pub fn new() -> Self {
        Self::default()
    }

    /// A server card with KIND "application", the friendly name and the service's
    /// XMPP address (`xmpp:` followed by `domain`).
    pub fn server(name: impl Into<String>, domain: &jid::BareJid) -> Self {
        let mut card = Self::new();
        card.set(Property::Kind(Kind::new(KIND_APPLICATION)));
        card.set(Property::FormattedName(FormattedName::new(name)));
        card.set(Property::Impp(Impp::new(format!("xmpp:{domain}"))));
        card
    }

    /// Replaces the first property of the same field with `property` in place, or
    /// appends it. An [`Property::Other`] is always appended.
    pub fn set(&mut self, property: Property) {
        let field = property.field();
        let slot = field.and_then(|f| {
            self.properties
                .iter()
                .position(|p| p.field() == Some(f) && same_variant(p, &property))
        });
        match slot {
            Some(i) => self.properties[i] = property,
            None => self.properties.push(property),
        }
    }

    /// Builder form of [`VCard::set`].
    #[must_use]
    pub fn with(mut self, property: Property) -> Self {
        self.set(property);
        self
    }

    /// The KIND text.
    pub fn kind(&self) -> Option<&str> {
        first!(self, Kind).map(|v| v.text.as_str())
    }
    /// The friendly name (`<fn/>`).
    pub fn formatted_name(&self) -> Option<&str> {
        first!(self, FormattedName).map(|v| v.text.as_str())
    }
    /// The note.
    pub fn note(&self) -> Option<&str> {
        first!(self, Note).map(|v| v.text.as_str())
    }
    /// The information URL.
    pub fn url(&self) -> Option<&str> {
        first!(self, Url).map(|v| v.uri.as_str())
    }
    /// The founding date, as given.
    pub fn bday(&self) -> Option<&str> {
        first!(self, Bday).map(|v| v.value.as_str())
    }
    /// The administrators' preferred language (the most preferred `<lang/>`).
    pub fn lang(&self) -> Option<&str> {
        self.properties
            .iter()
            .filter_map(|p| match p {
                Property::Lang(l) => Some(l),
                _ => None,
            })
            .min_by_key(|l| {
                l.parameters
                    .as_ref()
                    .and_then(Parameters::pref)
                    .unwrap_or(u8::MAX)
            })
            .map(|l| l.language_tag.as_str())
    }
    /// The first address.
    pub fn adr(&self) -> Option<&Adr> {
        first!(self, Adr)
    }
    /// The country of the first address that names one.
    pub fn country(&self) -> Option<&str> {
        self.adrs().find_map(|a| a.country.as_deref())
    }
    /// The region of the first address that names one.
    pub fn region(&self) -> Option<&str> {
        self.adrs().find_map(|a| a.region.as_deref())
    }
    fn adrs(&self) -> impl Iterator<Item = &Adr> {
        self.properties.iter().filter_map(|p| match p {
            Property::Adr(a) => Some(a),
            _ => None,
        })
    }
    /// The administrators' email address.
    pub fn email(&self) -> Option<&str> {
        first!(self, Email).map(|v| v.text.as_str())
    }
    /// The service's XMPP URI.
    pub fn impp(&self) -> Option<&str> {
        first!(self, Impp).map(|v| v.uri.as_str())
    }
    /// The logo URI.
    pub fn logo(&self) -> Option<&str> {
        first!(self, Logo).map(|v| v.uri.as_str())
    }
    /// The `geo:` URI.
    pub fn geo(&self) -> Option<&str> {
        first!(self, Geo).map(|v| v.uri.as_str())
    }
    /// The time zone, as given.
    pub fn tz(&self) -> Option<&str> {
        first!(self, Tz).map(|v| v.value.as_str())
    }
    /// The registration URI.
    pub fn registration(&self) -> Option<&str> {
        first!(self, Registration).map(|v| v.uri.as_str())
    }
    /// The certification authority.
    pub fn ca(&self) -> Option<&Ca> {
        first!(self, Ca)
    }
    /// The software name.
    pub fn software_name(&self) -> Option<&str> {
        first!(self, SoftwareName).map(|v| v.name.as_str())
    }
    /// The properties this crate does not type, in document order.
    pub fn others(&self) -> impl Iterator<Item = &Element> {
        self.properties.iter().filter_map(|p| match p {
            Property::Other(e) => Some(e),
            _ => None,
        })
    }

    /// Lenient reading of a `<vcard/>`, or of an `<iq/>` or pubsub `<item/>`
    /// holding one. `Err` only when the element is none of these.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        Self::read_view(element)
    }

    /// [`read`](Self::read) from a compact tree ([`xep_core::tree`]): the same
    /// reading, without a minidom tree of the card (a card of 2,000 addresses is
    /// some twenty times its text as one).
    pub fn read_tree(element: TreeElement<'_>) -> Result<Reading<Self>, Error> {
        Self::read_view(element)
    }

    fn read_view<'a, E: ElementView<'a>>(element: E) -> Result<Reading<Self>, Error> {
        if element.is("vcard", ns::VCARD4) {
            let root = Path::root();
            return Ok(read_card(element, &LazyPath::new(&root).elem("vcard", 1)));
        }
        if matches!(element.name(), "iq" | "item") {
            let path = Path::root().elem(element.name(), 1);
            if let Some(card) = element.get_child("vcard", ns::VCARD4) {
                let mut reading = read_card(card, &LazyPath::new(&path).elem("vcard", 1));
                if element.name() == "iq" && element.attr("type") != Some("result") {
                    reading.deviations.insert(
                        0,
                        Deviation::new(
                            Severity::Must,
                            "iq-not-result",
                            path.attr("type"),
                            format!(
                                "a vCard answer is an <iq type='result'/>, found type {}",
                                excerpt(element.attr("type").unwrap_or(""))
                            ),
                        ),
                    );
                }
                return Ok(reading);
            }
        }
        Err(Error::NotThisElement {
            expected: "a vCard4 <vcard/>",
            found: format!("{{{}}}{}", element.ns(), element.name()),
        })
    }

    /// Strict reading: [`VCard::read`] refusing any deviation of severity `should`
    /// or worse.
    pub fn read_strict(element: &Element) -> Result<Self, Error> {
        Ok(Self::read(element)?.into_strict("server vCard")?)
    }
}

fn same_variant(a: &Property, b: &Property) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

/// Lenient reading of a `<vcards/>` list or of one `<vcard/>` (or anything
/// [`VCard::read`] takes): every card, each read on its own.
pub fn read_cards(element: &Element) -> Result<Reading<Vec<VCard>>, Error> {
    read_cards_view(element)
}

/// [`read_cards`] from a compact tree ([`xep_core::tree`]), without a minidom tree
/// of the list.
pub fn read_cards_tree(element: TreeElement<'_>) -> Result<Reading<Vec<VCard>>, Error> {
    read_cards_view(element)
}

fn read_cards_view<'a, E: ElementView<'a>>(element: E) -> Result<Reading<Vec<VCard>>, Error> {
    if !element.is("vcards", ns::VCARD4) {
        return Ok(VCard::read_view(element)?.map(|card| vec![card]));
    }
    let root = Path::root().elem("vcards", 1);
    let mut deviations = Vec::new();
    let mut cards = Vec::new();
    let mut n = 0;
    for child in element.children() {
        if child.is("vcard", ns::VCARD4) {
            n += 1;
            cards.push(
                read_card(child, &LazyPath::new(&root).elem("vcard", n)).take(&mut deviations),
            );
        } else {
            deviations.push(Deviation::new(
                Severity::Dropped,
                "not-a-vcard",
                root.clone().elem(child.name(), 1),
                format!(
                    "{{{}}}{} in a <vcards/> list dropped",
                    child.ns(),
                    child.name()
                ),
            ));
        }
    }
    Ok(Reading::new(cards, deviations))
}

/// The value element names of RFC 6351 that may carry a property's value.
const VALUE_TYPES: &[&str] = &[
    "text",
    "uri",
    "date",
    "time",
    "date-time",
    "date-and-or-time",
    "timestamp",
    "boolean",
    "integer",
    "float",
    "utc-offset",
    "language-tag",
];

struct Reader<'a> {
    deviations: &'a mut Vec<Deviation>,
}

impl Reader<'_> {
    fn push(&mut self, severity: Severity, code: &'static str, path: Path, message: String) {
        self.deviations
            .push(Deviation::new(severity, code, path, message));
    }

    /// A value text, with the characters XML cannot carry removed (and reported);
    /// white space around a token value (URI, date, tag) removed (and reported).
    fn clean(&mut self, raw: String, token: bool, path: &LazyPath<'_>) -> String {
        let mut value = match xml_text::strip(&raw) {
            Some(stripped) => {
                self.push(
                    Severity::Must,
                    "invalid-character",
                    path.path(),
                    "characters XML cannot carry removed".to_owned(),
                );
                stripped
            }
            None => raw,
        };
        if token {
            let trimmed = value.trim();
            if trimmed.len() != value.len() {
                self.push(
                    Severity::Should,
                    "value-white-space",
                    path.path(),
                    format!("white space around {} removed", excerpt(&value)),
                );
                value = trimmed.to_owned();
            }
        }
        if value.is_empty() {
            self.push(
                Severity::Should,
                "empty-value",
                path.path(),
                "empty value".to_owned(),
            );
        }
        value
    }

    /// The parameters of a property, if writable.
    fn parameters<'a, E: ElementView<'a>>(
        &mut self,
        property: E,
        path: &LazyPath<'_>,
    ) -> Option<Parameters> {
        let params = property.get_child("parameters", ns::VCARD4)?;
        let mut params = match params.try_writable_copy() {
            Ok(params) => params,
            Err(why) => {
                self.push(
                    Severity::Dropped,
                    "unwritable",
                    path.path().elem("parameters", 1),
                    format!("parameters dropped: they hold {why}"),
                );
                return None;
            }
        };
        // Moved out of the copy, not copied again.
        let items: Vec<Element> = params.take_contents_as_children().collect();
        if let Some(pref) = items.iter().find(|e| e.is("pref", ns::VCARD4))
            && !pref.has_child("integer", ns::VCARD4)
        {
            // XEP-0309's own example writes `<pref>1</pref>`: worth a note only.
            self.push(
                Severity::Note,
                "pref-without-integer",
                path.path().elem("parameters", 1).elem("pref", 1),
                "RFC 6351 puts the PREF value in <integer/>".to_owned(),
            );
        }
        Some(Parameters { items })
    }

    /// The value of a property: the first child named like a value type. `expected`
    /// is the type the spec gives it; `accept` the other types read without a
    /// deviation. `None` (reported as dropped) when there is no value at all.
    fn value<'a, E: ElementView<'a>>(
        &mut self,
        property: E,
        path: &LazyPath<'_>,
        expected: &str,
        accept: &[&str],
    ) -> Option<(String, String)> {
        let mut found: Option<E> = None;
        let mut siblings = Siblings::new();
        for child in property.children() {
            let n = siblings.next(child.name());
            if child.has_ns(ns::VCARD4) && VALUE_TYPES.contains(&child.name()) {
                if found.is_none() {
                    found = Some(child);
                } else {
                    self.push(
                        Severity::Dropped,
                        "extra-value",
                        path.path().elem(child.name(), n),
                        "second value of a single-valued property dropped".to_owned(),
                    );
                }
            } else if !child.is("parameters", ns::VCARD4) {
                self.push(
                    Severity::Dropped,
                    "unknown-child",
                    path.path().elem(child.name(), n),
                    format!(
                        "{{{}}}{} is not part of <{}/> and was dropped",
                        child.ns(),
                        child.name(),
                        property.name()
                    ),
                );
            }
        }
        let Some(value) = found else {
            let text = property.text();
            if !text.trim().is_empty() {
                self.push(
                    Severity::Must,
                    "value-without-type",
                    path.path(),
                    format!(
                        "value {} is not wrapped in <{expected}/>; read as one",
                        excerpt(text.trim())
                    ),
                );
                let text = self.clean(text.trim().to_owned(), false, path);
                return Some((expected.to_owned(), text));
            }
            self.push(
                Severity::Dropped,
                "missing-value",
                path.path(),
                format!("<{}/> without a value dropped", property.name()),
            );
            return None;
        };
        let vpath = path.elem(value.name(), 1);
        let type_ = value.name();
        if type_ != expected && !accept.contains(&type_) {
            let code = match (property.name(), type_) {
                ("email", "uri") => "email-uri",
                _ => "value-type",
            };
            self.push(
                Severity::Must,
                code,
                vpath.path(),
                format!(
                    "<{}/> takes <{expected}/>, found <{type_}/>; read as <{expected}/>",
                    property.name()
                ),
            );
        }
        let token = expected != "text";
        let mut text = self.clean(value.text(), token, &vpath);
        if property.name() == "email"
            && let Some(address) = text.strip_prefix("mailto:")
        {
            text = address.to_owned();
        }
        Some((type_.to_owned(), text))
    }
}

fn child_text<'a, E: ElementView<'a>>(
    reader: &mut Reader<'_>,
    parent: E,
    ns: &str,
    name: &str,
    path: &LazyPath<'_>,
    token: bool,
) -> Option<String> {
    let child = parent.children().find(|c| c.name() == name)?;
    // `ns` is the parent's namespace: `Element::ns` copies it.
    if !child.has_ns(ns) {
        reader.push(
            Severity::Must,
            "child-namespace",
            path.path().elem(name, 1),
            format!(
                "<{name}/> in {} instead of {}",
                excerpt(&child.ns()),
                excerpt(ns)
            ),
        );
    }
    Some(reader.clean(child.text(), token, &path.elem(name, 1)))
}

fn read_card<'a, E: ElementView<'a>>(element: E, root: &LazyPath<'_>) -> Reading<VCard> {
    let mut deviations = Vec::new();
    let mut reader = Reader {
        deviations: &mut deviations,
    };
    // Sized once: each property is some 200 bytes, so growing the list would ask the
    // allocator twice for blocks of kilobytes, which a large heap serves from cold
    // memory (the directory machine's cost per event at 10,000 servers).
    let mut card = VCard {
        properties: Vec::with_capacity(element.children().count()),
    };
    let mut siblings = Siblings::new();
    for child in element.children() {
        let n = siblings.next(child.name());
        let path = root.elem(child.name(), n);
        if let Some(p) = read_property(&mut reader, child, &path) {
            card.properties.push(p);
        }
    }
    Reading::new(card, deviations)
}

fn read_property<'a, E: ElementView<'a>>(
    reader: &mut Reader<'_>,
    e: E,
    path: &LazyPath<'_>,
) -> Option<Property> {
    if e.has_ns(ns::VCARD4) {
        let params = |r: &mut Reader<'_>| r.parameters(e, path);
        let p = match e.name() {
            "kind" | "fn" | "note" | "email" => {
                let parameters = params(reader);
                let (_, text) = reader.value(e, path, "text", &[])?;
                match e.name() {
                    "kind" => Property::Kind(Kind { parameters, text }),
                    "fn" => Property::FormattedName(FormattedName { parameters, text }),
                    "note" => Property::Note(Note { parameters, text }),
                    _ => Property::Email(Email { parameters, text }),
                }
            }
            "url" | "impp" | "logo" | "geo" => {
                let parameters = params(reader);
                let (_, uri) = reader.value(e, path, "uri", &[])?;
                match e.name() {
                    "url" => Property::Url(Url { parameters, uri }),
                    "impp" => Property::Impp(Impp { parameters, uri }),
                    "logo" => Property::Logo(Logo { parameters, uri }),
                    _ => Property::Geo(Geo { parameters, uri }),
                }
            }
            "lang" => {
                let parameters = params(reader);
                let (_, language_tag) = reader.value(e, path, "language-tag", &[])?;
                Property::Lang(Lang {
                    parameters,
                    language_tag,
                })
            }
            "bday" => {
                let parameters = params(reader);
                let (type_, text) =
                    reader.value(e, path, "date", &["date-time", "date-and-or-time", "text"])?;
                let value = DateValue::from_name(&type_, text.clone())
                    .unwrap_or(DateValue::Date { value: text });
                if let DateValue::Date { value: v } = &value
                    && v.len() == 4
                    && v.bytes().all(|b| b.is_ascii_digit())
                {
                    reader.push(
                        Severity::Must,
                        "year-only-date",
                        path.path().elem("date", 1),
                        format!(
                            "date {} is a year alone, which the xCard date pattern does not allow",
                            excerpt(v)
                        ),
                    );
                }
                Property::Bday(Bday { parameters, value })
            }
            "tz" => {
                let parameters = params(reader);
                let (type_, text) = reader.value(e, path, "text", &["uri", "utc-offset"])?;
                let value = TzValue::from_name(&type_, text.clone())
                    .unwrap_or(TzValue::Text { value: text });
                Property::Tz(Tz { parameters, value })
            }
            "adr" => Property::Adr(read_adr(reader, e, path)),
            "ca" => {
                reader.push(
                    Severity::Must,
                    "ca-namespace",
                    path.path(),
                    format!(
                        "<ca/> in the vCard namespace; XEP-0309 puts it in {}",
                        ns::VCARD_CA
                    ),
                );
                Property::Ca(read_ca(reader, e, ns::VCARD4, path)?)
            }
            "name" if e.has_child("text", ns::VCARD4) => {
                reader.push(
                    Severity::Must,
                    "software-name-namespace",
                    path.path(),
                    format!(
                        "software name as vCard <name><text/>; XEP-0309 uses <name xmlns='{}'/>",
                        ns::VERSION
                    ),
                );
                let (_, name) = reader.value(e, path, "text", &[])?;
                Property::SoftwareName(SoftwareName { name })
            }
            _ => return other(reader, e, path),
        };
        return Some(p);
    }
    if e.is("registration", ns::VCARD_REGISTRATION) {
        let Some(uri) = child_text(reader, e, ns::VCARD_REGISTRATION, "uri", path, true) else {
            reader.push(
                Severity::Dropped,
                "missing-value",
                path.path(),
                "<registration/> without <uri/> dropped".to_owned(),
            );
            return None;
        };
        return Some(Property::Registration(Registration { uri }));
    }
    if e.is("ca", ns::VCARD_CA) {
        return read_ca(reader, e, ns::VCARD_CA, path).map(Property::Ca);
    }
    if e.is("name", ns::VERSION) {
        let name = reader.clean(e.text(), false, path);
        return Some(Property::SoftwareName(SoftwareName { name }));
    }
    other(reader, e, path)
}

fn other<'a, E: ElementView<'a>>(
    reader: &mut Reader<'_>,
    e: E,
    path: &LazyPath<'_>,
) -> Option<Property> {
    match e.try_writable_copy() {
        Ok(copy) => Some(Property::Other(copy)),
        Err(why) => {
            reader.push(
                Severity::Dropped,
                "unwritable",
                path.path(),
                format!("property dropped: it holds {why}"),
            );
            None
        }
    }
}

/// `<ca/>`, in namespace `ns`.
fn read_ca<'a, E: ElementView<'a>>(
    reader: &mut Reader<'_>,
    e: E,
    ns: &str,
    path: &LazyPath<'_>,
) -> Option<Ca> {
    let name = child_text(reader, e, ns, "name", path, false);
    let uri = child_text(reader, e, ns, "uri", path, true);
    if uri.is_none() {
        reader.push(
            Severity::Must,
            "ca-without-uri",
            path.path(),
            "<ca/> without <uri/>; the schema requires both".to_owned(),
        );
    }
    let Some(name) = name else {
        reader.push(
            Severity::Dropped,
            "missing-value",
            path.path(),
            "<ca/> without <name/> dropped".to_owned(),
        );
        return None;
    };
    Some(Ca { name, uri })
}

fn read_adr<'a, E: ElementView<'a>>(reader: &mut Reader<'_>, e: E, path: &LazyPath<'_>) -> Adr {
    let mut adr = Adr {
        parameters: reader.parameters(e, path),
        ..Adr::default()
    };
    let mut siblings = Siblings::new();
    for child in e.children() {
        let n = siblings.next(child.name());
        let here = path.elem(child.name(), n);
        if child.is("parameters", ns::VCARD4) {
            continue;
        }
        let slot = adr
            .components_mut()
            .into_iter()
            .find(|(name, _)| child.is(name, ns::VCARD4));
        match slot {
            Some((_, slot)) if slot.is_none() => {
                // xCard components may wrap their text in <text/>; take either.
                let raw = match child.get_child("text", ns::VCARD4) {
                    Some(text) => text.text(),
                    None => child.text(),
                };
                let token = matches!(child.name(), "country" | "region" | "code");
                let mut dev = Vec::new();
                let value = Reader {
                    deviations: &mut dev,
                }
                .clean(raw, token, &here);
                reader.deviations.extend(dev);
                *slot = Some(value);
            }
            Some(_) => reader.push(
                Severity::Dropped,
                "extra-value",
                here.path(),
                format!("second <{}/> in <adr/> dropped", child.name()),
            ),
            None => reader.push(
                Severity::Dropped,
                "unknown-child",
                here.path(),
                format!(
                    "{{{}}}{} is not part of <adr/> and was dropped",
                    child.ns(),
                    child.name()
                ),
            ),
        }
    }
    adr
}

/// A field of a public server card, as XEP-0309 lists them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Field {
    /// `<fn/>` (RECOMMENDED).
    FormattedName,
    /// `<url/>` (RECOMMENDED).
    Url,
    /// `<adr><country/></adr>` (RECOMMENDED).
    Country,
    /// `<email/>` (RECOMMENDED).
    Email,
    /// `<impp/>` (RECOMMENDED).
    Impp,
    /// `<kind><text>application</text></kind>` (RECOMMENDED).
    Kind,
    /// `<lang/>` (OPTIONAL).
    Lang,
    /// `<adr><region/></adr>` (OPTIONAL).
    Region,
    /// `<logo/>` (OPTIONAL).
    Logo,
    /// `<geo/>` (OPTIONAL).
    Geo,
    /// `<registration xmlns='urn:xmpp:vcard:registration:1'/>` (OPTIONAL).
    Registration,
    /// `<ca xmlns='urn:xmpp:vcard:ca:0'/>` (OPTIONAL).
    Ca,
    /// `<name xmlns='jabber:iq:version'/>` (OPTIONAL).
    SoftwareName,
    /// `<note/>` (not listed by XEP-0309).
    Note,
    /// `<bday/>` (not listed by XEP-0309).
    Bday,
    /// `<tz/>` (not listed by XEP-0309).
    Tz,
}

impl Field {
    /// The fields XEP-0309 says it "is RECOMMENDED for public server vCards to
    /// include", in the spec's order.
    pub const RECOMMENDED: [Self; 6] = [
        Self::FormattedName,
        Self::Url,
        Self::Country,
        Self::Email,
        Self::Impp,
        Self::Kind,
    ];
    /// The fields XEP-0309 says it "is OPTIONAL for public server vCards to
    /// include", in the spec's order.
    pub const OPTIONAL: [Self; 7] = [
        Self::Lang,
        Self::Region,
        Self::Logo,
        Self::Geo,
        Self::Registration,
        Self::Ca,
        Self::SoftwareName,
    ];

    /// The element as the spec writes it, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FormattedName => "fn",
            Self::Url => "url",
            Self::Country => "adr/country",
            Self::Email => "email",
            Self::Impp => "impp",
            Self::Kind => "kind",
            Self::Lang => "lang",
            Self::Region => "adr/region",
            Self::Logo => "logo",
            Self::Geo => "geo",
            Self::Registration => "registration",
            Self::Ca => "ca",
            Self::SoftwareName => "software name",
            Self::Note => "note",
            Self::Bday => "bday",
            Self::Tz => "tz",
        }
    }

    /// Whether `card` has this field with a non-empty value (what [`lint`] checks).
    pub fn present(self, card: &VCard) -> bool {
        let non_empty = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
        match self {
            Self::FormattedName => non_empty(card.formatted_name()),
            Self::Url => non_empty(card.url()),
            Self::Country => non_empty(card.country()),
            Self::Email => non_empty(card.email()),
            Self::Impp => non_empty(card.impp()),
            Self::Kind => card
                .kind()
                .is_some_and(|k| k.trim().eq_ignore_ascii_case(KIND_APPLICATION)),
            Self::Lang => non_empty(card.lang()),
            Self::Region => non_empty(card.region()),
            Self::Logo => non_empty(card.logo()),
            Self::Geo => non_empty(card.geo()),
            Self::Registration => non_empty(card.registration()),
            Self::Ca => card.ca().is_some_and(|ca| !ca.name.trim().is_empty()),
            Self::SoftwareName => non_empty(card.software_name()),
            Self::Note => non_empty(card.note()),
            Self::Bday => non_empty(card.bday()),
            Self::Tz => non_empty(card.tz()),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`lint`] found in a server card.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    /// RECOMMENDED fields the card lacks (or has empty), in the spec's order. A KIND
    /// other than "application" counts as missing.
    pub missing_recommended: Vec<Field>,
    /// OPTIONAL fields the card lacks, in the spec's order.
    pub missing_optional: Vec<Field>,
    /// The deviations the lenient reading read through.
    pub deviations: Vec<Deviation>,
}

impl Lint {
    /// Whether a RECOMMENDED field is missing.
    pub fn lacks_recommended(&self) -> bool {
        !self.missing_recommended.is_empty()
    }
}

impl fmt::Display for Lint {
    /// One line per finding: `missing recommended: fn`, `missing optional: logo`,
    /// then the deviations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for field in &self.missing_recommended {
            writeln!(f, "missing recommended: {field}")?;
        }
        for field in &self.missing_optional {
            writeln!(f, "missing optional: {field}")?;
        }
        for d in &self.deviations {
            writeln!(f, "deviation: {d}")?;
        }
        Ok(())
    }
}

/// Lints a card read by [`VCard::read`]: the RECOMMENDED fields it lacks, then the
/// OPTIONAL ones, then the deviations read through.
pub fn lint(reading: &Reading<VCard>) -> Lint {
    let card = &reading.value;
    Lint {
        missing_recommended: Field::RECOMMENDED
            .into_iter()
            .filter(|f| !f.present(card))
            .collect(),
        missing_optional: Field::OPTIONAL
            .into_iter()
            .filter(|f| !f.present(card))
            .collect(),
        deviations: reading.deviations.clone(),
    }
}

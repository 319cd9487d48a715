//! The `<serverinfo xmlns='urn:xmpp:serverinfo:0'/>` payload (XEP-0485 section 4).
//!
//! The types mirror the wire: [`ServerInfo`] holds [`Domain`]s, a domain holds an
//! optional [`Federation`] of [`RemoteDomain`]s, and each remote domain holds zero or
//! more [`Connection`]s. They implement xso's `FromXml`/`AsXml`, so they convert to and
//! from `minidom::Element`, parse straight from bytes with `xso::from_bytes`, and go
//! into `xmpp_parsers::pubsub` items as a
//! [`PubSubPayload`](xmpp_parsers::pubsub::PubSubPayload).
//!
//! The conversions are written by hand rather than derived (a crawler reads items of
//! thousands of peers): `TryFrom<Element>` moves attribute values and extensions out
//! of the element instead of replaying it as events, `From<&T> for Element` clones
//! prepared elements, and the `FromXml` builder is a flat state machine. They
//! behave exactly as the derives did (the tests keep the derives as a reference),
//! except that error messages for stray text now name the element.
//!
//! Parsing is as lenient as real publishers need (INTEROP P1-P4, P14-P16):
//!
//! * a missing or empty `name` is an anonymous peer (`None`);
//! * a `<connection/>` without `type` has no direction, `both` reads as
//!   [`Direction::Bidi`], and other values are kept as sent, as
//!   [`Direction::Other`] with the value on the [`Connection`];
//! * `<serverinfo/>` may hold no domain or several, and a domain may lack `<federation/>`;
//! * children in other namespaces (XEP-0092's `<query/>`, Prosody's `<users/>`) are
//!   kept on `<serverinfo/>`, `<domain/>` and `<remote-domain/>` and written back;
//! * unknown attributes are dropped; [`ServerInfo::read`]
//!   reports each one.
//!
//! Writing is exact: what the typed value holds, in the spec's element order, `bidi`
//! for both directions, no empty `name`. [`ServerInfo::schema_deviations`] tells
//! whether a value fits the XEP's XML schema; values built with the constructors
//! here always do.
//!
//! The pre-draft layout of Openfire's plugin 1.0.0 (P16: `<domain>` holding the name as
//! text, `<federation>` under `<serverinfo>`) is refused by `TryFrom<Element>` (an
//! "unexpected text" error, never a misreading) and mapped by [`ServerInfo::read`].

use core::fmt;
use std::collections::HashMap;

use minidom::Element;
use minidom::rxml::AttrMap;
use xep_core::reading::{Deviation, Path, Reading, Severity, excerpt};

use crate::ns;

mod codec;
mod events;
mod partial;

/// A domain name as it appears in a `name` attribute.
///
/// Kept as the publisher wrote it (not validated as a JID domain, since a crawler
/// must read what is there); stored in a boxed `str` to keep large items small.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Box<str>);

impl Name {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl From<String> for Name {
    fn from(value: String) -> Self {
        Self(value.into_boxed_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl xso::FromXmlText for Name {
    fn from_xml_text(data: String) -> Result<Self, xso::error::Error> {
        Ok(Self::from(data))
    }
}

impl xso::AsXmlText for Name {
    fn as_xml_text(&self) -> Result<std::borrow::Cow<'_, str>, xso::error::Error> {
        Ok(std::borrow::Cow::Borrowed(&self.0))
    }
}

/// The direction of one connection, the `type` attribute of `<connection/>`.
///
/// A one-byte `Copy` value: an unknown `type` is [`Direction::Other`], and the value
/// as sent is kept on the [`Connection`] ([`Connection::type_value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `incoming`: the peer connected to us.
    Incoming,
    /// `outgoing`: we connected to the peer.
    Outgoing,
    /// `bidi`: one connection used both ways. Also read from `both`, the pre-draft
    /// name Openfire still sends (INTEROP P2); always written as `bidi`.
    Bidi,
    /// Any other value, kept as sent on the connection ([`Connection::type_value`]).
    /// Not valid against the XEP's schema.
    Other,
}

impl Direction {
    /// The value as written on the wire for the three known directions. For
    /// [`Direction::Other`] this is the placeholder `other`; the value actually sent
    /// is [`Connection::type_value`].
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
            Self::Bidi => "bidi",
            Self::Other => "other",
        }
    }

    /// Reads a `type` value; never fails (unknown values become [`Direction::Other`],
    /// whose value [`Connection::other`] keeps).
    pub fn parse(value: &str) -> Self {
        Self::known(value).unwrap_or(Self::Other)
    }

    /// The direction of a known `type` value (`both` is [`Direction::Bidi`]).
    fn known(value: &str) -> Option<Self> {
        match value {
            "incoming" => Some(Self::Incoming),
            "outgoing" => Some(Self::Outgoing),
            "bidi" | "both" => Some(Self::Bidi),
            _ => None,
        }
    }

    /// Whether traffic flows from the peer to us over such a connection.
    pub fn is_inbound(&self) -> bool {
        matches!(self, Self::Incoming | Self::Bidi)
    }

    /// Whether traffic flows from us to the peer over such a connection.
    pub fn is_outbound(&self) -> bool {
        matches!(self, Self::Outgoing | Self::Bidi)
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One actual (for instance TCP) connection to a peer: `<connection type='…'/>`.
///
/// 16 bytes: the direction, and one pointer to the rare rest (the `type` value when it
/// is not a known one, text content), which costs no allocation when there is none.
///
/// ```
/// use xep_serverinfo::{Connection, Direction};
///
/// let known = Connection::new(Direction::Bidi);
/// assert_eq!(known.type_value(), Some("bidi"));
/// assert_eq!(Connection::other("both"), known, "a known value reads as itself");
///
/// let odd = Connection::other("sideways").with_text("tls");
/// assert_eq!(odd.direction(), Some(Direction::Other));
/// assert_eq!(odd.type_value(), Some("sideways"));
/// assert_eq!(odd.text(), Some("tls"));
///
/// assert_eq!(Connection::untyped().type_value(), None);
/// assert_eq!(size_of::<Connection>(), 16);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The `type` attribute; `None` when absent (Openfire's anonymous peers).
    direction: Option<Direction>,
    /// `Some` only when it holds something: `other` is `Some` exactly when
    /// `direction` is `Some(Direction::Other)`, and `text` is never empty.
    extra: Option<Box<ConnectionExtra>>,
}

/// What a [`Connection`] rarely holds, out of line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ConnectionExtra {
    /// The `type` value of a [`Direction::Other`] connection, as sent.
    other: Option<Box<str>>,
    /// Non-empty text content.
    text: Option<Box<str>>,
}

impl Connection {
    /// A connection with the given direction and no text.
    ///
    /// Meant for the three known directions. [`Direction::Other`] names no value, so
    /// it gives an untyped connection, `<connection/>`: the schema knows no `other`
    /// type, and an invented one would be sent to every reader. Use
    /// [`Connection::other`] to keep a value that was read.
    pub fn new(direction: Direction) -> Self {
        match direction {
            Direction::Other => Self::untyped(),
            known => Self {
                direction: Some(known),
                extra: None,
            },
        }
    }

    /// A connection of unknown direction, `<connection/>`.
    pub const fn untyped() -> Self {
        Self {
            direction: None,
            extra: None,
        }
    }

    /// A connection with this `type` value: a known one (`incoming`, `outgoing`,
    /// `bidi`, or `both` for `bidi`) gives its [`Direction`], any other value is kept
    /// as sent with [`Direction::Other`] (not valid against the XEP's schema).
    pub fn other(value: impl Into<Box<str>>) -> Self {
        let value = value.into();
        match Direction::known(&value) {
            Some(known) => Self::new(known),
            None => Self {
                direction: Some(Direction::Other),
                extra: Some(Box::new(ConnectionExtra {
                    other: Some(value),
                    text: None,
                })),
            },
        }
    }

    /// A connection as read from the wire: its `type` attribute, if any.
    pub(crate) fn from_type(value: Option<String>) -> Self {
        match value {
            Some(value) => Self::other(value),
            None => Self::untyped(),
        }
    }

    /// Sets the text content; empty text is no text (as read: `<connection></connection>`
    /// has none).
    #[must_use]
    pub fn with_text(mut self, text: impl Into<Box<str>>) -> Self {
        self.set_text(text.into());
        self
    }

    pub(crate) fn set_text(&mut self, text: Box<str>) {
        let text = (!text.is_empty()).then_some(text);
        match (&mut self.extra, text) {
            (Some(extra), text) => {
                extra.text = text;
                if extra.other.is_none() && extra.text.is_none() {
                    self.extra = None;
                }
            }
            (None, None) => {}
            (None, text) => {
                self.extra = Some(Box::new(ConnectionExtra { other: None, text }));
            }
        }
    }

    /// The direction; `None` when the `type` attribute is absent.
    pub fn direction(&self) -> Option<Direction> {
        self.direction
    }

    /// The `type` attribute as it is written: `incoming`, `outgoing` or `bidi` for
    /// the known directions (`both` is written `bidi`), the value as sent for
    /// [`Direction::Other`], `None` for an untyped connection.
    pub fn type_value(&self) -> Option<&str> {
        match self.direction? {
            Direction::Other => self.extra.as_ref()?.other.as_deref(),
            known => Some(known.as_str()),
        }
    }

    /// The text content. The schema types `<connection/>` as a string with an
    /// attribute; no publisher writes text, but it is kept if one does. Never empty.
    pub fn text(&self) -> Option<&str> {
        self.extra.as_ref()?.text.as_deref()
    }
}

/// Children in other namespaces of a typed element, kept and written back in order.
///
/// Almost always empty, so it is one pointer: an empty list costs no allocation.
/// It dereferences to a slice (`len`, `is_empty`, `iter`, indexing) and builds like a
/// vector:
///
/// ```
/// use minidom::Element;
/// use xep_serverinfo::payload::Extensions;
///
/// let mut extensions = Extensions::new();
/// assert!(extensions.is_empty());
/// extensions.push(Element::builder("query", "jabber:iq:version").build());
/// assert_eq!(extensions.len(), 1);
/// assert!(extensions[0].is("query", "jabber:iq:version"));
/// let names: Vec<&str> = extensions.iter().map(Element::name).collect();
/// assert_eq!(names, ["query"]);
/// assert_eq!(size_of::<Extensions>(), 8);
/// ```
#[derive(Clone, Default)]
// One pointer (8 bytes) where a `Vec` is 24: the extra allocation is only paid by the
// rare non-empty list, the saving by every typed element.
#[allow(clippy::box_collection)]
pub struct Extensions(Option<Box<Vec<Element>>>);

impl Extensions {
    /// An empty list (no allocation).
    pub const fn new() -> Self {
        Self(None)
    }

    /// Adds an element at the end.
    pub fn push(&mut self, element: Element) {
        self.0.get_or_insert_with(Box::default).push(element);
    }

    /// The elements, as a vector.
    pub fn into_vec(self) -> Vec<Element> {
        self.0.map_or_else(Vec::new, |elements| *elements)
    }
}

impl core::ops::Deref for Extensions {
    type Target = [Element];
    fn deref(&self) -> &[Element] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl core::ops::DerefMut for Extensions {
    fn deref_mut(&mut self) -> &mut [Element] {
        self.0.as_deref_mut().map_or(&mut [], Vec::as_mut_slice)
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Extensions {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Extensions {}

impl From<Vec<Element>> for Extensions {
    fn from(elements: Vec<Element>) -> Self {
        Self((!elements.is_empty()).then(|| Box::new(elements)))
    }
}

impl From<Extensions> for Vec<Element> {
    fn from(extensions: Extensions) -> Self {
        extensions.into_vec()
    }
}

impl FromIterator<Element> for Extensions {
    fn from_iter<I: IntoIterator<Item = Element>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Element> for Extensions {
    fn extend<I: IntoIterator<Item = Element>>(&mut self, iter: I) {
        for element in iter {
            self.push(element);
        }
    }
}

impl IntoIterator for Extensions {
    type Item = Element;
    type IntoIter = std::vec::IntoIter<Element>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a Extensions {
    type Item = &'a Element;
    type IntoIter = core::slice::Iter<'a, Element>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Extensions {
    type Item = &'a mut Element;
    type IntoIter = core::slice::IterMut<'a, Element>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// A peer the local domain federates with: `<remote-domain name='…'>`.
///
/// 40 bytes (a guard in the tests keeps it so): a crawler holds thousands.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteDomain {
    /// The peer's domain; `None` for a peer that did not opt in (absent or empty
    /// `name`, INTEROP P1).
    pub name: Option<Name>,
    /// The connections to that peer, in document order. Zero is normal (Prosody);
    /// two (`incoming` + `outgoing`) is how ejabberd says `bidi` (P3). A boxed slice
    /// (no spare capacity; empty costs no allocation): build a `Vec` and convert it
    /// with `into_boxed_slice()`, or use [`with_connection`](Self::with_connection).
    pub connections: Box<[Connection]>,
    /// Children in other namespaces, kept and written back after the connections.
    pub extensions: Extensions,
}

impl RemoteDomain {
    /// A named peer (one that advertises `urn:xmpp:serverinfo:0`).
    pub fn named(name: impl Into<Name>) -> Self {
        Self {
            name: Some(name.into()),
            connections: Box::default(),
            extensions: Extensions::new(),
        }
    }

    /// A peer that did not opt in: `<remote-domain/>` with no name.
    pub fn anonymous() -> Self {
        Self {
            name: None,
            connections: Box::default(),
            extensions: Extensions::new(),
        }
    }

    /// Adds a connection with this direction (see [`Connection::new`]).
    #[must_use]
    pub fn with_connection(mut self, direction: Direction) -> Self {
        let mut connections = std::mem::take(&mut self.connections).into_vec();
        connections.push(Connection::new(direction));
        self.connections = connections.into_boxed_slice();
        self
    }

    /// Whether any connection carries traffic from the peer (`incoming` or `bidi`).
    pub fn has_inbound(&self) -> bool {
        self.connections
            .iter()
            .any(|c| c.direction.is_some_and(|d| d.is_inbound()))
    }

    /// Whether any connection carries traffic to the peer (`outgoing` or `bidi`).
    pub fn has_outbound(&self) -> bool {
        self.connections
            .iter()
            .any(|c| c.direction.is_some_and(|d| d.is_outbound()))
    }
}

/// The peers of one local domain: `<federation/>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Federation {
    /// The peers, in document order.
    pub remote_domains: Vec<RemoteDomain>,
    /// Children in other namespaces, kept and written back after the peers.
    pub extensions: Extensions,
}

impl Federation {
    /// A federation with these peers.
    pub fn new(remote_domains: Vec<RemoteDomain>) -> Self {
        Self {
            remote_domains,
            extensions: Extensions::new(),
        }
    }
}

/// One domain served by the local server: `<domain name='…'>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// The domain name. Optional in the schema; `None` also for an empty attribute.
    pub name: Option<Name>,
    /// The peers this domain federates with, if published.
    pub federation: Option<Federation>,
    /// Additional data in other namespaces (XEP-0485: "MAY be included as
    /// child-elements of [...] any of the 'domain' elements"), such as Prosody's
    /// `<users xmlns='xmpp:prosody.im/protocol/serverinfo'/>`.
    pub extensions: Extensions,
}

impl Domain {
    /// A domain with an empty `<federation/>`, which is what the schema requires.
    pub fn new(name: impl Into<Name>) -> Self {
        Self {
            name: Some(name.into()),
            federation: Some(Federation::default()),
            extensions: Extensions::new(),
        }
    }

    /// Sets the federated peers.
    #[must_use]
    pub fn with_remote_domains(mut self, remote_domains: Vec<RemoteDomain>) -> Self {
        self.federation
            .get_or_insert_with(Federation::default)
            .remote_domains = remote_domains;
        self
    }

    /// The peers, empty when there is no `<federation/>`.
    pub fn remote_domains(&self) -> &[RemoteDomain] {
        self.federation
            .as_ref()
            .map_or(&[], |f| f.remote_domains.as_slice())
    }
}

/// `<serverinfo xmlns='urn:xmpp:serverinfo:0'/>`: what a server publishes about its
/// domains and their federation.
///
/// ```
/// use xep_serverinfo::payload::{Direction, Domain, RemoteDomain, ServerInfo};
///
/// let info = ServerInfo::new(Domain::new("shakespeare.lit").with_remote_domains(vec![
///     RemoteDomain::named("montague.net").with_connection(Direction::Bidi),
///     RemoteDomain::anonymous(),
/// ]));
/// let element = minidom::Element::from(info.clone());
/// assert_eq!(ServerInfo::try_from(element)?, info);
/// assert!(info.schema_deviations().is_empty());
/// # Ok::<(), xso::error::FromElementError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerInfo {
    /// The local domains described. The spec expects one; publishers emit one item per
    /// domain (P15), ejabberd may emit none (P4); several are accepted.
    pub domains: Vec<Domain>,
    /// Additional data in other namespaces, such as XEP-0092's `<query/>`.
    pub extensions: Extensions,
}

impl xmpp_parsers::pubsub::PubSubPayload for ServerInfo {}

impl ServerInfo {
    /// A payload describing one domain.
    pub fn new(domain: Domain) -> Self {
        Self {
            domains: vec![domain],
            extensions: Extensions::new(),
        }
    }

    /// Adds a child in another namespace (for instance XEP-0092 software version).
    #[must_use]
    pub fn with_extension(mut self, element: Element) -> Self {
        self.extensions.push(element);
        self
    }

    /// How this value departs from the XEP's XML schema, which requires exactly one
    /// `<domain/>`, a `<federation/>` in it, and a `type` from `incoming`, `outgoing`,
    /// `bidi`. Children in other namespaces are not reported: the prose allows them
    /// although the schema has no wildcard for them. Empty when the value validates.
    pub fn schema_deviations(&self) -> Vec<Deviation> {
        let mut out = Vec::new();
        let root = Path::root().elem("serverinfo", 1);
        match self.domains.len() {
            0 => out.push(Deviation::new(
                Severity::Must,
                "no-domain",
                root.clone(),
                "no <domain/> (the schema requires one)",
            )),
            1 => {}
            count => out.push(Deviation::new(
                Severity::Must,
                "several-domains",
                root.clone(),
                format!("{count} <domain/> elements (the schema allows one)"),
            )),
        }
        for (d, domain) in self.domains.iter().enumerate() {
            let path = root.clone().elem("domain", d + 1);
            if domain.federation.is_none() {
                out.push(Deviation::new(
                    Severity::Must,
                    "no-federation",
                    path.clone(),
                    "no <federation/> (the schema requires one)",
                ));
            }
            for (r, remote) in domain.remote_domains().iter().enumerate() {
                for (c, connection) in remote.connections.iter().enumerate() {
                    if connection.direction() == Some(Direction::Other) {
                        let value = connection.type_value().unwrap_or_default();
                        out.push(Deviation::new(
                            Severity::Must,
                            "unknown-direction",
                            path.clone()
                                .elem("federation", 1)
                                .elem("remote-domain", r + 1)
                                .elem("connection", c + 1)
                                .attr("type"),
                            format!(
                                "connection type {} is not incoming, outgoing or bidi; kept as sent",
                                excerpt(value)
                            ),
                        ));
                    }
                }
            }
        }
        out
    }

    /// Reads a `<serverinfo/>` element as real publishers write it, reporting every
    /// departure from the spec with its path (`/serverinfo[1]/domain[1]/...`).
    ///
    /// Besides what `TryFrom<Element>` accepts, this maps the pre-draft layout of
    /// Openfire's plugin 1.0.0 (P16, code `pre-draft-layout`). Deviations also cover
    /// what `TryFrom` drops or normalises silently: unknown attributes, empty names,
    /// `type='both'`, untyped connections, and what the schema refuses
    /// ([`schema_deviations`](Self::schema_deviations)).
    ///
    /// A part that cannot be read (a `<remote-domain/>` or `<connection/>` with text
    /// or children where there should be none) is left out and reported with
    /// [`Severity::Dropped`]; the rest of the item is kept. `TryFrom<Element>` stays
    /// strict and refuses the whole element.
    pub fn read(element: &Element) -> Result<Reading<Self>, crate::Error> {
        if !element.is("serverinfo", ns::SERVERINFO) {
            return Err(crate::Error::NotServerInfo {
                name: element.name().to_owned(),
                namespace: element.ns(),
            });
        }
        let root = Path::root().elem("serverinfo", 1);
        if crate::legacy::is_pre_draft(element) {
            let mut value = crate::legacy::map_pre_draft(element)?;
            let mut deviations = vec![Deviation::new(
                Severity::Must,
                "pre-draft-layout",
                root,
                "pre-draft layout (Openfire pubsubserverinfo 1.0.0): <domain> holds text and \
                 <federation> sits under <serverinfo>; mapped to XEP-0485",
            )];
            deviations.extend(value.schema_deviations());
            value.keep_writable_extensions(&mut deviations);
            return Ok(Reading::new(value, deviations));
        }
        let mut deviations = Vec::new();
        wire_deviations(element, &root, &mut deviations);
        let mut value = match Self::try_from(element.clone()) {
            Ok(value) => value,
            Err(_) => partial::server_info(element, &root, &mut deviations)?,
        };
        deviations.extend(value.schema_deviations());
        value.keep_writable_extensions(&mut deviations);
        Ok(Reading::new(value, deviations))
    }

    /// Replaces each extension with a copy a writer can always write
    /// ([`xep_core::xml::writable_copy`]), and drops (reporting each) those XML
    /// cannot carry or a reader could not read back (see [`xep_core::xml::Unwritable`]).
    pub(crate) fn keep_writable_extensions(&mut self, deviations: &mut Vec<Deviation>) {
        let root = Path::root().elem("serverinfo", 1);
        let mut keep = |extensions: &mut Extensions, at: &Path| {
            if extensions.is_empty() {
                return;
            }
            let kept: Vec<Element> = extensions
                .iter()
                .filter_map(|e| {
                    let copy = xep_core::xml::try_writable_copy(e);
                    if let Err(why) = copy {
                        deviations.push(Deviation::new(
                            Severity::Dropped,
                            "unwritable-extension",
                            at.clone(),
                            format!("extension <{}/> dropped: it holds {why}", excerpt(e.name())),
                        ));
                    }
                    copy.ok()
                })
                .collect();
            let mut fresh = Extensions::new();
            for e in kept {
                fresh.push(e);
            }
            *extensions = fresh;
        };
        keep(&mut self.extensions, &root);
        for (i, domain) in self.domains.iter_mut().enumerate() {
            keep(&mut domain.extensions, &root.clone().elem("domain", i + 1));
        }
    }

    /// [`read`](Self::read), refusing any deviation of severity `should` or worse.
    pub fn read_strict(element: &Element) -> Result<Self, crate::Error> {
        Ok(Self::read(element)?
            .into_strict("serverinfo payload")
            .map_err(xep_core::Error::from)?)
    }
}

/// The attribute `name` in no namespace. Found by iterating, not with `Element::attr`,
/// whose map search compares against the empty namespace (a slow zero-length
/// `memcmp` on a dangling pointer; see `benches/RESULTS.md`).
fn plain_attr<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element
        .attrs()
        .iter()
        .find(|((namespace, attr), _)| namespace.is_none() && attr.as_str() == name)
        .map(|(_, value)| value.as_str())
}

/// Deviations only visible on the wire (the typed value no longer shows them).
fn wire_deviations(element: &Element, path: &Path, out: &mut Vec<Deviation>) {
    local_deviations(element.name(), element.attrs(), path, out);
    let expected = expected_children(element.name());
    // A map, not a list searched per child: a hostile item with a million distinct
    // unknown element names would make a list quadratic.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for child in element.children() {
        if child.ns() != ns::SERVERINFO {
            continue;
        }
        let name = child.name();
        let index = counts.entry(name).or_default();
        *index += 1;
        let child_path = path.clone().elem(name, *index);
        if !expected.contains(&name) {
            out.push(unknown_element(name, child_path));
            continue;
        }
        wire_deviations(child, &child_path, out);
    }
}

/// The XEP-0485 children an element of this name may have.
fn expected_children(name: &str) -> &'static [&'static str] {
    match name {
        "serverinfo" => &["domain"],
        "domain" => &["federation"],
        "federation" => &["remote-domain"],
        "remote-domain" => &["connection"],
        _ => &[],
    }
}

fn unknown_element(name: &str, path: Path) -> Deviation {
    Deviation::new(
        Severity::Should,
        "unknown-element",
        path,
        format!(
            "<{name}/> in the serverinfo namespace is not defined by XEP-0485; kept as an extension"
        ),
    )
}

/// The attribute `name` in no namespace of an attribute map.
fn plain_attr_of<'a>(attrs: &'a AttrMap, name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|((namespace, attr), _)| namespace.is_none() && attr.as_str() == name)
        .map(|(_, value)| value.as_str())
}

/// The deviations of one element's own attributes, from its name and attributes alone
/// (shared by the tree and the event readings).
fn local_deviations(name: &str, attrs: &AttrMap, path: &Path, out: &mut Vec<Deviation>) {
    let element_name = name;
    let known: &[&str] = match element_name {
        "domain" | "remote-domain" => &["name"],
        "connection" => &["type"],
        _ => &[],
    };
    for ((namespace, attr), value) in attrs {
        // Namespaced attributes (xml:lang and the like) are not the payload's own.
        if namespace.is_none() && !known.contains(&attr.as_str()) {
            out.push(Deviation::new(
                Severity::Dropped,
                "unknown-attribute",
                path.clone().attr(attr),
                format!(
                    "attribute {attr:?} is not defined by XEP-0485; its value {} is not kept",
                    excerpt(value)
                ),
            ));
        }
    }
    match element_name {
        "domain" | "remote-domain" if plain_attr_of(attrs, "name") == Some("") => {
            out.push(Deviation::new(
                Severity::Should,
                "empty-name",
                path.clone().attr("name"),
                "empty name, read as an anonymous peer (an anonymous peer has no name)",
            ));
        }
        "connection" => match plain_attr_of(attrs, "type") {
            None => out.push(Deviation::new(
                Severity::Should,
                "untyped-connection",
                path.clone(),
                "connection without type",
            )),
            Some("both") => out.push(Deviation::new(
                Severity::Should,
                "both-for-bidi",
                path.clone().attr("type"),
                "type 'both' (pre-draft), read as 'bidi'",
            )),
            _ => {}
        },
        _ => {}
    }
}

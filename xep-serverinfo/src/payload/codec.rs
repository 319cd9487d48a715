//! Hand-written conversions of the payload types: `xso::FromXml` (a flat state machine
//! over rxml events), `xso::AsXml` (an item iterator), `TryFrom<Element>` (a walk over
//! the owned minidom tree) and `From<&T> for Element` (clones of prepared elements).
//!
//! They replace the xso derives, which cost 1.3x to 3.8x a minidom parse of the same
//! bytes (`benches/RESULTS.md`), and reproduce their behaviour exactly: same values,
//! same element order on output, same errors (with the element named in each). The
//! tests in `tests/payload.rs` check every path against the derives, kept there as a
//! reference implementation.
//!
//! None of the code here recurses: the typed levels are fixed (five), and elements in
//! other namespaces, which may nest arbitrarily deep, are built and written with an
//! explicit stack.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::OnceLock;

use minidom::rxml::{self, AttrMap, Event, Namespace, NcName, NcNameStr, QName};
use minidom::{Element, Node};
use xso::error::{Error, FromElementError, FromEventsError};
use xso::fromxml::XmlNameMatcher;
use xso::{AsXml, Context, FromEventsBuilder, FromXml, Item};

use super::{
    Connection, Direction, Domain, Extensions, Federation, Name, RemoteDomain, ServerInfo,
};
use crate::ns::SERVERINFO;

/// The five typed elements, outermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    ServerInfo,
    Domain,
    Federation,
    RemoteDomain,
    Connection,
}

impl Level {
    const ALL: [Self; 5] = [
        Self::ServerInfo,
        Self::Domain,
        Self::Federation,
        Self::RemoteDomain,
        Self::Connection,
    ];

    const fn name(self) -> &'static str {
        match self {
            Self::ServerInfo => "serverinfo",
            Self::Domain => "domain",
            Self::Federation => "federation",
            Self::RemoteDomain => "remote-domain",
            Self::Connection => "connection",
        }
    }

    /// The typed child; every other child is an extension. `<connection/>` has none
    /// and refuses every child.
    const fn child(self) -> Option<Self> {
        match self {
            Self::ServerInfo => Some(Self::Domain),
            Self::Domain => Some(Self::Federation),
            Self::Federation => Some(Self::RemoteDomain),
            Self::RemoteDomain => Some(Self::Connection),
            Self::Connection => None,
        }
    }

    /// The error for non-whitespace text (`<connection/>` keeps its text).
    const fn text_error(self) -> Error {
        Error::Other(match self {
            Self::ServerInfo => "Unexpected text content in ServerInfo element.",
            Self::Domain => "Unexpected text content in Domain element.",
            Self::Federation => "Unexpected text content in Federation element.",
            Self::RemoteDomain => "Unexpected text content in RemoteDomain element.",
            Self::Connection => "Unexpected text content in Connection element.",
        })
    }

    fn is(self, namespace: &str, name: &str) -> bool {
        name == self.name() && namespace == SERVERINFO
    }
}

const CONNECTION_CHILD: &str = "Unknown child in Connection element.";
const DUPLICATE_FEDERATION: &str =
    "Domain element must not have more than one child in field 'federation'.";

/// The attribute `wanted` in no namespace, consuming the map.
///
/// The map is iterated rather than searched: a search compares namespaces, and a
/// comparison with the empty namespace is a zero-length `memcmp` on the dangling
/// pointer of `""`, which glibc's AVX-512 `memcmp` reads with a fully masked load
/// that costs a microcode assist on AMD Zen (about 150 ns each; it was a fifth of
/// `from_bytes` and of `TryFrom<Element>` in the profile).
fn take_attr(attrs: AttrMap, wanted: &str) -> Option<String> {
    attrs.into_iter().find_map(|((namespace, name), value)| {
        (namespace.is_none() && name.as_str() == wanted).then_some(value)
    })
}

/// The attributes of `element`, taken out of it.
fn take_attrs(element: &mut Element) -> AttrMap {
    std::mem::replace(element.attrs_mut(), AttrMap::new())
}

/// A `name` attribute: absent or empty is `None` (INTEROP P1).
fn name_of(value: Option<String>) -> Option<Name> {
    value.filter(|v| !v.is_empty()).map(Name::from)
}

impl Domain {
    const fn empty() -> Self {
        Self {
            name: None,
            federation: None,
            extensions: Extensions::new(),
        }
    }
}

/// The element an rxml start event describes, with every attribute, as xso's own
/// `Element` builder makes it.
fn element_head(qname: QName, attrs: AttrMap) -> Element {
    let mut builder = Element::builder(qname.1, qname.0);
    for ((namespace, name), value) in attrs {
        builder = builder.attr_ns(namespace, name, value);
    }
    builder.build()
}

// ---------------------------------------------------------------------------------
// Events -> typed
// ---------------------------------------------------------------------------------

/// The state of a parse: one slot per typed level (the levels nest strictly, so one
/// of each is open at most), the innermost open level, and the stack of open elements
/// of an extension being built.
#[derive(Debug)]
struct Core {
    root: Level,
    level: Level,
    info: ServerInfo,
    domain: Domain,
    federation: Federation,
    remote: RemoteDomain,
    connection: Connection,
    /// Text of the open `<connection/>`.
    text: String,
    /// Connections of the open `<remote-domain/>`, moved into an exact-size boxed
    /// slice when it closes (no growth slack kept, no `shrink_to_fit` reallocation).
    connections: Vec<Connection>,
    /// Open elements of the extension being read, outermost first.
    open: Vec<Element>,
}

impl Core {
    fn start(root: Level, attrs: AttrMap) -> Result<Self, Error> {
        let mut core = Self {
            root,
            level: root,
            info: ServerInfo::default(),
            domain: Domain::empty(),
            federation: Federation::default(),
            remote: RemoteDomain::anonymous(),
            connection: Connection::untyped(),
            text: String::new(),
            connections: Vec::new(),
            open: Vec::new(),
        };
        core.open_level(root, attrs)?;
        Ok(core)
    }

    fn open_level(&mut self, level: Level, attrs: AttrMap) -> Result<(), Error> {
        match level {
            Level::ServerInfo => {}
            Level::Domain => self.domain.name = name_of(take_attr(attrs, "name")),
            Level::Federation => {
                if self.domain.federation.is_some() {
                    return Err(Error::Other(DUPLICATE_FEDERATION));
                }
            }
            Level::RemoteDomain => self.remote.name = name_of(take_attr(attrs, "name")),
            Level::Connection => {
                self.connection = Connection::from_type(take_attr(attrs, "type"));
            }
        }
        self.level = level;
        Ok(())
    }

    /// Closes the innermost level; `true` when that was the root.
    fn close_level(&mut self) -> bool {
        let level = self.level;
        match level {
            Level::Connection => {
                let text = std::mem::take(&mut self.text);
                if !text.is_empty() {
                    self.connection.set_text(text.into_boxed_str());
                }
            }
            Level::RemoteDomain => {
                self.remote.connections = self.connections.drain(..).collect();
            }
            Level::Federation => self.federation.remote_domains.shrink_to_fit(),
            Level::Domain => {}
            Level::ServerInfo => self.info.domains.shrink_to_fit(),
        }
        if level == self.root {
            return true;
        }
        match level {
            Level::Connection => {
                let connection = std::mem::replace(&mut self.connection, Connection::untyped());
                self.connections.push(connection);
                self.level = Level::RemoteDomain;
            }
            Level::RemoteDomain => {
                let remote = std::mem::replace(&mut self.remote, RemoteDomain::anonymous());
                self.federation.remote_domains.push(remote);
                self.level = Level::Federation;
            }
            Level::Federation => {
                self.domain.federation = Some(std::mem::take(&mut self.federation));
                self.level = Level::Domain;
            }
            Level::Domain => {
                let domain = std::mem::replace(&mut self.domain, Domain::empty());
                self.info.domains.push(domain);
                self.level = Level::ServerInfo;
            }
            // The root has no parent: handled above.
            Level::ServerInfo => return true,
        }
        false
    }

    fn extensions(&mut self) -> &mut Extensions {
        match self.level {
            Level::ServerInfo => &mut self.info.extensions,
            Level::Domain => &mut self.domain.extensions,
            Level::Federation => &mut self.federation.extensions,
            // `<connection/>` refuses children, so never open with an extension.
            Level::RemoteDomain | Level::Connection => &mut self.remote.extensions,
        }
    }

    /// An event inside an extension.
    fn feed_extension(&mut self, ev: Event) -> Result<(), Error> {
        match ev {
            Event::StartElement(_, qname, attrs) => self.open.push(element_head(qname, attrs)),
            Event::Text(_, text) => {
                // Merged into the previous text node, as minidom's parser does, so that
                // bytes -> typed and bytes -> minidom -> typed give equal elements
                // (xso's own `Element` builder keeps one node per rxml text event).
                if let Some(element) = self.open.last_mut() {
                    element.append_text(text);
                }
            }
            Event::EndElement(_) => {
                if let Some(done) = self.open.pop() {
                    match self.open.last_mut() {
                        Some(parent) => {
                            parent.append_child(done);
                        }
                        None => self.extensions().push(
                            xep_core::xml::writable_copy(&done)
                                .ok_or(Error::Other(xep_core::xml::UNWRITABLE))?,
                        ),
                    }
                }
            }
            Event::XmlDeclaration(..) => {}
        }
        Ok(())
    }

    /// One event; `true` when the root element is complete.
    fn feed(&mut self, ev: Event) -> Result<bool, Error> {
        if !self.open.is_empty() {
            self.feed_extension(ev)?;
            return Ok(false);
        }
        match ev {
            Event::StartElement(_, qname, attrs) => {
                let Some(child) = self.level.child() else {
                    return Err(Error::Other(CONNECTION_CHILD));
                };
                if child.is(&qname.0, &qname.1) {
                    self.open_level(child, attrs)?;
                } else {
                    self.open.push(element_head(qname, attrs));
                }
            }
            Event::EndElement(_) => return Ok(self.close_level()),
            Event::Text(_, text) => {
                if self.level == Level::Connection {
                    if self.text.is_empty() {
                        self.text = text;
                    } else {
                        self.text.push_str(&text);
                    }
                } else if !xso::is_xml_whitespace(text.as_bytes()) {
                    return Err(self.level.text_error());
                }
            }
            Event::XmlDeclaration(..) => {}
        }
        Ok(false)
    }
}

/// The `xso::FromEventsBuilder` of every payload type (`Builder<ServerInfo>`,
/// `Builder<Domain>`, ...): a flat state machine that moves attribute values into the
/// typed value and builds elements in other namespaces without recursion.
#[allow(
    unnameable_types,
    reason = "reached only as `<T as FromXml>::Builder`, like the types xso's derives generate"
)]
pub struct Builder<T> {
    core: Core,
    output: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Builder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("root", &self.core.root)
            .field("level", &self.core.level)
            .finish_non_exhaustive()
    }
}

macro_rules! payload_xml {
    ($ty:ident, $level:ident, $slot:ident, $empty:expr) => {
        impl FromXml for $ty {
            type Builder = Builder<$ty>;

            fn from_events(
                name: QName,
                attrs: AttrMap,
                _ctx: &Context<'_>,
            ) -> Result<Self::Builder, FromEventsError> {
                if !Level::$level.is(&name.0, &name.1) {
                    return Err(FromEventsError::Mismatch { name, attrs });
                }
                Ok(Builder {
                    core: Core::start(Level::$level, attrs)?,
                    output: PhantomData,
                })
            }

            fn xml_name_matcher() -> XmlNameMatcher<'static> {
                XmlNameMatcher::Specific(SERVERINFO, Level::$level.name())
            }
        }

        impl FromEventsBuilder for Builder<$ty> {
            type Output = $ty;

            #[allow(clippy::mem_replace_with_default)]
            fn feed(&mut self, ev: Event, _ctx: &Context<'_>) -> Result<Option<$ty>, Error> {
                Ok(self
                    .core
                    .feed(ev)?
                    .then(|| std::mem::replace(&mut self.core.$slot, $empty)))
            }
        }

        impl TryFrom<Element> for $ty {
            type Error = FromElementError;

            fn try_from(element: Element) -> Result<Self, FromElementError> {
                if !element.is(Level::$level.name(), SERVERINFO) {
                    return Err(FromElementError::Mismatch(element));
                }
                Ok(tree::$slot(element)?)
            }
        }

        impl From<&$ty> for Element {
            fn from(value: &$ty) -> Self {
                Writer::get().$slot(value)
            }
        }

        impl From<$ty> for Element {
            fn from(value: $ty) -> Self {
                Self::from(&value)
            }
        }

        impl AsXml for $ty {
            type ItemIter<'x> = Items<'x>;

            fn as_xml_iter(&self) -> Result<Items<'_>, Error> {
                Ok(Items::new(Typed::from(self)))
            }
        }
    };
}

payload_xml!(ServerInfo, ServerInfo, info, ServerInfo::default());
payload_xml!(Domain, Domain, domain, Domain::empty());
payload_xml!(Federation, Federation, federation, Federation::default());
payload_xml!(
    RemoteDomain,
    RemoteDomain,
    remote,
    RemoteDomain::anonymous()
);
payload_xml!(Connection, Connection, connection, Connection::untyped());

// ---------------------------------------------------------------------------------
// Element -> typed
// ---------------------------------------------------------------------------------

/// Conversions of owned, already matched elements: attribute values are moved out of
/// the element (minidom allocates them at their exact length, so they become names
/// without copying), extensions are moved, typed children are counted first so that
/// every vector is allocated once at its final size.
mod tree {
    use super::*;

    fn check_text(text: &str, level: Level) -> Result<(), Error> {
        if xso::is_xml_whitespace(text.as_bytes()) {
            Ok(())
        } else {
            Err(level.text_error())
        }
    }

    /// Splits the children of `element` (of `level`) into typed ones, converted by
    /// `convert` into a vector of the exact size, and extensions.
    fn children<T>(
        element: &mut Element,
        level: Level,
        mut convert: impl FnMut(Element) -> Result<T, Error>,
    ) -> Result<(Vec<T>, Extensions), Error> {
        let child = level.child().map_or("", Level::name);
        let typed = element
            .children()
            .filter(|c| c.is(child, SERVERINFO))
            .count();
        let mut out = Vec::with_capacity(typed);
        let mut extensions = Extensions::new();
        for node in element.take_nodes() {
            match node {
                Node::Element(c) if c.is(child, SERVERINFO) => out.push(convert(c)?),
                Node::Element(c) => extensions.push(
                    xep_core::xml::writable_copy(&c)
                        .ok_or(Error::Other(xep_core::xml::UNWRITABLE))?,
                ),
                Node::Text(text) => check_text(&text, level)?,
            }
        }
        Ok((out, extensions))
    }

    pub(super) fn info(mut element: Element) -> Result<ServerInfo, Error> {
        let (domains, extensions) = children(&mut element, Level::ServerInfo, domain)?;
        Ok(ServerInfo {
            domains,
            extensions,
        })
    }

    pub(super) fn domain(mut element: Element) -> Result<Domain, Error> {
        let name = name_of(take_attr(take_attrs(&mut element), "name"));
        let mut federation = None;
        let (_, extensions) = children(&mut element, Level::Domain, |c| {
            if federation.is_some() {
                return Err(Error::Other(DUPLICATE_FEDERATION));
            }
            federation = Some(self::federation(c)?);
            Ok(())
        })?;
        Ok(Domain {
            name,
            federation,
            extensions,
        })
    }

    pub(super) fn federation(mut element: Element) -> Result<Federation, Error> {
        let (remote_domains, extensions) = children(&mut element, Level::Federation, remote)?;
        Ok(Federation {
            remote_domains,
            extensions,
        })
    }

    pub(super) fn remote(mut element: Element) -> Result<RemoteDomain, Error> {
        let name = name_of(take_attr(take_attrs(&mut element), "name"));
        let (connections, extensions) = children(&mut element, Level::RemoteDomain, connection)?;
        Ok(RemoteDomain {
            name,
            // Allocated at its exact size above: no reallocation.
            connections: connections.into_boxed_slice(),
            extensions,
        })
    }

    pub(super) fn connection(mut element: Element) -> Result<Connection, Error> {
        let mut connection = Connection::from_type(take_attr(take_attrs(&mut element), "type"));
        let mut text = String::new();
        for node in element.take_nodes() {
            match node {
                Node::Text(t) if text.is_empty() => text = t,
                Node::Text(t) => text.push_str(&t),
                Node::Element(_) => return Err(Error::Other(CONNECTION_CHILD)),
            }
        }
        if !text.is_empty() {
            connection.set_text(text.into_boxed_str());
        }
        Ok(connection)
    }
}

// ---------------------------------------------------------------------------------
// Typed -> Element
// ---------------------------------------------------------------------------------

/// Prepared elements, cloned for every element written. A clone shares the namespace
/// (one reference count) where `Element::builder` would allocate it twice, and a
/// prepared `<connection type='…'/>` carries its attribute already.
struct Writer {
    bare: [Element; 5],
    /// `<connection type='incoming'/>`, `outgoing`, `bidi`.
    connections: [Element; 3],
    name: NcName,
    type_: NcName,
}

fn ncname(name: &'static str) -> &'static NcNameStr {
    <&NcNameStr>::try_from(name).expect("a static XML name")
}

impl Writer {
    fn get() -> &'static Self {
        static WRITER: OnceLock<Writer> = OnceLock::new();
        WRITER.get_or_init(|| {
            let bare = Level::ALL.map(|level| Element::builder(level.name(), SERVERINFO).build());
            let typed = |direction: Direction| {
                Element::builder("connection", SERVERINFO)
                    .attr(ncname("type").to_owned(), direction.as_str())
                    .build()
            };
            Self {
                bare,
                connections: [
                    typed(Direction::Incoming),
                    typed(Direction::Outgoing),
                    typed(Direction::Bidi),
                ],
                name: ncname("name").to_owned(),
                type_: ncname("type").to_owned(),
            }
        })
    }

    fn bare(&self, level: Level) -> Element {
        self.bare[level as usize].clone()
    }

    fn named(&self, level: Level, name: Option<&Name>) -> Element {
        let mut element = self.bare(level);
        if let Some(name) = name {
            element.set_attr(Namespace::NONE, self.name.clone(), name.as_str());
        }
        element
    }

    fn extend(element: &mut Element, extensions: &[Element]) {
        for extension in extensions {
            element.append_child(extension.clone());
        }
    }

    fn info(&self, value: &ServerInfo) -> Element {
        let mut element = self.bare(Level::ServerInfo);
        for domain in &value.domains {
            element.append_child(self.domain(domain));
        }
        Self::extend(&mut element, &value.extensions);
        element
    }

    fn domain(&self, value: &Domain) -> Element {
        let mut element = self.named(Level::Domain, value.name.as_ref());
        if let Some(federation) = &value.federation {
            element.append_child(self.federation(federation));
        }
        Self::extend(&mut element, &value.extensions);
        element
    }

    fn federation(&self, value: &Federation) -> Element {
        let mut element = self.bare(Level::Federation);
        for remote in &value.remote_domains {
            element.append_child(self.remote(remote));
        }
        Self::extend(&mut element, &value.extensions);
        element
    }

    fn remote(&self, value: &RemoteDomain) -> Element {
        let mut element = self.named(Level::RemoteDomain, value.name.as_ref());
        for connection in &value.connections {
            element.append_child(self.connection(connection));
        }
        Self::extend(&mut element, &value.extensions);
        element
    }

    fn connection(&self, value: &Connection) -> Element {
        let mut element = match value.direction() {
            Some(Direction::Incoming) => self.connections[0].clone(),
            Some(Direction::Outgoing) => self.connections[1].clone(),
            Some(Direction::Bidi) => self.connections[2].clone(),
            Some(Direction::Other) => {
                let mut element = self.bare(Level::Connection);
                if let Some(other) = value.type_value() {
                    element.set_attr(Namespace::NONE, self.type_.clone(), other);
                }
                element
            }
            None => self.bare(Level::Connection),
        };
        // As xso's `EmptyAsNone` codec: empty text is no text (`text()` is never empty).
        if let Some(text) = value.text() {
            element.append_text_node(text);
        }
        element
    }
}

// ---------------------------------------------------------------------------------
// Typed -> items
// ---------------------------------------------------------------------------------

/// A typed element being written.
#[derive(Debug, Clone, Copy)]
enum Typed<'x> {
    ServerInfo(&'x ServerInfo),
    Domain(&'x Domain),
    Federation(&'x Federation),
    RemoteDomain(&'x RemoteDomain),
    Connection(&'x Connection),
}

macro_rules! typed_from {
    ($($ty:ident),*) => {$(
        impl<'x> From<&'x $ty> for Typed<'x> {
            fn from(value: &'x $ty) -> Self {
                Self::$ty(value)
            }
        }
    )*};
}
typed_from!(ServerInfo, Domain, Federation, RemoteDomain, Connection);

/// What comes inside a typed element, in the order the derives wrote it: typed
/// children, then extensions (or the text of a connection).
enum Child<'x> {
    Typed(Typed<'x>),
    Extension(&'x Element),
    Text(&'x str),
}

impl<'x> Typed<'x> {
    fn head(self) -> Item<'x> {
        let level = match self {
            Self::ServerInfo(_) => Level::ServerInfo,
            Self::Domain(_) => Level::Domain,
            Self::Federation(_) => Level::Federation,
            Self::RemoteDomain(_) => Level::RemoteDomain,
            Self::Connection(_) => Level::Connection,
        };
        Item::ElementHeadStart(
            Namespace::from(SERVERINFO),
            Cow::Borrowed(ncname(level.name())),
        )
    }

    fn attribute(self) -> Option<Item<'x>> {
        let (name, value) = match self {
            Self::Domain(Domain { name, .. }) | Self::RemoteDomain(RemoteDomain { name, .. }) => {
                ("name", name.as_deref()?)
            }
            Self::Connection(c) => ("type", c.type_value()?),
            Self::ServerInfo(_) | Self::Federation(_) => return None,
        };
        Some(Item::Attribute(
            Namespace::NONE,
            Cow::Borrowed(ncname(name)),
            Cow::Borrowed(value),
        ))
    }

    fn child(self, index: usize) -> Option<Child<'x>> {
        fn split<'x, T>(
            typed: &'x [T],
            extensions: &'x [Element],
            index: usize,
            wrap: impl FnOnce(&'x T) -> Typed<'x>,
        ) -> Option<Child<'x>> {
            match typed.get(index) {
                Some(t) => Some(Child::Typed(wrap(t))),
                None => extensions.get(index - typed.len()).map(Child::Extension),
            }
        }
        match self {
            Self::ServerInfo(v) => split(&v.domains, &v.extensions, index, Typed::Domain),
            Self::Domain(v) => split(
                v.federation.as_slice(),
                &v.extensions,
                index,
                Typed::Federation,
            ),
            Self::Federation(v) => {
                split(&v.remote_domains, &v.extensions, index, Typed::RemoteDomain)
            }
            Self::RemoteDomain(v) => split(&v.connections, &v.extensions, index, Typed::Connection),
            Self::Connection(v) => match v.text() {
                Some(text) if index == 0 => Some(Child::Text(text)),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Head,
    Attributes,
    HeadEnd,
    Content,
}

enum Frame<'x> {
    Typed {
        node: Typed<'x>,
        step: Step,
        index: usize,
    },
    Extension {
        element: &'x Element,
        step: Step,
        attributes: rxml::xml_map::Iter<'x, String>,
        nodes: minidom::element::Nodes<'x>,
    },
}

impl<'x> Frame<'x> {
    fn extension(element: &'x Element) -> Self {
        Self::Extension {
            element,
            step: Step::Head,
            attributes: element.attrs().iter(),
            nodes: element.nodes(),
        }
    }
}

/// The `xso::AsXml` item iterator of every payload type. Elements in other
/// namespaces are walked with an explicit stack, so any depth is written without
/// recursion.
#[allow(
    unnameable_types,
    reason = "reached only as `<T as AsXml>::ItemIter`, like the types xso's derives generate"
)]
pub struct Items<'x> {
    stack: Vec<Frame<'x>>,
}

impl std::fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("depth", &self.stack.len())
            .finish_non_exhaustive()
    }
}

impl<'x> Items<'x> {
    fn new(root: Typed<'x>) -> Self {
        Self {
            stack: vec![Frame::Typed {
                node: root,
                step: Step::Head,
                index: 0,
            }],
        }
    }
}

impl<'x> Iterator for Items<'x> {
    type Item = Result<Item<'x>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let push = match self.stack.last_mut()? {
                Frame::Typed { node, step, index } => match *step {
                    Step::Head => {
                        *step = Step::Attributes;
                        return Some(Ok(node.head()));
                    }
                    Step::Attributes => {
                        *step = Step::HeadEnd;
                        match node.attribute() {
                            Some(item) => return Some(Ok(item)),
                            None => continue,
                        }
                    }
                    Step::HeadEnd => {
                        *step = Step::Content;
                        return Some(Ok(Item::ElementHeadEnd));
                    }
                    Step::Content => {
                        let child = node.child(*index);
                        *index += 1;
                        match child {
                            Some(Child::Typed(typed)) => Frame::Typed {
                                node: typed,
                                step: Step::Head,
                                index: 0,
                            },
                            Some(Child::Extension(element)) => Frame::extension(element),
                            Some(Child::Text(text)) => {
                                return Some(Ok(Item::Text(Cow::Borrowed(text))));
                            }
                            None => {
                                self.stack.pop();
                                return Some(Ok(Item::ElementFoot));
                            }
                        }
                    }
                },
                Frame::Extension {
                    element,
                    step,
                    attributes,
                    nodes,
                } => match *step {
                    Step::Head => {
                        *step = Step::Attributes;
                        let name = match <&NcNameStr>::try_from(element.name()) {
                            Ok(name) => name,
                            Err(e) => {
                                self.stack.clear();
                                return Some(Err(e.into()));
                            }
                        };
                        return Some(Ok(Item::ElementHeadStart(
                            Namespace::from(element.ns()),
                            Cow::Borrowed(name),
                        )));
                    }
                    Step::Attributes | Step::HeadEnd => match attributes.next() {
                        Some(((namespace, name), value)) => {
                            return Some(Ok(Item::Attribute(
                                namespace.clone(),
                                Cow::Borrowed(name),
                                Cow::Borrowed(value),
                            )));
                        }
                        None => {
                            *step = Step::Content;
                            return Some(Ok(Item::ElementHeadEnd));
                        }
                    },
                    Step::Content => match nodes.next() {
                        Some(Node::Text(text)) => return Some(Ok(Item::Text(Cow::Borrowed(text)))),
                        Some(Node::Element(child)) => Frame::extension(child),
                        None => {
                            self.stack.pop();
                            return Some(Ok(Item::ElementFoot));
                        }
                    },
                },
            };
            self.stack.push(push);
        }
    }
}

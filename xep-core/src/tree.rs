//! A compact, read-only tree of one element, for walking large stanzas cheaply.
//!
//! A [`minidom::Element`] costs about a kilobyte for each element that has an
//! attribute (its attribute map is two B-tree nodes), so a disco#info result of 2,000
//! `<feature var='...'/>` elements, 81 kB of text, is a 2.7 MB tree. A [`Tree`] holds
//! the same content in a few flat arrays: names and namespaces are stored once each,
//! and every attribute value and text run lives in one shared string buffer. The same
//! result costs about 2-4 times its text.
//!
//! A tool walks the tree to find what it recognises and builds a minidom element
//! ([`TreeElement::to_element`]) only for that part, which the typed readers then
//! read and the tool drops. [`ItemReader::compact`](crate::xml::ItemReader::compact)
//! yields these trees; [`TreeElement::to_element`] of a tree's root equals the element
//! [`ItemReader`](crate::xml::ItemReader) builds from the same bytes (a differential
//! test and the `xml` fuzz target compare the two).
//!
//! ```
//! use xep_core::xml::{ItemReader, Limits, Piece};
//! let input = b"<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:a'/> <feature var='urn:b'/></query></iq>";
//! let mut reader = ItemReader::new(input, &Limits::default()).compact();
//! let Some(Ok(Piece::Tree(item))) = reader.next_piece() else { panic!() };
//! let iq = item.tree.root();
//! assert_eq!((iq.name(), iq.attr("type")), ("iq", Some("result")));
//! let query = iq.children().next().unwrap();
//! let features: Vec<&str> = query.children().filter_map(|f| f.attr("var")).collect();
//! assert_eq!(features, ["urn:a", "urn:b"]);
//! assert_eq!(query.to_element().children().count(), 2);
//! ```

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use std::collections::HashMap;

use minidom::Element;
use rxml::parser::EventMetrics;
use rxml::xml_lang::XmlLangStack;
use rxml::{AttrMap, Event, Namespace, NcName};
use xso::error::{FromElementError, FromEventsError};
use xso::{Context, FromEventsBuilder, FromXml};

/// One element's record: indices into the tree's tables.
#[derive(Debug, Clone, Copy)]
struct Record {
    namespace: u32,
    name: u32,
    /// Range in `attrs`.
    attrs: (u32, u32),
    /// Range in `kids`.
    kids: (u32, u32),
}

/// A child: an element (index in `elements`) or a text run (range in `text`).
#[derive(Debug, Clone, Copy)]
enum Kid {
    Element(u32),
    Text(u32, u32),
}

/// One attribute: interned namespace and name, value as a range in `text`.
#[derive(Debug, Clone, Copy)]
struct Attr {
    namespace: u32,
    name: u32,
    value: (u32, u32),
}

/// One element and everything in it, stored compactly (see the [module](self)).
#[derive(Clone, Default)]
pub struct Tree {
    elements: Vec<Record>,
    kids: Vec<Kid>,
    attrs: Vec<Attr>,
    /// Every attribute value and text run, one after the other.
    text: String,
    namespaces: Vec<Namespace<'static>>,
    names: Vec<NcName>,
    namespace_index: HashMap<Namespace<'static>, u32>,
    name_index: HashMap<NcName, u32>,
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tree")
            .field("elements", &self.elements.len())
            .field("text_bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Tree {
    /// Trees are equal when their elements are (compared as minidom compares them).
    fn eq(&self, other: &Self) -> bool {
        self.root().to_element() == other.root().to_element()
    }
}

impl Tree {
    /// The element the tree holds.
    ///
    /// # Panics
    ///
    /// On a tree with no element, which [`ItemReader`](crate::xml::ItemReader) never
    /// yields.
    pub fn root(&self) -> TreeElement<'_> {
        assert!(!self.elements.is_empty(), "a tree holds an element");
        TreeElement { tree: self, id: 0 }
    }

    /// How many elements the tree holds.
    pub fn element_count(&self) -> usize {
        self.elements.len()
    }

    /// The bytes the tree holds on the heap (without its intern tables' hashing
    /// overhead): what it costs instead of a minidom tree.
    pub fn heap_bytes(&self) -> usize {
        self.elements.capacity() * size_of::<Record>()
            + self.kids.capacity() * size_of::<Kid>()
            + self.attrs.capacity() * size_of::<Attr>()
            + self.text.capacity()
    }

    fn slice(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }

    fn intern_namespace(&mut self, namespace: &Namespace<'static>) -> u32 {
        if let Some(&i) = self.namespace_index.get(namespace.as_str()) {
            return i;
        }
        let i = index(self.namespaces.len());
        self.namespaces.push(namespace.clone());
        self.namespace_index.insert(namespace.clone(), i);
        i
    }

    fn intern_name(&mut self, name: &NcName) -> u32 {
        if let Some(&i) = self.name_index.get(name.as_str()) {
            return i;
        }
        let i = index(self.names.len());
        self.names.push(name.clone());
        self.name_index.insert(name.clone(), i);
        i
    }

    /// Appends `s` to the text buffer: its range.
    fn push_text(&mut self, s: &str) -> (u32, u32) {
        let start = index(self.text.len());
        self.text.push_str(s);
        (start, index(self.text.len()))
    }
}

/// An index into a table: the reader refuses inputs over 4 GiB before one is needed.
fn index(n: usize) -> u32 {
    u32::try_from(n).expect("a tree is smaller than its input, which is under 4 GiB")
}

/// Builds a [`Tree`] from parser events (used by [`ItemReader`](crate::xml::ItemReader)).
#[derive(Debug, Default)]
pub(crate) struct TreeBuilder {
    tree: Tree,
    /// Children of the open elements, each element's after its mark.
    pending: Vec<Kid>,
    /// For each open element: its index and where its children start in `pending`.
    open: Vec<(u32, usize)>,
}

impl TreeBuilder {
    /// How many elements are open.
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    /// The local name of the innermost open element.
    pub(crate) fn open_name(&self) -> Option<&str> {
        let &(id, _) = self.open.last()?;
        Some(self.tree.names[self.tree.elements[id as usize].name as usize].as_str())
    }

    pub(crate) fn start(&mut self, namespace: &Namespace<'static>, name: &NcName, attrs: AttrMap) {
        let tree = &mut self.tree;
        let id = index(tree.elements.len());
        let record = Record {
            namespace: tree.intern_namespace(namespace),
            name: tree.intern_name(name),
            attrs: (index(tree.attrs.len()), 0),
            kids: (0, 0),
        };
        for ((namespace, name), value) in attrs.iter() {
            let attr = Attr {
                namespace: tree.intern_namespace(namespace),
                name: tree.intern_name(name),
                value: tree.push_text(value),
            };
            tree.attrs.push(attr);
        }
        let mut record = record;
        record.attrs.1 = index(tree.attrs.len());
        tree.elements.push(record);
        if !self.open.is_empty() {
            self.pending.push(Kid::Element(id));
        }
        self.open.push((id, self.pending.len()));
    }

    pub(crate) fn text(&mut self, text: &str) {
        // Adjacent text runs are one node, as minidom's `append_text` makes them.
        if let Some(Kid::Text(_, end)) = self.pending.last_mut() {
            if *end as usize == self.tree.text.len() {
                self.tree.text.push_str(text);
                *end = index(self.tree.text.len());
                return;
            }
        }
        let range = self.tree.push_text(text);
        self.pending.push(Kid::Text(range.0, range.1));
    }

    /// Closes the innermost element; the finished tree once the root is closed.
    pub(crate) fn end(&mut self) -> Option<Tree> {
        let (id, mark) = self.open.pop()?;
        let start = index(self.tree.kids.len());
        self.tree.kids.extend(self.pending.drain(mark..));
        self.tree.elements[id as usize].kids = (start, index(self.tree.kids.len()));
        if self.open.is_empty() {
            let mut tree = core::mem::take(&mut self.tree);
            // The tables grew by doubling; what a kind reads next is allocated beside
            // them, so their slack would count in the peak.
            tree.kids.shrink_to_fit();
            tree.elements.shrink_to_fit();
            tree.attrs.shrink_to_fit();
            tree.text.shrink_to_fit();
            self.pending = Vec::new();
            return Some(tree);
        }
        None
    }
}

/// One element of a [`Tree`].
#[derive(Clone, Copy)]
pub struct TreeElement<'t> {
    tree: &'t Tree,
    id: u32,
}

impl fmt::Debug for TreeElement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} xmlns='{}'>", self.name(), self.ns())
    }
}

/// A child of a [`TreeElement`]: an element or a text run.
#[derive(Debug, Clone, Copy)]
pub enum TreeNode<'t> {
    /// A child element.
    Element(TreeElement<'t>),
    /// A run of text (adjacent runs are one node, as in minidom).
    Text(&'t str),
}

impl<'t> TreeElement<'t> {
    fn record(&self) -> &'t Record {
        &self.tree.elements[self.id as usize]
    }

    /// The local name.
    pub fn name(&self) -> &'t str {
        self.tree.names[self.record().name as usize].as_str()
    }

    /// The namespace (empty for none).
    pub fn ns(&self) -> &'t str {
        self.tree.namespaces[self.record().namespace as usize].as_str()
    }

    /// Whether the element has this local name and namespace.
    pub fn is(&self, name: &str, namespace: &str) -> bool {
        self.name() == name && self.ns() == namespace
    }

    /// Every attribute: (namespace, local name, value), in the order minidom keeps them.
    pub fn attrs(&self) -> impl Iterator<Item = (&'t str, &'t str, &'t str)> + 't {
        let tree = self.tree;
        let (start, end) = self.record().attrs;
        tree.attrs[start as usize..end as usize].iter().map(|a| {
            (
                tree.namespaces[a.namespace as usize].as_str(),
                tree.names[a.name as usize].as_str(),
                tree.slice(a.value),
            )
        })
    }

    /// The value of an attribute in no namespace (as [`Element::attr`]).
    pub fn attr(&self, name: &str) -> Option<&'t str> {
        self.attr_ns("", name)
    }

    /// The value of an attribute in a namespace (as [`Element::attr_ns`]).
    pub fn attr_ns(&self, namespace: &str, name: &str) -> Option<&'t str> {
        self.attrs()
            .find(|&(ns, local, _)| ns == namespace && local == name)
            .map(|(_, _, value)| value)
    }

    /// The child nodes, elements and text, in document order.
    pub fn nodes(&self) -> impl Iterator<Item = TreeNode<'t>> + 't {
        let tree = self.tree;
        let (start, end) = self.record().kids;
        tree.kids[start as usize..end as usize]
            .iter()
            .map(move |kid| match *kid {
                Kid::Element(id) => TreeNode::Element(TreeElement { tree, id }),
                Kid::Text(start, end) => TreeNode::Text(tree.slice((start, end))),
            })
    }

    /// The child elements, in document order.
    pub fn children(&self) -> impl Iterator<Item = TreeElement<'t>> + 't {
        self.nodes().filter_map(|node| match node {
            TreeNode::Element(element) => Some(element),
            TreeNode::Text(_) => None,
        })
    }

    /// The element's direct text, concatenated (as [`Element::text`]).
    pub fn text(&self) -> String {
        self.nodes()
            .filter_map(|node| match node {
                TreeNode::Text(text) => Some(text),
                TreeNode::Element(_) => None,
            })
            .collect()
    }

    /// This element and every element inside it, in document order.
    pub fn descendants(&self) -> impl Iterator<Item = TreeElement<'t>> + 't {
        // Elements are stored in document order, and an element's descendants are
        // the ones stored after it up to the first one that is not inside it: the
        // next element after its last child's subtree.
        let tree = self.tree;
        let end = self.subtree_end();
        (self.id..end).map(move |id| TreeElement { tree, id })
    }

    /// One past the index of the last element inside this one.
    fn subtree_end(&self) -> u32 {
        let mut last = *self;
        while let Some(child) = last.children().last() {
            last = child;
        }
        last.id + 1
    }

    /// The element as a minidom tree, equal to what
    /// [`ItemReader`](crate::xml::ItemReader) builds from the same bytes.
    pub fn to_element(&self) -> Element {
        let mut element = self.to_shallow_element();
        for node in self.nodes() {
            match node {
                TreeNode::Element(child) => {
                    element.append_child(child.to_element());
                }
                TreeNode::Text(text) => element.append_text_node(text),
            }
        }
        element
    }

    /// The element's name, namespace and attributes as a minidom element without
    /// children (to write a container back around children written one by one).
    pub fn to_shallow_element(&self) -> Element {
        let mut element = Element::builder(self.name(), self.ns()).build();
        let tree = self.tree;
        let (start, end) = self.record().attrs;
        if start != end {
            let mut attrs = AttrMap::new();
            for a in &tree.attrs[start as usize..end as usize] {
                attrs.insert(
                    tree.namespaces[a.namespace as usize].clone(),
                    tree.names[a.name as usize].clone(),
                    tree.slice(a.value).into(),
                );
            }
            *element.attrs_mut() = attrs;
        }
        element
    }
}

impl TreeElement<'_> {
    /// Builds a typed value from the element as [`xso::try_from_element`] builds it
    /// from [`to_element`](Self::to_element), feeding the derive's builder with
    /// events made from the tree: the same value or the same error, without a
    /// minidom tree of the element (a form of 2,000 values is some fifteen times its
    /// text as one).
    ///
    /// # Errors
    ///
    /// [`FromElementError::Mismatch`] (with the element) where `T` is another
    /// element; [`FromElementError::Invalid`] where the derive refuses the content.
    pub fn parse<T: FromXml>(&self) -> Result<T, FromElementError> {
        let mut languages = XmlLangStack::new();
        let (name, attrs) = self.start_parts();
        languages.push_from_attrs(&attrs);
        let context = Context::empty().with_language(languages.current());
        let mut builder = match T::from_events(name, attrs, &context) {
            Ok(builder) => builder,
            Err(FromEventsError::Mismatch { .. }) => {
                return Err(FromElementError::Mismatch(self.to_element()));
            }
            Err(FromEventsError::Invalid(e)) => return Err(FromElementError::Invalid(e)),
        };
        if let Some(value) = self.feed_content(&mut builder, &mut languages)? {
            return Ok(value);
        }
        let end = Event::EndElement(EventMetrics::zero());
        languages.handle_event(&end);
        let context = Context::empty().with_language(languages.current());
        builder.feed(end, &context)?.ok_or_else(|| {
            FromElementError::Invalid(xso::error::Error::Other(
                "the element ended before its value was complete",
            ))
        })
    }

    /// The name and attributes of the element's start event.
    fn start_parts(&self) -> (rxml::QName, AttrMap) {
        let tree = self.tree;
        let record = self.record();
        let mut attrs = AttrMap::new();
        for a in &tree.attrs[record.attrs.0 as usize..record.attrs.1 as usize] {
            attrs.insert(
                tree.namespaces[a.namespace as usize].clone(),
                tree.names[a.name as usize].clone(),
                tree.slice(a.value).into(),
            );
        }
        let name = (
            tree.namespaces[record.namespace as usize].clone(),
            tree.names[record.name as usize].clone(),
        );
        (name, attrs)
    }

    /// Feeds the events of the element's content (not its own start and end); the
    /// value if the builder finishes early.
    fn feed_content<B: FromEventsBuilder>(
        &self,
        builder: &mut B,
        languages: &mut XmlLangStack,
    ) -> Result<Option<B::Output>, xso::error::Error> {
        for node in self.nodes() {
            let value = match node {
                TreeNode::Text(text) => feed(
                    builder,
                    languages,
                    Event::Text(EventMetrics::zero(), text.into()),
                )?,
                TreeNode::Element(child) => {
                    let (name, attrs) = child.start_parts();
                    let start = Event::StartElement(EventMetrics::zero(), name, attrs);
                    if let Some(value) = feed(builder, languages, start)? {
                        return Ok(Some(value));
                    }
                    // Recursion as deep as the tree (the reader's depth limit).
                    if let Some(value) = child.feed_content(builder, languages)? {
                        return Ok(Some(value));
                    }
                    feed(builder, languages, Event::EndElement(EventMetrics::zero()))?
                }
            };
            if value.is_some() {
                return Ok(value);
            }
        }
        Ok(None)
    }
}

/// What a lenient reader needs of an element, from a minidom element or from a
/// compact tree: a reader written once over this trait reads either, so that a tool
/// walking a [`Tree`] reads a large payload without a minidom tree of it.
pub trait ElementView<'a>: Copy {
    /// The local name.
    fn name(&self) -> &'a str;
    /// The namespace (empty for none; minidom gives only a copy of it).
    fn ns(&self) -> Cow<'a, str>;
    /// The value of an attribute in a namespace (empty for none).
    fn attr_ns(&self, namespace: &str, name: &str) -> Option<&'a str>;
    /// The child elements, in document order.
    fn children(&self) -> impl Iterator<Item = Self> + 'a;
    /// The child elements and text runs, in document order.
    fn nodes(&self) -> impl Iterator<Item = ViewNode<'a, Self>> + 'a;
    /// Every attribute: (namespace, local name, value), the namespace empty for none.
    fn attrs(&self) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a;
    /// The text content (direct text children, concatenated).
    fn text(&self) -> String;
    /// A minidom copy of the element that every writer can write, or why there is
    /// none ([`crate::xml::try_writable_copy`]): for the parts a reader keeps as
    /// elements (extensions).
    fn try_writable_copy(&self) -> Result<Element, crate::xml::Unwritable>;

    /// Calls `f` with the element as a minidom element: itself, or one built for the
    /// call (for the small parts a reader reads with a minidom-only function).
    fn with_element<R>(&self, f: impl FnOnce(&Element) -> R) -> R;

    /// The `xml:lang` attribute.
    fn xml_lang(&self) -> Option<&'a str> {
        self.attr_ns(XML_NAMESPACE, "lang")
    }

    /// The value of an attribute in no namespace.
    fn attr(&self, name: &str) -> Option<&'a str> {
        self.attr_ns("", name)
    }

    /// Whether the element is in this namespace.
    fn has_ns(&self, namespace: &str) -> bool {
        self.ns() == namespace
    }

    /// Whether the element has this local name and namespace.
    fn is(&self, name: &str, namespace: &str) -> bool {
        self.name() == name && self.has_ns(namespace)
    }

    /// The first child with this local name and namespace.
    fn get_child(&self, name: &str, namespace: &str) -> Option<Self> {
        self.children().find(|c| c.is(name, namespace))
    }

    /// Whether a child has this local name and namespace.
    fn has_child(&self, name: &str, namespace: &str) -> bool {
        self.get_child(name, namespace).is_some()
    }

    /// The character data of the element and of every element inside it, in
    /// document order (iterative: a deeply nested element cannot exhaust the stack).
    fn all_text(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self.nodes()];
        while let Some(nodes) = stack.last_mut() {
            match nodes.next() {
                Some(ViewNode::Text(text)) => out.push_str(text),
                Some(ViewNode::Element(child)) => stack.push(child.nodes()),
                None => {
                    stack.pop();
                }
            }
        }
        out
    }
}

/// A child of an [`ElementView`]: an element or a text run.
#[derive(Debug, Clone, Copy)]
pub enum ViewNode<'a, E> {
    /// A child element.
    Element(E),
    /// A run of character data.
    Text(&'a str),
}

impl<'a> ElementView<'a> for &'a Element {
    fn name(&self) -> &'a str {
        Element::name(self)
    }

    fn ns(&self) -> Cow<'a, str> {
        Cow::Owned(Element::ns(self))
    }

    fn attr_ns(&self, namespace: &str, name: &str) -> Option<&'a str> {
        Element::attr_ns(self, namespace, name)
    }

    fn children(&self) -> impl Iterator<Item = Self> + 'a {
        Element::children(self)
    }

    fn nodes(&self) -> impl Iterator<Item = ViewNode<'a, Self>> + 'a {
        Element::nodes(self).map(|node| match node {
            minidom::Node::Element(e) => ViewNode::Element(e),
            minidom::Node::Text(t) => ViewNode::Text(t.as_str()),
        })
    }

    fn attrs(&self) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        Element::attrs(self)
            .iter()
            .map(|((ns, name), value)| (ns.as_str(), name.as_str(), value.as_str()))
    }

    fn text(&self) -> String {
        Element::text(self)
    }

    fn try_writable_copy(&self) -> Result<Element, crate::xml::Unwritable> {
        crate::xml::try_writable_copy(self)
    }

    fn with_element<R>(&self, f: impl FnOnce(&Element) -> R) -> R {
        f(self)
    }

    fn has_ns(&self, namespace: &str) -> bool {
        Element::has_ns(self, namespace)
    }
}

impl<'t> ElementView<'t> for TreeElement<'t> {
    fn name(&self) -> &'t str {
        TreeElement::name(self)
    }

    fn ns(&self) -> Cow<'t, str> {
        Cow::Borrowed(TreeElement::ns(self))
    }

    fn attr_ns(&self, namespace: &str, name: &str) -> Option<&'t str> {
        TreeElement::attr_ns(self, namespace, name)
    }

    fn children(&self) -> impl Iterator<Item = Self> + 't {
        TreeElement::children(self)
    }

    fn nodes(&self) -> impl Iterator<Item = ViewNode<'t, Self>> + 't {
        TreeElement::nodes(self).map(|node| match node {
            TreeNode::Element(e) => ViewNode::Element(e),
            TreeNode::Text(t) => ViewNode::Text(t),
        })
    }

    fn attrs(&self) -> impl Iterator<Item = (&'t str, &'t str, &'t str)> + 't {
        TreeElement::attrs(self)
    }

    fn text(&self) -> String {
        TreeElement::text(self)
    }

    fn try_writable_copy(&self) -> Result<Element, crate::xml::Unwritable> {
        crate::xml::try_writable_copy(&self.to_element())
    }

    fn with_element<R>(&self, f: impl FnOnce(&Element) -> R) -> R {
        f(&self.to_element())
    }
}

/// Feeds one event to a builder, with the `xml:lang` in effect after it.
fn feed<B: FromEventsBuilder>(
    builder: &mut B,
    languages: &mut XmlLangStack,
    event: Event,
) -> Result<Option<B::Output>, xso::error::Error> {
    languages.handle_event(&event);
    builder.feed(event, &Context::empty().with_language(languages.current()))
}

/// The namespace of the `xml:` prefix (`xml:lang`).
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

impl TreeElement<'_> {
    /// The element as XML text that reads back (with [`ItemReader`] or minidom) as an
    /// element equal to [`to_element`](Self::to_element), declaring every namespace it
    /// uses: for a reader that works from bytes (`ServerInfo::read_bytes`), without a
    /// minidom tree.
    ///
    /// [`ItemReader`]: crate::xml::ItemReader
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_xml(&mut out, None);
        out
    }

    /// Appends the element as XML text to `out`, inside a parent in `parent_ns`
    /// (`None` at the top): a namespace is declared where it differs from the
    /// parent's. The text is what minidom writes for [`to_element`](Self::to_element)
    /// (names, attribute order, escapes), so that an element no kind changed comes
    /// out as a writer of minidom elements would write it. The one difference is an
    /// attribute in a namespace other than `xml:` (rare in XMPP): it gets a prefix
    /// declared on its element, where minidom numbers prefixes across the document;
    /// the text reads back as the same element either way.
    pub fn write_xml(&self, out: &mut String, parent_ns: Option<&str>) {
        self.write_start(out, parent_ns);
        let mut nodes = self.nodes().peekable();
        if nodes.peek().is_none() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for node in nodes {
            match node {
                TreeNode::Element(child) => child.write_xml(out, Some(self.ns())),
                TreeNode::Text(text) => escape(out, text, false),
            }
        }
        self.write_end(out);
    }

    /// Appends the start tag without its closing `>` (or `/>`): `<`, the name, the
    /// namespace declaration where it differs from `parent_ns`, and the attributes.
    pub fn write_start(&self, out: &mut String, parent_ns: Option<&str>) {
        let ns = self.ns();
        out.push('<');
        out.push_str(self.name());
        if parent_ns != Some(ns) && !(parent_ns.is_none() && ns.is_empty()) {
            out.push_str(" xmlns='");
            escape(out, ns, true);
            out.push('\'');
        }
        for (n, (attr_ns, name, value)) in self.attrs().enumerate() {
            out.push(' ');
            if attr_ns == XML_NAMESPACE {
                out.push_str("xml:");
            } else if !attr_ns.is_empty() {
                // A prefix of its own for each namespaced attribute, declared here.
                out.push_str(&format!("xmlns:tns{n}='"));
                escape(out, attr_ns, true);
                out.push_str(&format!("' tns{n}:"));
            }
            out.push_str(name);
            out.push_str("='");
            escape(out, value, true);
            out.push('\'');
        }
    }

    /// Appends the end tag.
    pub fn write_end(&self, out: &mut String) {
        out.push_str("</");
        out.push_str(self.name());
        out.push('>');
    }
}

/// Appends `text` escaped as element content, as minidom's writer escapes it (for a
/// writer that puts text between elements written with [`TreeElement::write_xml`]).
pub fn escape_text(out: &mut String, text: &str) {
    escape(out, text, false);
}

/// Appends `text` escaped as minidom's writer (rxml) escapes it, for element content
/// or (`attribute`) a value in quotes: characters a parser would normalise (CR
/// anywhere, tab and line feed in a value) are written as references.
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xd;"),
            '"' if attribute => out.push_str("&#34;"),
            '\'' if attribute => out.push_str("&#39;"),
            '\t' if attribute => out.push_str("&#x9;"),
            '\n' if attribute => out.push_str("&#xa;"),
            c => out.push(c),
        }
    }
}

/// Builds a tree straight from minidom (for tests and callers that have an element).
impl From<&Element> for Tree {
    fn from(element: &Element) -> Self {
        fn add(builder: &mut TreeBuilder, element: &Element) -> Option<Tree> {
            let namespace = Namespace::from(element.ns());
            let name = NcName::try_from(element.name()).expect("minidom names are NCNames");
            builder.start(&namespace, &name, element.attrs().clone());
            for node in element.nodes() {
                match node {
                    minidom::Node::Element(child) => {
                        add(builder, child);
                    }
                    minidom::Node::Text(text) => builder.text(text),
                }
            }
            builder.end()
        }
        add(&mut TreeBuilder::default(), element).expect("the root was closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tree(xml: &str) -> Tree {
        let element: Element = xml.parse().unwrap();
        Tree::from(&element)
    }

    #[test]
    fn reads_back_names_attributes_and_mixed_text() {
        let xml = "<a xmlns='urn:x' k='v' xml:lang='de'>one<b xmlns='urn:y' z='1'>two</b>three<c/>four<b xmlns='urn:y'/></a>";
        let t = tree(xml);
        let a = t.root();
        assert_eq!((a.name(), a.ns(), a.attr("k")), ("a", "urn:x", Some("v")));
        assert_eq!(a.attr("lang"), None);
        assert_eq!(
            a.attr_ns("http://www.w3.org/XML/1998/namespace", "lang"),
            Some("de")
        );
        assert_eq!(a.text(), "onethreefour");
        let names: Vec<(&str, &str)> = a.children().map(|c| (c.name(), c.ns())).collect();
        assert_eq!(names, [("b", "urn:y"), ("c", "urn:x"), ("b", "urn:y")]);
        let first = a.children().next().unwrap();
        assert_eq!((first.attr("z"), first.text().as_str()), (Some("1"), "two"));
        assert_eq!(a.descendants().count(), 4);
        assert_eq!(first.descendants().count(), 1);
        assert_eq!(a.to_element(), xml.parse::<Element>().unwrap());
        assert_eq!(t.element_count(), 4);
    }

    #[test]
    fn written_text_reads_back_as_the_same_element() {
        for xml in [
            "<a xmlns='urn:x' k='v&apos;&quot;&lt;&gt;&amp;&#9;&#10;&#13;' xml:lang='de'>one&#13;\n<b xmlns='urn:y' z='1'>two</b>3 &lt; 4 ]]&gt;<c/><d xmlns=''><e/></d></a>",
            "<a xmlns='urn:x' xmlns:p='urn:p' xmlns:q='urn:q' p:k='1' q:k='2' k='3'><p:b p:k='4'/></a>",
            "<a xmlns='urn:x'><a xmlns='urn:x'/></a>",
        ] {
            let element: Element = xml.parse().unwrap();
            let t = Tree::from(&element);
            // A root in no namespace is refused by both readers; inside, it is kept.
            for e in t.root().descendants().filter(|e| !e.ns().is_empty()) {
                let text = e.to_xml();
                let again: Element = text.parse().unwrap_or_else(|err| panic!("{err}: {text}"));
                assert_eq!(again, e.to_element(), "{text}");
            }
        }
    }

    #[test]
    fn written_text_is_what_minidom_writes() {
        // `xep inspect --emit wire` writes the unchanged parts from the tree, where it
        // wrote the elements built from the tree with minidom before: the text is the
        // same. (Not the text minidom writes for the element it parsed: that keeps the
        // input's prefixes and redundant declarations, which the tree does not store.)
        for xml in [
            "<a xmlns='urn:x' k='v&apos;&quot;&lt;&gt;&amp;&#9;&#10;&#13;' xml:lang='de'>one&#13;\n<b xmlns='urn:y' z='1'>two</b>3 &lt; 4 ]]&gt;<c/><d xmlns=''><e/></d></a>",
            "<a xmlns='urn:x'><a xmlns='urn:x'/>\t<b xmlns='urn:p' xml:lang='en'/></a>",
        ] {
            let element: Element = xml.parse().unwrap();
            let root = Tree::from(&element);
            let root = root.root();
            assert_eq!(root.to_xml(), String::from(&root.to_element()));
        }
    }

    /// An element as text: name, namespace, attributes and content.
    #[derive(Debug, Clone)]
    enum Node {
        Element(
            &'static str,
            &'static str,
            Vec<(&'static str, String)>,
            Vec<Self>,
        ),
        Text(String),
    }

    fn quote(text: &str, out: &mut String) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '\'' => out.push_str("&apos;"),
                '\r' => out.push_str("&#13;"),
                '\n' => out.push_str("&#10;"),
                '\t' => out.push_str("&#9;"),
                c => out.push(c),
            }
        }
    }

    fn render(node: &Node, out: &mut String) {
        match node {
            Node::Text(text) => quote(text, out),
            Node::Element(name, ns, attrs, nodes) => {
                out.push_str(&format!("<{name} xmlns='{ns}'"));
                for (k, v) in attrs {
                    out.push_str(&format!(" {k}='"));
                    quote(v, out);
                    out.push('\'');
                }
                out.push('>');
                for node in nodes {
                    render(node, out);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
    }

    fn element() -> impl Strategy<Value = Node> {
        const TEXT: &str = "[a<>&'\"\t\n\r ]{1,5}";
        let names = || prop_oneof![Just("a"), Just("b")];
        let namespaces = || prop_oneof![Just("urn:x"), Just("urn:y"), Just("")];
        let attrs = || {
            proptest::collection::btree_map(prop_oneof![Just("k"), Just("l")], TEXT, 0..3)
                .prop_map(|m| m.into_iter().collect::<Vec<_>>())
        };
        let leaf = (names(), namespaces(), attrs())
            .prop_map(|(name, ns, attrs)| Node::Element(name, ns, attrs, Vec::new()));
        leaf.prop_recursive(4, 40, 4, move |inner| {
            (
                names(),
                namespaces(),
                attrs(),
                proptest::collection::vec(prop_oneof![inner, TEXT.prop_map(Node::Text)], 0..4),
            )
                .prop_map(|(name, ns, attrs, nodes)| Node::Element(name, ns, attrs, nodes))
        })
    }

    proptest! {
        #[test]
        fn written_text_is_what_minidom_writes_for_any_element(node in element()) {
            let mut xml = String::new();
            // The root in a namespace, as both readers want it.
            render(&Node::Element("r", "urn:r", Vec::new(), vec![node]), &mut xml);
            let element: Element = xml.parse().unwrap();
            let t = Tree::from(&element);
            prop_assert_eq!(t.root().to_element(), element);
            for e in t.root().descendants().filter(|e| !e.ns().is_empty()) {
                let text = e.to_xml();
                prop_assert_eq!(&text, &String::from(&e.to_element()));
                let again: Element = text.parse().unwrap();
                prop_assert_eq!(again, e.to_element());
            }
        }
    }

    /// A form-like element: the data forms vocabulary (and some foreign names) in any
    /// arrangement, with `xml:lang` here and there, for the derive to accept or refuse.
    fn form_like() -> impl Strategy<Value = String> {
        let names = prop_oneof![
            Just("field"),
            Just("value"),
            Just("option"),
            Just("title"),
            Just("instructions"),
            Just("reported"),
            Just("item"),
            Just("desc"),
            Just("required"),
            Just("media"),
        ];
        let attr_values = prop_oneof![
            Just("form"),
            Just("result"),
            Just("submit"),
            Just("text-single"),
            Just("list-multi"),
            Just("hidden"),
            Just("FORM_TYPE"),
            Just("boolean"),
            Just("x y"),
        ];
        let attrs = proptest::collection::btree_map(
            prop_oneof![Just("type"), Just("var"), Just("label"), Just("xml:lang")],
            attr_values,
            0..3,
        );
        let leaf = (
            names.clone(),
            prop_oneof![Just("jabber:x:data"), Just("urn:y")],
            attrs.clone(),
            "[a-z:/ ]{0,8}",
        )
            .prop_map(|(name, ns, attrs, text)| {
                let attrs: String = attrs.iter().map(|(k, v)| format!(" {k}='{v}'")).collect();
                format!("<{name} xmlns='{ns}'{attrs}>{text}</{name}>")
            });
        let element = leaf.prop_recursive(3, 40, 5, move |inner| {
            (
                names.clone(),
                attrs.clone(),
                proptest::collection::vec(inner, 0..5),
            )
                .prop_map(|(name, attrs, children)| {
                    let attrs: String = attrs.iter().map(|(k, v)| format!(" {k}='{v}'")).collect();
                    format!(
                        "<{name} xmlns='jabber:x:data'{attrs}>{}</{name}>",
                        children.concat()
                    )
                })
        });
        (
            prop_oneof![
                Just(" type='form'"),
                Just(" type='result'"),
                Just(" type='bogus'"),
                Just("")
            ],
            prop_oneof![Just(""), Just(" xml:lang='de'")],
            proptest::collection::vec(element, 0..6),
        )
            .prop_map(|(form_type, lang, children)| {
                format!(
                    "<x xmlns='jabber:x:data'{form_type}{lang}>{}</x>",
                    children.concat()
                )
            })
    }

    proptest! {
        #[test]
        fn parse_gives_what_the_derive_gives_from_the_element(xml in form_like()) {
            use xmpp_parsers::data_forms::DataForm;
            let element: Element = xml.parse().unwrap();
            let t = Tree::from(&element);
            let from_tree = t.root().parse::<DataForm>();
            let from_element = DataForm::try_from(element.clone());
            match (from_tree, from_element) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "{:?} vs {:?} for {}", a.map(|_| ()), b.map(|_| ()), xml),
            }
            // Another element is a mismatch, with the element.
            let other = t.root().parse::<xmpp_parsers::disco::DiscoInfoQuery>();
            prop_assert!(matches!(other, Err(FromElementError::Mismatch(e)) if e == element));
        }
    }

    #[test]
    fn parse_reads_a_form_with_languages_and_reports_errors() {
        use xmpp_parsers::data_forms::DataForm;
        let xml = "<x xmlns='jabber:x:data' type='result' xml:lang='de'><title>Titel</title>\
                   <field var='FORM_TYPE' type='hidden'><value>urn:example</value></field>\
                   <field var='a' type='list-multi'><value>1</value><value>2</value></field></x>";
        let element: Element = xml.parse().unwrap();
        let t = Tree::from(&element);
        let form: DataForm = t.root().parse().unwrap();
        assert_eq!(form, DataForm::try_from(element).unwrap());
        assert_eq!(form.fields.last().unwrap().values, ["1", "2"]);
        assert_eq!(form.title.as_deref(), Some("Titel"));
        let bad: Element = "<x xmlns='jabber:x:data' type='nope'/>".parse().unwrap();
        let error = Tree::from(&bad).root().parse::<DataForm>().unwrap_err();
        assert_eq!(
            error.to_string(),
            DataForm::try_from(bad).unwrap_err().to_string()
        );
    }

    #[test]
    fn descendants_stop_at_the_end_of_the_subtree() {
        let t = tree("<r xmlns='u'><a><b><c/></b><d/></a><e><f/></e></r>");
        let a = t.root().children().next().unwrap();
        let names: Vec<&str> = a.descendants().map(|e| e.name()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        let e = t.root().children().nth(1).unwrap();
        let names: Vec<&str> = e.descendants().map(|e| e.name()).collect();
        assert_eq!(names, ["e", "f"]);
    }

    #[test]
    fn names_and_namespaces_are_stored_once() {
        let mut xml = String::from("<q xmlns='http://jabber.org/protocol/disco#info'>");
        for i in 0..1000 {
            xml.push_str(&format!("<feature var='urn:example:feature:{i}'/>"));
        }
        xml.push_str("</q>");
        let t = tree(&xml);
        assert_eq!(t.names.len(), 3); // q, feature, var
        assert_eq!(t.namespaces.len(), 2); // disco#info, none
        assert_eq!(t.element_count(), 1001);
        // Under 3 times the text, some 100 bytes per element (a minidom element with
        // an attribute costs about a kilobyte).
        assert!(
            t.heap_bytes() < 3 * xml.len(),
            "{} bytes for {} of text",
            t.heap_bytes(),
            xml.len()
        );
    }
}

//! `xep inspect`: find every recognised payload in a capture, print it as JSON Lines or
//! write the capture back from the typed values.

use std::collections::HashMap;
use std::fmt;

use minidom::Element;
use serde_json::{Map, Value};
use xep_core::forms::{MergedForm, lenient_form_type};
use xep_core::ns;
use xep_core::tree::{TreeElement, TreeNode};
use xep_core::xml::{ItemReader, Limits, Piece, XmlError};
use xmpp_parsers::data_forms::DataForm;

use crate::registry::{FormContext, Registry};

/// What `--emit` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Emit {
    /// One JSON object per recognised payload (JSON Lines).
    #[default]
    Json,
    /// The input written back from the typed values, in its own format.
    Wire,
}

/// The format an input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One or more XML elements.
    Xml,
    /// A JSON document (a status file).
    Json,
}

/// One recognised payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable kind name.
    pub kind: &'static str,
    /// 1-based index of the top-level element it was found in (0 for a JSON input).
    pub item: usize,
    /// Element path inside that item, such as `/iq/query`.
    pub path: String,
    /// Typed fields, or `{"error": ...}` for a payload of ours that could not be read.
    pub fields: Fields,
    /// Spec deviations seen while reading it.
    pub deviations: Vec<String>,
}

impl Finding {
    /// The JSON object printed for this finding; `input` names the file when several
    /// inputs are inspected at once.
    ///
    /// This builds a [`Value`] tree: for printing, [`Finding::write_json`] writes the
    /// same text without one.
    pub fn to_json(&self, input: Option<&str>) -> Value {
        let mut object = Map::new();
        object.insert("kind".into(), self.kind.into());
        if let Some(input) = input {
            object.insert("input".into(), input.into());
        }
        if self.item > 0 {
            object.insert("item".into(), self.item.into());
        }
        object.insert("path".into(), self.path.clone().into());
        object.extend(self.fields.to_map());
        Value::Object(object)
    }

    /// Writes the JSON object of [`Finding::to_json`] (the same text its `Display`
    /// gives) to `out`, without building a tree: the fields are already JSON text.
    pub fn write_json(
        &self,
        input: Option<&str>,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        out.write_all(b"{\"kind\":")?;
        serde_json::to_writer(&mut *out, self.kind)?;
        if let Some(input) = input {
            out.write_all(b",\"input\":")?;
            serde_json::to_writer(&mut *out, input)?;
        }
        if self.item > 0 {
            write!(out, ",\"item\":{}", self.item)?;
        }
        out.write_all(b",\"path\":")?;
        serde_json::to_writer(&mut *out, &self.path)?;
        // The fields are an object's text, `{...}`: their members follow ours.
        let members = &self.fields.text[1..self.fields.text.len() - 1];
        if !members.is_empty() {
            out.write_all(b",")?;
            out.write_all(members.as_bytes())?;
        }
        out.write_all(b"}")
    }
}

/// The typed fields of a [`Finding`]: one JSON object, kept as its compact text.
///
/// A finding can be large (a `<serverinfo/>` with 150,000 peers has an object per
/// peer), and a [`Value`] tree of it costs some ten times the text; the text is what
/// is printed, and the tree is built only when asked for ([`Fields::to_map`],
/// [`Fields::get`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Fields {
    /// Compact JSON text of an object (starts with `{`, ends with `}`).
    text: String,
}

impl Fields {
    /// The fields of anything that serialises as a JSON object.
    ///
    /// # Panics
    ///
    /// If `value` does not serialise as an object: a programming error in a kind.
    pub fn serialize(value: &impl serde::Serialize) -> Self {
        let text = serde_json::to_string(value).expect("typed fields serialise");
        assert!(
            text.starts_with('{') && text.ends_with('}'),
            "fields must be a JSON object, got {text}"
        );
        Self { text }
    }

    /// The fields as a map of values (built from the text).
    pub fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(&self.text).expect("the text was written by serde_json")
    }

    /// One field's value, if present.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }

    /// The compact JSON text of the object.
    pub fn as_json(&self) -> &str {
        &self.text
    }

    /// Adds (or replaces) the fields of `more`.
    pub fn extend(&mut self, more: Map<String, Value>) {
        if more.is_empty() {
            return;
        }
        let mut map = self.to_map();
        map.extend(more);
        *self = Self::from(map);
    }
}

impl From<Map<String, Value>> for Fields {
    fn from(map: Map<String, Value>) -> Self {
        Self::serialize(&map)
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A spec deviation with where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based top-level item (0 for a JSON input).
    pub item: usize,
    /// Element path.
    pub path: String,
    /// Kind it concerns, if any.
    pub kind: Option<&'static str>,
    /// What deviated.
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.item > 0 {
            write!(f, "item {} ", self.item)?;
        }
        write!(f, "{}: ", self.path)?;
        if let Some(kind) = self.kind {
            write!(f, "{kind}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The result of inspecting one input.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// How the input was read.
    pub format: Format,
    /// Recognised payloads in document order.
    pub findings: Vec<Finding>,
    /// The input written back from the typed values.
    pub wire: String,
}

impl Inspection {
    /// Every spec deviation, with where it was seen.
    pub fn deviations(&self) -> Vec<Located> {
        self.findings
            .iter()
            .flat_map(|f| {
                f.deviations.iter().map(|d| Located {
                    item: f.item,
                    path: f.path.clone(),
                    kind: Some(f.kind),
                    message: d.clone(),
                })
            })
            .collect()
    }
}

/// Input that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not well-formed XML, or over the limits.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Not well-formed JSON.
    #[error("line {line}, column {column}: not well-formed JSON: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
}

/// Inspects one input: XML elements, or a JSON document when it starts (after white
/// space and a byte order mark) like one: `{`, `[`, `"`, a number, `true`, `false` or
/// `null`. The input is also written back from the typed values
/// ([`Inspection::wire`], what `--emit wire` prints).
pub fn inspect(
    bytes: &[u8],
    registry: &Registry,
    limits: &Limits,
) -> Result<Inspection, InputError> {
    inspect_with(bytes, registry, limits, true)
}

/// [`inspect`] without writing the input back ([`Inspection::wire`] is empty): what
/// `xep inspect` does unless `--emit wire` asks for it. The same findings, in less
/// memory: no second tree of each element is built.
pub fn inspect_findings(
    bytes: &[u8],
    registry: &Registry,
    limits: &Limits,
) -> Result<Inspection, InputError> {
    inspect_with(bytes, registry, limits, false)
}

fn inspect_with(
    bytes: &[u8],
    registry: &Registry,
    limits: &Limits,
    write: bool,
) -> Result<Inspection, InputError> {
    if looks_like_json(bytes) {
        return inspect_json(bytes, registry, limits, write);
    }
    let mut findings = Vec::new();
    let mut wire = String::new();
    // One top-level element at a time, each dropped when done: a capture of a million
    // stanzas holds one stanza's tree, not a million. A top-level <serverinfo/> is read
    // from its bytes, without a tree.
    let serverinfo = crate::serverinfo::SERVERINFO;
    let raw_serverinfo = registry
        .element_kinds
        .iter()
        .any(|k| k.kind == serverinfo.kind);
    let is_raw = |namespace: &str, name: &str| {
        raw_serverinfo && namespace == serverinfo.namespace && name == serverinfo.name
    };
    let mut reader = ItemReader::new(bytes, limits).with_raw(&is_raw).compact();
    let mut i = 0;
    while let Some(piece) = reader.next_piece() {
        let item = match piece? {
            Piece::Tree(item) => item,
            Piece::Element(_) => unreachable!("the reader builds compact trees"),
            Piece::Raw(raw) => {
                let path = format!("/{}", serverinfo.name);
                let mut scratch = String::new();
                let mut walker = Walker {
                    registry,
                    item: i + 1,
                    findings: &mut findings,
                    write: false,
                    wire: &mut scratch,
                };
                match crate::serverinfo::read_serverinfo_bytes(&bytes[raw.range.clone()]) {
                    Ok(found) => {
                        walker.found(serverinfo.kind, &path, found.fields, found.deviations);
                        if write {
                            wire.push_str(&found.written);
                        }
                    }
                    Err(error) => {
                        walker.broken(serverinfo.kind, &path, error);
                        if write {
                            wire.push_str(&String::from_utf8_lossy(&bytes[raw.range]));
                        }
                    }
                }
                if write {
                    wire.push('\n');
                }
                i += 1;
                continue;
            }
        };
        let root = item.tree.root();
        let path = format!("/{}", root.name());
        let mut walker = Walker {
            registry,
            item: i + 1,
            findings: &mut findings,
            write,
            wire: &mut wire,
        };
        walker.walk(root, &path, None);
        if write {
            wire.push('\n');
        }
        // The whole stanza as a minidom element, built only for a context kind that
        // has something to read in it.
        let mut stanza = None;
        for kind in &registry.context_kinds {
            if !(kind.wants)(root) {
                continue;
            }
            let found = match kind.read_tree {
                Some(read_tree) => read_tree(root),
                None => (kind.read)(stanza.get_or_insert_with(|| root.to_element())),
            };
            for found in found {
                add_context(&mut findings, kind.kind, i + 1, found);
            }
        }
        i += 1;
    }
    Ok(Inspection {
        format: Format::Xml,
        findings,
        wire,
    })
}

/// Completes the finding of `kind` at the context's path, or adds one of its own.
fn add_context(
    findings: &mut Vec<Finding>,
    kind: &'static str,
    item: usize,
    found: crate::registry::ContextFinding,
) {
    let existing = findings
        .iter_mut()
        .find(|f| f.kind == kind && f.item == item && f.path == found.path);
    match existing {
        Some(finding) => {
            finding.fields.extend(found.fields);
            finding.deviations.extend(found.deviations);
        }
        None => findings.push(Finding {
            kind,
            item,
            path: found.path,
            fields: found.fields.into(),
            deviations: found.deviations,
        }),
    }
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let Some(rest) = start.map(|i| &body[i..]) else {
        return false;
    };
    matches!(rest[0], b'{' | b'[' | b'"' | b'-' | b'0'..=b'9')
        || [&b"true"[..], b"false", b"null"]
            .iter()
            .any(|word| rest.starts_with(word))
}

/// The position and message of a JSON syntax error.
fn json_error(e: serde_json::Error) -> InputError {
    InputError::Json {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Any well-formed JSON document, read and forgotten: what a `serde_json::Value`
/// accepts (strings decoded, so that a lone surrogate escape is refused as a `Value`
/// refuses it, where `serde::de::IgnoredAny` skips it), without keeping anything.
struct WellFormed;

impl<'de> serde::Deserialize<'de> for WellFormed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WellFormedVisitor)
    }
}

struct WellFormedVisitor;

impl<'de> serde::de::Visitor<'de> for WellFormedVisitor {
    type Value = WellFormed;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_i64<E>(self, _: i64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_u64<E>(self, _: u64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_f64<E>(self, _: f64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_str<E>(self, _: &str) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_unit<E>(self) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<WellFormed, A::Error> {
        while seq.next_element::<WellFormed>()?.is_some() {}
        Ok(WellFormed)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<WellFormed, A::Error> {
        while map.next_entry::<WellFormed, WellFormed>()?.is_some() {}
        Ok(WellFormed)
    }
}

fn inspect_json(
    bytes: &[u8],
    registry: &Registry,
    limits: &Limits,
    write: bool,
) -> Result<Inspection, InputError> {
    if bytes.len() > limits.max_bytes {
        return Err(InputError::Json {
            line: 1,
            column: 1,
            message: format!(
                "input is {} bytes, over the limit of {}",
                bytes.len(),
                limits.max_bytes
            ),
        });
    }
    // A byte order mark is not JSON; the kinds see it (and report it) in `text`.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Checked without building a tree of values: a kind that claims the document
    // reads it into its own types, and no second copy of it stays alive meanwhile.
    serde_json::from_slice::<WellFormed>(body).map_err(json_error)?;
    // Written back as it was read, for a document no kind reads (or one that claims
    // it and cannot read it).
    let as_read = || -> Result<String, InputError> {
        let value: Value = serde_json::from_slice(body).map_err(json_error)?;
        let mut wire = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
        wire.push('\n');
        Ok(wire)
    };
    // The first JSON kind that claims the document reads it and writes it back.
    let text = core::str::from_utf8(bytes).expect("serde_json accepted it, so it is UTF-8");
    for kind in &registry.json_kinds {
        let (fields, deviations, wire) = match (kind.read)(text, write) {
            None => continue,
            Some(Ok(found)) => (found.fields, found.deviations, found.written),
            Some(Err(error)) => {
                let mut fields = Map::new();
                fields.insert("error".into(), error.clone().into());
                let wire = if write { as_read()? } else { String::new() };
                (Fields::serialize(&fields), vec![error], wire)
            }
        };
        let finding = Finding {
            kind: kind.kind,
            item: 0,
            path: "/".to_owned(),
            fields,
            deviations,
        };
        return Ok(Inspection {
            format: Format::Json,
            findings: vec![finding],
            wire: if write { wire } else { String::new() },
        });
    }
    let wire = if write { as_read()? } else { String::new() };
    Ok(Inspection {
        format: Format::Json,
        findings: Vec::new(),
        wire,
    })
}

/// A form as `--emit wire` writes it back.
enum WrittenForm<'t> {
    /// Built from the typed values (a merged form of a registered FORM_TYPE).
    Typed(DataForm),
    /// A form of the input, unchanged.
    Input(TreeElement<'t>),
}

struct Walker<'a> {
    registry: &'a Registry,
    item: usize,
    findings: &'a mut Vec<Finding>,
    /// Whether the elements are written back (`--emit wire`); without it the walk
    /// only records findings.
    write: bool,
    /// Where they are written: as text, element by element, so that what is written
    /// back is never a second tree of the whole stanza.
    wire: &'a mut String,
}

impl Walker<'_> {
    /// Records what `element` holds and, when writing, writes it back from the typed
    /// values, inside a parent in `parent_ns` (`None` for a top-level element).
    ///
    /// The walk reads the compact tree; a minidom element is built only for a part a
    /// kind reads (a payload, a form, a claimed element) and dropped after it.
    fn walk<'t>(&mut self, element: TreeElement<'t>, path: &str, parent_ns: Option<&str>) {
        // Built once, for whichever kinds read this element.
        let mut built: Option<Element> = None;
        for kind in &self.registry.claim_kinds {
            if !element.is(kind.name, kind.namespace) || !(kind.wants)(element) {
                continue;
            }
            if let (Some(read_tree), None) = (kind.read_tree, &built) {
                match read_tree(element, self.write) {
                    None => {}
                    Some(Ok(found)) => {
                        self.found(kind.kind, path, found.fields, found.deviations);
                        if let Some(written) = found.written {
                            self.wire.push_str(&written);
                            return;
                        }
                    }
                    Some(Err(error)) => {
                        self.broken(kind.kind, path, error);
                        self.emit_unchanged(element, parent_ns);
                        return;
                    }
                }
                continue;
            }
            let whole = built.get_or_insert_with(|| element.to_element());
            match (kind.read)(whole) {
                None => {}
                Some(Ok(found)) => {
                    self.found(kind.kind, path, found.fields, found.deviations);
                    if let Some(written) = found.written {
                        self.emit(&written);
                        return;
                    }
                }
                Some(Err(error)) => {
                    self.broken(kind.kind, path, error);
                    self.emit_unchanged(element, parent_ns);
                    return;
                }
            }
        }
        if let Some(kind) = self.registry.element_kind(element.name(), element.ns()) {
            if let (Some(read_tree), None) = (kind.read_tree, &built) {
                match read_tree(element, self.write) {
                    Ok(found) => {
                        self.found(kind.kind, path, found.fields, found.deviations);
                        if self.write {
                            self.wire.push_str(&found.written);
                        }
                    }
                    Err(error) => {
                        self.broken(kind.kind, path, error);
                        self.emit_unchanged(element, parent_ns);
                    }
                }
                return;
            }
            let from_text = match (kind.read_text, &built) {
                (Some(read_text), None) => read_text(&element.to_xml(), self.write),
                _ => None,
            };
            if let Some(found) = from_text {
                self.found(kind.kind, path, found.fields, found.deviations);
                if self.write {
                    self.wire.push_str(&found.written);
                }
                return;
            }
            let whole = built.unwrap_or_else(|| element.to_element());
            match (kind.read)(&whole) {
                Ok(found) => {
                    self.found(kind.kind, path, found.fields, found.deviations);
                    self.emit(&found.written);
                }
                Err(error) => {
                    self.broken(kind.kind, path, error);
                    self.emit_unchanged(element, parent_ns);
                }
            }
            return;
        }
        // What a claim kind built and did not keep is not needed any more.
        drop(built);
        if element.is("x", ns::DATA_FORMS) {
            match self.forms(&[element], &[], path).pop() {
                Some(form) => self.emit_form(form, parent_ns),
                None => self.emit_unchanged(element, parent_ns),
            }
            return;
        }
        if self.write {
            element.write_start(self.wire, parent_ns);
            if element.nodes().next().is_none() {
                self.wire.push_str("/>");
                return;
            }
            self.wire.push('>');
        }
        let is_disco = element.is("query", ns::DISCO_INFO);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for child in element.children() {
            *counts.entry(child.name()).or_default() += 1;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut child_path = |child: TreeElement<'t>| {
            let n = seen.entry(child.name()).or_default();
            *n += 1;
            if counts[child.name()] > 1 {
                format!("{path}/{}[{n}]", child.name())
            } else {
                format!("{path}/{}", child.name())
            }
        };
        // The forms of a disco#info result are read together, so that forms sharing a
        // FORM_TYPE are merged (XEP-0128, INTEROP P5), and written back together where
        // the first one stood.
        let mut written = None;
        if is_disco {
            let features: Vec<String> = element
                .children()
                .filter(|c| c.is("feature", ns::DISCO_INFO))
                .filter_map(|c| c.attr("var").map(str::to_owned))
                .collect();
            let forms: Vec<TreeElement<'t>> = element
                .children()
                .filter(|c| c.is("x", ns::DATA_FORMS))
                .collect();
            written = Some(self.forms(&forms, &features, path));
        }
        for node in element.nodes() {
            match node {
                TreeNode::Element(child) if is_disco && child.is("x", ns::DATA_FORMS) => {
                    for form in written.take().into_iter().flatten() {
                        self.emit_form(form, Some(element.ns()));
                    }
                }
                TreeNode::Element(child) => {
                    let p = child_path(child);
                    self.walk(child, &p, Some(element.ns()));
                }
                TreeNode::Text(text) => {
                    if self.write {
                        xep_core::tree::escape_text(self.wire, text);
                    }
                }
            }
        }
        if self.write {
            element.write_end(self.wire);
        }
    }

    /// Writes an element built from the typed values (it declares its own namespace).
    fn emit(&mut self, element: &Element) {
        if self.write {
            self.wire.push_str(&String::from(element));
        }
    }

    /// Writes a form back: one built from the typed values as xso writes it (no
    /// minidom tree of it: a form of 2,000 values is some fifteen times its text as
    /// one), one of the input as it was.
    fn emit_form(&mut self, form: WrittenForm<'_>, parent_ns: Option<&str>) {
        match form {
            WrittenForm::Typed(form) => {
                if self.write {
                    // The form holds only text read from XML, or typed values whose
                    // readers refuse what XML cannot carry: the writer cannot fail
                    // (it panicked in `Element::from` before, as it would here).
                    self.wire.push_str(&xep_core::xml::write_text(&form));
                }
            }
            WrittenForm::Input(element) => self.emit_unchanged(element, parent_ns),
        }
    }

    /// Writes an element of the input as it was (a payload of ours that could not be
    /// read, a form of no known type).
    fn emit_unchanged(&mut self, element: TreeElement<'_>, parent_ns: Option<&str>) {
        if self.write {
            element.write_xml(self.wire, parent_ns);
        }
    }

    /// Records what a kind read at `path`.
    fn found(
        &mut self,
        kind: &'static str,
        path: &str,
        fields: impl Into<Fields>,
        deviations: Vec<String>,
    ) {
        self.findings.push(Finding {
            kind,
            item: self.item,
            path: path.to_owned(),
            fields: fields.into(),
            deviations,
        });
    }

    fn broken(&mut self, kind: &'static str, path: &str, error: String) {
        let mut fields = Map::new();
        fields.insert("error".into(), error.clone().into());
        self.found(kind, path, fields, vec![error]);
    }

    /// Reads a set of sibling forms and returns them written back: one form per
    /// recognised FORM_TYPE, in the place of the first form of that type, other forms
    /// unchanged.
    ///
    /// Everything found is reported at `container` (the disco#info query, or the form
    /// itself when it stands alone), not at a form: merging changes the forms'
    /// positions, and the report must be the same for the input and for what
    /// `--emit wire` writes.
    fn forms<'t>(
        &mut self,
        forms: &[TreeElement<'t>],
        features: &[String],
        container: &str,
    ) -> Vec<WrittenForm<'t>> {
        // Each form is parsed from the compact tree (no minidom tree of it), and built
        // as a minidom element only where it is written back unchanged.
        let mut parsed: Vec<Option<DataForm>> = Vec::with_capacity(forms.len());
        let mut errors: Vec<Option<String>> = Vec::with_capacity(forms.len());
        for form in forms {
            match form.parse::<DataForm>() {
                Ok(form) => {
                    parsed.push(Some(form));
                    errors.push(None);
                }
                Err(e) => {
                    parsed.push(None);
                    errors.push(Some(e.to_string()));
                }
            }
        }
        let types: Vec<Option<String>> = parsed
            .iter()
            .map(|f| {
                f.as_ref()
                    .and_then(lenient_form_type)
                    .map(|t| t.into_owned())
            })
            .collect();
        let write = self.write;
        let mut out = Vec::new();
        // FORM_TYPEs read (or reported broken) here.
        let mut done: Vec<String> = Vec::new();
        let mut merged_types: Vec<String> = Vec::new();
        for (i, element) in forms.iter().enumerate() {
            if let Some(reason) = &errors[i] {
                // Not a valid XEP-0004 form: only ours to report if it claims one of
                // our FORM_TYPEs.
                let claimed = element
                    .children()
                    .find(|f| f.attr("var") == Some("FORM_TYPE"))
                    .and_then(|f| f.children().next().map(|v| v.text()));
                if let Some(form_type) = claimed.filter(|t| self.registry.knows_form_type(t)) {
                    done.push(form_type.clone());
                    let error = format!("{form_type} form is not a valid XEP-0004 form: {reason}");
                    for kind in self.registry.form_kinds.clone() {
                        if kind.form_types.contains(&form_type.as_str()) {
                            self.broken(kind.kind, container, error.clone());
                        }
                    }
                }
                if write {
                    out.push(WrittenForm::Input(*element));
                }
                continue;
            }
            let Some(form_type) = types[i].clone() else {
                if write {
                    out.push(WrittenForm::Input(*element));
                }
                continue;
            };
            if merged_types.contains(&form_type) {
                continue; // merged into the first form of its type
            }
            if !self.registry.knows_form_type(&form_type) {
                if write {
                    out.push(WrittenForm::Input(*element));
                }
                continue;
            }
            merged_types.push(form_type.clone());
            done.push(form_type.clone());
            // The forms of this type move into their group: no other group has them.
            let members: Vec<usize> = (0..forms.len())
                .filter(|&j| types[j].as_deref() == Some(form_type.as_str()))
                .collect();
            let group: Vec<DataForm> = members.iter().filter_map(|&j| parsed[j].take()).collect();
            let cx = FormContext {
                forms: &group,
                features,
            };
            let mut builder = xep_core::forms::FormBuilder::new(form_type.clone());
            let mut owned: Vec<&str> = Vec::new();
            let mut any = false;
            for kind in self.registry.form_kinds.clone() {
                if !kind.form_types.contains(&form_type.as_str()) {
                    continue;
                }
                match (kind.read)(&cx) {
                    None => {}
                    Some(Ok(found)) => {
                        any = true;
                        builder = builder.with_fields(found.written);
                        owned.extend(found.owned);
                        self.found(kind.kind, container, found.fields, found.deviations);
                    }
                    Some(Err(error)) => self.broken(kind.kind, container, error),
                }
            }
            if !write {
                continue;
            }
            if !any {
                out.extend(members.iter().map(|&j| WrittenForm::Input(forms[j])));
                continue;
            }
            let merged =
                MergedForm::collect(&group, &form_type).expect("the group has this FORM_TYPE");
            let rest = merged
                .fields()
                .iter()
                .filter(|f| !owned.iter().any(|o| f.var.as_deref() == Some(*o)))
                .cloned();
            out.push(WrittenForm::Typed(builder.with_fields(rest).build()));
        }
        // A disco#info result without any form of a registered FORM_TYPE can still
        // say something to its kinds through its features (XEP-0485's fallback when
        // the feature comes without coordinates). Such a finding writes nothing.
        if !features.is_empty() {
            for kind in self.registry.form_kinds.clone() {
                if kind.form_types.iter().any(|t| done.iter().any(|d| d == t)) {
                    continue;
                }
                let cx = FormContext {
                    forms: &[],
                    features,
                };
                match (kind.read)(&cx) {
                    Some(Ok(found)) if found.written.is_empty() => {
                        self.found(kind.kind, container, found.fields, found.deviations);
                    }
                    Some(Err(error)) => self.broken(kind.kind, container, error),
                    _ => {}
                }
            }
        }
        out
    }
}

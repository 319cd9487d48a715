//! What we write against the XML schema printed in XEP-0485 itself.
//!
//! The schema is read at test time from the spec text in `../shared/specs` (never
//! copied into the project) and interpreted by a small validator for the part of XML
//! Schema it uses: global elements, named simple types restricting `xs:string` by
//! enumeration, named complex types that are a `xs:sequence` of elements with
//! `minOccurs`/`maxOccurs` plus attributes, or `xs:simpleContent` extending
//! `xs:string` with attributes. Anything else in the schema makes the test fail, so a
//! new schema version cannot be checked by half.
//!
//! Checked:
//! * every value the constructors and the publisher build validates;
//! * for any value without extension children, [`ServerInfo::schema_deviations`] is
//!   empty exactly when the schema accepts what we write (the two agree);
//! * the spec's own examples, as the schema sees them (its minimal example lacks the
//!   `<federation/>` the schema requires; that disagreement is the spec's).

use std::collections::HashMap;
use std::sync::OnceLock;

use minidom::Element;
use proptest::prelude::*;
use xep_serverinfo::payload::Connection;
use xep_serverinfo::{Direction, Domain, RemoteDomain, ServerInfo};

const XS: &str = "http://www.w3.org/2001/XMLSchema";

#[derive(Debug, Clone)]
struct Particle {
    name: String,
    type_: String,
    min: usize,
    max: Option<usize>,
}

#[derive(Debug, Clone)]
struct Attribute {
    type_: String,
    required: bool,
}

#[derive(Debug, Clone)]
enum Content {
    /// Element-only content: a sequence of child elements.
    Sequence(Vec<Particle>),
    /// Text content (`xs:simpleContent` extending `xs:string`).
    Text,
}

#[derive(Debug, Clone)]
struct ComplexType {
    content: Content,
    attributes: HashMap<String, Attribute>,
}

#[derive(Debug)]
struct Schema {
    target: String,
    elements: HashMap<String, String>,
    enums: HashMap<String, Vec<String>>,
    complex: HashMap<String, ComplexType>,
}

/// A type reference without its prefix (`urn:serverinfoType` -> `serverinfoType`);
/// `xs:` types keep theirs.
fn local(type_: &str) -> String {
    match type_.split_once(':') {
        Some(("xs", _)) => type_.to_owned(),
        Some((_, name)) => name.to_owned(),
        None => type_.to_owned(),
    }
}

fn occurs(value: Option<&str>) -> Option<usize> {
    match value {
        None => Some(1),
        Some("unbounded") => None,
        Some(n) => Some(n.parse().expect("a number of occurrences")),
    }
}

fn attributes(parent: &Element) -> HashMap<String, Attribute> {
    parent
        .children()
        .filter(|c| c.is("attribute", XS))
        .map(|a| {
            let name = a.attr("name").expect("attribute name").to_owned();
            let attribute = Attribute {
                type_: local(a.attr("type").unwrap_or("xs:string")),
                required: a.attr("use") == Some("required"),
            };
            (name, attribute)
        })
        .collect()
}

impl Schema {
    fn parse(text: &str) -> Self {
        let items = xep_core::xml::parse_items(text.as_bytes(), &Default::default())
            .expect("the schema is well-formed");
        let root = &items[0].element;
        assert!(root.is("schema", XS));
        assert_eq!(root.attr("elementFormDefault"), Some("qualified"));
        let mut schema = Self {
            target: root.attr("targetNamespace").expect("target").to_owned(),
            elements: HashMap::new(),
            enums: HashMap::new(),
            complex: HashMap::new(),
        };
        for child in root.children() {
            let name = child.attr("name").map(str::to_owned);
            match child.name() {
                "annotation" => {}
                "element" => {
                    let type_ = local(child.attr("type").expect("element type"));
                    schema.elements.insert(name.expect("name"), type_);
                }
                "simpleType" => {
                    let restriction = child.get_child("restriction", XS).expect("restriction");
                    assert_eq!(restriction.attr("base"), Some("xs:string"));
                    let values = restriction
                        .children()
                        .map(|e| {
                            assert!(e.is("enumeration", XS), "unsupported facet {}", e.name());
                            e.attr("value").expect("value").to_owned()
                        })
                        .collect();
                    schema.enums.insert(name.expect("name"), values);
                }
                "complexType" => {
                    let type_ = if let Some(sequence) = child.get_child("sequence", XS) {
                        let particles = sequence
                            .children()
                            .map(|e| {
                                assert!(e.is("element", XS), "unsupported particle {}", e.name());
                                Particle {
                                    name: e.attr("name").expect("name").to_owned(),
                                    type_: local(e.attr("type").expect("type")),
                                    min: occurs(e.attr("minOccurs")).expect("a bounded min"),
                                    max: occurs(e.attr("maxOccurs")),
                                }
                            })
                            .collect();
                        ComplexType {
                            content: Content::Sequence(particles),
                            attributes: attributes(child),
                        }
                    } else {
                        let extension = child
                            .get_child("simpleContent", XS)
                            .and_then(|s| s.get_child("extension", XS))
                            .expect("a sequence or simple content");
                        assert_eq!(extension.attr("base"), Some("xs:string"));
                        ComplexType {
                            content: Content::Text,
                            attributes: attributes(extension),
                        }
                    };
                    schema.complex.insert(name.expect("name"), type_);
                }
                other => panic!("unsupported schema construct <xs:{other}>"),
            }
        }
        schema
    }

    /// Every way `element` departs from the schema, as `path: problem` lines.
    fn validate(&self, element: &Element) -> Vec<String> {
        let mut out = Vec::new();
        match self.elements.get(element.name()) {
            Some(type_) if element.ns() == self.target => {
                self.check(element, type_, &format!("/{}", element.name()), &mut out);
            }
            _ => out.push(format!("/{}: not a global element", element.name())),
        }
        out
    }

    fn check_simple(&self, type_: &str, value: &str) -> bool {
        match self.enums.get(type_) {
            Some(values) => values.iter().any(|v| v == value),
            None => type_ == "xs:string",
        }
    }

    fn check(&self, element: &Element, type_: &str, path: &str, out: &mut Vec<String>) {
        let complex = &self.complex[type_];
        for ((ns, name), value) in element.attrs() {
            match complex.attributes.get(name.as_str()) {
                Some(a) if ns.is_none() => {
                    if !self.check_simple(&a.type_, value) {
                        out.push(format!("{path}: @{name}={value:?} is not a {}", a.type_));
                    }
                }
                _ => out.push(format!("{path}: undeclared attribute {name}")),
            }
        }
        for (name, a) in &complex.attributes {
            if a.required && element.attr(name.as_str()).is_none() {
                out.push(format!("{path}: missing required @{name}"));
            }
        }
        match &complex.content {
            Content::Text => {
                if element.children().next().is_some() {
                    out.push(format!("{path}: child elements in simple content"));
                }
            }
            Content::Sequence(particles) => {
                if !element.texts().all(|t| t.trim().is_empty()) {
                    out.push(format!("{path}: text in element-only content"));
                }
                let children: Vec<&Element> = element.children().collect();
                let mut at = 0;
                for p in particles {
                    let mut count = 0;
                    while at < children.len()
                        && children[at].is(&p.name, self.target.as_str())
                        && p.max.is_none_or(|max| count < max)
                    {
                        count += 1;
                        let child_path = format!("{path}/{}[{count}]", p.name);
                        self.check(children[at], &p.type_, &child_path, out);
                        at += 1;
                    }
                    if count < p.min {
                        out.push(format!("{path}: {count} <{}> (at least {})", p.name, p.min));
                    }
                }
                for extra in &children[at..] {
                    out.push(format!(
                        "{path}: unexpected <{}> in {:?}",
                        extra.name(),
                        extra.ns()
                    ));
                }
            }
        }
    }
}

/// The schema of XEP-0485 1.0.0 (read once), or `None` off CI without `../shared`.
fn schema() -> Option<&'static Schema> {
    static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let source = xep_testkit::shared_file("specs", "xep-0485-v1.0.0.xml")?;
            let start = source
                .find("<section1 topic='XML Schema'")
                .expect("schema section");
            let text = &source[start..];
            let body = &text[text.find("<![CDATA[").expect("CDATA") + 9..];
            // The XML declaration must come first: drop the line break before it.
            Some(Schema::parse(
                body[..body.find("]]>").expect("end of CDATA")].trim(),
            ))
        })
        .as_ref()
}

fn written(info: &ServerInfo) -> Element {
    Element::from(info)
}

#[test]
fn the_schema_is_understood() {
    let Some(schema) = schema() else { return };
    assert_eq!(schema.target, "urn:xmpp:serverinfo:0");
    assert_eq!(
        schema.enums["directionType"],
        ["incoming", "outgoing", "bidi"]
    );
    assert_eq!(schema.complex.len(), 5);
    // It rejects what it should, with a reason.
    let bad: Element =
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a'><federation><remote-domain><connection type='both'/></remote-domain></federation></domain></serverinfo>"
            .parse()
            .unwrap();
    assert_eq!(
        schema.validate(&bad),
        [
            "/serverinfo/domain[1]/federation[1]/remote-domain[1]/connection[1]: @type=\"both\" is not a directionType"
        ]
    );
}

#[test]
fn constructed_values_validate() {
    let Some(schema) = schema() else { return };
    let info = ServerInfo::new(Domain::new("shakespeare.lit").with_remote_domains(vec![
        RemoteDomain::named("denmark.lit")
            .with_connection(Direction::Incoming)
            .with_connection(Direction::Outgoing),
        RemoteDomain::named("montague.net").with_connection(Direction::Bidi),
        RemoteDomain::anonymous(),
        RemoteDomain::anonymous().with_connection(Direction::Incoming),
    ]));
    assert_eq!(schema.validate(&written(&info)), Vec::<String>::new());
    assert!(info.schema_deviations().is_empty());
    // An empty federation too (a server with no s2s).
    let alone = ServerInfo::new(Domain::new("example.org"));
    assert_eq!(schema.validate(&written(&alone)), Vec::<String>::new());
}

#[test]
fn spec_examples_as_the_schema_sees_them() {
    let Some(schema) = schema() else { return };
    let source = xep_testkit::shared_file("specs", "xep-0485-v1.0.0.xml").unwrap();
    let mut verdicts = Vec::new();
    for ex in xep_testkit::examples(&source) {
        let Some(xml) = xep_testkit::example_xml(&ex.text) else {
            continue;
        };
        let Ok(items) = xep_core::xml::parse_items(xml.as_bytes(), &Default::default()) else {
            continue;
        };
        let mut stack = vec![&items[0].element];
        while let Some(e) = stack.pop() {
            if e.is("serverinfo", "urn:xmpp:serverinfo:0") {
                // Read and written back by us, then validated.
                let ours = ServerInfo::read(e).unwrap().value;
                verdicts.push((ex.caption.clone(), schema.validate(&written(&ours))));
            }
            stack.extend(e.children());
        }
    }
    let summary: Vec<(&str, usize)> = verdicts
        .iter()
        .map(|(caption, problems)| (caption.as_str(), problems.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Minimal Data Format", 1),
            ("Data Format with Federated Domains", 0),
            ("Data Format with Software Version", 1),
            ("Publish ServerInfo Item", 0),
        ]
    );
    // The minimal example lacks <federation/>; the software-version example's XEP-0092
    // <query/> is allowed by the prose but has no wildcard in the schema.
    assert_eq!(
        verdicts[0].1,
        ["/serverinfo/domain[1]: 0 <federation> (at least 1)"]
    );
    assert!(verdicts[2].1[0].contains("unexpected <query> in \"jabber:iq:version\""));
}

fn direction() -> impl Strategy<Value = Connection> {
    prop_oneof![
        Just(Connection::new(Direction::Incoming)),
        Just(Connection::new(Direction::Outgoing)),
        Just(Connection::new(Direction::Bidi)),
        Just(Connection::untyped()),
        "[a-z]{1,8}".prop_map(Connection::other),
    ]
}

fn remote() -> impl Strategy<Value = RemoteDomain> {
    (
        proptest::option::of("[a-z]{1,6}\\.example"),
        proptest::collection::vec(direction(), 0..3),
    )
        .prop_map(|(name, connections)| {
            let mut r = match name {
                Some(n) => RemoteDomain::named(n.as_str()),
                None => RemoteDomain::anonymous(),
            };
            r.connections = connections.into_boxed_slice();
            r
        })
}

fn info() -> impl Strategy<Value = ServerInfo> {
    proptest::collection::vec(
        (
            proptest::option::of("[a-z]{1,6}\\.example"),
            proptest::option::of(proptest::collection::vec(remote(), 0..4)),
        ),
        0..3,
    )
    .prop_map(|domains| ServerInfo {
        domains: domains
            .into_iter()
            .map(|(name, remotes)| {
                let mut d = Domain::new(name.unwrap_or_default().as_str());
                d.name = d.name.filter(|n| !n.is_empty());
                d.federation = remotes.map(xep_serverinfo::Federation::new);
                d
            })
            .collect(),
        ..ServerInfo::default()
    })
}

proptest! {
    /// `schema_deviations` and the schema agree on every value without extensions.
    #[test]
    fn schema_deviations_agree_with_the_schema(value in info()) {
        let Some(schema) = schema() else { return Ok(()) };
        let problems = schema.validate(&written(&value));
        prop_assert_eq!(
            value.schema_deviations().is_empty(),
            problems.is_empty(),
            "ours: {:?}, schema: {:?}",
            value.schema_deviations(),
            problems
        );
    }
}

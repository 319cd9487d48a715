//! The payload against the spec's examples and the real publishers of INTEROP.md.

use minidom::Element;
use xep_core::reading::{Reading, Severity};
use xep_serverinfo::{Connection, Direction, Domain, Error, Federation, RemoteDomain, ServerInfo};

const NS: &str = "xmlns='urn:xmpp:serverinfo:0'";

fn elem(xml: &str) -> Element {
    xml.parse().expect("well-formed test XML")
}

fn parse(xml: &str) -> ServerInfo {
    ServerInfo::try_from(elem(xml)).expect("parses")
}

fn read(xml: &str) -> Reading<ServerInfo> {
    ServerInfo::read(&elem(xml)).expect("reads")
}

fn codes(reading: &Reading<ServerInfo>) -> Vec<&str> {
    reading.deviations.iter().map(|d| &*d.code).collect()
}

/// Writes, reparses and compares; also checks that bytes -> typed agrees.
fn round_trip(value: &ServerInfo) {
    let element = Element::from(value.clone());
    let again = ServerInfo::try_from(element.clone()).expect("own output parses");
    assert_eq!(&again, value);
    let bytes = String::from(&element);
    let direct: ServerInfo = xso::from_bytes(bytes.as_bytes()).expect("from_bytes");
    assert_eq!(&direct, value);
}

#[test]
fn spec_minimal_example() {
    let info = parse(&format!(
        "<serverinfo {NS}><domain name='shakespeare.lit'/></serverinfo>"
    ));
    assert_eq!(info.domains.len(), 1);
    assert_eq!(info.domains[0].name.as_deref(), Some("shakespeare.lit"));
    assert!(info.domains[0].federation.is_none());
    round_trip(&info);
    // The schema requires <federation/>; the spec's own example leaves it out.
    let deviations = info.schema_deviations();
    assert_eq!(deviations.len(), 1);
    assert_eq!(deviations[0].code, "no-federation");
    assert_eq!(deviations[0].path.as_str(), "/serverinfo[1]/domain[1]");
}

#[test]
fn spec_federated_example() {
    let info = parse(&format!(
        "<serverinfo {NS}><domain name='shakespeare.lit'><federation>\
         <remote-domain name='denmark.lit'><connection type='incoming'/><connection type='outgoing'/></remote-domain>\
         <remote-domain name='montague.net'><connection type='bidi'/></remote-domain>\
         </federation></domain></serverinfo>"
    ));
    let remotes = info.domains[0].remote_domains();
    assert_eq!(remotes.len(), 2);
    assert_eq!(remotes[0].name.as_deref(), Some("denmark.lit"));
    assert_eq!(
        *remotes[0].connections,
        [
            Connection::new(Direction::Incoming),
            Connection::new(Direction::Outgoing)
        ]
    );
    assert!(remotes[0].has_inbound() && remotes[0].has_outbound());
    assert_eq!(*remotes[1].connections, [Connection::new(Direction::Bidi)]);
    assert!(info.schema_deviations().is_empty());
    round_trip(&info);
}

#[test]
fn spec_software_version_extension_kept() {
    let xml = format!(
        "<serverinfo {NS}><domain name='shakespeare.lit'><federation><remote-domain name='montague.net'><connection type='bidi'/></remote-domain></federation></domain>\
         <query xmlns='jabber:iq:version'><name>Openfire</name><version>4.8.0</version><os>Windows 11</os></query></serverinfo>"
    );
    let info = parse(&xml);
    assert_eq!(info.extensions.len(), 1);
    assert!(info.extensions[0].is("query", "jabber:iq:version"));
    assert_eq!(
        info.extensions[0]
            .get_child("version", "jabber:iq:version")
            .unwrap()
            .text(),
        "4.8.0"
    );
    round_trip(&info);
    // Written back byte for byte (the input is in the spec's canonical order).
    assert_eq!(Element::from(info), elem(&xml));
}

#[test]
fn prosody_anonymous_and_user_count() {
    // Prosody: bare <remote-domain/> for peers that did not opt in, no connections,
    // and the optional user count inside <domain>, after <federation>.
    let xml = format!(
        "<serverinfo {NS}><domain name='example.org'><federation>\
         <remote-domain name='opted.example'/><remote-domain/><remote-domain/>\
         </federation><users xmlns='xmpp:prosody.im/protocol/serverinfo'><active>42</active></users></domain></serverinfo>"
    );
    let r = read(&xml);
    let remotes = r.value.domains[0].remote_domains();
    assert_eq!(remotes.len(), 3);
    assert_eq!(remotes[0].name.as_deref(), Some("opted.example"));
    assert_eq!(remotes[1], RemoteDomain::anonymous());
    assert!(remotes[0].connections.is_empty());
    let users = &r.value.domains[0].extensions[0];
    assert_eq!(
        users
            .get_child("active", "xmpp:prosody.im/protocol/serverinfo")
            .unwrap()
            .text(),
        "42"
    );
    assert!(r.deviations.is_empty(), "{:?}", r.deviations);
    round_trip(&r.value);
    assert_eq!(Element::from(r.value), elem(&xml));
}

#[test]
fn ejabberd_empty_name_and_two_directions() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='example.org'><federation>\
         <remote-domain name=''><connection type='incoming'/></remote-domain>\
         <remote-domain name='peer.example'><connection type='incoming'/><connection type='outgoing'/></remote-domain>\
         </federation></domain></serverinfo>"
    ));
    let remotes = r.value.domains[0].remote_domains();
    assert_eq!(remotes[0].name, None, "name='' is anonymous (P1)");
    assert_eq!(
        r.deviations[0].path.as_str(),
        "/serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/@name"
    );
    assert_eq!(codes(&r), ["empty-name"]);
    // Written without the empty name.
    let written = String::from(&Element::from(r.value.clone()));
    assert!(
        written.contains("<remote-domain><connection type='incoming'"),
        "{written}"
    );
}

#[test]
fn ejabberd_empty_serverinfo() {
    let r = read(&format!("<serverinfo {NS}/>"));
    assert!(r.value.domains.is_empty());
    assert_eq!(codes(&r), ["no-domain"]);
    round_trip(&r.value);
}

#[test]
fn openfire_both_and_untyped() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='igniterealtime.org'><federation>\
         <remote-domain name='named.example'><connection type='both'/></remote-domain>\
         <remote-domain><connection/></remote-domain>\
         </federation></domain></serverinfo>"
    ));
    let remotes = r.value.domains[0].remote_domains();
    assert_eq!(remotes[0].connections[0].direction(), Some(Direction::Bidi));
    assert_eq!(remotes[0].connections[0], Connection::new(Direction::Bidi));
    assert_eq!(remotes[1].connections[0], Connection::untyped());
    assert_eq!(codes(&r), ["both-for-bidi", "untyped-connection"]);
    assert_eq!(
        r.deviations[1].path.as_str(),
        "/serverinfo[1]/domain[1]/federation[1]/remote-domain[2]/connection[1]"
    );
    // `both` is never written.
    let written = String::from(&Element::from(r.value.clone()));
    assert!(
        written.contains("type='bidi'") && !written.contains("both"),
        "{written}"
    );
    round_trip(&r.value);
}

#[test]
fn unknown_direction_kept_and_flagged() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='a.example'><federation><remote-domain name='b.example'><connection type='sideways'/></remote-domain></federation></domain></serverinfo>"
    ));
    let c = &r.value.domains[0].remote_domains()[0].connections[0];
    assert_eq!(c.direction(), Some(Direction::Other));
    assert_eq!(c.type_value(), Some("sideways"));
    assert_eq!(*c, Connection::other("sideways"));
    assert_eq!(codes(&r), ["unknown-direction"]);
    assert!(r.deviations[0].message.contains("\"sideways\""));
    let written = String::from(&Element::from(r.value.clone()));
    assert!(written.contains("type='sideways'"));
}

#[test]
fn several_domains_accepted() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='a.example'><federation/></domain><domain name='b.example'><federation/></domain></serverinfo>"
    ));
    assert_eq!(r.value.domains.len(), 2);
    assert_eq!(codes(&r), ["several-domains"]);
    round_trip(&r.value);
}

#[test]
fn unknown_attributes_reported_not_kept() {
    let r = read(&format!(
        "<serverinfo {NS} version='2'><domain name='a.example' flavour='x'><federation/></domain></serverinfo>"
    ));
    assert_eq!(codes(&r), ["unknown-attribute", "unknown-attribute"]);
    assert_eq!(r.deviations[0].path.as_str(), "/serverinfo[1]/@version");
    assert_eq!(
        r.deviations[1].path.as_str(),
        "/serverinfo[1]/domain[1]/@flavour"
    );
    assert_eq!(r.deviations[1].severity, Severity::Dropped);
}

#[test]
fn redundant_namespace_declarations() {
    // P14: every child redeclares the default namespace.
    let info = parse(&format!(
        "<serverinfo {NS}><domain {NS} name='a.example'><federation {NS}><remote-domain {NS} name='b.example'><connection {NS} type='incoming'/></remote-domain></federation></domain></serverinfo>"
    ));
    assert_eq!(info.domains[0].remote_domains()[0].connections.len(), 1);
}

#[test]
fn connection_text_kept() {
    let info = parse(&format!(
        "<serverinfo {NS}><domain name='a.example'><federation><remote-domain name='b.example'><connection type='incoming'>tls</connection></remote-domain></federation></domain></serverinfo>"
    ));
    let c = &info.domains[0].remote_domains()[0].connections[0];
    assert_eq!(c.text(), Some("tls"));
    assert_eq!(*c, Connection::new(Direction::Incoming).with_text("tls"));
    round_trip(&info);
}

#[test]
fn openfire_pre_draft_mapped_by_read() {
    let xml = format!(
        "<serverinfo {NS}><domain>example.org</domain><federation>\
         <connection type='incoming'><domain>a.example</domain></connection>\
         <connection type='both'><domain>b.example</domain></connection>\
         <connection type='outgoing'><domain>a.example</domain></connection>\
         </federation></serverinfo>"
    );
    // TryFrom refuses rather than misreads ...
    let err = ServerInfo::try_from(elem(&xml)).unwrap_err();
    assert!(err.to_string().contains("text"), "{err}");
    // ... and read() maps it.
    let r = read(&xml);
    assert_eq!(r.deviations[0].code, "pre-draft-layout");
    assert_eq!(r.deviations.len(), 1);
    let expected = ServerInfo::new(Domain::new("example.org").with_remote_domains(vec![
        RemoteDomain::named("a.example")
            .with_connection(Direction::Incoming)
            .with_connection(Direction::Outgoing),
        RemoteDomain::named("b.example").with_connection(Direction::Bidi),
    ]));
    assert_eq!(r.value, expected);
}

#[test]
fn pre_draft_ambiguous_refused() {
    let err = ServerInfo::read(&elem(&format!(
        "<serverinfo {NS}><domain>a.example</domain><domain>b.example</domain><federation/></serverinfo>"
    )))
    .unwrap_err();
    assert!(matches!(err, Error::PreDraft { .. }));
    assert!(err.to_string().contains("2 <domain/>"), "{err}");
}

#[test]
fn wrong_element_is_an_error_value() {
    let err = ServerInfo::read(&elem("<serverinfo xmlns='urn:example'/>")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected <serverinfo xmlns='urn:xmpp:serverinfo:0'/>, found <serverinfo/> in \"urn:example\""
    );
    // <connection/> has no children at all: the strict conversion refuses the item
    // with what was wrong ...
    let bad = elem(&format!(
        "<serverinfo {NS}><domain name='a'><federation><remote-domain name='x' name2='y'><connection type='incoming'><deep/></connection></remote-domain>\
         <remote-domain name='z'><connection type='bidi'/></remote-domain></federation></domain></serverinfo>"
    ));
    let err = ServerInfo::try_from(bad.clone()).unwrap_err();
    assert_eq!(err.to_string(), "Unknown child in Connection element.");
    // ... and the lenient reading keeps the rest, naming what it left out (this
    // discarded the whole 1,000-peer item before).
    let r = ServerInfo::read(&bad).unwrap();
    let remotes = r.value.domains[0].remote_domains();
    assert_eq!(remotes.len(), 2);
    assert!(remotes[0].connections.is_empty());
    assert_eq!(remotes[1].connections[0], Connection::new(Direction::Bidi));
    let dropped: Vec<_> = r
        .deviations
        .iter()
        .filter(|d| d.severity == Severity::Dropped)
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(
        dropped,
        [
            "/serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/@name2",
            "/serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/connection[1]"
        ]
    );
    assert!(ServerInfo::read_strict(&bad).is_err());
}

#[test]
fn own_namespace_extension_kept_and_flagged() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='a'><federation><remote-domain><bogus/></remote-domain></federation></domain></serverinfo>"
    ));
    assert_eq!(codes(&r), ["unknown-element"]);
    assert_eq!(
        r.deviations[0].path.as_str(),
        "/serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/bogus[1]"
    );
    assert!(
        r.value.domains[0].remote_domains()[0].extensions[0].is("bogus", "urn:xmpp:serverinfo:0")
    );
    round_trip(&r.value);
}

#[test]
fn pubsub_item_embedding() {
    use xmpp_parsers::pubsub::pubsub::Item;
    let info = ServerInfo::new(Domain::new("a.example"));
    let item = Item::new(
        Some(xmpp_parsers::pubsub::ItemId("current".into())),
        None,
        Some(info.clone()),
    );
    let payload = item.payload.clone().expect("payload");
    assert_eq!(ServerInfo::try_from(payload).unwrap(), info);
}

#[test]
fn connection_other_with_known_values_gives_the_known_direction() {
    for (value, direction) in [
        ("incoming", Direction::Incoming),
        ("outgoing", Direction::Outgoing),
        ("bidi", Direction::Bidi),
        ("both", Direction::Bidi),
    ] {
        let connection = Connection::other(value);
        assert_eq!(connection, Connection::new(direction), "{value}");
        assert_eq!(connection.direction(), Some(direction), "{value}");
        assert_eq!(Direction::parse(value), direction, "{value}");
    }
    // `both` is kept as `bidi`, never as sent.
    assert_eq!(Connection::other("both").type_value(), Some("bidi"));
    // Only the exact values are known.
    for value in ["Incoming", "both ", "", "other"] {
        let connection = Connection::other(String::from(value));
        assert_eq!(connection.direction(), Some(Direction::Other), "{value:?}");
        assert_eq!(connection.type_value(), Some(value), "{value:?}");
        assert_eq!(Direction::parse(value), Direction::Other, "{value:?}");
    }
}

#[test]
fn connection_type_value_in_every_case() {
    assert_eq!(Connection::untyped().direction(), None);
    assert_eq!(Connection::untyped().type_value(), None);
    assert_eq!(Connection::untyped().text(), None);
    for (direction, value) in [
        (Direction::Incoming, "incoming"),
        (Direction::Outgoing, "outgoing"),
        (Direction::Bidi, "bidi"),
    ] {
        let connection = Connection::new(direction);
        assert_eq!(connection.direction(), Some(direction));
        assert_eq!(connection.type_value(), Some(value));
        assert_eq!(direction.as_str(), value);
        assert_eq!(direction.to_string(), value);
        assert_eq!(connection.text(), None);
    }
    let sideways = Connection::other("sideways");
    assert_eq!(sideways.type_value(), Some("sideways"));
    assert_eq!(Connection::other("").type_value(), Some(""));
    // `Direction::Other` has no value of its own: `new` gives an untyped connection
    // rather than inventing `type='other'` (it wrote that before).
    assert_eq!(Direction::Other.as_str(), "other");
    assert_eq!(Connection::new(Direction::Other), Connection::untyped());
    let remote = RemoteDomain::anonymous().with_connection(Direction::Other);
    assert_eq!(remote.connections[0].type_value(), None);
    let written = String::from(&Element::from(&remote));
    assert!(!written.contains("other"), "{written}");
    // What `type_value` says is what is written, and what reads back.
    for connection in [
        Connection::untyped(),
        Connection::new(Direction::Incoming),
        Connection::new(Direction::Outgoing),
        Connection::new(Direction::Bidi),
        Connection::other("both"),
        Connection::other("sideways"),
        Connection::other(""),
    ] {
        let element = Element::from(&connection);
        assert_eq!(element.attr("type"), connection.type_value());
        assert_eq!(Connection::try_from(element.clone()).unwrap(), connection);
        let bytes = String::from(&element);
        assert_eq!(
            xso::from_bytes::<Connection>(bytes.as_bytes()).unwrap(),
            connection
        );
    }
    // Values differing only in the kept type differ.
    assert_ne!(Connection::other("a"), Connection::other("b"));
    assert_ne!(Connection::other("a"), Connection::untyped());
}

#[test]
fn connection_text_round_trip() {
    for connection in [
        Connection::untyped().with_text("t"),
        Connection::new(Direction::Bidi).with_text("tls"),
        Connection::other("sideways").with_text("a&<b>'\""),
    ] {
        let text = connection.text().expect("text kept");
        let element = Element::from(&connection);
        assert_eq!(element.text(), text);
        assert_eq!(Connection::try_from(element.clone()).unwrap(), connection);
        let bytes = String::from(&element);
        assert_eq!(
            xso::from_bytes::<Connection>(bytes.as_bytes()).unwrap(),
            connection
        );
        assert_eq!(
            xso::transform::<Connection, _>(&connection).unwrap(),
            connection
        );
    }
    // Empty text is no text, as `<connection></connection>` reads; and it can be
    // cleared, leaving a value equal to one that never had any.
    assert_eq!(Connection::untyped().with_text(""), Connection::untyped());
    assert_eq!(
        Connection::new(Direction::Incoming)
            .with_text("t")
            .with_text(""),
        Connection::new(Direction::Incoming)
    );
    let other = Connection::other("x").with_text("t");
    assert_eq!(other.type_value(), Some("x"));
    assert_eq!(other.text(), Some("t"));
    assert_eq!(other.with_text(""), Connection::other("x"));
    let read = parse(&format!(
        "<serverinfo {NS}><domain name='a'><federation><remote-domain>\
         <connection type='x'>t</connection><connection></connection>\
         </remote-domain></federation></domain></serverinfo>"
    ));
    let connections = &read.domains[0].remote_domains()[0].connections;
    assert_eq!(connections[0], Connection::other("x").with_text("t"));
    assert_eq!(connections[1], Connection::untyped());
}

#[test]
fn extensions_behave_like_a_list() {
    use xep_serverinfo::Extensions;
    let a = Element::builder("a", "urn:q").build();
    let b = Element::builder("b", "urn:q").build();

    let empty = Extensions::new();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    assert_eq!(empty, Extensions::default());
    assert_eq!(empty, Extensions::from(Vec::new()));
    assert_eq!(empty, Vec::<Element>::new().into_iter().collect());
    assert_eq!(format!("{empty:?}"), "[]");
    assert_eq!(empty.iter().count(), 0);
    assert!(empty.clone().into_vec().is_empty());

    let mut list = Extensions::new();
    list.push(a.clone());
    list.push(b.clone());
    assert_eq!(list.len(), 2);
    assert!(!list.is_empty());
    assert_eq!(list[0], a);
    assert_eq!(list[1], b);
    assert_eq!(list.first(), Some(&a));
    assert_eq!(&*list, [a.clone(), b.clone()].as_slice());
    assert_eq!(list, Extensions::from(vec![a.clone(), b.clone()]));
    assert_eq!(list, [a.clone(), b.clone()].into_iter().collect());
    assert_ne!(list, empty);
    assert_eq!(format!("{list:?}"), format!("{:?}", [&a, &b]));
    let names: Vec<&str> = (&list).into_iter().map(Element::name).collect();
    assert_eq!(names, ["a", "b"]);
    let mut by_ref = Vec::new();
    for element in &list {
        by_ref.push(element.name().to_owned());
    }
    assert_eq!(by_ref, ["a", "b"]);
    let mut extended = Extensions::from(vec![a.clone()]);
    extended.extend([b.clone()]);
    extended.extend(std::iter::empty());
    assert_eq!(extended, list);
    let mut grown = Extensions::new();
    grown.extend(Vec::new());
    assert_eq!(grown, empty);
    let cloned = list.clone();
    let owned: Vec<Element> = list.into_iter().collect();
    assert_eq!(owned, [a.clone(), b.clone()]);
    assert_eq!(Vec::from(cloned), [a.clone(), b.clone()]);

    // On every typed level, written after the typed children and read back.
    let mut remote = RemoteDomain::named("b.example").with_connection(Direction::Incoming);
    remote.extensions.push(a.clone());
    let mut federation = Federation::new(vec![remote]);
    federation.extensions.push(b.clone());
    let mut domain = Domain::new("a.example");
    domain.federation = Some(federation);
    domain.extensions = [a.clone()].into_iter().collect();
    let info = ServerInfo::new(domain).with_extension(b.clone());
    assert_eq!(info.extensions.len(), 1);
    round_trip(&info);
    assert_eq!(
        String::from(&Element::from(&info)),
        format!(
            "<serverinfo {NS}><domain name='a.example'><federation><remote-domain name='b.example'>\
             <connection type='incoming'/><a xmlns='urn:q'/></remote-domain><b xmlns='urn:q'/>\
             </federation><a xmlns='urn:q'/></domain><b xmlns='urn:q'/></serverinfo>"
        )
    );
}

#[test]
fn remote_domain_connections() {
    let remote = RemoteDomain::named("b.example")
        .with_connection(Direction::Incoming)
        .with_connection(Direction::Outgoing);
    assert_eq!(
        *remote.connections,
        [
            Connection::new(Direction::Incoming),
            Connection::new(Direction::Outgoing)
        ]
    );
    assert!(remote.has_inbound() && remote.has_outbound());
    let mut remote = RemoteDomain::anonymous();
    assert!(remote.connections.is_empty());
    assert!(!remote.has_inbound() && !remote.has_outbound());
    remote.connections = vec![Connection::other("x"), Connection::untyped()].into_boxed_slice();
    assert!(!remote.has_inbound() && !remote.has_outbound());
    let remote = remote.with_connection(Direction::Bidi);
    assert_eq!(remote.connections.len(), 3);
    assert!(remote.has_inbound() && remote.has_outbound());
}

/// A crawler holds the typed items of thousands of peers: these sizes are the layout
/// that keeps a `<serverinfo/>` value under its input's size (`benches/RESULTS.md`).
/// Growing them is a decision, not an accident.
#[test]
fn layout_guard() {
    use xep_serverinfo::{Extensions, Name};
    assert_eq!(size_of::<Option<Direction>>(), 1);
    assert_eq!(size_of::<Connection>(), 16);
    assert_eq!(size_of::<Extensions>(), 8);
    assert_eq!(size_of::<Option<Name>>(), 16);
    assert!(
        size_of::<RemoteDomain>() <= 40,
        "{}",
        size_of::<RemoteDomain>()
    );
    // Empty parts cost no allocation: an anonymous peer is its 40 bytes.
    let remote = RemoteDomain::anonymous();
    assert!(remote.extensions.is_empty() && remote.connections.is_empty());
}

// ---------------------------------------------------------------------------------
// The hand-written conversions against the xso derives they replaced
// ---------------------------------------------------------------------------------

/// The payload types exactly as they were derived with xso (same attributes, same
/// callbacks), kept as the reference the hand-written conversions must agree with.
mod reference {
    use minidom::Element;
    use xep_serverinfo::Name;
    use xso::{AsXml, FromXml};

    /// `Direction` as it was when the derives were used: an unknown value is kept in
    /// the variant, and the type is its own attribute codec.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Direction {
        Incoming,
        Outgoing,
        Bidi,
        Other(Box<str>),
    }

    impl Direction {
        fn as_str(&self) -> &str {
            match self {
                Self::Incoming => "incoming",
                Self::Outgoing => "outgoing",
                Self::Bidi => "bidi",
                Self::Other(other) => other,
            }
        }

        fn parse(value: &str) -> Self {
            match value {
                "incoming" => Self::Incoming,
                "outgoing" => Self::Outgoing,
                "bidi" | "both" => Self::Bidi,
                other => Self::Other(other.into()),
            }
        }
    }

    impl xso::FromXmlText for Direction {
        fn from_xml_text(data: String) -> Result<Self, xso::error::Error> {
            Ok(Self::parse(&data))
        }
    }

    impl xso::AsXmlText for Direction {
        fn as_xml_text(&self) -> Result<std::borrow::Cow<'_, str>, xso::error::Error> {
            Ok(std::borrow::Cow::Borrowed(self.as_str()))
        }
    }

    /// The derived connection as the real one. Every field is carried over: the
    /// direction variant by variant (an unknown value as the value kept), the text.
    fn connection_to_real(c: Connection) -> super::Connection {
        let connection = match c.direction {
            None => super::Connection::untyped(),
            Some(Direction::Incoming) => super::Connection::new(super::Direction::Incoming),
            Some(Direction::Outgoing) => super::Connection::new(super::Direction::Outgoing),
            Some(Direction::Bidi) => super::Connection::new(super::Direction::Bidi),
            Some(Direction::Other(value)) => {
                let real = super::Connection::other(value.clone());
                // The derive never reads a known value into `Other`.
                assert_eq!(real.direction(), Some(super::Direction::Other), "{value:?}");
                real
            }
        };
        match c.text {
            Some(text) => connection.with_text(text.as_str()),
            None => connection,
        }
    }

    /// The real connection as the derived one.
    fn connection_from_real(c: &super::Connection) -> Connection {
        let direction = c.direction().map(|d| match d {
            super::Direction::Incoming => Direction::Incoming,
            super::Direction::Outgoing => Direction::Outgoing,
            super::Direction::Bidi => Direction::Bidi,
            super::Direction::Other => Direction::Other(
                c.type_value()
                    .expect("an unknown type keeps its value")
                    .into(),
            ),
        });
        Connection {
            direction,
            text: c.text().map(Name::from),
        }
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(
        namespace = "urn:xmpp:serverinfo:0",
        name = "connection",
        on_unknown_attribute = Discard,
        on_unknown_child = Fail
    )]
    pub(crate) struct Connection {
        #[xml(attribute(name = "type", default))]
        pub(crate) direction: Option<Direction>,
        #[xml(text(codec = xso::text::EmptyAsNone))]
        pub(crate) text: Option<Name>,
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(
        namespace = "urn:xmpp:serverinfo:0",
        name = "remote-domain",
        on_unknown_attribute = Discard,
        deserialize_callback = RemoteDomain::normalise,
    )]
    pub(crate) struct RemoteDomain {
        #[xml(attribute(default))]
        pub(crate) name: Option<Name>,
        #[xml(child(n = ..))]
        pub(crate) connections: Vec<Connection>,
        #[xml(element(n = ..))]
        pub(crate) extensions: Vec<Element>,
    }

    impl RemoteDomain {
        fn normalise(&mut self) -> Result<(), xso::error::Error> {
            if self.name.as_ref().is_some_and(|n| n.is_empty()) {
                self.name = None;
            }
            Ok(())
        }
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(
        namespace = "urn:xmpp:serverinfo:0",
        name = "federation",
        on_unknown_attribute = Discard
    )]
    pub(crate) struct Federation {
        #[xml(child(n = ..))]
        pub(crate) remote_domains: Vec<RemoteDomain>,
        #[xml(element(n = ..))]
        pub(crate) extensions: Vec<Element>,
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(
        namespace = "urn:xmpp:serverinfo:0",
        name = "domain",
        on_unknown_attribute = Discard,
        deserialize_callback = Domain::normalise,
    )]
    pub(crate) struct Domain {
        #[xml(attribute(default))]
        pub(crate) name: Option<Name>,
        #[xml(child(default))]
        pub(crate) federation: Option<Federation>,
        #[xml(element(n = ..))]
        pub(crate) extensions: Vec<Element>,
    }

    impl Domain {
        fn normalise(&mut self) -> Result<(), xso::error::Error> {
            if self.name.as_ref().is_some_and(|n| n.is_empty()) {
                self.name = None;
            }
            Ok(())
        }
    }

    #[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
    #[xml(
        namespace = "urn:xmpp:serverinfo:0",
        name = "serverinfo",
        on_unknown_attribute = Discard
    )]
    pub(crate) struct ServerInfo {
        #[xml(child(n = ..))]
        pub(crate) domains: Vec<Domain>,
        #[xml(element(n = ..))]
        pub(crate) extensions: Vec<Element>,
    }

    pub(crate) fn to_real(v: ServerInfo) -> super::ServerInfo {
        super::ServerInfo {
            domains: v
                .domains
                .into_iter()
                .map(|d| super::Domain {
                    name: d.name,
                    federation: d.federation.map(|f| super::Federation {
                        remote_domains: f
                            .remote_domains
                            .into_iter()
                            .map(|r| super::RemoteDomain {
                                name: r.name,
                                connections: r
                                    .connections
                                    .into_iter()
                                    .map(connection_to_real)
                                    .collect(),
                                extensions: r.extensions.into(),
                            })
                            .collect(),
                        extensions: f.extensions.into(),
                    }),
                    extensions: d.extensions.into(),
                })
                .collect(),
            extensions: v.extensions.into(),
        }
    }

    pub(crate) fn from_real(v: &super::ServerInfo) -> ServerInfo {
        ServerInfo {
            domains: v
                .domains
                .iter()
                .map(|d| Domain {
                    name: d.name.clone(),
                    federation: d.federation.as_ref().map(|f| Federation {
                        remote_domains: f
                            .remote_domains
                            .iter()
                            .map(|r| RemoteDomain {
                                name: r.name.clone(),
                                connections: r
                                    .connections
                                    .iter()
                                    .map(connection_from_real)
                                    .collect(),
                                extensions: r.extensions.to_vec(),
                            })
                            .collect(),
                        extensions: f.extensions.to_vec(),
                    }),
                    extensions: d.extensions.to_vec(),
                })
                .collect(),
            extensions: v.extensions.to_vec(),
        }
    }
}

/// The hand-written errors name the element where the derive said only "Unexpected
/// text content"; everything else is word for word.
fn same_error(ours: &str, derived: &str) -> bool {
    ours == derived
        || (derived == "Unexpected text content"
            && ours.starts_with("Unexpected text content in ")
            && ours.ends_with(" element."))
}

/// Parses `xml` with the derives and with the hand-written code, from an element and
/// from bytes, and checks that all four agree; returns the outcome.
fn differential(xml: &str) -> Result<ServerInfo, String> {
    let element: Element = xml.parse().expect("well-formed");
    let derived = reference::ServerInfo::try_from(element.clone())
        .map(reference::to_real)
        .map_err(|e| e.to_string());
    let ours = ServerInfo::try_from(element.clone()).map_err(|e| e.to_string());
    let derived_bytes = xso::from_bytes::<reference::ServerInfo>(xml.as_bytes())
        .map(reference::to_real)
        .map_err(|e| e.to_string());
    let ours_bytes = xso::from_bytes::<ServerInfo>(xml.as_bytes()).map_err(|e| e.to_string());
    // Text inside extensions from bytes: xso's element builder keeps one node per rxml
    // text event, the hand-written reader merges them as minidom's parser does, so
    // those values are compared as written. (Extensions taken from an element keep
    // its namespace declarations, which `Element` equality ignores; the derive
    // rebuilt them without.)
    let written = |r: &Result<ServerInfo, String>| {
        r.as_ref()
            .map(|v| String::from(&Element::from(v)))
            .map_err(Clone::clone)
    };
    match (&ours, &derived) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "TryFrom<Element> on {xml}"),
        (Err(a), Err(b)) => assert!(same_error(a, b), "TryFrom<Element> on {xml}: {a} vs {b}"),
        _ => panic!("TryFrom<Element> on {xml}: ours {ours:?}, derived {derived:?}"),
    }
    match (&ours_bytes, &derived_bytes) {
        (Ok(_), Ok(_)) => assert_eq!(
            written(&ours_bytes),
            written(&derived_bytes),
            "from_bytes on {xml}"
        ),
        (Err(a), Err(b)) => assert!(same_error(a, b), "from_bytes on {xml}: {a} vs {b}"),
        _ => panic!("from_bytes on {xml}: ours {ours_bytes:?}, derived {derived_bytes:?}"),
    }
    // Bytes -> typed and bytes -> minidom -> typed give equal values.
    match (&ours, &ours_bytes) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{xml}"),
        (Err(_), Err(_)) => {}
        _ => panic!("{xml}: {ours:?} vs {ours_bytes:?}"),
    }
    if let Ok(value) = &ours {
        assert_eq!(
            Element::from(value),
            Element::from(reference::from_real(value))
        );
    }
    ours
}

/// Checks every writer and reader on `value` (one that round-trips: no empty name or
/// text, extensions that do not read as typed children).
fn check_paths(value: &ServerInfo) {
    let element = Element::from(value);
    // The hand-written writer against the derive's ...
    let derived = reference::from_real(value);
    assert_eq!(element, Element::from(derived.clone()));
    // ... against serialisation through AsXml, both to an Element and to bytes ...
    assert_eq!(element, xso::transform::<Element, _>(value).expect("AsXml"));
    let bytes = xso::to_vec(value).expect("AsXml to bytes");
    assert_eq!(bytes, xso::to_vec(&derived).expect("derived AsXml"));
    // ... and by value.
    assert_eq!(Element::from(value.clone()), element);
    // Readers: from the element, from the bytes of both serialisers.
    assert_eq!(
        &ServerInfo::try_from(element.clone()).expect("reads"),
        value
    );
    let text = String::from(&element);
    assert_eq!(
        &xso::from_bytes::<ServerInfo>(text.as_bytes()).expect("from_bytes"),
        value
    );
    assert_eq!(
        &xso::from_bytes::<ServerInfo>(&bytes).expect("from_bytes"),
        value
    );
    assert_eq!(
        &xso::transform::<ServerInfo, _>(value).expect("transform"),
        value
    );
    assert_eq!(differential(&text).as_ref(), Ok(value));
}

#[test]
fn derive_parity_on_edge_cases() {
    let cases = [
        format!("<serverinfo {NS}>x</serverinfo>"),
        format!("<serverinfo {NS}> \n\t</serverinfo>"),
        format!("<serverinfo {NS}><domain>x</domain></serverinfo>"),
        format!(
            "<serverinfo {NS}><domain name='a'><federation>x</federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation><remote-domain>x</remote-domain></federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation/><federation/></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation>y</federation><federation/></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation><remote-domain><connection> </connection><connection></connection><connection>a&amp;<![CDATA[<b>]]></connection></remote-domain></federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS} xml:lang='en' v='1'><domain name='a' xmlns:p='urn:p' p:name='x'><x xmlns='urn:q' a='1'>t<y/>u</x><federation/></domain><connection/></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name=''><federation><remote-domain name=' '/></federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation><remote-domain><connection type=''/><connection type='both'/><connection type='x'/></remote-domain></federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation><remote-domain><connection><x xmlns='urn:q'/></connection></remote-domain></federation></domain></serverinfo>"
        ),
        format!(
            "<serverinfo {NS}><domain name='a'><federation><remote-domain><connection>t<x xmlns='urn:q'/></connection></remote-domain></federation></domain></serverinfo>"
        ),
        // Typed names in the wrong place are extensions.
        format!(
            "<serverinfo {NS}><federation/><remote-domain/><domain><remote-domain/><connection/><domain/><federation><domain/><connection/><remote-domain><remote-domain/><domain/></remote-domain></federation></domain></serverinfo>"
        ),
        // Typed names in another namespace are extensions.
        format!(
            "<serverinfo {NS}><domain xmlns='urn:q'/><domain name='a'><federation xmlns='urn:q'/><federation><remote-domain xmlns='urn:q'/><remote-domain><connection xmlns='urn:q'/></remote-domain></federation></domain></serverinfo>"
        ),
        "<s:serverinfo xmlns:s='urn:xmpp:serverinfo:0'><s:domain name='a'/></s:serverinfo>"
            .to_owned(),
        "<serverinfo xmlns='urn:other'/>".to_owned(),
        format!("<foo {NS}/>"),
    ];
    for xml in &cases {
        let _ = differential(xml);
    }
    // The element is named in the text errors now.
    let err = ServerInfo::try_from(elem(&cases[3])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unexpected text content in Federation element."
    );
    let err = xso::from_bytes::<ServerInfo>(cases[4].as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unexpected text content in RemoteDomain element."
    );
}

#[test]
fn mismatch_returns_the_element() {
    let element = elem("<serverinfo xmlns='urn:other'><x/></serverinfo>");
    match ServerInfo::try_from(element.clone()) {
        Err(xso::error::FromElementError::Mismatch(back)) => assert_eq!(back, element),
        other => panic!("{other:?}"),
    }
    match Domain::try_from(element.clone()) {
        Err(xso::error::FromElementError::Mismatch(back)) => assert_eq!(back, element),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        xso::from_bytes::<ServerInfo>(b"<domain xmlns='urn:xmpp:serverinfo:0'/>"),
        Err(xso::error::Error::TypeMismatch)
    ));
}

#[test]
fn every_level_converts_on_its_own() {
    let xml = format!(
        "<remote-domain {NS} name='b.example'><connection type='incoming'>t</connection><x xmlns='urn:q'/></remote-domain>"
    );
    let remote: RemoteDomain = xso::from_bytes(xml.as_bytes()).unwrap();
    assert_eq!(RemoteDomain::try_from(elem(&xml)).unwrap(), remote);
    assert_eq!(Element::from(&remote), elem(&xml));
    assert_eq!(remote.connections[0].text(), Some("t"));
    let connection: Connection =
        xso::from_bytes(format!("<connection {NS} type='bidi'/>").as_bytes()).unwrap();
    assert_eq!(connection, Connection::new(Direction::Bidi));
    assert_eq!(
        Connection::try_from(Element::from(connection.clone())).unwrap(),
        connection
    );
    let federation = Federation::new(vec![remote.clone()]);
    assert_eq!(
        xso::transform::<Federation, _>(&federation).unwrap(),
        federation
    );
    let domain = Domain::new("a.example").with_remote_domains(vec![remote]);
    assert_eq!(Domain::try_from(Element::from(&domain)).unwrap(), domain);
    assert_eq!(xso::transform::<Domain, _>(&domain).unwrap(), domain);
}

#[test]
fn extension_depth_and_size_without_recursion() {
    // 5,000 nested elements inside an extension: the reader and the item writer use
    // an explicit stack (minidom's own Drop and Clone still recurse, so no deeper).
    let depth = 5_000;
    let mut xml = format!("<serverinfo {NS}><domain name='a'><x xmlns='urn:q'>");
    for _ in 0..depth {
        xml.push_str("<x>");
    }
    for _ in 0..depth {
        xml.push_str("</x>");
    }
    xml.push_str("</x></domain></serverinfo>");
    let run = move || {
        let value: ServerInfo = xso::from_bytes(xml.as_bytes()).expect("deep extension");
        let bytes = xso::to_vec(&value).expect("AsXml");
        assert_eq!(String::from_utf8(bytes).unwrap(), xml);
        // Let minidom's recursive Drop run on a big stack.
        drop(value);
    };
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();

    // Many peers.
    let mut xml = format!("<serverinfo {NS}><domain name='a'><federation>");
    for i in 0..50_000 {
        xml.push_str(&format!(
            "<remote-domain name='p{i}'><connection type='incoming'/></remote-domain>"
        ));
    }
    xml.push_str("</federation></domain></serverinfo>");
    let value: ServerInfo = xso::from_bytes(xml.as_bytes()).unwrap();
    assert_eq!(value.domains[0].remote_domains().len(), 50_000);
    assert_eq!(ServerInfo::try_from(elem(&xml)).unwrap(), value);
}

mod generated {
    use super::*;
    use proptest::prelude::*;
    use xep_serverinfo::{Extensions, Name};

    fn name() -> impl Strategy<Value = Name> {
        "[a-z0-9.&<'\"-]{1,12}".prop_map(Name::from)
    }

    /// A typed connection: a known direction or an unknown value kept as sent.
    fn typed() -> impl Strategy<Value = Connection> {
        prop_oneof![
            Just(Connection::new(Direction::Incoming)),
            Just(Connection::new(Direction::Outgoing)),
            Just(Connection::new(Direction::Bidi)),
            "[a-z&<]{0,6}"
                .prop_filter("a known value reads back as itself", |s| {
                    !matches!(s.as_str(), "incoming" | "outgoing" | "bidi" | "both")
                })
                .prop_map(Connection::other),
        ]
    }

    /// Elements in another namespace, nested, with attributes and text.
    fn extension() -> impl Strategy<Value = Element> {
        let leaf = ("[a-z]{1,5}", proptest::option::of("[a-z <&]{0,5}")).prop_map(|(n, text)| {
            let mut e = Element::builder(n, "urn:example:ext").build();
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                e.append_text_node(text);
            }
            e
        });
        leaf.prop_recursive(3, 12, 3, |inner| {
            (
                "[a-z]{1,5}",
                proptest::option::of("[a-z'&]{0,4}"),
                proptest::collection::vec(inner, 0..3),
            )
                .prop_map(|(n, attr, children)| {
                    let mut b = Element::builder(n, "urn:example:ext");
                    if let Some(v) = attr {
                        b = b.attr(minidom::rxml::NcName::try_from("a").unwrap(), v);
                    }
                    b.append_all(children).build()
                })
        })
    }

    fn extensions() -> impl Strategy<Value = Extensions> {
        proptest::collection::vec(extension(), 0..2).prop_map(Extensions::from)
    }

    fn connection() -> impl Strategy<Value = Connection> {
        (proptest::option::of(typed()), proptest::option::of(name())).prop_map(|(typed, text)| {
            let connection = typed.unwrap_or_else(Connection::untyped);
            match text {
                Some(text) => connection.with_text(text.as_str()),
                None => connection,
            }
        })
    }

    fn remote() -> impl Strategy<Value = RemoteDomain> {
        (
            proptest::option::of(name()),
            proptest::collection::vec(connection(), 0..3),
            extensions(),
        )
            .prop_map(|(name, connections, extensions)| RemoteDomain {
                name,
                connections: connections.into_boxed_slice(),
                extensions,
            })
    }

    fn info() -> impl Strategy<Value = ServerInfo> {
        let federation = (proptest::collection::vec(remote(), 0..5), extensions()).prop_map(
            |(remote_domains, extensions)| Federation {
                remote_domains,
                extensions,
            },
        );
        let domain = (
            proptest::option::of(name()),
            proptest::option::of(federation),
            extensions(),
        )
            .prop_map(|(name, federation, extensions)| Domain {
                name,
                federation,
                extensions,
            });
        (proptest::collection::vec(domain, 0..3), extensions()).prop_map(|(domains, extensions)| {
            ServerInfo {
                domains,
                extensions,
            }
        })
    }

    /// Arbitrary trees over the payload's vocabulary (names in and out of place, in
    /// and out of the namespace, stray attributes and text), as a string.
    fn xml_tree() -> impl Strategy<Value = String> {
        let names = prop_oneof![
            Just("domain"),
            Just("federation"),
            Just("remote-domain"),
            Just("connection"),
            Just("x"),
        ];
        let attrs = prop_oneof![
            Just(""),
            Just(" name='n'"),
            Just(" name=''"),
            Just(" type='incoming'"),
            Just(" type='both'"),
            Just(" type=''"),
            Just(" z='1'"),
        ];
        let ns = prop_oneof![4 => Just(""), 1 => Just(" xmlns='urn:q'")];
        let text = prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("t")];
        let leaf = (names.clone(), attrs.clone(), ns.clone(), text.clone())
            .prop_map(|(n, a, s, t)| format!("<{n}{a}{s}>{t}</{n}>"));
        let tree = leaf.prop_recursive(5, 40, 4, move |inner| {
            (
                names.clone(),
                attrs.clone(),
                ns.clone(),
                text.clone(),
                proptest::collection::vec(inner, 0..4),
            )
                .prop_map(|(n, a, s, t, children)| {
                    format!("<{n}{a}{s}>{t}{}</{n}>", children.concat())
                })
        });
        proptest::collection::vec(tree, 0..4)
            .prop_map(|children| format!("<serverinfo {NS}>{}</serverinfo>", children.concat()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_path_round_trips_and_matches_the_derives(value in info()) {
            check_paths(&value);
        }

        #[test]
        fn arbitrary_trees_read_as_the_derives_read_them(xml in xml_tree()) {
            let _ = differential(&xml);
        }
    }
}

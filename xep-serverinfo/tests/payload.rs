//! The payload against the spec's examples and the real publishers of INTEROP.md.

use minidom::Element;
use xep_serverinfo::payload::{DeviationKind, Reading};
use xep_serverinfo::{Connection, Direction, Domain, Error, RemoteDomain, ServerInfo};

const NS: &str = "xmlns='urn:xmpp:serverinfo:0'";

fn elem(xml: &str) -> Element {
    xml.parse().expect("well-formed test XML")
}

fn parse(xml: &str) -> ServerInfo {
    ServerInfo::try_from(elem(xml)).expect("parses")
}

fn read(xml: &str) -> Reading {
    ServerInfo::read(&elem(xml)).expect("reads")
}

fn kinds(reading: &Reading) -> Vec<&DeviationKind> {
    reading.deviations.iter().map(|d| &d.kind).collect()
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
    assert_eq!(deviations[0].kind, DeviationKind::NoFederation);
    assert_eq!(deviations[0].path, "/serverinfo/domain[1]");
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
        remotes[0].connections,
        [
            Connection::new(Direction::Incoming),
            Connection::new(Direction::Outgoing)
        ]
    );
    assert!(remotes[0].has_inbound() && remotes[0].has_outbound());
    assert_eq!(remotes[1].connections, [Connection::new(Direction::Bidi)]);
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
        r.deviations[0].path,
        "/serverinfo/domain[1]/federation[1]/remote-domain[1]"
    );
    assert_eq!(kinds(&r), [&DeviationKind::EmptyName]);
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
    assert_eq!(kinds(&r), [&DeviationKind::NoDomain]);
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
    assert_eq!(remotes[0].connections[0].direction, Some(Direction::Bidi));
    assert_eq!(remotes[1].connections[0], Connection::untyped());
    assert_eq!(
        kinds(&r),
        [
            &DeviationKind::BothForBidi,
            &DeviationKind::UntypedConnection
        ]
    );
    assert_eq!(
        r.deviations[1].path,
        "/serverinfo/domain[1]/federation[1]/remote-domain[2]/connection[1]"
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
    assert_eq!(c.direction, Some(Direction::Other("sideways".into())));
    assert_eq!(
        kinds(&r),
        [&DeviationKind::UnknownDirection {
            value: "sideways".into()
        }]
    );
    let written = String::from(&Element::from(r.value.clone()));
    assert!(written.contains("type='sideways'"));
}

#[test]
fn several_domains_accepted() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='a.example'><federation/></domain><domain name='b.example'><federation/></domain></serverinfo>"
    ));
    assert_eq!(r.value.domains.len(), 2);
    assert_eq!(kinds(&r), [&DeviationKind::SeveralDomains { count: 2 }]);
    round_trip(&r.value);
}

#[test]
fn unknown_attributes_reported_not_kept() {
    let r = read(&format!(
        "<serverinfo {NS} version='2'><domain name='a.example' flavour='x'><federation/></domain></serverinfo>"
    ));
    assert_eq!(
        kinds(&r),
        [
            &DeviationKind::UnknownAttribute {
                name: "version".into()
            },
            &DeviationKind::UnknownAttribute {
                name: "flavour".into()
            }
        ]
    );
    assert_eq!(r.deviations[1].path, "/serverinfo/domain[1]");
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
    assert_eq!(c.text.as_deref(), Some("tls"));
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
    assert_eq!(r.deviations[0].kind, DeviationKind::PreDraftLayout);
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
    let err = ServerInfo::read(&elem(&format!(
        "<serverinfo {NS}><domain name='a'><federation><remote-domain name='x' name2='y'><connection type='incoming'><deep/></connection></remote-domain></federation></domain></serverinfo>"
    )))
    .unwrap_err();
    // <connection/> has no children at all: refused, with what and where.
    assert!(
        matches!(
            err,
            Error::Payload {
                element: "serverinfo",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid <serverinfo/>: Unknown child in Connection element."
    );
}

#[test]
fn own_namespace_extension_kept_and_flagged() {
    let r = read(&format!(
        "<serverinfo {NS}><domain name='a'><federation><remote-domain><bogus/></remote-domain></federation></domain></serverinfo>"
    ));
    assert_eq!(
        kinds(&r),
        [&DeviationKind::UnknownElement {
            name: "bogus".into()
        }]
    );
    assert_eq!(
        r.deviations[0].path,
        "/serverinfo/domain[1]/federation[1]/remote-domain[1]"
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

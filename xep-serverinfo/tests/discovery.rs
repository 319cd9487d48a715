//! Discovery against the spec examples and real servers' disco#info results.

use jid::Jid;
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_core::forms::TypedForm;
use xep_serverinfo::discovery::{
    Coordinates, Discovery, FormLayout, NodeForm, Plan, Unavailable, first_pubsub_service,
    server_form,
};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::disco::DiscoInfoResult;

const FEATURE: &str = "<feature var='urn:xmpp:serverinfo:0'/>";
const FORM_TYPE: &str = "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>";

fn disco(inner: &str) -> DiscoInfoResult {
    let xml = format!("<query xmlns='http://jabber.org/protocol/disco#info'>{inner}</query>");
    DiscoInfoResult::try_from(xml.parse::<Element>().unwrap()).unwrap()
}

fn form(fields: &str) -> String {
    format!("<x xmlns='jabber:x:data' type='result'>{FORM_TYPE}{fields}</x>")
}

fn at(service: &str, node: &str) -> Coordinates {
    Coordinates::new(service.parse::<Jid>().unwrap(), node)
}

fn fetch(d: &Discovery) -> Coordinates {
    match d.plan() {
        Plan::Fetch(c) => c,
        other => panic!("expected Fetch, got {other:?}"),
    }
}

#[test]
fn spec_1_0_0_example() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-node'><value>xmpp:pubsub.shakespeare.lit?;node=serverinfo</value></field>"
        )
    )));
    assert!(d.opted_in);
    assert_eq!(fetch(&d), at("pubsub.shakespeare.lit", "serverinfo"));
    assert_eq!(d.node.as_ref().unwrap().layout, FormLayout::V1);
    assert!(d.deviations.is_empty(), "{:?}", d.deviations);
}

#[test]
fn seed_draft_example() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-service'><value>pubsub.shakespeare.lit</value></field><field var='serverinfo-pubsub-node'><value>serverinfo</value></field>"
        )
    )));
    assert_eq!(fetch(&d), at("pubsub.shakespeare.lit", "serverinfo"));
    assert_eq!(d.node.as_ref().unwrap().layout, FormLayout::Seed);
}

#[test]
fn seed_list_multi_pairs() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-service' type='list-multi'><value>pubsub.a.example</value></field><field var='serverinfo-pubsub-node' type='list-multi'><value>serverinfo</value><value>serverinfo/b.example</value></field>"
        )
    )));
    let node = d.value.node.unwrap();
    assert_eq!(
        node.coordinates,
        [
            at("pubsub.a.example", "serverinfo"),
            at("pubsub.a.example", "serverinfo/b.example")
        ]
    );
    assert!(d.deviations.is_empty(), "{:?}", d.deviations);
}

#[test]
fn seed_node_without_service_uses_first_pubsub_service() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-node' type='list-multi'><value>custom-node</value></field>"
        )
    )));
    let plan = d.plan();
    assert_eq!(
        plan,
        Plan::FindPubSubService {
            node: "custom-node".into()
        }
    );
    assert_eq!(
        plan.with_service("pubsub.x.example".parse().unwrap()),
        Some(at("pubsub.x.example", "custom-node"))
    );
}

#[test]
fn ejabberd_merged_untyped_field() {
    let d = Discovery::from_disco(&disco(&format!(
        "<identity category='server' type='im'/>{FEATURE}{}",
        form(
            "<field var='abuse-addresses' type='list-multi'><value>mailto:abuse@example.org</value></field><field var='Web chatroom logs' type='list-multi'><value>https://logs.example.org/</value></field><field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field>"
        )
    )));
    assert_eq!(fetch(&d), at("pubsub.example.org", "serverinfo"));
    assert_eq!(d.contact.abuse, ["mailto:abuse@example.org"]);
    // The vendor field is neither spec's and is kept.
    assert_eq!(d.other_fields.len(), 1);
    assert_eq!(d.other_fields[0].var.as_deref(), Some("Web chatroom logs"));
    // xmpp-parsers' own XEP-0157 parser refuses this form (P7).
    let info = disco(&form(
        "<field var='serverinfo-pubsub-node'><value>xmpp:a?;node=b</value></field>",
    ));
    assert!(xmpp_parsers::server_info::ServerInfo::try_from(info.extensions[0].clone()).is_err());
}

#[test]
fn prosody_gen_b_two_forms_and_gen_c_raw_slash() {
    // Gen (b): a separate form with the same FORM_TYPE beside mod_server_contact_info.
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}{}",
        form(
            "<field var='admin-addresses' type='list-multi'><value>xmpp:admin@example.org</value></field>"
        ),
        form(
            "<field var='serverinfo-pubsub-node' type='text-single'><value>xmpp:pubsub.example.org?;node=serverinfo/example.org</value></field>"
        )
    )));
    assert_eq!(
        fetch(&d),
        at("pubsub.example.org", "serverinfo/example.org")
    );
    assert_eq!(d.contact.admin, ["xmpp:admin@example.org"]);
    assert!(d.deviations.iter().any(|x| x.code == "several-forms"));
    // Written back as one merged form.
    let written = d.to_form();
    assert_eq!(
        written.form_type(),
        Some("http://jabber.org/network/serverinfo")
    );
    let vars: Vec<_> = written
        .fields
        .iter()
        .filter_map(|f| f.var.as_deref())
        .collect();
    assert_eq!(
        vars,
        ["FORM_TYPE", "admin-addresses", "serverinfo-pubsub-node"]
    );
}

#[test]
fn raw_colon_node_and_remote_service() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-node'><value>xmpp:pubsub.other-provider.example?;node=urn:xmpp:serverinfo:0</value></field>"
        )
    )));
    assert_eq!(
        fetch(&d),
        at("pubsub.other-provider.example", "urn:xmpp:serverinfo:0")
    );
}

#[test]
fn openfire_and_tigase_feature_without_node_fall_back() {
    // Openfire: feature, no form at all.
    let d = Discovery::from_disco(&disco(FEATURE));
    assert!(d.node.is_none());
    assert_eq!(
        d.plan(),
        Plan::FindPubSubService {
            node: "serverinfo".into()
        }
    );
    // Tigase: a XEP-0157 form without XEP-0485 fields.
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='admin-addresses' type='list-multi'><value>xmpp:admin@tigase.example</value></field>"
        )
    )));
    assert!(d.node.is_none());
    assert_eq!(
        d.plan(),
        Plan::FindPubSubService {
            node: "serverinfo".into()
        }
    );
    assert_eq!(d.contact.admin, ["xmpp:admin@tigase.example"]);
}

#[test]
fn waddle_wrong_form_type_is_not_read() {
    // Waddle uses the feature namespace as FORM_TYPE: that is not XEP-0157's form.
    let info = disco(&format!(
        "{FEATURE}<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:serverinfo:0</value></field><field var='abuse-addresses' type='text-single'><value>mailto:abuse@waddle.example</value></field></x>"
    ));
    let d = Discovery::from_disco(&info);
    assert!(d.contact.is_empty());
    assert_eq!(
        d.plan(),
        Plan::FindPubSubService {
            node: "serverinfo".into()
        }
    );
}

#[test]
fn no_feature_means_not_opted_in_even_with_a_node() {
    let d = Discovery::from_disco(&disco(&form(
        "<field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field>",
    )));
    assert!(!d.opted_in);
    assert_eq!(
        d.plan(),
        Plan::Unavailable(Unavailable::NotOptedIn {
            coordinates_advertised: true
        })
    );
    let d = Discovery::from_disco(&disco(""));
    let Plan::Unavailable(why) = d.plan() else {
        panic!()
    };
    assert_eq!(
        why.to_string(),
        "the server does not advertise urn:xmpp:serverinfo:0"
    );
}

#[test]
fn broken_uris_are_reported_not_fatal() {
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-node'><value>xmpp:@@bad@@?;node=x</value><value>xmpp:pubsub.example.org</value></field>"
        )
    )));
    assert_eq!(d.plan(), Plan::Unavailable(Unavailable::InvalidCoordinates));
    assert_eq!(d.deviations.len(), 2, "{:?}", d.deviations);
    let text = d.deviations[1].to_string();
    assert!(text.contains("no node parameter"), "{text}");
}

#[test]
fn feature_with_trailing_space_counts_with_a_deviation() {
    let d = Discovery::from_disco(&disco("<feature var='urn:xmpp:serverinfo:0 '/>"));
    assert!(d.opted_in);
    assert_eq!(d.deviations.len(), 1);
}

#[test]
fn writes_both_layouts_and_reads_them_back() {
    let node = NodeForm::new(at("pubsub.example.org", "serverinfo/example.org"));
    let contact = ContactAddresses {
        admin: vec!["xmpp:admin@example.org".into()],
        ..Default::default()
    };
    let form = server_form(&contact, Some(&node), []);
    let xml = String::from(&Element::from(form.clone()));
    assert!(
        // RFC 5122 canonical form: the '/' is percent-encoded (readers accept it raw, P8).
        xml.contains("<field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo%2Fexample.org</value>"),
        "{xml}"
    );
    let back = Discovery::from_parts(&["urn:xmpp:serverinfo:0".to_owned()], &[form]);
    assert_eq!(back.node.as_ref(), Some(&node));
    assert_eq!(back.contact, contact);
    assert!(back.deviations.is_empty(), "{:?}", back.deviations);

    let seed = node.clone().with_layout(FormLayout::Seed);
    let form: DataForm = seed.to_form();
    let vars: Vec<_> = form
        .fields
        .iter()
        .filter_map(|f| f.var.as_deref())
        .collect();
    assert_eq!(
        vars,
        [
            "FORM_TYPE",
            "serverinfo-pubsub-service",
            "serverinfo-pubsub-node"
        ]
    );
    let back = NodeForm::read([&form]);
    assert_eq!(back.value, Some(seed));
}

#[test]
fn first_pubsub_service_in_items_order() {
    let muc = disco("<identity category='conference' type='text'/>");
    let pubsub = disco("<identity category='pubsub' type='service'/>");
    let other = disco("<identity category='pubsub' type='service'/>");
    let a: Jid = "conference.example.org".parse().unwrap();
    let b: Jid = "pubsub.example.org".parse().unwrap();
    let c: Jid = "pubsub2.example.org".parse().unwrap();
    let found = first_pubsub_service([(&a, &muc), (&b, &pubsub), (&c, &other)]);
    assert_eq!(found, Some(&b));
    assert_eq!(first_pubsub_service([(&a, &muc)]), None);
}

fn shared(name: &str) -> Option<String> {
    xep_testkit::shared_file("interop-samples", name)
}

fn capture_info(text: &str) -> DiscoInfoResult {
    let items = xep_core::xml::parse_items(text.as_bytes(), &Default::default()).unwrap();
    let root = &items[0].element;
    let query = if root.name() == "iq" {
        root.get_child("query", "http://jabber.org/protocol/disco#info")
            .unwrap()
            .clone()
    } else {
        root.clone()
    };
    DiscoInfoResult::try_from(query).unwrap()
}

#[test]
fn openfire_capture() {
    let Some(text) = shared("openfire-igniterealtime-disco-info-verbatim.xml") else {
        return;
    };
    let d = Discovery::from_disco(&capture_info(&text));
    assert!(d.opted_in);
    // Openfire advertises the feature and a XEP-0157 form, but no node field.
    assert!(d.node.is_none());
    assert_eq!(
        d.plan(),
        Plan::FindPubSubService {
            node: "serverinfo".into()
        }
    );
    assert!(!d.contact.is_empty());
}

#[test]
fn tigase_capture() {
    let Some(text) = shared("tigase-disco-info-xep0157-form-mid-features-verbatim.xml") else {
        return;
    };
    let info = capture_info(&text);
    let d = Discovery::from_disco(&info);
    assert!(!d.contact.is_empty());
    // The capture's own identities include pubsub/service.
    let me: Jid = "tigase.example".parse().unwrap();
    assert_eq!(first_pubsub_service([(&me, &info)]), Some(&me));
}

#[test]
fn unusable_values_survive_a_rewrite() {
    // Found by the fuzzer: a broken URI was dropped when writing the form back.
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;nodez=serverinfo</value></field><field var='serverinfo-pubsub-service'><value>not a jid@@</value></field>"
        )
    )));
    let node = d.node.as_ref().unwrap();
    assert_eq!(
        node.unusable_nodes,
        ["xmpp:pubsub.example.org?;nodez=serverinfo"]
    );
    assert_eq!(node.unusable_services, ["not a jid@@"]);
    assert_eq!(d.plan(), Plan::Unavailable(Unavailable::InvalidCoordinates));
    let again = Discovery::from_parts(&["urn:xmpp:serverinfo:0".to_owned()], &[d.to_form()]);
    assert_eq!(again.node, d.node);
    assert_eq!(again.plan(), d.plan());
}

/// Found by the long serverinfo run: a node URI beside a seed service list (so the
/// form is rewritten in the seed layout) named a node with a space at its end; written
/// raw in the seed node list, it was read back collapsed, without the space. Nodes
/// that would not read back raw are written as URIs.
#[test]
fn seed_layout_writes_a_node_as_a_uri_when_raw_would_not_read_back() {
    for node in ["a%20", "a%20%20b", "%20a", "xmpp:x", "%09a"] {
        let d = Discovery::from_disco(&disco(&format!(
            "{FEATURE}{}",
            form(&format!(
                "<field var='serverinfo-pubsub-service' type='list-multi'><value>pubsub.example.org</value></field>\
                 <field var='serverinfo-pubsub-node' type='list-multi'><value>xmpp:pubsub.example.org?;node={node}</value></field>"
            ))
        )));
        let coordinates = &d.node.as_ref().unwrap().coordinates;
        assert_eq!(coordinates.len(), 2, "{node}: {coordinates:?}");
        let again = Discovery::from_parts(&["urn:xmpp:serverinfo:0".to_owned()], &[d.to_form()]);
        // The layout may change (no service list is needed); the coordinates not.
        let back = &again.node.as_ref().unwrap().coordinates;
        assert_eq!(back, coordinates, "{node}");
    }
}

#[test]
fn seed_layout_writes_uris_when_pairs_cannot_express_it() {
    let mut node = NodeForm::new(at("pubsub.a.example", "n1")).with_layout(FormLayout::Seed);
    node.coordinates.push(at("pubsub.b.example", "n2"));
    node.coordinates.push(at("pubsub.a.example", "n3"));
    let back = NodeForm::read([&node.to_form()]).value.unwrap();
    assert_eq!(back.coordinates, node.coordinates);
    // Two services and one node: the seed lists say it exactly.
    let mut node = NodeForm::new(at("pubsub.a.example", "n")).with_layout(FormLayout::Seed);
    node.coordinates.push(at("pubsub.b.example", "n"));
    let form = node.to_form();
    assert_eq!(form.fields.len(), 3);
    assert_eq!(NodeForm::read([&form]).value, Some(node));
}

#[test]
fn raw_query_with_a_broken_unrelated_form_still_reads() {
    // A FORM_TYPE with two values in another form makes xmpp-parsers refuse the whole
    // result; the raw reader keeps the opt-in, the node and the addresses.
    let xml = format!(
        "<iq xmlns='jabber:client' type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#info'>{FEATURE}\
         <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:a</value><value>urn:b</value></field></x>{}</query></iq>",
        form(
            "<field var='abuse-addresses'><value>mailto:abuse@example.org</value></field><field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field>"
        )
    );
    let element: Element = xml.parse().unwrap();
    let query = element
        .get_child("query", "http://jabber.org/protocol/disco#info")
        .unwrap();
    assert!(DiscoInfoResult::try_from(query.clone()).is_err());
    let d = Discovery::read(&element).unwrap();
    assert!(d.opted_in);
    assert_eq!(fetch(&d), at("pubsub.example.org", "serverinfo"));
    assert_eq!(d.contact.abuse, ["mailto:abuse@example.org"]);
    assert_eq!(d.deviations.len(), 1);
    assert_eq!(
        d.deviations[0].path.as_str(),
        "/iq[1]/query[1]/x[1]/field[1]"
    );
    assert!(Discovery::read_strict(&element).is_err());
}

#[test]
fn non_ascii_node_values_do_not_panic() {
    // Found by long fuzzing: byte 5 inside a character made `value[..5]` panic.
    for value in ["日本", "xmppď", "xmpp\u{e9}:x", "ǅǅǅ"] {
        let d = Discovery::from_disco(&disco(&format!(
            "{FEATURE}{}",
            form(&format!(
                "<field var='serverinfo-pubsub-node'><value>{value}</value></field>"
            ))
        )));
        let node = d.value.node.unwrap();
        assert_eq!(node.nodes_without_service, [value]);
    }
}

#[test]
fn a_1_0_0_text_single_field_is_written_with_one_value() {
    let mut node = NodeForm::new(at("pubsub.a.example", "n1"));
    node.coordinates.push(at("pubsub.b.example", "n2"));
    let form = node.to_form();
    let field = form
        .fields
        .iter()
        .find(|f| f.var.as_deref() == Some("serverinfo-pubsub-node"))
        .unwrap();
    assert_eq!(field.values, ["xmpp:pubsub.a.example?;node=n1"]);
}

#[test]
fn crawler_and_publisher_agree_on_a_padded_feature() {
    let raw: Element = "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:serverinfo:0 '/></query>"
        .parse()
        .unwrap();
    let d = Discovery::read(&raw).unwrap();
    assert!(d.opted_in);
    assert_eq!(d.deviations[0].code, "feature-white-space");
}

#[test]
fn service_jid_that_preparation_shortens_reads_the_same_after_a_rewrite() {
    // Found by the CI fuzz run: U+FEFF between two white-space runs is mapped to
    // nothing by JID preparation, leaving two spaces in the resource; reading our own
    // form back collapsed them and the first coordinates changed.
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-service'><value>porg/a\n\n\u{feff}\n b</value></field><field var='serverinfo-pubsub-node'><value>lonely</value></field>"
        )
    )));
    assert_eq!(fetch(&d), at("porg/a b", "lonely"));
    let again = Discovery::from_parts(&["urn:xmpp:serverinfo:0".to_owned()], &[d.to_form()]);
    assert_eq!(fetch(&again), fetch(&d));
}

#[test]
fn service_jid_whose_preparation_is_not_idempotent_reads_the_same_after_a_rewrite() {
    // U+3250 normalises to "PTE" after case folding; a second preparation lower-cases
    // it (the same input class the uri fuzz target found in PubSubUri).
    let d = Discovery::from_disco(&disco(&format!(
        "{FEATURE}{}",
        form(
            "<field var='serverinfo-pubsub-service'><value>pubsub.a\u{3250}.example</value></field><field var='serverinfo-pubsub-node'><value>n</value></field>"
        )
    )));
    assert_eq!(fetch(&d), at("pubsub.apte.example", "n"));
    let again = Discovery::from_parts(&["urn:xmpp:serverinfo:0".to_owned()], &[d.to_form()]);
    assert_eq!(fetch(&again), fetch(&d));
}

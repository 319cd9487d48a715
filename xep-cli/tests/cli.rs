//! The `xep inspect` contract, tested through the binary.

mod common;
use common::{json_lines, sample, stderr, stdout, xep};

use std::path::PathBuf;

use serde_json::Value;

/// The findings of one kind, in output order.
fn of_kind(found: &[Value], kind: &str) -> Vec<Value> {
    found
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect()
}

fn interop(name: &str) -> Option<PathBuf> {
    Some(xep_testkit::shared_dir("interop-samples")?.join(name))
}

/// `inspect --emit wire | inspect` gives the same JSON as `inspect`.
fn assert_wire_round_trip(args: &[&str], input: &[u8]) {
    let mut json_args = args.to_vec();
    json_args.push("-");
    let direct = xep(&json_args, input);
    assert_eq!(direct.status.code(), Some(0), "{}", stderr(&direct));
    let wire = xep(&["inspect", "--emit", "wire", "-"], input);
    assert_eq!(wire.status.code(), Some(0), "{}", stderr(&wire));
    let again = xep(&json_args, &wire.stdout);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        stdout(&direct),
        "wire output:\n{}",
        stdout(&wire)
    );
}

#[test]
fn bundled_sample_reports_contact_addresses() {
    let o = xep(
        &["inspect", sample("disco-info.xml").to_str().unwrap()],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = json_lines(&o);
    assert_eq!(all.len(), 6); // and item 2's sos-discovery form
    assert_eq!(of_kind(&all, "sos-discovery").len(), 1);
    // Each disco#info result also tells where its XEP-0485 data lives; Openfire's
    // (item 3) has only the feature, so the fallback applies.
    let discovery = of_kind(&all, "serverinfo-discovery");
    assert_eq!(discovery.len(), 3);
    assert_eq!(discovery[2]["item"], 3);
    assert_eq!(discovery[2]["plan"]["action"], "find-pubsub-service");
    assert_eq!(discovery[0]["plan"]["action"], "fetch");
    assert_eq!(discovery[0]["plan"]["service"], "pubsub.example.org");
    assert_eq!(discovery[1]["plan"]["service"], "pubsub.chat.example.com");
    let found = of_kind(&all, "contact-addresses");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["kind"], "contact-addresses");
    assert_eq!(found[0]["item"], 1);
    assert_eq!(found[0]["path"], "/iq/query");
    assert_eq!(
        found[0]["addresses"]["admin"][1],
        "mailto:admin@example.org"
    );
    assert_eq!(found[0]["other_fields"][0], "serverinfo-pubsub-node");
    // Two forms with one FORM_TYPE, read as one.
    assert_eq!(found[1]["item"], 2);
    assert_eq!(
        found[1]["addresses"]["status"][0],
        "https://status.example.com/"
    );
    assert_eq!(
        found[1]["addresses"]["admin"][0],
        "xmpp:ops@chat.example.com"
    );
    // The note says what the deviation is, in one line, so that it is not taken for
    // a fault.
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "xep: note: 1 spec deviation, read leniently: item 2 /iq/query: contact-addresses: "
        ),
        "{err}"
    );
    assert!(err.contains("2 forms share"), "{err}");
    assert!(err.ends_with(" (--strict for details)\n"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn bundled_sample_wire_round_trip_merges_forms() {
    let input = std::fs::read(sample("disco-info.xml")).unwrap();
    assert_wire_round_trip(&["inspect"], &input);
    let wire = stdout(&xep(&["inspect", "--emit", "wire"], &input));
    // Item 2's two serverinfo forms became one; the SOS form is kept.
    assert_eq!(
        wire.matches("http://jabber.org/network/serverinfo").count(),
        2,
        "{wire}"
    );
    assert!(wire.contains("urn:xmpp:sos:0"));
    assert!(
        wire.contains("xmpp:pubsub.chat.example.com?;node=serverinfo"),
        "unknown field kept"
    );
    // Canonical output has nothing left to report.
    let strict = xep(&["inspect", "--strict"], wire.as_bytes());
    assert_eq!(strict.status.code(), Some(0), "{}", stderr(&strict));
}

#[test]
fn strict_lists_every_deviation_and_fails() {
    let input = b"<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>\
        <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>http://jabber.org/network/serverinfo</value></field>\
        <field var='status-addresses'><value>status page</value></field></x></query></iq>";
    let lenient = xep(&["inspect"], input);
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(
        json_lines(&lenient)[0]["addresses"]["status"][0],
        "status page"
    );
    let strict = xep(&["inspect", "--strict"], input);
    assert_eq!(strict.status.code(), Some(1));
    let err = stderr(&strict);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "xep: -: deviation: item 1 /iq/query: contact-addresses: /x[1]/field[@var='FORM_TYPE']: FORM_TYPE field lacks type='hidden' (XEP-0068); read anyway [must]",
            "xep: -: deviation: item 1 /iq/query: contact-addresses: /x[1]/field[@var='status-addresses']: value \"status page\" is not a valid URI (the spec says MUST) [must]",
        ]
    );
    // The JSON is still printed.
    assert_eq!(json_lines(&strict).len(), 1);
}

#[test]
fn openfire_capture_reports_its_admins() {
    let Some(path) = interop("openfire-igniterealtime-disco-info-verbatim.xml") else {
        return;
    };
    let o = xep(&["inspect", path.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = json_lines(&o);
    assert_eq!(all.len(), 2);
    // Openfire advertises the feature but no node: the spec's fallback applies.
    let discovery = of_kind(&all, "serverinfo-discovery");
    assert_eq!(discovery[0]["plan"]["action"], "find-pubsub-service");
    assert_eq!(discovery[0]["plan"]["node"], "serverinfo");
    let found = of_kind(&all, "contact-addresses");
    assert_eq!(found.len(), 1);
    let admin = found[0]["addresses"]["admin"].as_array().unwrap();
    assert_eq!(admin.len(), 15);
    assert_eq!(admin[0], "xmpp:dwd@dave.cridland.net");
    assert!(
        admin
            .iter()
            .any(|a| a == "mailto:guus.der.kinderen@gmail.com")
    );
    assert_wire_round_trip(&["inspect"], &std::fs::read(&path).unwrap());
}

#[test]
fn tigase_capture_form_between_features() {
    let Some(path) = interop("tigase-disco-info-xep0157-form-mid-features-verbatim.xml") else {
        return;
    };
    let o = xep(&["inspect", path.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["path"], "/query");
    assert_eq!(
        found[0]["addresses"]["abuse"][0],
        "mailto:support@tigase.net"
    );
    assert_eq!(found[0]["addresses"]["abuse"].as_array().unwrap().len(), 4);
    assert_wire_round_trip(&["inspect"], &std::fs::read(&path).unwrap());
}

#[test]
fn malformed_capture_is_a_one_line_error_with_position() {
    let Some(path) = interop("xep0309-startssl-name-closed-by-uri.xml") else {
        return;
    };
    let o = xep(&["inspect", path.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 16, column 27: not well-formed XML"),
        "{err}"
    );
}

#[test]
fn hostile_inputs_get_one_line_errors() {
    let deep = "<a>".repeat(10_000);
    let huge_attr = format!("<a x='{}'/>", "y".repeat(2 << 20));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "doctype",
            b"<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]><lolz>&lol2;</lolz>"
                .to_vec(),
            "line 1, column ",
        ),
        ("entity", b"<x>&ent;</x>".to_vec(), "undeclared entity"),
        ("pi", b"<x><?php echo 1; ?></x>".to_vec(), "line 1, column "),
        ("deep", deep.into_bytes(), "nested deeper than 64 levels"),
        ("huge token", huge_attr.into_bytes(), "line 1, column "),
        (
            "binary",
            vec![0xff, 0xfe, 0x00, 0x3c, 0x00],
            "not well-formed XML",
        ),
        (
            "bad utf-8",
            b"<a>\xc3\x28</a>".to_vec(),
            "line 1, column 4: not well-formed XML",
        ),
        (
            "truncated",
            b"<iq type='get'><query".to_vec(),
            "input ends inside",
        ),
        ("empty", Vec::new(), "no XML element"),
        (
            "json",
            b"{\"beginning\": }".to_vec(),
            "line 1, column 15: not well-formed JSON",
        ),
        // Checked as a tree of values would check it (`IgnoredAny` skips escapes
        // unchecked), then read without one.
        (
            "lone surrogate",
            br#"{"x-note": "\udc00", "planned": true}"#.to_vec(),
            "line 1, column 18: not well-formed JSON: lone leading surrogate",
        ),
        (
            "deep json",
            "{\"a\":".repeat(100_000).into_bytes(),
            "recursion limit exceeded",
        ),
    ];
    for (name, input, expected) in cases {
        let o = xep(&["inspect"], &input);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("xep: -: "), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(stdout(&o).is_empty(), "{name}");
    }
}

#[test]
fn oversized_input_is_refused_without_reading_it_all() {
    let big = vec![b' '; (16 << 20) + 10];
    let o = xep(&["inspect"], &big);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("over the limit of 16777216 bytes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn well_formed_but_unrecognised_input_exits_zero() {
    let o = xep(
        &["inspect"],
        b"<message xmlns='jabber:client'><body>hi</body></message>",
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).is_empty());
    let json = xep(&["inspect", "--emit", "wire"], b"  {\"a\": [1, 2]}");
    assert_eq!(json.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&json.stdout).unwrap(),
        serde_json::json!({"a": [1, 2]})
    );
}

#[test]
fn several_inputs_are_labelled_and_errors_do_not_stop_the_rest() {
    let dir = std::env::temp_dir().join(format!("xep-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.xml");
    std::fs::write(&bad, "<a>").unwrap();
    let good = sample("disco-info.xml");
    let o = xep(
        &[
            "inspect",
            bad.to_str().unwrap(),
            good.to_str().unwrap(),
            "/nonexistent/x.xml",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    let found = json_lines(&o);
    assert_eq!(found.len(), 6);
    assert!(found.iter().all(|f| f["input"] == good.to_str().unwrap()));
    let err = stderr(&o);
    assert!(
        err.contains("bad.xml: line 1, column 4: input ends inside <a>"),
        "{err}"
    );
    assert!(err.contains("/nonexistent/x.xml: "), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standalone_form_and_stream_header_inputs() {
    let form = b"<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field><field var='support-addresses' type='list-multi'><value>https://example.org/help</value></field></x>";
    let o = xep(&["inspect"], form);
    let found = json_lines(&o);
    assert_eq!(found[0]["path"], "/x");
    assert_eq!(
        found[0]["addresses"]["support"][0],
        "https://example.org/help"
    );
    assert_wire_round_trip(&["inspect"], form);

    let mut stream = b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>".to_vec();
    stream.extend_from_slice(
        b"<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>",
    );
    stream.extend_from_slice(form);
    stream.extend_from_slice(b"</query></iq>");
    let o = xep(&["inspect"], &stream);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json_lines(&o)[0]["path"], "/iq/query");
    assert_wire_round_trip(&["inspect"], &stream);
}

#[test]
fn broken_form_of_ours_is_reported_not_fatal() {
    // A form with two FORM_TYPE fields is not a valid XEP-0004 form.
    let input = b"<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field></x></query>";
    let o = xep(&["inspect", "--strict"], input);
    assert_eq!(o.status.code(), Some(1));
    let found = json_lines(&o);
    assert_eq!(found[0]["kind"], "contact-addresses");
    assert_eq!(
        found[0]["error"],
        "http://jabber.org/network/serverinfo form is not a valid XEP-0004 form: More than one FORM_TYPE in a data form."
    );
    assert_wire_round_trip(&["inspect"], input);
}

#[test]
fn command_line_errors() {
    for (args, expected) in [
        (
            vec!["frobnicate"],
            "xep: unrecognized subcommand 'frobnicate'\n  see 'xep --help'\n",
        ),
        (
            vec!["inspect", "--emit", "yaml"],
            "xep: invalid value 'yaml' for '--emit <FORMAT>' [possible values: json, wire]\n  see 'xep inspect --help'\n",
        ),
        (
            vec!["inspect", "--emit"],
            "xep: a value is required for '--emit <FORMAT>' but none was supplied [possible values: json, wire]\n  see 'xep inspect --help'\n",
        ),
        (
            vec!["inspect", "--bogus"],
            "xep: unexpected argument '--bogus' found\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n",
        ),
    ] {
        let o = xep(&args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&o), expected, "{args:?}");
        assert!(stdout(&o).is_empty());
    }
    // No command at all: the newcomer gets the whole help, and exit 2.
    let o = xep(&[], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Commands:"), "{}", stderr(&o));
    let help = xep(&["inspect", "--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Usage: xep inspect [OPTIONS] [FILE]..."));
}

#[test]
fn merged_and_broken_forms_keep_their_report_through_wire() {
    let hidden = "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>";
    let input = format!(
        "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>\
         <x xmlns='jabber:x:data' type='result'>{hidden}<field var='admin-addresses'><value>xmpp:a@example.org</value></field></x>\
         <feature var='urn:xmpp:serverinfo:0'/>\
         <x xmlns='jabber:x:data' type='result'>{hidden}<field var='admin-addresses'><value>xmpp:b@example.org</value></field></x>\
         <x xmlns='jabber:x:data' type='result'>{hidden}{hidden}</x>\
         </query></iq>"
    );
    let o = xep(&["inspect"], input.as_bytes());
    let all = json_lines(&o);
    assert_eq!(all.len(), 4, "{}", stdout(&o));
    // Both kinds of the FORM_TYPE report the broken form.
    assert_eq!(
        of_kind(&all, "serverinfo-discovery")[1]["error"],
        all[2]["error"]
    );
    let found = of_kind(&all, "contact-addresses");
    // In the order of the forms: the merged pair first, then the broken one.
    let error = found[1]["error"].as_str().unwrap();
    assert!(error.contains("More than one FORM_TYPE"), "{error}");
    assert_eq!(
        found[0]["addresses"]["admin"],
        serde_json::json!(["xmpp:a@example.org", "xmpp:b@example.org"])
    );
    assert!(found.iter().all(|f| f["path"] == "/iq/query"));
    assert_wire_round_trip(&["inspect"], input.as_bytes());
}

#[test]
fn serverinfo_connection_types_as_written() {
    // The JSON shows each `type` as it is written back: a known value, `both` as
    // `bidi`, an unknown value as sent, and null for an untyped connection.
    let input = "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'><federation>\
         <remote-domain name='p.example'><connection type='both'/><connection type='sideways'/><connection/></remote-domain>\
         </federation></domain></serverinfo>";
    let o = xep(&["inspect"], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    assert_eq!(
        found[0]["domains"][0]["remote_domains"][0]["connections"],
        serde_json::json!(["bidi", "sideways", null])
    );
}

#[test]
fn serverinfo_items_from_real_publishers() {
    let ns = "xmlns='urn:xmpp:serverinfo:0'";
    // An ejabberd-style event (incoming + outgoing, name=''), a Prosody-style item
    // with its user count, and Openfire's pre-draft layout, in one capture.
    let input = format!(
        "<message from='pubsub.a.example' to='crawler@b.example'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='serverinfo'><item id='current'>\
         <serverinfo {ns}><domain name='a.example'><federation><remote-domain name='p.example'><connection type='incoming'/><connection type='outgoing'/></remote-domain><remote-domain name=''><connection type='incoming'/></remote-domain></federation></domain></serverinfo>\
         </item></items></event></message>\
         <serverinfo {ns}><domain name='prosody.example'><federation><remote-domain/></federation><users xmlns='xmpp:prosody.im/protocol/serverinfo'><active>3</active></users></domain></serverinfo>\
         <serverinfo {ns}><domain>openfire.example</domain><federation><connection type='both'><domain>a.example</domain></connection></federation></serverinfo>"
    );
    let o = xep(&["inspect"], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    assert_eq!(found.len(), 3, "{}", stdout(&o));
    assert!(found.iter().all(|f| f["kind"] == "serverinfo"));
    assert_eq!(found[0]["path"], "/message/event/items/item/serverinfo");
    let remotes = &found[0]["domains"][0]["remote_domains"];
    assert_eq!(
        remotes[0]["connections"],
        serde_json::json!(["incoming", "outgoing"])
    );
    assert_eq!(remotes[1]["name"], Value::Null);
    assert_eq!(
        found[1]["domains"][0]["extensions"][0],
        "{xmpp:prosody.im/protocol/serverinfo}users"
    );
    assert_eq!(found[2]["domains"][0]["name"], "openfire.example");
    assert_eq!(
        found[2]["domains"][0]["remote_domains"][0]["connections"][0],
        "bidi"
    );
    // --strict names each deviation with its place.
    let strict = xep(&["inspect", "--strict"], input.as_bytes());
    assert_eq!(strict.status.code(), Some(1));
    let err = stderr(&strict);
    assert!(
        err.contains("/serverinfo[1]/domain[1]/federation[1]/remote-domain[2]/@name: empty name"),
        "{err}"
    );
    assert!(err.contains("pre-draft layout"), "{err}");
    assert_wire_round_trip(&["inspect"], input.as_bytes());
    // The wire form is the current layout, with `bidi` and no empty name.
    let wire = stdout(&xep(&["inspect", "--emit", "wire"], input.as_bytes()));
    assert!(
        !wire.contains("name=''") && !wire.contains("both"),
        "{wire}"
    );
    assert!(wire.contains("<domain name='openfire.example'>"), "{wire}");
}

#[test]
fn broken_serverinfo_is_reported_not_fatal() {
    let input = "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a'><federation><remote-domain><connection type='incoming'><x/></connection></remote-domain></federation></domain></serverinfo>";
    let o = xep(&["inspect"], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let found = json_lines(&o);
    // The lenient reading keeps the domain and the peer and leaves the broken
    // connection out ...
    assert_eq!(found[0]["domains"][0]["name"], "a");
    assert_eq!(
        found[0]["domains"][0]["remote_domains"][0]["connections"],
        serde_json::json!([])
    );
    // ... which --strict reports with its path and the reason.
    let strict = xep(&["inspect", "--strict"], input.as_bytes());
    assert_eq!(strict.status.code(), Some(1));
    let err = stderr(&strict);
    assert!(
        err.contains("/serverinfo[1]/domain[1]/federation[1]/remote-domain[1]/connection[1]: connection left out: Unknown child in Connection element. [dropped]"),
        "{err}"
    );
}

#[test]
fn feature_without_form_reports_the_fallback() {
    // Openfire and Tigase: the feature, no XEP-0485 form.
    let input = "<iq type='result' from='openfire.example'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/><feature var='urn:xmpp:serverinfo:0'/></query></iq>";
    let o = xep(&["inspect"], input.as_bytes());
    let found = json_lines(&o);
    assert_eq!(found.len(), 1, "{}", stdout(&o));
    assert_eq!(found[0]["kind"], "serverinfo-discovery");
    assert_eq!(found[0]["plan"]["action"], "find-pubsub-service");
    assert_eq!(found[0]["plan"]["node"], "serverinfo");
    assert_wire_round_trip(&["inspect"], input.as_bytes());
    // Without the feature there is nothing to say.
    let o = xep(
        &["inspect"],
        b"<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/></query>",
    );
    assert!(json_lines(&o).is_empty());
}

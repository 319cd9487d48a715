//! `xep inspect` on XEP-0309 stanzas, `xep vcard lint` and `xep directory export`.

mod common;

use common::{json_lines, stderr, stdout, xep};

const SPEC_FLOW: &str = "\
<iq type='result' from='xmpp.net' to='jabber.org' id='xh1f37n5'>\
  <query xmlns='http://jabber.org/protocol/disco#info'>\
    <identity category='directory' type='server'/>\
    <feature var='urn:xmpp:server-presence'/></query></iq>\n\
<iq from='jabber.org' id='server-buddy-1' to='stpeter@jabber.org/squire' type='result'>\
  <command xmlns='http://jabber.org/protocol/commands' node='http://jabber.org/protocol/admin#server-buddy' \
    sessionid='server-buddy:20120109T0310Z' status='executing'>\
    <x xmlns='jabber:x:data' type='form'><title>Adding a Server Buddy</title>\
      <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value></field>\
      <field label='The server to add' type='jid-single' var='peerjid'><required/></field></x></command></iq>\n\
<iq from='jabber.org' id='lw71bs73' to='xmpp.net' type='result'>\
  <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>jabber.org IM service</text></fn>\
  <adr><country>US</country></adr><kind><text>application</text></kind></vcard></iq>\n";

#[test]
fn inspect_recognises_the_three_kinds() {
    let out = xep(&["inspect"], SPEC_FLOW.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "directory-discovery",
            "server-buddy-command",
            "server-vcard"
        ]
    );
    assert_eq!(lines[0]["role"], "directory");
    assert_eq!(lines[1]["step"], "form");
    assert_eq!(lines[1]["sessionid"], "server-buddy:20120109T0310Z");
    assert_eq!(lines[1]["status"], "executing");
    assert_eq!(lines[1]["form_fields"][1]["var"], "peerjid");
    assert_eq!(lines[1]["form_fields"][1]["required"], true);
    assert_eq!(lines[2]["name"], "jabber.org IM service");
    assert_eq!(lines[2]["country"], "US");
    assert_eq!(
        lines[2]["missing_recommended"],
        serde_json::json!(["url", "email", "impp"])
    );
    // Written back, the same report.
    let wire = xep(&["inspect", "--emit", "wire"], SPEC_FLOW.as_bytes());
    let again = xep(&["inspect"], &wire.stdout);
    assert_eq!(json_lines(&again), lines);
}

#[test]
fn strict_inspect_reports_the_swapped_identity_and_metronome_cards() {
    let input = "<query xmlns='http://jabber.org/protocol/disco#info'>\
        <identity category='server' type='directory' name='Prosody'/></query>\n\
        <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><ca><name>StartSSL</name></ca></vcard>";
    let out = xep(&["inspect", "--strict"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("directory-discovery: /query[1]/identity[1]: identity category='server' type='directory' is swapped"), "{err}");
    assert!(
        err.contains("server-vcard: /vcard[1]/ca[1]: <ca/> in the vCard namespace"),
        "{err}"
    );
    let wire = stdout(&xep(&["inspect", "--emit", "wire"], input.as_bytes()));
    assert!(
        wire.contains("<ca xmlns='urn:xmpp:vcard:ca:0'><name>StartSSL</name></ca>"),
        "{wire}"
    );
}

#[test]
fn vcard_lint_exit_status_follows_the_recommended_fields() {
    let dir = std::env::temp_dir().join(format!("xep-vcard-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let full = dir.join("full.xml");
    std::fs::write(
        &full,
        "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>A</text></fn>\
         <url><uri>https://a.example/</uri></url><adr><country>DE</country></adr>\
         <email><text>admin@a.example</text></email><impp><uri>xmpp:a.example</uri></impp>\
         <kind><text>application</text></kind></vcard>",
    )
    .unwrap();
    let out = xep(&["vcard", "lint", full.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("missing optional: logo"));
    assert!(!stdout(&out).contains("missing recommended"));

    let metronome = "<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>b.example</text></fn>\
        <email><uri>admin@b.example</uri></email></vcard>";
    let out = xep(&["vcard", "lint", "-"], metronome.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("-: card 1 \"b.example\"\n  missing recommended: url\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  deviation: /vcard[1]/email[1]/uri[1]: <email/> takes <text/>, found <uri/>"
        ),
        "{text}"
    );

    let out = xep(&["vcard", "lint"], b"<presence/>");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "xep: -: no vCard4 server card found\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn directory_export_folds_items_and_retractions() {
    let input = "<message from='xmpp.net' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
        <items node='urn:xmpp:contacts'><item id='a.example'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
        <fn><text>A</text></fn></vcard></item><item id='b.example'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
        <fn><text>B</text></fn><registration xmlns='urn:xmpp:vcard:registration:1'><uri>https://b.example/r</uri></registration>\
        </vcard></item></items></event></message>\n\
        <message from='xmpp.net' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>\
        <items node='urn:xmpp:contacts'><retract id='a.example'/></items></event></message>";
    let out = xep(&["directory", "export"], input.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let listing: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        listing,
        serde_json::json!({"servers": [{"domain": "b.example", "name": "B", "registration": "https://b.example/r"}]})
    );
    let schema = xep(&["directory", "schema"], b"");
    let schema: serde_json::Value = serde_json::from_str(&stdout(&schema)).unwrap();
    assert_eq!(schema["title"], "Listing");
    let out = xep(&["directory", "export"], b"<a>");
    assert_eq!(out.status.code(), Some(2));
}

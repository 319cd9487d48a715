//! The server-buddy command: the real forms of INTEROP rows 12 and 13, the error
//! conditions of XEP-0050, and what cannot be read.

use minidom::Element;
use xep_service_directory::command::{
    Action, Command, CommandError, Note, NoteType, ServerBuddy, ServerBuddyForm,
};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

fn parse(xml: &str) -> Element {
    xml.parse().unwrap()
}

const CMD: &str = "xmlns='http://jabber.org/protocol/commands' node='http://jabber.org/protocol/admin#server-buddy'";

#[test]
fn metronome_form_without_required_is_read_with_a_note() {
    let xml = format!(
        "<command {CMD} sessionid='m1' status='executing'>\
         <x xmlns='jabber:x:data' type='form'><title>Subscribing to a peer server</title>\
         <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value></field>\
         <field type='jid-single' var='peerjid' label='The peer server'/></x></command>"
    );
    let reading = ServerBuddy::read(&parse(&xml)).unwrap();
    assert_eq!(reading.deviations[0].code, "peerjid-not-required");
    assert!(reading.is_strict_ok());
    let ServerBuddy::Form { sessionid, form } = &reading.value else {
        panic!("{:?}", reading.value)
    };
    assert_eq!(sessionid, "m1");
    assert_eq!(
        form,
        &ServerBuddyForm {
            title: Some("Subscribing to a peer server".into()),
            instructions: None,
            label: Some("The peer server".into()),
            required: false,
        }
    );
    let again = ServerBuddy::read(&Element::from(reading.value.to_command())).unwrap();
    assert_eq!(again.value, reading.value);
}

#[test]
fn prosody_canceled_action_is_a_cancel() {
    let reading = ServerBuddy::read(&parse(&format!(
        "<command {CMD} sessionid='p' action='canceled'/>"
    )))
    .unwrap();
    assert_eq!(
        reading.value,
        ServerBuddy::Cancel {
            sessionid: "p".into()
        }
    );
    assert_eq!(reading.deviations[0].code, "canceled-action");
    let written = String::from(&Element::from(reading.value.to_command()));
    assert!(written.contains("action='cancel'"), "{written}");
}

#[test]
fn submissions_need_a_usable_peer() {
    let submit = |fields: &str| {
        format!(
            "<iq xmlns='jabber:client' type='set' id='s'><command {CMD} sessionid='s'>\
             <x xmlns='jabber:x:data' type='submit'>{fields}</x></command></iq>"
        )
    };
    let err = ServerBuddy::read(&parse(&submit(""))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid server-buddy submission: no peerjid field"
    );
    let err = ServerBuddy::read(&parse(&submit(
        "<field var='peerjid'><value>a@@b</value></field>",
    )))
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid server-buddy submission: peerjid \"a@@b\" is not a JID"),
        "{err}"
    );
    let reading = ServerBuddy::read(&parse(&submit(
        "<field var='peerjid'><value> admin@peer.example/x </value></field>",
    )))
    .unwrap();
    let codes: Vec<_> = reading
        .deviations
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    assert_eq!(codes, ["missing-form-type", "peer-not-domain"]);
    assert_eq!(
        reading.deviations[1].path.as_str(),
        "/command[1]/x[1]/field[@var='peerjid']"
    );
    let ServerBuddy::Submit { peer, .. } = reading.value else {
        panic!()
    };
    assert_eq!(peer.as_str(), "peer.example");
    let err = ServerBuddy::read(&parse(
        "<command xmlns='http://jabber.org/protocol/commands' node='http://metronome.im/protocol/admin#server-buddy-pending'/>",
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid server-buddy command: node \"http://metronome.im/protocol/admin#server-buddy-pending\" is not http://jabber.org/protocol/admin#server-buddy"
    );
}

#[test]
fn the_envelope_keeps_notes_actions_and_foreign_payloads() {
    let xml = format!(
        "<command {CMD} sessionid='x' status='completed' bogus='1'>\
         <actions execute='complete'><prev/><complete/></actions>\
         <note type='warn'>peer already subscribed</note><note type='loud'>?</note>\
         <foo xmlns='urn:example'/></command>"
    );
    let reading = Command::read(&parse(&xml)).unwrap();
    let c = &reading.value;
    assert_eq!(c.actions.as_ref().unwrap().execute, Some(Action::Complete));
    assert!(c.actions.as_ref().unwrap().prev && !c.actions.as_ref().unwrap().next);
    assert_eq!(
        c.notes,
        [Note {
            type_: Some(NoteType::Warn),
            text: "peer already subscribed".into()
        }]
    );
    assert_eq!(c.payloads.len(), 1);
    assert_eq!(reading.deviations.len(), 1);
    assert_eq!(reading.deviations[0].path.as_str(), "/command[1]/note[2]");
    let back = Command::try_from(Element::from(c.clone())).unwrap();
    assert_eq!(&back, c);
    let step = ServerBuddy::from_command(reading).unwrap().value;
    assert!(matches!(step, ServerBuddy::Completed { ref notes, .. } if notes.len() == 1));
    // In an IQ result, as a service sends it.
    let iq = Iq::from_result("server-buddy-2", Some(step.to_command()));
    assert_eq!(ServerBuddy::read(&Element::from(iq)).unwrap().value, step);
}

#[test]
fn error_conditions_follow_the_xep_0050_table() {
    let cases = [
        (
            CommandError::MalformedAction,
            ErrorType::Modify,
            DefinedCondition::BadRequest,
        ),
        (
            CommandError::BadAction,
            ErrorType::Modify,
            DefinedCondition::BadRequest,
        ),
        (
            CommandError::BadLocale,
            ErrorType::Modify,
            DefinedCondition::BadRequest,
        ),
        (
            CommandError::BadPayload,
            ErrorType::Modify,
            DefinedCondition::BadRequest,
        ),
        (
            CommandError::BadSessionId,
            ErrorType::Modify,
            DefinedCondition::BadRequest,
        ),
        (
            CommandError::SessionExpired,
            ErrorType::Cancel,
            DefinedCondition::NotAllowed,
        ),
        (
            CommandError::Forbidden,
            ErrorType::Cancel,
            DefinedCondition::Forbidden,
        ),
        (
            CommandError::ItemNotFound,
            ErrorType::Cancel,
            DefinedCondition::ItemNotFound,
        ),
    ];
    for (condition, type_, defined) in cases {
        let error = condition.to_stanza_error();
        assert_eq!(
            (error.type_.clone(), error.defined_condition.clone()),
            (type_, defined)
        );
        let back = StanzaError::try_from(Element::from(error.clone())).unwrap();
        assert_eq!(CommandError::from_stanza_error(&back), Some(condition));
    }
    assert_eq!(
        String::from(&Element::from(CommandError::BadSessionId.to_stanza_error())),
        "<error xmlns='jabber:client' type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <bad-sessionid xmlns='http://jabber.org/protocol/commands'/></error>"
    );
}

#[test]
fn steps_without_what_they_need_are_errors() {
    let err =
        ServerBuddy::read(&parse(&format!("<command {CMD} status='executing'/>"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid server-buddy command: status executing without a form"
    );
    let err = ServerBuddy::read(&parse(&format!("<command {CMD} action='next'/>"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid server-buddy command: action next without a submitted form"
    );
    let err = Command::read(&parse(
        "<command xmlns='http://jabber.org/protocol/commands'/>",
    ))
    .unwrap_err();
    assert_eq!(err.to_string(), "invalid ad-hoc command: no node attribute");
    let reading =
        ServerBuddy::read(&parse(&format!("<command {CMD} status='completed'/>"))).unwrap();
    assert_eq!(reading.deviations[0].code, "missing-sessionid");
    assert!(
        ServerBuddy::read_strict(&parse(&format!("<command {CMD} status='completed'/>"))).is_err()
    );
}

#[test]
fn an_empty_session_id_is_a_must_deviation() {
    let reading = ServerBuddy::read(&parse(&format!(
        "<command {CMD} sessionid='' action='cancel'/>"
    )))
    .unwrap();
    assert_eq!(reading.deviations[0].code, "empty-sessionid");
    assert_eq!(
        reading.deviations[0].path.as_str(),
        "/command[1]/@sessionid"
    );
}

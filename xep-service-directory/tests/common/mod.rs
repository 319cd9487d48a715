//! Readable transcripts of what the machines send.

#![allow(dead_code, unreachable_pub)]

use minidom::Element;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::presence::Presence;

pub fn t(s: &str) -> xep_core::time::Time {
    s.parse().unwrap()
}

pub fn parse(xml: &str) -> Element {
    xml.parse().unwrap()
}

/// One line per stanza: `presence subscribed -> jabber.org`,
/// `iq get sd1 disco#info -> jabber.org`, `iq set sd4 publish urn:xmpp:contacts/jabber.org`.
pub fn describe_presence(p: &Presence) -> String {
    let to = p.to.as_ref().map(ToString::to_string).unwrap_or_default();
    format!(
        "presence {} -> {to}",
        format!("{:?}", p.type_).to_lowercase()
    )
}

pub fn describe_iq(iq: &Iq) -> String {
    let to = iq.to().map(ToString::to_string).unwrap_or_default();
    let id = iq.id();
    let what = |e: &Element| -> String {
        match (e.name(), e.ns().as_str()) {
            ("query", "http://jabber.org/protocol/disco#info") => "disco#info".into(),
            ("query", "jabber:iq:version") => "version".into(),
            ("vcard", _) => "vcard".into(),
            ("command", _) => {
                let mut s = format!("command {}", e.attr("node").unwrap_or(""));
                for a in ["action", "status", "sessionid"] {
                    if let Some(v) = e.attr(a) {
                        s.push_str(&format!(" {a}={v}"));
                    }
                }
                s
            }
            ("pubsub", _) => {
                let op = e.children().next().unwrap();
                let items: Vec<_> = op.children().filter_map(|i| i.attr("id")).collect();
                format!(
                    "{} {}/{}",
                    op.name(),
                    op.attr("node").unwrap_or(""),
                    items.join(",")
                )
            }
            (name, ns) => format!("{{{ns}}}{name}"),
        }
    };
    match iq {
        Iq::Get { payload, .. } => format!("iq get {id} {} -> {to}", what(payload)),
        Iq::Set { payload, .. } => format!("iq set {id} {} -> {to}", what(payload)),
        Iq::Result { payload, .. } => format!(
            "iq result {id} {} -> {to}",
            payload.as_ref().map(what).unwrap_or_else(|| "empty".into())
        ),
        Iq::Error { error, .. } => format!("iq error {id} {:?} -> {to}", error.defined_condition),
    }
}

//! What the XEP-0310 machine targets share: hostile `<presence/>` stanzas built from
//! structured bytes (odd or missing `from`/`to`, every presence type, annotations with
//! unknown conditions, several conditions, several annotations, annotations in a wrong
//! namespace or without `from`, descriptions in odd languages, extensions, raw text),
//! parsed the way a server or client would parse them, and a clock that may go
//! backwards or jump to the ends of time.

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use minidom::Element;
use xep_core::time::{self, Time};
use xmpp_parsers::presence::Presence;

/// Escapes text for an attribute value or character data.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            // As character references, so that the value keeps them (a parser
            // normalises literal line ends, and white space in attribute values).
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// A short string from the input (at most 64 bytes of it).
fn short<'a>(u: &mut Unstructured<'a>) -> Result<&'a str> {
    let len = u.int_in_range(0usize..=64)?;
    let bytes = u.bytes(len.min(u.len()))?;
    Ok(std::str::from_utf8(bytes).unwrap_or("\u{fffd}"))
}

/// An attribute value: one of `choices`, or text from the input.
fn value(u: &mut Unstructured<'_>, choices: &[&str]) -> Result<String> {
    let i = u.choose_index(choices.len() + 1)?;
    Ok(match choices.get(i) {
        Some(c) => (*c).to_owned(),
        None => escape(short(u)?),
    })
}

/// One `<state-annotation/>`, well formed or not; `annotators` are the likely `from`s.
fn annotation(u: &mut Unstructured<'_>, annotators: &[&str]) -> Result<String> {
    let ns = if u.ratio(1u8, 8)? {
        // A wrong namespace: not an annotation at all.
        *u.choose(&["urn:xmpp:psa:0", "jabber:client", "urn:xmpp:PSA", ""])?
    } else {
        "urn:xmpp:psa"
    };
    let mut xml = format!("<state-annotation xmlns='{ns}'");
    if !u.ratio(1u8, 8)? {
        xml.push_str(&format!(" from='{}'", value(u, annotators)?));
    }
    if u.ratio(1u8, 16)? {
        xml.push_str(" extra='1'");
    }
    xml.push('>');
    for _ in 0..u.int_in_range(0u8..=3)? {
        let child = match u.int_in_range(0u8..=9)? {
            0..=2 => "<server-unavailable/>".to_owned(),
            3 | 4 => "<connection-paused/>".to_owned(),
            5 => "<server-gone-fishing/>".to_owned(),
            6 => "<server-unavailable xmlns='urn:example:other'/>".to_owned(),
            7 => {
                let lang =
                    u.choose(&["", " xml:lang='en'", " xml:lang='de'", " xml:lang='x y'"])?;
                format!("<description{lang}>{}</description>", escape(short(u)?))
            }
            8 => format!("<description><b>{}</b></description>", escape(short(u)?)),
            _ => escape(short(u)?),
        };
        xml.push_str(&child);
    }
    xml.push_str("</state-annotation>");
    Ok(xml)
}

/// A `<presence/>` from the input, or `None` when what it built is not a presence
/// xmpp-parsers accepts (a server would not route it). `senders` are the likely
/// `from`s, `annotators` the likely annotation `from`s.
pub fn presence(
    u: &mut Unstructured<'_>,
    senders: &[&str],
    annotators: &[&str],
) -> Result<Option<Presence>> {
    let mut xml = String::from("<presence xmlns='jabber:client'");
    if !u.ratio(1u8, 16)? {
        xml.push_str(&format!(" from='{}'", value(u, senders)?));
    }
    if u.ratio(1u8, 4)? {
        xml.push_str(&format!(" to='{}'", value(u, senders)?));
    }
    let type_ = match u.int_in_range(0u8..=15)? {
        0 => " type='unavailable'",
        1 => " type='error'",
        2 => " type='subscribe'",
        3 => " type='probe'",
        4 => " type='unsubscribed'",
        5 => " type='bogus'",
        _ => "",
    };
    xml.push_str(type_);
    if u.ratio(1u8, 4)? {
        xml.push_str(&format!(" id='{}'", escape(short(u)?)));
    }
    xml.push('>');
    for _ in 0..u.int_in_range(0u8..=4)? {
        let child = match u.int_in_range(0u8..=11)? {
            0 => format!("<status>{}</status>", escape(short(u)?)),
            1 => "<status xml:lang='de'>weg</status>".to_owned(),
            2 => format!("<show>{}</show>", u.choose(&["away", "dnd", "xa", "chat", "bogus"])?),
            3 => format!("<priority>{}</priority>", u.choose(&["5", "-128", "127", "99999999999"])?),
            4..=7 => annotation(u, annotators)?,
            8 => "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>".to_owned(),
            9 => "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>".to_owned(),
            10 => "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>".to_owned(),
            _ => short(u)?.to_owned(),
        };
        xml.push_str(&child);
    }
    xml.push_str("</presence>");
    let Ok(element) = xml.parse::<Element>() else {
        return Ok(None);
    };
    Ok(Presence::try_from(element).ok())
}

/// The clock: mostly forwards by seconds to hours, sometimes backwards, sometimes to
/// the ends of time.
pub fn tick(u: &mut Unstructured<'_>, now: Time) -> Result<Time> {
    Ok(match u.int_in_range(0u8..=31)? {
        0 => Time::MIN_UTC,
        1 => Time::MAX_UTC,
        2 => start(),
        3..=6 => time::sub(now, chrono::TimeDelta::seconds(u.int_in_range(1..=86_400)?)),
        _ => time::add(now, chrono::TimeDelta::seconds(u.int_in_range(0..=7_200)?)),
    })
}

/// Where the clock starts.
pub fn start() -> Time {
    // 2026-11-30T10:00:00Z
    chrono::DateTime::from_timestamp(1_796_032_800, 0).expect("in range")
}

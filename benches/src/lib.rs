//! Input generators shared by the criterion benchmarks of the `xep-*` crates.
//!
//! Every input is built in code, deterministically, so that a run on any machine
//! measures the same bytes and the figures in `RESULTS.md` can be reproduced. The
//! benchmarks themselves live in `benches/`; each group measures, in the same run, a
//! baseline of parsing the same bytes with `minidom` alone, so that the figures are
//! read as ratios rather than absolute times.
//!
//! ```
//! let info = xep_benches::disco_info_result();
//! assert!(info.starts_with("<query xmlns='http://jabber.org/protocol/disco#info'>"));
//! let capture = xep_benches::Capture::new(10);
//! assert_eq!(capture.stanzas().count(), 10);
//! ```

pub mod serverinfo;

use core::ops::Range;
use std::fmt::Write as _;

/// The features a typical server advertises in its disco#info result (15).
pub const SERVER_FEATURES: [&str; 15] = [
    "http://jabber.org/protocol/commands",
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "http://jabber.org/protocol/pubsub",
    "http://jabber.org/protocol/pubsub#publish",
    "iq",
    "jabber:iq:last",
    "jabber:iq:private",
    "jabber:iq:register",
    "jabber:iq:roster",
    "jabber:iq:version",
    "msgoffline",
    "urn:xmpp:blocking",
    "urn:xmpp:ping",
    "urn:xmpp:serverinfo:0",
];

/// The seven XEP-0157 address fields, each with the two values the disco#info input
/// of [`disco_info_result`] gives it.
pub const CONTACT_FIELDS: [(&str, [&str; 2]); 7] = [
    (
        "abuse-addresses",
        ["mailto:abuse@example.org", "xmpp:abuse@example.org"],
    ),
    (
        "admin-addresses",
        ["mailto:admin@example.org", "xmpp:admin@example.org"],
    ),
    (
        "feedback-addresses",
        ["https://example.org/feedback", "xmpp:feedback@example.org"],
    ),
    (
        "sales-addresses",
        ["mailto:sales@example.org", "xmpp:sales@example.org"],
    ),
    (
        "security-addresses",
        ["mailto:security@example.org", "xmpp:security@example.org"],
    ),
    (
        "status-addresses",
        ["https://status.example.org/", "xmpp:status@example.org"],
    ),
    (
        "support-addresses",
        ["https://example.org/support", "xmpp:support@example.org"],
    ),
];

/// The XEP-0485 node URI carried, untyped, in the same form as the contact addresses.
pub const SERVERINFO_NODE_URI: &str = "xmpp:pubsub.example.org?;node=serverinfo";

/// A realistic `<query xmlns='http://jabber.org/protocol/disco#info'/>` result of a
/// server, on one line as servers send it: two identities (`server/im` and
/// `pubsub/pep`), the 15 [`SERVER_FEATURES`], and one `jabber:x:data` result form with
/// a hidden FORM_TYPE `http://jabber.org/network/serverinfo`, all seven XEP-0157
/// address fields ([`CONTACT_FIELDS`], `list-multi`, two values each) and an untyped
/// `serverinfo-pubsub-node` field (as ejabberd writes it) holding
/// [`SERVERINFO_NODE_URI`].
pub fn disco_info_result() -> String {
    let mut s = String::from(
        "<query xmlns='http://jabber.org/protocol/disco#info'>\
         <identity category='server' type='im' name='Example Server'/>\
         <identity category='pubsub' type='pep'/>",
    );
    for feature in SERVER_FEATURES {
        write!(s, "<feature var='{feature}'/>").unwrap();
    }
    s.push_str(
        "<x xmlns='jabber:x:data' type='result'>\
         <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>",
    );
    for (var, values) in CONTACT_FIELDS {
        write!(s, "<field var='{var}' type='list-multi'>").unwrap();
        for value in values {
            write!(s, "<value>{value}</value>").unwrap();
        }
        s.push_str("</field>");
    }
    write!(
        s,
        "<field var='serverinfo-pubsub-node'><value>{SERVERINFO_NODE_URI}</value></field></x></query>"
    )
    .unwrap();
    s
}

/// A capture of client stanzas, one per line, as an XML console or a log shows them,
/// each carrying `xmlns='jabber:client'` so that it also parses on its own.
///
/// The stanzas cycle through eight shapes of different sizes: bare and rich presence
/// (caps, avatar hash, status), chat messages with escaped text, a disco#info get, a
/// ping, roster results of 1 to 12 items and pubsub event notifications. The whole
/// text and the byte range of each stanza are kept, so a benchmark can parse the same
/// bytes either in one go or stanza by stanza.
#[derive(Debug, Clone)]
pub struct Capture {
    text: String,
    spans: Vec<Range<usize>>,
}

impl Capture {
    /// A capture of `count` stanzas.
    pub fn new(count: usize) -> Self {
        let mut text = String::new();
        let mut spans = Vec::with_capacity(count);
        for i in 0..count {
            let start = text.len();
            write_stanza(&mut text, i);
            spans.push(start..text.len());
            text.push('\n');
        }
        Self { text, spans }
    }

    /// The whole capture.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Each stanza, as a slice of [`text`](Self::text) (the newlines between stanzas
    /// are the only bytes not covered).
    pub fn stanzas(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|r| &self.text[r.clone()])
    }

    /// Number of stanzas.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the capture holds no stanza.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Appends stanza number `i` of a capture.
fn write_stanza(out: &mut String, i: usize) {
    let peer = format!("user{}@example.net", i % 97);
    let w = &mut *out;
    match i % 8 {
        0 => write!(
            w,
            "<presence xmlns='jabber:client' from='{peer}/phone' to='me@example.org/laptop'/>"
        ),
        1 => write!(
            w,
            "<presence xmlns='jabber:client' from='{peer}/desktop' to='me@example.org/laptop'>\
             <show>away</show><status>In a meeting until {h}:00</status><priority>{p}</priority>\
             <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>\
             <x xmlns='vcard-temp:x:update'><photo>{i:040x}</photo></x></presence>",
            h = 9 + i % 8,
            p = i % 10,
        ),
        2 => write!(
            w,
            "<message xmlns='jabber:client' type='chat' id='m{i}' from='{peer}/phone' to='me@example.org'>\
             <body>Message {i}: fish &amp; chips at 5? Bring the &lt;good&gt; mood.</body>\
             <active xmlns='http://jabber.org/protocol/chatstates'/>\
             <origin-id xmlns='urn:xmpp:sid:0' id='o{i}'/></message>"
        ),
        3 => write!(
            w,
            "<iq xmlns='jabber:client' type='get' id='disco{i}' from='me@example.org/laptop' to='example.net'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        ),
        4 => write!(
            w,
            "<iq xmlns='jabber:client' type='get' id='ping{i}' from='example.org' to='me@example.org/laptop'>\
             <ping xmlns='urn:xmpp:ping'/></iq>"
        ),
        5 => {
            write!(
                w,
                "<iq xmlns='jabber:client' type='result' id='roster{i}' to='me@example.org/laptop'>\
                 <query xmlns='jabber:iq:roster' ver='ver{i}'>"
            )
            .unwrap();
            for k in 0..1 + i % 12 {
                write!(
                    w,
                    "<item jid='contact{k}@example.net' name='Contact {k}' subscription='both'>\
                     <group>Friends</group></item>"
                )
                .unwrap();
            }
            w.push_str("</query></iq>");
            Ok(())
        }
        6 => write!(
            w,
            "<message xmlns='jabber:client' from='pubsub.example.org' to='me@example.org' id='ev{i}'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='serverinfo'>\
             <item id='current'><serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='example.org'>\
             <federation><remote-domain name='example.net'><connection type='incoming'/><connection type='outgoing'/></remote-domain>\
             <remote-domain name='example.com'><connection type='bidi'/></remote-domain></federation>\
             </domain></serverinfo></item></items></event></message>"
        ),
        _ => write!(
            w,
            "<presence xmlns='jabber:client' from='{peer}/tablet' to='me@example.org/laptop' type='unavailable'/>"
        ),
    }
    .unwrap();
}

/// The URIs of the URI group: a node name with a raw `/` (tolerated, written back
/// percent-encoded), a percent-encoded node name with an item, and a XEP-0060 section
/// 12.22 action URI. Each comes with a short name for the benchmark id.
pub const PUBSUB_URIS: [(&str, &str); 3] = [
    (
        "raw_slash",
        "xmpp:pubsub.example.org?;node=serverinfo/example.org",
    ),
    (
        "percent_encoded",
        "xmpp:pubsub.example.org?;node=urn%3Axmpp%3Aserverinfo%3A0;item=current",
    ),
    (
        "action",
        "xmpp:pubsub.shakespeare.lit?pubsub;action=subscribe;node=princely_musings",
    ),
];

/// The data-form field that carries `uri` on the wire
/// (`<field xmlns='jabber:x:data' var='serverinfo-pubsub-node'><value>URI</value></field>`),
/// the bytes the URI group parses with `minidom` as its baseline. `uri` must not
/// contain `<` or `&` (none of [`PUBSUB_URIS`] does).
pub fn uri_field(uri: &str) -> String {
    format!(
        "<field xmlns='jabber:x:data' var='serverinfo-pubsub-node'><value>{uri}</value></field>"
    )
}

/// The 20 language tags of the language group, in the case a peer might send them.
pub const LANGUAGES: [&str; 20] = [
    "en", "en-US", "en-GB", "de", "de-CH", "fr", "fr-CA", "es", "es-419", "pt-BR", "pt-PT", "it",
    "nl", "pl", "ru", "uk", "ja", "zh-Hans", "zh-Hant", "ar",
];

/// Language preferences for which the third range matches (after truncation):
/// `sv-SE`, `nb` miss, `de-AT` falls back to `de`.
pub const RANGES_THIRD_HITS: [&str; 3] = ["sv-SE", "nb", "de-AT"];

/// Language preferences none of which matches, so the default text is chosen.
pub const RANGES_NONE_HIT: [&str; 3] = ["sv-SE", "fi", "da-DK"];

/// One text per tag of [`LANGUAGES`] (the untagged default text is
/// [`DEFAULT_TEXT`]).
pub fn language_texts() -> Vec<(&'static str, String)> {
    LANGUAGES
        .iter()
        .map(|&tag| (tag, format!("Scheduled maintenance tonight [{tag}]")))
        .collect()
}

/// The untagged text of the language group.
pub const DEFAULT_TEXT: &str = "Scheduled maintenance tonight";

/// The same texts as they travel in XML: a presence with an untagged `<status>` and one
/// `<status xml:lang='..'>` per tag of [`LANGUAGES`] (RFC 6121 section 4.7.2.2), the
/// bytes the language group parses with `minidom` as its baseline.
pub fn language_presence() -> String {
    let mut s = format!(
        "<presence xmlns='jabber:client' from='example.org'><status>{DEFAULT_TEXT}</status>"
    );
    for (tag, text) in language_texts() {
        write!(s, "<status xml:lang='{tag}'>{text}</status>").unwrap();
    }
    s.push_str("</presence>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disco_info_has_the_advertised_shape() {
        let s = disco_info_result();
        assert_eq!(s.matches("<feature ").count(), 15);
        assert_eq!(s.matches("<identity ").count(), 2);
        assert_eq!(s.matches("<field ").count(), 9);
        assert_eq!(s.matches("<value>").count(), 16);
    }

    #[test]
    fn capture_spans_cover_every_stanza() {
        let c = Capture::new(16);
        assert_eq!(c.len(), 16);
        assert!(!c.is_empty());
        for stanza in c.stanzas() {
            assert!(stanza.starts_with('<') && stanza.ends_with('>'), "{stanza}");
            assert!(stanza.contains("xmlns='jabber:client'"));
        }
        let covered: usize = c.stanzas().map(str::len).sum();
        assert_eq!(covered + c.len(), c.text().len());
    }

    #[test]
    fn language_inputs_agree() {
        assert_eq!(language_texts().len(), 20);
        assert_eq!(language_presence().matches("<status").count(), 21);
        assert!(uri_field(PUBSUB_URIS[0].1).contains("serverinfo/example.org"));
    }

    /// The benchmarks measure success paths: every input parses with both parsers to
    /// the same elements, and the disco#info form reads without deviation.
    #[test]
    fn inputs_parse_with_minidom_and_parse_items() {
        use minidom::Element;
        use xep_core::contact::ContactAddresses;
        use xep_core::forms::TypedForm;
        use xep_core::uri::PubSubUri;
        use xep_core::xml::{Limits, parse_items};

        let info = disco_info_result();
        let element: Element = info.parse().unwrap();
        let items = parse_items(info.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(items[0].element, element);
        let info = xmpp_parsers::disco::DiscoInfoResult::try_from(element).unwrap();
        let reading = ContactAddresses::read(&info.extensions);
        assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
        let value = reading.value.unwrap();
        for ((var, values), (expected_var, expected)) in value.by_var().iter().zip(CONTACT_FIELDS) {
            assert_eq!(
                (*var, *values),
                (expected_var, &expected.map(String::from)[..])
            );
        }
        assert_eq!(
            ContactAddresses::unknown_fields(&info.extensions)[0].values,
            [SERVERINFO_NODE_URI]
        );

        let capture = Capture::new(40);
        let items = parse_items(capture.text().as_bytes(), &Limits::default()).unwrap();
        assert_eq!(items.len(), 40);
        for (item, stanza) in items.iter().zip(capture.stanzas()) {
            assert_eq!(item.element, stanza.parse::<Element>().unwrap());
        }

        for (_, uri) in PUBSUB_URIS {
            let field: Element = uri_field(uri).parse().unwrap();
            assert_eq!(
                field.get_child("value", "jabber:x:data").unwrap().text(),
                uri
            );
            PubSubUri::parse(uri).unwrap();
        }
        let presence: Element = language_presence().parse().unwrap();
        assert_eq!(presence.children().count(), 21);
    }
}

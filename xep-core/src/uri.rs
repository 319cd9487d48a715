//! XMPP URIs (RFC 5122) that name a pubsub node, as in XEP-0060 section 12.22:
//! `xmpp:pubsub.example.org?;node=serverinfo`.
//!
//! Reading is lenient where real deployments are not RFC-exact (INTEROP P8): node
//! names with raw `/` or `:` (`node=serverinfo/example.org`,
//! `node=urn:xmpp:serverinfo:0`) are accepted as they are, and a query that forgot the
//! `;` after `?` (`?node=x`) is read as a parameter. Writing is canonical: the
//! query type first, then `action`, `node`, `item` and any other parameters, with
//! every character outside RFC 5122's `iunreserved` percent-encoded.
//!
//! ```
//! use xep_core::uri::PubSubUri;
//! let uri: PubSubUri = "xmpp:pubsub.example.org?;node=serverinfo/example.org".parse()?;
//! assert_eq!(uri.service.as_str(), "pubsub.example.org");
//! assert_eq!(uri.node, "serverinfo/example.org");
//! assert_eq!(uri.to_string(), "xmpp:pubsub.example.org?;node=serverinfo%2Fexample.org");
//! # Ok::<(), xep_core::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};
use core::str::FromStr;

use jid::Jid;

use crate::error::{Error, UriErrorKind};

/// An XMPP URI naming a pubsub node on a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PubSubUri {
    /// The pubsub service (or PEP account) hosting the node.
    pub service: Jid,
    /// The node name, percent-decoded.
    pub node: String,
    /// The query type: empty for XEP-0060's node URIs (`?;node=`), `pubsub` for the
    /// action URIs of section 12.22 (`?pubsub;action=subscribe;node=`).
    pub query_type: String,
    /// The `action` parameter (`subscribe`, `unsubscribe`, `retrieve`), if any.
    pub action: Option<String>,
    /// The `item` parameter, if any.
    pub item: Option<String>,
    /// Any other `key=value` parameters, in the order given.
    pub params: Vec<(String, String)>,
    /// The authority component (`xmpp://account@example.org/...`), if any: the account
    /// a client should use. Kept, not interpreted.
    pub authority: Option<String>,
    /// The fragment after `#`, if any.
    pub fragment: Option<String>,
}

/// Parses a JID and prepares it until preparing it again changes nothing.
///
/// JID preparation (stringprep: case folding, then NFKC) is not idempotent for some
/// characters: U+3250 PARTNERSHIP SIGN folds to itself and normalises to "PTE", so
/// the prepared text, parsed again, is lower-cased once more. A value read from text
/// must read the same after it is written; the prepared form is therefore parsed again
/// (at most three more times) until it is stable.
///
/// ```
/// use xep_core::uri::stable_jid;
/// assert_eq!(jid::Jid::new("a\u{3250}.example").unwrap().as_str(), "aPTE.example");
/// assert_eq!(stable_jid("a\u{3250}.example").unwrap().as_str(), "apte.example");
/// ```
pub fn stable_jid(text: &str) -> Result<Jid, jid::Error> {
    let mut jid = Jid::new(text)?;
    for _ in 0..3 {
        let again = Jid::new(jid.as_str())?;
        if again == jid {
            break;
        }
        jid = again;
    }
    Ok(jid)
}

impl PubSubUri {
    /// A node URI in XEP-0060's form, `xmpp:SERVICE?;node=NODE`.
    pub fn new(service: Jid, node: impl Into<String>) -> Self {
        Self {
            service,
            node: node.into(),
            query_type: String::new(),
            action: None,
            item: None,
            params: Vec::new(),
            authority: None,
            fragment: None,
        }
    }

    /// Parses an XMPP URI that names a pubsub node.
    pub fn parse(uri: &str) -> Result<Self, Error> {
        let fail = |reason| Error::Uri {
            uri: uri.to_owned(),
            reason,
        };
        // Only ASCII white space is noise around a URI; other white space is content
        // (and written percent-encoded).
        let trimmed = uri.trim_matches(|c: char| c.is_ascii_whitespace());
        let rest = trimmed
            .get(..5)
            .filter(|scheme| scheme.eq_ignore_ascii_case("xmpp:"))
            .map(|_| &trimmed[5..])
            .ok_or_else(|| fail(UriErrorKind::NotXmpp))?;
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(decode(f).map_err(fail)?)),
            None => (rest, None),
        };
        let (hier, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = match hier.strip_prefix("//") {
            Some(auth_path) => {
                let (auth, path) = auth_path.split_once('/').unwrap_or((auth_path, ""));
                let auth = decode(auth).map_err(fail)?;
                (Some(auth), path)
            }
            None => (None, hier),
        };
        if path.is_empty() {
            return Err(fail(UriErrorKind::MissingJid));
        }
        let jid = decode(path).map_err(fail)?;
        let service = stable_jid(&jid).map_err(|_| fail(UriErrorKind::InvalidJid))?;

        let mut parts = query.split(';');
        let first = parts.next().unwrap_or("");
        let mut out = Self::new(service, String::new());
        out.authority = authority;
        out.fragment = fragment;
        let mut node = None;
        // Keys seen among `params`: a set, so that n parameters cost O(n), not O(n²).
        let mut seen = alloc::collections::BTreeSet::new();
        // Lenient: "?node=x" (no query type, missing ';') is read as a parameter.
        let pairs = if first.contains('=') {
            core::iter::once(first).chain(parts)
        } else {
            out.query_type = decode(first).map_err(fail)?;
            core::iter::once("").chain(parts)
        };
        for pair in pairs.filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key).map_err(fail)?;
            let value = decode(value).map_err(fail)?;
            let slot = match key.as_str() {
                "node" => &mut node,
                "action" => &mut out.action,
                "item" => &mut out.item,
                _ => {
                    if !seen.insert(key.clone()) {
                        return Err(fail(UriErrorKind::DuplicateParameter));
                    }
                    out.params.push((key, value));
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                return Err(fail(UriErrorKind::DuplicateParameter));
            }
        }
        out.node = node.ok_or_else(|| fail(UriErrorKind::MissingNode))?;
        // The node and item go into attributes (`<items node='...'>`, `<item
        // id='...'/>`), which a parser with rxml's default options reads up to 8,192
        // bytes: a longer one could be written but never read by the other side.
        if core::iter::once(&out.node)
            .chain(&out.item)
            .any(|part| part.len() > crate::xml::MAX_TOKEN)
        {
            return Err(fail(UriErrorKind::TooLong));
        }
        Ok(out)
    }
}

impl FromStr for PubSubUri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl fmt::Display for PubSubUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xmpp:")?;
        if let Some(authority) = &self.authority {
            f.write_str("//")?;
            encode(f, authority, is_authority_char)?;
            f.write_char('/')?;
        }
        encode(f, self.service.as_str(), is_path_char)?;
        f.write_char('?')?;
        encode(f, &self.query_type, is_unreserved)?;
        let fixed = [
            ("action", self.action.as_deref()),
            ("node", Some(self.node.as_str())),
            ("item", self.item.as_deref()),
        ];
        let fixed = fixed.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
        let extra = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        for (key, value) in fixed.chain(extra) {
            f.write_char(';')?;
            encode(f, key, is_unreserved)?;
            f.write_char('=')?;
            encode(f, value, is_unreserved)?;
        }
        if let Some(fragment) = &self.fragment {
            f.write_char('#')?;
            encode(f, fragment, is_path_char)?;
        }
        Ok(())
    }
}

impl serde::Serialize for PubSubUri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PubSubUri {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// RFC 3987 `iunreserved` (ASCII part): ALPHA / DIGIT / "-" / "." / "_" / "~".
/// Non-ASCII characters (`ucschar`) are written as they are: this is an IRI.
fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Characters written unencoded in the JID path: unreserved, sub-delims, `@`, `/`, `:`.
fn is_path_char(c: char) -> bool {
    is_unreserved(c)
        || matches!(
            c,
            '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=' | '@' | '/' | ':'
        )
}

/// The path characters less `/`, which ends the authority.
fn is_authority_char(c: char) -> bool {
    c != '/' && is_path_char(c)
}

/// Writes `s`, keeping the characters `keep` allows and non-ASCII characters (an IRI
/// may hold them raw) except controls and white space, and percent-encoding the rest.
fn encode(f: &mut fmt::Formatter<'_>, s: &str, keep: fn(char) -> bool) -> fmt::Result {
    for c in s.chars() {
        if (!c.is_ascii() && !c.is_control() && !c.is_whitespace()) || keep(c) {
            f.write_char(c)?;
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                write!(f, "%{b:02X}")?;
            }
        }
    }
    Ok(())
}

/// Percent-decodes strictly: every `%` must start a two-digit hex escape and the
/// result must be UTF-8 that XML can carry (no `%00`, no raw control character: a node
/// holding one makes every stanza naming it unwritable).
fn decode(s: &str) -> Result<String, UriErrorKind> {
    let decoded = if s.contains('%') {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|hex| core::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or(UriErrorKind::BadPercentEncoding)?;
                out.push(byte);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).map_err(|_| UriErrorKind::BadPercentEncoding)?
    } else {
        s.to_owned()
    };
    if crate::xml::is_xml_text(&decoded) {
        Ok(decoded)
    } else {
        Err(UriErrorKind::NotXmlCharacter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> PubSubUri {
        PubSubUri::parse(s).unwrap()
    }

    #[test]
    fn xep_0060_examples() {
        let u = parse("xmpp:pubsub.shakespeare.lit?;node=princely_musings");
        assert_eq!(u.service.as_str(), "pubsub.shakespeare.lit");
        assert_eq!(u.node, "princely_musings");
        assert_eq!(u.query_type, "");
        assert_eq!(
            u.to_string(),
            "xmpp:pubsub.shakespeare.lit?;node=princely_musings"
        );

        let u = parse(
            "xmpp:pubsub.shakespeare.lit?;node=princely_musings;item=ae890ac52d0df67ed7cfdf51b644e901",
        );
        assert_eq!(u.item.as_deref(), Some("ae890ac52d0df67ed7cfdf51b644e901"));

        let s = "xmpp:pubsub.shakespeare.lit?pubsub;action=retrieve;node=princely_musings;item=ae890ac52d0df67ed7cfdf51b644e901";
        let u = parse(s);
        assert_eq!(u.query_type, "pubsub");
        assert_eq!(u.action.as_deref(), Some("retrieve"));
        assert_eq!(u.to_string(), s, "already canonical");
    }

    #[test]
    fn raw_slash_and_colon_in_node_are_tolerated() {
        let u = parse("xmpp:pubsub.example.org?;node=serverinfo/example.org");
        assert_eq!(u.node, "serverinfo/example.org");
        let u = parse("xmpp:pubsub.example.org?;node=urn:xmpp:serverinfo:0");
        assert_eq!(u.node, "urn:xmpp:serverinfo:0");
        assert_eq!(
            u.to_string(),
            "xmpp:pubsub.example.org?;node=urn%3Axmpp%3Aserverinfo%3A0"
        );
        assert_eq!(parse(&u.to_string()), u);
    }

    #[test]
    fn percent_decoding_and_canonical_order() {
        let u = parse("XMPP:pubsub.example.org?;item=i;node=a%2Fb%20c;x=1;action=subscribe#frag");
        assert_eq!(u.node, "a/b c");
        assert_eq!(u.params, [("x".to_owned(), "1".to_owned())]);
        assert_eq!(u.fragment.as_deref(), Some("frag"));
        assert_eq!(
            u.to_string(),
            "xmpp:pubsub.example.org?;action=subscribe;node=a%2Fb%20c;item=i;x=1#frag"
        );
    }

    #[test]
    fn missing_semicolon_after_question_mark() {
        let u = parse("xmpp:pubsub.example.org?node=serverinfo");
        assert_eq!(u.node, "serverinfo");
        assert_eq!(u.query_type, "");
    }

    #[test]
    fn pep_service_and_authority() {
        let u =
            parse("xmpp://guest@example.com/romeo@montague.lit?;node=urn%3Axmpp%3Aavatar%3Adata");
        assert_eq!(u.authority.as_deref(), Some("guest@example.com"));
        assert_eq!(u.service.as_str(), "romeo@montague.lit");
        assert_eq!(u.node, "urn:xmpp:avatar:data");
        assert_eq!(parse(&u.to_string()), u);
    }

    #[test]
    fn fuzz_regressions_round_trip() {
        // An authority holding an encoded '/' (found by the uri fuzz target).
        let u = parse("xmpp://a%2Fb/pubsub.example.org?;node=x");
        assert_eq!(u.authority.as_deref(), Some("a/b"));
        assert_eq!(u.to_string(), "xmpp://a%2Fb/pubsub.example.org?;node=x");
        assert_eq!(parse(&u.to_string()), u);
        // Non-ASCII white space at the end of a value.
        let u = parse("xmpp:pubsub.example.org?;node=x%C2%A0#%C2%A0");
        assert_eq!(u.node, "x\u{a0}");
        assert_eq!(u.fragment.as_deref(), Some("\u{a0}"));
        assert_eq!(
            u.to_string(),
            "xmpp:pubsub.example.org?;node=x%C2%A0#%C2%A0"
        );
        assert_eq!(parse(&u.to_string()), u);
        // A domain whose preparation is not idempotent (found by the long fuzz run):
        // U+3250 normalises to "PTE" after case folding, lower-cased only by a second
        // preparation.
        assert_eq!(
            Jid::new("a\u{3250}.example").unwrap().as_str(),
            "aPTE.example"
        );
        let u = parse("xmpp:a%E3%89%90.example?;node=x");
        assert_eq!(u.service.as_str(), "apte.example");
        assert_eq!(parse(&u.to_string()), u);
    }

    /// `%00` decoded into a NUL in the node: an IQ built for that node panicked inside
    /// minidom when written (issue 9). Every part is checked, raw or encoded.
    #[test]
    fn characters_xml_cannot_carry_are_refused() {
        for uri in [
            "xmpp:pubsub.example.org?;node=a%00b",
            "xmpp:pubsub.example.org?;node=%1B",
            "xmpp:pubsub.example.org?;node=%EF%BF%BE",
            "xmpp:pubsub.example.org?;node=a\u{0}b",
            "xmpp:pubsub.example.org?;node=x;extra=%07",
            "xmpp:pubsub.example.org?pub%00sub;node=x",
            "xmpp:pubsub.example.org?;node=x#%00",
            "xmpp://a%00/pubsub.example.org?;node=x",
            "xmpp:pub%00sub.example.org?;node=x",
        ] {
            let err = PubSubUri::parse(uri).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Uri {
                        reason: UriErrorKind::NotXmlCharacter,
                        ..
                    }
                ),
                "{uri:?}: {err}"
            );
        }
        // Tab, line feed and carriage return are characters XML carries.
        assert_eq!(parse("xmpp:pubsub.example.org?;node=a%09b").node, "a\tb");
    }

    /// Duplicate parameters were found by scanning the list for each one: a URI of
    /// 100,000 parameters (600 kB, inside one 1 MiB token) took minutes.
    #[test]
    fn many_parameters_are_read_in_linear_time() {
        let mut uri = String::from("xmpp:pubsub.example.org?;node=x");
        for i in 0..100_000 {
            uri.push_str(&alloc::format!(";k{i}=v"));
        }
        assert_eq!(parse(&uri).params.len(), 100_000);
        uri.push_str(";k7=again");
        assert!(matches!(
            PubSubUri::parse(&uri),
            Err(Error::Uri {
                reason: UriErrorKind::DuplicateParameter,
                ..
            })
        ));
    }

    #[test]
    fn non_ascii_stays_raw() {
        let u = parse("xmpp:pubsub.例え.jp?;node=ニュース");
        assert_eq!(u.node, "ニュース");
        assert_eq!(u.to_string(), "xmpp:pubsub.例え.jp?;node=ニュース");
    }

    #[test]
    fn errors_name_the_uri_and_the_reason() {
        let cases = [
            ("https://pubsub.example.org", "scheme is not xmpp:"),
            ("xmpp:?;node=x", "no JID after the scheme"),
            ("xmpp:@@?;node=x", "the JID part is not a valid JID"),
            ("xmpp:pubsub.example.org?;node=%zz", "bad percent-encoding"),
            ("xmpp:pubsub.example.org?;node=%C3", "bad percent-encoding"),
            ("xmpp:pubsub.example.org", "no node parameter"),
            (
                "xmpp:pubsub.example.org?;node=a;node=b",
                "a query parameter appears twice",
            ),
            (
                "xmpp:pubsub.example.org?;node=a;k=1;k=2",
                "a query parameter appears twice",
            ),
        ];
        for (input, reason) in cases {
            let err = PubSubUri::parse(input).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("invalid XMPP URI {input:?}: {reason}")
            );
        }
    }

    /// A node or item longer than a stanza's attribute can carry (8,192 bytes for a
    /// parser with default options) is refused, and the message quotes only the start
    /// of a long URI (it echoed all of it: issue 9, item 7).
    #[test]
    fn long_nodes_are_refused_and_long_uris_cut_in_messages() {
        let node = "n".repeat(crate::xml::MAX_TOKEN);
        let ok = PubSubUri::parse(&format!("xmpp:pubsub.example.org?;node={node}")).unwrap();
        assert_eq!(ok.node.len(), 8192);
        for uri in [
            format!("xmpp:pubsub.example.org?;node={node}n"),
            format!("xmpp:pubsub.example.org?;node=x;item={node}%6E"),
        ] {
            let err = PubSubUri::parse(&uri).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid XMPP URI \"xmpp:pubsub.example.org?;node="),
                "{err}"
            );
            assert!(
                err.ends_with(
                    " more characters): the node or item is over 8192 bytes, more than a stanza can carry"
                ),
                "{err}"
            );
            assert!(err.len() < 200, "{}", err.len());
        }
    }

    #[test]
    fn serde_as_string() {
        let u = parse("xmpp:pubsub.example.org?;node=serverinfo");
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, "\"xmpp:pubsub.example.org?;node=serverinfo\"");
        assert_eq!(serde_json::from_str::<PubSubUri>(&json).unwrap(), u);
        assert!(serde_json::from_str::<PubSubUri>("\"mailto:x@y\"").is_err());
    }

    fn node_name() -> impl Strategy<Value = String> {
        // Printable text with the characters that need care: / : ; = ? # % & space, non-ASCII.
        "[a-zA-Z0-9/:;=?#%& ._~é中-]{1,24}"
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(
            domain in "[a-z]{1,10}\\.[a-z]{2,5}",
            node in node_name(),
            item in proptest::option::of(node_name()),
            action in proptest::option::of("(subscribe|unsubscribe|retrieve)"),
        ) {
            let mut u = PubSubUri::new(Jid::new(&domain).unwrap(), node);
            u.item = item;
            if let Some(action) = action {
                u.query_type = "pubsub".into();
                u.action = Some(action);
            }
            let text = u.to_string();
            let back = PubSubUri::parse(&text).unwrap();
            prop_assert_eq!(&back, &u);
            prop_assert_eq!(back.to_string(), text);
        }

        #[test]
        fn parse_never_panics(s in "xmpp:[ -~é]{0,40}") {
            let _ = PubSubUri::parse(&s);
        }
    }
}

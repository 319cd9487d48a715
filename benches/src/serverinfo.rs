//! Inputs for the XEP-0485 benchmarks.

use std::fmt::Write as _;

/// A `<serverinfo/>` item for one domain federating with `remotes` peers, in the
/// shapes real publishers emit, cycling through four kinds of peer:
/// ejabberd's `incoming` + `outgoing` pair, the spec's `bidi`, a one-way `incoming`
/// (Openfire), and an anonymous peer with no connection data (Prosody).
/// Written compactly, as servers do (no indentation).
pub fn serverinfo_item(remotes: usize) -> String {
    let mut xml = String::from(
        "<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='example.org'><federation>",
    );
    for i in 0..remotes {
        match i % 4 {
            0 => write!(
                xml,
                "<remote-domain name='peer{i:04}.example.net'><connection type='incoming'/><connection type='outgoing'/></remote-domain>"
            ),
            1 => write!(
                xml,
                "<remote-domain name='peer{i:04}.example.net'><connection type='bidi'/></remote-domain>"
            ),
            2 => write!(
                xml,
                "<remote-domain name='peer{i:04}.example.net'><connection type='incoming'/></remote-domain>"
            ),
            _ => write!(xml, "<remote-domain/>"),
        }
        .expect("writing to a String");
    }
    xml.push_str("</federation></domain></serverinfo>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_shape() {
        let xml = serverinfo_item(8);
        assert_eq!(xml.matches("<remote-domain").count(), 8);
        assert_eq!(xml.matches("<remote-domain/>").count(), 2);
        assert_eq!(xml.matches("type='incoming'").count(), 4);
        let element: minidom::Element = xml.parse().unwrap();
        assert_eq!(element.name(), "serverinfo");
    }
}

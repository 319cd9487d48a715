//! What the servers are configured with, in one place: the server configurations
//! are rendered from these values ([`crate::setup`]) and the tests assert that they
//! read back exactly these values.

use jid::BareJid;
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_service_directory::vcard::{Adr, Ca, Note, Property, Registration, Url, VCard};

/// The domain under test: contact addresses, the SOS form, the XEP-0485 node field,
/// the accounts.
pub const HOME: &str = "home.test";
/// A second local domain that advertises `urn:xmpp:serverinfo:0` (it opted in).
pub const OPTIN: &str = "optin.test";
/// A second local domain that does not advertise it.
pub const PLAIN: &str = "plain.test";
/// A domain no server hosts; with s2s off, queries to it fail with an error.
pub const NOWHERE: &str = "nowhere.test";
/// The pubsub service of [`HOME`], where serverinfo items are published.
pub const PUBSUB: &str = "pubsub.home.test";
/// The serverinfo node advertised in the disco form.
pub const SERVERINFO_NODE: &str = "serverinfo";

/// The password of every test account (loopback only).
pub const PASSWORD: &str = "interop-secret";

/// A test account (on [`HOME`] but one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// The server's administrator: owns the SOS nodes on the server's own JID.
    Admin,
    /// A user that subscribes and reads.
    Alice,
    /// Another user, for presence and PEP between two contacts.
    Bob,
    /// A user who publishes outage look-alikes.
    Mallory,
    /// The account a service directory runs as (XEP-0309 cases): it befriends the
    /// server and publishes cards on its own `urn:xmpp:contacts` node.
    Directory,
    /// A user whose session the PSA tracker case pauses.
    Carol,
    /// Carol's contact, who requests presence state annotations.
    Dave,
    /// A user of [`OPTIN`], a domain that a tracker on [`HOME`] takes for a remote
    /// one (the server hosts both, so no s2s link is needed to reach her).
    Rhea,
}

impl Account {
    /// Every account, as `interop setup` lists them for registration.
    pub const ALL: [Self; 8] = [
        Self::Admin,
        Self::Alice,
        Self::Bob,
        Self::Mallory,
        Self::Directory,
        Self::Carol,
        Self::Dave,
        Self::Rhea,
    ];

    /// The local part.
    pub fn user(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Alice => "alice",
            Self::Bob => "bob",
            Self::Mallory => "mallory",
            Self::Directory => "directory",
            Self::Carol => "carol",
            Self::Dave => "dave",
            Self::Rhea => "rhea",
        }
    }

    /// The domain of the account: [`HOME`], but [`OPTIN`] for [`Account::Rhea`].
    pub fn host(self) -> &'static str {
        match self {
            Self::Rhea => OPTIN,
            _ => HOME,
        }
    }

    /// The bare JID, `user@host`.
    pub fn bare(self) -> String {
        format!("{}@{}", self.user(), self.host())
    }
}

/// The XEP-0157 contact addresses configured on [`HOME`], in registry order.
pub fn contact_addresses() -> ContactAddresses {
    ContactAddresses {
        abuse: vec!["mailto:abuse@home.test".into()],
        admin: vec![format!("xmpp:{}", Account::Admin.bare())],
        feedback: vec!["https://home.test/feedback".into()],
        security: vec![
            "mailto:security@home.test".into(),
            "https://home.test/.well-known/security.txt".into(),
        ],
        status: vec!["https://status.home.test/".into()],
        support: vec!["xmpp:support@home.test?join".into()],
        ..ContactAddresses::default()
    }
}

/// The XEP-0485 node URI advertised on [`HOME`].
pub fn serverinfo_uri() -> String {
    format!("xmpp:{PUBSUB}?;node={SERVERINFO_NODE}")
}

/// The path under which the test's HTTP server serves the status file.
pub const STATUS_PATH: &str = "/status.json";

/// The XEP-0455 status file addresses configured on [`HOME`]: the test's own HTTP
/// server on loopback first, then a mirror that is never fetched.
pub fn status_addresses(http_port: u16) -> Vec<String> {
    vec![
        format!("http://127.0.0.1:{http_port}{STATUS_PATH}"),
        "https://status.home.test/xmpp.json".into(),
    ]
}

/// The XEP-0309 server card of [`HOME`]: what the server answers to a vCard4 query
/// (configured into the servers' test modules) and what the directory case publishes.
/// Besides the typed properties it carries extensions this crate does not type: an
/// unknown vCard property and an element in a foreign namespace, which must survive
/// storage and delivery unchanged.
pub fn server_card() -> VCard {
    let home: BareJid = HOME.parse().expect("HOME is a valid JID");
    let adr = Adr {
        country: Some("Germany".into()),
        region: Some("Berlin".into()),
        ..Adr::default()
    };
    VCard::server("home.test interop service", &home)
        .with(Property::Note(Note::new(
            "A server of the xep-* interop suite, on loopback",
        )))
        .with(Property::Url(Url::new("https://home.test/")))
        .with(Property::Adr(adr))
        .with(Property::Registration(Registration {
            uri: "https://home.test/register".into(),
        }))
        .with(Property::Ca(Ca {
            name: "Interop Test CA".into(),
            uri: Some("https://ca.home.test/".into()),
        }))
        .with(Property::Other(
            "<x-operator xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
             <parameters><type><text>work</text></type></parameters>\
             <text>Interop &amp; Co.</text></x-operator>"
                .parse::<Element>()
                .expect("a valid unknown property"),
        ))
        .with(Property::Other(
            "<uptime xmlns='urn:example:interop:stats' since='2026-11-30'>\
             <nines>3</nines></uptime>"
                .parse::<Element>()
                .expect("a valid foreign extension"),
        ))
}

/// [`server_card`] as XML text, as the servers' test modules are configured with it.
pub fn server_card_xml() -> String {
    String::from(&Element::from(server_card()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_card_reads_back_equal_with_its_extensions() {
        let element = Element::from(server_card());
        let reading = VCard::read(&element).unwrap();
        assert!(reading.deviations.is_empty(), "{:?}", reading.deviations);
        assert_eq!(reading.value, server_card());
        assert_eq!(reading.value.others().count(), 2);
        assert_eq!(reading.value.country(), Some("Germany"));
        assert!(server_card_xml().contains("Interop &amp; Co."));
    }
}

//! What the servers are configured with, in one place: the server configurations
//! are rendered from these values ([`crate::setup`]) and the tests assert that they
//! read back exactly these values.

use xep_core::contact::ContactAddresses;

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

/// A test account on [`HOME`].
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
}

impl Account {
    /// Every account, as `interop setup` lists them for registration.
    pub const ALL: [Self; 4] = [Self::Admin, Self::Alice, Self::Bob, Self::Mallory];

    /// The local part.
    pub fn user(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Alice => "alice",
            Self::Bob => "bob",
            Self::Mallory => "mallory",
        }
    }

    /// The bare JID, `user@home.test`.
    pub fn bare(self) -> String {
        format!("{}@{HOME}", self.user())
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

//! Service discovery for XEP-0309: the `directory/server` identity, the
//! `urn:xmpp:public-server` and `urn:xmpp:server-presence` features, a classifier for
//! a disco#info result, and the disco#info each side advertises.
//!
//! The classifier works on [`xep_core::disco::DiscoInfo`], the lenient reading of a
//! disco#info result, so a malformed unrelated form in the peer's answer does not hide
//! what it is. It recognises the swapped identity `server/directory` that Prosody's
//! `mod_service_directories` sends (INTEROP P20) and reports it as a deviation, which
//! a strict reading refuses.
//!
//! ```
//! use xep_core::disco::DiscoInfo;
//! use xep_service_directory::disco::{Role, classify};
//! let prosody: minidom::Element = "<query xmlns='http://jabber.org/protocol/disco#info'>\
//!     <identity category='server' type='directory' name='Prosody'/>\
//!     <feature var='urn:xmpp:server-presence'/></query>".parse()?;
//! let info = DiscoInfo::read(&prosody)?.value;
//! let found = classify(&info);
//! assert_eq!(found.value.role(), Role::Directory);
//! assert_eq!(found.value.directory_name.as_deref(), Some("Prosody"));
//! assert_eq!(found.deviations[0].code, "swapped-directory-identity");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use minidom::Element;
use xmpp_parsers::disco::{DiscoInfoResult, Identity};

use xep_core::disco::DiscoInfo;
use xep_core::ns;
use xep_core::reading::{Deviation, Path, Reading, Severity};
use xep_core::tree::{ElementView, TreeElement};

use crate::error::Error;

/// The identity category of a service directory: "a service directory is
/// identified by the "directory" category and the "server" type".
pub const DIRECTORY_CATEGORY: &str = "directory";
/// The identity type of a service directory.
pub const DIRECTORY_TYPE: &str = "server";
/// XEP-0077 in-band registration, which a directory notes for the registration
/// drop-downs of clients.
pub const IN_BAND_REGISTRATION: &str = "jabber:iq:register";

/// What a disco#info result says an entity is, for XEP-0309.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A public server: it advertises `urn:xmpp:public-server`.
    PublicServer,
    /// A service directory: it has the `directory/server` identity (or the swapped
    /// one).
    Directory,
    /// Both.
    Both,
    /// Neither.
    Neither,
}

impl Role {
    /// The role's name in reports: `public-server`, `directory`, `both`, `neither`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicServer => "public-server",
            Self::Directory => "directory",
            Self::Both => "both",
            Self::Neither => "neither",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the classifier decided as it did: one entry per piece of evidence, present
/// or missing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The feature `urn:xmpp:public-server` is advertised.
    PublicServerFeature,
    /// The feature `urn:xmpp:public-server` is not advertised: "If the server is a
    /// public node on the XMPP network, it includes a service discovery feature of
    /// "urn:xmpp:public-server"".
    NoPublicServerFeature,
    /// The identity `directory/server`.
    DirectoryIdentity,
    /// The identity `server/directory` (INTEROP P20, Prosody), taken as a directory.
    SwappedDirectoryIdentity,
    /// No directory identity, swapped or not.
    NoDirectoryIdentity,
    /// The feature `urn:xmpp:server-presence` (XEP-0267 server buddies): the entity
    /// accepts server-to-server presence subscriptions.
    ServerPresenceFeature,
    /// No `urn:xmpp:server-presence`: a subscription may not be understood.
    NoServerPresenceFeature,
    /// The feature `urn:ietf:params:xml:ns:vcard-4.0`: it answers vCard4 queries
    /// (what Prosody's directory keys on instead of the public-server feature).
    VCard4Feature,
    /// The feature `jabber:iq:register`: it offers in-band registration.
    InBandRegistration,
    /// The result describes a node, not the entity itself, so it says nothing about
    /// the entity's role.
    NotRootNode,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PublicServerFeature => "advertises urn:xmpp:public-server",
            Self::NoPublicServerFeature => "does not advertise urn:xmpp:public-server",
            Self::DirectoryIdentity => "has the identity directory/server",
            Self::SwappedDirectoryIdentity => {
                "has the swapped identity server/directory, taken as directory/server"
            }
            Self::NoDirectoryIdentity => "has no directory/server identity",
            Self::ServerPresenceFeature => "advertises urn:xmpp:server-presence",
            Self::NoServerPresenceFeature => "does not advertise urn:xmpp:server-presence",
            Self::VCard4Feature => "advertises urn:ietf:params:xml:ns:vcard-4.0",
            Self::InBandRegistration => "offers in-band registration (jabber:iq:register)",
            Self::NotRootNode => "describes a node, not the entity",
        })
    }
}

/// What [`classify`] made of a disco#info result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Whether it is a public server.
    pub public_server: bool,
    /// Whether it is a service directory.
    pub directory: bool,
    /// Whether it advertises `urn:xmpp:server-presence`.
    pub server_presence: bool,
    /// Whether it advertises vCard4 support.
    pub vcard4: bool,
    /// Whether it offers in-band registration.
    pub in_band_registration: bool,
    /// The name of the directory identity, if it has one.
    pub directory_name: Option<String>,
    /// The evidence, in a fixed order: public server, directory, server presence,
    /// then the rest.
    pub reasons: Vec<Reason>,
}

impl Classification {
    /// The role, from the two flags.
    pub fn role(&self) -> Role {
        match (self.public_server, self.directory) {
            (true, true) => Role::Both,
            (true, false) => Role::PublicServer,
            (false, true) => Role::Directory,
            (false, false) => Role::Neither,
        }
    }
}

/// Classifies a disco#info result. The swapped identity counts as a directory and is
/// reported (severity `should`, code `swapped-directory-identity`) with the path of
/// the identity relative to the `<query/>`. A result for a node other than the root
/// is neither.
pub fn classify(info: &DiscoInfo) -> Reading<Classification> {
    let mut deviations = Vec::new();
    let mut reasons = Vec::new();
    if !info.is_root() {
        return Reading::clean(Classification {
            public_server: false,
            directory: false,
            server_presence: false,
            vcard4: false,
            in_band_registration: false,
            directory_name: None,
            reasons: vec![Reason::NotRootNode],
        });
    }
    let public_server = info.has_feature(ns::PUBLIC_SERVER);
    reasons.push(if public_server {
        Reason::PublicServerFeature
    } else {
        Reason::NoPublicServerFeature
    });
    let mut directory_name = None;
    let mut directory = false;
    if let Some(identity) = info
        .identities
        .iter()
        .find(|i| is_directory(i) == Some(false))
    {
        directory = true;
        directory_name = identity.name.clone();
        reasons.push(Reason::DirectoryIdentity);
    } else if let Some((n, identity)) = info
        .identities
        .iter()
        .enumerate()
        .find(|(_, i)| is_directory(i) == Some(true))
    {
        directory = true;
        directory_name = identity.name.clone();
        reasons.push(Reason::SwappedDirectoryIdentity);
        deviations.push(Deviation::new(
            Severity::Should,
            "swapped-directory-identity",
            Path::root().elem("identity", n + 1),
            "identity category='server' type='directory' is swapped; XEP-0309 registers \
             category 'directory', type 'server'",
        ));
    } else {
        reasons.push(Reason::NoDirectoryIdentity);
    }
    let server_presence = info.has_feature(ns::SERVER_PRESENCE);
    reasons.push(if server_presence {
        Reason::ServerPresenceFeature
    } else {
        Reason::NoServerPresenceFeature
    });
    let vcard4 = info.has_feature(ns::VCARD4);
    if vcard4 {
        reasons.push(Reason::VCard4Feature);
    }
    let in_band_registration = info.has_feature(IN_BAND_REGISTRATION);
    if in_band_registration {
        reasons.push(Reason::InBandRegistration);
    }
    Reading::new(
        Classification {
            public_server,
            directory,
            server_presence,
            vcard4,
            in_band_registration,
            directory_name,
            reasons,
        },
        deviations,
    )
}

/// Reads a disco#info `<query/>` (or an `<iq/>` holding one) leniently and classifies
/// it; the deviations of both steps are returned together.
pub fn classify_element(element: &Element) -> Result<Reading<Classification>, Error> {
    classify_view(element)
}

/// [`classify_element`] from a compact tree ([`xep_core::tree`]), without a minidom
/// tree of the result.
pub fn classify_tree(element: TreeElement<'_>) -> Result<Reading<Classification>, Error> {
    classify_view(element)
}

fn classify_view<'a, E: ElementView<'a>>(element: E) -> Result<Reading<Classification>, Error> {
    let reading = DiscoInfo::read_view(element)?;
    let mut deviations = reading.deviations;
    let classification = classify(&reading.value);
    let prefix = if element.name() == "iq" {
        Path::root().elem("iq", 1).elem("query", 1)
    } else {
        Path::root().elem("query", 1)
    };
    deviations.extend(
        classification
            .deviations
            .into_iter()
            .map(|d| d.under(&prefix)),
    );
    Ok(Reading::new(classification.value, deviations))
}

/// `Some(false)` for `directory/server`, `Some(true)` for the swapped
/// `server/directory`, `None` otherwise.
fn is_directory(identity: &Identity) -> Option<bool> {
    match (identity.category.as_str(), identity.type_.as_str()) {
        (DIRECTORY_CATEGORY, DIRECTORY_TYPE) => Some(false),
        (DIRECTORY_TYPE, DIRECTORY_CATEGORY) => Some(true),
        _ => None,
    }
}

/// The disco#info a service directory answers with: the identity
/// `directory/server` (named `name`, if given), and the features disco#info,
/// disco#items and `urn:xmpp:server-presence`, as in the spec's example.
pub fn directory_info(name: Option<&str>) -> DiscoInfoResult {
    let mut info = DiscoInfoResult {
        node: None,
        identities: Vec::new(),
        features: Default::default(),
        extensions: Vec::new(),
    };
    info.features.insert(ns::DISCO_INFO.to_owned());
    info.features.insert(ns::DISCO_ITEMS.to_owned());
    add_directory(&mut info, name);
    info
}

/// Adds the directory identity and the server-presence feature to an entity's own
/// disco#info (a server that is also a directory).
pub fn add_directory(info: &mut DiscoInfoResult, name: Option<&str>) {
    let identity = Identity {
        category: DIRECTORY_CATEGORY.to_owned(),
        type_: DIRECTORY_TYPE.to_owned(),
        lang: None,
        name: name.map(str::to_owned),
    };
    if !info.identities.contains(&identity) {
        info.identities.push(identity);
    }
    info.features.insert(ns::SERVER_PRESENCE.to_owned());
}

/// The disco#info of a public server that wants to be listed: the identity
/// `server/im`, the features disco#info, disco#items, `urn:xmpp:server-presence`,
/// `urn:xmpp:public-server` and vCard4, plus `jabber:iq:register` when it offers
/// in-band registration.
pub fn public_server_info(name: Option<&str>, in_band_registration: bool) -> DiscoInfoResult {
    let mut info = DiscoInfoResult {
        node: None,
        identities: vec![Identity {
            category: "server".to_owned(),
            type_: "im".to_owned(),
            lang: None,
            name: name.map(str::to_owned),
        }],
        features: Default::default(),
        extensions: Vec::new(),
    };
    info.features.insert(ns::DISCO_INFO.to_owned());
    info.features.insert(ns::DISCO_ITEMS.to_owned());
    if in_band_registration {
        info.features.insert(IN_BAND_REGISTRATION.to_owned());
    }
    add_public_server(&mut info);
    info
}

/// Adds `urn:xmpp:public-server`, `urn:xmpp:server-presence` and the vCard4 feature
/// to a server's own disco#info.
pub fn add_public_server(info: &mut DiscoInfoResult) {
    info.features.insert(ns::PUBLIC_SERVER.to_owned());
    info.features.insert(ns::SERVER_PRESENCE.to_owned());
    info.features.insert(ns::VCARD4.to_owned());
}

//! Namespace, feature and FORM_TYPE constants for every spec and every version the
//! xep-* crates support, plus the XMPP namespaces they build on.
//!
//! One constant per string. A namespace that a later version of a spec replaced keeps
//! its own constant with a version suffix; the unsuffixed name is the current one.

// --- Service Outage Status ---------------------------------------------------------

/// Service Outage Status, seed ProtoXEP 0.0.1 (2021-01-18): namespace of the in-band
/// `<outage/>` items and of the disco form.
pub const SOS_TMP: &str = "urn:xmpp:tmp:sos";
/// XEP-0455: Service Outage Status, v0.2.0 and v0.4.0: namespace of the disco form
/// (and, in v0.2.0, of the in-band items).
pub const SOS_0: &str = "urn:xmpp:sos:0";
/// XEP-0455: Service Outage Status, current namespace (alias of [`SOS_0`]).
pub const SOS: &str = SOS_0;

// --- PubSub Server Information -----------------------------------------------------

/// XEP-0485: PubSub Server Information (seed 2023-12-20 and v1.0.0): payload namespace
/// and the disco feature a domain advertises to opt in.
pub const SERVERINFO: &str = "urn:xmpp:serverinfo:0";

/// XEP-0157: Contact Addresses for XMPP Services: the FORM_TYPE of the disco form that
/// carries contact addresses, shared with XEP-0485's node coordinates.
pub const SERVERINFO_FORM: &str = "http://jabber.org/network/serverinfo";

// --- Presence State Annotations ----------------------------------------------------

/// XEP-0310: Presence State Annotations, v0.1.
pub const PSA: &str = "urn:xmpp:psa";

// --- User Status -------------------------------------------------------------------

/// User Status ProtoXEP 0.0.1: payload namespace and PEP node name.
pub const USER_STATUS: &str = "http://jabber.org/protocol/status";
/// User Status ProtoXEP 0.0.1: the XEP-0163 `+notify` feature for [`USER_STATUS`].
pub const USER_STATUS_NOTIFY: &str = "http://jabber.org/protocol/status+notify";

// --- Service Directories -----------------------------------------------------------

/// XEP-0309: Service Directories (v0.2 and v0.3): feature of a server that wants to be
/// listed in public directories.
pub const PUBLIC_SERVER: &str = "urn:xmpp:public-server";
/// XEP-0267: Server Buddies, as used by XEP-0309: feature of a server that accepts
/// server-to-server presence subscriptions.
pub const SERVER_PRESENCE: &str = "urn:xmpp:server-presence";
/// XEP-0309: Service Directories: pubsub node on which a directory publishes server cards.
pub const CONTACTS: &str = "urn:xmpp:contacts";
/// RFC 6351 / XEP-0292: vCard4 over XMPP (xCard).
pub const VCARD4: &str = "urn:ietf:params:xml:ns:vcard-4.0";
/// XEP-0309: vCard4 extension with the in-band registration URI.
pub const VCARD_REGISTRATION: &str = "urn:xmpp:vcard:registration:1";
/// XEP-0309 (v0.2 and later): vCard4 extension naming the certification authority.
pub const VCARD_CA: &str = "urn:xmpp:vcard:ca:0";
/// XEP-0309 / XEP-0133: ad-hoc command node that adds a "server buddy".
pub const SERVER_BUDDY_COMMAND: &str = "http://jabber.org/protocol/admin#server-buddy";

// --- Foundations these extensions build on -----------------------------------------

/// XEP-0004: Data Forms.
pub const DATA_FORMS: &str = "jabber:x:data";
/// XEP-0030: Service Discovery, info queries.
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// XEP-0030: Service Discovery, items queries.
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// XEP-0050: Ad-Hoc Commands.
pub const COMMANDS: &str = "http://jabber.org/protocol/commands";
/// XEP-0060: Publish-Subscribe.
pub const PUBSUB: &str = "http://jabber.org/protocol/pubsub";
/// XEP-0060: Publish-Subscribe, event notifications.
pub const PUBSUB_EVENT: &str = "http://jabber.org/protocol/pubsub#event";
/// XEP-0060: Publish-Subscribe, owner use cases (node configuration).
pub const PUBSUB_OWNER: &str = "http://jabber.org/protocol/pubsub#owner";
/// XEP-0060: Publish-Subscribe, FORM_TYPE of node configuration forms.
pub const PUBSUB_NODE_CONFIG: &str = "http://jabber.org/protocol/pubsub#node_config";
/// XEP-0060: Publish-Subscribe, FORM_TYPE of publish-options forms.
pub const PUBSUB_PUBLISH_OPTIONS: &str = "http://jabber.org/protocol/pubsub#publish-options";
/// XEP-0092: Software Version.
pub const VERSION: &str = "jabber:iq:version";
/// XEP-0115: Entity Capabilities.
pub const CAPS: &str = "http://jabber.org/protocol/caps";
/// RFC 6120: the client-to-server stanza namespace.
pub const JABBER_CLIENT: &str = "jabber:client";
/// RFC 6120: the server-to-server stanza namespace.
pub const JABBER_SERVER: &str = "jabber:server";
/// RFC 6120: the stream namespace (`<stream:stream/>`).
pub const STREAM: &str = "http://etherx.jabber.org/streams";

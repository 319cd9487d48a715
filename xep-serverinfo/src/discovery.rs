//! Discovering where a server publishes its serverinfo data (XEP-0485 section 3).
//!
//! A server opts in by advertising the feature [`FEATURE`] and says where its data
//! lives in the `http://jabber.org/network/serverinfo` form it shares with XEP-0157
//! contact addresses. Two layouts of that form exist:
//!
//! * **1.0.0**: `serverinfo-pubsub-node` holds an XMPP URI,
//!   `xmpp:pubsub.example.org?;node=serverinfo` (Prosody, ejabberd, "northstar");
//! * **seed draft**: `serverinfo-pubsub-service` and `serverinfo-pubsub-node` hold a
//!   service JID and a bare node name, both registered as `list-multi` (nobody is known
//!   to send it, INTEROP P6, but a crawler should read it).
//!
//! Values are told apart by the `xmpp:` scheme. Without a form the spec's fallback
//! applies: node `serverinfo` on the first pubsub service found through disco#items
//! (Openfire, Tigase; P9). [`Discovery::plan`] turns all of this into what a crawler
//! does next.
//!
//! ```
//! use xep_serverinfo::discovery::{Discovery, Plan};
//! use xmpp_parsers::disco::DiscoInfoResult;
//!
//! // ejabberd: the node field, untyped, merged into the XEP-0157 form.
//! let info: DiscoInfoResult = "<query xmlns='http://jabber.org/protocol/disco#info'>\
//!     <feature var='urn:xmpp:serverinfo:0'/>\
//!     <x xmlns='jabber:x:data' type='result'>\
//!       <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
//!       <field var='admin-addresses' type='list-multi'><value>mailto:admin@example.org</value></field>\
//!       <field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field>\
//!     </x></query>"
//!     .parse::<minidom::Element>()?
//!     .try_into()?;
//! let reading = Discovery::from_disco(&info);
//! assert!(reading.deviations.is_empty());
//! let discovery = reading.value;
//! let Plan::Fetch(at) = discovery.plan() else { panic!("coordinates are advertised") };
//! assert_eq!(at.service.to_string(), "pubsub.example.org");
//! assert_eq!(at.node, "serverinfo");
//! assert_eq!(discovery.contact.admin, ["mailto:admin@example.org"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use std::collections::HashSet;

use jid::Jid;
use minidom::Element;
use xep_core::contact::ContactAddresses;
use xep_core::disco::DiscoInfo;
use xep_core::forms::{FieldSpec, FormBuilder, FormReader, MergedForm, TypedForm};
use xep_core::reading::{Deviation, Path, Reading, Severity, excerpt};
use xep_core::uri::PubSubUri;
use xmpp_parsers::data_forms::{DataForm, Field, FieldType};
use xmpp_parsers::disco::DiscoInfoResult;

use crate::Error;
use crate::ns;

/// The disco feature that says a server publishes serverinfo data and agrees to be
/// named by others (the opt-in).
pub const FEATURE: &str = ns::SERVERINFO;

/// The node used when no form says otherwise: "a first-level leaf node using the name
/// 'serverinfo' on the first pub-sub service advertised through service discovery".
pub const FALLBACK_NODE: &str = "serverinfo";

/// `serverinfo-pubsub-node`: an XMPP URI (1.0.0) or a bare node name (seed).
pub const NODE_VAR: &str = "serverinfo-pubsub-node";

/// `serverinfo-pubsub-service`: the seed draft's service JID field.
pub const SERVICE_VAR: &str = "serverinfo-pubsub-service";

/// A pubsub node: where serverinfo items are fetched from or published to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Coordinates {
    /// The pubsub service. It may belong to another domain (Prosody allows remote
    /// services, INTEROP P8).
    pub service: Jid,
    /// The node.
    pub node: String,
}

impl Coordinates {
    /// Coordinates from a service and a node.
    pub fn new(service: Jid, node: impl Into<String>) -> Self {
        Self {
            service,
            node: node.into(),
        }
    }

    /// The 1.0.0 form value for these coordinates, `xmpp:SERVICE?;node=NODE`.
    pub fn to_uri(&self) -> PubSubUri {
        PubSubUri::new(self.service.clone(), self.node.clone())
    }
}

impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_uri(), f)
    }
}

/// Which layout of the discovery fields to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormLayout {
    /// XEP-0485 1.0.0: one `text-single` `serverinfo-pubsub-node` with an XMPP URI.
    #[default]
    V1,
    /// The seed draft: `list-multi` `serverinfo-pubsub-service` + `serverinfo-pubsub-node`.
    Seed,
}

/// XEP-0485's share of the `http://jabber.org/network/serverinfo` form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeForm {
    /// Every usable pair of service and node, in the order advertised: URIs first,
    /// then seed pairs.
    pub coordinates: Vec<Coordinates>,
    /// Seed-layout node names that came without a service: they live on the first
    /// pubsub service, as in the fallback.
    pub nodes_without_service: Vec<String>,
    /// `serverinfo-pubsub-node` values that cannot be used (broken URIs, URIs without
    /// a node, empty values), kept as they came so that writing the form back loses
    /// nothing; each is reported as a deviation when read.
    pub unusable_nodes: Vec<String>,
    /// `serverinfo-pubsub-service` values that are not JIDs, kept likewise.
    pub unusable_services: Vec<String>,
    /// The layout that was read (the seed layout if any seed value was present), and
    /// the one [`TypedForm::write`] uses.
    pub layout: FormLayout,
}

impl NodeForm {
    /// The 1.0.0 form for one node.
    pub fn new(coordinates: Coordinates) -> Self {
        Self {
            coordinates: vec![coordinates],
            layout: FormLayout::V1,
            ..Self::default()
        }
    }

    /// The same coordinates in another layout.
    #[must_use]
    pub fn with_layout(mut self, layout: FormLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Whether the form says nothing.
    pub fn is_empty(&self) -> bool {
        self.coordinates.is_empty()
            && self.nodes_without_service.is_empty()
            && self.unusable_nodes.is_empty()
            && self.unusable_services.is_empty()
    }
}

const FIELDS: &[FieldSpec] = &[
    // Registered text-single in 1.0.0 and list-multi in the seed draft; xep-core treats
    // text-single as "untyped", so list-multi here accepts both without a deviation.
    FieldSpec {
        var: NODE_VAR,
        type_: FieldType::ListMulti,
    },
    FieldSpec {
        var: SERVICE_VAR,
        type_: FieldType::ListMulti,
    },
];

/// Whether `value` starts with the `xmpp:` scheme, compared without regard to case
/// and without slicing inside a character.
fn has_xmpp_scheme(value: &str) -> bool {
    value
        .as_bytes()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"xmpp:"))
}

impl TypedForm for NodeForm {
    const FORM_TYPE: &'static str = ns::SERVERINFO_FORM;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, xep_core::Error> {
        let mut form = Self::default();
        let mut seed_nodes = Vec::new();
        let mut seen = HashSet::new();
        for value in reader.collapsed_list(NODE_VAR) {
            if has_xmpp_scheme(&value) {
                match PubSubUri::parse(&value) {
                    Ok(uri) if !uri.node.is_empty() => {
                        let at = Coordinates::new(uri.service, uri.node);
                        if seen.insert(at.clone()) {
                            form.coordinates.push(at);
                        }
                    }
                    Ok(_) => {
                        let message = format!("URI {} names no node; ignored", excerpt(&value));
                        reader.deviate_each(NODE_VAR, Severity::Must, "uri-without-node", message);
                        form.unusable_nodes.push(value);
                    }
                    Err(e) => {
                        reader.deviate_each(
                            NODE_VAR,
                            Severity::Must,
                            "bad-node-uri",
                            format!("{e}; ignored"),
                        );
                        form.unusable_nodes.push(value);
                    }
                }
            } else if value.is_empty() {
                reader.deviate(
                    NODE_VAR,
                    Severity::Must,
                    "empty-node",
                    "empty value ignored",
                );
                form.unusable_nodes.push(value);
            } else {
                seed_nodes.push(value);
            }
        }
        let mut services = Vec::new();
        for value in reader.collapsed_list(SERVICE_VAR) {
            match parse_service(&value) {
                Ok(jid) => services.push(jid),
                Err(e) => {
                    let message = format!("{} is not a JID ({e}); ignored", excerpt(&value));
                    reader.deviate_each(SERVICE_VAR, Severity::Must, "bad-service-jid", message);
                    form.unusable_services.push(value);
                }
            }
        }
        if !seed_nodes.is_empty() || !services.is_empty() || !form.unusable_services.is_empty() {
            form.layout = FormLayout::Seed;
        }
        // Pair the seed lists: one to one when the lengths agree, else the single
        // value of one list with every value of the other.
        let pairs: Vec<(Jid, String)> = match (services.len(), seed_nodes.len()) {
            (0, _) => {
                form.nodes_without_service = seed_nodes;
                Vec::new()
            }
            (_, 0) => services
                .into_iter()
                .map(|s| (s, FALLBACK_NODE.to_owned()))
                .collect(),
            (a, b) if a == b => services.into_iter().zip(seed_nodes).collect(),
            (1, _) => seed_nodes
                .into_iter()
                .map(|n| (services[0].clone(), n))
                .collect(),
            (_, 1) => services
                .into_iter()
                .map(|s| (s, seed_nodes[0].clone()))
                .collect(),
            (a, b) => {
                reader.deviate(
                    NODE_VAR,
                    Severity::Should,
                    "unpaired-seed-lists",
                    format!("{a} services and {b} nodes cannot be paired; every combination kept"),
                );
                services
                    .iter()
                    .flat_map(|s| seed_nodes.iter().map(move |n| (s.clone(), n.clone())))
                    .collect()
            }
        };
        for (service, node) in pairs {
            let at = Coordinates::new(service, node);
            if seen.insert(at.clone()) {
                form.coordinates.push(at);
            }
        }
        Ok(form)
    }

    fn write(&self) -> Vec<Field> {
        match self.layout {
            FormLayout::V1 => {
                // 1.0.0 registers the field as text-single: one value. The first
                // coordinates are the ones every reader uses; with none, the first
                // unusable value is kept so that the form still says what it said.
                let value = self
                    .coordinates
                    .first()
                    .map(ToString::to_string)
                    .or_else(|| self.unusable_nodes.first().cloned());
                match value {
                    Some(value) => vec![Field::text_single(NODE_VAR, &value)],
                    None => Vec::new(),
                }
            }
            FormLayout::Seed => {
                let mut fields = Vec::new();
                let (services, nodes): (Vec<String>, Vec<String>) = match self.seed_lists() {
                    Some(lists) => lists,
                    // Pairs the two lists cannot express: URIs in the node field.
                    None => (
                        Vec::new(),
                        self.coordinates.iter().map(|c| c.to_string()).collect(),
                    ),
                };
                let nodes: Vec<String> = nodes
                    .into_iter()
                    .chain(self.nodes_without_service.iter().cloned())
                    .chain(self.unusable_nodes.iter().cloned())
                    .collect();
                let services: Vec<String> = services
                    .into_iter()
                    .chain(self.unusable_services.iter().cloned())
                    .collect();
                // The seed draft's registry order: service, then node.
                for (var, values) in [(SERVICE_VAR, services), (NODE_VAR, nodes)] {
                    if !values.is_empty() {
                        let mut field = Field::new(var, FieldType::ListMulti);
                        field.values = values;
                        fields.push(field);
                    }
                }
                fields
            }
        }
    }
}

impl NodeForm {
    /// The coordinates as the seed draft's two lists, if reading those lists back
    /// gives exactly these coordinates (and there are no service-less nodes, which
    /// would pair with the services on reading).
    fn seed_lists(&self) -> Option<(Vec<String>, Vec<String>)> {
        if self.coordinates.is_empty() {
            return Some((Vec::new(), Vec::new()));
        }
        if !self.nodes_without_service.is_empty() {
            return None;
        }
        // A node is written raw only if reading it raw gives it back: a raw value is
        // collapsed, and one with the xmpp: scheme is read as a URI. A node from a
        // URI may be neither (`node=a%20`, found by the long serverinfo run: written
        // raw as "a ", read back as "a"); such nodes are written as URIs.
        let raw_stable = |node: &str| {
            !node.is_empty() && xep_core::disco::collapse(node) == node && !has_xmpp_scheme(node)
        };
        if !self.coordinates.iter().all(|c| raw_stable(&c.node)) {
            return None;
        }
        let mut services: Vec<String> = Vec::new();
        let mut nodes: Vec<String> = Vec::new();
        // Sets, so that n coordinates cost O(n log n), not O(n²).
        let mut seen_services = std::collections::BTreeSet::new();
        let mut seen_nodes = std::collections::BTreeSet::new();
        for c in &self.coordinates {
            let service = c.service.to_string();
            if seen_services.insert(service.clone()) {
                services.push(service);
            }
            if seen_nodes.insert(c.node.as_str()) {
                nodes.push(c.node.clone());
            }
        }
        let n = self.coordinates.len();
        let exact = if services.len() == 1 || nodes.len() == 1 {
            // One side is broadcast over the other; every combination is present.
            n == services.len() * nodes.len()
        } else {
            // One to one, in order.
            services.len() == n
                && nodes.len() == n
                && self
                    .coordinates
                    .iter()
                    .zip(services.iter().zip(&nodes))
                    .all(|(c, (s, node))| c.service.to_string() == *s && c.node == *node)
        };
        // A lone node "serverinfo" with services is what reading a service list
        // without nodes gives; writing the node keeps it explicit either way.
        exact.then_some((services, nodes))
    }
}

/// What a crawler should do to get a server's serverinfo data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Fetch the newest item of this node (do not assume its id is `current`, P10).
    Fetch(Coordinates),
    /// The server opted in without saying where: query the domain's disco#items, take
    /// the first item whose disco#info has identity `pubsub/service` (see
    /// [`first_pubsub_service`]) and fetch `node` there.
    FindPubSubService {
        /// The node to fetch: [`FALLBACK_NODE`], or a seed-layout node that came
        /// without a service.
        node: String,
    },
    /// No data can be fetched.
    Unavailable(Unavailable),
}

impl Plan {
    /// For [`Plan::FindPubSubService`], the coordinates once the service is known.
    pub fn with_service(&self, service: Jid) -> Option<Coordinates> {
        match self {
            Self::FindPubSubService { node } => Some(Coordinates::new(service, node.clone())),
            _ => None,
        }
    }
}

/// Why a server's serverinfo data cannot be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unavailable {
    /// The server does not advertise [`FEATURE`]: it has not opted in, even if it
    /// advertises a node ("The mere presence of an applicable pub-sub node MUST NOT be
    /// used for Service Discovery purposes").
    NotOptedIn {
        /// Whether coordinates were advertised anyway.
        coordinates_advertised: bool,
    },
    /// The form has `serverinfo-pubsub-node` values, but none of them is usable (see
    /// the discovery's deviations).
    InvalidCoordinates,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOptedIn {
                coordinates_advertised: false,
            } => f.write_str("the server does not advertise urn:xmpp:serverinfo:0"),
            Self::NotOptedIn {
                coordinates_advertised: true,
            } => f.write_str(
                "the server advertises a serverinfo node but not the urn:xmpp:serverinfo:0 \
                 feature, so it has not opted in",
            ),
            Self::InvalidCoordinates => {
                f.write_str("every advertised serverinfo-pubsub-node value is unusable")
            }
        }
    }
}

/// What a server's disco#info says about its serverinfo data and contact addresses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Discovery {
    /// Whether the server advertises [`FEATURE`] (compared after white space is
    /// collapsed, as the publisher does).
    pub opted_in: bool,
    /// XEP-0485's share of the form; `None` when no form has the FORM_TYPE or the
    /// form holds no XEP-0485 field.
    pub node: Option<NodeForm>,
    /// XEP-0157's share of the same form (empty when absent).
    pub contact: ContactAddresses,
    /// Fields of the FORM_TYPE that neither spec registers (vendor fields, P7), kept
    /// so that [`Discovery::to_form`] loses nothing.
    pub other_fields: Vec<Field>,
}

impl Discovery {
    /// Reads a raw disco#info `<query/>` (of the server's bare domain) or the `<iq/>`
    /// holding it, each form on its own: one malformed unrelated form cannot hide the
    /// opt-in, the coordinates or the contact addresses.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        let info = DiscoInfo::read(element)?;
        let mut deviations = info.deviations;
        let prefix = xep_core::disco::query_path(element);
        let value = Self::from_parts_at(&info.value.features, &info.value.forms, &prefix)
            .take(&mut deviations);
        Ok(Reading::new(value, deviations))
    }

    /// [`read`](Self::read), refusing any deviation of severity `should` or worse.
    pub fn read_strict(element: &Element) -> Result<Self, Error> {
        Ok(Self::read(element)?
            .into_strict("serverinfo discovery")
            .map_err(xep_core::Error::from)?)
    }

    /// Reads an xmpp-parsers disco#info result. A feature var that matches only once
    /// white space is collapsed counts, with a deviation (P14).
    pub fn from_disco(info: &DiscoInfoResult) -> Reading<Self> {
        let mut deviations = Vec::new();
        let features: Vec<String> = info
            .features
            .iter()
            .map(|raw| {
                let var = xep_core::disco::collapse(raw);
                if var != *raw {
                    deviations.push(feature_white_space(raw, &var));
                }
                var
            })
            .collect();
        let value = Self::from_parts(&features, &info.extensions).take(&mut deviations);
        Reading::new(value, deviations)
    }

    /// Reads features (already collapsed, as [`DiscoInfo`] gives them) and disco
    /// extension forms given separately.
    pub fn from_parts(features: &[String], forms: &[DataForm]) -> Reading<Self> {
        Self::from_parts_at(features, forms, &Path::root())
    }

    fn from_parts_at(features: &[String], forms: &[DataForm], prefix: &Path) -> Reading<Self> {
        let mut discovery = Self {
            opted_in: features.iter().any(|f| f == FEATURE),
            ..Self::default()
        };
        let mut deviations = Vec::new();
        let Some(merged) = MergedForm::collect_at(forms, ns::SERVERINFO_FORM, prefix) else {
            return Reading::new(discovery, deviations);
        };
        let mut seen: HashSet<Deviation> = HashSet::new();
        let mut add = |d: Deviation, out: &mut Vec<Deviation>| {
            if seen.insert(d.clone()) {
                out.push(d);
            }
        };
        match merged.read::<NodeForm>() {
            Ok(node) => {
                for d in node.deviations {
                    add(d, &mut deviations);
                }
                let has_node_fields = merged
                    .fields()
                    .iter()
                    .any(|f| matches!(f.var.as_deref(), Some(NODE_VAR | SERVICE_VAR)));
                if has_node_fields {
                    discovery.node = Some(node.value);
                }
            }
            Err(e) => add(
                dropped(prefix, "serverinfo node fields", &e),
                &mut deviations,
            ),
        }
        match merged.read::<ContactAddresses>() {
            Ok(contact) => {
                for d in contact.deviations {
                    add(d, &mut deviations);
                }
                discovery.contact = contact.value;
            }
            Err(e) => add(dropped(prefix, "contact addresses", &e), &mut deviations),
        }
        let owned = |f: &Field| {
            let var = f.var.as_deref();
            FIELDS.iter().any(|s| Some(s.var) == var)
                || ContactAddresses::FIELDS.iter().any(|s| Some(s.var) == var)
        };
        discovery.other_fields = merged
            .fields()
            .iter()
            .filter(|f| !owned(f))
            .cloned()
            .collect();
        Reading::new(discovery, deviations)
    }

    /// What a crawler does next.
    pub fn plan(&self) -> Plan {
        let advertised = self.node.as_ref().is_some_and(|n| !n.is_empty());
        if !self.opted_in {
            return Plan::Unavailable(Unavailable::NotOptedIn {
                coordinates_advertised: advertised,
            });
        }
        match &self.node {
            Some(node) => {
                if let Some(first) = node.coordinates.first() {
                    Plan::Fetch(first.clone())
                } else if let Some(name) = node.nodes_without_service.first() {
                    Plan::FindPubSubService { node: name.clone() }
                } else if !node.unusable_nodes.is_empty() {
                    Plan::Unavailable(Unavailable::InvalidCoordinates)
                } else {
                    Plan::FindPubSubService {
                        node: FALLBACK_NODE.to_owned(),
                    }
                }
            }
            None => Plan::FindPubSubService {
                node: FALLBACK_NODE.to_owned(),
            },
        }
    }

    /// The `http://jabber.org/network/serverinfo` form to advertise: the contact
    /// addresses and the node merged into one form, as XEP-0485 says they SHOULD be,
    /// followed by the other fields that were read.
    pub fn to_form(&self) -> DataForm {
        server_form(&self.contact, self.node.as_ref(), self.other_fields.clone())
    }
}

fn feature_white_space(raw: &str, var: &str) -> Deviation {
    Deviation::new(
        Severity::Should,
        "feature-white-space",
        Path::from_raw(format!(
            "/query[1]/feature[@var='{}']",
            raw.replace('\'', "&apos;")
        )),
        format!(
            "feature {} has white space around it; read as {}",
            excerpt(raw),
            excerpt(var)
        ),
    )
}

fn dropped(prefix: &Path, what: &str, error: &xep_core::Error) -> Deviation {
    Deviation::new(
        Severity::Dropped,
        "typed-form-unreadable",
        prefix.clone(),
        format!("the {what} could not be read: {error}"),
    )
}

/// The merged `http://jabber.org/network/serverinfo` form a server advertises: XEP-0157
/// addresses, then XEP-0485 coordinates (if any), then `extra` fields whose vars
/// neither spec owns.
pub fn server_form(
    contact: &ContactAddresses,
    node: Option<&NodeForm>,
    extra: impl IntoIterator<Item = Field>,
) -> DataForm {
    let mut builder = FormBuilder::new(ns::SERVERINFO_FORM)
        .with(contact)
        .expect("ContactAddresses has the serverinfo FORM_TYPE");
    if let Some(node) = node {
        builder = builder
            .with(node)
            .expect("NodeForm has the serverinfo FORM_TYPE");
    }
    builder.with_fields(extra).build()
}

/// The first service, in disco#items order, whose disco#info has the identity
/// `pubsub/service`: where the fallback node lives.
pub fn first_pubsub_service<'a, I>(candidates: I) -> Option<&'a Jid>
where
    I: IntoIterator<Item = (&'a Jid, &'a DiscoInfoResult)>,
{
    candidates
        .into_iter()
        .find(|(_, info)| {
            info.identities
                .iter()
                .any(|i| i.category == "pubsub" && i.type_ == "service")
        })
        .map(|(jid, _)| jid)
}

/// Parses a collapsed `serverinfo-pubsub-service` value as a JID.
///
/// JID preparation maps some characters to nothing (U+FEFF, soft hyphen and the
/// like), which can leave two spaces side by side in what was one collapsed value;
/// reading that JID back from our own form would collapse them again and give a
/// different JID. The prepared text is therefore collapsed once more, so that what
/// is read is what a round trip through [`Discovery::to_form`] reads.
///
/// Preparation itself is made stable the same way ([`xep_core::uri::stable_jid`]).
fn parse_service(value: &str) -> Result<Jid, jid::Error> {
    let jid = xep_core::uri::stable_jid(value)?;
    let again = xep_core::disco::collapse(jid.as_str());
    if again == jid.as_str() {
        Ok(jid)
    } else {
        xep_core::uri::stable_jid(&again)
    }
}

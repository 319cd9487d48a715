//! The JSON export of a directory's listing: one object per server with stable field
//! names, for a web page or a client's registration drop-down, with its JSON Schema.
//!
//! A [`Listing`] is built by the [`Directory`](crate::directory::Directory) machine
//! ([`Directory::listing`](crate::directory::Directory::listing)), or folded from
//! captured `urn:xmpp:contacts` items, notifications and retractions with
//! [`Listing::fold`], keyed by the item id (the server's domain, as Metronome and
//! Prosody publish it), or, where an item id is not a domain (the spec's example uses
//! a UUID), by the domain of the card's `xmpp:` address.
//!
//! ```
//! use xep_service_directory::listing::Listing;
//! let push: minidom::Element = "<message xmlns='jabber:client' from='xmpp.net' type='headline'>\
//!   <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:contacts'>\
//!   <item id='jabber.org'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>\
//!     <fn><text>jabber.org IM service</text></fn><adr><country>US</country></adr>\
//!   </vcard></item></items></event></message>".parse()?;
//! let mut listing = Listing::default();
//! listing.fold(&push);
//! let json = listing.to_json_pretty();
//! assert!(json.contains("\"domain\": \"jabber.org\""));
//! assert!(json.contains("\"country\": \"US\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use minidom::Element;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use xep_core::ns;
use xep_core::reading::{Deviation, Path, Reading, Severity, excerpt};

use crate::error::Error;
use crate::vcard::VCard;

/// One listed server, as a web page or a client loads it. Absent values are
/// omitted; field names never change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ListingEntry {
    /// The server's domain (the pubsub item id).
    pub domain: String,
    /// The friendly name (vCard `fn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The information URL (vCard `url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free text (vCard `note`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The country (vCard `adr/country`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The region (vCard `adr/region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The administrators' email address (vCard `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The service's XMPP URI (vCard `impp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xmpp: Option<String>,
    /// The logo URI (vCard `logo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The `geo:` URI (vCard `geo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<String>,
    /// The time zone (vCard `tz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    /// The administrators' language (vCard `lang`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The founding date as given (vCard `bday`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded: Option<String>,
    /// Where to register an account on the web (`urn:xmpp:vcard:registration:1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
    /// Whether the server offers in-band registration (XEP-0077), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_band_registration: Option<bool>,
    /// The certification authority's name (`urn:xmpp:vcard:ca:0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_name: Option<String>,
    /// The certification authority's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_uri: Option<String>,
    /// The server software (`jabber:iq:version` name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// When the directory last refreshed this entry (RFC 3339), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

impl ListingEntry {
    /// The entry for `domain` from its card. Empty values are left out.
    pub fn from_card(domain: impl Into<String>, card: &VCard) -> Self {
        let s = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let ca = card.ca();
        Self {
            domain: domain.into(),
            name: s(card.formatted_name()),
            url: s(card.url()),
            note: s(card.note()),
            country: s(card.country()),
            region: s(card.region()),
            email: s(card.email()),
            xmpp: s(card.impp()),
            logo: s(card.logo()),
            geo: s(card.geo()),
            tz: s(card.tz()),
            lang: s(card.lang()),
            founded: s(card.bday()),
            registration: s(card.registration()),
            in_band_registration: None,
            ca_name: s(ca.map(|ca| ca.name.as_str())),
            ca_uri: s(ca.and_then(|ca| ca.uri.as_deref())),
            software: s(card.software_name()),
            updated: None,
        }
    }
}

/// A directory's listing: every server, ordered by domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// The servers, one object each, ordered by domain.
    pub servers: Vec<ListingEntry>,
}

impl Listing {
    /// The JSON Schema of the export, generated by `schemars`.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Self)).expect("a schema is JSON")
    }

    /// The export as pretty-printed JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a listing is JSON")
    }

    /// Reads an export back.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))
    }

    /// Inserts or replaces the entry of its domain, keeping the order.
    pub fn upsert(&mut self, entry: ListingEntry) {
        match self
            .servers
            .binary_search_by(|e| e.domain.as_str().cmp(&entry.domain))
        {
            Ok(i) => self.servers[i] = entry,
            Err(i) => self.servers.insert(i, entry),
        }
    }

    /// Removes the entry of `domain`; whether there was one.
    pub fn remove(&mut self, domain: &str) -> bool {
        match self
            .servers
            .binary_search_by(|e| e.domain.as_str().cmp(domain))
        {
            Ok(i) => {
                self.servers.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Folds one captured stanza into the listing: items of the `urn:xmpp:contacts`
    /// node (in a `<message/>` notification, an `<iq/>` items result, or a bare
    /// `<items/>`) are added or replace their entry, `<retract/>`s remove theirs.
    /// Other nodes and elements are ignored; what could not be read is reported.
    pub fn fold(&mut self, element: &Element) -> Vec<Deviation> {
        let mut deviations = Vec::new();
        let root = Path::root().elem(element.name(), 1);
        let items = match element.name() {
            "items" => Some((element, root)),
            "message" => element
                .get_child("event", ns::PUBSUB_EVENT)
                .and_then(|e| e.get_child("items", ns::PUBSUB_EVENT))
                .map(|i| (i, root.elem("event", 1).elem("items", 1))),
            "iq" => element
                .get_child("pubsub", ns::PUBSUB)
                .and_then(|e| e.get_child("items", ns::PUBSUB))
                .map(|i| (i, root.elem("pubsub", 1).elem("items", 1))),
            _ => None,
        };
        let Some((items, path)) = items else {
            return deviations;
        };
        if items.attr("node") != Some(ns::CONTACTS) {
            return deviations;
        }
        let (mut n_item, mut n_retract) = (0, 0);
        for child in items.children() {
            match child.name() {
                "item" => {
                    n_item += 1;
                    let here = path.clone().elem("item", n_item);
                    let Some(card) = child.get_child("vcard", ns::VCARD4) else {
                        continue;
                    };
                    let reading =
                        VCard::read(card).unwrap_or_else(|_| Reading::clean(VCard::new()));
                    deviations.extend(reading.deviations.into_iter().map(|d| d.under(&here)));
                    match item_domain(child.attr("id"), &reading.value) {
                        Some(domain) => {
                            self.upsert(ListingEntry::from_card(domain, &reading.value))
                        }
                        None => deviations.push(Deviation::new(
                            Severity::Dropped,
                            "item-without-domain",
                            here,
                            format!(
                                "item id {} is not a domain and the card has no xmpp: address",
                                excerpt(child.attr("id").unwrap_or(""))
                            ),
                        )),
                    }
                }
                "retract" => {
                    n_retract += 1;
                    if let Some(id) = child.attr("id") {
                        self.remove(id);
                    } else {
                        deviations.push(Deviation::new(
                            Severity::Dropped,
                            "retract-without-id",
                            path.clone().elem("retract", n_retract),
                            "retraction without id ignored",
                        ));
                    }
                }
                _ => {}
            }
        }
        deviations
    }
}

/// The domain an item describes: its id if that is a bare domain (Metronome,
/// Prosody), else the domain of the card's `xmpp:` address.
fn item_domain(id: Option<&str>, card: &VCard) -> Option<String> {
    if let Some(id) = id
        && let Ok(jid) = id.parse::<jid::BareJid>()
        && jid.node().is_none()
        && id.contains('.')
    {
        return Some(jid.to_string());
    }
    let impp = card.impp()?.trim();
    let address = impp.strip_prefix("xmpp:")?;
    let address = address.split(['?', '#']).next()?;
    let jid: jid::Jid = address.parse().ok()?;
    Some(jid.domain().to_string())
}

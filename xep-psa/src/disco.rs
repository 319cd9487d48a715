//! Discovery: "Clients supporting this should have a feature of "urn:xmpp:psa" in
//! caps. Servers autoenable based on this."
//!
//! A server learns a client's features from its XEP-0115 caps (the disco#info result
//! the caps hash stands for) or from a disco#info query; [`requests_psa`] reads either
//! form. Note that a StanzaJS client advertises the feature without parsing
//! annotations (`../shared/INTEROP.md`, P17): the feature is what the spec offers, so
//! it is what this crate goes by.
//!
//! ```
//! use xep_core::disco::DiscoInfo;
//! use xep_psa::disco::{add_feature, requests_psa};
//! use xmpp_parsers::disco::DiscoInfoResult;
//!
//! let mut ours = DiscoInfoResult { node: None, identities: vec![], features: Default::default(), extensions: vec![] };
//! add_feature(&mut ours);
//! let elem = minidom::Element::from(ours);
//! let theirs = DiscoInfo::read(&elem)?.value;
//! assert!(requests_psa(&theirs));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use xep_core::disco::DiscoInfo;
use xmpp_parsers::disco::DiscoInfoResult;

use crate::ns;

/// The disco feature of XEP-0310: `urn:xmpp:psa`.
pub const FEATURE: &str = ns::PSA;

/// Whether a disco#info (or caps) result asks for annotations.
pub fn requests_psa(info: &DiscoInfo) -> bool {
    info.has_feature(FEATURE)
}

/// [`requests_psa`] on an xmpp-parsers result.
pub fn result_requests_psa(info: &DiscoInfoResult) -> bool {
    info.features.contains(FEATURE)
}

/// Adds the feature to our own disco#info result (a server that annotates, or a
/// client that wants annotations).
pub fn add_feature(info: &mut DiscoInfoResult) {
    info.features.insert(FEATURE.to_owned());
}

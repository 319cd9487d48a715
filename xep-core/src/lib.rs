#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

/// XEP-0157: Contact Addresses for XMPP Services, as a typed form.
pub mod contact;
mod error;
/// XEP-0128 / XEP-0068: typed service discovery extensions.
pub mod forms;
/// Language-tagged text and RFC 4647 lookup.
pub mod lang;
/// Namespace, feature and FORM_TYPE constants.
pub mod ns;
/// RFC 5122 / XEP-0060 section 12.22: XMPP URIs naming pubsub nodes.
pub mod uri;
/// Bounded reading of XML captures.
pub mod xml;

pub use error::{Error, UriErrorKind};
/// The XML-layer errors of xso, which our `TryFrom<Element>` conversions return.
pub use xso::error::{Error as XsoError, FromElementError};

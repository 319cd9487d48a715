#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

pub mod contact;
pub mod disco;
mod error;
pub mod forms;
pub mod lang;
pub mod ns;
pub mod reading;
pub mod time;
pub mod tree;
pub mod uri;
pub mod xml;

pub use error::{Error, UriErrorKind};
pub use reading::{Deviation, Path, Reading, Severity, Strict};
/// The XML-layer errors of xso, which our `TryFrom<Element>` conversions return.
pub use xso::error::{Error as XsoError, FromElementError};

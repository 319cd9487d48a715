#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

pub mod annotation;
pub mod client;
pub mod disco;
mod error;
pub mod muc;
pub mod presence;
pub mod server;

pub use annotation::{Condition, StateAnnotation};
pub use error::Error;

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::PSA;
}

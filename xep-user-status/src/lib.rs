#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

pub mod display;
mod error;
pub mod payload;
pub mod pep;
pub mod view;

pub use error::Error;
pub use payload::{NoStatus, State, UserStatus};

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::{USER_STATUS, USER_STATUS_NOTIFY};
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod discovery;
pub mod error;
pub mod graph;
mod legacy;
pub mod payload;
pub mod publisher;

pub use error::Error;
pub use payload::{
    Connection, Direction, Domain, Extensions, Federation, Name, RemoteDomain, ServerInfo,
};

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::{SERVERINFO, SERVERINFO_FORM};
}

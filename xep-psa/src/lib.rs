#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::PSA;
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

pub mod command;
pub mod directory;
pub mod disco;
pub mod error;
pub mod listing;
pub mod server;
pub mod vcard;
mod xml_text;

pub use error::Error;

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::{
        CONTACTS, PUBLIC_SERVER, SERVER_BUDDY_COMMAND, SERVER_PRESENCE, VCARD_CA,
        VCARD_REGISTRATION, VCARD4,
    };
}

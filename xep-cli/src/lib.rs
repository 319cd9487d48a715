#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// `xep inspect`: recognise payloads, print JSON Lines or write the input back.
pub mod inspect;
/// The kinds `xep inspect` recognises.
pub mod registry;

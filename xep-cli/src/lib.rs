#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod inspect;
pub mod registry;
pub mod sos;
pub mod status_cmd;

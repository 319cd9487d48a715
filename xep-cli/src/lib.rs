#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod args;
pub mod graph_cmd;
pub mod input;
pub mod inspect;
pub mod inspect_cmd;
pub mod output;
pub mod registry;
pub mod serverinfo;
pub mod sos;
pub mod status_cmd;
pub mod user_status;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod args;
pub mod directory;
pub mod graph_cmd;
pub mod input;
pub mod inspect;
pub mod inspect_cmd;
pub mod output;
pub mod page;
pub mod page_cmd;
pub mod progress;
pub mod psa;
pub mod registry;
pub mod serverinfo;
pub mod sos;
pub mod status_cmd;
pub mod svg;
pub mod user_status;

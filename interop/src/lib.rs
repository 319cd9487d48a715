//! Interop suite for the xep-* crates: real XMPP servers (Prosody 0.12, ejabberd
//! 23.01 from Debian's packages) on loopback, driven by real clients (tokio-xmpp),
//! with every assertion made on typed values read back through our crates.
//!
//! `interop/run.sh` installs and starts the servers; this crate renders their
//! configuration (`interop setup`) and runs the cases against one of them
//! (`interop run`). See `interop/README.md`.

pub mod api;
pub mod cases;
pub mod client;
pub mod fixture;
pub mod http;
pub mod pubsub;
pub mod runner;
pub mod setup;

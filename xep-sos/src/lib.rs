#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

pub mod disco;
mod error;
pub mod items;
mod locate;
pub mod schema;
pub mod status;
mod timestamp;
pub mod tracker;

pub use error::Error;
pub use status::{Status, StatusFile};
pub use timestamp::{Timestamp, TimestampError, is_rfc3339};

/// The namespaces of this crate's spec, as defined in `xep_core::ns`.
pub mod ns {
    pub use xep_core::ns::{SOS, SOS_0, SOS_TMP};
}

/// The versions of the spec this crate reads and writes.
///
/// | version | namespace | status file | in-band items |
/// |---|---|---|---|
/// | [`Seed`](Self::Seed): ProtoXEP 0.0.1 (2021-01-18) | `urn:xmpp:tmp:sos` | with `outage` | yes |
/// | [`V0_2`](Self::V0_2): XEP-0455 0.2.0 (2021-02-09) | `urn:xmpp:sos:0` | with `outage`, `{}` when resolved | yes |
/// | [`V0_4`](Self::V0_4): XEP-0455 0.4.0 (2025-08-15) | `urn:xmpp:sos:0` | without `outage`, `{}` when resolved | no (removed in 0.3.0) |
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Version {
    /// The seed ProtoXEP 0.0.1.
    #[serde(rename = "seed")]
    Seed,
    /// XEP-0455 version 0.2.0.
    #[serde(rename = "v0.2")]
    V0_2,
    /// XEP-0455 version 0.4.0, the current one.
    #[default]
    #[serde(rename = "v0.4")]
    V0_4,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Self; 3] = [Self::Seed, Self::V0_2, Self::V0_4];

    /// The namespace: FORM_TYPE of the disco form, and (seed, v0.2) of the in-band
    /// items and name of their pubsub node.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Seed => ns::SOS_TMP,
            Self::V0_2 | Self::V0_4 => ns::SOS_0,
        }
    }

    /// Whether the status file has the `outage` (partial|complete) field.
    pub fn has_outage_field(self) -> bool {
        matches!(self, Self::Seed | Self::V0_2)
    }

    /// Whether outages are also published in-band, as pubsub items.
    pub fn has_in_band_items(self) -> bool {
        matches!(self, Self::Seed | Self::V0_2)
    }

    /// The name used on command lines and in JSON: `seed`, `v0.2` or `v0.4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::V0_2 => "v0.2",
            Self::V0_4 => "v0.4",
        }
    }
}

impl core::fmt::Display for Version {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Version {
    type Err = Error;
    /// `seed`, `v0.2` or `v0.4` (also without the `v`, and `0.0.1` for the seed).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim_start_matches('v') {
            "seed" | "0.0.1" => Ok(Self::Seed),
            "0.2" | "0.2.0" => Ok(Self::V0_2),
            "0.4" | "0.4.0" => Ok(Self::V0_4),
            _ => Err(Error::UnknownVersion {
                version: s.to_owned(),
            }),
        }
    }
}

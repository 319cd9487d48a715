//! The crate's error type.

use crate::status::StatusError;
use crate::timestamp::TimestampError;

/// Everything that can go wrong in `xep-sos`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it and
/// report what deviated next to the value. An `Error` means no value could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared-vocabulary error: forms, language tags, XML.
    #[error(transparent)]
    Core(#[from] xep_core::Error),
    /// A status file that cannot be used at all (the lenient reading failed).
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A strict reading refused its input: every deviation of severity
    /// [`Should`](xep_core::reading::Severity::Should) or worse.
    #[error(transparent)]
    Strict(#[from] xep_core::Strict),
    /// A timestamp that is not RFC 3339.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
    /// A pubsub item whose id is not an XEP-0082 timestamp ("each item MUST have an 'id'
    /// attribute value containing the outage date and time, in XEP-0082 format").
    #[error("item id {id:?} is not an XEP-0082 date-time")]
    ItemId {
        /// The id as given (empty when the item had none).
        id: String,
    },
    /// A spec version name that is not `seed`, `v0.2` or `v0.4`.
    #[error("unknown spec version {version:?} (expected seed, v0.2 or v0.4)")]
    UnknownVersion {
        /// The name given.
        version: String,
    },
    /// Outages are not published in-band in this version of the spec.
    #[error("XEP-0455 {version} has no in-band items")]
    NoInBandItems {
        /// The version asked for.
        version: crate::Version,
    },
}

impl Error {
    /// The deviations behind a failed reading ([`Status`](Self::Status) or
    /// [`Strict`](Self::Strict)); empty for other errors.
    pub fn deviations(&self) -> &[xep_core::reading::Deviation] {
        match self {
            Self::Status(e) => &e.deviations,
            Self::Strict(e) => &e.deviations,
            _ => &[],
        }
    }
}

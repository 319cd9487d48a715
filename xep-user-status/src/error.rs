//! The crate's error type.

/// Everything that can go wrong in `xep-user-status`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it and
/// report what deviated next to the value ([`xep_core::Reading`]). An `Error` means no
/// value could be produced at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared-vocabulary error: language tags, XML, xso payload errors.
    #[error(transparent)]
    Core(#[from] xep_core::Error),
    /// A strict reading refused deviations the lenient one would have accepted.
    #[error(transparent)]
    Strict(#[from] xep_core::Strict),
    /// The element is not what the reader was asked to read.
    #[error("expected {expected}, found {{{namespace}}}{name}")]
    Unexpected {
        /// What was expected, such as `a user status payload`.
        expected: &'static str,
        /// The local name found.
        name: String,
        /// The namespace found.
        namespace: String,
    },
    /// A stanza's `from` (or another address) that is not a JID.
    #[error("{jid} is not a JID: {reason}")]
    Jid {
        /// The address, quoted and cut to a readable length.
        jid: String,
        /// What the JID parser said.
        reason: String,
    },
    /// A payload element that is ours but cannot be read (what xso said).
    #[error("invalid user status payload: {reason}")]
    Payload {
        /// What was wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn unexpected(expected: &'static str, element: &minidom::Element) -> Self {
        Self::Unexpected {
            expected,
            name: element.name().to_owned(),
            namespace: element.ns(),
        }
    }
}

impl From<xso::error::FromElementError> for Error {
    fn from(error: xso::error::FromElementError) -> Self {
        match error {
            xso::error::FromElementError::Mismatch(element) => {
                Self::unexpected("a user status payload", &element)
            }
            xso::error::FromElementError::Invalid(e) => Self::Payload {
                reason: e.to_string(),
            },
        }
    }
}

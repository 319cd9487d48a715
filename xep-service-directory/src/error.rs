//! The crate's error type.

/// Everything that can go wrong in `xep-service-directory`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it
/// and return the [`Deviation`](xep_core::Deviation)s next to the value. An `Error`
/// means no value could be produced at all, or a strict reading refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared-vocabulary error: XML, disco#info, forms.
    #[error(transparent)]
    Core(#[from] xep_core::Error),
    /// A strict reading found deviations from the spec.
    #[error(transparent)]
    Strict(#[from] xep_core::Strict),
    /// The element is not the one asked for.
    #[error("expected {expected}, found {found}")]
    NotThisElement {
        /// What the reader reads, such as `a vCard4 <vcard/>`.
        expected: &'static str,
        /// The element found, as `{namespace}name`.
        found: String,
    },
    /// The element is the one asked for, but nothing usable is in it.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being read.
        what: &'static str,
        /// Why it cannot be used.
        reason: String,
    },
    /// A JSON document (a saved listing, a machine state) cannot be read.
    #[error("invalid JSON: {0}")]
    Json(String),
}

impl Error {
    pub(crate) fn not_this(expected: &'static str, found: &minidom::Element) -> Self {
        Self::NotThisElement {
            expected,
            found: format!("{{{}}}{}", found.ns(), found.name()),
        }
    }
}

impl From<xso::error::FromElementError> for Error {
    fn from(error: xso::error::FromElementError) -> Self {
        Self::Core(error.into())
    }
}

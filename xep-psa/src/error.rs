//! The crate's error type.

/// Everything that can go wrong in `xep-psa`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it and
/// report what deviated next to the value. An `Error` means no value could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared-vocabulary error: language tags, XML, xso payload errors.
    #[error(transparent)]
    Core(#[from] xep_core::Error),
    /// A strict reading found deviations from the spec.
    #[error(transparent)]
    Strict(#[from] xep_core::Strict),
    /// The element is not a `<state-annotation xmlns='urn:xmpp:psa'/>`.
    #[error(
        "expected <state-annotation xmlns='urn:xmpp:psa'/>, found <{name}/> in namespace {namespace:?}"
    )]
    NotAnnotation {
        /// The element's local name.
        name: String,
        /// The element's namespace.
        namespace: String,
    },
    /// A saved state could not be restored.
    #[error("saved state refused: {reason}")]
    State {
        /// What was wrong with it.
        reason: String,
    },
}

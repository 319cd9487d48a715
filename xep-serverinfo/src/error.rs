//! The crate's error type.

/// Everything that can go wrong in `xep-serverinfo`.
///
/// Unusual but readable input is not an error: it is read and reported as a
/// deviation. An `Error` means no value could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The element is not `<serverinfo xmlns='urn:xmpp:serverinfo:0'/>`.
    #[error(
        "expected <serverinfo xmlns='urn:xmpp:serverinfo:0'/>, found <{name}/> in {namespace:?}"
    )]
    NotServerInfo {
        /// Local name found.
        name: String,
        /// Namespace found.
        namespace: String,
    },
    /// The element is a serverinfo payload, but broken.
    #[error("invalid <{element}/>: {reason}")]
    Payload {
        /// What was being read.
        element: &'static str,
        /// What xso said.
        reason: String,
    },
    /// A pre-draft payload (Openfire plugin 1.0.0) that cannot be mapped.
    #[error("pre-draft serverinfo layout (Openfire 1.0.0) that cannot be mapped: {reason}")]
    PreDraft {
        /// Why.
        reason: String,
    },
    /// An error from the shared layer (forms, URIs, XML).
    #[error(transparent)]
    Core(#[from] xep_core::Error),
}

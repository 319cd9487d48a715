//! The crate's error type.

use core::fmt;

/// Everything that can go wrong in `xep-core`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it and,
/// where the spec was not followed, report a [`Deviation`](crate::forms::Deviation).
/// An `Error` means a value could not be produced at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A language tag is not well-formed BCP 47 (RFC 5646).
    #[error("invalid language tag {tag:?}: {reason}")]
    LanguageTag {
        /// The tag as given.
        tag: String,
        /// Why it was refused.
        reason: String,
    },
    /// An XMPP URI could not be parsed.
    #[error("invalid XMPP URI {uri:?}: {reason}")]
    Uri {
        /// The URI as given.
        uri: String,
        /// Why it was refused.
        reason: UriErrorKind,
    },
    /// A data form could not be read as the typed form asked for.
    #[error("form {form_type:?}: {reason}")]
    Form {
        /// The FORM_TYPE being read.
        form_type: String,
        /// What was wrong.
        reason: String,
    },
    /// The strict reading of a form found deviations from the spec.
    #[error("form {form_type:?} deviates from its spec: {}", DisplayList(.deviations))]
    Strict {
        /// The FORM_TYPE being read.
        form_type: String,
        /// Every deviation, in document order.
        deviations: Vec<crate::forms::Deviation>,
    },
    /// Typed forms with different FORM_TYPEs were asked to be merged into one form.
    #[error("cannot merge a {found:?} form into a {expected:?} form")]
    FormTypeMismatch {
        /// FORM_TYPE of the form being built.
        expected: String,
        /// FORM_TYPE of the typed form offered.
        found: String,
    },
    /// XML input that is not well-formed, or that exceeds the configured limits.
    #[error(transparent)]
    Xml(#[from] crate::xml::XmlError),
}

/// Why an XMPP URI was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriErrorKind {
    /// The scheme is not `xmpp:`.
    NotXmpp,
    /// The URI has no JID after the scheme.
    MissingJid,
    /// The JID part is not a valid JID.
    InvalidJid,
    /// A `%` is not followed by two hex digits, or the decoded bytes are not UTF-8.
    BadPercentEncoding,
    /// The URI carries no `node` parameter.
    MissingNode,
    /// A query parameter appears twice.
    DuplicateParameter,
}

impl fmt::Display for UriErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotXmpp => "scheme is not xmpp:",
            Self::MissingJid => "no JID after the scheme",
            Self::InvalidJid => "the JID part is not a valid JID",
            Self::BadPercentEncoding => "bad percent-encoding",
            Self::MissingNode => "no node parameter",
            Self::DuplicateParameter => "a query parameter appears twice",
        })
    }
}

struct DisplayList<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for DisplayList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

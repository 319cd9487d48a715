//! The crate's error type.

use core::fmt;

/// Everything that can go wrong in `xep-core`.
///
/// Peer input that is merely unusual is not an error: the lenient readers accept it and,
/// where the spec was not followed, report a [`Deviation`](crate::reading::Deviation).
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
    #[error("invalid XMPP URI {}: {reason}", crate::reading::excerpt(uri))]
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
    /// A strict reading found deviations of severity `should` or worse.
    #[error(transparent)]
    Strict(#[from] crate::reading::Strict),
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
    /// An element that is well-formed XML but not the payload it claims to be: the
    /// xso error, kept as text so that this type stays `Clone + Eq`.
    #[error("invalid {element}: {reason}")]
    Payload {
        /// What was being read, such as `jabber:x:data form`.
        element: String,
        /// What xso said.
        reason: String,
    },
}

impl Error {
    /// Wraps an xso error raised while reading `element`.
    pub fn payload(element: impl Into<String>, error: &xso::error::Error) -> Self {
        Self::Payload {
            element: element.into(),
            reason: error.to_string(),
        }
    }
}

impl From<xso::error::FromElementError> for Error {
    /// A [`FromElementError`](xso::error::FromElementError): a mismatch names the
    /// element found; an invalid payload keeps xso's message.
    fn from(error: xso::error::FromElementError) -> Self {
        match error {
            xso::error::FromElementError::Mismatch(element) => Self::Payload {
                element: format!("{{{}}}{}", element.ns(), element.name()),
                reason: "not the expected element".to_owned(),
            },
            xso::error::FromElementError::Invalid(e) => Self::payload("payload", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidom::Element;
    use xmpp_parsers::data_forms::DataForm;

    #[test]
    fn xso_errors_are_wrapped_with_their_message() {
        let elem: Element = "<x xmlns='jabber:x:data' type='form'><field type='text-single'/></x>"
            .parse()
            .unwrap();
        let err: Error = DataForm::try_from(elem).unwrap_err().into();
        assert_eq!(
            err.to_string(),
            "invalid payload: Required attribute 'var' missing."
        );
        let elem: Element = "<y xmlns='urn:other'/>".parse().unwrap();
        let err: Error = DataForm::try_from(elem).unwrap_err().into();
        assert_eq!(
            err.to_string(),
            "invalid {urn:other}y: not the expected element"
        );
        let e = xso::error::Error::Other("Unknown value for 'type' attribute.");
        assert_eq!(
            Error::payload("jabber:x:data form", &e).to_string(),
            "invalid jabber:x:data form: Unknown value for 'type' attribute."
        );
    }
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
    /// A part decodes to a character XML cannot carry (`%00`, a raw control
    /// character): a node or JID holding it could never be written into a stanza.
    NotXmlCharacter,
    /// The node or item is longer than an XMPP parser with default limits reads in an
    /// attribute ([`crate::xml::MAX_TOKEN`] bytes): no stanza naming it could be read.
    TooLong,
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
            Self::NotXmlCharacter => "a part holds a character XML cannot carry",
            Self::TooLong => "the node or item is over 8192 bytes, more than a stanza can carry",
        })
    }
}

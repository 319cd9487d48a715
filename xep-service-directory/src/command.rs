//! The server-buddy ad-hoc command of XEP-0309 v0.2: an XEP-0050 command envelope
//! ([`Command`]) carrying the XEP-0133 form ([`ServerBuddy`]).
//!
//! "The server administator needs a way to trigger the server to send a presence
//! subscription to the directory. [...] The command node for this use case SHOULD be
//! "`http://jabber.org/protocol/admin#server-buddy`"." (XEP-0309 v0.2; v0.3 moved the
//! use case to XEP-0267 without changing it.)
//!
//! The exchange has four steps, each a [`ServerBuddy`] variant: the admin's
//! [`Execute`](ServerBuddy::Execute), the service's [`Form`](ServerBuddy::Form)
//! (status `executing`, FORM_TYPE `http://jabber.org/protocol/admin`, a `peerjid`
//! jid-single field), the admin's [`Submit`](ServerBuddy::Submit) and the service's
//! [`Completed`](ServerBuddy::Completed); or a [`Cancel`](ServerBuddy::Cancel) and
//! [`Canceled`](ServerBuddy::Canceled). Errors are IQ errors ([`CommandError`]).
//!
//! ```
//! use xep_service_directory::command::ServerBuddy;
//! let submit: minidom::Element = "<command xmlns='http://jabber.org/protocol/commands' \
//!     node='http://jabber.org/protocol/admin#server-buddy' sessionid='s1'>\
//!     <x xmlns='jabber:x:data' type='submit'>\
//!       <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value></field>\
//!       <field var='peerjid'><value>xmpp.net</value></field>\
//!     </x></command>".parse()?;
//! let reading = ServerBuddy::read(&submit)?;
//! let ServerBuddy::Submit { sessionid, peer } = &reading.value else { panic!() };
//! assert_eq!((sessionid.as_str(), peer.as_str()), ("s1", "xmpp.net"));
//! assert_eq!(minidom::Element::from(reading.value.to_command()), submit);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::str::FromStr;

use jid::BareJid;
use minidom::Element;
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};
use xmpp_parsers::iq::{IqResultPayload, IqSetPayload};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use xso::{AsXml, FromXml};

use xep_core::ns;
use xep_core::reading::{Deviation, Path, Reading, Severity, excerpt};

use crate::error::Error;

/// The command node: [`ns::SERVER_BUDDY_COMMAND`].
pub const NODE: &str = ns::SERVER_BUDDY_COMMAND;
/// The FORM_TYPE of XEP-0133 admin forms.
pub const FORM_TYPE: &str = "http://jabber.org/protocol/admin";
/// The form field naming the peer server.
pub const PEERJID: &str = "peerjid";

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// The value as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }

        impl FromStr for $name {
            type Err = xso::error::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(xso::error::Error::Other(concat!(
                        "Unknown value for '", stringify!($name), "' attribute."
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        xso::convert_via_fromstr_and_display!($name);
    };
}

text_enum!(
    /// The `action` of a command request (XEP-0050); absent means `execute`.
    Action {
        /// Start, or go on with the default action.
        Execute = "execute",
        /// Cancel the session.
        Cancel = "cancel",
        /// Go back a stage.
        Prev = "prev",
        /// Go on to the next stage.
        Next = "next",
        /// Finish with the data given.
        Complete = "complete",
    }
);

text_enum!(
    /// The `status` of a command response (XEP-0050).
    Status {
        /// The command is running and waits for more input.
        Executing = "executing",
        /// The command has finished.
        Completed = "completed",
        /// The command was canceled.
        Canceled = "canceled",
    }
);

text_enum!(
    /// The `type` of a command `<note/>`; absent means `info`.
    NoteType {
        /// Information.
        Info = "info",
        /// A warning.
        Warn = "warn",
        /// An error.
        Error = "error",
    }
);

/// `<actions/>`: the actions the requester may take next.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::COMMANDS, name = "actions")]
pub struct Actions {
    /// The default action.
    #[xml(attribute(default))]
    pub execute: Option<Action>,
    /// `<prev/>` is allowed.
    #[xml(flag)]
    pub prev: bool,
    /// `<next/>` is allowed.
    #[xml(flag)]
    pub next: bool,
    /// `<complete/>` is allowed.
    #[xml(flag)]
    pub complete: bool,
}

/// `<note/>`: a message for the requester.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq)]
#[xml(namespace = ns::COMMANDS, name = "note")]
pub struct Note {
    /// The kind of note (absent means info).
    #[xml(attribute(default, name = "type"))]
    pub type_: Option<NoteType>,
    /// The text.
    #[xml(text)]
    pub text: String,
}

/// `<command xmlns='http://jabber.org/protocol/commands'/>`: the XEP-0050 envelope,
/// in a request (`<iq type='set'/>`, an [`IqSetPayload`]) or a response (an
/// [`IqResultPayload`]).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq)]
#[xml(namespace = ns::COMMANDS, name = "command")]
pub struct Command {
    /// The command node.
    #[xml(attribute)]
    pub node: String,
    /// The session, set by the responder in its first answer and repeated by the
    /// requester after that.
    #[xml(attribute(default))]
    pub sessionid: Option<String>,
    /// The requested action (requests only).
    #[xml(attribute(default))]
    pub action: Option<Action>,
    /// The status (responses only).
    #[xml(attribute(default))]
    pub status: Option<Status>,
    /// The actions allowed next (responses only).
    #[xml(child(default))]
    pub actions: Option<Actions>,
    /// Notes for the requester.
    #[xml(child(n = ..))]
    pub notes: Vec<Note>,
    /// The data form.
    #[xml(child(default))]
    pub form: Option<DataForm>,
    /// Any other payload, kept as it came (its order among the typed children is
    /// not kept).
    #[xml(element(n = ..))]
    pub payloads: Vec<Element>,
}

impl IqSetPayload for Command {}
impl IqResultPayload for Command {}

impl Command {
    /// An empty command envelope for `node`.
    pub fn new(node: impl Into<String>) -> Self {
        Self {
            node: node.into(),
            sessionid: None,
            action: None,
            status: None,
            actions: None,
            notes: Vec::new(),
            form: None,
            payloads: Vec::new(),
        }
    }

    /// Lenient reading of a `<command/>` (or an `<iq/>` holding one): unknown
    /// `action`/`status` values and unreadable notes are dropped and reported, the
    /// form is read field by field. `Err` when the element is not a command or has no
    /// `node`.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        let (command, path) = if element.is("command", ns::COMMANDS) {
            (element, Path::root().elem("command", 1))
        } else if element.name() == "iq"
            && let Some(c) = element.get_child("command", ns::COMMANDS)
        {
            (c, Path::root().elem("iq", 1).elem("command", 1))
        } else {
            return Err(Error::not_this("an ad-hoc <command/>", element));
        };
        let Some(node) = command.attr("node") else {
            return Err(Error::Invalid {
                what: "ad-hoc command",
                reason: "no node attribute".to_owned(),
            });
        };
        let mut deviations = Vec::new();
        let mut out = Self::new(node);
        out.sessionid = command.attr("sessionid").map(str::to_owned);
        out.action = match command.attr("action") {
            None => None,
            // Prosody's mod_service_directories compares with "canceled" (INTEROP
            // row 13); read it as the cancel it means.
            Some("canceled") => {
                deviations.push(Deviation::new(
                    Severity::Must,
                    "canceled-action",
                    path.clone().attr("action"),
                    "action 'canceled' read as 'cancel'",
                ));
                Some(Action::Cancel)
            }
            Some(a) => enum_attr(a, "action", &path, &mut deviations),
        };
        out.status = command
            .attr("status")
            .and_then(|s| enum_attr(s, "status", &path, &mut deviations));
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for child in command.children() {
            let n = counts.entry(child.name()).or_insert(0);
            *n += 1;
            let here = path.clone().elem(child.name(), *n);
            if child.is("actions", ns::COMMANDS) {
                match Actions::try_from(child.clone()) {
                    Ok(a) => out.actions = Some(a),
                    Err(e) => deviations.push(dropped(here, "actions", &e.to_string())),
                }
            } else if child.is("note", ns::COMMANDS) {
                match Note::try_from(child.clone()) {
                    Ok(note) => out.notes.push(note),
                    Err(e) => deviations.push(dropped(here, "note", &e.to_string())),
                }
            } else if child.is("x", ns::DATA_FORMS) {
                if out.form.is_some() {
                    deviations.push(Deviation::new(
                        Severity::Dropped,
                        "second-form",
                        here,
                        "second data form in one command dropped",
                    ));
                    continue;
                }
                let form = xep_core::disco::read_form(child, &here);
                deviations.extend(form.deviations);
                out.form = form.value;
            } else {
                match xep_core::xml::try_writable_copy(child) {
                    Ok(copy) => out.payloads.push(copy),
                    Err(why) => deviations.push(Deviation::new(
                        Severity::Dropped,
                        "unwritable",
                        here,
                        format!("payload dropped: it holds {why}"),
                    )),
                }
            }
        }
        Ok(Reading::new(out, deviations))
    }
}

fn dropped(path: Path, what: &str, why: &str) -> Deviation {
    Deviation::new(
        Severity::Dropped,
        "unreadable-child",
        path,
        format!(
            "<{what}/> dropped: {}",
            why.to_lowercase().trim_end_matches('.')
        ),
    )
}

fn enum_attr<T: FromStr>(
    value: &str,
    name: &str,
    path: &Path,
    deviations: &mut Vec<Deviation>,
) -> Option<T> {
    match value.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            deviations.push(Deviation::new(
                Severity::Dropped,
                "unknown-attribute-value",
                path.clone().attr(name),
                format!("unknown {name} {} dropped", excerpt(value)),
            ));
            None
        }
    }
}

/// The form a service returns for the server-buddy command, with the words of the
/// spec's example as defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBuddyForm {
    /// `<title/>`: "Adding a Server Buddy" (Metronome: "Subscribing to a peer
    /// server").
    pub title: Option<String>,
    /// `<instructions/>`.
    pub instructions: Option<String>,
    /// The label of `peerjid`: "The server to add".
    pub label: Option<String>,
    /// Whether `peerjid` is marked `<required/>` (the spec and Prosody do, Metronome
    /// does not: INTEROP P20).
    pub required: bool,
}

impl Default for ServerBuddyForm {
    fn default() -> Self {
        Self {
            title: Some("Adding a Server Buddy".to_owned()),
            instructions: Some("Fill out this form to add a \"server buddy\".".to_owned()),
            label: Some("The server to add".to_owned()),
            required: true,
        }
    }
}

impl ServerBuddyForm {
    /// The `jabber:x:data` form of type `form`.
    pub fn to_form(&self) -> DataForm {
        let mut peer = Field::new(PEERJID, FieldType::JidSingle);
        peer.label = self.label.clone();
        peer.required = self.required;
        DataForm {
            type_: DataFormType::Form,
            title: self.title.clone(),
            instructions: self.instructions.clone(),
            fields: vec![form_type_field(), peer],
        }
    }
}

fn form_type_field() -> Field {
    Field::new(xep_core::forms::FORM_TYPE_VAR, FieldType::Hidden).with_value(FORM_TYPE)
}

/// One step of the server-buddy command, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerBuddy {
    /// The admin starts the command (`action='execute'`).
    Execute,
    /// The service returns the form (`status='executing'`).
    Form {
        /// The session the service opened.
        sessionid: String,
        /// The form.
        form: ServerBuddyForm,
    },
    /// The admin submits the peer server.
    Submit {
        /// The session.
        sessionid: String,
        /// The server to become buddies with.
        peer: BareJid,
    },
    /// The service has sent the subscription (`status='completed'`).
    Completed {
        /// The session.
        sessionid: String,
        /// Notes for the admin.
        notes: Vec<Note>,
    },
    /// The admin cancels (`action='cancel'`).
    Cancel {
        /// The session.
        sessionid: String,
    },
    /// The service confirms the cancellation (`status='canceled'`).
    Canceled {
        /// The session.
        sessionid: String,
    },
}

impl ServerBuddy {
    /// The session id, if the step has one.
    pub fn sessionid(&self) -> Option<&str> {
        match self {
            Self::Execute => None,
            Self::Form { sessionid, .. }
            | Self::Submit { sessionid, .. }
            | Self::Completed { sessionid, .. }
            | Self::Cancel { sessionid }
            | Self::Canceled { sessionid } => Some(sessionid),
        }
    }

    /// The envelope for this step.
    pub fn to_command(&self) -> Command {
        let mut c = Command::new(NODE);
        match self {
            Self::Execute => c.action = Some(Action::Execute),
            Self::Form { sessionid, form } => {
                c.sessionid = Some(sessionid.clone());
                c.status = Some(Status::Executing);
                c.form = Some(form.to_form());
            }
            Self::Submit { sessionid, peer } => {
                c.sessionid = Some(sessionid.clone());
                c.form = Some(DataForm {
                    type_: DataFormType::Submit,
                    title: None,
                    instructions: None,
                    fields: vec![
                        form_type_field(),
                        Field::text_single(PEERJID, peer.as_str()),
                    ],
                });
            }
            Self::Completed { sessionid, notes } => {
                c.sessionid = Some(sessionid.clone());
                c.status = Some(Status::Completed);
                c.notes = notes.clone();
            }
            Self::Cancel { sessionid } => {
                c.sessionid = Some(sessionid.clone());
                c.action = Some(Action::Cancel);
            }
            Self::Canceled { sessionid } => {
                c.sessionid = Some(sessionid.clone());
                c.status = Some(Status::Canceled);
            }
        }
        c
    }

    /// Lenient reading of a `<command/>` (or an `<iq/>` holding one) on the
    /// server-buddy node. `Err` when it is another node, or a submission without a
    /// usable `peerjid`.
    pub fn read(element: &Element) -> Result<Reading<Self>, Error> {
        let reading = Command::read(element)?;
        Self::from_command(reading)
    }

    /// Strict reading: [`ServerBuddy::read`] refusing any deviation of severity
    /// `should` or worse.
    pub fn read_strict(element: &Element) -> Result<Self, Error> {
        Ok(Self::read(element)?.into_strict("server-buddy command")?)
    }

    /// The step a command envelope read by [`Command::read`] holds.
    pub fn from_command(reading: Reading<Command>) -> Result<Reading<Self>, Error> {
        let Reading {
            value: command,
            mut deviations,
        } = reading;
        if command.node != NODE {
            return Err(Error::Invalid {
                what: "server-buddy command",
                reason: format!("node {} is not {NODE}", excerpt(&command.node)),
            });
        }
        let root = Path::root().elem("command", 1);
        let session = |deviations: &mut Vec<Deviation>| match &command.sessionid {
            Some(s) if s.is_empty() => {
                // XEP-0050: "The value of this attribute MUST NOT be empty or null".
                deviations.push(Deviation::new(
                    Severity::Must,
                    "empty-sessionid",
                    root.clone().attr("sessionid"),
                    "empty sessionid",
                ));
                String::new()
            }
            Some(s) => s.clone(),
            None => {
                // XEP-0050: "This attribute MUST be present for subsequent stages"
                // (the responder sets it in its first answer).
                deviations.push(Deviation::new(
                    Severity::Must,
                    "missing-sessionid",
                    root.clone().attr("sessionid"),
                    "no sessionid after the first stage",
                ));
                String::new()
            }
        };
        let form = command.form.as_ref();
        let step = match (command.status, command.action) {
            (Some(Status::Completed), _) => Self::Completed {
                sessionid: session(&mut deviations),
                notes: command.notes.clone(),
            },
            (Some(Status::Canceled), _) => Self::Canceled {
                sessionid: session(&mut deviations),
            },
            (Some(Status::Executing), _) => {
                let form = form.ok_or_else(|| Error::Invalid {
                    what: "server-buddy command",
                    reason: "status executing without a form".to_owned(),
                })?;
                check_form_type(form, &root, &mut deviations);
                let peer = form
                    .fields
                    .iter()
                    .find(|f| f.var.as_deref() == Some(PEERJID));
                let Some(peer) = peer else {
                    return Err(Error::Invalid {
                        what: "server-buddy command",
                        reason: "the form has no peerjid field".to_owned(),
                    });
                };
                if !peer.required {
                    deviations.push(Deviation::new(
                        Severity::Note,
                        "peerjid-not-required",
                        root.clone().elem("x", 1).field(PEERJID),
                        "peerjid is not marked <required/> (Metronome)",
                    ));
                }
                Self::Form {
                    sessionid: session(&mut deviations),
                    form: ServerBuddyForm {
                        title: form.title.clone(),
                        instructions: form.instructions.clone(),
                        label: peer.label.clone(),
                        required: peer.required,
                    },
                }
            }
            (None, Some(Action::Cancel)) => Self::Cancel {
                sessionid: session(&mut deviations),
            },
            (None, action) => match form {
                Some(form) if matches!(form.type_, DataFormType::Submit) => {
                    check_form_type(form, &root, &mut deviations);
                    let peer = read_peer(form, &root, &mut deviations)?;
                    Self::Submit {
                        sessionid: session(&mut deviations),
                        peer,
                    }
                }
                _ if matches!(action, None | Some(Action::Execute)) => Self::Execute,
                _ => {
                    return Err(Error::Invalid {
                        what: "server-buddy command",
                        reason: format!(
                            "action {} without a submitted form",
                            action.map_or("execute", Action::as_str)
                        ),
                    });
                }
            },
        };
        Ok(Reading::new(step, deviations))
    }
}

fn check_form_type(form: &DataForm, root: &Path, deviations: &mut Vec<Deviation>) {
    let path = root
        .clone()
        .elem("x", 1)
        .field(xep_core::forms::FORM_TYPE_VAR);
    match form.form_type() {
        Some(FORM_TYPE) => {}
        Some(other) => deviations.push(Deviation::new(
            Severity::Must,
            "form-type",
            path,
            format!("FORM_TYPE {} is not {FORM_TYPE}", excerpt(other)),
        )),
        None => deviations.push(Deviation::new(
            Severity::Should,
            "missing-form-type",
            path,
            format!("no FORM_TYPE; XEP-0133 forms carry {FORM_TYPE}"),
        )),
    }
}

fn read_peer(
    form: &DataForm,
    root: &Path,
    deviations: &mut Vec<Deviation>,
) -> Result<BareJid, Error> {
    let path = root.clone().elem("x", 1).field(PEERJID);
    let invalid = |reason: String| Error::Invalid {
        what: "server-buddy submission",
        reason,
    };
    let field = form
        .fields
        .iter()
        .find(|f| f.var.as_deref() == Some(PEERJID))
        .ok_or_else(|| invalid("no peerjid field".to_owned()))?;
    let value = field
        .values
        .first()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid("peerjid has no value".to_owned()))?;
    let jid: jid::Jid = value
        .parse()
        .map_err(|e| invalid(format!("peerjid {} is not a JID: {e}", excerpt(value))))?;
    if jid.node().is_some() || jid.resource().is_some() {
        deviations.push(Deviation::new(
            Severity::Must,
            "peer-not-domain",
            path,
            format!(
                "peerjid {} is not a bare domain; its domain is used",
                excerpt(value)
            ),
        ));
    }
    Ok(BareJid::from_parts(None, jid.domain()))
}

/// An error of the command, as XEP-0050 and XEP-0133 define them: the IQ error a
/// service answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandError {
    /// "The responding JID does not understand the specified action."
    MalformedAction,
    /// "The responding JID cannot accept the specified action."
    BadAction,
    /// "The responding JID cannot accept the specified language/locale."
    BadLocale,
    /// "The responding JID cannot accept the specified payload (e.g. the data form
    /// did not provide one or more required fields)."
    BadPayload,
    /// "The responding JID cannot accept the specified sessionid."
    BadSessionId,
    /// "The requesting JID specified a sessionid that is no longer active."
    SessionExpired,
    /// "The requesting JID is not allowed to execute the command" (not an admin).
    Forbidden,
    /// "The responding JID cannot find the requested command node."
    ItemNotFound,
}

impl CommandError {
    /// The specific condition element name, if there is one.
    pub fn specific(self) -> Option<&'static str> {
        Some(match self {
            Self::MalformedAction => "malformed-action",
            Self::BadAction => "bad-action",
            Self::BadLocale => "bad-locale",
            Self::BadPayload => "bad-payload",
            Self::BadSessionId => "bad-sessionid",
            Self::SessionExpired => "session-expired",
            Self::Forbidden | Self::ItemNotFound => return None,
        })
    }

    /// The IQ error for this condition, with the type and general condition of the
    /// XEP-0050 table.
    pub fn to_stanza_error(self) -> StanzaError {
        let (type_, condition) = match self {
            Self::SessionExpired => (ErrorType::Cancel, DefinedCondition::NotAllowed),
            Self::Forbidden => (ErrorType::Cancel, DefinedCondition::Forbidden),
            Self::ItemNotFound => (ErrorType::Cancel, DefinedCondition::ItemNotFound),
            _ => (ErrorType::Modify, DefinedCondition::BadRequest),
        };
        let mut error = StanzaError::new(type_, condition, "en", "");
        error.texts.clear();
        error.other = self
            .specific()
            .map(|name| Element::builder(name, ns::COMMANDS).build());
        error
    }

    /// The condition an IQ error carries, if it is one of these.
    pub fn from_stanza_error(error: &StanzaError) -> Option<Self> {
        if let Some(other) = &error.other
            && other.ns() == ns::COMMANDS
        {
            return Some(match other.name() {
                "malformed-action" => Self::MalformedAction,
                "bad-action" => Self::BadAction,
                "bad-locale" => Self::BadLocale,
                "bad-payload" => Self::BadPayload,
                "bad-sessionid" => Self::BadSessionId,
                "session-expired" => Self::SessionExpired,
                _ => return None,
            });
        }
        match error.defined_condition {
            DefinedCondition::Forbidden => Some(Self::Forbidden),
            DefinedCondition::ItemNotFound => Some(Self::ItemNotFound),
            _ => None,
        }
    }
}

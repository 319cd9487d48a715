//! The command line of `xep`: one clap definition for every command and subcommand.
//!
//! Every command takes `--help`, every option with a value takes both `--flag value`
//! and `--flag=value`, and options that contradict each other are refused. The
//! commands' logic lives in their own modules ([`crate::inspect_cmd`],
//! [`crate::graph_cmd`], [`crate::status_cmd`]); this module only says what may be
//! typed.

use chrono::{DateTime, FixedOffset, TimeDelta, Timelike, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::graph_cmd::OutputFormat;
use crate::output::Out;

/// The exit status paragraph shared by the help texts.
const EXIT_STATUS: &str = "\
Exit status: 0 when every input was read, 1 when --strict saw deviations, 2 when an
input is malformed or unreadable, output cannot be written, or the command line is wrong.";

/// `xep`: inspect XMPP stanzas and status files for the xep-* extensions.
#[derive(Debug, Parser)]
#[command(
    name = "xep",
    version,
    about = "Inspect XMPP stanzas, federation graphs and service outage status files",
    after_help = EXIT_STATUS,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `xep`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every xep-* payload found in stanzas, streams or a JSON status file
    #[command(after_help = EXIT_STATUS)]
    Inspect(InspectArgs),
    /// XEP-0485 server information
    #[command(subcommand)]
    Serverinfo(ServerinfoCommand),
    /// XEP-0455 status files: start, update and end an outage; validate; print the schema
    #[command(subcommand)]
    Status(StatusCommand),
    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  xep completions bash > ~/.local/share/bash-completion/completions/xep
  xep completions zsh > ~/.zfunc/_xep
  xep completions fish > ~/.config/fish/completions/xep.fish")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), as in `xep man | man -l -`
    Man,
}

/// What `xep inspect --emit` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// JSON Lines: one JSON object per recognised payload
    Json,
    /// The input written back from the typed values, in its own format
    Wire,
}

/// `xep inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// List every spec deviation on standard error, and exit 1 if there was any
    #[arg(long)]
    pub strict: bool,
    /// What to print [default: json for a pipe or a file, readable text (--pretty) for
    /// a terminal]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub emit: Option<Emit>,
    /// Readable text for people instead of JSON Lines (the default on a terminal)
    #[arg(long, conflicts_with = "emit")]
    pub pretty: bool,
    /// Files to read; `-` or none is standard input. XML (stanzas, payloads, a stream)
    /// or a JSON status file
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
}

/// `xep serverinfo ...`.
#[derive(Debug, Subcommand)]
pub enum ServerinfoCommand {
    /// Fold the XEP-0485 `<serverinfo/>` items of captures into one federation graph.
    #[command(
        about = "Fold the XEP-0485 <serverinfo/> items of captures into one federation graph"
    )]
    #[command(after_help = "\
An item's time is its <delay/> stamp, else --now, else the newest stamp seen; items older
than --max-age at --now (else the newest stamp) are dropped.

Exit status: 0 when the graph was printed (unreadable payloads are reported and skipped),
2 when an input is malformed or unreadable, output cannot be written, or the command
line is wrong.")]
    Graph(GraphArgs),
}

/// `xep serverinfo graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Dot)]
    pub format: OutputFormat,
    /// How old an item may be, in whole seconds
    #[arg(long, value_name = "SECS", default_value_t = 10800)]
    pub max_age: u32,
    /// The time to judge staleness at (RFC 3339, such as 2025-06-01T12:00:00Z)
    #[arg(long, value_name = "TIME", value_parser = parse_rfc3339)]
    pub now: Option<DateTime<Utc>>,
    /// Files to read; `-` or none is standard input
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
}

/// `xep status ...`.
#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Write a status file saying an outage began (or will begin)
    #[command(after_help = TIME_HELP)]
    New(NewArgs),
    /// Change an existing status file (expected end, messages, planned...), keeping
    /// everything else, including fields this tool does not know
    #[command(after_help = TIME_HELP)]
    Update(UpdateArgs),
    /// Write `{}`, the status file that says the outage is over
    End(EndArgs),
    /// Check a status file (or the external-status-addresses forms of a stanza)
    #[command(after_help = "\
Prints one line per finding: FILE:LINE:COLUMN: error|invalid|warning: PATH: MESSAGE.
`invalid` is what the published schema rejects but clients still read (a bad
expected_end, a message without default); warnings are advice: a message key that is not
a language tag, an end before the beginning, an expected_end already past (at --now, else
at the current time), a timestamp Slixmpp cannot read (more than 6 fraction digits, a
leap second), an address that is not http(s).

Exit status: 0 when the file is valid (warnings allowed), 1 when --strict saw warnings,
2 for errors or invalid files, unreadable input or a wrong command line.")]
    Validate(ValidateArgs),
    /// Print the JSON Schema of the status file
    Schema(SchemaArgs),
}

/// The help paragraph about times, shared by `new` and `update`.
const TIME_HELP: &str = "\
TIME is `now`, a time relative to now (+2h, +30m, +1h30m, -15m, +1d; units d h m s), or
RFC 3339 (2026-11-22T10:00:00Z, 2026-11-22T11:00:00+01:00). Now is the clock of this
machine, or --now. Fraction digits given are kept up to 6 (more are cut: Slixmpp, the
client that reads status files, drops a status with more than 6, or with a leap second).

Exit status: 0 when the file was written, 2 when nothing was written (a refused option,
an unreadable file, a failed write).";

/// A status file format version, as `--spec` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Spec {
    /// The seed draft (0.0.1, urn:xmpp:tmp:sos), with the `outage` field
    #[value(alias = "0.0.1")]
    Seed,
    /// XEP-0455 0.2.0, with the `outage` field
    #[value(name = "v0.2", alias = "0.2")]
    V0_2,
    /// XEP-0455 0.4.0, the format clients read (Slixmpp), without `outage`
    #[value(name = "v0.4", alias = "0.4")]
    V0_4,
}

impl From<Spec> for xep_sos::Version {
    fn from(spec: Spec) -> Self {
        match spec {
            Spec::Seed => Self::Seed,
            Spec::V0_2 => Self::V0_2,
            Spec::V0_4 => Self::V0_4,
        }
    }
}

/// `--outage`: the scope of the outage (seed and v0.2 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Outage {
    /// Some of the service is down
    Partial,
    /// All of the service is down
    Complete,
}

impl From<Outage> for xep_sos::status::OutageScope {
    fn from(outage: Outage) -> Self {
        match outage {
            Outage::Partial => Self::Partial,
            Outage::Complete => Self::Complete,
        }
    }
}

/// `--planned` / `--unplanned`, which exclude each other.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct PlannedArgs {
    /// The outage was planned (maintenance)
    #[arg(long, conflicts_with = "unplanned")]
    pub planned: bool,
    /// The outage was not planned
    #[arg(long)]
    pub unplanned: bool,
}

impl PlannedArgs {
    /// `Some(true)` for `--planned`, `Some(false)` for `--unplanned`, `None` for neither.
    pub fn value(self) -> Option<bool> {
        match (self.planned, self.unplanned) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// A `--message` value: `default` or a BCP 47 tag, and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageArg {
    /// `default` or a well-formed BCP 47 language tag.
    pub key: String,
    /// The text.
    pub text: String,
}

fn parse_message(value: &str) -> Result<MessageArg, String> {
    let (key, text) = value
        .split_once('=')
        .ok_or_else(|| "takes LANG=TEXT, such as default=TEXT or de=TEXT".to_owned())?;
    let key = if key == "default" {
        key.to_owned()
    } else {
        xep_core::lang::Lang::parse(key)
            .map_err(|_| format!("{key:?} is not `default` or a BCP 47 language tag"))?
            .to_string()
    };
    Ok(MessageArg {
        key,
        text: text.to_owned(),
    })
}

/// A time as the operator typed it, resolved against the CLI clock later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    /// `now`.
    Now,
    /// `+2h`, `-15m`: this much after (or before) now.
    Relative(TimeDelta),
    /// An RFC 3339 time, with the number of fraction digits it was written with.
    Absolute {
        /// The moment, with the offset it was written with.
        at: DateTime<FixedOffset>,
        /// Fraction digits as typed (may be more than clients read).
        digits: usize,
    },
}

impl TimeArg {
    /// The moment meant, with the fraction digits to write (at most 6; `now` and
    /// relative times are whole seconds), and whether digits were cut.
    pub fn resolve(
        self,
        now: DateTime<Utc>,
    ) -> Result<(DateTime<FixedOffset>, usize, bool), String> {
        let now = now.fixed_offset();
        let whole = |t: DateTime<FixedOffset>| {
            t.with_nanosecond(0)
                .ok_or_else(|| "is out of range".to_owned())
        };
        match self {
            Self::Now => Ok((whole(now)?, 0, false)),
            Self::Relative(delta) => {
                let at = now
                    .checked_add_signed(delta)
                    .ok_or_else(|| "is too far from now".to_owned())?;
                Ok((whole(at)?, 0, false))
            }
            Self::Absolute { at, digits } => Ok((at, digits.min(6), digits > 6)),
        }
    }
}

/// Reads `now`, `+2h`, `-15m`, `+1h30m` or an RFC 3339 time.
pub fn parse_time(value: &str) -> Result<TimeArg, String> {
    if value.eq_ignore_ascii_case("now") {
        return Ok(TimeArg::Now);
    }
    if let Some(sign) = value.chars().next().filter(|c| matches!(c, '+' | '-')) {
        let delta = parse_duration(&value[1..])?;
        return Ok(TimeArg::Relative(if sign == '-' { -delta } else { delta }));
    }
    let at = xep_sos::Timestamp::parse(value)
        .map_err(|_| {
            "is not `now`, +DURATION (+2h, +30m) or RFC 3339 (2026-11-22T10:00:00Z)".to_owned()
        })?
        .as_datetime();
    if at.nanosecond() >= 1_000_000_000 {
        return Err(
            "is a leap second (:60), which clients cannot read (Slixmpp drops the status): use :59"
                .to_owned(),
        );
    }
    let digits = value
        .split_once('.')
        .map_or(0, |(_, f)| f.bytes().take_while(u8::is_ascii_digit).count());
    Ok(TimeArg::Absolute { at, digits })
}

/// Reads `2h`, `30m`, `1h30m`, `90s`, `1d`.
fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let bad = || format!("{text:?} is not a duration such as 2h, 30m, 1h30m, 90s or 1d");
    if text.is_empty() {
        return Err(bad());
    }
    let mut total = TimeDelta::zero();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit = rest[digits..].chars().next().ok_or_else(bad)?;
        let seconds = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let part = number
            .checked_mul(seconds)
            .and_then(TimeDelta::try_seconds)
            .ok_or_else(bad)?;
        total = total.checked_add(&part).ok_or_else(bad)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Ok(total)
}

fn parse_rfc3339(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("is not an RFC 3339 time such as 2026-11-22T10:00:00Z ({e})"))
}

/// `--now`: the time the CLI takes as the current time, instead of the clock.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct NowArg {
    /// Take this RFC 3339 time as now instead of the clock (for tests and replays)
    #[arg(long, value_name = "TIME", value_parser = parse_rfc3339)]
    pub now: Option<DateTime<Utc>>,
}

/// `xep status new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// When the outage began, or will begin (a future time announces planned
    /// maintenance): `now`, -15m, RFC 3339
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub beginning: TimeArg,
    /// When it is expected to end: +2h, +30m, RFC 3339
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub expected_end: Option<TimeArg>,
    /// Planned or not.
    #[command(flatten)]
    pub planned: PlannedArgs,
    /// Outage scope. Seed and v0.2 files only (--spec seed or v0.2): clients (Slixmpp)
    /// read the v0.4 format, which has no outage field
    #[arg(long, value_enum, value_name = "SCOPE")]
    pub outage: Option<Outage>,
    /// A message for users: default=TEXT (needed once any message is given), or a
    /// BCP 47 tag such as de=TEXT or pt-BR=TEXT; repeat for each language
    #[arg(long, value_name = "LANG=TEXT", value_parser = parse_message)]
    pub message: Vec<MessageArg>,
    /// The format to write
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = Spec::V0_4)]
    pub spec: Spec,
    /// The clock.
    #[command(flatten)]
    pub now: NowArg,
    /// Write to FILE (atomically: a temporary file in the same directory, then
    /// renamed) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// `xep status update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The status file to change (`-` reads standard input and writes standard output)
    #[arg(value_name = "FILE")]
    pub file: String,
    /// A new beginning: `now`, -15m, RFC 3339
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub beginning: Option<TimeArg>,
    /// A new expected end: +2h, +30m, RFC 3339
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub expected_end: Option<TimeArg>,
    /// Remove the expected end (it is not known any more)
    #[arg(long, conflicts_with = "expected_end")]
    pub no_expected_end: bool,
    /// Planned or not.
    #[command(flatten)]
    pub planned: PlannedArgs,
    /// Outage scope. Seed and v0.2 files only: clients (Slixmpp) read the v0.4 format,
    /// which has no outage field
    #[arg(long, value_enum, value_name = "SCOPE")]
    pub outage: Option<Outage>,
    /// Add or replace a message: default=TEXT or LANG=TEXT; repeat for each language
    #[arg(long, value_name = "LANG=TEXT", value_parser = parse_message)]
    pub message: Vec<MessageArg>,
    /// Remove the message in this language (`default` only once no other language is left)
    #[arg(long, value_name = "LANG")]
    pub remove_message: Vec<String>,
    /// The format rules to apply [default: v0.2 when the file has an outage field, else
    /// v0.4]
    #[arg(long, value_enum, value_name = "VERSION")]
    pub spec: Option<Spec>,
    /// The clock.
    #[command(flatten)]
    pub now: NowArg,
    /// Write to FILE (`-` for standard output) instead of changing FILE in place; either
    /// way the write is atomic
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// `xep status end`.
#[derive(Debug, Args)]
pub struct EndArgs {
    /// Write to FILE (atomically) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// `xep status validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The format rules to check against
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = Spec::V0_4)]
    pub spec: Spec,
    /// Check expected_end against this time instead of the clock
    #[command(flatten)]
    pub now: NowArg,
    /// Exit 1 when there are warnings
    #[arg(long)]
    pub strict: bool,
    /// The file (`-` or none: standard input)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: String,
}

/// `xep status schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The format (seed for the one with the `outage` field)
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = Spec::V0_4)]
    pub spec: Spec,
}

/// Says what clap found and returns the exit status: help and version on standard
/// output (0); a usage error on standard error as the error and one hint line (2).
pub fn report_clap_error(error: &clap::Error, args: &[String]) -> u8 {
    use clap::error::ErrorKind;
    use std::io::{IsTerminal, Write};
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            let mut out = Out::new(stdout.lock());
            let rendered = error.render();
            let _ = if terminal {
                write!(out, "{}", rendered.ansi())
            } else {
                write!(out, "{rendered}")
            };
            out.finish().exit_status(0, &mut std::io::stderr())
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(std::io::stderr(), "{}", error.render());
            2
        }
        _ => {
            let text = short_usage_error(&error.render().to_string(), &command_path(args));
            let _ = write!(std::io::stderr(), "{text}");
            2
        }
    }
}

/// The command words of a command line (`xep status new`), as far as they name
/// commands.
pub fn command_path(args: &[String]) -> String {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut path = vec!["xep".to_owned()];
    for arg in args.iter().skip(1) {
        let Some(sub) = command.find_subcommand(arg).cloned() else {
            if arg.starts_with('-') {
                continue;
            }
            break;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    path.join(" ")
}

/// Clap's error text cut to the error (one line) and one hint: clap's own tip when it
/// has one (a similar option name, `--` before a value that starts with `-`), else where
/// the help of `command` is.
pub fn short_usage_error(rendered: &str, command: &str) -> String {
    let mut paragraphs = rendered
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let first = paragraphs.next().unwrap_or("error: invalid command line");
    let message = first.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let rest: Vec<&str> = paragraphs.collect();
    let tip = rest
        .iter()
        .flat_map(|p| p.lines())
        .map(str::trim)
        .find(|l| l.starts_with("tip:"));
    let hint = match tip {
        Some(tip) => tip.to_owned(),
        None => format!("see '{command} --help'"),
    };
    format!("xep: {message}\n  {hint}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn times() {
        let now: DateTime<Utc> = "2026-11-22T10:00:00.75Z".parse().unwrap();
        let at = |s: &str| parse_time(s).unwrap().resolve(now).unwrap();
        assert_eq!(at("now").0.to_rfc3339(), "2026-11-22T10:00:00+00:00");
        assert_eq!(at("+2h").0.to_rfc3339(), "2026-11-22T12:00:00+00:00");
        assert_eq!(at("+1h30m").0.to_rfc3339(), "2026-11-22T11:30:00+00:00");
        assert_eq!(at("-15m").0.to_rfc3339(), "2026-11-22T09:45:00+00:00");
        assert_eq!(at("+1d").0.to_rfc3339(), "2026-11-23T10:00:00+00:00");
        let (t, digits, cut) = at("2026-11-22T10:00:00.1234567+01:00");
        assert_eq!(
            (t.to_rfc3339(), digits, cut),
            ("2026-11-22T10:00:00.123456700+01:00".into(), 6, true)
        );
        assert_eq!(at("2026-11-22T10:00:00.50Z").1, 2);
        for bad in [
            "+",
            "+2",
            "+2x",
            "+h",
            "soon",
            "2026-11-22 10:00",
            "+99999999999999d",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        assert!(
            parse_time("2016-12-31T23:59:60Z")
                .unwrap_err()
                .contains("leap second")
        );
    }

    fn usage_error(args: &[&str]) -> String {
        let e = Cli::try_parse_from(args).unwrap_err();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        short_usage_error(&e.render().to_string(), &command_path(&args))
    }

    #[test]
    fn usage_errors_are_two_lines() {
        assert_eq!(
            usage_error(&["xep", "status", "new"]),
            "xep: the following required arguments were not provided: --beginning <TIME>\n  see 'xep status new --help'\n"
        );
        assert_eq!(
            usage_error(&["xep", "inspect", "--strickt"]),
            "xep: unexpected argument '--strickt' found\n  tip: a similar argument exists: '--strict'\n"
        );
        assert_eq!(
            usage_error(&[
                "xep",
                "status",
                "new",
                "--beginning=now",
                "--planned",
                "--unplanned"
            ]),
            "xep: the argument '--planned' cannot be used with '--unplanned'\n  see 'xep status new --help'\n"
        );
    }
}

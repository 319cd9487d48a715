//! `xep serverinfo graph`: fold the XEP-0485 items found in captures into one federation
//! graph and print it as Graphviz DOT or JSON, or draw it as SVG ([`crate::svg`]).
//!
//! Inputs are read as `xep inspect` reads them ([`xep_core::xml::ItemReader`], one
//! top-level element at a time): bare payloads, pubsub event messages, IQ results,
//! several stanzas or a whole stream.
//! Every `<serverinfo xmlns='urn:xmpp:serverinfo:0'/>` anywhere inside is used, with
//!
//! * its time: the nearest XEP-0203 `<delay xmlns='urn:xmpp:delay' stamp='…'/>` on an
//!   enclosing element (the `<item/>`, the stanza); else `--now`; else the newest stamp
//!   seen in all inputs (so a capture is judged at its own time); with no stamp
//!   anywhere, the time of the run (an item is never dated 1970);
//! * its source: the stanza's `from` (the pubsub service), the enclosing
//!   `<items node='…'/>` and `<item id='…'/>`;
//! * its publisher: the `<domain name='…'/>`s it holds. A capture is vouched for by
//!   whoever made it, so every named domain counts
//!   ([`Trust::AnySource`](xep_serverinfo::graph::Trust)); a crawler that fetches
//!   items itself should use the library's default trust, which counts an item only
//!   for the domain whose advertised node it came from.
//!
//! Malformed XML stops everything (exit 2, `FILE:LINE:COLUMN: message`, nothing printed).
//! A payload that cannot be read, or that names no domain, is reported on standard
//! error with where it is, and skipped.

use std::io::Write;

use chrono::{DateTime, TimeDelta, Utc};
use xep_core::ns;
use xep_core::tree::TreeElement;

use crate::input::read_input;
use crate::output::Out;
use crate::progress::Progress;
use xep_core::reading::Reading;
use xep_core::xml::{ItemReader, Limits, Piece, XmlError};
use xep_serverinfo::ServerInfo;
use xep_serverinfo::graph::{GraphBuilder, GraphConfig, Observation, Source, Trust};

/// The XEP-0203 delayed-delivery namespace.
const DELAY: &str = "urn:xmpp:delay";

/// What `--format` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Graphviz DOT
    #[default]
    Dot,
    /// JSON
    Json,
    /// An SVG drawing, laid out here (no Graphviz needed)
    Svg,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Output format.
    pub format: OutputFormat,
    /// Maximum age of an item.
    pub max_age: TimeDelta,
    /// The time to judge staleness at, and the time of items without a stamp.
    pub now: Option<DateTime<Utc>>,
    /// Inputs; `-` is standard input.
    pub files: Vec<String>,
}

impl From<crate::args::GraphArgs> for Options {
    fn from(args: crate::args::GraphArgs) -> Self {
        let mut files = args.files;
        if files.is_empty() {
            files.push("-".to_owned());
        }
        Self {
            format: args.format,
            max_age: TimeDelta::seconds(i64::from(args.max_age)),
            now: args.now,
            files,
        }
    }
}

/// One `<serverinfo/>` found in an input.
#[derive(Debug, Clone)]
pub struct Found {
    /// The payload, as [`ServerInfo::read`] reads it.
    pub info: ServerInfo,
    /// The nearest delay stamp, if any.
    pub stamp: Option<DateTime<Utc>>,
    /// Service, node and item id, as far as the enclosing stanza tells.
    pub source: Source,
    /// Where it was found.
    pub at: Location,
}

/// Where something was found: the top-level element's start and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line of the top-level element's start tag.
    pub line: usize,
    /// 1-based column of the top-level element's start tag.
    pub column: usize,
    /// Element path inside it, such as `/message/event/items/item/serverinfo`.
    pub path: String,
}

/// A payload that was skipped, or a stamp that was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub at: Location,
    /// What.
    pub message: String,
}

/// Everything found in one input.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The payloads that could be read, in document order.
    pub found: Vec<Found>,
    /// What was skipped or ignored, in document order.
    pub problems: Vec<Problem>,
}

#[derive(Clone, Default)]
struct Context {
    service: Option<String>,
    node: Option<String>,
    item: Option<String>,
    stamp: Option<DateTime<Utc>>,
}

/// Finds every `<serverinfo/>` in one input. Fails only when the input is not
/// well-formed XML (or is over the limits).
pub fn collect(input: &[u8], limits: &Limits) -> Result<Collected, XmlError> {
    let mut out = Collected::default();
    // One top-level element at a time, each dropped when done; a top-level
    // <serverinfo/> is read from its bytes, without a tree.
    let is_payload =
        |namespace: &str, name: &str| namespace == ns::SERVERINFO && name == "serverinfo";
    let mut reader = ItemReader::new(input, limits)
        .with_raw(&is_payload)
        .compact();
    while let Some(piece) = reader.next_piece() {
        match piece? {
            Piece::Element(_) => unreachable!("the reader builds compact trees"),
            Piece::Tree(item) => {
                let mut path = String::new();
                walk(
                    item.tree.root(),
                    Context::default(),
                    &mut path,
                    (item.line, item.column),
                    &mut out,
                );
            }
            Piece::Raw(raw) => {
                let at = Location {
                    line: raw.line,
                    column: raw.column,
                    path: "/serverinfo".into(),
                };
                let reading = ServerInfo::read_bytes(&input[raw.range]);
                payload(reading, Context::default(), at, &mut out);
            }
        }
    }
    Ok(out)
}

/// Records what was read of one `<serverinfo/>` at `at`.
fn payload(
    reading: Result<Reading<ServerInfo>, xep_serverinfo::Error>,
    ctx: Context,
    at: Location,
    out: &mut Collected,
) {
    match reading {
        Ok(reading) if reading.value.domains.iter().any(|d| d.name.is_some()) => {
            // Parts the lenient reading had to leave out are said, not lost.
            for d in reading
                .deviations
                .iter()
                .filter(|d| d.severity == xep_core::Severity::Dropped)
            {
                out.problems.push(Problem {
                    at: at.clone(),
                    message: format!("{}: {}; the rest is used", d.path, d.message),
                });
            }
            out.found.push(Found {
                info: reading.value,
                stamp: ctx.stamp,
                source: Source {
                    service: ctx.service,
                    node: ctx.node,
                    item: ctx.item,
                },
                at,
            });
        }
        Ok(_) => out.problems.push(Problem {
            at,
            message: "no named <domain/>: cannot tell who published it; skipped".into(),
        }),
        Err(e) => out.problems.push(Problem {
            at,
            message: format!("cannot read <serverinfo/>: {e}; skipped"),
        }),
    }
}

/// Walks the compact tree; a `<serverinfo/>` in it is read from its text, without a
/// minidom tree.
fn walk(
    element: TreeElement<'_>,
    mut ctx: Context,
    path: &mut String,
    start: (usize, usize),
    out: &mut Collected,
) {
    let len = path.len();
    path.push('/');
    path.push_str(element.name());
    let location = |path: &str| Location {
        line: start.0,
        column: start.1,
        path: path.to_owned(),
    };
    if element.is("serverinfo", ns::SERVERINFO) {
        // Read from its text as a top-level one is read from its bytes, without a
        // minidom tree; where that fails, the tree reading says why.
        let reading = ServerInfo::read_bytes(element.to_xml().as_bytes())
            .or_else(|_| ServerInfo::read(&element.to_element()));
        payload(reading, ctx, location(path), out);
        path.truncate(len);
        return;
    }
    match element.name() {
        "message" | "iq" => {
            if let Some(from) = element.attr("from") {
                ctx.service = Some(from.to_owned());
            }
        }
        "items" if element.ns() == ns::PUBSUB || element.ns() == ns::PUBSUB_EVENT => {
            ctx.node = element.attr("node").map(str::to_owned);
        }
        "item" if element.ns() == ns::PUBSUB || element.ns() == ns::PUBSUB_EVENT => {
            ctx.item = element.attr("id").map(str::to_owned);
        }
        _ => {}
    }
    for delay in element.children().filter(|c| c.is("delay", DELAY)) {
        match delay.attr("stamp").map(DateTime::parse_from_rfc3339) {
            Some(Ok(stamp)) => ctx.stamp = Some(stamp.with_timezone(&Utc)),
            Some(Err(e)) => out.problems.push(Problem {
                at: location(path),
                message: format!(
                    "<delay/> stamp {:?} is not an XEP-0082 time ({e}); ignored",
                    delay.attr("stamp").unwrap_or_default()
                ),
            }),
            None => out.problems.push(Problem {
                at: location(path),
                message: "<delay/> without stamp; ignored".into(),
            }),
        }
    }
    for child in element.children() {
        if !child.is("delay", DELAY) {
            walk(child, ctx.clone(), path, start, out);
        }
    }
    path.truncate(len);
}

/// Builds the graph from what was collected in every input and renders it.
///
/// Items without a stamp get `now` (else the newest stamp, else they are fresh); the
/// graph is judged at `now` (else the newest stamp).
pub fn render(inputs: &[Collected], options: &Options) -> String {
    let newest = inputs
        .iter()
        .flat_map(|c| c.found.iter().filter_map(|f| f.stamp))
        .max();
    // The CLI is where clocks live: with no stamp and no --now, the run's own time.
    let now = options
        .now
        .or(newest)
        .unwrap_or_else(|| DateTime::<Utc>::from(std::time::SystemTime::now()));
    let mut builder = GraphBuilder::new(
        GraphConfig::default()
            .with_max_age(options.max_age)
            .with_trust(Trust::AnySource),
    );
    for found in inputs.iter().flat_map(|c| &c.found) {
        let at = found.stamp.unwrap_or(now);
        builder.add(
            now,
            Observation::new(&found.info, at).with_source(&found.source),
        );
    }
    let graph = builder.finish(now);
    match options.format {
        OutputFormat::Dot => graph.to_dot(),
        OutputFormat::Json => {
            let mut json = graph.to_json();
            json.push('\n');
            json
        }
        OutputFormat::Svg => crate::svg::render(&graph, &crate::svg::SvgOptions::default()),
    }
}

/// Runs `xep serverinfo graph`, writing to the given streams; returns the exit status.
/// Shows no progress.
pub fn run(options: &Options, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    run_with_progress(options, stdout, stderr, false)
}

/// [`run`], with a progress bar on the process's standard error when `progress` is
/// set and [`crate::progress`] finds it worth showing (a terminal, many or large
/// inputs). `stderr` must not hold the process's standard error locked: the bar draws
/// on it from its own thread.
pub fn run_with_progress(
    options: &Options,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    progress: bool,
) -> u8 {
    let limits = Limits::default();
    let mut inputs = Vec::new();
    let mut malformed = false;
    let bar = if progress {
        Progress::for_inputs(&options.files, "reading")
    } else {
        Progress::hidden()
    };
    for name in &options.files {
        bar.start(name);
        let bytes = match read_input(name, limits.max_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                bar.suspend(|| writeln!(stderr, "xep: {name}: {e}")).ok();
                malformed = true;
                continue;
            }
        };
        match collect(&bytes, &limits) {
            Ok(collected) => {
                bar.suspend(|| {
                    for p in &collected.problems {
                        let _ = writeln!(
                            stderr,
                            "xep: {name}:{}:{}: {}: {}",
                            p.at.line, p.at.column, p.at.path, p.message
                        );
                    }
                });
                inputs.push(collected);
            }
            Err(e) => {
                bar.suspend(|| {
                    writeln!(stderr, "xep: {name}:{}:{}: {}", e.line, e.column, e.message)
                })
                .ok();
                malformed = true;
            }
        }
        bar.done(bytes.len() as u64);
    }
    bar.finish();
    if malformed {
        return 2;
    }
    if inputs.iter().all(|c| c.found.is_empty()) {
        let _ = writeln!(
            stderr,
            "xep: note: no readable <serverinfo/> with a named <domain/> found"
        );
    }
    let mut out = Out::new(stdout);
    let _ = out.write_all(render(&inputs, options).as_bytes());
    out.finish().exit_status(0, stderr)
}

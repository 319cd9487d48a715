//! The `xep` command. See the crate README for usage.

use std::io::{self, Write};
use std::process::ExitCode;

use xep_cli::input::read_input;
use xep_cli::inspect::{Emit, inspect};
use xep_cli::registry::Registry;
use xep_core::xml::Limits;

const USAGE: &str = "\
usage: xep inspect [--strict] [--emit json|wire] [FILE|-]...
       xep serverinfo graph [--format dot|json] [--max-age SECS] [--now RFC3339] [FILE|-]...
       xep status new|end|validate|schema ...   (xep status --help)
       xep vcard lint [FILE|-]...
       xep directory export|schema [FILE|-]...

Reads XMPP stanzas, payloads or streams (or a JSON status file) and prints one JSON
object per recognised payload (--emit json, the default), or the input written back
from the typed values (--emit wire). With no FILE, or with -, reads standard input.

  --strict        exit 1 and list every spec deviation seen (on standard error)
  --emit FORMAT   json (default) or wire
  -h, --help      this text
  -V, --version   the version

Exit status: 0 when every input was read, 1 when --strict saw deviations,
2 when an input is malformed or unreadable, or the command line is wrong.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("inspect") => run_inspect(&args[1..]),
        Some("serverinfo") if args.get(1).is_some_and(|a| a == "graph") => {
            xep_cli::graph_cmd::main(&args[2..])
        }
        Some("status") => ExitCode::from(xep_cli::status_cmd::run(
            &args[1..],
            &mut io::stdout(),
            &mut io::stderr(),
        )),
        Some("vcard") if args.get(1).is_some_and(|a| a == "lint") => ExitCode::from(
            xep_cli::directory::vcard_lint(&args[2..], &mut io::stdout(), &mut io::stderr()),
        ),
        Some("directory") => match args.get(1).map(String::as_str) {
            Some("export") => ExitCode::from(xep_cli::directory::directory_export(
                &args[2..],
                &mut io::stdout(),
                &mut io::stderr(),
            )),
            Some("schema") => {
                ExitCode::from(xep_cli::directory::directory_schema(&mut io::stdout()))
            }
            _ => usage_error("xep directory takes export or schema"),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("xep {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown command {other:?}")),
        None => usage_error("no command given"),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("xep: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

fn run_inspect(args: &[String]) -> ExitCode {
    let mut strict = false;
    let mut emit = Emit::Json;
    let mut files: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--strict" => strict = true,
            "--emit" => match args.next().map(String::as_str) {
                Some("json") => emit = Emit::Json,
                Some("wire") => emit = Emit::Wire,
                Some(other) => {
                    return usage_error(&format!("--emit takes json or wire, not {other:?}"));
                }
                None => return usage_error("--emit needs json or wire"),
            },
            s if s.starts_with("--emit=") => match &s[7..] {
                "json" => emit = Emit::Json,
                "wire" => emit = Emit::Wire,
                other => return usage_error(&format!("--emit takes json or wire, not {other:?}")),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-" => files.push("-"),
            s if s.starts_with('-') => return usage_error(&format!("unknown option {s:?}")),
            s => files.push(s),
        }
    }
    if files.is_empty() {
        files.push("-");
    }
    let limits = Limits::default();
    let registry = Registry::default();
    let several = files.len() > 1;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut malformed = false;
    let mut deviations = 0usize;
    for name in &files {
        let bytes = match read_input(name, limits.max_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("xep: {name}: {e}");
                malformed = true;
                continue;
            }
        };
        let inspection = match inspect(&bytes, &registry, &limits) {
            Ok(inspection) => inspection,
            Err(e) => {
                eprintln!("xep: {name}: {e}");
                malformed = true;
                continue;
            }
        };
        let written = match emit {
            Emit::Json => inspection.findings.iter().try_for_each(|f| {
                let label = several.then_some(*name);
                writeln!(out, "{}", f.to_json(label))
            }),
            Emit::Wire => out.write_all(inspection.wire.as_bytes()),
        };
        if written.is_err() {
            // Standard output closed (a pager quit): nothing more to say.
            return ExitCode::SUCCESS;
        }
        let found = inspection.deviations();
        deviations += found.len();
        if strict {
            for d in &found {
                eprintln!("xep: {name}: deviation: {d}");
            }
        }
    }
    let _ = out.flush();
    if malformed {
        return ExitCode::from(2);
    }
    if deviations > 0 {
        if strict {
            return ExitCode::from(1);
        }
        eprintln!("xep: note: {deviations} spec deviation(s) seen; --strict lists them");
    }
    ExitCode::SUCCESS
}

//! The `xep` command. See the crate README for usage.

#![forbid(unsafe_code)]

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use chrono::Timelike;
use clap::{CommandFactory, Parser};
use xep_cli::args::{Cli, Command, DirectoryCommand, ServerinfoCommand, VcardCommand};
use xep_cli::output::Out;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(xep_cli::args::report_clap_error(&e, &args)),
    };
    let stdout = io::stdout();
    // Standard error is not held locked: a progress bar draws on it from its own thread.
    let (mut out, mut err) = (stdout.lock(), io::stderr());
    let status = match cli.command {
        Command::Inspect(args) => {
            let show = xep_cli::inspect_cmd::Show::from_args(&args, io::stdout().is_terminal());
            xep_cli::inspect_cmd::run_with_progress(&args, show, &mut out, &mut err, true)
        }
        Command::Serverinfo(ServerinfoCommand::Graph(args)) => {
            xep_cli::graph_cmd::run_with_progress(&args.into(), &mut out, &mut err, true)
        }
        Command::Status(command) => {
            // The one place the CLI reads the clock; `--now` replaces it.
            let clock = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
            let clock = clock.with_nanosecond(0).unwrap_or(clock);
            xep_cli::status_cmd::run(command, clock, &mut out, &mut err)
        }
        Command::Vcard(VcardCommand::Lint(args)) => {
            xep_cli::directory::vcard_lint(&args.files, &mut out, &mut err)
        }
        Command::Directory(DirectoryCommand::Export(args)) => {
            xep_cli::directory::directory_export(&args.files, &mut out, &mut err)
        }
        Command::Directory(DirectoryCommand::Schema) => {
            xep_cli::directory::directory_schema(&mut out)
        }
        Command::Completions { shell } => {
            let mut o = Out::new(&mut out);
            clap_complete::generate(shell, &mut Cli::command(), "xep", &mut o);
            o.finish().exit_status(0, &mut err)
        }
        Command::Man => {
            let mut o = Out::new(&mut out);
            let _ = clap_mangen::Man::new(Cli::command()).render(&mut o);
            o.finish().exit_status(0, &mut err)
        }
    };
    let _ = err.flush();
    ExitCode::from(status)
}

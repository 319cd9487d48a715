//! `interop setup` writes a server's configuration; `interop run` runs the cases
//! against the running server. `interop/run.sh` calls both.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use xep_interop::runner::{self, Ctx};
use xep_interop::setup::{self, Options, Server};

const USAGE: &str = "\
usage: interop setup --server prosody|ejabberd --dir DIR --c2s-port PORT --http-port PORT [--dist-port PORT]
       interop run --target DIR/target.json --xep PATH [--only TEXT]

setup  writes the server's configuration, its test modules, the accounts to
       register (DIR/accounts) and DIR/target.json into DIR.
run    runs every case (or those whose name contains TEXT) against the server
       described by target.json, one line per case, then a summary line.
       Exit status 0 when no case failed.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup_command(&args[1..]),
        Some("run") => run_command(&args[1..]),
        _ => Err(String::new()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("interop: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The value of `--name`, if given.
fn flag<'a>(args: &'a [String], name: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .map(|v| Some(v.as_str()))
            .ok_or_else(|| format!("{name} needs a value")),
    }
}

fn required<'a>(args: &'a [String], name: &str) -> Result<&'a str, String> {
    flag(args, name)?.ok_or_else(|| format!("{name} is required"))
}

fn port(args: &[String], name: &str) -> Result<u16, String> {
    let text = required(args, name)?;
    text.parse()
        .map_err(|_| format!("{name}: not a port: {text:?}"))
}

fn setup_command(args: &[String]) -> Result<ExitCode, String> {
    let name = required(args, "--server")?;
    let server = Server::parse(name).ok_or_else(|| format!("unknown server {name:?}"))?;
    let dist_port = match server {
        Server::Ejabberd => port(args, "--dist-port")?,
        Server::Prosody => 0,
    };
    setup::write(&Options {
        server,
        dir: PathBuf::from(required(args, "--dir")?),
        c2s_port: port(args, "--c2s-port")?,
        http_port: port(args, "--http-port")?,
        dist_port,
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: &[String]) -> Result<ExitCode, String> {
    let target_path = PathBuf::from(required(args, "--target")?);
    let target = setup::read_target(&target_path)?;
    let xep = PathBuf::from(required(args, "--xep")?);
    let filter = flag(args, "--only")?.map(str::to_owned);
    let scratch = target_path
        .parent()
        .map_or_else(std::env::temp_dir, |d| d.join("scratch"));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let ctx = Arc::new(Ctx {
        target,
        xep,
        scratch,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let cases = xep_interop::cases::all();
    let summary = runtime.block_on(runner::run(ctx, &cases, filter.as_deref()));
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

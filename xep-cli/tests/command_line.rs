//! The command line itself, through the binary: help everywhere, `--flag=value`,
//! refused conflicts, short usage errors, completions and the man page.

mod common;
use common::{stderr, stdout, xep};

use clap::CommandFactory;
use xep_cli::args::Cli;

/// Every command path: `[]`, `["inspect"]`, `["status", "new"]`, ...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        out.push(prefix.to_vec());
        for sub in command.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

#[test]
fn help_on_every_command_and_subcommand() {
    let paths = command_paths();
    // inspect, serverinfo graph, status new|update|end|validate|schema, completions, man
    assert!(paths.len() >= 12, "{paths:?}");
    for path in &paths {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            let o = xep(&args, b"");
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            let usage = format!(
                "Usage: {}",
                ["xep"]
                    .iter()
                    .copied()
                    .chain(path.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            assert!(stdout(&o).contains(&usage), "{args:?}: {}", stdout(&o));
            assert!(stderr(&o).is_empty(), "{args:?}");
        }
    }
}

#[test]
fn version() {
    let o = xep(&["--version"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), format!("xep {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_option_takes_the_equals_form() {
    let status = "{\"beginning\": \"2026-11-22T10:00:00Z\"}";
    let cases: [(&[&str], &[u8], &str); 6] = [
        (
            &["inspect", "--emit=wire", "-"],
            status.as_bytes(),
            "\"beginning\"",
        ),
        (
            &[
                "status",
                "new",
                "--beginning=now",
                "--now=2026-11-22T10:00:00Z",
                "--expected-end=+2h",
                "--spec=v0.2",
                "--outage=partial",
            ],
            b"",
            "\"expected_end\": \"2026-11-22T12:00:00Z\"",
        ),
        (&["status", "schema", "--spec=seed"], b"", "\"partial\""),
        (
            &[
                "status",
                "validate",
                "--spec=v0.4",
                "--now=2026-11-22T10:00:00Z",
                "-",
            ],
            status.as_bytes(),
            "-: ok (v0.4)",
        ),
        (
            &[
                "serverinfo",
                "graph",
                "--format=json",
                "--max-age=60",
                "--now=2026-11-22T10:00:00Z",
                "-",
            ],
            b"<serverinfo xmlns='urn:xmpp:serverinfo:0'><domain name='a.example'/></serverinfo>",
            "\"a.example\"",
        ),
        (
            &[
                "status",
                "new",
                "--beginning=2026-11-22T10:00:00Z",
                "--message=default=Down for maintenance",
            ],
            b"",
            "\"default\": \"Down for maintenance\"",
        ),
    ];
    for (args, input, expected) in cases {
        let o = xep(args, input);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains(expected), "{args:?}: {}", stdout(&o));
    }
}

#[test]
fn contradicting_options_are_refused_in_two_lines() {
    for (args, message) in [
        (
            &[
                "status",
                "new",
                "--beginning",
                "now",
                "--planned",
                "--unplanned",
            ][..],
            "xep: the argument '--planned' cannot be used with '--unplanned'",
        ),
        (
            &["inspect", "--pretty", "--emit", "json"],
            "xep: the argument '--pretty' cannot be used with '--emit <FORMAT>'",
        ),
        (
            &[
                "status",
                "update",
                "x.json",
                "--expected-end",
                "+1h",
                "--no-expected-end",
            ],
            "xep: the argument '--expected-end <TIME>' cannot be used with '--no-expected-end'",
        ),
        (
            &["status", "new", "--beginning", "now", "--beginning", "+1h"],
            "xep: the argument '--beginning <TIME>' cannot be used multiple times",
        ),
    ] {
        let o = xep(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}: {err}");
        assert_eq!(lines[0], message, "{args:?}");
        assert!(lines[1].starts_with("  "), "{args:?}: {err}");
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn usage_errors_name_the_command_help() {
    let o = xep(&["status", "new", "--beginning", "tomorrow"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "xep: invalid value 'tomorrow' for '--beginning <TIME>': is not `now`, +DURATION (+2h, +30m) or RFC 3339 (2026-11-22T10:00:00Z)\n  see 'xep status new --help'\n"
    );
    let o = xep(&["serverinfo", "graph", "--max-age", "an hour"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).ends_with("\n  see 'xep serverinfo graph --help'\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef xep"),
        ("fish", "complete -c xep"),
    ] {
        let o = xep(&["completions", shell], b"");
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["inspect", "status", "update", "expected-end"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let o = xep(&["completions", "tcsh"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page() {
    let o = xep(&["man"], b"");
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH xep 1"), "{page}");
    assert!(page.contains("inspect"));
}

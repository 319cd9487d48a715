//! Progress on standard error: drawn on a terminal for many inputs, never otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn many_inputs(name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/serverinfo-items.xml");
    (0..12)
        .map(|i| {
            let path = dir.join(format!("items-{i:02}.xml"));
            std::fs::copy(&sample, &path).unwrap();
            path
        })
        .collect()
}

fn commands() -> Vec<Vec<String>> {
    vec![
        vec![
            "serverinfo".into(),
            "graph".into(),
            "--format".into(),
            "svg".into(),
        ],
        vec!["inspect".into()],
    ]
}

/// Piped standard error (not a terminal): no bar, no escape sequence, no carriage
/// return; only the command's own lines.
#[test]
fn nothing_extra_when_standard_error_is_not_a_terminal() {
    let files = many_inputs("progress-pipe");
    for args in commands() {
        let out = Command::new(env!("CARGO_BIN_EXE_xep"))
            .args(&args)
            .args(&files)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("input(s)") && !stderr.contains('\x1b') && !stderr.contains('\r'),
            "{args:?}: {stderr}"
        );
        assert!(stderr.lines().all(|l| l.starts_with("xep: ")), "{stderr}");
        assert!(!out.stdout.is_empty());
        assert!(!String::from_utf8_lossy(&out.stdout).contains("input(s)"));
    }
}

/// On a terminal (a pseudo-terminal from util-linux `script`), a bar is drawn on
/// standard error while standard output still gets the result.
#[test]
fn a_bar_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("`script` (util-linux) is not installed: skipped");
        return;
    }
    let files = many_inputs("progress-tty");
    for args in commands() {
        let out_file =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("progress-{}.out", args[0]));
        let mut line = format!("{} {}", env!("CARGO_BIN_EXE_xep"), args.join(" "));
        for f in &files {
            line.push(' ');
            line.push_str(&f.to_string_lossy());
        }
        line.push_str(&format!(" > {}", out_file.display()));
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let terminal = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {terminal}");
        assert!(terminal.contains("12 input(s)"), "{args:?}: {terminal}");
        assert!(!std::fs::read(&out_file).unwrap().is_empty());
        let written = String::from_utf8_lossy(&std::fs::read(&out_file).unwrap()).into_owned();
        assert!(!written.contains("input(s)"));
    }
}

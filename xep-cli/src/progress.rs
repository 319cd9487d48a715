//! Progress on standard error for commands that read many or large inputs (`xep
//! inspect`, `xep serverinfo graph`), drawn with `indicatif`.
//!
//! A bar is shown only when standard error is a terminal and the work is big enough to
//! wait for ([`worth_showing`]); otherwise nothing at all is printed, so pipes, logs
//! and tests see exactly what they saw before. While a bar is on screen, messages for
//! standard error go through [`Progress::suspend`] so that they are not torn.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// From this many inputs on, a bar is worth showing.
pub const MANY_INPUTS: usize = 8;

/// From this many bytes in all on, a bar is worth showing.
pub const LARGE_INPUT: u64 = 4 * 1024 * 1024;

/// Whether a progress bar should be drawn: standard error is a terminal, and there
/// are [`MANY_INPUTS`] inputs or [`LARGE_INPUT`] bytes to read.
pub fn worth_showing(terminal: bool, inputs: usize, bytes: u64) -> bool {
    terminal && (inputs >= MANY_INPUTS || bytes >= LARGE_INPUT)
}

/// The size of each input that is a file (`-`, standard input, counts as 0).
pub fn input_sizes(names: &[String]) -> Vec<u64> {
    names
        .iter()
        .map(|name| match name.as_str() {
            "-" => 0,
            path => std::fs::metadata(path).map_or(0, |m| m.len()),
        })
        .collect()
}

/// A progress bar over the inputs of one command, or nothing.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No progress shown.
    pub fn hidden() -> Self {
        Self { bar: None }
    }

    /// Progress over `names`, drawn on standard error when it is a terminal and the
    /// inputs are many or large; `verb` says what is done (`inspecting`).
    pub fn for_inputs(names: &[String], verb: &str) -> Self {
        let sizes = input_sizes(names);
        let total: u64 = sizes.iter().sum();
        if !worth_showing(std::io::stderr().is_terminal(), names.len(), total) {
            return Self::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({eta}) {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(format!("{verb} {} input(s)", names.len()));
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar: Some(bar) }
    }

    /// Whether a bar is drawn.
    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Starts on the input `name`.
    pub fn start(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(name.to_owned());
        }
    }

    /// Done with an input of `bytes` bytes.
    pub fn done(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    /// Runs `f` (which writes to standard error) with the bar taken off the screen.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_only_on_a_terminal_for_big_work() {
        assert!(!worth_showing(false, 1000, u64::MAX));
        assert!(!worth_showing(true, 1, 10));
        assert!(!worth_showing(true, MANY_INPUTS - 1, LARGE_INPUT - 1));
        assert!(worth_showing(true, MANY_INPUTS, 0));
        assert!(worth_showing(true, 1, LARGE_INPUT));
    }

    #[test]
    fn sizes_of_files_and_stdin() {
        let path = std::env::temp_dir().join(format!("xep-progress-{}", std::process::id()));
        std::fs::write(&path, b"12345").unwrap();
        let name = path.to_string_lossy().into_owned();
        let sizes = input_sizes(&["-".into(), "/nonexistent/xep".into(), name]);
        let _ = std::fs::remove_file(&path);
        assert_eq!(sizes, [0, 0, 5]);
    }

    #[test]
    fn hidden_progress_does_nothing() {
        let p = Progress::hidden();
        assert!(!p.is_shown());
        p.start("x");
        p.done(10);
        assert_eq!(p.suspend(|| 7), 7);
        p.finish();
    }
}

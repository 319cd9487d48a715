//! Runs the cases against one server, one at a time, each with a time limit, and
//! prints one line per case and a summary line.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::setup::Target;

/// Why a case did not pass: a failed check, or a server that cannot do what the
/// case needs (a skip, with the reason for the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    skip: bool,
    message: String,
}

impl Failure {
    /// A failed check.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            skip: false,
            message: message.into(),
        }
    }

    /// The server under test cannot do this; `why` goes to the log.
    pub fn skip(why: impl Into<String>) -> Self {
        Self {
            skip: true,
            message: why.into(),
        }
    }

    /// The same failure with `context` in front.
    #[must_use]
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a case returns.
pub type Outcome = Result<(), Failure>;

/// Fails the case unless `left == right`, showing both.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr, $($what:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err($crate::runner::Failure::new(format!(
                "{}:\n  got:      {:?}\n  expected: {:?}",
                format!($($what)+),
                left,
                right
            )));
        }
    }};
}

/// Fails the case unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($what:tt)+) => {{
        if !$cond {
            return Err($crate::runner::Failure::new(format!($($what)+)));
        }
    }};
}

/// Everything a case may use.
#[derive(Debug)]
pub struct Ctx {
    /// The server under test.
    pub target: Target,
    /// The `xep` command of this checkout.
    pub xep: PathBuf,
    /// A scratch directory of this run.
    pub scratch: PathBuf,
}

/// A boxed case future.
pub type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One test: a name (`area/what`) and the function that runs it.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// `area/what`, as printed in the log.
    pub name: &'static str,
    /// Runs the case.
    pub run: fn(Arc<Ctx>) -> CaseFuture,
}

/// Declares a [`Case`] from an `async fn(Arc<Ctx>) -> Outcome`.
#[macro_export]
macro_rules! case {
    ($name:literal, $func:path) => {
        $crate::runner::Case {
            name: $name,
            run: |ctx| Box::pin($func(ctx)),
        }
    };
}

/// The longest a single case may take, servers included.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(90);

/// How a run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases the server cannot run.
    pub skipped: usize,
}

/// Runs `cases` (those whose name contains `filter`, if given) one after the other.
pub async fn run(ctx: Arc<Ctx>, cases: &[Case], filter: Option<&str>) -> Summary {
    let server = ctx.target.server.name();
    let mut summary = Summary::default();
    for case in cases {
        if filter.is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        let started = Instant::now();
        // Each case in its own task, so that a panic in a library fails the case
        // instead of the run.
        let mut task = tokio::spawn((case.run)(ctx.clone()));
        let result = match tokio::time::timeout(CASE_TIMEOUT, &mut task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(join)) => Err(Failure::new(format!("panicked: {join}"))),
            Err(_) => {
                task.abort();
                Err(Failure::new(format!(
                    "did not finish within {CASE_TIMEOUT:?}"
                )))
            }
        };
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                summary.passed += 1;
                println!("PASS {server:<8} {} ({secs:.2}s)", case.name);
            }
            Err(f) if f.skip => {
                summary.skipped += 1;
                println!("SKIP {server:<8} {} ({secs:.2}s): {}", case.name, f.message);
            }
            Err(f) => {
                summary.failed += 1;
                println!("FAIL {server:<8} {} ({secs:.2}s): {}", case.name, f.message);
            }
        }
    }
    println!(
        "{server}: {} passed, {} failed, {} skipped",
        summary.passed, summary.failed, summary.skipped
    );
    summary
}

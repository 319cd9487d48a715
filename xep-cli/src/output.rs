//! Where the commands write: standard output, whose reader may go away, and files that
//! a web server may be serving while they are replaced.
//!
//! * A closed pipe (`xep inspect big.xml | head`) is a quiet end: nothing more is
//!   written, nothing is said, and the exit status is what the inputs earned.
//! * Any other failed write (`> /dev/full`, a full disk) is reported once, in one line,
//!   and the command exits 2.
//! * A file named with `-o` is written to a temporary file in the same directory and
//!   renamed over the old one, so a reader sees the old file or the new one, never an
//!   empty or half-written one.

use std::io::{self, Write};
use std::path::Path;

/// A writer that remembers its first failure instead of returning it, so that a
/// command can go on reading its inputs (and keep their exit status) after standard
/// output failed.
#[derive(Debug)]
pub struct Out<W: Write> {
    inner: W,
    state: State,
}

#[derive(Debug)]
enum State {
    Open,
    /// The reader went away (EPIPE).
    Closed,
    /// Any other failure.
    Failed(io::Error),
}

/// How writing to an [`Out`] ended.
#[derive(Debug)]
pub enum Outcome {
    /// Everything was written.
    Written,
    /// The reader closed the pipe; the rest was dropped.
    Closed,
    /// A write failed.
    Failed(io::Error),
}

impl<W: Write> Out<W> {
    /// Wraps a writer.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            state: State::Open,
        }
    }

    /// Whether writes still reach the reader.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open)
    }

    fn fail(&mut self, error: io::Error) {
        self.state = if error.kind() == io::ErrorKind::BrokenPipe {
            State::Closed
        } else {
            State::Failed(error)
        };
    }

    /// Flushes and says how it ended.
    pub fn finish(mut self) -> Outcome {
        if self.is_open() {
            if let Err(e) = self.inner.flush() {
                self.fail(e);
            }
        }
        match self.state {
            State::Open => Outcome::Written,
            State::Closed => Outcome::Closed,
            State::Failed(e) => Outcome::Failed(e),
        }
    }
}

impl<W: Write> Write for Out<W> {
    /// Never fails: a failure is remembered, and later writes are dropped.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.is_open() {
            if let Err(e) = self.inner.write_all(buf) {
                self.fail(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.is_open() {
            if let Err(e) = self.inner.flush() {
                self.fail(e);
            }
        }
        Ok(())
    }
}

impl Outcome {
    /// The exit status of a command that earned `status` from its inputs: a failed write
    /// is reported on `err` in one line and makes it 2.
    pub fn exit_status(self, status: u8, err: &mut dyn Write) -> u8 {
        match self {
            Self::Written | Self::Closed => status,
            Self::Failed(e) => {
                let _ = writeln!(err, "xep: cannot write to standard output: {e}");
                2
            }
        }
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over `path`. An existing file keeps its permissions; a new one is
/// readable by everyone (0644 before the umask), as a file a web server serves must be.
/// When anything fails, `path` is untouched and the temporary file removed. A symbolic
/// link stays a link and the file it points to is replaced.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    // A link (`status.json -> /srv/status/current.json`) stays a link: the file it
    // points to is replaced, in its own directory.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(path)?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    let permissions = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Some(meta.permissions()),
        Ok(_) => return Err(io::Error::other("is not a regular file")),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions {
        builder.permissions(permissions);
    }
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing(io::ErrorKind, usize);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.1 += 1;
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_keeps_the_status() {
        let mut out = Out::new(Failing(io::ErrorKind::BrokenPipe, 0));
        writeln!(out, "a").unwrap();
        writeln!(out, "b").unwrap();
        assert_eq!(out.inner.1, 1, "nothing written after the pipe closed");
        let mut err = Vec::new();
        assert_eq!(out.finish().exit_status(1, &mut err), 1);
        assert!(err.is_empty());
    }

    #[test]
    fn another_failure_is_one_line_and_exit_2() {
        let mut out = Out::new(Failing(io::ErrorKind::StorageFull, 0));
        writeln!(out, "a").unwrap();
        let mut err = Vec::new();
        assert_eq!(out.finish().exit_status(0, &mut err), 2);
        let err = String::from_utf8(err).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("xep: cannot write to standard output: "),
            "{err}"
        );
    }
}

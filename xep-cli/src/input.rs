//! Reading the command's inputs: files or standard input, bounded in size.

use std::io::{self, Read};

/// Reads a file, or standard input for `-`, refusing more than `max` bytes without
/// reading them all.
pub fn read_input(name: &str, max: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = max as u64 + 1;
    if name == "-" {
        io::stdin().lock().take(limit).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(name)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() > max {
        return Err(io::Error::other(format!(
            "input is over the limit of {max} bytes"
        )));
    }
    Ok(bytes)
}

//! Reading a file the user names, with bounds: only a regular file (a FIFO
//! with no writer would block forever, `/dev/zero` would never end), and no
//! bigger than the caller allows.

use std::io::{self, Read};
use std::path::Path;

/// The whole text of the regular file at `path`, if it is at most `limit`
/// bytes. Errors say what is wrong in words a user can act on.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {} is not)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The whole content of the regular file at `path`, if it is at most
/// `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path, limit)?
        .0
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// The regular file at `path`, opened to be read as a stream, if it is at
/// most `limit` bytes; with its [`Stamp`].
pub fn open_regular(path: &Path, limit: u64) -> io::Result<(std::fs::File, Stamp)> {
    // stat, not open: opening a FIFO blocks until someone writes to it.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file (a directory, a pipe or a device)",
        ));
    }
    if meta.len() > limit {
        return Err(too_big(meta.len(), limit));
    }
    Ok((std::fs::File::open(path)?, Stamp::of_meta(&meta)))
}

/// A file's size and modification time: read again, a different stamp
/// means the file changed in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    pub fn of(path: &Path) -> io::Result<Stamp> {
        Ok(Stamp::of_meta(&std::fs::metadata(path)?))
    }

    fn of_meta(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

fn too_big(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {size} bytes, more than the {limit} bytes such a file can be"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit_only() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let small = dir.path().join("small");
        std::fs::write(&small, "name = \"x\"")?;
        assert_eq!(read_text(&small, 100)?, "name = \"x\"");
        assert!(read_text(&small, 5).is_err());
        assert!(read_text(Path::new("/dev/zero"), 100).is_err());
        assert!(read_text(dir.path(), 100).is_err());
        Ok(())
    }
}

//! A URL list read as its requests go: each authority's cursor walks the
//! file, line by line, taking the lines that are its own (all of them,
//! where each line is a path), and starts over at its end. Memory does not
//! grow with the list: a buffer per authority, not a copy of each line.
//!
//! The scenario reads the list once through first (every line checked,
//! its authorities found) and uses [`split`] to tell a line's authority, as
//! the cursor does here.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::target::{Shape, Target};

/// The longest line a list may have.
pub const MAX_LINE: usize = 64 * 1024;

/// A line's URL as its authority's root (`http://host:port/`, as written,
/// without `user:password@`) and its path and query (`/` if none). `None`
/// for a line without `scheme://`.
pub fn split(line: &str) -> Option<(String, &str)> {
    let (scheme, rest) = line.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let path = match path {
        "" => "/",
        p if p.starts_with('?') => return Some((format!("{scheme}://{host}/"), p)),
        p => p,
    };
    Some((format!("{scheme}://{host}/"), path))
}

/// Whether a trimmed line of a list is one of its URLs (or paths): not
/// blank, not a `#` comment.
pub fn is_entry(line: &str) -> bool {
    !line.is_empty() && !line.starts_with('#')
}

/// One authority's share of a URL list.
#[derive(Debug)]
pub struct ListPaths {
    /// Lines whose root is this are the authority's; `None`: every line,
    /// each a path.
    only: Option<String>,
    /// What each request's path is joined to (the route's
    /// `scheme://authority`).
    root: String,
    shape: Arc<Shape>,
    cursor: Mutex<Cursor>,
}

#[derive(Debug)]
struct Cursor {
    reader: BufReader<File>,
    line: Vec<u8>,
}

impl ListPaths {
    /// The lines of `file` (those of root `only`, if given), each sent to
    /// `root` joined with its path, carrying `shape`.
    pub fn open(
        file: &Path,
        only: Option<String>,
        root: String,
        shape: Arc<Shape>,
    ) -> std::io::Result<ListPaths> {
        let reader = BufReader::with_capacity(64 * 1024, File::open(file)?);
        Ok(ListPaths {
            only,
            root,
            shape,
            cursor: Mutex::new(Cursor {
                reader,
                line: Vec::new(),
            }),
        })
    }

    /// The next request's target: the authority's next line, from the
    /// start again after the last. `None` if the file no longer has one
    /// (it changed under the run) or cannot be read.
    pub fn next(&self) -> Option<Target> {
        let mut cursor = self.cursor.lock().ok()?;
        let Cursor { reader, line } = &mut *cursor;
        let mut ends = 0;
        loop {
            line.clear();
            let read = reader
                .by_ref()
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', line)
                .ok()?;
            if read == 0 {
                // A second end in one call: no line of ours in the file.
                ends += 1;
                if ends > 1 {
                    return None;
                }
                reader.rewind().ok()?;
                continue;
            }
            let Ok(text) = std::str::from_utf8(line) else {
                continue;
            };
            let text = text.trim();
            if !is_entry(text) {
                continue;
            }
            let path = match &self.only {
                None => Some(text),
                Some(root) => split(text).filter(|(r, _)| r == root).map(|(_, p)| p),
            };
            let Some(path) = path else {
                continue;
            };
            let url = format!("{}{path}", self.root);
            if let Ok(target) = Target::new(&url, Arc::clone(&self.shape)) {
                return Some(target);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_split_into_its_root_and_path() {
        let cases = [
            ("http://a.test:81/x", Some(("http://a.test:81/", "/x"))),
            (
                "http://u:pw@a.test/x?y=1",
                Some(("http://a.test/", "/x?y=1")),
            ),
            ("https://b.test", Some(("https://b.test/", "/"))),
            ("http://b.test?q=1", Some(("http://b.test/", "?q=1"))),
            ("/item/7", None),
        ];
        for (line, want) in cases {
            let got = split(line);
            assert_eq!(got.as_ref().map(|(r, p)| (r.as_str(), *p)), want, "{line}");
        }
    }

    #[test]
    fn an_authority_walks_its_own_lines_in_order_and_starts_over() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("urls.txt");
        let text = "http://a/1\n# no\n\nhttp://b/1\n  http://a/2  \nhttp://a/3";
        std::fs::write(&file, text)?;
        let shape = Arc::new(Shape::default());
        let a = ListPaths::open(
            &file,
            Some("http://a/".into()),
            "http://127.0.0.1:9".into(),
            shape,
        )?;
        let urls: Vec<String> = (0..5)
            .filter_map(|i| a.next().map(|t| t.uri(i).to_string()))
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:9/1",
                "http://127.0.0.1:9/2",
                "http://127.0.0.1:9/3",
                "http://127.0.0.1:9/1",
                "http://127.0.0.1:9/2"
            ]
        );
        // No line of its own left (the file changed): none, not a hang.
        let c = ListPaths::open(
            &file,
            Some("http://c/".into()),
            "http://c".into(),
            Arc::new(Shape::default()),
        )?;
        assert!(c.next().is_none());
        Ok(())
    }

    #[test]
    fn paths_are_every_line() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("paths.txt");
        std::fs::write(&file, "/a\n/b/{n}\n")?;
        let list = ListPaths::open(&file, None, "http://h".into(), Arc::new(Shape::default()))?;
        let urls: Vec<String> = (0..3)
            .filter_map(|i| list.next().map(|t| t.uri(i).to_string()))
            .collect();
        assert_eq!(urls, ["http://h/a", "http://h/b/1", "http://h/a"]);
        Ok(())
    }
}

//! Errors in scenario files, pointing at the file, line, column and key.
//!
//! Every error renders like a compiler diagnostic:
//!
//! ```text
//! error: scenarios/x.toml:7:15: `load.concurrency`: must be at least 1 (found 0)
//!   |
//! 7 | concurrency = 0
//!   |               ^
//!   = help: set it to the number of tasks sending requests at once, e.g. 50
//! ```

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A scenario that cannot be run, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file as the user named it.
    pub file: PathBuf,
    /// Where in the file, when known (a missing file has no location).
    pub location: Option<Box<Location>>,
    /// The dotted key the error is about, e.g. `load.concurrency`.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// A 1-based line and column, with the text of that line for the excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// Width of the underlined span on that line, at least 1.
    pub width: usize,
    pub line_text: String,
}

impl Location {
    /// Locates a byte span of `source`. The line shown has its secrets
    /// redacted (a URL's password, an `authorization` value), the caret
    /// moved to match.
    pub fn of_span(source: &str, span: Range<usize>) -> Location {
        let start = floor_boundary(source, span.start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let line = source[..start].matches('\n').count() + 1;
        let end = floor_boundary(source, span.end.clamp(start, line_end));
        let secrets = crate::redact::ranges(line_text, &[]);
        let (shown, at) = crate::redact::replace(line_text, &secrets);
        let (from, to) = (
            at((start - line_start).min(line_text.len())),
            at((end - line_start).min(line_text.len())),
        );
        let to = shown.len().min(to.max(from));
        Location {
            line,
            column: shown[..from].chars().count() + 1,
            width: shown[from..to].chars().count().max(1),
            line_text: shown.clone(),
        }
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl ScenarioError {
    pub fn new(file: &Path, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            location: None,
            key: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn at(mut self, source: &str, span: Range<usize>) -> ScenarioError {
        self.location = Some(Box::new(Location::of_span(source, span)));
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> ScenarioError {
        self.key = Some(key.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> ScenarioError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(loc) = &self.location {
            write!(f, ":{}:{}", loc.line, loc.column)?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(loc) = &self.location {
            let gutter = loc.line.to_string().len();
            let pad = " ".repeat(gutter);
            let caret_pad: String = loc
                .line_text
                .chars()
                .take(loc.column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{pad} |\n{} | {}\n{pad} | {caret_pad}{}",
                loc.line,
                loc.line_text,
                "^".repeat(loc.width)
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n{} = help: {help}", " ".repeat(self.gutter()))?;
        }
        Ok(())
    }
}

impl ScenarioError {
    fn gutter(&self) -> usize {
        self.location
            .as_ref()
            .map_or(0, |l| l.line.to_string().len())
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_spans_by_line_and_column() {
        let src = "a = 1\n[load]\nconcurrency = 0\n";
        let at = src.len() - 2;
        let loc = Location::of_span(src, at..at + 1);
        assert_eq!((loc.line, loc.column, loc.width), (3, 15, 1));
        assert_eq!(loc.line_text, "concurrency = 0");
    }

    #[test]
    fn renders_file_line_key_caret_and_help() {
        let src = "[load]\nconcurrency = 0\n";
        let at = src.len() - 2;
        let err = ScenarioError::new(Path::new("x.toml"), "must be at least 1")
            .at(src, at..at + 1)
            .key("load.concurrency")
            .help("set it to 50");
        let text = err.to_string();
        assert!(text.starts_with("x.toml:2:15: `load.concurrency`: must be at least 1"));
        assert!(text.contains("2 | concurrency = 0\n  |               ^"));
        assert!(text.ends_with("= help: set it to 50"));
    }

    #[test]
    fn a_quoted_line_shows_no_secret_and_its_caret_follows() {
        let e = crate::scenario::Scenario::parse(std::path::Path::new("s.toml"), "name = \"t\"\n[target]\nurl = \"http://u:hunter2@h:99999/\"\n[load]\nrequests = 1\nconcurrency = 1\n[modes]\npooled = {}\n").unwrap_err();
        let l = e.location.clone().expect("located");
        assert_eq!(l.line_text, "url = \"http://u:<redacted>@h:99999/\"");
        assert_eq!(
            (l.column, l.width),
            (7, "\"http://u:<redacted>@h:99999/\"".len())
        );
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}

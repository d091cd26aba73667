//! A URL list (`[request] urls_file = "urls.txt"`): one URL a line — a
//! scraper's work. Blank lines and lines starting with `#` are skipped.
//!
//! Against your own servers each line is a full URL, and each distinct
//! scheme + host + port among them is an authority of its own (named from
//! its host and port: `api.internal:8080` → `api_internal_8080`), sent its
//! URLs in the list's order, as many requests as it has lines. Against the
//! bundled server each line is a path (`/item/17`), sent to its authority.
//!
//! The list is read through here to check every line and find its
//! authorities, and kept as a [`ListSource`] per authority: the run reads
//! it again as requests go (`engine/list.rs`). Memory does not grow with
//! its length.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use toml::Spanned;

use super::context::Ctx;
use super::request::{ListSource, RequestSpec, beside, unusable_path};
use super::sections::url_target;
use super::{AuthoritySpec, ScenarioError, Target};
use crate::engine::{MAX_LINE, is_entry, split};
use crate::files::Stamp;
use crate::results::figures::Figure;

/// The largest URL list read: a list is not held in memory, so this only
/// bounds the time its check takes (about 1 s per 10⁶ lines).
pub const MAX_LIST_BYTES: u64 = 4 << 30;
/// The most URLs a list (and so one authority) may hold: a weight.
const MAX_URLS: u64 = u32::MAX as u64;

/// A list, as checked: where it is, as it was, and what it holds.
pub(super) struct UrlList {
    pub file: PathBuf,
    stamp: Stamp,
    /// Its entries (lines neither blank nor comments).
    lines: u64,
    /// Every entry is a path (`/…`): a list for the bundled server.
    all_paths: bool,
}

impl UrlList {
    /// Reads through the list `f` names (relative to the scenario file).
    pub(super) fn read(cx: &Ctx, f: &Spanned<String>, key: &str) -> Result<UrlList, ScenarioError> {
        let file = beside(cx.path, f.get_ref());
        let cannot = |e: std::io::Error| {
            cx.err(
                f.span(),
                key,
                format!("cannot read {}: {e}", file.display()),
            )
            .help(format!(
                "name a file of one URL a line, relative to the scenario file, of at most \
                 {} GiB: split a longer list into files of that size and run each (merge their \
                 results with poolbench merge)",
                MAX_LIST_BYTES >> 30
            ))
        };
        let stamp = crate::files::open_regular(&file, MAX_LIST_BYTES)
            .map_err(cannot)?
            .1;
        let mut list = UrlList {
            file,
            stamp,
            lines: 0,
            all_paths: true,
        };
        let (mut lines, mut all_paths) = (0u64, true);
        list.each(|_, line| {
            lines += 1;
            all_paths &= line.starts_with('/');
            Ok(())
        })?;
        (list.lines, list.all_paths) = (lines, all_paths);
        if lines == 0 || lines > MAX_URLS {
            return Err(cx
                .err(
                    f.span(),
                    key,
                    format!("{} holds {lines} URLs", list.file.display()),
                )
                .help(format!(
                    "list from 1 to {MAX_URLS} URLs, one a line: split a longer list into \
                     files of at most {MAX_URLS} lines and run each"
                )));
        }
        Ok(list)
    }

    /// Whether its lines are paths (for the bundled server) rather than URLs.
    pub(super) fn is_paths(&self) -> bool {
        self.all_paths
    }

    /// Calls `f` with each entry (trimmed) and its 1-based line number, in
    /// order; a line too long or not UTF-8 is an error naming it.
    fn each(
        &self,
        mut f: impl FnMut(usize, &str) -> Result<(), ScenarioError>,
    ) -> Result<(), ScenarioError> {
        let io = |e: std::io::Error| {
            ScenarioError::new(&self.file, format!("cannot read it: {e}")).key("urls_file")
        };
        let (file, stamp) = crate::files::open_regular(&self.file, MAX_LIST_BYTES).map_err(io)?;
        if stamp != self.stamp {
            return Err(ScenarioError::new(&self.file, "changed while it was read")
                .key("urls_file")
                .help("run again once the list is written"));
        }
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut line = Vec::new();
        for n in 1.. {
            line.clear();
            let read = (&mut reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            if read == 0 {
                break;
            }
            let whole = line.ends_with(b"\n") || read <= MAX_LINE;
            let text = std::str::from_utf8(&line);
            let bad = match (whole, &text) {
                (false, _) => Some(format!("line {n} is longer than {MAX_LINE} bytes")),
                (true, Err(e)) => Some(format!(
                    "line {n} is not UTF-8 text (byte {} is not)",
                    e.valid_up_to() + 1
                )),
                (true, Ok(_)) => None,
            };
            if let Some(message) = bad {
                return Err(ScenarioError::new(&self.file, message)
                    .key("urls_file")
                    .help("one URL (or path) a line, as UTF-8 text"));
            }
            let entry = text.map(str::trim).unwrap_or_default();
            if is_entry(entry) {
                f(n, entry)?;
            }
        }
        Ok(())
    }

    /// Line `n`'s error, pointing at its text.
    fn err(&self, n: usize, line: &str, message: String) -> ScenarioError {
        at_line(
            ScenarioError::new(&self.file, message)
                .at(line, 0..line.len())
                .key("urls_file"),
            n,
        )
    }

    /// Its lines as one authority's paths, every one checked.
    pub(super) fn paths(&self) -> Result<ListSource, ScenarioError> {
        let mut defaults = true;
        self.each(|n, line| match unusable_path(line) {
            Some(why) => Err(self.err(n, line, why).help(
                "against the bundled server each line is a path, e.g. /item/17; \
                 to run against your own servers give full URLs and leave out [server]",
            )),
            None => {
                defaults &= crate::server::serves_default(line);
                Ok(())
            }
        })?;
        Ok(ListSource {
            file: self.file.clone(),
            only: None,
            lines: self.lines,
            stamp: self.stamp,
            defaults,
        })
    }

    /// Its URLs as authorities, one per scheme + host + port, each sent
    /// `base` with its own lines.
    pub(super) fn authorities(
        &self,
        base: &RequestSpec,
        max: usize,
    ) -> Result<Vec<AuthoritySpec>, ScenarioError> {
        let mut out: Vec<AuthoritySpec> = Vec::new();
        // Each authority's root as the run's reader tells lines apart.
        let mut roots: Vec<String> = Vec::new();
        self.each(|n, line| {
            let cx = Ctx {
                path: &self.file,
                source: line,
                kinds: &crate::modes::Catalogue::STANDARD,
            };
            let spanned = Spanned::new(0..line.len(), line.to_string());
            let target = url_target(&cx, &spanned, "urls_file").map_err(|e| at_line(e, n))?;
            let Target::External {
                url,
                credentials,
                unix: None,
            } = target
            else {
                return Err(self.err(n, line, "names a Unix socket".into())
                    .help("a URL list names hosts; for a Unix socket give [target] url = \"unix:///path\" and paths"));
            };
            if let Some(first) = out.first().and_then(|a| match &a.target {
                Target::External { url, .. } => url.scheme_str().map(str::to_string),
                Target::Bundled(_) => None,
            }) && url.scheme_str() != Some(first.as_str())
            {
                return Err(self.err(n, line, format!("is {}, the first URL is {first}", url.scheme_str().unwrap_or_default()))
                    .help("every URL of a run speaks one scheme: put the http and the https URLs in two lists"));
            }
            let root = split(line).map(|(r, _)| r).unwrap_or_default();
            match roots.iter().position(|r| *r == root) {
                Some(i) => {
                    out[i].weight += 1;
                    if let Some(list) = out[i].request.list.as_mut() {
                        list.lines += 1;
                    }
                }
                None if out.len() == max => {
                    return Err(self
                        .err(n, line, format!("names more than {max} hosts"))
                        .help(format!(
                            "a run spreads over at most {max} authorities (scheme, host, port)"
                        )));
                }
                None => {
                    let first = Line { n, text: line };
                    out.push(self.authority(first, url, credentials, base, &out, &root)?);
                    roots.push(root);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// A line of the list: its number and its text.
struct Line<'a> {
    n: usize,
    text: &'a str,
}

impl UrlList {
    /// The authority `first` (the list's first line of it, whose URL is
    /// `url`) opens: named apart from those `taken`, sent `base` with the
    /// lines whose root is `root`.
    fn authority(
        &self,
        first: Line,
        url: http::Uri,
        credentials: Option<super::Credentials>,
        base: &RequestSpec,
        taken: &[AuthoritySpec],
        root: &str,
    ) -> Result<AuthoritySpec, ScenarioError> {
        let at = format!(
            "{}://{}/",
            url.scheme_str().unwrap_or("http"),
            url.authority().map_or("", |a| a.as_str())
        );
        let url: http::Uri = at
            .parse()
            .map_err(|e| self.err(first.n, first.text, format!("not a valid URL ({e})")))?;
        let mut request = base.clone();
        request.list = Some(ListSource {
            file: self.file.clone(),
            only: Some(root.to_string()),
            lines: 1,
            stamp: self.stamp,
            defaults: false,
        });
        Ok(AuthoritySpec {
            name: unique(name_of(&url), taken),
            weight: 1,
            target: Target::External {
                url,
                credentials,
                unix: None,
            },
            request,
        })
    }
}

/// `e`, located on line `n` of its file (it was located in that line's
/// text alone).
fn at_line(mut e: ScenarioError, n: usize) -> ScenarioError {
    if let Some(location) = e.location.as_mut() {
        location.line = n;
    }
    e
}

/// An authority's name from its host and port, usable in a check:
/// `127.0.0.1:8081` → `h127_0_0_1_8081`.
fn name_of(url: &http::Uri) -> String {
    let text = url.authority().map_or("", |a| a.as_str());
    let mut name: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    if !plain || crate::results::Transport::named(&name).is_some() || Figure::named(&name).is_some()
    {
        name.insert(0, 'h');
    }
    name
}

/// `name`, or `name_2`, `name_3`… if an authority has it already.
fn unique(name: String, taken: &[AuthoritySpec]) -> String {
    let free = |n: &str| taken.iter().all(|a| a.name != n);
    if free(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}_{i}"))
        .find(|n| free(n))
        .unwrap_or(name)
}

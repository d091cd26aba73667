//! A URL list (`[request] urls_file = "urls.txt"`): one URL a line — a
//! scraper's work. Blank lines and lines starting with `#` are skipped.
//!
//! Against your own servers each line is a full URL, and each distinct
//! scheme + host + port among them is an authority of its own (named from
//! its host and port: `api.internal:8080` → `api_internal_8080`), sent its
//! URLs in the list's order, as many requests as it has lines. Against the
//! bundled server each line is a path (`/item/17`), sent to its authority.

use std::path::PathBuf;

use toml::Spanned;

use super::context::Ctx;
use super::request::{RequestSpec, beside, unusable_path};
use super::sections::url_target;
use super::{AuthoritySpec, ScenarioError, Target};
use crate::results::figures::Figure;

/// The largest URL list read.
/// (A list is held in memory, about 300 bytes a line all told: 10⁶ lines
/// took 315 MB at the peak, `scripts/url-list-rss.sh`; docs/limits.md.)
const MAX_LIST_BYTES: u64 = 128 * 1024 * 1024;
/// The most URLs a list may hold.
pub const MAX_URLS: usize = 2_000_000;

/// A list's lines, each as where it sits in the list's text (one copy of
/// the text, not one more per line: a list of a million lines).
pub(super) struct UrlList {
    pub file: PathBuf,
    pub text: String,
    pub lines: Vec<std::ops::Range<usize>>,
}

impl UrlList {
    /// Reads the list `f` names (relative to the scenario file).
    pub(super) fn read(cx: &Ctx, f: &Spanned<String>, key: &str) -> Result<UrlList, ScenarioError> {
        let file = beside(cx.path, f.get_ref());
        let text = crate::files::read_text(&file, MAX_LIST_BYTES).map_err(|e| {
            cx.err(
                f.span(),
                key,
                format!("cannot read {}: {e}", file.display()),
            )
            .help(format!(
                "name a file of one URL a line, relative to the scenario file, of at most \
                 {} MiB: split a longer list into files of that size and run each (merge their \
                 results with poolbench merge)",
                MAX_LIST_BYTES >> 20
            ))
        })?;
        let mut lines = Vec::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                let start = at + (line.len() - line.trim_start().len());
                lines.push(start..start + trimmed.len());
            }
            at += line.len();
        }
        if lines.is_empty() || lines.len() > MAX_URLS {
            return Err(cx
                .err(
                    f.span(),
                    key,
                    format!("{} holds {} URLs", file.display(), lines.len()),
                )
                .help(format!(
                    "list from 1 to {MAX_URLS} URLs, one a line: split a longer list into \
                     files of at most {MAX_URLS} lines and run each"
                )));
        }
        Ok(UrlList { file, text, lines })
    }

    /// Whether its lines are paths (for the bundled server) rather than URLs.
    pub(super) fn is_paths(&self) -> bool {
        self.each().all(|(_, l)| l.starts_with('/'))
    }

    /// Its lines, each with where it sits.
    fn each(&self) -> impl Iterator<Item = (&std::ops::Range<usize>, &str)> {
        self.lines.iter().map(|r| (r, &self.text[r.clone()]))
    }

    fn cx(&self) -> Ctx<'_> {
        Ctx {
            path: &self.file,
            source: &self.text,
            kinds: &crate::modes::Catalogue::STANDARD,
        }
    }

    /// Its lines as paths, each of weight 1.
    pub(super) fn paths(&self) -> Result<Vec<(String, u32)>, ScenarioError> {
        let cx = self.cx();
        self.each()
            .map(|(span, line)| match unusable_path(line) {
                Some(why) => Err(cx.err(span.clone(), "urls_file", why).help(
                    "against the bundled server each line is a path, e.g. /item/17; \
                     to run against your own servers give full URLs and leave out [server]",
                )),
                None => Ok((line.to_string(), 1)),
            })
            .collect()
    }

    /// Its URLs as authorities, one per scheme + host + port, each sent
    /// `base` with its own paths.
    pub(super) fn authorities(
        &self,
        base: &RequestSpec,
        max: usize,
    ) -> Result<Vec<AuthoritySpec>, ScenarioError> {
        let cx = self.cx();
        let mut out: Vec<AuthoritySpec> = Vec::new();
        for (span, line) in self.each() {
            let spanned = Spanned::new(span.clone(), line.to_string());
            let Target::External {
                url,
                credentials,
                unix: None,
            } = url_target(&cx, &spanned, "urls_file")?
            else {
                return Err(cx
                    .err(span.clone(), "urls_file", "names a Unix socket".into())
                    .help("a URL list names hosts; for a Unix socket give [target] url = \"unix:///path\" and paths"));
            };
            let path = url.path_and_query().map_or("/", |p| p.as_str()).to_string();
            if let Some(first) = out.first().and_then(|a| match &a.target {
                Target::External { url, .. } => url.scheme_str().map(str::to_string),
                Target::Bundled(_) => None,
            }) && url.scheme_str() != Some(first.as_str())
            {
                return Err(cx
                    .err(span.clone(), "urls_file", format!("is {}, the first URL is {first}", url.scheme_str().unwrap_or_default()))
                    .help("every URL of a run speaks one scheme: put the http and the https URLs in two lists"));
            }
            let root = format!(
                "{}://{}/",
                url.scheme_str().unwrap_or("http"),
                url.authority().map_or("", |a| a.as_str())
            );
            let known = out.iter().position(
                |a| matches!(&a.target, Target::External { url: u, .. } if u.to_string() == root),
            );
            match known {
                Some(i) => {
                    out[i].weight += 1;
                    out[i].request.paths.push((path, 1));
                }
                None if out.len() == max => {
                    return Err(cx
                        .err(
                            span.clone(),
                            "urls_file",
                            format!("names more than {max} hosts"),
                        )
                        .help(format!(
                            "a run spreads over at most {max} authorities (scheme, host, port)"
                        )));
                }
                None => {
                    let url: http::Uri = root.parse().map_err(|e| {
                        cx.err(span.clone(), "urls_file", format!("not a valid URL ({e})"))
                    })?;
                    let name = unique(name_of(&url), &out);
                    let mut request = base.clone();
                    request.paths = vec![(path, 1)];
                    out.push(AuthoritySpec {
                        name,
                        weight: 1,
                        target: Target::External {
                            url,
                            credentials,
                            unix: None,
                        },
                        request,
                    });
                }
            }
        }
        Ok(out)
    }
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

//! `[request]`: what each request is — method, headers, body, and the paths
//! it goes to, by weight — for the whole scenario, or for one authority
//! (`[[authority]] request = { … }`, where it differs):
//!
//! ```toml
//! [request]
//! method = "POST"
//! headers = { content-type = "application/json", authorization = "Bearer t0ken" }
//! body = '{"query": "pools"}'        # or body_file = "payload.json"
//! paths = ["/item/{n}", { path = "/search", weight = 3 }]
//! ```
//!
//! `{n}` in a path is the request's number, so requests can name distinct
//! URLs. A URL list (`urls_file`, see [`super::url_list`]) names the paths
//! (and, against your own servers, the authorities) one a line.

use std::path::Path;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use toml::Spanned;

use super::ScenarioError;
use super::context::Ctx;
use super::raw::RawRequest;

use crate::engine::COUNTER;

/// The largest request body, and body file, a scenario may send.
pub const MAX_BODY: u64 = 16 * 1024 * 1024;
/// The most paths one request section may list.
const MAX_PATHS: usize = 1000;
/// The largest weight a path may have.
const MAX_WEIGHT: u64 = 1000;

/// What each request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Paths (with query) and their weights, `{n}` for the request's
    /// number; empty: the target URL's own path (or the list's).
    pub paths: Vec<(String, u32)>,
    /// A URL list's lines, read as requests go, instead of `paths`.
    pub list: Option<ListSource>,
}

/// An authority's share of a URL list (`urls_file`), checked through once
/// as the scenario was read; its lines are read again as requests go, so a
/// list of any length costs no memory per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSource {
    pub file: std::path::PathBuf,
    /// The root (`http://host:port/`, as [`crate::engine::split`] gives
    /// it) of the lines that are this authority's; `None`: every line, each
    /// a path.
    pub only: Option<String>,
    /// How many lines are its own.
    pub lines: u64,
    /// The file as it was checked: one that changed is refused at the run.
    pub stamp: crate::files::Stamp,
    /// Every line is a path the bundled server answers with its default
    /// response (so its body size is known).
    pub defaults: bool,
}

impl Default for RequestSpec {
    fn default() -> RequestSpec {
        RequestSpec {
            method: Method::GET,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            paths: Vec::new(),
            list: None,
        }
    }
}

impl RequestSpec {
    /// Whether a request is anything but a plain GET of the target's URL.
    pub fn is_plain(&self) -> bool {
        *self == RequestSpec::default()
    }
}

/// `raw` over `base` (the scenario's, for an authority's): each key given
/// replaces the base's. `key` is where it sits ("request",
/// "authority.api.request").
pub(super) fn request(
    cx: &Ctx,
    raw: &RawRequest,
    base: &RequestSpec,
    key: &str,
) -> Result<RequestSpec, ScenarioError> {
    let mut spec = base.clone();
    if let Some(m) = &raw.method {
        spec.method = method(cx, m, &format!("{key}.method"))?;
    }
    if let Some(h) = &raw.headers {
        spec.headers = HeaderMap::new();
        for (name, value) in h.get_ref() {
            let k = format!("{key}.headers.{name}");
            let (name, value) = header(cx, name, value, &k, h.span())?;
            spec.headers.append(name, value);
        }
    }
    spec.body = match (&raw.body, &raw.body_file) {
        (Some(_), Some(f)) => {
            return Err(cx
                .err(
                    f.span(),
                    &format!("{key}.body_file"),
                    "is given with body".into(),
                )
                .help("send either an inline body or a file's content, not both"));
        }
        (Some(b), None) => Bytes::from(b.get_ref().clone()),
        (None, Some(f)) => body_file(cx, f, &format!("{key}.body_file"))?,
        (None, None) => spec.body,
    };
    if let Some(p) = &raw.paths {
        spec.paths = paths(cx, p, &format!("{key}.paths"))?;
    }
    Ok(spec)
}

fn method(cx: &Ctx, m: &Spanned<String>, key: &str) -> Result<Method, ScenarioError> {
    let text = m.get_ref();
    let bad = |why: String| {
        cx.err(m.span(), key, why)
            .help("write an HTTP method in capitals, e.g. method = \"POST\"")
    };
    if text.is_empty() || text.chars().any(|c| c.is_ascii_lowercase()) {
        return Err(bad(format!("\"{text}\" is not an HTTP method")));
    }
    if text == "CONNECT" {
        return Err(bad(
            "CONNECT opens a tunnel; it is not a request to measure".into(),
        ));
    }
    Method::from_bytes(text.as_bytes())
        .map_err(|_| bad(format!("\"{text}\" is not an HTTP method")))
}

fn header(
    cx: &Ctx,
    name: &str,
    value: &Spanned<String>,
    key: &str,
    table: std::ops::Range<usize>,
) -> Result<(HeaderName, HeaderValue), ScenarioError> {
    let name_ok = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        cx.err(table.clone(), key, format!("`{name}` is not a header name"))
            .help("a header name is letters, digits and - (e.g. x-api-key)")
    })?;
    // Set by the client from the body and the URL; a second one would make
    // the request ambiguous (and is how request smuggling starts).
    let own = [
        http::header::CONTENT_LENGTH,
        http::header::TRANSFER_ENCODING,
        http::header::HOST,
        http::header::CONNECTION,
        crate::server::REQUEST_ID,
    ];
    if own.contains(&name_ok) {
        return Err(cx
            .err(table, key, format!("`{name}` is set by poolbench itself"))
            .help("leave it out: poolbench sets it from the body, the URL and the mode"));
    }
    let value_ok = HeaderValue::from_str(value.get_ref()).map_err(|_| {
        cx.err(value.span(), key, "is not a valid header value".into())
            .help("a header value is printable text without line breaks")
    })?;
    Ok((name_ok, value_ok))
}

/// `redact = ["x-internal-token"]`: headers whose values are never shown,
/// beyond [`crate::redact::HEADERS`]; lower case.
pub(super) fn redact(cx: &Ctx, raw: &RawRequest, key: &str) -> Result<Vec<String>, ScenarioError> {
    let Some(list) = &raw.redact else {
        return Ok(Vec::new());
    };
    list.get_ref()
        .iter()
        .map(|name| {
            HeaderName::from_bytes(name.get_ref().as_bytes())
                .map(|n| n.as_str().to_string())
                .map_err(|_| {
                    cx.err(
                        name.span(),
                        &format!("{key}.redact"),
                        format!("`{}` is not a header name", name.get_ref()),
                    )
                    .help("list the names of headers that carry a secret, e.g. redact = [\"x-internal-token\"]")
                })
        })
        .collect()
}

fn body_file(cx: &Ctx, f: &Spanned<String>, key: &str) -> Result<Bytes, ScenarioError> {
    let path = beside(cx.path, f.get_ref());
    crate::files::read_bytes(&path, MAX_BODY)
        .map(Bytes::from)
        .map_err(|e| {
            cx.err(
                f.span(),
                key,
                format!("cannot read {}: {e}", path.display()),
            )
            .help("name a file of at most 16 MiB, relative to the scenario file")
        })
}

/// `name` read relative to the directory of the scenario file `scenario`.
pub(super) fn beside(scenario: &Path, name: &str) -> std::path::PathBuf {
    match scenario.parent() {
        Some(dir) => dir.join(name),
        None => Path::new(name).to_path_buf(),
    }
}

fn paths(
    cx: &Ctx,
    raw: &Spanned<Vec<Spanned<super::raw::RawPath>>>,
    key: &str,
) -> Result<Vec<(String, u32)>, ScenarioError> {
    let list = raw.get_ref();
    if list.is_empty() || list.len() > MAX_PATHS {
        return Err(cx
            .err(raw.span(), key, format!("lists {} paths", list.len()))
            .help(format!(
                "list from 1 to {MAX_PATHS} paths; for more, a URL list: urls_file = \"urls.txt\""
            )));
    }
    list.iter()
        .map(|p| {
            let raw_path = p.get_ref();
            if let Some(why) = unusable_path(&raw_path.path) {
                return Err(cx.err(p.span(), key, why).help(
                    "write a path from the root, e.g. \"/item/{n}\" ({n} is the request's number)",
                ));
            }
            let weight = match raw_path.weight {
                Some(w) => cx.bounded(
                    &Spanned::new(p.span(), w),
                    &format!("{key}.weight"),
                    MAX_WEIGHT,
                    "its share of the requests relative to the other paths', e.g. weight = 3",
                )? as u32,
                None => 1,
            };
            Ok((raw_path.path.clone(), weight))
        })
        .collect()
}

/// Why `path` cannot be sent, if it cannot.
pub(super) fn unusable_path(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return Some(format!("\"{path}\" does not start with /"));
    }
    let sample = path.replace(COUNTER, "0");
    match sample.parse::<http::uri::PathAndQuery>() {
        Ok(_) if !sample.contains('#') => None,
        _ => Some(format!("\"{path}\" is not a valid path and query")),
    }
}

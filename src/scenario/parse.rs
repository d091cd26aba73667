//! Raw TOML → typed [`Scenario`], with an error for each value that cannot
//! be run, pointing at it.

use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::raw::{RawLimited, RawLoad, RawModes, RawScenario, RawServer, RawSize, RawTarget};
use super::units::{parse_duration, parse_size};
use super::{Load, ModeKind, ModeSpec, Scenario, ScenarioError, Stop, Target};
use crate::server::ServerConfig;

/// Requests taking longer than this are counted as timeouts unless the
/// scenario says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Validation context: the file and its text, to point at values.
struct Ctx<'a> {
    path: &'a Path,
    source: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: std::ops::Range<usize>, key: &str, message: String) -> ScenarioError {
        ScenarioError::new(self.path, message)
            .at(self.source, span)
            .key(key)
    }

    fn positive(&self, v: &Spanned<i64>, key: &str, help: &str) -> Result<u64, ScenarioError> {
        match u64::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self
                .err(
                    v.span(),
                    key,
                    format!("must be at least 1 (found {})", v.get_ref()),
                )
                .help(help)),
        }
    }

    fn non_negative(&self, v: &Spanned<i64>, key: &str, help: &str) -> Result<u64, ScenarioError> {
        u64::try_from(*v.get_ref()).map_err(|_| {
            self.err(
                v.span(),
                key,
                format!("cannot be negative (found {})", v.get_ref()),
            )
            .help(help)
        })
    }

    fn duration(&self, v: &Spanned<String>, key: &str) -> Result<Duration, ScenarioError> {
        parse_duration(v.get_ref()).map_err(|m| {
            self.err(v.span(), key, format!("{m}: \"{}\"", v.get_ref()))
                .help("write a duration like \"250ms\", \"10s\" or \"1m 30s\"")
        })
    }
}

pub(super) fn validate(path: &Path, source: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(source).map_err(|e| from_toml(path, source, &e))?;
    let cx = Ctx { path, source };
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(cx
            .err(raw.name.span(), "name", "must not be empty".into())
            .help("name the scenario, e.g. name = \"thousand\""));
    }
    let target = match (raw.server, raw.target) {
        (Some(_), Some(target)) => {
            return Err(cx
                .err(
                    target.span(),
                    "target",
                    "a scenario has either [server] or [target], not both".into(),
                )
                .help("keep [server] to use the bundled server, or [target] for your own"));
        }
        (None, Some(target)) => target_url(&cx, target.get_ref())?,
        (Some(server), None) => Target::Bundled(server_config(&cx, server.get_ref())?),
        (None, None) => Target::Bundled(ServerConfig::default()),
    };
    let load = load(&cx, &raw.load)?;
    let modes = modes(&cx, &raw.modes)?;
    Ok(Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        file: path.to_path_buf(),
        source: source.to_string(),
        target,
        load,
        modes,
    })
}

fn server_config(cx: &Ctx, raw: &RawServer) -> Result<ServerConfig, ScenarioError> {
    let mut config = ServerConfig::default();
    if let Some(v) = &raw.think_time {
        config.think_time = cx.duration(v, "server.think_time")?;
    }
    if let Some(v) = &raw.body_size {
        config.body_size = match v.get_ref() {
            RawSize::Bytes(n) => cx.non_negative(
                &Spanned::new(v.span(), *n),
                "server.body_size",
                "a body size is a number of bytes or a size like \"4KiB\"",
            )?,
            RawSize::Text(t) => parse_size(t).map_err(|m| {
                cx.err(v.span(), "server.body_size", format!("{m}: \"{t}\""))
                    .help("write a size like \"4KiB\", \"1MB\" or a number of bytes")
            })?,
        };
        if config.body_size > ServerConfig::MAX_BODY {
            return Err(cx
                .err(
                    v.span(),
                    "server.body_size",
                    format!(
                        "{} bytes is over the bundled server's limit",
                        config.body_size
                    ),
                )
                .help(format!("use at most {} bytes", ServerConfig::MAX_BODY)));
        }
    }
    if let Some(v) = &raw.keep_alive_timeout {
        let timeout = cx.duration(v, "server.keep_alive_timeout")?;
        if timeout.is_zero() {
            return Err(cx
                .err(v.span(), "server.keep_alive_timeout", "must be longer than 0".into())
                .help("to close every connection after one request, use max_requests_per_connection = 1"));
        }
        config.keep_alive_timeout = timeout;
    }
    if let Some(v) = &raw.max_requests_per_connection {
        config.max_requests_per_connection = cx.non_negative(
            v,
            "server.max_requests_per_connection",
            "0 means unlimited; N closes a connection after its N-th response",
        )?;
    }
    if let Some(v) = &raw.threads {
        config.threads = cx.positive(
            v,
            "server.threads",
            "the bundled server's worker threads, e.g. 2",
        )? as usize;
    }
    Ok(config)
}

fn target_url(cx: &Ctx, raw: &RawTarget) -> Result<Target, ScenarioError> {
    let text = raw.url.get_ref();
    let bad = |why: String| {
        cx.err(raw.url.span(), "target.url", why)
            .help("write a full URL, e.g. url = \"http://127.0.0.1:8080/\"")
    };
    let url: http::Uri = text
        .parse()
        .map_err(|e| bad(format!("not a valid URL: \"{text}\" ({e})")))?;
    match url.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(bad(format!(
                "scheme `{other}` is not supported yet; use http"
            )));
        }
        None => return Err(bad(format!("\"{text}\" has no scheme"))),
    }
    if url.host().is_none_or(str::is_empty) {
        return Err(bad(format!("\"{text}\" has no host")));
    }
    Ok(Target::External { url })
}

fn load(cx: &Ctx, raw: &Spanned<RawLoad>) -> Result<Load, ScenarioError> {
    let l = raw.get_ref();
    let stop = match (&l.requests, &l.duration) {
        (Some(_), Some(d)) => {
            return Err(cx
                .err(
                    d.span(),
                    "load.duration",
                    "give either requests or duration, not both".into(),
                )
                .help("remove one of them"));
        }
        (Some(n), None) => Stop::Requests(cx.positive(
            n,
            "load.requests",
            "the number of measured requests per mode, e.g. 1000",
        )?),
        (None, Some(d)) => {
            let duration = cx.duration(d, "load.duration")?;
            if duration.is_zero() {
                return Err(cx
                    .err(d.span(), "load.duration", "must be longer than 0".into())
                    .help("e.g. duration = \"10s\""));
            }
            Stop::Duration(duration)
        }
        (None, None) => {
            return Err(cx
                .err(
                    raw.span(),
                    "load",
                    "says neither how many requests nor for how long".into(),
                )
                .help("add requests = 1000 or duration = \"10s\" under [load]"));
        }
    };
    let concurrency = cx.positive(
        &l.concurrency,
        "load.concurrency",
        "set it to the number of tasks sending requests at once, e.g. 50",
    )? as usize;
    let warmup = match &l.warmup {
        Some(v) => cx.non_negative(
            v,
            "load.warmup",
            "requests sent before measuring; 0 for none",
        )?,
        None => 0,
    };
    let timeout = match &l.timeout {
        Some(v) => {
            let t = cx.duration(v, "load.timeout")?;
            if t.is_zero() {
                return Err(cx
                    .err(v.span(), "load.timeout", "must be longer than 0".into())
                    .help("e.g. timeout = \"30s\""));
            }
            t
        }
        None => DEFAULT_TIMEOUT,
    };
    let threads = match &l.threads {
        Some(v) => cx.positive(v, "load.threads", "the client's worker threads, e.g. 2")? as usize,
        None => default_threads(),
    };
    Ok(Load {
        stop,
        concurrency,
        warmup,
        timeout,
        threads,
    })
}

/// One worker thread per core, as tokio does by default.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn modes(cx: &Ctx, raw: &Spanned<RawModes>) -> Result<Vec<ModeSpec>, ScenarioError> {
    let m = raw.get_ref();
    let mut modes = Vec::new();
    let limited = |kind: ModeKind, v: &Spanned<RawLimited>| -> Result<ModeSpec, ScenarioError> {
        let key = format!("modes.{}.limit", kind.name());
        let limit = match &v.get_ref().limit {
            Some(l) => cx.positive(
                l,
                &key,
                "the most connections per authority, e.g. limit = 10",
            )?,
            None => {
                return Err(cx.err(v.span(), &key, "is missing".into()).help(format!(
                    "give the per-authority connection limit: {} = {{ limit = 10 }}",
                    kind.name()
                )));
            }
        };
        let limit = u32::try_from(limit)
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| cx.err(v.span(), &key, "is too large".into()))?;
        Ok(ModeSpec {
            kind,
            limit: Some(limit),
        })
    };
    if let Some(v) = &m.pooled {
        modes.push(limited(ModeKind::Pooled, v)?);
    }
    if m.per_request_client.is_some() {
        modes.push(ModeSpec {
            kind: ModeKind::PerRequestClient,
            limit: None,
        });
    }
    if let Some(v) = &m.keep_alive_disabled {
        modes.push(limited(ModeKind::KeepAliveDisabled, v)?);
    }
    if modes.is_empty() {
        return Err(cx
            .err(raw.span(), "modes", "names no mode to run".into())
            .help("add at least one of pooled = { limit = 10 }, per_request_client = {}, keep_alive_disabled = { limit = 10 }"));
    }
    Ok(modes)
}

/// Turns a TOML syntax or type error into a located [`ScenarioError`],
/// with a "did you mean" for misspelled keys.
fn from_toml(path: &Path, source: &str, e: &toml::de::Error) -> ScenarioError {
    let message = e.message().trim().to_string();
    let mut err = ScenarioError::new(path, message.clone());
    let Some(span) = e.span() else {
        return err;
    };
    err = err.at(source, span.clone());
    let table = table_at(source, span.start);
    if let Some((field, expected)) = unknown_field(&message) {
        let key = join(&table, &field);
        err = err.key(key).message_for_unknown(&field, &expected);
    } else if let Some(key) = key_at(source, span.start) {
        err = err
            .key(join(&table, &key))
            .help("check the value's type against scenarios/thousand.toml");
    } else if message.contains("missing field") {
        let field = between(&message, '`', '`').unwrap_or_default();
        err = err
            .key(join(&table, &field))
            .help(format!("add `{field}` to this table"));
    }
    err
}

impl ScenarioError {
    fn message_for_unknown(mut self, field: &str, expected: &[String]) -> ScenarioError {
        self.message = format!("unknown key `{field}`");
        let best = expected
            .iter()
            .map(|e| (strsim::jaro_winkler(field, e), e))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        self.help = Some(match best {
            Some((_, e)) => format!("did you mean `{e}`?"),
            None => format!("the keys allowed here are: {}", expected.join(", ")),
        });
        self
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((field.to_string(), expected))
}

fn between(text: &str, open: char, close: char) -> Option<String> {
    let start = text.find(open)? + 1;
    let end = start + text[start..].find(close)?;
    Some(text[start..end].to_string())
}

/// The `[table]` header in force at `offset`, or "" at top level.
fn table_at(source: &str, offset: usize) -> String {
    source[..offset.min(source.len())]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        .unwrap_or_default()
}

/// The key assigned on the line containing `offset`.
fn key_at(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

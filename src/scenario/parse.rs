//! Raw TOML → typed [`Scenario`], with an error for each value that cannot
//! be run, pointing at it.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::raw::{
    RawArrival, RawExpect, RawLink, RawLoad, RawModes, RawPooled, RawScenario, RawServer,
    RawServerTls, RawSize, RawTarget, RawTls,
};
use super::units::{parse_duration, parse_rate, parse_size};
use super::{
    Arrival, ExpectSpec, Load, ModeKind, ModeSpec, PoolSettings, Scenario, ScenarioError, Stop,
    Target, Transport,
};
use crate::gate::{self, Check};
use crate::link::LinkConfig;
use crate::server::ServerConfig;
use crate::tls::{TlsSettings, TlsVersion};

/// The most worker threads a runtime may be given (tokio refuses more than
/// 32768; a 2-core machine gains nothing past a few).
const MAX_THREADS: u64 = 1024;
/// The most tasks a mode may run: each holds its own histograms, and past
/// this many the scheduler, not the client, is what gets measured.
const MAX_CONCURRENCY: u64 = 100_000;
/// Open-loop rates, requests per second.
const MIN_RATE: f64 = 0.001;
const MAX_RATE: f64 = 100_000_000.0;

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

    /// A whole number from 1 to `max`.
    fn bounded(
        &self,
        v: &Spanned<i64>,
        key: &str,
        max: u64,
        help: &str,
    ) -> Result<u64, ScenarioError> {
        let n = self.positive(v, key, help)?;
        if n > max {
            return Err(self
                .err(v.span(), key, format!("must be at most {max} (found {n})"))
                .help(help));
        }
        Ok(n)
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
    let server_tls = raw
        .server
        .as_ref()
        .and_then(|s| s.get_ref().tls.as_ref())
        .map(|t| server_tls(&cx, t))
        .transpose()?;
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
    let link = match &raw.link {
        Some(l) => Some(link(&cx, l.get_ref())?),
        None => None,
    };
    let transports = match (&target, server_tls) {
        (Target::External { url, .. }, _) if url.scheme_str() == Some("https") => {
            vec![Transport::Https]
        }
        (Target::External { .. }, _) => vec![Transport::Http],
        (Target::Bundled(_), None) => vec![Transport::Http],
        (Target::Bundled(_), Some(transports)) => transports,
    };
    let (tls, ca_file) = match &raw.tls {
        Some(t) => tls_settings(&cx, t.get_ref())?,
        None => (TlsSettings::default(), None),
    };
    let expect = match &raw.expect {
        Some(e) => expect(&cx, e.get_ref())?,
        None => ExpectSpec::default(),
    };
    let load = load(&cx, &raw.load)?;
    let modes = modes(&cx, &raw.modes)?;
    let checks = raw
        .gate
        .iter()
        .map(|g| check(&cx, &g.check, &modes, &transports))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        file: path.to_path_buf(),
        source: source.to_string(),
        target,
        link,
        transports,
        tls,
        ca_file,
        load,
        modes,
        checks,
        expect,
    })
}

fn expect(cx: &Ctx, raw: &RawExpect) -> Result<ExpectSpec, ScenarioError> {
    let status = match &raw.status {
        Some(v) => {
            let code = *v.get_ref();
            if !(100..=599).contains(&code) {
                return Err(cx
                    .err(
                        v.span(),
                        "expect.status",
                        format!("{code} is not an HTTP status"),
                    )
                    .help("an HTTP status is a number from 100 to 599, e.g. status = 200"));
            }
            Some(code as u16)
        }
        None => None,
    };
    let body_bytes = match &raw.body_size {
        Some(v) => Some(size(cx, v, "expect.body_size")?),
        None => None,
    };
    Ok(ExpectSpec { status, body_bytes })
}

/// A size: a number of bytes or a string like "4KiB".
fn size(cx: &Ctx, v: &Spanned<RawSize>, key: &str) -> Result<u64, ScenarioError> {
    match v.get_ref() {
        RawSize::Bytes(n) => cx.non_negative(
            &Spanned::new(v.span(), *n),
            key,
            "a size is a number of bytes or a string like \"4KiB\"",
        ),
        RawSize::Text(t) => parse_size(t).map_err(|m| {
            cx.err(v.span(), key, format!("{m}: \"{t}\""))
                .help("write a size like \"4KiB\", \"1MB\" or a number of bytes")
        }),
    }
}

/// Parses a check and validates every figure it names, pointing errors at
/// the offending part of the check.
fn check(
    cx: &Ctx,
    raw: &Spanned<String>,
    modes: &[ModeSpec],
    transports: &[Transport],
) -> Result<Check, ScenarioError> {
    let text = raw.get_ref();
    // Where each byte of the check sits in the file (escapes and multibyte
    // characters included); the whole string if that cannot be followed.
    let offsets = super::literal::value_offsets(cx.source, raw.span(), text);
    let at = |span: std::ops::Range<usize>| match &offsets {
        Some(o) => {
            let start = o[span.start.min(text.len())];
            let end = o[span.end.min(text.len())];
            start..end.max(start + 1)
        }
        None => raw.span(),
    };
    let help = "write checks like \"pooled.p99 <= 3 * pooled.p50\" or \"pooled.handshakes <= 10\"; \
                units: ns us ms s % k M";
    let comparison = gate::expr::parse(text)
        .map_err(|e| cx.err(at(e.span), "gate.check", e.message).help(help))?;
    for figure in comparison
        .left
        .figures()
        .into_iter()
        .chain(comparison.right.figures())
    {
        let bad = |message: String| cx.err(at(figure.span.clone()), "gate.check", message);
        let (mode, rest) = figure
            .parts
            .split_first()
            .ok_or_else(|| bad("empty figure".into()))?;
        if !modes.iter().any(|m| m.kind.name() == mode) {
            let names: Vec<&str> = modes.iter().map(|m| m.kind.name()).collect();
            return Err(bad(format!("`{mode}` is not a mode of this scenario"))
                .help(format!("the modes here are: {}", names.join(", "))));
        }
        let path = match rest.first().map(String::as_str) {
            Some(t @ ("http" | "https")) => {
                if !transports.iter().any(|tr| tr.name() == t) {
                    return Err(bad(format!("this scenario runs no mode over {t}")));
                }
                &rest[1..]
            }
            _ => rest,
        };
        gate::figures::validate(path).map_err(|m| bad(m).help(help))?;
    }
    Ok(Check {
        text: text.clone(),
        comparison,
    })
}

fn server_config(cx: &Ctx, raw: &RawServer) -> Result<ServerConfig, ScenarioError> {
    let mut config = ServerConfig::default();
    if let Some(v) = &raw.think_time {
        config.think_time = cx.duration(v, "server.think_time")?;
    }
    if let Some(v) = &raw.body_size {
        config.body_size = size(cx, v, "server.body_size")?;
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
    if let Some(v) = &raw.reset_every {
        config.reset_every = cx.non_negative(
            v,
            "server.reset_every",
            "0 never resets; N cuts every N-th response mid-body with a TCP reset",
        )?;
    }
    if let Some(v) = &raw.slow_body {
        config.slow_body = cx.duration(v, "server.slow_body")?;
    }
    if let Some(v) = &raw.body_overrun {
        config.body_overrun = cx.non_negative(
            v,
            "server.body_overrun",
            "0 never; N sends N bytes beyond the Content-Length on every response but a connection's first",
        )?;
    }
    if let Some(v) = &raw.threads {
        config.threads = cx.bounded(
            v,
            "server.threads",
            MAX_THREADS,
            "the bundled server's worker threads, e.g. 2",
        )? as usize;
    }
    Ok(config)
}

fn pool_settings(cx: &Ctx, raw: &RawPooled) -> Result<PoolSettings, ScenarioError> {
    let mut pool = PoolSettings::default();
    let optional = |v: &Option<Spanned<String>>,
                    key: &str|
     -> Result<Option<Option<Duration>>, ScenarioError> {
        let Some(v) = v else { return Ok(None) };
        let d = cx.duration(v, key)?;
        // "0" switches the limit off.
        Ok(Some((!d.is_zero()).then_some(d)))
    };
    if let Some(keep_alive) = raw.keep_alive {
        pool.keep_alive = keep_alive;
    }
    if let Some(d) = optional(&raw.idle_timeout, "modes.pooled.idle_timeout")? {
        pool.idle_timeout = d;
    }
    if let Some(d) = optional(&raw.max_lifetime, "modes.pooled.max_lifetime")? {
        pool.max_lifetime = d;
    }
    if let Some(d) = optional(&raw.acquire_timeout, "modes.pooled.acquire_timeout")? {
        pool.acquire_timeout = d;
    }
    if let Some(v) = &raw.max_requests_per_connection {
        pool.max_requests_per_connection = cx.non_negative(
            v,
            "modes.pooled.max_requests_per_connection",
            "0 means unlimited; N closes a connection after N responses",
        )?;
    }
    Ok(pool)
}

fn server_tls(cx: &Ctx, raw: &Spanned<RawServerTls>) -> Result<Vec<Transport>, ScenarioError> {
    match raw.get_ref() {
        RawServerTls::Flag(false) => Ok(vec![Transport::Http]),
        RawServerTls::Flag(true) => Ok(vec![Transport::Https]),
        RawServerTls::Text(t) if t == "both" => Ok(vec![Transport::Http, Transport::Https]),
        RawServerTls::Text(t) => Err(cx
            .err(raw.span(), "server.tls", format!("unknown value \"{t}\""))
            .help("tls = true serves HTTPS; tls = \"both\" runs every mode over HTTP and HTTPS")),
    }
}

fn tls_settings(cx: &Ctx, raw: &RawTls) -> Result<(TlsSettings, Option<PathBuf>), ScenarioError> {
    let mut settings = TlsSettings::default();
    if let Some(v) = &raw.version {
        settings.version = match v.get_ref().as_str() {
            "1.3" => TlsVersion::Tls13,
            "1.2" => TlsVersion::Tls12,
            other => {
                return Err(cx
                    .err(
                        v.span(),
                        "tls.version",
                        format!("unsupported TLS version \"{other}\""),
                    )
                    .help("use version = \"1.3\" (the default) or \"1.2\""));
            }
        };
    }
    if let Some(resumption) = raw.resumption {
        settings.resumption = resumption;
    }
    let ca = raw.ca.as_ref().map(|v| {
        // Relative to the scenario file, like an include.
        let base = cx.path.parent().unwrap_or(Path::new("."));
        base.join(v.get_ref())
    });
    if let (Some(path), Some(v)) = (&ca, &raw.ca) {
        let help = "give the PEM file of the CA that signed the target's certificate, relative to the scenario";
        if !path.is_file() {
            return Err(cx
                .err(
                    v.span(),
                    "tls.ca",
                    format!("no CA file at {}", path.display()),
                )
                .help(help));
        }
        if let Err(e) = crate::tls::TlsTrust::ca_from_file(path) {
            return Err(cx.err(v.span(), "tls.ca", format!("{e:#}")).help(help));
        }
    }
    Ok((settings, ca))
}

fn link(cx: &Ctx, raw: &RawLink) -> Result<LinkConfig, ScenarioError> {
    let rtt = cx.duration(&raw.rtt, "link.rtt")?;
    let bandwidth = match &raw.bandwidth {
        Some(v) => Some(parse_rate(v.get_ref()).map_err(|m| {
            cx.err(v.span(), "link.bandwidth", m).help(
                "write a bandwidth like \"100Mbit\" or \"12MB/s\", or leave it out for no cap",
            )
        })?),
        None => None,
    };
    Ok(LinkConfig { rtt, bandwidth })
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
        Some("http" | "https") => {}
        Some(other) => {
            return Err(bad(format!(
                "scheme `{other}` is not supported; use http or https"
            )));
        }
        None => return Err(bad(format!("\"{text}\" has no scheme"))),
    }
    if url.host().is_none_or(str::is_empty) {
        return Err(bad(format!("\"{text}\" has no host")));
    }
    // user:password@ is taken out of the URL (it would end up in the Host
    // header and in every report) and sent as a header instead.
    let (url, credentials) = match url.authority().map(|a| a.as_str()) {
        Some(authority) if authority.contains('@') => {
            let (userinfo, host) = authority.rsplit_once('@').unwrap_or(("", authority));
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let mut parts = url.clone().into_parts();
            parts.authority = Some(
                host.parse()
                    .map_err(|e| bad(format!("not a valid URL: the host part ({e})")))?,
            );
            let url =
                http::Uri::from_parts(parts).map_err(|e| bad(format!("not a valid URL ({e})")))?;
            let credentials = super::Credentials {
                user: user.to_string(),
                password: password.to_string(),
            };
            (url, Some(credentials))
        }
        _ => (url, None),
    };
    if url.port_u16() == Some(0) {
        return Err(bad(format!(
            "\"{text}\" has port 0, which cannot be dialled"
        )));
    }
    Ok(Target::External { url, credentials })
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
    let concurrency = cx.bounded(
        &l.concurrency,
        "load.concurrency",
        MAX_CONCURRENCY,
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
        Some(v) => cx.bounded(
            v,
            "load.threads",
            MAX_THREADS,
            "the client's worker threads, e.g. 2",
        )? as usize,
        None => default_threads(),
    };
    let arrival = match &l.arrival {
        Some(a) => arrival(cx, a)?,
        None => Arrival::Closed,
    };
    if let (Some(a), Stop::Requests(n)) = (&l.arrival, stop) {
        // The schedule must end within what poolbench waits for.
        let last = match arrival {
            Arrival::Rate(r) => (n - 1) as f64 / r,
            Arrival::Bursts { size, every } => ((n - 1) / size) as f64 * every.as_secs_f64(),
            Arrival::Closed => 0.0,
        };
        if last > super::units::MAX_DURATION.as_secs_f64() {
            return Err(cx
                .err(
                    a.span(),
                    "load.arrival",
                    format!(
                        "{n} requests on this schedule would take {:.0} days",
                        last / 86400.0
                    ),
                )
                .help("raise the rate, or give load.duration instead of load.requests"));
        }
    }
    let repeat = match &l.repeat {
        Some(v) => {
            let n = cx.positive(
                v,
                "load.repeat",
                "rounds per mode, interleaved; e.g. repeat = 3",
            )?;
            u32::try_from(n).map_err(|_| cx.err(v.span(), "load.repeat", "is too large".into()))?
        }
        None => 1,
    };
    Ok(Load {
        stop,
        arrival,
        concurrency,
        warmup,
        timeout,
        threads,
        repeat,
    })
}

fn arrival(cx: &Ctx, raw: &Spanned<RawArrival>) -> Result<Arrival, ScenarioError> {
    let a = raw.get_ref();
    let help = "write arrival = { rate = 2000 } (requests per second) or arrival = { burst = 50, every = \"20ms\" }";
    match (&a.rate, &a.burst, &a.every) {
        (Some(rate), None, None) => {
            let r = *rate.get_ref();
            if !(MIN_RATE..=MAX_RATE).contains(&r) {
                return Err(cx
                    .err(
                        rate.span(),
                        "load.arrival.rate",
                        format!(
                            "must be from {MIN_RATE} to {MAX_RATE:.0} requests per second (found {r})"
                        ),
                    )
                    .help(help));
            }
            Ok(Arrival::Rate(r))
        }
        (None, Some(burst), Some(every)) => {
            let size = cx.positive(burst, "load.arrival.burst", help)?;
            let period = cx.duration(every, "load.arrival.every")?;
            if period.is_zero() {
                return Err(cx
                    .err(
                        every.span(),
                        "load.arrival.every",
                        "must be longer than 0".into(),
                    )
                    .help(help));
            }
            Ok(Arrival::Bursts {
                size,
                every: period,
            })
        }
        _ => Err(cx
            .err(
                raw.span(),
                "load.arrival",
                "needs either `rate`, or both `burst` and `every`".into(),
            )
            .help(help)),
    }
}

/// One worker thread per core, as tokio does by default.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn modes(cx: &Ctx, raw: &Spanned<RawModes>) -> Result<Vec<ModeSpec>, ScenarioError> {
    let m = raw.get_ref();
    let mut modes = Vec::new();
    let limited =
        |kind: ModeKind, v: Spanned<&Option<Spanned<i64>>>| -> Result<ModeSpec, ScenarioError> {
            let key = format!("modes.{}.limit", kind.name());
            let limit = match v.get_ref() {
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
                pool: PoolSettings::default(),
            })
        };
    if let Some(v) = &m.pooled {
        let mut spec = limited(ModeKind::Pooled, Spanned::new(v.span(), &v.get_ref().limit))?;
        spec.pool = pool_settings(cx, v.get_ref())?;
        modes.push(spec);
    }
    if m.per_request_client.is_some() {
        modes.push(ModeSpec {
            kind: ModeKind::PerRequestClient,
            limit: None,
            pool: PoolSettings::default(),
        });
    }
    if let Some(v) = &m.keep_alive_disabled {
        let mut spec = limited(
            ModeKind::KeepAliveDisabled,
            Spanned::new(v.span(), &v.get_ref().limit),
        )?;
        spec.pool.keep_alive = false;
        modes.push(spec);
    }
    if m.hyper_util.is_some() {
        modes.push(ModeSpec {
            kind: ModeKind::HyperUtil,
            limit: None,
            pool: PoolSettings::default(),
        });
    }
    if modes.is_empty() {
        return Err(cx
            .err(raw.span(), "modes", "names no mode to run".into())
            .help("add at least one of pooled = { limit = 10 }, per_request_client = {}, keep_alive_disabled = { limit = 10 }, hyper_util = {}"));
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
    if message.starts_with("missing field") {
        let field = between(&message, '`', '`').unwrap_or_default();
        // The span is the table that lacks the field: its header, or the
        // whole file for a top-level key.
        let table = source[span.start.min(source.len())..]
            .lines()
            .next()
            .filter(|l| l.trim_start().starts_with('['))
            .map(|l| {
                l.trim()
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string()
            });
        return match table {
            Some(table) => err
                .at(source, span.start..span.start + 1)
                .key(join(&table, &field))
                .help(format!("add `{field}` to [{table}]")),
            None => err.key(field.clone()).help(match field.as_str() {
                "modes" => "add the modes to compare, e.g.\n[modes]\npooled = { limit = 10 }\nper_request_client = {}".to_string(),
                "load" => "add the load, e.g.\n[load]\nrequests = 1000\nconcurrency = 50".to_string(),
                _ => format!("add `{field}` (see scenarios/thousand.toml)"),
            }),
        };
    }
    err = err.at(source, span.clone());
    let table = table_at(source, span.start);
    let path = key_path(source, span.start);
    if let Some((field, expected)) = unknown_field(&message) {
        // Inside an inline table, the table's own key comes first.
        let outer = path
            .first()
            .filter(|_| path.len() > 1 || inline(source, span.start));
        let table = match outer {
            Some(outer) => join(&table, outer),
            None => table,
        };
        err = err
            .key(join(&table, &field))
            .message_for_unknown(&field, &expected);
        if expected.is_empty()
            && let Some(outer) = outer
        {
            err = err.help(format!("`{outer}` takes no settings: write {outer} = {{}}"));
        }
    } else if !path.is_empty() {
        err = err
            .key(join(&table, &path.join(".")))
            .help("check the value's type against scenarios/thousand.toml");
    }
    err
}

/// Whether `offset` is inside an inline table (`key = { … }`) on its line.
fn inline(source: &str, offset: usize) -> bool {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    source[start..offset].contains('{')
}

/// The key (and, inside an inline table, the inner key) assigned at
/// `offset`: `["pooled", "limit"]` for `pooled = { limit = "ten" }`.
fn key_path(source: &str, offset: usize) -> Vec<String> {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &source[start..offset];
    let Some(outer) = key_at(source, offset) else {
        return Vec::new();
    };
    let mut path = vec![outer];
    if let Some(brace) = prefix.rfind('{') {
        let inner_start = prefix[brace..].rfind(',').map_or(brace, |c| brace + c) + 1;
        if let Some((inner, _)) = prefix[inner_start..].split_once('=') {
            path.push(inner.trim().to_string());
        }
    }
    path
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

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
name = "t"
[load]
requests = 10
concurrency = 2
[modes]
pooled = { limit = 3 }
per_request_client = {}
"#;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        validate(Path::new("s.toml"), text)
    }

    /// Replaces `from` in the valid scenario and returns the error.
    fn error_with(from: &str, to: &str) -> ScenarioError {
        assert!(VALID.contains(from), "{from:?} not in the base scenario");
        parse(&VALID.replacen(from, to, 1)).expect_err("should be rejected")
    }

    fn line_of(e: &ScenarioError) -> usize {
        e.location.as_ref().expect("has a location").line
    }

    #[test]
    fn valid_scenario_is_typed() -> Result<(), ScenarioError> {
        let s = parse(VALID)?;
        assert_eq!(s.load.stop, Stop::Requests(10));
        assert_eq!(s.load.concurrency, 2);
        assert_eq!(s.modes.len(), 2);
        assert_eq!(s.modes[0].kind, ModeKind::Pooled);
        assert_eq!(s.modes[0].limit.map(|l| l.get()), Some(3));
        assert!(matches!(s.target, Target::Bundled(_)));
        Ok(())
    }

    #[test]
    fn shipped_scenarios_are_valid() -> std::io::Result<()> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        for entry in std::fs::read_dir(dir)? {
            if let Err(e) = Scenario::load(&entry?.path()) {
                panic!("{e}");
            }
        }
        Ok(())
    }

    #[test]
    fn unknown_key_suggests_the_closest() {
        let e = error_with("concurrency = 2", "concurency = 2");
        assert_eq!(e.key.as_deref(), Some("load.concurency"));
        assert_eq!(line_of(&e), 5);
        assert_eq!(e.help.as_deref(), Some("did you mean `concurrency`?"));
    }

    #[test]
    fn unknown_mode_lists_the_modes() {
        let e = error_with("per_request_client = {}", "per_request = {}");
        assert_eq!(e.key.as_deref(), Some("modes.per_request"));
        assert!(e.help.is_some_and(|h| h.contains("per_request_client")));
    }

    #[test]
    fn type_error_names_the_key() {
        let e = error_with("concurrency = 2", "concurrency = \"two\"");
        assert_eq!(e.key.as_deref(), Some("load.concurrency"));
        assert_eq!(line_of(&e), 5);
        assert!(e.message.contains("invalid type"), "{}", e.message);
    }

    #[test]
    fn impossible_values_are_rejected_with_their_key() {
        let cases = [
            (
                "concurrency = 2",
                "concurrency = 0",
                "load.concurrency",
                "at least 1",
            ),
            (
                "requests = 10",
                "requests = -1",
                "load.requests",
                "at least 1",
            ),
            ("limit = 3", "limit = 0", "modes.pooled.limit", "at least 1"),
            (
                "requests = 10",
                "duration = \"-5s\"",
                "load.duration",
                "negative",
            ),
            (
                "requests = 10",
                "duration = \"soon\"",
                "load.duration",
                "not a duration",
            ),
            ("name = \"t\"", "name = \"  \"", "name", "empty"),
        ];
        for (from, to, key, message) in cases {
            let e = error_with(from, to);
            assert_eq!(e.key.as_deref(), Some(key), "{to}");
            assert!(e.message.contains(message), "{to}: {}", e.message);
            assert!(e.help.is_some(), "{to} has no help");
        }
    }

    #[test]
    fn bad_target_url_is_rejected() -> Result<(), ScenarioError> {
        for url in ["not a url", "ftp://127.0.0.1/", "/just/a/path"] {
            let text = format!("{VALID}[target]\nurl = \"{url}\"\n");
            let e = parse(&text).expect_err(url);
            assert_eq!(e.key.as_deref(), Some("target.url"), "{url}");
            assert_eq!(line_of(&e), 10, "{url}");
        }
        let ok = parse(&format!(
            "{VALID}[target]\nurl = \"http://127.0.0.1:9/x\"\n"
        ))?;
        assert!(matches!(ok.target, Target::External { .. }));
        Ok(())
    }

    #[test]
    fn contradictions_and_omissions_are_rejected() {
        let both = error_with("requests = 10", "requests = 10\nduration = \"1s\"");
        assert!(both.message.contains("not both"));
        let neither = error_with("requests = 10\n", "");
        assert_eq!(neither.key.as_deref(), Some("load"));
        let no_modes =
            parse(&VALID.replace("pooled = { limit = 3 }\nper_request_client = {}\n", ""))
                .unwrap_err();
        assert_eq!(no_modes.key.as_deref(), Some("modes"));
        let no_limit = error_with("pooled = { limit = 3 }", "pooled = {}");
        assert_eq!(no_limit.key.as_deref(), Some("modes.pooled.limit"));
    }

    #[test]
    fn sizes_and_durations_in_the_server_table() -> Result<(), ScenarioError> {
        let s = parse(&format!(
            "{VALID}[server]\nthink_time = \"2ms\"\nbody_size = \"4KiB\"\nmax_requests_per_connection = 5\n"
        ))?;
        let Target::Bundled(config) = s.target else {
            panic!("bundled")
        };
        assert_eq!(config.think_time, Duration::from_millis(2));
        assert_eq!(config.body_size, 4096);
        assert_eq!(config.max_requests_per_connection, 5);
        let e = parse(&format!("{VALID}[server]\nbody_size = \"4 parsecs\"\n")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("server.body_size"));
        Ok(())
    }

    #[test]
    fn a_check_error_after_an_escape_points_at_the_right_column() {
        let line = r#"check = "pooled.p99 <= 20 \u00b5x""#;
        let e = parse(&format!("{VALID}[[gate]]\n{line}\n")).unwrap_err();
        let location = e.location.clone().expect("located");
        assert_eq!(location.line_text, line);
        // The caret is under the escape that wrote the offending µ.
        let column = line.find("\\u00b5").map(|i| i + 1);
        assert_eq!(Some(location.column), column, "{e}");
        assert!(e.message.contains("unexpected text"), "{e}");
    }
}

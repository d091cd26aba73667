//! The tables of a scenario besides `[load]`: `[server]` or `[target]`,
//! `[tls]`, `[link]`, each validated into its typed value (`[modes]` is in
//! [`super::modes`]).

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::context::Ctx;
use super::load::MAX_THREADS;
use super::raw::{RawLink, RawServer, RawServerTls, RawTarget, RawTls};
use super::units::parse_rate;
use super::{ScenarioError, Target, Transport};
use crate::link::LinkConfig;
use crate::server::{OverCapacity, ServerConfig};
use crate::tls::{TlsSettings, TlsVersion};

pub(super) fn server_config(cx: &Ctx, raw: &RawServer) -> Result<ServerConfig, ScenarioError> {
    server_config_on(cx, raw, ServerConfig::default(), "server")
}

/// `raw`'s keys applied to `base`; errors name keys under `prefix`
/// (`server`, or `authority.api.server`).
pub(super) fn server_config_on(
    cx: &Ctx,
    raw: &RawServer,
    base: ServerConfig,
    prefix: &str,
) -> Result<ServerConfig, ScenarioError> {
    let k = |name: &str| format!("{prefix}.{name}");
    let mut config = base;
    if let Some(v) = &raw.think_time {
        config.think_time = cx.duration(v, &k("think_time"))?;
    }
    if let Some(v) = &raw.body_size {
        config.body_size = cx.size(v, &k("body_size"))?;
        if config.body_size > ServerConfig::MAX_BODY {
            return Err(cx
                .err(
                    v.span(),
                    &k("body_size"),
                    format!(
                        "{} bytes is over the bundled server's limit",
                        config.body_size
                    ),
                )
                .help(format!("use at most {} bytes", ServerConfig::MAX_BODY)));
        }
    }
    if let Some(v) = &raw.keep_alive_timeout {
        let timeout = cx.duration(v, &k("keep_alive_timeout"))?;
        if timeout.is_zero() {
            return Err(cx
                .err(v.span(), &k("keep_alive_timeout"), "must be longer than 0".into())
                .help("to close every connection after one request, use max_requests_per_connection = 1"));
        }
        config.keep_alive_timeout = timeout;
    }
    if let Some(v) = &raw.max_requests_per_connection {
        config.max_requests_per_connection = cx.non_negative(
            v,
            &k("max_requests_per_connection"),
            "0 means unlimited; N closes a connection after its N-th response",
        )?;
    }
    misbehaviour(cx, raw, &mut config, &k)?;
    if let Some(v) = &raw.threads {
        config.threads = cx.bounded(
            v,
            &k("threads"),
            MAX_THREADS,
            "the bundled server's worker threads, e.g. 2",
        )? as usize;
    }
    Ok(config)
}

/// The `[server]` keys that make the bundled server misbehave or turn
/// clients away.
fn misbehaviour(
    cx: &Ctx,
    raw: &RawServer,
    config: &mut ServerConfig,
    k: &dyn Fn(&str) -> String,
) -> Result<(), ScenarioError> {
    if let Some(v) = &raw.reset_every {
        config.reset_every = cx.non_negative(
            v,
            &k("reset_every"),
            "0 never resets; N cuts every N-th response mid-body with a TCP reset",
        )?;
    }
    if let Some(v) = &raw.slow_body {
        config.slow_body = cx.duration(v, &k("slow_body"))?;
    }
    if let Some(v) = &raw.body_overrun {
        config.body_overrun = cx.non_negative(
            v,
            &k("body_overrun"),
            "0 never; N sends N bytes beyond the Content-Length on every response but a connection's first",
        )?;
    }
    if let Some(stale) = raw.stale_reuse {
        config.stale_reuse = stale;
    }
    if let Some(v) = &raw.max_connections {
        config.max_connections = cx.non_negative(
            v,
            &k("max_connections"),
            "0 for no cap; N holds at most N connections open",
        )?;
    }
    if let Some(v) = &raw.max_concurrent_streams {
        config.max_concurrent_streams = cx.bounded(
            v,
            &k("max_concurrent_streams"),
            u64::from(u32::MAX),
            "HTTP/2: the most streams a client may have in flight on one connection, e.g. 100",
        )? as u32;
    }
    if let Some(v) = &raw.over_capacity {
        config.over_capacity = OverCapacity::from_name(v.get_ref()).ok_or_else(|| {
            cx.err(
                v.span(),
                &k("over_capacity"),
                format!("unknown value \"{}\"", v.get_ref()),
            )
            .help("over the cap, \"refuse\" resets a new connection, \"503\" answers its requests with 503, \"queue\" stops accepting until one closes")
        })?;
    }
    Ok(())
}

pub(super) fn server_tls(
    cx: &Ctx,
    raw: &Spanned<RawServerTls>,
) -> Result<Vec<Transport>, ScenarioError> {
    match raw.get_ref() {
        RawServerTls::Flag(false) => Ok(vec![Transport::Http]),
        RawServerTls::Flag(true) => Ok(vec![Transport::Https]),
        RawServerTls::Text(t) if t == "both" => Ok(vec![Transport::Http, Transport::Https]),
        RawServerTls::Text(t) => Err(cx
            .err(raw.span(), "server.tls", format!("unknown value \"{t}\""))
            .help("tls = true serves HTTPS; tls = \"both\" runs every mode over HTTP and HTTPS")),
    }
}

pub(super) fn tls_settings(
    cx: &Ctx,
    raw: &RawTls,
) -> Result<(TlsSettings, Option<PathBuf>), ScenarioError> {
    let mut settings = TlsSettings::default();
    if let Some(v) = &raw.version {
        settings.version = v.get_ref().parse::<TlsVersion>().map_err(|message| {
            cx.err(v.span(), "tls.version", message)
                .help("use version = \"1.3\" (the default) or \"1.2\"")
        })?;
    }
    if let Some(resumption) = raw.resumption {
        settings.resumption = resumption;
    }
    if let Some(verify) = raw.verify {
        settings.verify = verify;
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

pub(super) fn link(cx: &Ctx, raw: &RawLink) -> Result<LinkConfig, ScenarioError> {
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

pub(super) fn target_url(cx: &Ctx, raw: &RawTarget) -> Result<Target, ScenarioError> {
    url_target(cx, &raw.url, "target.url")
}

/// An external target from the URL `raw` (the value of `key`).
pub(super) fn url_target(
    cx: &Ctx,
    raw: &Spanned<String>,
    key: &str,
) -> Result<Target, ScenarioError> {
    let text = raw.get_ref();
    let bad = |why: String| {
        cx.err(raw.span(), key, why).help(
            "write a full URL, e.g. url = \"http://127.0.0.1:8080/\" (or unix:///run/app.sock)",
        )
    };
    if let Some(path) = text.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(bad(format!(
                "\"{text}\" does not name an absolute socket path"
            )));
        }
        return Ok(Target::External {
            url: http::Uri::from_static("http://localhost/"),
            credentials: None,
            unix: Some(path.into()),
        });
    }
    let url: http::Uri = text.parse().map_err(|e| {
        bad(format!(
            "not a valid URL: \"{}\" ({e})",
            crate::redact::text(text)
        ))
    })?;
    match url.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(bad(format!(
                "scheme `{other}` is not supported; use http or https"
            )));
        }
        None => {
            return Err(bad(format!(
                "\"{}\" has no scheme",
                crate::redact::text(text)
            )));
        }
    }
    if url.host().is_none_or(str::is_empty) {
        return Err(bad(format!(
            "\"{}\" has no host",
            crate::redact::text(text)
        )));
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
    check_port(text).map_err(bad)?;
    Ok(Target::External {
        url,
        credentials,
        unix: None,
    })
}

/// A port a URL names must be one that can be dialled: 1 to 65535 (the
/// URL parser takes `:99999` and would fall back to the scheme's port).
pub(super) fn check_port(text: &str) -> Result<(), String> {
    let Ok(url) = text.parse::<http::Uri>() else {
        return Ok(());
    };
    let Some(authority) = url.authority() else {
        return Ok(());
    };
    let host = authority.as_str().rsplit('@').next().unwrap_or_default();
    let host = &host[host.rfind(']').unwrap_or(0)..];
    let Some(colon) = host.rfind(':') else {
        return Ok(());
    };
    let port = &host[colon + 1..];
    match url.port_u16() {
        Some(0) => Err(format!(
            "\"{}\" has port 0, which cannot be dialled",
            crate::redact::text(text)
        )),
        None if !port.is_empty() => Err(format!(
            "port {port} of \"{}\" is not a port: ports run from 1 to 65535",
            crate::redact::text(text)
        )),
        _ => Ok(()),
    }
}

/// `[proxy]`: your proxy's `url`, or `bundled = true` for poolbench's own.
pub(super) fn proxy(
    cx: &Ctx,
    raw: &Spanned<super::raw::RawProxy>,
    transports: &[super::Transport],
) -> Result<super::ProxySpec, ScenarioError> {
    let p = raw.get_ref();
    let help = "write url = \"http://127.0.0.1:3128\" for your proxy, or bundled = true for poolbench's own";
    if transports.contains(&super::Transport::Unix) {
        return Err(cx
            .err(
                raw.span(),
                "proxy",
                "is given for a run over a Unix socket".into(),
            )
            .help("a Unix socket is dialled directly: leave out [proxy], or the Unix socket"));
    }
    let bundled = p.bundled.as_ref().is_some_and(|b| *b.get_ref());
    match (&p.url, bundled) {
        (Some(url), false) => {
            let text = url.get_ref();
            let bad = |why: String| cx.err(url.span(), "proxy.url", why).help(help);
            let uri: http::Uri = text.parse().map_err(|e| {
                bad(format!(
                    "not a valid URL: \"{}\" ({e})",
                    crate::redact::text(text)
                ))
            })?;
            if uri.scheme_str() != Some("http") || uri.host().is_none_or(str::is_empty) {
                return Err(bad(format!(
                    "\"{}\" is not an http://host:port URL (poolbench speaks plain HTTP to a proxy)",
                    crate::redact::text(text)
                )));
            }
            check_port(text).map_err(bad)?;
            Ok(super::ProxySpec::At(uri))
        }
        (None, true) => Ok(super::ProxySpec::Bundled),
        (Some(_), true) => Err(cx
            .err(raw.span(), "proxy", "names a url and bundled = true".into())
            .help(help)),
        (None, false) => Err(cx
            .err(raw.span(), "proxy", "names no proxy".into())
            .help(help)),
    }
}

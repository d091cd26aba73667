//! Raw TOML → typed [`Scenario`], with an error for each value that cannot
//! be run, pointing at it.

use std::path::Path;

use toml::Spanned;

use super::context::Ctx;
use super::load::load;
use super::modes::mode_specs;
use super::raw::{RawExpect, RawScenario};
use super::sections::{link, server_config, server_tls, target_url, tls_settings, url_target};
use super::toml_error::from_toml;
use super::{ExpectSpec, RequestSpec, Scenario, ScenarioError, Target, Transport};
use crate::gate::{self, Check};
use crate::modes::{Catalogue, ModeSpec, Route};
use crate::server::ServerConfig;
use crate::tls::TlsSettings;

pub(super) fn validate(
    path: &Path,
    source: &str,
    kinds: &Catalogue,
) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(source).map_err(|e| from_toml(path, source, &e))?;
    let cx = Ctx {
        path,
        source,
        kinds,
    };
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
    let mut target = target(&cx, &raw)?;
    let mut request = match &raw.request {
        Some(r) => super::request::request(&cx, r.get_ref(), &RequestSpec::default(), "request")?,
        None => RequestSpec::default(),
    };
    let mut authorities = super::authorities::authorities(&cx, &raw.authority, &target, &request)?;
    if let Some(f) = raw
        .request
        .as_ref()
        .and_then(|r| r.get_ref().urls_file.as_ref())
    {
        (target, authorities) = url_list(&cx, &raw, f, &mut request, target, authorities)?;
    }
    let link = match &raw.link {
        Some(l) => Some(link(&cx, l.get_ref())?),
        None => None,
    };
    let transports = transports(&cx, &raw, &target, server_tls)?;
    let proxy = match &raw.proxy {
        Some(p) => Some(super::sections::proxy(&cx, p, &transports)?),
        None => None,
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
    let modes = mode_specs(&cx, &raw.modes, route(&raw, proxy.is_some(), &transports))?;
    let checks = raw
        .gate
        .iter()
        .map(|g| check(&cx, &g.check, &modes, &transports, &authorities))
        .collect::<Result<Vec<_>, _>>()?;
    let redact = redacted(&cx, &raw)?;
    Ok(Scenario {
        name,
        redact,
        description: raw.description.unwrap_or_default(),
        file: path.to_path_buf(),
        source: source.to_string(),
        target,
        authorities,
        link,
        transports,
        tls,
        ca_file,
        load,
        modes,
        checks,
        expect,
        request,
        proxy,
    })
}

/// The headers `[request]` and each authority's request list under
/// `redact`.
fn redacted(cx: &Ctx, raw: &RawScenario) -> Result<Vec<String>, ScenarioError> {
    let mut redact = Vec::new();
    if let Some(r) = &raw.request {
        redact.extend(super::request::redact(cx, r.get_ref(), "request")?);
    }
    for a in &raw.authority {
        if let Some(r) = &a.get_ref().request {
            let key = format!("authority.{}.request", a.get_ref().name.get_ref());
            redact.extend(super::request::redact(cx, r.get_ref(), &key)?);
        }
    }
    Ok(redact)
}

/// How the scenario's requests travel, for the kinds to check.
fn route(raw: &RawScenario, proxied: bool, transports: &[Transport]) -> Route {
    Route {
        link: raw.link.is_some(),
        proxy: proxied,
        unix: transports.contains(&Transport::Unix),
        plain: transports.iter().any(|t| *t != Transport::Https),
    }
}

/// The transports every mode runs over: the target URL's, or the bundled
/// server's (`tls`, and `unix = true` for a Unix socket besides).
fn transports(
    cx: &Ctx,
    raw: &RawScenario,
    target: &Target,
    server_tls: Option<Vec<Transport>>,
) -> Result<Vec<Transport>, ScenarioError> {
    let mut transports = match (target, server_tls) {
        (Target::External { unix: Some(_), .. }, _) => vec![Transport::Unix],
        (Target::External { url, .. }, _) if url.scheme_str() == Some("https") => {
            vec![Transport::Https]
        }
        (Target::External { .. }, _) => vec![Transport::Http],
        (Target::Bundled(_), None) => vec![Transport::Http],
        (Target::Bundled(_), Some(transports)) => transports,
    };
    let unix = raw.server.as_ref().and_then(|s| s.get_ref().unix.as_ref());
    if unix.is_some_and(|u| *u.get_ref()) {
        transports.push(Transport::Unix);
    }
    if let (true, Some(l)) = (transports.contains(&Transport::Unix), &raw.link) {
        return Err(cx
            .err(
                l.span(),
                "link",
                "emulates a TCP network, and the scenario runs over a Unix socket".into(),
            )
            .help("leave out [link] (a Unix socket has no network to emulate), or unix = true"));
    }
    Ok(transports)
}

/// With a URL list: its paths for the bundled server, or its URLs as the
/// user's servers (the target and, with several hosts, the authorities).
fn url_list(
    cx: &Ctx,
    raw: &RawScenario,
    f: &Spanned<String>,
    request: &mut RequestSpec,
    target: Target,
    authorities: Vec<super::AuthoritySpec>,
) -> Result<(Target, Vec<super::AuthoritySpec>), ScenarioError> {
    let key = "request.urls_file";
    let list = super::url_list::UrlList::read(cx, f, key)?;
    if raw
        .request
        .as_ref()
        .is_some_and(|r| r.get_ref().paths.is_some())
    {
        return Err(cx
            .err(f.span(), key, "is given with paths".into())
            .help("list the paths either in paths = [...] or in the file, not both"));
    }
    let named = raw.target.is_some() || !raw.authority.is_empty();
    if list.is_paths() || raw.server.is_some() || named {
        if !authorities.is_empty() {
            return Err(cx
                .err(f.span(), key, "is given with [[authority]]".into())
                .help("a URL list names its own authorities: leave out [[authority]] (or list paths per authority in its request = { paths = [...] })"));
        }
        request.list = Some(list.paths()?);
        return Ok((target, authorities));
    }
    let mut from_list = list.authorities(request, super::authorities::MAX_AUTHORITIES)?;
    let target = from_list[0].target.clone();
    if from_list.len() == 1 {
        request.list = from_list.remove(0).request.list;
        return Ok((target, Vec::new()));
    }
    Ok((target, from_list))
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
        Some(v) => Some(cx.size(v, "expect.body_size")?),
        None => None,
    };
    Ok(ExpectSpec { status, body_bytes })
}

/// Parses a check and validates every figure it names, pointing errors at
/// the offending part of the check.
fn check(
    cx: &Ctx,
    raw: &Spanned<String>,
    modes: &[ModeSpec],
    transports: &[Transport],
    authorities: &[super::AuthoritySpec],
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
    let labels: Vec<&str> = modes.iter().map(|m| m.label.as_str()).collect();
    let transports: Vec<&str> = transports.iter().map(|t| t.name()).collect();
    let mut sweeps: Vec<&str> = modes.iter().filter_map(|m| m.sweep.as_deref()).collect();
    sweeps.dedup();
    let unobserved: Vec<(&str, &[&str])> = modes
        .iter()
        .map(|m| (m.label.as_str(), m.kind.unobserved))
        .collect();
    let names = gate::Names {
        unobserved: &unobserved,
        modes: &labels,
        transports: &transports,
        sweeps: &sweeps,
        authorities: &authorities
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
    };
    gate::validate(text, &names)
        .map_err(|e| cx.err(at(e.span), "gate.check", e.message).help(e.help))
}

/// Where requests go: the bundled server (`[server]`, or nothing), the
/// user's (`[target]`), or the user's at each authority's URL.
fn target(cx: &Ctx, raw: &RawScenario) -> Result<Target, ScenarioError> {
    let by_url = super::authorities::first_url(&raw.authority);
    if let (Some(_), Some(section)) = (
        by_url,
        raw.server
            .as_ref()
            .map(|s| (s.span(), "server"))
            .or(raw.target.as_ref().map(|t| (t.span(), "target"))),
    ) {
        return Err(cx
            .err(section.0, section.1, "is given with authorities at URLs of your own".into())
            .help("an authority with url = … is your own server: leave out [server] and [target], or the urls to use the bundled server"));
    }
    let target = match (&raw.server, &raw.target) {
        (None, None) if let Some(url) = by_url => url_target(cx, url, "authority.url")?,
        (Some(_), Some(target)) => {
            return Err(cx
                .err(
                    target.span(),
                    "target",
                    "a scenario has either [server] or [target], not both".into(),
                )
                .help("keep [server] to use the bundled server, or [target] for your own"));
        }
        (None, Some(target)) => target_url(cx, target.get_ref())?,
        (Some(server), None) => Target::Bundled(server_config(cx, server.get_ref())?),
        (None, None) => Target::Bundled(ServerConfig::default()),
    };
    Ok(target)
}

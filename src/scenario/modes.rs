//! `[modes]`: the modes a scenario runs, in the file's order. Each key is a
//! mode's label — what reports, the gate and `compare` call it — and names
//! its kind too, unless `kind` says otherwise, so one kind can run several
//! times with different settings:
//!
//! ```toml
//! [modes]
//! pooled = { limit = 50 }
//! starved = { kind = "pooled", limit = 10 }
//! per_request_client = {}
//! ```

use std::num::NonZeroU32;
use std::time::Duration;

use toml::Spanned;

use super::ScenarioError;
use super::context::Ctx;
use super::raw::{RawLimit, RawMode, RawModes};
use crate::modes::{Check, Kind, ModeSpec, Route, SETTINGS, Settings, scope_named};
use crate::results::{BodyHandling, HttpVersion};

/// The most modes one scenario may run (each is a full measured run).
const MAX_MODES: usize = 64;
/// The most limits one sweep may run.
const MAX_SWEEP: usize = 32;

pub(super) fn mode_specs(
    cx: &Ctx,
    raw: &Spanned<RawModes>,
    route: Route,
) -> Result<Vec<ModeSpec>, ScenarioError> {
    let entries = &raw.get_ref().0;
    if entries.is_empty() {
        return Err(cx
            .err(raw.span(), "modes", "names no mode to run".into())
            .help(format!("add at least one, e.g. pooled = {{ limit = 10 }} or per_request_client = {{}} ({})", kinds_help(cx))));
    }
    if entries.len() > MAX_MODES {
        return Err(cx
            .err(
                raw.span(),
                "modes",
                format!("names {} modes", entries.len()),
            )
            .help(format!("run at most {MAX_MODES} modes in one scenario")));
    }
    let mut modes: Vec<ModeSpec> = Vec::new();
    for (label, mode) in entries {
        for spec in one(cx, label, mode, route)? {
            if modes.iter().any(|m| m.label == spec.label) {
                return Err(cx
                    .err(label.span(), &format!("modes.{}", label.get_ref()), format!("runs a second mode named {}", spec.label))
                    .help("a sweep's modes are named after their limits (pooled_8): give each mode a name of its own"));
            }
            modes.push(spec);
        }
    }
    if modes.len() > MAX_MODES {
        return Err(cx
            .err(raw.span(), "modes", format!("runs {} modes", modes.len()))
            .help(format!("run at most {MAX_MODES} modes in one scenario")));
    }
    Ok(modes)
}

/// The modes one `[modes]` entry runs: one, or one per limit of a sweep.
fn one(
    cx: &Ctx,
    label: &Spanned<String>,
    raw: &Spanned<RawMode>,
    route: Route,
) -> Result<Vec<ModeSpec>, ScenarioError> {
    let name = label.get_ref();
    let key = |k: &str| format!("modes.{name}.{k}");
    if !valid_label(name) {
        return Err(cx
            .err(label.span(), &format!("modes.{name}"), "is not a usable mode name".into())
            .help("a mode's name starts with a letter and holds letters, digits and _, so a gate check can name it: starved = { kind = \"pooled\", limit = 10 }"));
    }
    let m = raw.get_ref();
    let kind = match &m.kind {
        Some(k) => cx.kinds.find(k.get_ref()).ok_or_else(|| {
            cx.err(
                k.span(),
                &key("kind"),
                format!("unknown mode kind \"{}\"", k.get_ref()),
            )
            .help(cx.kinds.help_for(k.get_ref()))
        })?,
        None => cx.kinds.find(name).ok_or_else(|| {
            cx.err(
                label.span(),
                &format!("modes.{name}"),
                "is not a mode kind".into(),
            )
            .help(format!(
                "{}; or name its kind: {name} = {{ kind = \"pooled\", limit = 10 }}",
                cx.kinds.help_for(name)
            ))
        })?,
    };
    let (limits, sweep) = limits(cx, kind, m, &key("limit"), raw.span())?;
    let given = given(m);
    refuse_settings(cx, kind, &given, &key)?;
    let settings = settings(cx, m, &key)?;
    let body = body(cx, m, &key)?;
    let http = http_version(cx, m, &key)?;
    let spec = ModeSpec {
        label: name.clone(),
        kind,
        limit: limits.first().copied().flatten(),
        settings,
        body,
        sweep: sweep.then(|| name.clone()),
        http,
    };
    refused(cx, (label, m), &spec, &given, route)?;
    // A sweep runs one mode per limit, each named after it: pooled_8.
    Ok(limits
        .into_iter()
        .map(|limit| ModeSpec {
            label: match limit.filter(|_| sweep) {
                Some(l) => format!("{name}_{l}"),
                None => name.clone(),
            },
            limit,
            ..spec.clone()
        })
        .collect())
}

/// What the kind refuses of the mode (an HTTP version, a route), pointed
/// at the key it names, or at the mode.
fn refused(
    cx: &Ctx,
    (label, m): (&Spanned<String>, &RawMode),
    spec: &ModeSpec,
    given: &[(&'static str, std::ops::Range<usize>)],
    route: Route,
) -> Result<(), ScenarioError> {
    let keys: Vec<&'static str> = given.iter().map(|(k, _)| *k).collect();
    let check = Check {
        spec,
        given: &keys,
        route,
    };
    let Err(r) = (spec.kind.check)(&check) else {
        return Ok(());
    };
    let name = label.get_ref();
    let span = r.key.and_then(|k| match k {
        "http" => m.http.as_ref().map(|v| v.span()),
        _ => given.iter().find(|(g, _)| *g == k).map(|(_, s)| s.clone()),
    });
    let (key, span) = match (r.key, span) {
        (Some(k), Some(span)) => (format!("modes.{name}.{k}"), span),
        _ => (format!("modes.{name}"), label.span()),
    };
    Err(cx.err(span, &key, r.problem).help(r.help))
}

/// The settings the entry gives, each with where it gives it, in the
/// order of [`SETTINGS`].
fn given(m: &RawMode) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let span = |key: &str| -> Option<std::ops::Range<usize>> {
        match key {
            "keep_alive" => m.keep_alive.as_ref().map(|v| v.span()),
            "idle_timeout" => m.idle_timeout.as_ref().map(|v| v.span()),
            "max_lifetime" => m.max_lifetime.as_ref().map(|v| v.span()),
            "max_requests_per_connection" => {
                m.max_requests_per_connection.as_ref().map(|v| v.span())
            }
            "acquire_timeout" => m.acquire_timeout.as_ref().map(|v| v.span()),
            "scope" => m.scope.as_ref().map(|v| v.span()),
            "max_idle_per_host" => m.max_idle_per_host.as_ref().map(|v| v.span()),
            _ => None,
        }
    };
    SETTINGS
        .iter()
        .filter_map(|s| Some((s.key, span(s.key)?)))
        .collect()
}

/// `http = "1.1" | "2" | "auto"`; keep-alive off is HTTP/1.1's alone.
fn http_version(
    cx: &Ctx,
    m: &RawMode,
    key: &dyn Fn(&str) -> String,
) -> Result<HttpVersion, ScenarioError> {
    let Some(v) = &m.http else {
        return Ok(HttpVersion::Http1);
    };
    let http = HttpVersion::named(v.get_ref()).ok_or_else(|| {
        cx.err(v.span(), &key("http"), format!("unknown HTTP version \"{}\"", v.get_ref()))
            .help("http = \"1.1\", \"2\" (ALPN over TLS, prior knowledge over plain TCP) or \"auto\" (what ALPN negotiates)")
    })?;
    if let (false, Some(k)) = (http.is_http1(), &m.keep_alive)
        && !*k.get_ref()
    {
        return Err(cx
            .err(k.span(), &key("keep_alive"), "turns keep-alive off over HTTP/2".into())
            .help("keep-alive off has no meaning in HTTP/2 (Connection: close is not allowed, and the client keeps its connection): say http = \"1.1\", or run per_request_client for a connection per request"));
    }
    Ok(http)
}

/// `body = "read" | "drop" | "hold"`, with `hold = "50ms"` for "hold".
fn body(
    cx: &Ctx,
    m: &RawMode,
    key: &dyn Fn(&str) -> String,
) -> Result<BodyHandling, ScenarioError> {
    let how = m.body.as_ref().map(|b| (b.get_ref().as_str(), b.span()));
    let hold = match &m.hold {
        Some(h) => Some((cx.duration(h, &key("hold"))?, h.span())),
        None => None,
    };
    match (how, hold) {
        (None | Some(("read", _)), None) => Ok(BodyHandling::Read),
        (Some(("drop", _)), None) => Ok(BodyHandling::Drop),
        (Some(("hold", _)), Some((d, _))) => Ok(BodyHandling::Hold {
            hold_us: u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
        }),
        (Some(("hold", span)), None) => Err(cx
            .err(span, &key("body"), "says \"hold\" but not how long".into())
            .help("add hold = \"50ms\": how long each body waits unread")),
        (Some(("read" | "drop", _)) | None, Some((_, span))) => Err(cx
            .err(span, &key("hold"), "needs body = \"hold\"".into())
            .help("body = \"hold\", hold = \"50ms\" holds each body unread, then reads it")),
        (Some((other, span)), _) => Err(cx
            .err(span, &key("body"), format!("unknown value \"{other}\""))
            .help("body = \"read\" reads each body to the end (the default), \"drop\" drops it unread, \"hold\" (with hold = \"50ms\") holds it unread, then reads it")),
    }
}

/// A label the gate's lexer reads as one name.
fn valid_label(label: &str) -> bool {
    let mut chars = label.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn kinds_help(cx: &Ctx) -> String {
    format!("the kinds are {}", cx.kinds.names())
}

/// The mode's limits: `[None]` without one, `[Some(n)]` for `limit = n`,
/// several for a sweep (`limit = [1, 2, 4]`, ascending, distinct).
fn limits(
    cx: &Ctx,
    kind: &Kind,
    m: &RawMode,
    key: &str,
    mode_span: std::ops::Range<usize>,
) -> Result<(Vec<Option<NonZeroU32>>, bool), ScenarioError> {
    const HELP: &str =
        "the most connections per authority, e.g. limit = 10, or a sweep: limit = [1, 2, 4, 8, 16]";
    let Some(l) = m.limit.as_ref() else {
        return match kind.limit {
            false => Ok((vec![None], false)),
            true => Err(cx
                .err(mode_span, key, "is missing".into())
                .help("give the per-authority connection limit, e.g. limit = 10".to_string())),
        };
    };
    if !kind.limit {
        return Err(cx
            .err(l.span(), key, format!("does not apply to {}", kind.name))
            .help(format!(
                "{} has no connection limit: remove `limit`",
                kind.name
            )));
    }
    let one = |n: i64| {
        u32::try_from(n)
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| {
                let problem = if n < 1 {
                    "must be at least 1"
                } else {
                    "is too large"
                };
                cx.err(l.span(), key, format!("{problem} (found {n})"))
                    .help(HELP)
            })
    };
    match l.get_ref() {
        RawLimit::One(n) => Ok((vec![Some(one(*n)?)], false)),
        RawLimit::Sweep(ns) => {
            if ns.is_empty() || ns.len() > MAX_SWEEP {
                return Err(cx
                    .err(l.span(), key, format!("sweeps {} limits", ns.len()))
                    .help(format!(
                        "sweep 1 to {MAX_SWEEP} limits, e.g. limit = [1, 2, 4, 8, 16]"
                    )));
            }
            let limits = ns.iter().map(|n| one(*n)).collect::<Result<Vec<_>, _>>()?;
            if limits.windows(2).any(|w| w[0] >= w[1]) {
                return Err(cx
                    .err(
                        l.span(),
                        key,
                        "is not in ascending order without repeats".into(),
                    )
                    .help("list a sweep's limits from smallest to largest, e.g. [1, 2, 4, 8]"));
            }
            Ok((limits.into_iter().map(Some).collect(), true))
        }
    }
}

/// Refuses a setting the kind does not take, naming the kinds that do.
fn refuse_settings(
    cx: &Ctx,
    kind: &Kind,
    given: &[(&'static str, std::ops::Range<usize>)],
    key: &dyn Fn(&str) -> String,
) -> Result<(), ScenarioError> {
    let Some((k, span)) = given.iter().find(|(k, _)| !kind.takes(k)) else {
        return Ok(());
    };
    let takers: Vec<&str> = cx
        .kinds
        .kinds()
        .iter()
        .filter(|o| o.takes(k))
        .map(|o| o.name)
        .collect();
    let help = match takers.first() {
        Some(first) => format!(
            "`{k}` is a setting of {}: use it with kind = \"{first}\"",
            takers.join(", ")
        ),
        None => format!("no kind takes `{k}`: remove it"),
    };
    Err(cx
        .err(
            span.clone(),
            &key(k),
            format!("does not apply to {}", kind.name),
        )
        .help(help))
}

/// The settings the entry gives, parsed; the kind's own defaults stand
/// for the rest.
fn settings(
    cx: &Ctx,
    raw: &RawMode,
    key: &dyn Fn(&str) -> String,
) -> Result<Settings, ScenarioError> {
    let optional = |v: &Option<Spanned<String>>, k: &str| optional_duration(cx, v, &key(k));
    let scope = match &raw.scope {
        Some(v) => Some(scope_named(v.get_ref()).ok_or_else(|| {
            cx.err(v.span(), &key("scope"), format!("unknown value \"{}\"", v.get_ref()))
                .help("scope = \"authority\" caps each authority's connections (the default); \"global\" caps them all together")
        })?),
        None => None,
    };
    let max_requests_per_connection = match &raw.max_requests_per_connection {
        Some(v) => Some(cx.non_negative(
            v,
            &key("max_requests_per_connection"),
            "0 means unlimited; N closes a connection after N responses",
        )?),
        None => None,
    };
    let max_idle_per_host = match &raw.max_idle_per_host {
        Some(v) => Some(
            usize::try_from(cx.non_negative(
                v,
                &key("max_idle_per_host"),
                "the most idle connections kept per host, e.g. 10 (0 keeps none)",
            )?)
            .unwrap_or(usize::MAX),
        ),
        None => None,
    };
    Ok(Settings {
        keep_alive: raw.keep_alive.as_ref().map(|k| *k.get_ref()),
        idle_timeout: optional(&raw.idle_timeout, "idle_timeout")?,
        max_lifetime: optional(&raw.max_lifetime, "max_lifetime")?,
        max_requests_per_connection,
        acquire_timeout: optional(&raw.acquire_timeout, "acquire_timeout")?,
        scope,
        max_idle_per_host,
    })
}

/// A timeout the scenario may give: `None` if it does not, `Some(None)`
/// for "0" (switched off).
fn optional_duration(
    cx: &Ctx,
    v: &Option<Spanned<String>>,
    key: &str,
) -> Result<Option<Option<Duration>>, ScenarioError> {
    let Some(v) = v else { return Ok(None) };
    let d = cx.duration(v, key)?;
    Ok(Some((!d.is_zero()).then_some(d)))
}

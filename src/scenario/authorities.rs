//! `[[authority]]`: several authorities (scheme, host, port) in one run,
//! each served by the bundled server on ports of its own, with its own
//! behaviour — or each a URL of the user's own servers — and sent a share
//! of the requests by weight:
//!
//! ```toml
//! [[authority]]
//! name = "api"
//! weight = 1
//! server = { think_time = "50ms" }   # overrides [server] for this one
//!
//! [[authority]]
//! name = "cdn"
//! weight = 9
//! ```
//!
//! Against your own servers, each names its URL (and the scenario has no
//! `[server]` or `[target]`):
//!
//! ```toml
//! [[authority]]
//! name = "api"
//! url = "http://127.0.0.1:8081/"
//! ```

use toml::Spanned;

use super::context::Ctx;
use super::raw::RawAuthority;
use super::request::{RequestSpec, request};
use super::sections::{server_config_on, url_target};
use super::{ScenarioError, Target};
use crate::results::figures::Figure;
use crate::server::ServerConfig;

/// The most authorities one scenario may serve.
pub(super) const MAX_AUTHORITIES: usize = 16;
/// The largest weight an authority may have.
const MAX_WEIGHT: u64 = 1000;

/// One authority of a run.
#[derive(Debug, Clone)]
pub struct AuthoritySpec {
    /// Its name: what reports and checks call it (`pooled.api.p99`).
    pub name: String,
    /// Its share of the requests, relative to the others' weights.
    pub weight: u32,
    /// Who serves it: the bundled server with these settings, or the
    /// user's server at a URL.
    pub target: Target,
    /// What its requests are: the scenario's `[request]`, with what the
    /// authority's own `request = { … }` changes.
    pub request: RequestSpec,
}

impl AuthoritySpec {
    /// How the bundled server behaves for it; `None` for the user's server.
    pub fn server(&self) -> Option<&ServerConfig> {
        match &self.target {
            Target::Bundled(config) => Some(config),
            Target::External { .. } => None,
        }
    }
}

/// The first `url` of the scenario's authorities, if any names one: then
/// every authority is the user's server and the run has no bundled one.
pub(super) fn first_url(raw: &[Spanned<RawAuthority>]) -> Option<&Spanned<String>> {
    raw.iter().find_map(|a| a.get_ref().url.as_ref())
}

pub(super) fn authorities(
    cx: &Ctx,
    raw: &[Spanned<RawAuthority>],
    target: &Target,
    base: &RequestSpec,
) -> Result<Vec<AuthoritySpec>, ScenarioError> {
    let Some(first) = raw.first() else {
        return Ok(Vec::new());
    };
    if first_url(raw).is_none() && matches!(target, Target::External { .. }) {
        return Err(cx
            .err(first.span(), "authority", "has no url for [target]".into())
            .help(
                "give each authority the url of your server it stands for (url = \"http://api.internal:8080/\") \
                 and leave out [target]; or serve them with the bundled server: [server], not [target]",
            ));
    }
    if raw.len() > MAX_AUTHORITIES {
        return Err(cx
            .err(
                first.span(),
                "authority",
                format!("lists {} authorities", raw.len()),
            )
            .help(format!("serve at most {MAX_AUTHORITIES}")));
    }
    let mut out: Vec<AuthoritySpec> = Vec::new();
    for a in raw {
        let spec = authority(cx, a.get_ref(), target, base)?;
        if out.iter().any(|o| o.name == spec.name) {
            return Err(cx
                .err(
                    a.get_ref().name.span(),
                    "authority.name",
                    format!("names `{}` twice", spec.name),
                )
                .help("give each authority a name of its own"));
        }
        out.push(spec);
    }
    Ok(out)
}

/// One `[[authority]]`, served the way `target` (the run's) says.
fn authority(
    cx: &Ctx,
    a: &RawAuthority,
    target: &Target,
    base: &RequestSpec,
) -> Result<AuthoritySpec, ScenarioError> {
    let name = a.name.get_ref();
    let key = format!("authority.{name}");
    if let Some(problem) = unusable(name) {
        return Err(cx
            .err(a.name.span(), "authority.name", problem)
            .help("name it with letters, digits and _, e.g. name = \"api\": checks name it as pooled.api.p99"));
    }
    let weight = match &a.weight {
        Some(w) => cx.bounded(
            w,
            &format!("{key}.weight"),
            MAX_WEIGHT,
            "its share of the requests relative to the others', e.g. weight = 9",
        )? as u32,
        None => 1,
    };
    let target = served_by(cx, a, target, &key)?;
    Ok(AuthoritySpec {
        name: name.clone(),
        weight,
        target,
        request: own_request(cx, a, base, &key)?,
    })
}

/// Who serves one `[[authority]]`: the bundled server (with its own
/// settings, if it has any) or the user's at its URL.
fn served_by(
    cx: &Ctx,
    a: &RawAuthority,
    target: &Target,
    key: &str,
) -> Result<Target, ScenarioError> {
    if let Some(u) = a.server.as_ref().and_then(|s| s.get_ref().unix.as_ref()) {
        return Err(cx
            .err(
                u.span(),
                &format!("{key}.server.unix"),
                "is set for one authority".into(),
            )
            .help(
                "set unix = true in [server]: every authority then gets a Unix socket of its own",
            ));
    }
    let target = match (target, &a.url, &a.server) {
        (Target::Bundled(base), None, Some(server)) => Target::Bundled(server_config_on(
            cx,
            server.get_ref(),
            base.clone(),
            &format!("{key}.server"),
        )?),
        (Target::Bundled(base), None, None) => Target::Bundled(base.clone()),
        (Target::External { url: first, .. }, Some(url), None) => {
            let mine = url_target(cx, url, &format!("{key}.url"))?;
            if let Target::External { url: u, .. } = &mine
                && u.scheme() != first.scheme()
            {
                return Err(cx
                    .err(url.span(), &format!("{key}.url"), format!("is {}, the first authority's url is {}", u.scheme_str().unwrap_or_default(), first.scheme_str().unwrap_or_default()))
                    .help("every authority of a run speaks one scheme: put the http and the https servers in two scenarios"));
            }
            mine
        }
        (_, Some(_), Some(server)) => {
            return Err(cx
                .err(
                    server.span(),
                    &format!("{key}.server"),
                    "sets the bundled server for an authority that is your own server".into(),
                )
                .help(
                    "leave out server = { … }: poolbench cannot change how your server behaves",
                ));
        }
        (Target::External { .. }, None, _) => {
            return Err(cx
                .err(a.name.span(), &format!("{key}.url"), "is missing".into())
                .help(
                    "another authority names the url of your server: give this one its url too",
                ));
        }
        (Target::Bundled(_), Some(url), None) => {
            return Err(cx
                .err(
                    url.span(),
                    &format!("{key}.url"),
                    "names your server in a run of the bundled one".into(),
                )
                .help(
                    "leave out [server] to run against your servers, or url to use the bundled one",
                ));
        }
    };
    Ok(target)
}

/// The authority's requests: `base`, with what its `request = { … }` changes.
fn own_request(
    cx: &Ctx,
    a: &RawAuthority,
    base: &RequestSpec,
    key: &str,
) -> Result<RequestSpec, ScenarioError> {
    let Some(r) = &a.request else {
        return Ok(base.clone());
    };
    if let Some(f) = &r.get_ref().urls_file {
        return Err(cx
            .err(f.span(), &format!("{key}.request.urls_file"), "is given for one authority".into())
            .help("a URL list names the authorities itself: give it in [request], without [[authority]]"));
    }
    request(cx, r.get_ref(), base, &format!("{key}.request"))
}

/// Why a name cannot name an authority in a check, if it cannot.
fn unusable(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let word = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !word {
        return Some(format!("`{name}` is not a usable authority name"));
    }
    if crate::results::Transport::named(name).is_some() || Figure::named(name).is_some() {
        return Some(format!(
            "`{name}` is a transport or a figure: a check could not tell them apart"
        ));
    }
    None
}

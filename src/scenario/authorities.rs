//! `[[authority]]`: several authorities (scheme, host, port) in one run,
//! each served by the bundled server on ports of its own, with its own
//! behaviour, and sent a share of the requests by weight:
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

use toml::Spanned;

use super::parse::Ctx;
use super::raw::RawAuthority;
use super::sections::server_config_on;
use super::{ScenarioError, Target};
use crate::results::figures::Figure;
use crate::server::ServerConfig;

/// The most authorities one scenario may serve.
const MAX_AUTHORITIES: usize = 16;
/// The largest weight an authority may have.
const MAX_WEIGHT: u64 = 1000;

/// One authority of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthoritySpec {
    /// Its name: what reports and checks call it (`pooled.api.p99`).
    pub name: String,
    /// Its share of the requests, relative to the others' weights.
    pub weight: u32,
    /// How the bundled server behaves for it.
    pub config: ServerConfig,
}

pub(super) fn authorities(
    cx: &Ctx,
    raw: &[Spanned<RawAuthority>],
    target: &Target,
) -> Result<Vec<AuthoritySpec>, ScenarioError> {
    let Some(first) = raw.first() else {
        return Ok(Vec::new());
    };
    let Target::Bundled(base) = target else {
        return Err(cx
            .err(first.span(), "authority", "needs the bundled server".into())
            .help(
                "several authorities are served by the bundled server: use [server], not [target]",
            ));
    };
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
        let a = a.get_ref();
        let name = a.name.get_ref();
        let key = format!("authority.{name}");
        if let Some(problem) = unusable(name) {
            return Err(cx
                .err(a.name.span(), "authority.name", problem)
                .help("name it with letters, digits and _, e.g. name = \"api\": checks name it as pooled.api.p99"));
        }
        if out.iter().any(|o| &o.name == name) {
            return Err(cx
                .err(
                    a.name.span(),
                    "authority.name",
                    format!("names `{name}` twice"),
                )
                .help("give each authority a name of its own"));
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
        let config = match &a.server {
            Some(server) => {
                server_config_on(cx, server.get_ref(), base.clone(), &format!("{key}.server"))?
            }
            None => base.clone(),
        };
        out.push(AuthoritySpec {
            name: name.clone(),
            weight,
            config,
        });
    }
    Ok(out)
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
    if matches!(name, "http" | "https") || Figure::named(name).is_some() {
        return Some(format!(
            "`{name}` is a transport or a figure: a check could not tell them apart"
        ));
    }
    None
}

//! Scenario files: what to send, to whom, how hard, through which modes.
//!
//! A file is read into `raw` serde structs (unknown keys rejected, spans
//! kept), then validated (`parse.rs`) into the typed [`Scenario`] the
//! rest of the tool sees. Every error is a [`ScenarioError`] naming the file,
//! line, column and key.

mod authorities;
#[cfg(test)]
mod authority_tests;
#[cfg(test)]
mod client_tests;
mod context;
mod error;
mod flag_check;
pub mod keys;
#[cfg(test)]
mod keys_tests;
mod literal;
mod load;
mod modes;
pub mod overrides;
mod parse;
mod raw;
pub mod reference;
mod request;
#[cfg(test)]
mod request_tests;
mod sections;
#[cfg(test)]
mod tests;
mod toml_error;
pub mod units;
mod url_list;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{Arrival, Stop};
use crate::modes::{Catalogue, ModeSpec};
use crate::results::Transport;
pub use authorities::AuthoritySpec;
pub use error::{Location, ScenarioError};
pub use request::{ListSource, RequestSpec};

use crate::server::ServerConfig;

/// The largest scenario file read (a scenario is a page of TOML).
pub const MAX_SCENARIO_BYTES: u64 = 1024 * 1024;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name; the report directory is derived from it.
    pub name: String,
    pub description: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// The file's text, kept so reports can show the scenario as run.
    pub source: String,
    pub target: Target,
    /// Several authorities (`[[authority]]`), served by the bundled server
    /// or the user's; empty: one, the target.
    pub authorities: Vec<AuthoritySpec>,
    /// The emulated network between client and server, if any.
    pub link: Option<crate::link::LinkConfig>,
    /// Every mode runs over each of these, in this order.
    pub transports: Vec<Transport>,
    /// TLS settings for HTTPS transports.
    pub tls: crate::tls::TlsSettings,
    /// For an external https target: a CA file to trust instead of the
    /// public roots.
    pub ca_file: Option<PathBuf>,
    pub load: Load,
    /// Modes in the order they run.
    pub modes: Vec<ModeSpec>,
    /// Checks evaluated on the results; any failure makes `run` exit 1.
    pub checks: Vec<crate::gate::Check>,
    /// What every response must be, beyond a 1xx–3xx status (`[expect]`).
    pub expect: ExpectSpec,
    /// What each request is (`[request]`); each authority has its own copy,
    /// with its changes.
    pub request: RequestSpec,
    /// A forward proxy every request goes through (`[proxy]`).
    pub proxy: Option<ProxySpec>,
    /// Headers whose values are never shown, beyond
    /// [`crate::redact::HEADERS`] (`[request] redact`).
    pub redact: Vec<String>,
}

/// `[proxy]`: which forward proxy requests go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySpec {
    /// poolbench's own (`poolbench proxy`), started for the run and counted.
    Bundled,
    /// Yours, at this `http://host:port` URL (`user:password@` in it is
    /// sent as `Proxy-Authorization`).
    At(http::Uri),
}

impl ProxySpec {
    /// The `Proxy-Authorization` value (HTTP Basic) of a proxy URL that
    /// names `user:password@`.
    pub fn authorization(&self) -> Option<String> {
        let ProxySpec::At(url) = self else {
            return None;
        };
        let (userinfo, _) = url.authority()?.as_str().rsplit_once('@')?;
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let credentials = Credentials {
            user: user.to_string(),
            password: password.to_string(),
        };
        Some(credentials.header())
    }
}

/// `[expect]`: a response that is not this is counted as `mismatched`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpectSpec {
    /// The status every response must have.
    pub status: Option<u16>,
    /// The body length every response must have, bytes.
    pub body_bytes: Option<u64>,
}

/// Where requests go.
#[derive(Debug, Clone)]
pub enum Target {
    /// The bundled server, started as a child process for the run.
    Bundled(ServerConfig),
    /// A server the user runs; only client-side figures exist.
    External {
        /// Where requests go, without any user:password (see `credentials`).
        url: http::Uri,
        /// `user:password@` from the URL, sent as HTTP Basic authorization
        /// and never shown.
        credentials: Option<Credentials>,
        /// `unix:///path/to.sock`: the Unix domain socket to dial (then
        /// `url` is `http://localhost/`, for the `Host` header).
        unix: Option<PathBuf>,
    },
}

/// A user name and password, given in a target URL. Its `Debug` does not
/// show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}:***)", self.user)
    }
}

impl Credentials {
    /// The `Authorization` header value: HTTP Basic.
    pub fn header(&self) -> String {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        format!("Basic {token}")
    }
}

/// How much load, and how it stops.
#[derive(Debug, Clone)]
pub struct Load {
    pub stop: Stop,
    /// When requests are issued: closed loop, or an open-loop schedule.
    pub arrival: Arrival,
    /// Closed-loop tasks sending requests at once.
    pub concurrency: usize,
    /// Requests sent before measuring, not recorded.
    pub warmup: u64,
    /// A request not complete after this is counted as a timeout.
    pub timeout: Duration,
    /// Client runtime worker threads.
    pub threads: usize,
    /// The client's soft open-files limit for the run; `None` raises it to
    /// the hard limit.
    pub open_files: Option<u64>,
    /// Rounds: every mode runs this many times, interleaved (A B C A B C).
    pub repeat: u32,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let source = crate::files::read_text(path, MAX_SCENARIO_BYTES).map_err(|e| {
            ScenarioError::new(path, format!("cannot read the scenario file: {e}"))
                .help("check the path; scenarios live in scenarios/, e.g. scenarios/thousand.toml")
        })?;
        Scenario::parse(path, &source)
    }

    /// An error about the value of `key` ("target.url"), pointing at where
    /// the file sets it: for what only the run can find out (a host that
    /// does not resolve).
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        let error = ScenarioError::new(&self.file, message).key(key);
        match locate(&self.source, key) {
            Some(span) => error.at(&self.source, span),
            None => error,
        }
    }

    /// Validates scenario text; `path` is only used in messages.
    pub fn parse(path: &Path, source: &str) -> Result<Scenario, ScenarioError> {
        parse::validate(path, source, &Catalogue::STANDARD)
    }

    /// As [`Scenario::parse`], naming the kinds of `kinds` (tests add
    /// kinds of their own this way).
    pub fn parse_in(
        path: &Path,
        source: &str,
        kinds: &Catalogue,
    ) -> Result<Scenario, ScenarioError> {
        parse::validate(path, source, kinds)
    }

    /// A file-system-safe form of the name, for the report directory.
    pub fn slug(&self) -> String {
        let slug: String = self
            .name
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
                _ => '-',
            })
            .collect();
        let slug = slug.trim_matches('-');
        if slug.is_empty() {
            "scenario".to_string()
        } else {
            slug.to_string()
        }
    }
}

/// Where `table.key = value` sets its value in TOML text.
fn locate(source: &str, dotted: &str) -> Option<std::ops::Range<usize>> {
    let (table, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let mut current = String::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            current = trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
        } else if current == table
            && let Some((k, value)) = line.split_once('=')
            && k.trim() == key
        {
            let start = offset + k.len() + 1 + (value.len() - value.trim_start().len());
            return Some(start..start + value.trim().len().max(1));
        }
        offset += line.len();
    }
    None
}

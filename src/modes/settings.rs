//! The settings a scenario may give a mode, beyond its kind, limit, HTTP
//! version and body handling. Defaults are each kind's own: a setting
//! left out is `None` here, and the kind's file says what it then does.

use std::time::Duration;

use crate::pool::Scope;

/// The settings a scenario may give a mode (each kind takes some of them,
/// [`super::Kind::settings`]); `None` where the scenario leaves it, and
/// `Some(None)` for a timeout switched off (`"0"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    pub keep_alive: Option<bool>,
    pub idle_timeout: Option<Option<Duration>>,
    pub max_lifetime: Option<Option<Duration>>,
    pub max_requests_per_connection: Option<u64>,
    pub acquire_timeout: Option<Option<Duration>>,
    pub scope: Option<Scope>,
    pub max_idle_per_host: Option<usize>,
}

/// The pool's scope as a scenario names it: "authority" or "global".
pub fn scope_named(name: &str) -> Option<Scope> {
    match name {
        "authority" => Some(Scope::Authority),
        "global" => Some(Scope::Global),
        _ => None,
    }
}

/// A per-mode setting's key and what it means, for the reference docs and
/// the help of a refusal.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    pub doc: &'static str,
}

/// Every per-mode setting a kind may take.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "keep_alive",
        doc: "false sends `Connection: close` on every request (HTTP/1.1 only)",
    },
    Setting {
        key: "idle_timeout",
        doc: "an idle connection older than this is closed, not reused (\"0\": never)",
    },
    Setting {
        key: "max_lifetime",
        doc: "a connection older than this is closed, not reused (\"0\": never)",
    },
    Setting {
        key: "max_requests_per_connection",
        doc: "a connection is closed after this many responses (0: unlimited)",
    },
    Setting {
        key: "acquire_timeout",
        doc: "a request that waits longer than this for a connection fails as a timeout",
    },
    Setting {
        key: "scope",
        doc: "\"authority\": the limit is each authority's; \"global\": all authorities share it",
    },
    Setting {
        key: "max_idle_per_host",
        doc: "the most idle connections kept per host (0: none)",
    },
];

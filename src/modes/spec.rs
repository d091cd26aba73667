//! One mode to run, as the scenario gave it: its kind, limit, HTTP
//! version, body handling and the settings it named. Defaults are each
//! kind's own: a setting left out is `None` here, and the kind's file
//! says what it then does.

use std::num::NonZeroU32;
use std::time::Duration;

use super::Kind;
use crate::pool::Scope;
use crate::results::{BodyHandling, HttpVersion};

/// One mode to run and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSpec {
    /// Its name in `[modes]`: what reports and checks call it.
    pub label: String,
    pub kind: &'static Kind,
    /// Connection limit (per authority, or in all with `scope =
    /// "global"`), for kinds that take one.
    pub limit: Option<NonZeroU32>,
    /// The settings the scenario gave it.
    pub settings: Settings,
    /// What the mode does with each response body.
    pub body: BodyHandling,
    /// The limit sweep this mode is a point of (its key in `[modes]`).
    pub sweep: Option<String>,
    /// The HTTP version it speaks (`http = "1.1" | "2" | "auto"`).
    pub http: HttpVersion,
}

impl ModeSpec {
    /// A mode of `kind` with its defaults, named after it.
    pub fn of(kind: &'static Kind, limit: Option<NonZeroU32>) -> ModeSpec {
        ModeSpec {
            label: kind.name.to_string(),
            kind,
            limit: limit.filter(|_| kind.limit),
            settings: Settings::default(),
            body: BodyHandling::default(),
            sweep: None,
            http: HttpVersion::default(),
        }
    }

    /// Whether it sends `Connection: close` on every request (HTTP/1.1
    /// alone has it).
    pub fn keep_alive_off(&self) -> bool {
        self.http.is_http1()
            && (self.kind.keep_alive_off || self.settings.keep_alive == Some(false))
    }

    /// Whether its limit counts all authorities' connections together.
    pub fn global_limit(&self) -> bool {
        self.limit.is_some() && self.settings.scope == Some(Scope::Global)
    }

    /// Its limit, or 1 for a kind that has none.
    pub fn limit_or_one(&self) -> usize {
        self.limit.map_or(1, |l| l.get() as usize)
    }
}

/// The settings a scenario may give a mode (each kind takes some of them,
/// [`Kind::settings`]); `None` where the scenario leaves it, and
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

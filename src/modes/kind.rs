//! What a kind of mode is, as one value: everything the scenario, the
//! runner, the charts and the verdict need to know of it, and how its
//! client is built. Each kind's file holds its [`Kind`]; the catalogue
//! lists them. Nothing else says what a kind does: a question about a kind
//! is a field here, so a new kind cannot be silently wrong. A
//! [`ModeSpec`] is one mode of a kind as a scenario gave it; a kind checks
//! it ([`Check`]) and builds its client from it.

use std::num::NonZeroU32;
use std::sync::Arc;

use super::{Mode, Parts, Settings};
use crate::pool::Scope;
use crate::results::{BodyHandling, HttpVersion, ModeKind};

/// A kind of mode.
pub struct Kind {
    /// Its name in scenarios, reports and results.json.
    pub name: &'static str,
    /// What it models, in one sentence (the reference docs, the schema).
    pub summary: &'static str,
    /// It takes a connection limit (`limit = 10`), and must be given one.
    pub limit: bool,
    /// The per-mode settings it takes beyond `limit`, `body`, `hold` and
    /// `http` (the keys of [`super::SETTINGS`]); any other is refused,
    /// naming the key.
    pub settings: &'static [&'static str],
    /// It sends `Connection: close` on every request, whatever its
    /// settings say.
    pub keep_alive_off: bool,
    /// The client figures its client does not let poolbench see (shown
    /// `-`, never 0): names of the figure catalogue.
    pub unobserved: &'static [&'static str],
    /// Which of a request's phases it lets poolbench see.
    pub sees: Sees,
    /// Its connections are counted as they open but cannot be followed to
    /// their close (reqwest dials its own): the runner waits for them in
    /// the socket table instead.
    pub opaque: bool,
    /// A client built per request: a handshake per request is what it
    /// models, not a failure to reuse.
    pub per_request: bool,
    /// The mode the others are compared with, where a run has it.
    pub reference: bool,
    /// Its colour in every chart (red, green, blue), for a mode named
    /// after its kind.
    pub colour: (u8, u8, u8),
    /// Why it reused connections as it did, for the verdict.
    pub reuse: Reuse,
    /// Refuses what it cannot do (an HTTP version, a route), naming the
    /// key; called once the scenario's modes and routes are known.
    pub check: fn(&Check) -> Result<(), Refusal>,
    /// Builds its client for one run of a mode.
    pub build: fn(&ModeSpec, Parts) -> anyhow::Result<Arc<dyn Mode>>,
}

impl Kind {
    /// Its name as results.json keeps it.
    pub fn id(&self) -> ModeKind {
        ModeKind::named(self.name)
    }

    /// Whether it takes the setting `key`.
    pub fn takes(&self, key: &str) -> bool {
        self.settings.contains(&key)
    }

    /// Whether its client runs its own TLS and connection setup out of
    /// poolbench's sight: its TLS handshakes, and a request's connect and
    /// TLS times, are not observed.
    pub fn own_tls(&self) -> bool {
        !self.sees.connect
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kind({})", self.name)
    }
}

/// Kinds are one value each: the same name is the same kind.
impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.name == other.name
    }
}

impl Eq for Kind {}

/// Which of a request's phases a kind lets poolbench see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sees {
    /// Building its client (a client per request).
    pub build: bool,
    /// What a request waits for before it is sent, if poolbench sees it.
    pub wait: Wait,
    /// A new connection's connect and TLS handshake (not for a client that
    /// does its own).
    pub connect: bool,
}

/// What a request waits for before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Nothing poolbench can see: a wait inside the client falls into the
    /// time to first byte.
    Unseen,
    /// A connection (or an HTTP/2 stream) of poolbench's pool.
    Pool,
    /// A permit of a semaphore of `limit` per authority in front of the
    /// client, which counts no queue of its own.
    Permit,
}

/// What the verdict adds when a kind served many requests per connection:
/// over HTTP/1.1, over HTTP/2. `None`: nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reuse {
    pub http1: Option<&'static str>,
    pub http2: Option<&'static str>,
}

impl Reuse {
    /// Said of every kind that multiplexes over HTTP/2.
    pub const H2: &'static str = "HTTP/2 carries many streams on one connection";
    /// Nothing to add over HTTP/1.1.
    pub const PLAIN: Reuse = Reuse {
        http1: None,
        http2: Some(Reuse::H2),
    };

    /// What to add over `http1` or not.
    pub fn sentence(&self, http1: bool) -> Option<&'static str> {
        if http1 { self.http1 } else { self.http2 }
    }
}

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

/// What a kind is checked against once the scenario is read.
#[derive(Debug)]
pub struct Check<'a> {
    pub spec: &'a ModeSpec,
    /// The settings the scenario gave the mode, by key.
    pub given: &'a [&'static str],
    pub route: Route,
}

/// How the scenario's requests travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Route {
    /// Through the emulated link (`[link]`).
    pub link: bool,
    /// Through a forward proxy (`[proxy]`).
    pub proxy: bool,
    /// Over a Unix domain socket, on some transport.
    pub unix: bool,
    /// Over something other than TLS, on some transport.
    pub plain: bool,
}

/// Why a kind refuses a mode: the key at fault (`None`: the mode as a
/// whole), what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub key: Option<&'static str>,
    pub problem: String,
    pub help: String,
}

impl Refusal {
    pub fn new(
        key: Option<&'static str>,
        problem: impl Into<String>,
        help: impl Into<String>,
    ) -> Refusal {
        Refusal {
            key,
            problem: problem.into(),
            help: help.into(),
        }
    }
}

/// A kind that refuses nothing.
pub fn accepts(_: &Check) -> Result<(), Refusal> {
    Ok(())
}

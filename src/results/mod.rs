//! The results of a run: the contract between the runner and every report.
//!
//! Serialized as `results.json`; `schema/results.schema.json` is generated
//! from these types (every field's doc comment becomes its description) and a
//! test validates real output against it. Every figure says who observed it:
//! `client` (poolbench's own connector and engine), `server` (the bundled
//! server's own counters) or the OS (`/proc`, `getrusage`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod authority;
mod check;
mod counts;
pub mod figures;
pub mod format;
mod generator;
mod histogram;
pub mod json;
mod kinds;
mod mode;
mod rounds;
pub mod sweep;
mod vocab;

pub use authority::{AUTHORITY_FIGURES, AuthorityResult};
pub use counts::*;
pub use generator::*;
pub use histogram::{LatencySummary, decode_histogram, encode_histogram};
pub use kinds::*;
pub use mode::*;
pub use sweep::{Sweep, SweepPoint};
pub use vocab::*;

/// Failed requests by kind (client).
pub type ErrorReport = Counts<ErrorKind>;

/// Format version of results.json; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 5;

/// The client's open-files limit: found at start, and in force for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NofileLimit {
    /// Soft limit found at start.
    pub soft_before: u64,
    /// Soft limit in force for the run: the hard limit, or the scenario's
    /// `load.open_files`.
    pub soft: u64,
    /// Hard limit.
    pub hard: u64,
    /// Whether the scenario set the soft limit (`load.open_files`).
    pub from_scenario: bool,
}

impl NofileLimit {
    /// Where the soft limit came from: "set by the scenario", "raised from
    /// 1024", or nothing when it was left as found.
    pub fn origin(&self) -> Option<String> {
        if self.from_scenario {
            Some("set by the scenario".to_string())
        } else if self.soft_before != self.soft {
            Some(format!("raised from {}", self.soft_before))
        } else {
            None
        }
    }
}

/// Everything one `poolbench run` measured.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Format version of this file (see `schema/results.schema.json`).
    pub schema_version: u32,
    /// Version of poolbench that wrote it.
    pub poolbench_version: String,
    /// When the run started, RFC 3339, UTC.
    pub started_at: String,
    /// Wall time of the whole run, including starting the server, seconds.
    pub run_time_s: f64,
    pub scenario: ScenarioInfo,
    pub environment: Environment,
    /// One entry per mode, in the order they ran.
    pub modes: Vec<ModeResult>,
    /// The run's limit sweeps (`limit = [1, 2, 4]`) and the limit each
    /// recommends; their points are modes above.
    pub sweeps: Vec<Sweep>,
    /// The scenario's checks and how each came out.
    pub gate: Vec<GateOutcome>,
    /// Why the run stopped before measuring every mode (a signal); absent
    /// for a complete run. A partial run's figures cover what was measured.
    pub partial: Option<String>,
    /// The runs this file merges (`poolbench merge`), one per agent; empty
    /// for one run.
    #[serde(default)]
    pub agents: Vec<AgentRun>,
}

/// One agent's run in a merged results file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRun {
    /// Its results file, as given to `poolbench merge`.
    pub file: String,
    /// When it started, RFC 3339, UTC.
    pub started_at: String,
    /// Its machine: CPU model, cores, kernel.
    pub machine: String,
}

impl Results {
    /// Whether every check held.
    pub fn gate_passed(&self) -> bool {
        self.gate.iter().all(|g| g.passed)
    }
}

/// The scenario as run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    /// The scenario's `name`.
    pub name: String,
    /// The scenario's `description`.
    pub description: String,
    /// Path of the scenario file as given on the command line.
    pub file: String,
    /// The scenario file's full text.
    pub source: String,
    /// The URLs requests were sent to, one per transport, in the order the
    /// modes ran over them.
    pub urls: Vec<String>,
    /// TLS settings, when any mode ran over HTTPS.
    pub tls: Option<TlsInfo>,
    /// The bundled server's settings; absent for an external `[target]`.
    pub server: Option<ServerInfo>,
    /// The emulated network link; absent when there is none.
    pub link: Option<LinkInfo>,
    pub load: LoadInfo,
    /// The authorities the bundled server served (`[[authority]]`), each
    /// with its share of the requests and its own settings; empty: one.
    pub authorities: Vec<AuthorityInfo>,
}

impl ScenarioInfo {
    /// Takes every secret out of what it shows (see [`crate::redact`]):
    /// done when a run writes its results and again when any file is read,
    /// so a results file written before redaction existed shows none
    /// either. `names`: the scenario's own `redact` list.
    pub fn redact(&mut self, names: &[String]) {
        let hide = |text: &mut String| {
            if let std::borrow::Cow::Owned(shown) = crate::redact::with_names(text, names) {
                *text = shown;
            }
        };
        hide(&mut self.name);
        hide(&mut self.description);
        hide(&mut self.file);
        hide(&mut self.source);
        self.urls.iter_mut().for_each(hide);
        for a in &mut self.authorities {
            hide(&mut a.name);
            a.url.iter_mut().for_each(hide);
        }
    }
}

/// One authority of the run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityInfo {
    /// Its name in `[[authority]]`.
    pub name: String,
    /// Its weight: requests are spread over authorities in proportion.
    pub weight: u32,
    /// The URL of the user's server it stands for; `None` when the bundled
    /// server served it.
    pub url: Option<String>,
    /// How the bundled server behaved for it; `None` for the user's server.
    pub server: Option<ServerInfo>,
}

/// Settings of the bundled server for the run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerInfo {
    /// Wait before each response, µs.
    pub think_time_us: u64,
    /// Response body size, bytes.
    pub body_size: u64,
    /// Idle keep-alive connections are closed after this, seconds.
    pub keep_alive_timeout_s: f64,
    /// Connections are closed after this many responses; 0 = unlimited.
    pub max_requests_per_connection: u64,
    /// Worker threads of the server process.
    pub threads: usize,
    /// Every N-th response is cut mid-body by a TCP reset; 0 = never.
    pub reset_every: u64,
    /// Pause between the two halves of each body, µs; 0 = none.
    pub slow_body_us: u64,
    /// Bytes sent beyond the Content-Length on every response but a
    /// connection's first (a server that corrupts reused connections); 0 = none.
    pub body_overrun: u64,
    /// Every response on a connection but its first carries the id of the
    /// connection's first request (a server that mixes up reused
    /// connections' responses).
    pub stale_reuse: bool,
    /// The most connections the server held open; 0 = no cap.
    pub max_connections: u64,
    /// Over the cap: "refuse" (a reset right after accepting), "503"
    /// (every request answered 503, Connection: close) or "queue" (not
    /// accepted until a connection closes).
    pub over_capacity: String,
}

/// How both sides did TLS.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsInfo {
    /// Protocol version, "1.3" or "1.2".
    pub version: TlsVersion,
    /// Whether session resumption was on.
    pub resumption: bool,
    /// Whether the client checked the server's certificate (`false`:
    /// `--insecure`).
    #[serde(default = "yes")]
    pub verify: bool,
}

fn yes() -> bool {
    true
}

/// The emulated link between client and server.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInfo {
    /// Round-trip time added, µs (half each way; a new connection pays one
    /// more before its first byte).
    pub rtt_us: u64,
    /// Bandwidth cap per direction, bytes per second; absent for none.
    pub bandwidth_bytes_per_s: Option<u64>,
    /// The link's addresses the client dialled, one per URL in `urls`
    /// (client-side sockets, TIME_WAIT included, have these as their remote
    /// end).
    pub dialled: Vec<String>,
}

/// The load applied to each mode.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadInfo {
    /// Measured requests per mode, when the load is a count.
    pub requests: Option<u64>,
    /// Measured duration per mode, seconds, when the load is a duration.
    pub duration_s: Option<f64>,
    /// How requests were issued.
    pub arrival: ArrivalInfo,
    /// Tasks sending at once (the most requests in flight).
    pub concurrency: usize,
    /// Requests per mode sent before measuring, not recorded.
    pub warmup: u64,
    /// Per-request timeout, seconds.
    pub timeout_s: f64,
    /// Worker threads of the client runtime.
    pub threads: usize,
    /// Rounds per mode, interleaved.
    pub repeat: u32,
}

/// How requests were issued.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalInfo {
    /// `closed` (next request when the previous is done), `rate` (open loop,
    /// evenly spaced) or `bursts` (open loop, `burst` requests at once).
    pub kind: String,
    /// Requests per second, for `rate`.
    pub rate_per_s: Option<f64>,
    /// Requests per burst, for `bursts`.
    pub burst: Option<u64>,
    /// Time between bursts, seconds, for `bursts`.
    pub burst_every_s: Option<f64>,
}

/// The machine the run happened on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// CPU model from /proc/cpuinfo.
    pub cpu_model: String,
    /// Logical CPUs available to the process.
    pub cores: usize,
    /// Kernel release (uname -r).
    pub kernel: String,
    /// RLIMIT_NOFILE of the client process.
    pub nofile: NofileLimit,
    /// Git commit poolbench was built from ("+changes" if the tree was
    /// dirty, "unknown" outside a checkout).
    pub poolbench_commit: String,
}

/// A mode's name in charts and tables; the transport is named when the run
/// used more than one.
pub fn label(results: &Results, m: &ModeResult) -> String {
    if results.scenario.urls.len() > 1 {
        format!("{} ({})", m.label, m.transport.name())
    } else {
        m.label.clone()
    }
}

/// A sweep's name in reports, with its transport when the run used several.
pub fn sweep_label(results: &Results, s: &Sweep) -> String {
    if results.scenario.urls.len() > 1 {
        format!("{} ({})", s.label, s.transport.name())
    } else {
        s.label.clone()
    }
}

/// The JSON Schema of results.json.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Results)).unwrap_or_default()
}

/// A real run of thousand.toml (`tests/fixtures/thousand`), for unit tests that need
/// a result with every part filled.
#[cfg(test)]
pub fn example() -> Results {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    ));
    serde_json::from_str(text).expect("the committed example parses")
}

//! What one mode measured: [`ModeResult`] and its parts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    AuthorityResult, BodyHandling, ErrorReport, HttpVersion, LatencySummary, ModeKind, Transport,
};

/// Everything measured for one mode. Unless a field says otherwise it
/// covers the measured phase only (after warmup).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeResult {
    /// The mode's name: its key under the scenario's `[modes]` (the kind's
    /// name unless the scenario named it otherwise). Gate checks and
    /// `poolbench compare` find modes by it.
    pub label: String,
    /// The connection strategy.
    pub mode: ModeKind,
    /// HTTP over plain TCP or over TLS.
    pub transport: Transport,
    /// Per-authority connection limit, for modes that have one.
    pub limit: Option<u32>,
    /// The limit counts all authorities' connections together
    /// (`scope = "global"`), not each authority's.
    pub global_limit: bool,
    /// The client sent `Connection: close` on every request: keep-alive
    /// off (`keep_alive_disabled`, or `keep_alive = false` on the pool or
    /// awc).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_alive_off: bool,
    /// What the mode did with each response body.
    pub body: BodyHandling,
    /// The limit sweep this mode is a point of (its key under `[modes]`);
    /// absent for a mode run at one limit.
    pub sweep: Option<String>,
    pub requests: RequestCounts,
    /// Failed requests by kind (client).
    pub errors: ErrorReport,
    /// Wall time of the measured phase, seconds (client).
    pub elapsed_s: f64,
    /// Successful requests per second of measured wall time (client).
    pub throughput_rps: f64,
    /// Latency of successful requests, issue to last body byte, µs (client).
    pub latency_us: LatencySummary,
    /// Where that latency went, phase by phase, µs (client). A request's
    /// phases add up to its latency, so the means add up to the mean.
    pub breakdown_us: Breakdown,
    /// New TCP connections (client connector | server accept loop).
    pub handshakes: Observed,
    /// TLS handshakes by kind, for HTTPS (client connector | server acceptor).
    pub tls_handshakes: Option<TlsHandshakes>,
    /// Most connections open at once (client gauge | server gauge).
    pub peak_connections: Observed,
    /// Responses followed by bytes beyond their Content-Length (client: the
    /// requests it failed as `protocol` errors | server: the responses the
    /// bundled server sent that way, `body_overrun`). A client that does not
    /// notice (hyper-util's pool hides its connections' errors) counts them
    /// as successes, and the two sides differ.
    pub overrun_responses: Observed,
    /// Responses that belonged to another request (client: the requests it
    /// failed as `mismatched` | server: the responses the bundled server
    /// sent with a stale id, `stale_reuse`).
    pub stale_responses: Observed,
    /// Turned away over the server's connection cap (client: the requests
    /// it failed as refused, reset or 5xx | server: connections it refused
    /// and requests it answered 503, `max_connections`).
    pub turned_away: Observed,
    /// Most open fds of the client process minus the count before the mode
    /// (OS: /proc/self/fd sampled every millisecond).
    pub peak_fds: u64,
    pub time_wait: TimeWaitCounts,
    /// How the mode's connections ended, as the client saw each one close
    /// (client: the socket's TCP state and unread bytes at close).
    pub connection_ends: super::Counts<super::ConnectionEnd>,
    /// The mode over time (client and OS), for charts.
    pub series: TimeSeries,
    /// User + system CPU per request, µs (client: getrusage of the client
    /// process, minus the fd sampler's thread | server: getrusage of the
    /// server process).
    pub cpu_us_per_request: ObservedF64,
    /// The warmup phase before measuring.
    pub warmup: WarmupCounts,
    /// The pool's own counters, for modes that use poolbench's pool.
    pub pool: Option<PoolCounts>,
    /// The HTTP version it spoke ("1.1", "2", or "auto": what ALPN
    /// negotiated).
    #[serde(default, skip_serializing_if = "HttpVersion::is_http1")]
    pub http: HttpVersion,
    /// Figures whose client side the mode's client does not let poolbench
    /// observe (shown `-`, never 0): reqwest's connections can be counted
    /// as they open, not followed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unobserved: Vec<String>,
    /// HTTP/2's own figures, for a mode that spoke it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2: Option<H2Counts>,
    /// What the bundled forward proxy counted, when the run went through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyCounts>,
    /// Figures where client and server disagree.
    pub mismatches: Vec<Mismatch>,
    /// The compared figures of each round (`load.repeat`), in order, by
    /// name: the spread `poolbench compare` uses to tell a change from
    /// noise. The figures above cover all rounds together.
    pub rounds: Vec<RoundFigures>,
    /// The mode's figures per authority, when the run served several
    /// (`[[authority]]`); the figures above cover them all.
    pub authorities: Vec<AuthorityResult>,
    /// Each agent's own figures, when this result merges the runs of
    /// several load generators (`poolbench merge`); its peaks above are
    /// their sum, an upper bound of the peak all agents reached together.
    #[serde(default)]
    pub agents: Vec<AgentFigures>,
}

/// One agent's share of a merged mode (`poolbench merge`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentFigures {
    /// Successful requests.
    pub ok: u64,
    /// Successful requests per second of its own measured phase.
    pub throughput_rps: f64,
    /// Most connections it had open at once (client | server).
    pub peak_connections: Observed,
    /// Most fds it had open at once.
    pub peak_fds: u64,
}

/// A mode's compared figures in one round, by name (see the catalogue in
/// `results::figures`; a figure the round did not measure is absent).
pub type RoundFigures = std::collections::BTreeMap<String, f64>;

/// The compared figures of `m`, as a round keeps them.
pub fn round_figures(m: &ModeResult) -> RoundFigures {
    super::figures::FIGURES
        .iter()
        .filter(|f| f.compared)
        .filter_map(|f| Some((f.name.to_string(), f.value(m, None)?)))
        .collect()
}

/// The measured phase sampled over time: parallel arrays, one entry per
/// point. Points are `interval_s` apart (the sampler halves the series and
/// doubles the interval whenever it grows past 512 points).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeSeries {
    /// Time between points at the end of the mode, seconds.
    pub interval_s: f64,
    /// Time of each point since the measured phase began, seconds.
    pub t_s: Vec<f64>,
    /// Requests completed (successfully or not) by then (client).
    pub completed: Vec<u64>,
    /// Most client connections open during the interval (client gauge).
    pub open_connections: Vec<u64>,
    /// Most fds open during the interval, minus the count before the mode
    /// (OS: /proc/self/fd).
    pub open_fds: Vec<u64>,
    /// Times the bundled server was polled, seconds since the measured
    /// phase began (its own time axis; empty for an external target).
    pub server_t_s: Vec<f64>,
    /// Connections open at the server when polled (server).
    pub server_open_connections: Vec<u64>,
}

/// Requests of the measured phase (client).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCounts {
    /// Requests issued and completed, successfully or not.
    pub sent: u64,
    /// Requests with a 1xx–3xx status and a body read to the end.
    pub ok: u64,
    /// Requests that failed (see `errors`).
    pub failed: u64,
    /// Requests the server answered (server); absent for an external target.
    pub server: Option<u64>,
}

/// HTTP/2's figures of one mode, each from whoever can see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct H2Counts {
    /// Most streams in flight at once on one connection, as poolbench's
    /// pool counted them (client; absent for clients whose pool is opaque).
    pub peak_streams_client: Option<u64>,
    /// The same, as the bundled server counted them (server).
    pub peak_streams_server: Option<u64>,
    /// GOAWAYs the bundled server sent (server).
    pub goaways_server: Option<u64>,
}

/// What the bundled forward proxy counted during the measured phase
/// (proxy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyCounts {
    /// Connections it accepted from the client: the client's handshakes,
    /// as the proxy saw them.
    pub accepted: u64,
    /// Connections it opened to the origin: the origin's handshakes, as
    /// the proxy made them.
    pub upstream: u64,
    /// `CONNECT` tunnels it opened (https).
    pub tunnels: u64,
    /// Requests it forwarded in absolute form (http).
    pub forwarded: u64,
    /// Requests it answered 502, or tunnels it could not open.
    pub failed: u64,
}

impl ProxyCounts {
    /// The counts of `self` and `other` together.
    pub fn plus(self, o: ProxyCounts) -> ProxyCounts {
        ProxyCounts {
            accepted: self.accepted + o.accepted,
            upstream: self.upstream + o.upstream,
            tunnels: self.tunnels + o.tunnels,
            forwarded: self.forwarded + o.forwarded,
            failed: self.failed + o.failed,
        }
    }
}

/// TLS handshakes completed, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsHandshakes {
    /// Full handshakes (certificate sent and verified).
    pub full: Observed,
    /// Resumed handshakes (a session ticket or ID from an earlier one).
    pub resumed: Observed,
}

/// Latency by phase (µs, client), each a distribution over successful
/// requests (zeros included: a reused connection has no connect phase). A
/// phase the mode cannot observe is null. hyper_util's pool is opaque: a
/// new connection's times come back with its response, and its own
/// queueing, if any, falls into connect.
pub type Breakdown = super::PerKind<super::Phase, Option<LatencySummary>>;

impl ModeResult {
    /// Its settings that change what it measures, for a column header:
    /// "limit 10", "limit 10, body dropped"; empty when it has none.
    pub fn settings(&self) -> String {
        let scope = if self.global_limit { " in all" } else { "" };
        let limit = self.limit.map(|l| format!("limit {l}{scope}"));
        let body = Some(self.body.describe()).filter(|b| !b.is_empty());
        let http = match self.http {
            HttpVersion::Http1 => None,
            HttpVersion::Http2 => Some("HTTP/2".to_string()),
            HttpVersion::Auto => Some("HTTP by ALPN".to_string()),
        };
        [http, limit, body]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Breakdown {
    /// The phase's distribution, if the mode observes it.
    pub fn phase(&self, phase: super::Phase) -> Option<&LatencySummary> {
        self.get(phase).as_ref()
    }
}

/// A count seen by both the client and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// As poolbench's client side counted it.
    pub client: u64,
    /// As the bundled server counted it; absent for an external target.
    pub server: Option<u64>,
}

impl Observed {
    pub fn new(client: u64, server: Option<u64>) -> Observed {
        Observed { client, server }
    }
}

/// A rate seen by both the client and the server process.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedF64 {
    /// As measured for the client process.
    pub client: f64,
    /// As measured for the bundled server's process; absent for an external target.
    pub server: Option<f64>,
}

/// Sockets that entered TIME_WAIT during the mode (OS: the kernel's socket
/// table via sock_diag, as `ss` reads it). Counted by socket, not by address
/// pair (Linux reuses pairs), and read once no socket of the mode is still
/// closing, so a client that closed first and waits in FIN_WAIT2 for the
/// server's FIN is counted once it gets it. A connection ended by a reset
/// (RST) leaves no TIME_WAIT socket on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWaitCounts {
    /// Sockets whose remote port is the one the client dials: the client
    /// closed first and its side keeps the TIME_WAIT socket.
    pub client_side: u64,
    /// Sockets whose local port is the server's: the server closed first
    /// (visible only when the server runs on this machine).
    pub server_side: u64,
    /// Sockets of the mode still closing (FIN_WAIT1/2, CLOSING, LAST_ACK)
    /// when the wait for them ran out; any that enter TIME_WAIT later are
    /// not counted.
    pub still_closing: u64,
    /// New connections whose local port the mode had already used: a
    /// TIME_WAIT socket of that address pair may have been recycled before
    /// it was seen, so when this is not 0 the counts are a lower bound.
    pub reused_ports: u64,
}

impl TimeWaitCounts {
    /// Whether the counts may miss sockets (see `still_closing`, `reused_ports`).
    pub fn lower_bound(&self) -> bool {
        self.still_closing > 0 || self.reused_ports > 0
    }
}

/// The warmup phase of a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarmupCounts {
    /// Requests sent during warmup.
    pub requests: u64,
    /// New TCP connections during warmup (client | server).
    pub handshakes: Observed,
}

/// Counters of poolbench's own pool during the measured phase.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolCounts {
    /// Checkouts served by an existing connection.
    pub reuses: u64,
    /// Checkouts that had to wait for a slot.
    pub waits: u64,
    /// Most checkouts waiting at once.
    pub peak_waiters: u64,
    /// Time spent waiting, for checkouts that waited, µs.
    pub wait_us: LatencySummary,
    /// Requests retried after a reused connection failed before sending.
    pub retries: u64,
    /// Connections closed instead of reused, by reason.
    pub discards: super::Counts<super::Discard>,
}

/// A figure on which the two observers disagree.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mismatch {
    /// Field name of the figure, e.g. `handshakes`.
    pub figure: String,
    /// The client's count.
    pub client: u64,
    /// The server's count.
    pub server: u64,
}

impl ModeResult {
    /// The counts its two observers disagree on, read from the catalogue:
    /// every count both the client and the server observe.
    pub fn disagreements(&self) -> Vec<Mismatch> {
        use super::figures::{FIGURES, Observers, Show, Unit};
        FIGURES
            .iter()
            .filter(|f| f.observers == Observers::ClientAndServer && f.unit == Unit::Count)
            // Shown as text of their own: not one event seen twice (HTTP/2's
            // peak streams are maxima over different spans of a stream's life).
            .filter(|f| !matches!(f.show, Show::Text(_)))
            .filter_map(|f| {
                let client = f.value(self, None)?;
                let server = f.value(self, Some("server"))?;
                (client != server).then(|| Mismatch {
                    figure: f.name.to_string(),
                    client: client as u64,
                    server: server as u64,
                })
            })
            .collect()
    }
}

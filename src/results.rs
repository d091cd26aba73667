//! The results of a run: the contract between the runner and every report.
//!
//! Serialized as `results.json`; `schema/results.schema.json` is generated
//! from these types (every field's doc comment becomes its description) and a
//! test validates real output against it. Every figure says who observed it:
//! `client` (poolbench's own connector and engine), `server` (the bundled
//! server's own counters) or the OS (`/proc`, `getrusage`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::ErrorReport;
use crate::metrics::os::NofileLimit;
use crate::scenario::{ModeKind, Transport};

/// Format version of results.json; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 2;

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
    /// The scenario's checks and how each came out.
    pub gate: Vec<crate::gate::GateOutcome>,
    /// Why the run stopped before measuring every mode (a signal); absent
    /// for a complete run. A partial run's figures cover what was measured.
    pub partial: Option<String>,
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
}

/// How both sides did TLS.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsInfo {
    /// Protocol version, "1.3" or "1.2".
    pub version: crate::tls::TlsVersion,
    /// Whether session resumption was on.
    pub resumption: bool,
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

/// Everything measured for one mode. Unless a field says otherwise it
/// covers the measured phase only (after warmup).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeResult {
    /// The connection strategy.
    pub mode: ModeKind,
    /// HTTP over plain TCP or over TLS.
    pub transport: Transport,
    /// Per-authority connection limit, for modes that have one.
    pub limit: Option<u32>,
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
    /// Most open fds of the client process minus the count before the mode
    /// (OS: /proc/self/fd sampled every millisecond).
    pub peak_fds: u64,
    pub time_wait: TimeWaitCounts,
    /// How the mode's connections ended, as the client saw each one close
    /// (client: the socket's TCP state and unread bytes at close).
    pub connection_ends: ConnectionEnds,
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
    /// Figures where client and server disagree.
    pub mismatches: Vec<Mismatch>,
    /// The key figures of each round (`load.repeat`), in order: the spread
    /// `poolbench compare` uses to tell a change from noise. The figures
    /// above cover all rounds together.
    pub rounds: Vec<RoundFigures>,
}

/// A mode's key figures in one round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundFigures {
    /// Successful requests per second (client).
    pub throughput_rps: f64,
    /// Latency median, µs (client).
    pub p50_us: u64,
    /// Latency 99th percentile, µs (client).
    pub p99_us: u64,
    /// Failed requests (client).
    pub failed: u64,
    /// New TCP connections (client).
    pub handshakes: u64,
    /// Most connections open at once (client).
    pub peak_connections: u64,
    /// Peak fds (OS).
    pub peak_fds: u64,
    /// Client CPU µs per request (OS).
    pub cpu_us_client: f64,
}

impl RoundFigures {
    pub fn of(m: &ModeResult) -> RoundFigures {
        RoundFigures {
            throughput_rps: m.throughput_rps,
            p50_us: m.latency_us.p50,
            p99_us: m.latency_us.p99,
            failed: m.requests.failed,
            handshakes: m.handshakes.client,
            peak_connections: m.peak_connections.client,
            peak_fds: m.peak_fds,
            cpu_us_client: m.cpu_us_per_request.client,
        }
    }
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

/// A latency distribution, µs: summary figures and the whole histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySummary {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p99_9: u64,
    /// Largest value.
    pub max: u64,
    /// The whole histogram, lossless: HdrHistogram V2 + DEFLATE
    /// serialization, base64. Reports draw from it and re-renders
    /// recompute the same percentiles from it.
    pub hdr: String,
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

/// Latency by phase, each a distribution over successful requests (zeros
/// included: a reused connection has no connect phase). A phase the mode
/// cannot observe is absent.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    /// Open loop only: how long after its due time the request started.
    pub late: Option<LatencySummary>,
    /// `per_request_client` only: building the client and its TLS config.
    pub client_build: Option<LatencySummary>,
    /// poolbench's pool only: waiting for a connection or a free slot.
    pub pool_wait: Option<LatencySummary>,
    /// TCP connect of a new connection, including the emulated link's
    /// handshake round trip (absent for `hyper_util`: its pool is opaque).
    pub connect: Option<LatencySummary>,
    /// TLS handshake of a new connection (HTTPS; absent for `hyper_util`).
    pub tls: Option<LatencySummary>,
    /// From having a connection to the response head (for `hyper_util`,
    /// from the start: pool wait, connect and TLS included).
    pub first_byte: LatencySummary,
    /// From the response head to the last body byte.
    pub body: LatencySummary,
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

/// Connections closed during the mode (warmup connections closed in it
/// included, idle ones closed after it too), by how they ended. Who sends
/// the first FIN keeps the TIME_WAIT socket; a reset leaves none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionEnds {
    /// The client closed first (FIN): the client side keeps TIME_WAIT.
    pub client_closed_first: u64,
    /// The server's FIN came first: the server side keeps TIME_WAIT.
    pub server_closed_first: u64,
    /// The client closed with bytes unread (a TLS close_notify, an unread
    /// body): its kernel sent a reset, no TIME_WAIT on either side.
    pub client_reset: u64,
    /// The server had reset the connection.
    pub server_reset: u64,
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
    pub discards: DiscardReport,
}

/// Connections the pool closed instead of reusing, by reason.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardReport {
    /// Idle too long or older than the maximum lifetime.
    pub expired: u64,
    /// Closed by the server while idle.
    pub closed_by_server: u64,
    /// Its response body was dropped before the end.
    pub unread_body: u64,
    /// `Connection: close` was sent or received.
    pub connection_close: u64,
    /// Reached the maximum requests per connection.
    pub max_requests: u64,
    /// A request on it failed.
    pub error: u64,
    /// Closed to make room for a retry on a fresh connection.
    pub evicted: u64,
    /// The server broke HTTP framing on it (bytes beyond a response's end).
    pub protocol: u64,
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

impl LatencySummary {
    pub fn of(h: &hdrhistogram::Histogram<u64>) -> LatencySummary {
        if h.is_empty() {
            return LatencySummary {
                hdr: encode_histogram(h),
                ..LatencySummary::default()
            };
        }
        LatencySummary {
            hdr: encode_histogram(h),
            count: h.len(),
            min: h.min(),
            mean: h.mean(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p99_9: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

impl LatencySummary {
    /// The histogram back from `hdr`.
    pub fn histogram(&self) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
        decode_histogram(&self.hdr)
    }
}

/// HdrHistogram V2 + DEFLATE, base64.
pub fn encode_histogram(h: &hdrhistogram::Histogram<u64>) -> String {
    use base64::Engine;
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail for a valid histogram.
    use hdrhistogram::serialization::Serializer;
    let _ = hdrhistogram::serialization::V2DeflateSerializer::new().serialize(h, &mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn decode_histogram(text: &str) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    use anyhow::Context;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .context("histogram is not base64")?;
    check_histogram_header(&bytes)?;
    let mut h: hdrhistogram::Histogram<u64> = hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut std::io::Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("histogram does not decode: {e:?}"))?;
    // As recorded: free to grow when merged with another.
    h.auto(true);
    Ok(h)
}

/// The most a histogram in results.json may claim to span, µs (poolbench's
/// own reach about 2^33): a header that claims more would make decoding
/// allocate without bound, so it is refused before anything is allocated.
const HISTOGRAM_MAX_HIGH: u64 = 1 << 40;
/// The largest payload a histogram may announce, bytes.
const HISTOGRAM_MAX_PAYLOAD: u32 = 16 * 1024 * 1024;

/// Reads an encoded histogram's header (inflating only its first bytes) and
/// refuses bounds no poolbench histogram has.
fn check_histogram_header(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Read;
    const V2: u32 = 0x1c84_9313;
    const V2_DEFLATE: u32 = 0x1c84_9314;
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let u64_at = |b: &[u8], at: usize| -> Option<u64> {
        Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
    };
    let short = || anyhow::anyhow!("histogram is too short to hold a header");
    let mut header = [0u8; 40];
    match u32_at(bytes, 0).ok_or_else(short)? {
        V2 => header.copy_from_slice(bytes.get(..40).ok_or_else(short)?),
        V2_DEFLATE => {
            let payload = u32_at(bytes, 4).ok_or_else(short)?;
            anyhow::ensure!(
                payload as usize == bytes.len() - 8,
                "histogram announces {payload} compressed bytes but holds {}",
                bytes.len() - 8
            );
            flate2::read::ZlibDecoder::new(&bytes[8..])
                .take(40)
                .read_exact(&mut header)
                .map_err(|e| anyhow::anyhow!("histogram does not inflate: {e}"))?;
            anyhow::ensure!(
                u32_at(&header, 0) == Some(V2),
                "histogram has a bad inner cookie"
            );
        }
        other => anyhow::bail!("histogram has an unknown format (cookie {other:#x})"),
    }
    let payload = u32_at(&header, 4).ok_or_else(short)?;
    let digits = u32_at(&header, 12).ok_or_else(short)?;
    let low = u64_at(&header, 16).ok_or_else(short)?;
    let high = u64_at(&header, 24).ok_or_else(short)?;
    anyhow::ensure!(
        payload <= HISTOGRAM_MAX_PAYLOAD
            && (1..=5).contains(&digits)
            && low >= 1
            && low < high
            && high <= HISTOGRAM_MAX_HIGH,
        "histogram header out of bounds (payload {payload} bytes, {digits} digits, \
         range {low}..{high})"
    );
    Ok(())
}

impl Results {
    /// Checks what serde cannot: parallel arrays of equal length, and every
    /// histogram decodable within bounds. A file that fails is refused, not
    /// half drawn.
    pub fn check(&self) -> anyhow::Result<()> {
        for m in &self.modes {
            let s = &m.series;
            let name = m.mode.name();
            anyhow::ensure!(
                [
                    s.completed.len(),
                    s.open_connections.len(),
                    s.open_fds.len()
                ]
                .iter()
                .all(|n| *n == s.t_s.len())
                    && s.server_open_connections.len() == s.server_t_s.len(),
                "{name}: the series arrays differ in length"
            );
            let in_order = |t: &[f64]| {
                t.iter().all(|t| t.is_finite() && *t >= 0.0) && t.windows(2).all(|w| w[0] <= w[1])
            };
            anyhow::ensure!(
                in_order(&s.t_s) && in_order(&s.server_t_s) && s.interval_s.is_finite(),
                "{name}: the series times are not in order"
            );
            let b = &m.breakdown_us;
            let phases = [&b.late, &b.client_build, &b.pool_wait, &b.connect, &b.tls];
            let summaries = phases
                .into_iter()
                .flatten()
                .chain([&m.latency_us, &b.first_byte, &b.body])
                .chain(m.pool.as_ref().map(|p| &p.wait_us));
            for summary in summaries {
                summary
                    .histogram()
                    .map_err(|e| e.context(format!("{name}: a histogram is damaged")))?;
            }
        }
        Ok(())
    }
}

impl Observed {
    /// A mismatch entry if both observers exist and disagree.
    pub fn mismatch(&self, figure: &str) -> Option<Mismatch> {
        let server = self.server?;
        (server != self.client).then(|| Mismatch {
            figure: figure.to_string(),
            client: self.client,
            server,
        })
    }
}

/// The JSON Schema of results.json.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Results)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_survive_the_round_trip_exactly() -> anyhow::Result<()> {
        let mut h = crate::metrics::recorder::new_histogram();
        for v in [1u64, 7, 130, 131, 5_000, 77_777, 3_000_000] {
            h.record(v)?;
        }
        let summary = LatencySummary::of(&h);
        let back = LatencySummary::of(&summary.histogram()?);
        assert_eq!(back, summary);
        assert_eq!(summary.count, 7);
        assert!(decode_histogram("not base64!").is_err());
        Ok(())
    }
}

//! What one mode measured: [`ModeResult`] and its parts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    AuthorityResult, BodyHandling, Breakdown, ErrorKind, ErrorReport, H2Counts, HttpVersion,
    LatencySummary, ModeKind, Observed, ObservedF64, PoolCounts, ProxyCounts, RequestCounts,
    TimeWaitCounts, TlsHandshakes, Transport, WarmupCounts,
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
    /// The 4xx and 5xx responses by status code (client): what the
    /// `http_4xx` and `http_5xx` failures were.
    #[serde(default)]
    pub error_statuses: std::collections::BTreeMap<u16, u64>,
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
    #[serde(deserialize_with = "crate::results::json::null_is_default")]
    #[schemars(with = "Option<super::Counts<super::ConnectionEnd>>")]
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
    /// An open loop's schedule against what it got; absent for a closed
    /// loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_loop: Option<super::OpenLoop>,
    /// What the bundled forward proxy counted, when the run went through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyCounts>,
    /// How busy poolbench's own load threads were (OS: the scheduler's
    /// statistics of each thread): whether the generator, not the server,
    /// bounded the run. Absent where /proc does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<super::GeneratorLoad>,
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

impl ModeResult {
    /// Its failures by kind, "0" for none: "timeout 3, [404] 500" — a 4xx
    /// or 5xx kind by its status codes where they were counted (oha's
    /// `[404] 500`), by its class where not (a file from before they were).
    pub fn failures(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| {
                self.statuses_of(k)
                    .unwrap_or_else(|| format!("{} {n}", k.label()))
            })
            .collect();
        match parts.is_empty() {
            true => "0".to_string(),
            false => parts.join(", "),
        }
    }

    /// The failures of `kind` by status code, "[404] 500, [410] 3", when
    /// it is 4xx or 5xx and every one of them was counted by its status.
    pub fn statuses_of(&self, kind: ErrorKind) -> Option<String> {
        let range = match kind {
            ErrorKind::Http4xx => 400..500,
            ErrorKind::Http5xx => 500..600,
            _ => return None,
        };
        let codes: Vec<(&u16, &u64)> = self.error_statuses.range(range).collect();
        let counted: u64 = codes.iter().map(|(_, n)| **n).sum();
        (counted > 0 && counted == self.errors.count(kind)).then(|| {
            codes
                .iter()
                .map(|(s, n)| format!("[{s}] {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

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

impl ModeResult {
    /// This result with authority `a`'s figures in place of the mode's, so the catalogue reads them; only [`AUTHORITY_FIGURES`] are
    /// the authority's, and what it cannot observe is the mode's and its
    /// own.
    pub fn for_authority(&self, a: &AuthorityResult) -> ModeResult {
        let (mode, this) = (self, a);
        let mut unobserved = mode.unobserved.clone();
        unobserved.extend(this.unobserved.iter().cloned());
        ModeResult {
            unobserved,
            requests: this.requests,
            errors: this.errors.clone(),
            // Counted for the mode only: the kinds say it per authority.
            error_statuses: Default::default(),
            throughput_rps: this.throughput_rps,
            latency_us: this.latency_us.clone(),
            breakdown_us: this.breakdown_us.clone(),
            handshakes: this.handshakes,
            tls_handshakes: this.tls_handshakes,
            peak_connections: this.peak_connections,
            connection_ends: this.connection_ends.clone(),
            authorities: Vec::new(),
            rounds: Vec::new(),
            mismatches: Vec::new(),
            ..mode.clone()
        }
    }

    /// Adds one round (or one agent's run) into this result. Every field
    /// is named (no `..`), so a field added to [`ModeResult`] does not
    /// compile until its rule is written here. What is derived from the
    /// figures (`mismatches`) is the caller's to recompute
    /// ([`super::figures::disagreements`]).
    pub fn absorb(&mut self, r: &ModeResult) -> anyhow::Result<()> {
        let ModeResult {
            label: _,      // the same mode in every round
            mode: _,       // of the same kind
            transport: _,  // and the same transport
            http: _,       // speaking the same HTTP
            unobserved: _, // through the same client
            limit: _,      // and the same limit
            global_limit: _,
            keep_alive_off: _, // with the same settings
            body: _,           // and the same body handling
            sweep: _,          // in the same sweep
            requests,
            errors,
            error_statuses,
            elapsed_s,
            throughput_rps: _, // recomputed from the merged counts
            latency_us,
            breakdown_us,
            handshakes,
            tls_handshakes,
            peak_connections,
            overrun_responses,
            stale_responses,
            turned_away,
            peak_fds,
            time_wait,
            connection_ends,
            series: _, // the charts show the first round's course
            cpu_us_per_request,
            warmup,
            pool,
            proxy,
            generator,
            h2,
            open_loop,
            mismatches: _, // recomputed from the merged figures
            rounds,
            authorities,
            agents: _, // a run's rounds are one agent's
        } = r;
        self.cpu_us_per_request =
            self.cpu_us_per_request
                .weighed(self.requests.sent, *cpu_us_per_request, requests.sent);
        let (time, o_time) = (
            (self.elapsed_s, self.requests.sent),
            (*elapsed_s, requests.sent),
        );
        both(&mut self.generator, generator, |a, o| {
            *a = a.weighed(time, o, o_time)
        });
        self.requests.absorb(requests);
        self.errors.merge(errors);
        add_statuses(&mut self.error_statuses, error_statuses);
        self.elapsed_s += elapsed_s;
        self.throughput_rps = self.requests.ok as f64 / self.elapsed_s.max(f64::MIN_POSITIVE);
        self.latency_us = self.latency_us.merged(latency_us)?;
        self.breakdown_us.absorb(breakdown_us)?;
        self.handshakes = self.handshakes.plus(*handshakes);
        both(&mut self.tls_handshakes, tls_handshakes, |a, o| a.absorb(o));
        self.peak_connections = self.peak_connections.max(*peak_connections);
        self.overrun_responses = self.overrun_responses.plus(*overrun_responses);
        self.stale_responses = self.stale_responses.plus(*stale_responses);
        self.turned_away = self.turned_away.plus(*turned_away);
        self.peak_fds = self.peak_fds.max(*peak_fds);
        self.time_wait.absorb(time_wait);
        self.connection_ends.merge(connection_ends);
        self.warmup.absorb(warmup);
        if let (Some(a), Some(o)) = (self.pool.as_mut(), pool) {
            a.absorb(o)?;
        }
        both(&mut self.proxy, proxy, |a, o| *a = a.plus(*o));
        both(&mut self.h2, h2, |a, o| a.absorb(o));
        both(&mut self.open_loop, open_loop, |a, o| *a = a.plus(*o));
        for (a, o) in self.authorities.iter_mut().zip(authorities) {
            a.absorb(o, self.elapsed_s)?;
        }
        self.rounds.extend(rounds.iter().cloned());
        Ok(())
    }
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

/// Merges a part both results have; a part one lacks stays as it is.
fn both<T>(to: &mut Option<T>, more: &Option<T>, merge: impl FnOnce(&mut T, &T)) {
    if let (Some(a), Some(o)) = (to.as_mut(), more) {
        merge(a, o);
    }
}

/// Adds the counts of `more` into `to`.
fn add_statuses(
    to: &mut std::collections::BTreeMap<u16, u64>,
    more: &std::collections::BTreeMap<u16, u64>,
) {
    for (status, n) in more {
        let count = to.entry(*status).or_default();
        *count = count.saturating_add(*n);
    }
}

#[cfg(test)]
mod tests;

//! A mode's figures for one authority, when a run serves several
//! (`[[authority]]`): what that authority's requests saw. The catalogue's
//! figures that make sense for one authority read them through
//! [`super::ModeResult::for_authority`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Breakdown, ConnectionEnd, Counts, ErrorReport, LatencySummary, Observed, RequestCounts,
    TlsHandshakes,
};

/// The catalogue's figures that exist per authority.
pub const AUTHORITY_FIGURES: [&str; 13] = [
    "requests",
    "errors",
    "throughput",
    "p50",
    "p99",
    "max",
    "mean",
    "pool_wait",
    "handshakes",
    "tls_full",
    "tls_resumed",
    "peak_connections",
    "closed_first",
];

/// One authority's share of a mode: what its requests saw.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityResult {
    /// The authority's name in `[[authority]]`.
    pub name: String,
    /// Its weight: its share of the requests.
    pub weight: u32,
    pub requests: RequestCounts,
    /// Failed requests by kind (client).
    pub errors: ErrorReport,
    /// Successful requests to it per second of the mode's measured phase
    /// (client).
    pub throughput_rps: f64,
    /// Latency of its successful requests, µs (client).
    pub latency_us: LatencySummary,
    /// Where its requests' time went, µs (client).
    pub breakdown_us: Breakdown,
    /// New connections to it (client connector | its server port).
    pub handshakes: Observed,
    /// TLS handshakes with it, full and resumed (client connector | its
    /// server port); HTTPS only.
    pub tls_handshakes: Option<TlsHandshakes>,
    /// Most connections to it open at once (client | server).
    pub peak_connections: Observed,
    /// How its connections ended, seen by the client at its first close
    /// action.
    #[serde(deserialize_with = "crate::results::json::null_is_default")]
    #[schemars(with = "Option<Counts<ConnectionEnd>>")]
    pub connection_ends: Counts<ConnectionEnd>,
    /// The client figures the mode's client lets poolbench see in all but
    /// not per authority (reqwest's handshakes: counted as it dials, not
    /// by authority), besides the mode's own `unobserved`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unobserved: Vec<String>,
}

impl AuthorityResult {
    /// Adds one round of this authority's share; `elapsed_s` is the merged
    /// rounds' measured time. Every field is named, as in
    /// [`ModeResult::absorb`].
    pub fn absorb(&mut self, r: &AuthorityResult, elapsed_s: f64) -> anyhow::Result<()> {
        let AuthorityResult {
            name: _,       // the same authority
            weight: _,     // with the same weight
            unobserved: _, // through the same client
            requests,
            errors,
            throughput_rps: _, // recomputed from the merged counts
            latency_us,
            breakdown_us,
            handshakes,
            tls_handshakes,
            peak_connections,
            connection_ends,
        } = r;
        self.requests.absorb(requests);
        self.errors.merge(errors);
        self.throughput_rps = self.requests.ok as f64 / elapsed_s.max(f64::MIN_POSITIVE);
        self.latency_us = self.latency_us.merged(latency_us)?;
        self.breakdown_us.absorb(breakdown_us)?;
        self.handshakes = self.handshakes.plus(*handshakes);
        if let (Some(a), Some(o)) = (self.tls_handshakes.as_mut(), tls_handshakes) {
            a.absorb(o);
        }
        self.peak_connections = self.peak_connections.max(*peak_connections);
        self.connection_ends.merge(connection_ends);
        Ok(())
    }
}

//! How the catalogue reads a figure from a mode's results: a statistic of
//! a distribution, one side of a client | server count, the names of a
//! kind's values.

use crate::results::{Kind, LatencySummary, ModeResult, Observed};

/// A distribution's statistics.
pub const STATS: &[&str] = &["mean", "p50", "p90", "p99", "p99_9", "max"];

/// The names of every value of a kind.
pub(super) fn names<K: Kind>() -> Vec<&'static str> {
    K::ALL.iter().map(|k| k.name()).collect()
}

/// A statistic of a distribution.
pub fn stat(s: &LatencySummary, qualifier: Option<&str>) -> f64 {
    match qualifier.unwrap_or("mean") {
        "p50" => s.p50 as f64,
        "p90" => s.p90 as f64,
        "p99" => s.p99 as f64,
        "p99_9" => s.p99_9 as f64,
        "max" => s.max as f64,
        _ => s.mean,
    }
}

/// A client | server count.
pub(super) fn sides(o: Observed, qualifier: Option<&str>) -> Option<f64> {
    match qualifier {
        Some("server") => o.server.map(|v| v as f64),
        _ => Some(o.client as f64),
    }
}

/// "client | server", with "≥" when the kernel may have recycled sockets
/// before they were seen.
pub(super) fn time_wait_cell(m: &ModeResult) -> String {
    if m.transport == crate::results::Transport::Unix {
        return "-".into();
    }
    let t = &m.time_wait;
    let bound = if t.lower_bound() { "≥ " } else { "" };
    format!("{bound}{} | {}", t.client_side, t.server_side)
}

/// HTTP/2's peak streams on one connection: `client | server`, `-` where
/// an observer cannot see it.
pub(super) fn peak_streams_cell(m: &ModeResult) -> String {
    let seen = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    let h = m.h2.unwrap_or_default();
    format!(
        "{} | {}",
        seen(h.peak_streams_client),
        seen(h.peak_streams_server)
    )
}

/// A latency statistic, when something succeeded.
pub(super) fn latency(m: &ModeResult, q: &str) -> Option<f64> {
    (m.latency_us.count > 0).then(|| stat(&m.latency_us, Some(q)))
}

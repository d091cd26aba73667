//! How the catalogue reads a figure from a mode's results: a statistic of
//! a distribution, one side of a client | server count, the names of a
//! kind's values.

use crate::results::{ErrorKind, Kind, LatencySummary, ModeResult, Observed};

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

/// Requests answered: the client's successes | the server's count.
pub(super) fn requests(m: &ModeResult, q: Option<&str>) -> Option<f64> {
    let o = Observed {
        client: m.requests.ok,
        server: m.requests.server,
    };
    sides(o, q)
}

/// Failed requests, or those of the kind named.
pub(super) fn errors(m: &ModeResult, q: Option<&str>) -> Option<f64> {
    let kind = q.and_then(|q| ErrorKind::ALL.iter().find(|k| k.name() == q));
    Some(match kind {
        Some(kind) => m.errors.count(*kind),
        None => m.requests.failed,
    } as f64)
}

/// An open loop's rate started (by default), the rate it asked, or the
/// requests it cut; a closed loop has none.
pub(super) fn open_loop(m: &ModeResult, q: Option<&str>) -> Option<f64> {
    let o = m.open_loop?;
    match q {
        None | Some("achieved") => Some(o.achieved_rps()),
        Some("requested") => Some(o.requested_rps),
        Some("cut") => Some(o.cut() as f64),
        Some(_) => None,
    }
}

/// "38900/s of 200000/s (19%), 322200 cut".
pub(super) fn open_loop_cell(m: &ModeResult) -> String {
    m.open_loop.map_or_else(
        || "-".to_string(),
        |o| {
            format!(
                "{:.0}/s of {:.0}/s ({:.0}%), {} cut",
                o.achieved_rps(),
                o.requested_rps,
                o.share() * 100.0,
                o.cut()
            )
        },
    )
}

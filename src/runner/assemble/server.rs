//! What the bundled server counted in the window (its counters at the two
//! edges, read on its control channel), and the bundled forward proxy's.
//! Absent for a server poolbench did not start.

use crate::results::ProxyCounts;
use crate::runner::measure::Window;
use crate::server::ServerSnapshot;

/// The server's counters at the window's two edges, if it is ours.
#[derive(Clone, Copy)]
pub struct ServerSide<'a>(Option<(&'a ServerSnapshot, &'a ServerSnapshot)>);

impl<'a> ServerSide<'a> {
    pub fn of(
        begin: Option<&'a ServerSnapshot>,
        end: Option<&'a ServerSnapshot>,
    ) -> ServerSide<'a> {
        ServerSide(begin.zip(end))
    }

    /// How much the counter `f` grew in the window.
    pub fn count(&self, f: fn(&ServerSnapshot) -> u64) -> Option<u64> {
        self.0.map(|(b, e)| f(e).saturating_sub(f(b)))
    }

    /// A peak the server keeps since the window began (its `begin` reset
    /// it), read at the end.
    pub fn peak(&self, f: fn(&ServerSnapshot) -> u64) -> Option<u64> {
        self.0.map(|(_, e)| f(e))
    }

    /// The server process's CPU per request of `sent`, µs.
    pub fn cpu_per_request(&self, sent: u64) -> Option<f64> {
        self.count(|s| s.cpu_us)
            .map(|us| us as f64 / sent.max(1) as f64)
    }
}

/// Connections the server accepted in the warmup (before the window).
pub fn warmup_accepted(w: &Window) -> Option<u64> {
    let (begin, warm) = (w.begin.server.as_ref()?, w.warm_server.as_ref()?);
    Some(begin.accepted.saturating_sub(warm.accepted))
}

/// What the forward proxy counted in the window, if it is ours.
pub fn proxy_counts(w: &Window) -> Option<ProxyCounts> {
    let (b, e) = w.begin.proxy.zip(w.end.proxy)?;
    Some(ProxyCounts {
        accepted: e.accepted - b.accepted,
        upstream: e.upstream - b.upstream,
        tunnels: e.tunnels - b.tunnels,
        forwarded: e.forwarded - b.forwarded,
        failed: e.failed - b.failed,
    })
}

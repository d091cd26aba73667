//! What the client counted in the window: the engine's recorders (requests,
//! errors, latency and its phases), the connection gauge (connections
//! opened, TLS kinds, the peak) and poolbench's pool (reuses, waits,
//! discards).

use super::ran::Ran;
use crate::metrics::{GaugeReading, Phase, PhaseRecorder, Recorder};
use crate::modes::Wait;
use crate::results::{Breakdown, ErrorKind, LatencySummary, PoolCounts, RequestCounts, Transport};
use crate::runner::measure::Window;

/// The client's connection gauge at the window's two edges.
pub struct ClientSide<'a> {
    begin: &'a GaugeReading,
    end: &'a GaugeReading,
}

impl<'a> ClientSide<'a> {
    pub fn of(begin: &'a GaugeReading, end: &'a GaugeReading) -> ClientSide<'a> {
        ClientSide { begin, end }
    }

    /// Connections opened in the window.
    pub fn opened(&self) -> u64 {
        self.end.opened.saturating_sub(self.begin.opened)
    }

    pub fn tls_full(&self) -> u64 {
        self.end.tls_full.saturating_sub(self.begin.tls_full)
    }

    pub fn tls_resumed(&self) -> u64 {
        self.end.tls_resumed.saturating_sub(self.begin.tls_resumed)
    }

    /// Most connections open at once in the window (the gauge's peak was
    /// reset as it opened).
    pub fn peak(&self) -> u64 {
        self.end.peak
    }
}

/// The requests the engine recorded; `server`: those the server answered.
pub fn requests(recorder: &Recorder, server: Option<u64>) -> RequestCounts {
    RequestCounts {
        sent: recorder.ok() + recorder.errors.total(),
        ok: recorder.ok(),
        failed: recorder.errors.total(),
        server,
    }
}

/// Requests the client failed as any of `kinds`.
pub fn failed(recorder: &Recorder, kinds: &[ErrorKind]) -> u64 {
    kinds.iter().map(|k| recorder.errors.count(*k)).sum()
}

/// The phases the mode's kind lets poolbench see, summarised; the others
/// are absent (not 0).
pub fn breakdown(phases: &PhaseRecorder, ran: &Ran) -> Breakdown {
    let summary =
        |phase: Phase, observed: bool| observed.then(|| LatencySummary::of(phases.get(phase)));
    let sees = ran.spec.kind.sees;
    let open_loop = ran.load.arrival != crate::engine::Arrival::Closed;
    // A wait inside the client (awc's for a permit) is out of sight: it is
    // in the time to the response's head.
    Breakdown::from_fn(|phase| match phase {
        Phase::Late => summary(phase, open_loop),
        Phase::ClientBuild => summary(phase, sees.build),
        Phase::PoolWait => summary(phase, sees.wait != Wait::Unseen),
        // A client that dials its own: its connect and TLS times are its own.
        Phase::Connect => summary(phase, sees.connect),
        Phase::Tls => summary(phase, ran.transport == Transport::Https && sees.connect),
        Phase::FirstByte | Phase::Body => summary(phase, true),
    })
}

/// The pool's counters over the window, for kinds on poolbench's pool.
pub fn pool_counts(w: &Window) -> Option<PoolCounts> {
    let (before, after) = w.pool.as_ref()?;
    let stats = after.totals.since(Some(&before.totals));
    Some(PoolCounts {
        reuses: stats.reuses,
        waits: stats.waits,
        peak_waiters: stats.peak_waiters,
        wait_us: LatencySummary::of(&stats.wait_us),
        retries: stats.retries,
        discards: stats.discards.clone(),
    })
}

/// HTTP/2: the most streams on one connection, as the pool counted them.
pub fn peak_streams(w: &Window) -> Option<u64> {
    w.pool.as_ref().and_then(|(_, after)| after.peak_streams)
}

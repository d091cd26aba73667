//! What the pool counts about itself, per authority and in total.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::metrics::histogram::new_histogram;

pub use crate::results::Discard;

/// Connections discarded, by reason.
pub type DiscardCounts = crate::results::Counts<Discard>;

/// Counters of one authority; kept under the authority's lock, which the
/// request path takes anyway, so counting costs no extra synchronisation.
#[derive(Debug, Clone)]
pub struct AuthorityStats {
    /// Connections dialled successfully.
    pub handshakes: u64,
    /// Checkouts served by an existing connection.
    pub reuses: u64,
    /// Checkouts that had to queue.
    pub waits: u64,
    /// Most checkouts queued at once.
    pub peak_waiters: u64,
    /// Time queued, µs, for checkouts that queued.
    pub wait_us: Histogram<u64>,
    pub discards: DiscardCounts,
    /// Requests retried on a fresh connection after a reused one failed.
    pub retries: u64,
}

impl Default for AuthorityStats {
    fn default() -> Self {
        AuthorityStats {
            handshakes: 0,
            reuses: 0,
            waits: 0,
            peak_waiters: 0,
            wait_us: new_histogram(),
            discards: DiscardCounts::default(),
            retries: 0,
        }
    }
}

impl AuthorityStats {
    pub fn discard(&mut self, reason: Discard) {
        self.discards.add(reason, 1);
    }

    pub fn waited(&mut self, time: Duration) {
        crate::metrics::histogram::record(&mut self.wait_us, time);
    }

    /// What happened after `before` was read (peaks stay as they are).
    pub fn since(&self, before: Option<&AuthorityStats>) -> AuthorityStats {
        let Some(b) = before else {
            return self.clone();
        };
        let mut wait_us = self.wait_us.clone();
        let _ = wait_us.subtract(&b.wait_us);
        AuthorityStats {
            handshakes: self.handshakes - b.handshakes,
            reuses: self.reuses - b.reuses,
            waits: self.waits - b.waits,
            peak_waiters: self.peak_waiters,
            wait_us,
            discards: self.discards.since(&b.discards),
            retries: self.retries - b.retries,
        }
    }

    /// Adds another authority's counters (for pool-wide totals).
    pub fn merge(&mut self, other: &AuthorityStats) {
        self.handshakes += other.handshakes;
        self.reuses += other.reuses;
        self.waits += other.waits;
        self.peak_waiters = self.peak_waiters.max(other.peak_waiters);
        let _ = self.wait_us.add(&other.wait_us);
        self.discards.merge(&other.discards);
        self.retries += other.retries;
    }
}

/// The pool's counters and, for the hard bound, its slots now.
#[derive(Debug, Clone, Default)]
pub struct PoolStats {
    pub totals: AuthorityStats,
    /// Slots held now, all authorities (connecting + in use + idle).
    pub slots_used: usize,
    /// Idle connections now, all authorities.
    pub idle: usize,
    /// HTTP/2: most streams in flight on one connection since the last
    /// reset (`None` for the HTTP/1.1 pool).
    pub peak_streams: Option<u64>,
}

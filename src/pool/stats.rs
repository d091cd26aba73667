//! What the pool counts about itself, per authority and in total.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::metrics::recorder::new_histogram;

/// Why a connection left the pool instead of being reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// Idle past `idle_timeout` or older than `max_lifetime`.
    Expired,
    /// The server closed it while it sat idle.
    ClosedByServer,
    /// Its response body was dropped before the end.
    UnreadBody,
    /// The request or response said `Connection: close`, or keep-alive is off.
    ConnectionClose,
    /// It served `max_requests_per_connection` responses.
    MaxRequests,
    /// A request on it failed, or it failed (a reset) while idle.
    Error,
    /// Closed to make room for a retry on a fresh connection.
    Evicted,
    /// The server broke HTTP framing on it: bytes beyond a response's end.
    Protocol,
}

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscardCounts {
    pub expired: u64,
    pub closed_by_server: u64,
    pub unread_body: u64,
    pub connection_close: u64,
    pub max_requests: u64,
    pub error: u64,
    pub evicted: u64,
    pub protocol: u64,
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
        let d = &mut self.discards;
        *match reason {
            Discard::Expired => &mut d.expired,
            Discard::ClosedByServer => &mut d.closed_by_server,
            Discard::UnreadBody => &mut d.unread_body,
            Discard::ConnectionClose => &mut d.connection_close,
            Discard::MaxRequests => &mut d.max_requests,
            Discard::Error => &mut d.error,
            Discard::Evicted => &mut d.evicted,
            Discard::Protocol => &mut d.protocol,
        } += 1;
    }

    pub fn waited(&mut self, time: Duration) {
        crate::metrics::recorder::record(&mut self.wait_us, time);
    }

    /// What happened after `before` was read (peaks stay as they are).
    pub fn since(&self, before: Option<&AuthorityStats>) -> AuthorityStats {
        let Some(b) = before else {
            return self.clone();
        };
        let mut wait_us = self.wait_us.clone();
        let _ = wait_us.subtract(&b.wait_us);
        let (a, bd) = (&self.discards, &b.discards);
        AuthorityStats {
            handshakes: self.handshakes - b.handshakes,
            reuses: self.reuses - b.reuses,
            waits: self.waits - b.waits,
            peak_waiters: self.peak_waiters,
            wait_us,
            discards: DiscardCounts {
                expired: a.expired - bd.expired,
                closed_by_server: a.closed_by_server - bd.closed_by_server,
                unread_body: a.unread_body - bd.unread_body,
                connection_close: a.connection_close - bd.connection_close,
                max_requests: a.max_requests - bd.max_requests,
                error: a.error - bd.error,
                evicted: a.evicted - bd.evicted,
                protocol: a.protocol - bd.protocol,
            },
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
        let (a, b) = (&mut self.discards, &other.discards);
        a.expired += b.expired;
        a.closed_by_server += b.closed_by_server;
        a.unread_body += b.unread_body;
        a.connection_close += b.connection_close;
        a.max_requests += b.max_requests;
        a.error += b.error;
        a.evicted += b.evicted;
        a.protocol += b.protocol;
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
}

//! One authority's share of the pool: at most `limit` slots, idle
//! connections reused last-in first-out, and waiters served first-in
//! first-out.
//!
//! A [`Slot`] is the right to one socket. A slot is held while dialling,
//! then by the connection's I/O task for as long as the socket is open —
//! in use or idle — and dropped when the socket is closed (connect failed,
//! the server closed it, the client dropped it, a request was cancelled).
//! A dropped slot goes straight to the oldest waiter or back to the free
//! count. That single rule is what keeps `connecting + open ≤ limit`, loses
//! no slot, and wakes a waiter the moment a socket closes.
//!
//! Nothing that can lock this authority (dropping a slot or a connection)
//! is ever dropped while its lock is held.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::client::conn::http1::SendRequest;
use tokio::sync::oneshot;

use super::clock::Clock;
use super::stats::{AuthorityStats, Discard};
use super::watch::{ConnEnd, ConnWatch};

/// What a checkout gets: a connection to reuse, or a slot to dial one with.
pub enum Grant<B> {
    Conn(Conn<B>),
    Slot(Slot<B>),
}

/// A live HTTP/1 connection (its slot is held by its I/O task).
pub struct Conn<B> {
    pub sender: SendRequest<B>,
    /// When the connection was established.
    pub created: Instant,
    /// Responses completed on it so far.
    pub served: u64,
    /// When it was last put back idle.
    pub idle_since: Instant,
    /// When the request now holding it got it.
    pub acquired: Instant,
    /// When it was connected, until the first request using it takes this.
    pub dialled: Option<crate::connect::ConnectTimes>,
    /// How its I/O task is doing.
    pub watch: Arc<ConnWatch>,
}

/// The right to hold one connection to this authority. Dropping it frees
/// the slot for the next waiter.
pub struct Slot<B> {
    authority: Option<Arc<AuthorityPool<B>>>,
}

pub struct AuthorityPool<B> {
    limit: usize,
    /// What ages connections.
    pub clock: Clock,
    state: Mutex<State<B>>,
}

struct State<B> {
    /// Slots held now: connecting + open sockets.
    used: usize,
    /// Idle connections; the most recently returned is last.
    idle: Vec<Conn<B>>,
    /// Waiting checkouts, oldest first.
    waiters: VecDeque<Waiter<B>>,
    /// Set when the pool is dropped: no more grants.
    closed: bool,
    stats: AuthorityStats,
}

/// A queued checkout.
pub struct Waiter<B> {
    tx: oneshot::Sender<Grant<B>>,
    /// Wants a new connection (a retry): only a slot will do.
    fresh_only: bool,
}

/// Whether an idle connection may still be used.
pub struct Freshness {
    pub idle_timeout: Option<Duration>,
    pub max_lifetime: Option<Duration>,
}

/// The outcome of trying to check out without waiting.
pub enum Checkout<B> {
    Ready(Grant<B>),
    Wait(oneshot::Receiver<Grant<B>>),
    Closed,
}

impl<B> AuthorityPool<B> {
    pub fn new(limit: usize, clock: Clock) -> Arc<AuthorityPool<B>> {
        Arc::new(AuthorityPool {
            limit,
            clock,
            state: Mutex::new(State {
                used: 0,
                idle: Vec::new(),
                waiters: VecDeque::new(),
                closed: false,
                stats: AuthorityStats::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<B>> {
        // A panic while holding this lock cannot leave the counts half
        // updated (every update is a single statement), so keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the newest usable idle connection (unless `fresh_only`), else
    /// a free slot, else a place in the queue. Idle connections to close are
    /// returned in `stale` so the caller drops them after the lock is
    /// released.
    pub fn checkout(
        self: &Arc<Self>,
        fresh_only: bool,
        fresh: &Freshness,
        stale: &mut Vec<Conn<B>>,
    ) -> Checkout<B> {
        let mut state = self.lock();
        if state.closed {
            return Checkout::Closed;
        }
        let now = self.clock.now();
        while !fresh_only && let Some(conn) = state.idle.pop() {
            if let Some(reason) = conn.unusable(fresh, now) {
                state.stats.discard(reason);
                stale.push(conn);
                continue;
            }
            state.stats.reuses += 1;
            return Checkout::Ready(Grant::Conn(conn));
        }
        if state.used < self.limit {
            state.used += 1;
            return Checkout::Ready(Grant::Slot(Slot {
                authority: Some(Arc::clone(self)),
            }));
        }
        if fresh_only && !state.idle.is_empty() {
            // Make room: the oldest idle socket closes, its slot comes to
            // the queue.
            stale.push(state.idle.remove(0));
            state.stats.discard(Discard::Evicted);
        }
        let (tx, rx) = oneshot::channel();
        state.waiters.push_back(Waiter { tx, fresh_only });
        state.stats.waits += 1;
        state.stats.peak_waiters = state.stats.peak_waiters.max(state.waiters.len() as u64);
        Checkout::Wait(rx)
    }

    /// Returns a clean connection: to the oldest live waiter that takes a
    /// connection, else idle. If only waiters for a fresh connection are
    /// left it is handed back to be closed, so its slot goes to them.
    pub fn checkin(&self, mut conn: Conn<B>) -> Option<Conn<B>> {
        let mut state = self.lock();
        if state.closed {
            return Some(conn);
        }
        let mut i = 0;
        while i < state.waiters.len() {
            if state.waiters[i].fresh_only {
                i += 1;
                continue;
            }
            let Some(waiter) = state.waiters.remove(i) else {
                break;
            };
            match waiter.tx.send(Grant::Conn(conn)) {
                Ok(()) => {
                    state.stats.reuses += 1;
                    return None;
                }
                // That waiter gave up; the connection comes back to us.
                Err(Grant::Conn(back)) => conn = back,
                Err(Grant::Slot(_)) => unreachable!("sent a connection, got a slot back"),
            }
        }
        if !state.waiters.is_empty() {
            state.stats.discard(Discard::Evicted);
            return Some(conn);
        }
        conn.idle_since = self.clock.now();
        state.idle.push(conn);
        None
    }

    /// Takes idle connections that may no longer be used out of the pool,
    /// for the caller to drop after the lock is released.
    pub fn reap(&self, fresh: &Freshness, stale: &mut Vec<Conn<B>>) {
        let mut state = self.lock();
        let now = self.clock.now();
        let mut i = 0;
        while i < state.idle.len() {
            match state.idle[i].unusable(fresh, now) {
                Some(reason) => {
                    state.stats.discard(reason);
                    stale.push(state.idle.remove(i));
                }
                None => i += 1,
            }
        }
    }

    /// A slot was dropped: hand it to the oldest live waiter, else free it.
    fn release(self: &Arc<Self>) {
        let mut state = self.lock();
        let mut slot = Slot {
            authority: Some(Arc::clone(self)),
        };
        while !state.closed
            && let Some(waiter) = state.waiters.pop_front()
        {
            match waiter.tx.send(Grant::Slot(slot)) {
                Ok(()) => return,
                Err(Grant::Slot(back)) => slot = back,
                Err(Grant::Conn(_)) => unreachable!("sent a slot, got a connection back"),
            }
        }
        slot.authority = None; // defused: dropping it must not release again
        state.used -= 1;
    }

    /// Closes this authority: no more grants; idle connections and waiters
    /// are handed back to be dropped outside the lock.
    pub fn close(&self) -> (Vec<Conn<B>>, VecDeque<Waiter<B>>) {
        let mut state = self.lock();
        state.closed = true;
        (
            std::mem::take(&mut state.idle),
            std::mem::take(&mut state.waiters),
        )
    }

    pub fn record(&self, f: impl FnOnce(&mut AuthorityStats)) {
        f(&mut self.lock().stats);
    }

    pub fn stats(&self) -> (AuthorityStats, usize, usize) {
        let state = self.lock();
        (state.stats.clone(), state.used, state.idle.len())
    }
}

impl<B> Conn<B> {
    /// Why a connection whose I/O task has ended cannot be used.
    pub fn closed_reason(&self) -> Discard {
        match self.watch.end() {
            ConnEnd::Protocol => Discard::Protocol,
            ConnEnd::Failed => Discard::Error,
            ConnEnd::Closed | ConnEnd::Open => Discard::ClosedByServer,
        }
    }

    fn unusable(&self, fresh: &Freshness, now: Instant) -> Option<Discard> {
        if self.sender.is_closed() {
            return Some(self.closed_reason());
        }
        if fresh
            .idle_timeout
            .is_some_and(|t| now - self.idle_since >= t)
            || fresh.max_lifetime.is_some_and(|t| now - self.created >= t)
        {
            return Some(Discard::Expired);
        }
        None
    }
}

impl<B> Drop for Slot<B> {
    fn drop(&mut self) {
        if let Some(authority) = self.authority.take() {
            authority.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::Empty;

    type Pool = Arc<AuthorityPool<Empty<Bytes>>>;

    fn fresh() -> Freshness {
        Freshness {
            idle_timeout: None,
            max_lifetime: None,
        }
    }

    fn checkout(pool: &Pool) -> Checkout<Empty<Bytes>> {
        pool.checkout(false, &fresh(), &mut Vec::new())
    }

    /// A dropped slot is in the oldest waiter's hands before `drop`
    /// returns: no timer, no task switch, nothing to wait for.
    #[test]
    fn a_dropped_slot_goes_to_the_oldest_waiter_at_once() {
        let pool: Pool = AuthorityPool::new(1, Clock::System);
        let Checkout::Ready(Grant::Slot(slot)) = checkout(&pool) else {
            panic!("the first checkout gets the free slot");
        };
        let mut waiters: Vec<_> = (0..3)
            .map(|_| match checkout(&pool) {
                Checkout::Wait(rx) => rx,
                _ => panic!("the limit is reached: later checkouts wait"),
            })
            .collect();
        drop(waiters.remove(1)); // the middle one gives up
        drop(slot);
        let granted = waiters[0].try_recv();
        assert!(matches!(granted, Ok(Grant::Slot(_))));
        assert!(waiters[1].try_recv().is_err(), "only one slot was freed");
        assert_eq!(pool.stats().1, 1, "the slot changed hands, still counted");
        drop(granted);
        assert!(matches!(waiters[1].try_recv(), Ok(Grant::Slot(_))));
    }

    /// A waiter that gave up is skipped; once nobody waits the slot is free.
    #[test]
    fn a_slot_nobody_takes_is_freed() {
        let pool: Pool = AuthorityPool::new(1, Clock::System);
        let Checkout::Ready(Grant::Slot(slot)) = checkout(&pool) else {
            panic!("free slot");
        };
        let Checkout::Wait(rx) = checkout(&pool) else {
            panic!("must wait");
        };
        drop(rx);
        drop(slot);
        assert_eq!(pool.stats().1, 0);
        assert!(matches!(checkout(&pool), Checkout::Ready(Grant::Slot(_))));
    }
}

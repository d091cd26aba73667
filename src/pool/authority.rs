//! One authority's share of the pool: at most `limit` slots, idle
//! connections reused last-in first-out, and waiters served first-in
//! first-out. With a global limit one such pool is shared by every
//! authority: each connection and each waiter carries its origin's key, a
//! connection serves only its own origin, and a slot goes to the oldest
//! waiter whatever its origin (an idle connection of another origin is
//! closed to make room).
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

use tokio::sync::oneshot;

use super::clock::Clock;
use super::stats::{AuthorityStats, Discard};

/// What the authority needs to know of a connection: whether it can still
/// be used, and its age. The HTTP/1 connection of the pool implements it;
/// the tests use a fake, so the slot and waiter rules are tested alone.
pub trait Poolable {
    /// Which origin it connects to (0 when the pool serves one).
    fn key(&self) -> usize;
    /// Why it can no longer carry a request (its I/O task has ended).
    fn closed(&self) -> Option<Discard>;
    /// When it was established.
    fn created(&self) -> Instant;
    /// When it was last put back idle.
    fn idle_since(&self) -> Instant;
    fn set_idle_since(&mut self, at: Instant);
}

/// What a checkout gets: a connection to reuse, or a slot to dial one with.
pub enum Grant<C> {
    Conn(C),
    Slot(Slot<C>),
}

/// The right to hold one connection to this authority. Dropping it frees
/// the slot for the next waiter.
pub struct Slot<C> {
    authority: Option<Arc<AuthorityPool<C>>>,
}

pub struct AuthorityPool<C> {
    limit: usize,
    /// What ages connections.
    pub clock: Clock,
    state: Mutex<State<C>>,
}

struct State<C> {
    /// Slots held now: connecting + open sockets.
    used: usize,
    /// Idle connections; the most recently returned is last.
    idle: Vec<C>,
    /// Waiting checkouts, oldest first.
    waiters: VecDeque<Waiter<C>>,
    /// Set when the pool is dropped: no more grants.
    closed: bool,
    stats: AuthorityStats,
}

/// A queued checkout.
pub struct Waiter<C> {
    tx: oneshot::Sender<Grant<C>>,
    /// The origin it wants a connection to.
    key: usize,
    /// Wants a new connection (a retry): only a slot will do.
    fresh_only: bool,
}

/// Whether an idle connection may still be used.
pub struct Freshness {
    pub idle_timeout: Option<Duration>,
    pub max_lifetime: Option<Duration>,
}

/// The outcome of trying to check out without waiting.
pub enum Checkout<C> {
    Ready(Grant<C>),
    Wait(oneshot::Receiver<Grant<C>>),
    Closed,
}

impl<C> AuthorityPool<C> {
    pub fn new(limit: usize, clock: Clock) -> Arc<AuthorityPool<C>> {
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

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // A panic while holding this lock cannot leave the counts half
        // updated (every update is a single statement), so keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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
    pub fn close(&self) -> (Vec<C>, VecDeque<Waiter<C>>) {
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

/// Why an idle connection may not be used any more, if so.
fn unusable<C: Poolable>(conn: &C, fresh: &Freshness, now: Instant) -> Option<Discard> {
    if let Some(reason) = conn.closed() {
        return Some(reason);
    }
    let idle_too_long = fresh
        .idle_timeout
        .is_some_and(|t| now - conn.idle_since() >= t);
    let too_old = fresh
        .max_lifetime
        .is_some_and(|t| now - conn.created() >= t);
    (idle_too_long || too_old).then_some(Discard::Expired)
}

impl<C: Poolable> AuthorityPool<C> {
    /// Takes the newest usable idle connection (unless `fresh_only`), else
    /// a free slot, else a place in the queue. Idle connections to close are
    /// returned in `stale` so the caller drops them after the lock is
    /// released.
    pub fn checkout(
        self: &Arc<Self>,
        key: usize,
        fresh_only: bool,
        fresh: &Freshness,
        stale: &mut Vec<C>,
    ) -> Checkout<C> {
        let mut state = self.lock();
        if state.closed {
            return Checkout::Closed;
        }
        let now = self.clock.now();
        while !fresh_only && let Some(i) = state.idle.iter().rposition(|c| c.key() == key) {
            let conn = state.idle.remove(i);
            if let Some(reason) = unusable(&conn, fresh, now) {
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
        // Make room: the oldest idle socket this checkout cannot use (its
        // own, for a retry; another origin's) closes, and its slot comes
        // to the queue.
        let useless = state.idle.iter().position(|c| fresh_only || c.key() != key);
        if let Some(i) = useless {
            stale.push(state.idle.remove(i));
            state.stats.discard(Discard::Evicted);
        }
        let (tx, rx) = oneshot::channel();
        state.waiters.push_back(Waiter {
            tx,
            key,
            fresh_only,
        });
        state.stats.waits += 1;
        state.stats.peak_waiters = state.stats.peak_waiters.max(state.waiters.len() as u64);
        Checkout::Wait(rx)
    }

    /// Returns a clean connection: to the oldest live waiter of its origin
    /// that takes a connection, else idle. If only waiters it cannot serve
    /// are left (for a fresh connection, or another origin) it is handed
    /// back to be closed, so its slot goes to them.
    pub fn checkin(&self, mut conn: C) -> Option<C> {
        // Clean from here on, wherever it goes: to a waiter, idle, or closed.
        conn.set_idle_since(self.clock.now());
        let mut state = self.lock();
        if state.closed {
            return Some(conn);
        }
        let mut i = 0;
        while i < state.waiters.len() {
            if state.waiters[i].fresh_only || state.waiters[i].key != conn.key() {
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
        state.idle.push(conn);
        None
    }

    /// Takes idle connections that may no longer be used out of the pool,
    /// for the caller to drop after the lock is released.
    pub fn reap(&self, fresh: &Freshness, stale: &mut Vec<C>) {
        let mut state = self.lock();
        let now = self.clock.now();
        let mut i = 0;
        while i < state.idle.len() {
            match unusable(&state.idle[i], fresh, now) {
                Some(reason) => {
                    state.stats.discard(reason);
                    stale.push(state.idle.remove(i));
                }
                None => i += 1,
            }
        }
    }
}

impl<C> Drop for Slot<C> {
    fn drop(&mut self) {
        if let Some(authority) = self.authority.take() {
            authority.release();
        }
    }
}

#[cfg(test)]
mod tests;

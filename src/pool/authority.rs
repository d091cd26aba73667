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

use tokio::sync::oneshot;

use super::clock::Clock;
use super::stats::{AuthorityStats, Discard};

/// What the authority needs to know of a connection: whether it can still
/// be used, and its age. The HTTP/1 connection of the pool implements it;
/// the tests use a fake, so the slot and waiter rules are tested alone.
pub trait Poolable {
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
        fresh_only: bool,
        fresh: &Freshness,
        stale: &mut Vec<C>,
    ) -> Checkout<C> {
        let mut state = self.lock();
        if state.closed {
            return Checkout::Closed;
        }
        let now = self.clock.now();
        while !fresh_only && let Some(conn) = state.idle.pop() {
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
    pub fn checkin(&self, mut conn: C) -> Option<C> {
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
        conn.set_idle_since(self.clock.now());
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
mod tests {
    use super::*;
    use crate::pool::ManualClock;

    /// A connection that is only its ages and whether it is open.
    #[derive(Debug)]
    struct Fake {
        id: u32,
        open: bool,
        created: Instant,
        idle_since: Instant,
    }

    impl Poolable for Fake {
        fn closed(&self) -> Option<Discard> {
            (!self.open).then_some(Discard::ClosedByServer)
        }
        fn created(&self) -> Instant {
            self.created
        }
        fn idle_since(&self) -> Instant {
            self.idle_since
        }
        fn set_idle_since(&mut self, at: Instant) {
            self.idle_since = at;
        }
    }

    type Pool = Arc<AuthorityPool<Fake>>;

    fn fake(id: u32, clock: &Clock) -> Fake {
        Fake {
            id,
            open: true,
            created: clock.now(),
            idle_since: clock.now(),
        }
    }

    fn fresh(idle_timeout: Option<Duration>) -> Freshness {
        Freshness {
            idle_timeout,
            max_lifetime: None,
        }
    }

    fn checkout(pool: &Pool) -> Checkout<Fake> {
        pool.checkout(false, &fresh(None), &mut Vec::new())
    }

    fn slot(pool: &Pool) -> Slot<Fake> {
        match checkout(pool) {
            Checkout::Ready(Grant::Slot(slot)) => slot,
            _ => panic!("expected a free slot"),
        }
    }

    fn waiter(pool: &Pool) -> oneshot::Receiver<Grant<Fake>> {
        match checkout(pool) {
            Checkout::Wait(rx) => rx,
            _ => panic!("expected to wait"),
        }
    }

    /// A dropped slot is in the oldest waiter's hands before `drop`
    /// returns: no timer, no task switch, nothing to wait for.
    #[test]
    fn a_dropped_slot_goes_to_the_oldest_waiter_at_once() {
        let pool: Pool = AuthorityPool::new(1, Clock::System);
        let slot = slot(&pool);
        let mut waiters: Vec<_> = (0..3).map(|_| waiter(&pool)).collect();
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
        let slot = slot(&pool);
        drop(waiter(&pool));
        drop(slot);
        assert_eq!(pool.stats().1, 0);
        assert!(matches!(checkout(&pool), Checkout::Ready(Grant::Slot(_))));
    }

    /// Returned connections go to waiters oldest first, then idle; idle
    /// ones are reused newest first.
    #[test]
    fn waiters_are_served_first_in_first_out_and_idle_last_in_first_out() {
        let clock = Clock::System;
        let pool: Pool = AuthorityPool::new(2, clock.clone());
        let (a, b) = (slot(&pool), slot(&pool));
        let (mut first, mut second) = (waiter(&pool), waiter(&pool));
        assert!(pool.checkin(fake(1, &clock)).is_none());
        assert!(pool.checkin(fake(2, &clock)).is_none());
        let id = |g: Result<Grant<Fake>, _>| match g {
            Ok(Grant::Conn(c)) => c.id,
            _ => 0,
        };
        assert_eq!((id(first.try_recv()), id(second.try_recv())), (1, 2));
        // Nobody waits: back idle, and the newest goes out first.
        assert!(pool.checkin(fake(3, &clock)).is_none());
        assert!(pool.checkin(fake(4, &clock)).is_none());
        let Checkout::Ready(Grant::Conn(newest)) = checkout(&pool) else {
            panic!("an idle connection");
        };
        assert_eq!(newest.id, 4);
        assert_eq!(pool.stats().0.reuses, 3);
        drop((a, b));
    }

    /// An idle connection older than the idle timeout (on the pool's clock)
    /// or closed is not handed out; a free slot is, instead.
    #[test]
    fn stale_idle_connections_are_replaced_by_a_slot() {
        let manual = ManualClock::new();
        let clock = Clock::Manual(Arc::clone(&manual));
        let pool: Pool = AuthorityPool::new(2, clock.clone());
        let _slots = (slot(&pool), slot(&pool));
        assert!(pool.checkin(fake(1, &clock)).is_none());
        let mut closed = fake(2, &clock);
        closed.open = false;
        assert!(pool.checkin(closed).is_none());
        manual.advance(Duration::from_millis(150));
        let mut stale = Vec::new();
        let fresh = fresh(Some(Duration::from_millis(100)));
        // Both idle ones are unusable; both slots are still held by them
        // until the caller drops them, so the checkout waits.
        assert!(matches!(
            pool.checkout(false, &fresh, &mut stale),
            Checkout::Wait(_)
        ));
        let ids: Vec<u32> = stale.iter().map(|c| c.id).collect();
        assert_eq!(ids, [2, 1]);
        let d = &pool.stats().0.discards;
        assert_eq!(
            (d.count(Discard::ClosedByServer), d.count(Discard::Expired)),
            (1, 1)
        );
    }

    /// A retry that needs a fresh connection evicts the oldest idle one
    /// when every slot is taken, and waits for its slot.
    #[test]
    fn a_fresh_checkout_evicts_the_oldest_idle_connection() {
        let clock = Clock::System;
        let pool: Pool = AuthorityPool::new(2, clock.clone());
        let _slots = (slot(&pool), slot(&pool));
        assert!(pool.checkin(fake(1, &clock)).is_none());
        assert!(pool.checkin(fake(2, &clock)).is_none());
        let mut stale = Vec::new();
        let checkout = pool.checkout(true, &fresh(None), &mut stale);
        assert!(matches!(checkout, Checkout::Wait(_)));
        assert_eq!(stale.iter().map(|c| c.id).collect::<Vec<_>>(), [1]);
        assert_eq!(pool.stats().0.discards.count(Discard::Evicted), 1);
    }

    /// Shutdown hands back the idle connections and the waiters, and no
    /// checkout is granted after it.
    #[test]
    fn shutdown_hands_back_everything_and_grants_nothing() {
        let clock = Clock::System;
        let pool: Pool = AuthorityPool::new(1, clock.clone());
        let slot = slot(&pool);
        let rx = waiter(&pool);
        let (idle, waiters) = pool.close();
        assert_eq!((idle.len(), waiters.len()), (0, 1));
        drop(waiters);
        assert!(matches!(checkout(&pool), Checkout::Closed));
        // A connection returned after shutdown is handed back to close.
        assert!(pool.checkin(fake(1, &clock)).is_some());
        drop(slot);
        assert!(matches!(
            rx.blocking_recv(),
            Err(oneshot::error::RecvError { .. })
        ));
    }
}

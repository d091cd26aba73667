//! The slot and waiter rules of one authority, on a fake connection and a
//! manual clock: no socket, no sleep.

use super::*;
use crate::pool::ManualClock;

/// A connection that is only its ages and whether it is open.
#[derive(Debug)]
struct Fake {
    id: u32,
    /// Its origin, in a shared pool.
    key: usize,
    open: bool,
    created: Instant,
    idle_since: Instant,
}

impl Poolable for Fake {
    fn key(&self) -> usize {
        self.key
    }
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
        key: 0,
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
    pool.checkout(0, false, &fresh(None), &mut Vec::new())
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
        pool.checkout(0, false, &fresh, &mut stale),
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
    let checkout = pool.checkout(0, true, &fresh(None), &mut stale);
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

/// A pool shared by two origins (a global limit): a connection serves only
/// its own origin; a checkout for the other closes an idle one to make room
/// and gets its slot; a returned connection nobody of its origin waits for
/// is closed so the slot reaches a waiter of the other.
#[test]
fn a_shared_pool_serves_each_origin_its_own_and_frees_room_for_the_other() {
    let clock = Clock::System;
    let pool: Pool = AuthorityPool::new(1, clock.clone());
    let other = |pool: &Pool, stale: &mut Vec<Fake>| pool.checkout(1, false, &fresh(None), stale);
    // Origin 0 dials its one connection and returns it idle.
    let slot0 = slot(&pool);
    assert!(pool.checkin(fake(1, &clock)).is_none());
    // Origin 1 cannot use it: the idle one is closed for room, and it waits.
    let mut stale = Vec::new();
    let Checkout::Wait(mut rx) = other(&pool, &mut stale) else {
        panic!("expected to wait: the only slot is held")
    };
    assert_eq!(stale.iter().map(|c| c.id).collect::<Vec<_>>(), [1]);
    drop(stale);
    // Its socket closes: the slot goes to origin 1's waiter.
    drop(slot0);
    let Ok(Grant::Slot(slot1)) = rx.try_recv() else {
        panic!("origin 1 gets the freed slot")
    };
    // Origin 0 now waits; origin 1's connection, returned, is not for it:
    // handed back to be closed, so the slot reaches origin 0.
    let mut rx0 = waiter(&pool);
    let conn1 = Fake {
        key: 1,
        ..fake(2, &clock)
    };
    let back = pool.checkin(conn1).expect("nobody of origin 1 waits");
    assert_eq!(back.id, 2);
    drop(slot1);
    let granted = rx0.try_recv();
    assert!(matches!(granted, Ok(Grant::Slot(_))));
    assert_eq!(pool.stats().1, 1, "never more than the limit");
    drop(granted);
    assert_eq!(pool.stats().1, 0);
}

//! When each request is issued. In a closed loop a task sends its next
//! request as soon as the previous one is complete. In an open loop
//! ([`Arrival::Rate`], [`Arrival::Bursts`]) request `i` is due at a fixed
//! instant; a releaser thread lets requests go as they fall due (the
//! kernel's sleep is precise to tens of µs, tokio's timer rounds up to
//! whole milliseconds), and latency is measured from the due instant, not
//! from when a task got round to it, so a client that falls behind is
//! charged for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::interrupt::Interrupt;
use crate::metrics::os::thread_cpu;
use crate::results::OpenLoop;

/// When requests are issued.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrival {
    /// Closed loop: each task sends its next request when the previous one
    /// is complete.
    Closed,
    /// Open loop: request `i` is due at `start + i / rate` (per second).
    Rate(f64),
    /// Open loop: requests come in bursts of `size`, one burst every `every`.
    Bursts { size: u64, every: Duration },
}

impl Arrival {
    /// When request `i` is due, for open-loop schedules; latency is measured
    /// from this instant, so a late start counts against the client
    /// (no coordinated omission).
    pub fn due(&self, start: std::time::Instant, i: u64) -> Option<std::time::Instant> {
        match *self {
            Arrival::Closed => None,
            Arrival::Rate(rate) => {
                let offset = Duration::try_from_secs_f64(i as f64 / rate).unwrap_or(FAR);
                Some(start.checked_add(offset.min(FAR)).unwrap_or(start + FAR))
            }
            Arrival::Bursts { size, every } => {
                let bursts = u32::try_from(i / size.max(1)).unwrap_or(u32::MAX);
                let offset = every.checked_mul(bursts).unwrap_or(FAR).min(FAR);
                Some(start + offset)
            }
        }
    }
}

/// Later than any run lasts: where a schedule's due time would overflow.
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// When a mode's measured phase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Requests(u64),
    Duration(Duration),
}

/// The releaser sleeps at most this long at a time, so a stop request is
/// noticed promptly however slow the schedule.
const RELEASER_STEP: Duration = Duration::from_millis(50);

/// Hands out request numbers and says when each is due; shared by the tasks.
pub struct Schedule {
    next: AtomicU64,
    /// Open loop: when the last request was handed out, in ns from
    /// `start` (a closed loop keeps none: no shared write per request).
    last_start_ns: AtomicU64,
    /// Open loop: requests the releaser let fall due, once it is done.
    due: AtomicU64,
    total: Option<u64>,
    deadline: Option<Instant>,
    pub(super) start: Instant,
    arrival: Arrival,
    /// Open loop: one permit per request that has fallen due.
    released: Option<Arc<Semaphore>>,
    interrupt: Interrupt,
}

impl Schedule {
    /// Requests until `stop`, issued as `arrival` says, from now.
    pub(super) fn new(stop: Stop, arrival: Arrival, interrupt: Interrupt) -> Schedule {
        let start = Instant::now();
        Schedule {
            next: AtomicU64::new(0),
            last_start_ns: AtomicU64::new(0),
            due: AtomicU64::new(0),
            total: match stop {
                Stop::Requests(n) => Some(n),
                Stop::Duration(_) => None,
            },
            deadline: match stop {
                Stop::Duration(d) => Some(start + d),
                Stop::Requests(_) => None,
            },
            start,
            arrival,
            released: (arrival != Arrival::Closed).then(|| Arc::new(Semaphore::new(0))),
            interrupt,
        }
    }

    /// Whether requests are due at instants of their own (an open loop):
    /// then a request starts when a task gets round to it, later than it
    /// was issued.
    pub(super) fn is_open(&self) -> bool {
        self.released.is_some()
    }

    /// Whether request `i` is within the budget and due before the deadline.
    fn within(&self, i: u64, due: Option<Instant>) -> bool {
        !self.interrupt.is_raised()
            && self.total.is_none_or(|total| i < total)
            && self.deadline.is_none_or(|d| due.is_none_or(|due| due < d))
    }

    /// The next request's number and issue time (sleeping until it is due
    /// in an open loop), or `None` when the budget is spent.
    pub(super) async fn next(&self) -> Option<(u64, Instant)> {
        if let Some(released) = &self.released {
            released.acquire().await.ok()?.forget();
        }
        // `-z` is wall-clock time: nothing starts after the deadline, even
        // a request that fell due before it (an open loop fallen behind:
        // those are cut, and counted so).
        let now = Instant::now();
        if self.interrupt.is_raised() || self.deadline.is_some_and(|d| now >= d) {
            return None;
        }
        let i = self.next.fetch_add(1, Relaxed);
        if self.total.is_some_and(|total| i >= total) {
            return None;
        }
        let issued = self.arrival.due(self.start, i).unwrap_or(now);
        if self.deadline.is_some_and(|d| issued >= d) {
            return None;
        }
        if self.released.is_some() {
            let at = u64::try_from(now.duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
            self.last_start_ns.fetch_max(at, Relaxed);
        }
        Some((i, issued))
    }

    /// An open loop's schedule against what it got, once the tasks are
    /// done; `None` for a closed loop.
    pub(super) fn open_loop(&self) -> Option<OpenLoop> {
        let requested_rps = match self.arrival {
            Arrival::Closed => return None,
            Arrival::Rate(rate) => rate,
            Arrival::Bursts { size, every } => size as f64 / every.as_secs_f64().max(1e-9),
        };
        // Numbers are handed out in order, and every one below `due` that
        // was handed out started (the checks that stop a task come before
        // its number is taken, or refuse only numbers past `due`).
        let due = self.due.load(Relaxed);
        let started = self.next.load(Relaxed).min(due);
        // The schedule's own span, to its last request due, and the last
        // start: one interval more each, so a loop that kept up shows the
        // rate it was asked for.
        let last_due = due
            .checked_sub(1)
            .and_then(|i| self.arrival.due(self.start, i))
            .map_or(0.0, |d| d.duration_since(self.start).as_secs_f64());
        let last_start = self.last_start_ns.load(Relaxed) as f64 / 1e9;
        Some(OpenLoop {
            requested_rps,
            due,
            started,
            window_s: last_due.max(last_start) + 1.0 / requested_rps,
        })
    }
}

/// In an open loop, releases requests as they fall due, from its own
/// thread, then `extra` permits so every task sees the end; it returns the
/// CPU time it used (the load generator's own, kept out of the client's
/// figure). A closed loop has none.
pub(super) fn spawn_releaser(
    plan: Arc<Schedule>,
    extra: usize,
) -> Option<std::thread::JoinHandle<Duration>> {
    let permits = plan.released.clone()?;
    Some(std::thread::spawn(move || {
        let cpu_start = thread_cpu();
        let mut released = 0u64;
        loop {
            let due = plan.arrival.due(plan.start, released);
            if !plan.within(released, due) {
                break;
            }
            let now = Instant::now();
            if let Some(wait) = due
                .and_then(|d| d.checked_duration_since(now))
                .filter(|w| !w.is_zero())
            {
                // In steps, so an interrupt is noticed within one.
                std::thread::sleep(wait.min(RELEASER_STEP));
                continue;
            }
            // Everything due by now goes at once (a burst, or a rate the
            // thread's wake-ups cannot follow one by one).
            let mut batch = 0u64;
            while let Some(d) = plan.arrival.due(plan.start, released + batch)
                && d <= now
                && plan.within(released + batch, Some(d))
            {
                batch += 1;
            }
            permits.add_permits(batch.max(1) as usize);
            released += batch.max(1);
        }
        plan.due.store(released, Relaxed);
        permits.add_permits(extra);
        thread_cpu().saturating_sub(cpu_start)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(arrival: Arrival, total: Option<u64>, deadline: Option<Duration>) -> Arc<Schedule> {
        let stop = match (total, deadline) {
            (Some(n), _) => Stop::Requests(n),
            (None, Some(d)) => Stop::Duration(d),
            (None, None) => Stop::Requests(u64::MAX),
        };
        Arc::new(Schedule::new(stop, arrival, Interrupt::default()))
    }

    async fn drain(p: &Arc<Schedule>) -> Vec<Duration> {
        let releaser = spawn_releaser(Arc::clone(p), 1);
        let mut issued = Vec::new();
        while let Some((_, t)) = p.next().await {
            issued.push(t - p.start);
        }
        if let Some(releaser) = releaser {
            assert!(releaser.join().is_ok(), "the releaser thread panicked");
        }
        issued
    }

    #[tokio::test]
    async fn closed_loop_hands_out_exactly_the_budget() {
        assert_eq!(drain(&plan(Arrival::Closed, Some(3), None)).await.len(), 3);
    }

    #[tokio::test]
    async fn bursts_are_due_together_and_a_period_apart() {
        let every = Duration::from_millis(5);
        let p = plan(Arrival::Bursts { size: 3, every }, Some(7), None);
        let z = Duration::ZERO;
        assert_eq!(drain(&p).await, [z, z, z, every, every, every, every * 2]);
        // No request was let go before it was due.
        assert!(p.start.elapsed() >= every * 2);
    }

    #[tokio::test]
    async fn open_loop_stops_at_the_deadline_and_counts_what_it_cut() {
        let p = plan(Arrival::Rate(1000.0), None, Some(Duration::from_millis(10)));
        let started = drain(&p).await.len() as u64;
        let open = p.open_loop().expect("an open loop");
        assert_eq!(open.due, 10, "requests due at 0..9 ms");
        // Those not started by the deadline (a busy machine) are cut.
        assert_eq!((open.started, open.started + open.cut()), (started, 10));
        assert_eq!(open.requested_rps, 1000.0);
    }

    #[tokio::test]
    async fn a_loop_behind_its_schedule_starts_nothing_after_the_deadline() {
        // Due far faster than one task can take them, for 20 ms.
        let p = plan(Arrival::Rate(1e7), None, Some(Duration::from_millis(20)));
        let releaser = spawn_releaser(Arc::clone(&p), 1);
        let mut started = 0u64;
        while p.next().await.is_some() {
            started += 1;
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(releaser) = releaser {
            assert!(releaser.join().is_ok());
        }
        let open = p.open_loop().expect("an open loop");
        assert_eq!(open.started, started);
        assert!(open.due >= 100_000, "{open:?}");
        assert!(
            open.cut() >= open.due - 21,
            "at most one a ms started: {open:?}"
        );
    }
}

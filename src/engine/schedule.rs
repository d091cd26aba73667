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
        if self.interrupt.is_raised() {
            return None;
        }
        let i = self.next.fetch_add(1, Relaxed);
        if self.total.is_some_and(|total| i >= total) {
            return None;
        }
        let issued = self.arrival.due(self.start, i).unwrap_or_else(Instant::now);
        self.deadline
            .is_none_or(|d| issued < d)
            .then_some((i, issued))
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
    async fn open_loop_stops_at_the_deadline() {
        let p = plan(Arrival::Rate(1000.0), None, Some(Duration::from_millis(10)));
        assert_eq!(drain(&p).await.len(), 10, "requests due at 0..9 ms");
    }
}

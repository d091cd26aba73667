//! The load loop shared by every mode: `concurrency` tasks send requests
//! until the request budget is spent or the duration is over.
//!
//! In a closed loop each task sends its next request as soon as the
//! previous one is complete. In an open loop ([`Arrival::Rate`],
//! [`Arrival::Bursts`]) request `i` is due at a fixed instant; a task sleeps
//! until then, and latency is measured from that instant, not from when the
//! task got round to it, so a client that falls behind is charged for it.
//!
//! Each task records into its own [`Recorder`]; recorders are merged at the
//! end, so the loop takes no lock and memory does not grow with the request
//! count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use http::Uri;

use crate::metrics::{ErrorKind, Recorder, Timeline};
use crate::modes::ModeClient;
use crate::scenario::{Arrival, Stop};

/// What to send and how hard.
#[derive(Debug, Clone)]
pub struct Workload {
    pub uri: Uri,
    pub stop: Stop,
    pub arrival: Arrival,
    /// Tasks, i.e. the most requests in flight at once.
    pub concurrency: usize,
    /// A request not complete after this counts as a timeout.
    pub timeout: Duration,
    /// Incremented as each request completes (for the report's time series).
    pub completed: Arc<AtomicU64>,
}

/// What one run of the loop measured.
#[derive(Debug)]
pub struct Outcome {
    pub recorder: Recorder,
    /// From the start to the last request complete.
    pub elapsed: Duration,
}

impl Outcome {
    /// Requests completed, successfully or not.
    pub fn sent(&self) -> u64 {
        self.recorder.ok() + self.recorder.errors.total()
    }
}

/// Hands out request numbers and says when each is due; shared by the tasks.
struct Plan {
    next: AtomicU64,
    total: Option<u64>,
    deadline: Option<Instant>,
    start: Instant,
    arrival: Arrival,
}

impl Plan {
    /// The next request's issue time (sleeping until it is due in an open
    /// loop), or `None` when the budget is spent.
    async fn next(&self) -> Option<Instant> {
        let i = self.next.fetch_add(1, Relaxed);
        if self.total.is_some_and(|total| i >= total) {
            return None;
        }
        let issued = match self.arrival.due(self.start, i) {
            None => Instant::now(),
            Some(due) => {
                if self.deadline.is_none_or(|d| due < d) {
                    tokio::time::sleep_until(due.into()).await;
                }
                due
            }
        };
        self.deadline.is_none_or(|d| issued < d).then_some(issued)
    }
}

/// Runs the loop and returns the merged measurements.
pub async fn run(client: Arc<ModeClient>, workload: &Workload) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let plan = Arc::new(Plan {
        next: AtomicU64::new(0),
        total: match workload.stop {
            Stop::Requests(n) => Some(n),
            Stop::Duration(_) => None,
        },
        deadline: match workload.stop {
            Stop::Duration(d) => Some(start + d),
            Stop::Requests(_) => None,
        },
        start,
        arrival: workload.arrival,
    });
    let tasks: Vec<_> = (0..workload.concurrency)
        .map(|_| {
            let client = Arc::clone(&client);
            let plan = Arc::clone(&plan);
            let uri = workload.uri.clone();
            let timeout = workload.timeout;
            let completed = Arc::clone(&workload.completed);
            tokio::spawn(async move { send_loop(&client, &uri, &plan, timeout, &completed).await })
        })
        .collect();
    let mut recorder = Recorder::new();
    for task in tasks {
        recorder.merge(&task.await?);
    }
    Ok(Outcome {
        recorder,
        elapsed: start.elapsed(),
    })
}

async fn send_loop(
    client: &ModeClient,
    uri: &Uri,
    plan: &Plan,
    timeout: Duration,
    completed: &AtomicU64,
) -> Recorder {
    let mut recorder = Recorder::new();
    while let Some(issued) = plan.next().await {
        let started = Instant::now();
        let mut timeline = Timeline::default();
        match tokio::time::timeout(timeout, client.execute(uri, &mut timeline)).await {
            Ok(Ok(())) => {
                let end = Instant::now();
                recorder.success(end - issued);
                recorder
                    .phases
                    .record(&timeline.phases(issued, started, end));
            }
            Ok(Err(kind)) => recorder.failure(kind),
            Err(_) => recorder.failure(ErrorKind::Timeout),
        }
        completed.fetch_add(1, Relaxed);
    }
    recorder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(arrival: Arrival, total: Option<u64>, deadline: Option<Duration>) -> Plan {
        let start = Instant::now();
        Plan {
            next: AtomicU64::new(0),
            total,
            deadline: deadline.map(|d| start + d),
            start,
            arrival,
        }
    }

    #[tokio::test]
    async fn closed_loop_hands_out_exactly_the_budget() {
        let p = plan(Arrival::Closed, Some(3), None);
        let mut n = 0;
        while p.next().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn bursts_are_due_together_and_a_period_apart() {
        let every = Duration::from_millis(20);
        let p = plan(Arrival::Bursts { size: 3, every }, Some(7), None);
        let mut due = Vec::new();
        while let Some(t) = p.next().await {
            due.push(t - p.start);
        }
        let z = Duration::ZERO;
        assert_eq!(due, [z, z, z, every, every, every, every * 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn open_loop_stops_at_the_deadline() {
        let p = plan(Arrival::Rate(1000.0), None, Some(Duration::from_millis(10)));
        let mut n = 0;
        while p.next().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 10, "requests due at 0..9 ms");
    }
}

//! The load loop shared by every mode: `concurrency` closed-loop tasks, each
//! sending its next request as soon as the previous one is complete, until
//! the request budget is spent or the duration is over.
//!
//! Latency is measured per request from issue to last body byte and recorded
//! in the task's own [`Recorder`]; recorders are merged at the end, so the
//! loop takes no lock and memory does not grow with the request count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use http::Uri;

use crate::metrics::{ErrorKind, Recorder};
use crate::modes::ModeClient;
use crate::scenario::Stop;

/// What to send and how hard.
#[derive(Debug, Clone)]
pub struct Workload {
    pub uri: Uri,
    pub stop: Stop,
    pub concurrency: usize,
    /// A request not complete after this counts as a timeout.
    pub timeout: Duration,
}

/// What one run of the loop measured.
#[derive(Debug)]
pub struct Outcome {
    pub recorder: Recorder,
    /// From the first request issued to the last one complete.
    pub elapsed: Duration,
}

impl Outcome {
    /// Requests completed, successfully or not.
    pub fn sent(&self) -> u64 {
        self.recorder.ok() + self.recorder.errors.total()
    }
}

/// Decides whether a task may send another request.
#[derive(Clone)]
enum Budget {
    /// A shared count of requests handed out so far, against a total.
    Count { issued: Arc<AtomicU64>, total: u64 },
    /// No new request starts after this instant.
    Until(Instant),
}

impl Budget {
    fn take(&self) -> bool {
        match self {
            Budget::Count { issued, total } => issued.fetch_add(1, Relaxed) < *total,
            Budget::Until(deadline) => Instant::now() < *deadline,
        }
    }
}

/// Runs the closed loop and returns the merged measurements.
pub async fn run(client: Arc<ModeClient>, workload: &Workload) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let budget = match workload.stop {
        Stop::Requests(total) => Budget::Count {
            issued: Arc::new(AtomicU64::new(0)),
            total,
        },
        Stop::Duration(d) => Budget::Until(start + d),
    };
    let tasks: Vec<_> = (0..workload.concurrency)
        .map(|_| {
            let client = Arc::clone(&client);
            let budget = budget.clone();
            let uri = workload.uri.clone();
            let timeout = workload.timeout;
            tokio::spawn(async move { closed_loop(&client, &uri, &budget, timeout).await })
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

async fn closed_loop(
    client: &ModeClient,
    uri: &Uri,
    budget: &Budget,
    timeout: Duration,
) -> Recorder {
    let mut recorder = Recorder::new();
    while budget.take() {
        let issued = Instant::now();
        match tokio::time::timeout(timeout, client.execute(uri)).await {
            Ok(Ok(())) => recorder.success(issued.elapsed()),
            Ok(Err(kind)) => recorder.failure(kind),
            Err(_) => recorder.failure(ErrorKind::Timeout),
        }
    }
    recorder
}

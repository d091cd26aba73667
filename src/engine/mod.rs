//! The load loop shared by every mode: `concurrency` tasks send requests
//! until the request budget is spent or the duration is over.
//!
//! When each request is issued is the [`schedule`]'s (closed or open
//! loop); what it is and where it goes, the [`RequestPlan`]'s; how it is
//! sent, the mode's: a mode is a [`Drive`], which places the tasks (on the
//! runtime's workers, or on threads of its own) and sends each request
//! through a [`Sender`]. The engine knows no mode.
//!
//! Each task records into its own [`Recorder`]; recorders are merged at the
//! end, so the loop takes no lock and memory does not grow with the request
//! count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::interrupt::Interrupt;
pub use crate::metrics::Live;
use crate::metrics::Recorder;

mod list;
mod plan;
mod schedule;
mod target;
mod tasks;
pub use list::{ListPaths, MAX_LINE, is_entry, split};
pub use plan::{Paths, RequestPlan, Spread};
pub use schedule::{Arrival, Stop};
pub use target::{COUNTER, Shape, Target};
pub use tasks::{Drive, Driven, LocalSender, Recorded, Sender, Tasks};

/// What to send and how hard.
#[derive(Debug, Clone)]
pub struct Workload {
    /// What each request is and where it goes.
    pub plan: Arc<RequestPlan>,
    pub stop: Stop,
    pub arrival: Arrival,
    /// Tasks, i.e. the most requests in flight at once.
    pub concurrency: usize,
    /// A request not complete after this counts as a timeout.
    pub timeout: Duration,
    /// Counted as requests complete: for the report's time series and the
    /// live progress.
    pub live: Arc<Live>,
    /// Once raised, no new request is issued.
    pub interrupt: Interrupt,
}

/// What one run of the loop measured.
#[derive(Debug)]
pub struct Outcome {
    pub recorder: Recorder,
    /// The same, per authority, when requests were spread over several.
    pub by_authority: Vec<Recorder>,
    /// From the start to the last request complete.
    pub elapsed: Duration,
    /// CPU time of the open-loop releaser thread (the load generator's own).
    pub releaser_cpu: Duration,
    /// An open loop's schedule against what it got.
    pub open_loop: Option<crate::results::OpenLoop>,
}

impl Outcome {
    /// Requests completed, successfully or not.
    pub fn sent(&self) -> u64 {
        self.recorder.ok() + self.recorder.errors.total()
    }
}

/// Runs the loop through `mode` and returns the merged measurements.
pub async fn run<D: Drive + ?Sized>(mode: Arc<D>, workload: &Workload) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let schedule = Arc::new(schedule::Schedule::new(
        workload.stop,
        workload.arrival,
        workload.interrupt.clone(),
    ));
    // No more tasks than requests: a task would only find the budget spent.
    let count = match workload.stop {
        Stop::Requests(n) => workload
            .concurrency
            .min(usize::try_from(n).unwrap_or(usize::MAX)),
        Stop::Duration(_) => workload.concurrency,
    };
    let releaser = schedule::spawn_releaser(Arc::clone(&schedule), count);
    // Tasks that failed leave the releaser to end on its own, as its
    // schedule runs out.
    let recorded = mode
        .drive(Tasks::new(count, Arc::clone(&schedule), workload))
        .await?;
    let elapsed = start.elapsed();
    let releaser_cpu = match releaser {
        Some(releaser) => tokio::task::spawn_blocking(move || releaser.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the open-loop releaser thread panicked"))?,
        None => Duration::ZERO,
    };
    let mut recorder = Recorder::new();
    let authorities = workload.plan.authorities();
    let mut by_authority = vec![Recorder::new(); if authorities > 1 { authorities } else { 0 }];
    for (total, each) in recorded {
        recorder.merge(&total);
        for (into, r) in by_authority.iter_mut().zip(&each) {
            into.merge(r);
        }
    }
    Ok(Outcome {
        recorder,
        by_authority,
        elapsed,
        releaser_cpu,
        open_loop: schedule.open_loop(),
    })
}

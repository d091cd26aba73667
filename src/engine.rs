//! The load loop shared by every mode: `concurrency` tasks send requests
//! until the request budget is spent or the duration is over.
//!
//! In a closed loop each task sends its next request as soon as the
//! previous one is complete. In an open loop ([`Arrival::Rate`],
//! [`Arrival::Bursts`]) request `i` is due at a fixed instant; a releaser
//! thread lets requests go as they fall due (the kernel's sleep is precise
//! to tens of µs, tokio's timer rounds up to whole milliseconds), and
//! latency is measured from the due instant, not from when a task got round
//! to it, so a client that falls behind is charged for it.
//!
//! Each task records into its own [`Recorder`]; recorders are merged at the
//! end, so the loop takes no lock and memory does not grow with the request
//! count.

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::interrupt::Interrupt;
pub use crate::metrics::Live;
use crate::metrics::os::thread_cpu;
use crate::metrics::{ErrorKind, Recorder, Timeline};
use crate::modes::awc::{AwcClient, Job as AwcJob, Threads as AwcThreads};
use crate::modes::{ModeClient, RequestPlan, Target};
use crate::scenario::{Arrival, Stop};

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
}

impl Outcome {
    /// Requests completed, successfully or not.
    pub fn sent(&self) -> u64 {
        self.recorder.ok() + self.recorder.errors.total()
    }
}

/// The releaser sleeps at most this long at a time, so a stop request is
/// noticed promptly however slow the schedule.
const RELEASER_STEP: Duration = Duration::from_millis(50);

/// Hands out request numbers and says when each is due; shared by the tasks.
struct Plan {
    next: AtomicU64,
    total: Option<u64>,
    deadline: Option<Instant>,
    start: Instant,
    arrival: Arrival,
    /// Open loop: one permit per request that has fallen due.
    released: Option<Arc<Semaphore>>,
    interrupt: Interrupt,
}

impl Plan {
    /// Whether request `i` is within the budget and due before the deadline.
    fn within(&self, i: u64, due: Option<Instant>) -> bool {
        !self.interrupt.is_raised()
            && self.total.is_none_or(|total| i < total)
            && self.deadline.is_none_or(|d| due.is_none_or(|due| due < d))
    }

    /// The next request's number and issue time (sleeping until it is due
    /// in an open loop), or `None` when the budget is spent.
    async fn next(&self) -> Option<(u64, Instant)> {
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

/// Releases open-loop requests as they fall due, from its own thread, then
/// `extra` permits so every task sees the end. Returns the CPU time it used
/// (the load generator's own, kept out of the client's figure).
fn spawn_releaser(plan: Arc<Plan>, extra: usize) -> std::thread::JoinHandle<Duration> {
    std::thread::spawn(move || {
        let cpu_start = thread_cpu();
        let Some(permits) = plan.released.clone() else {
            return Duration::ZERO;
        };
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
    })
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
        released: (workload.arrival != Arrival::Closed).then(|| Arc::new(Semaphore::new(0))),
        interrupt: workload.interrupt.clone(),
    });
    // No more tasks than requests: a task would only find the budget spent.
    let tasks = match workload.stop {
        Stop::Requests(n) => workload
            .concurrency
            .min(usize::try_from(n).unwrap_or(usize::MAX)),
        Stop::Duration(_) => workload.concurrency,
    };
    let releaser = spawn_releaser(Arc::clone(&plan), tasks);
    let recorded = match client.awc_threads() {
        Some(Ok(threads)) => on_threads(threads, tasks, &plan, workload).await?,
        Some(Err(e)) => anyhow::bail!("{e}"),
        None => {
            let tasks: Vec<_> = (0..tasks)
                .map(|_| {
                    let client = Arc::clone(&client);
                    let (plan, task) = (Arc::clone(&plan), Task::of(workload));
                    tokio::spawn(async move { task.run(&*client, &plan).await })
                })
                .collect();
            let mut recorded = Vec::with_capacity(tasks.len());
            for task in tasks {
                recorded.push(task.await?);
            }
            recorded
        }
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
    let elapsed = start.elapsed();
    let releaser_cpu = tokio::task::spawn_blocking(move || releaser.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the open-loop releaser thread panicked"))?;
    Ok(Outcome {
        recorder,
        by_authority,
        elapsed,
        releaser_cpu,
    })
}

/// What one task records: in total, and (with several authorities) per
/// authority.
type Recorded = (Recorder, Vec<Recorder>);

/// Sends one request for a task: through a mode's shared client, or
/// through the client of the thread the task runs on (awc).
trait Sender {
    fn send<'a>(
        &'a self,
        target: &'a Target,
        id: u64,
        started: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>> + 'a;
}

impl Sender for ModeClient {
    fn send<'a>(
        &'a self,
        target: &'a Target,
        id: u64,
        started: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>> + 'a {
        self.execute(target, id, started)
    }
}

impl Sender for AwcClient {
    fn send<'a>(
        &'a self,
        target: &'a Target,
        id: u64,
        _: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>> + 'a {
        self.execute(target, id)
    }
}

/// What a task needs besides its client and the plan.
struct Task {
    target: Arc<RequestPlan>,
    timeout: Duration,
    live: Arc<Live>,
}

impl Task {
    fn of(workload: &Workload) -> Task {
        Task {
            target: Arc::clone(&workload.plan),
            timeout: workload.timeout,
            live: Arc::clone(&workload.live),
        }
    }

    async fn run(&self, client: &impl Sender, plan: &Plan) -> Recorded {
        send_loop(client, &self.target, plan, self.timeout, &self.live).await
    }
}

/// Runs `tasks` tasks on awc's threads, shared out evenly, each thread's
/// on its own client; what each task recorded.
async fn on_threads(
    threads: &AwcThreads,
    tasks: usize,
    plan: &Arc<Plan>,
    workload: &Workload,
) -> anyhow::Result<Vec<Recorded>> {
    let n = threads.len().max(1);
    let mut replies = Vec::new();
    for i in 0..n {
        let count = tasks / n + usize::from(i < tasks % n);
        if count == 0 {
            continue;
        }
        let (reply, recorded) = tokio::sync::oneshot::channel();
        let plan = Arc::clone(plan);
        let task = Arc::new(Task::of(workload));
        let job: AwcJob = Box::new(move |client: Rc<AwcClient>| {
            Box::pin(async move {
                let loops: Vec<_> = (0..count)
                    .map(|_| {
                        let (client, plan, task) =
                            (Rc::clone(&client), Arc::clone(&plan), Arc::clone(&task));
                        tokio::task::spawn_local(async move { task.run(&*client, &plan).await })
                    })
                    .collect();
                let mut out = Vec::with_capacity(loops.len());
                for l in loops {
                    out.push(l.await);
                }
                let _ = reply.send(out.into_iter().collect::<Result<Vec<_>, _>>());
            })
        });
        // A thread that has ended drops the job, and with it the reply's
        // sender: its reply says so below.
        threads.submit(i, job);
        replies.push(recorded);
    }
    // Every thread's reply, before any failure is told: no thread is left
    // running a job when this returns.
    let mut all = Vec::with_capacity(tasks);
    let mut failure = None;
    for reply in replies {
        match reply.await {
            Ok(Ok(recorded)) => all.extend(recorded),
            Ok(Err(e)) => failure = Some(anyhow::Error::new(e)),
            Err(_) => failure = Some(anyhow::anyhow!("an awc client thread ended mid-run")),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(all),
    }
}

/// Sends requests until the plan is spent; returns what it recorded, in
/// total and (with several authorities) per authority.
async fn send_loop(
    client: &impl Sender,
    target: &RequestPlan,
    plan: &Plan,
    timeout: Duration,
    live: &Live,
) -> Recorded {
    let mut recorder = Recorder::new();
    let authorities = target.authorities();
    let mut by_authority = vec![Recorder::new(); if authorities > 1 { authorities } else { 0 }];
    // One timer per task, moved forward for each request: a later deadline
    // is an atomic store in tokio's timer, where a timer per request would
    // be inserted into and removed from its wheel every time.
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    while let Some((id, issued)) = plan.next().await {
        let Some((k, to)) = target.pick(id) else {
            break;
        };
        // In a closed loop a request is issued when it starts.
        let started = match plan.released {
            None => issued,
            Some(_) => Instant::now(),
        };
        deadline
            .as_mut()
            .reset(tokio::time::Instant::from_std(started + timeout));
        let outcome = tokio::select! {
            biased;
            outcome = client.send(to, id, started) => Ok(outcome),
            () = &mut deadline => Err(()),
        };
        let end = Instant::now();
        let record = |r: &mut Recorder| match &outcome {
            Ok(Ok(timeline)) => {
                r.success(end - issued);
                r.phases.record(&timeline.phases(issued, started, end));
            }
            Ok(Err(kind)) => r.failure(*kind),
            Err(_) => r.failure(ErrorKind::Timeout),
        };
        record(&mut recorder);
        if let Some(r) = by_authority.get_mut(k) {
            record(r);
        }
        if !matches!(outcome, Ok(Ok(_))) {
            live.failed.fetch_add(1, Relaxed);
        }
        live.completed.fetch_add(1, Relaxed);
    }
    (recorder, by_authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(arrival: Arrival, total: Option<u64>, deadline: Option<Duration>) -> Arc<Plan> {
        let start = Instant::now();
        Arc::new(Plan {
            next: AtomicU64::new(0),
            total,
            deadline: deadline.map(|d| start + d),
            start,
            arrival,
            released: (arrival != Arrival::Closed).then(|| Arc::new(Semaphore::new(0))),
            interrupt: Interrupt::default(),
        })
    }

    async fn drain(p: &Arc<Plan>) -> Vec<Duration> {
        let releaser = spawn_releaser(Arc::clone(p), 1);
        let mut issued = Vec::new();
        while let Some((_, t)) = p.next().await {
            issued.push(t - p.start);
        }
        assert!(releaser.join().is_ok(), "the releaser thread panicked");
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

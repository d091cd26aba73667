//! The tasks of one run and how a mode sends a request. A mode places the
//! tasks ([`Drive`]): most on the runtime's workers, all sharing one
//! client ([`Tasks::spawn`]); a client that is not `Send` (awc) shares
//! them out over threads of its own ([`Tasks::split`]) and runs each
//! share there ([`Tasks::run_local`]). Either way every task runs the one
//! loop below, generic over the mode's [`Sender`]: no boxed future and no
//! dynamic call per request.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::schedule::Schedule;
use super::{Live, RequestPlan, Target, Workload};
use crate::metrics::{ErrorKind, Recorder, Timeline};

/// What one task records: in total, and (with several authorities) per
/// authority.
pub type Recorded = (Recorder, Vec<Recorder>);

/// A mode's run of its tasks: what each recorded.
pub type Driven = Pin<Box<dyn Future<Output = anyhow::Result<Vec<Recorded>>> + Send>>;

/// Places a run's tasks and runs them to their end. A client any thread
/// can share ([`Sender`]) has its tasks on the runtime's workers.
pub trait Drive: Send + Sync {
    fn drive(self: Arc<Self>, tasks: Tasks) -> Driven;
}

impl<S: Sender> Drive for S {
    fn drive(self: Arc<Self>, tasks: Tasks) -> Driven {
        tasks.spawn(self)
    }
}

/// Sends one request through a client shared by tasks on any thread.
pub trait Sender: Send + Sync + 'static {
    /// Sends request number `id` to `target`, started at `started` (its
    /// issue time in a closed loop), reads the body as the mode does and
    /// judges the response; returns the instants the request passed, as
    /// far as the mode can see them.
    fn send(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>> + Send;
}

/// Sends one request through a client of the current thread (not `Send`).
pub trait LocalSender {
    /// As [`Sender::send`].
    fn send_local(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>>;
}

impl<S: Sender> LocalSender for S {
    fn send_local(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> impl Future<Output = Result<Timeline, ErrorKind>> {
        Sender::send(self, target, id, started)
    }
}

/// The tasks of one run (or a share of them), to be placed by the mode.
pub struct Tasks {
    count: usize,
    schedule: Arc<Schedule>,
    task: Arc<Task>,
}

/// What a task needs besides its client and the schedule.
struct Task {
    plan: Arc<RequestPlan>,
    timeout: Duration,
    live: Arc<Live>,
}

impl Tasks {
    pub(super) fn new(count: usize, schedule: Arc<Schedule>, workload: &Workload) -> Tasks {
        let task = Task {
            plan: Arc::clone(&workload.plan),
            timeout: workload.timeout,
            live: Arc::clone(&workload.live),
        };
        Tasks {
            count,
            schedule,
            task: Arc::new(task),
        }
    }

    /// Runs every task on the runtime's workers, all sharing `client`.
    pub fn spawn<S: Sender>(self, client: Arc<S>) -> Driven {
        let loops: Vec<_> = (0..self.count)
            .map(|_| {
                let client = Arc::clone(&client);
                let (schedule, task) = (Arc::clone(&self.schedule), Arc::clone(&self.task));
                tokio::spawn(async move { task.run(&*client, &schedule).await })
            })
            .collect();
        Box::pin(async move {
            let mut recorded = Vec::with_capacity(loops.len());
            for l in loops {
                recorded.push(l.await?);
            }
            Ok(recorded)
        })
    }

    /// Shares the tasks out over `n` parts (at least one), as evenly as
    /// they go; parts without a task are left out.
    pub fn split(self, n: usize) -> Vec<Tasks> {
        let n = n.max(1);
        (0..n)
            .map(|i| Tasks {
                count: self.count / n + usize::from(i < self.count % n),
                schedule: Arc::clone(&self.schedule),
                task: Arc::clone(&self.task),
            })
            .filter(|t| t.count > 0)
            .collect()
    }

    /// Runs these tasks on the current thread, inside a `LocalSet`, all
    /// sharing `client`.
    pub async fn run_local<S: LocalSender + 'static>(
        self,
        client: Rc<S>,
    ) -> Result<Vec<Recorded>, tokio::task::JoinError> {
        let loops: Vec<_> = (0..self.count)
            .map(|_| {
                let client = Rc::clone(&client);
                let (schedule, task) = (Arc::clone(&self.schedule), Arc::clone(&self.task));
                tokio::task::spawn_local(async move { task.run(&*client, &schedule).await })
            })
            .collect();
        let mut recorded = Vec::with_capacity(loops.len());
        for l in loops {
            recorded.push(l.await?);
        }
        Ok(recorded)
    }
}

impl Task {
    /// Sends requests until the schedule is spent; returns what it
    /// recorded, in total and (with several authorities) per authority.
    async fn run(&self, client: &impl LocalSender, schedule: &Schedule) -> Recorded {
        let mut recorder = Recorder::new();
        let authorities = self.plan.authorities();
        let mut by_authority = vec![Recorder::new(); if authorities > 1 { authorities } else { 0 }];
        // One timer per task, moved forward for each request: a later
        // deadline is an atomic store in tokio's timer, where a timer per
        // request would be inserted into and removed from its wheel every
        // time.
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        while let Some((id, issued)) = schedule.next().await {
            let Some((k, to)) = self.plan.pick(id) else {
                break;
            };
            // In a closed loop a request is issued when it starts.
            let started = match schedule.is_open() {
                false => issued,
                true => Instant::now(),
            };
            deadline
                .as_mut()
                .reset(tokio::time::Instant::from_std(started + self.timeout));
            let outcome = tokio::select! {
                biased;
                outcome = client.send_local(&to, id, started) => Ok(outcome),
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
                self.live.failed.fetch_add(1, Relaxed);
            }
            self.live.completed.fetch_add(1, Relaxed);
        }
        (recorder, by_authority)
    }
}

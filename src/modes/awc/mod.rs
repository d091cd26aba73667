//! `awc`: the actix-web client, run the way actix users run it. Its client
//! is not `Send` (an `Rc` inside): each of the client's worker threads runs
//! a current-thread runtime with a `LocalSet` — what `actix_rt::System`
//! is — and owns one `awc::Client`, and the engine hands each thread its
//! share of the tasks. So `limit` holds per thread, as in an actix-web
//! app, where every worker has its own client: with `threads = 2` the
//! mode may open twice the limit.
//!
//! What awc's `Connector::limit(n)` bounds: requests in flight on one
//! client — across all hosts, not per host — with FIFO waiting (a tokio
//! semaphore). Idle connections hold no permit. `keep_alive = false` sends
//! `Connection: close` on every request (awc's `force_close`).
//!
//! What poolbench can observe of it: awc dials through poolbench's
//! counting connector (its TCP part; awc runs its own TLS over it), so its
//! connections are counted from connect to close; its TLS handshakes and a
//! request's connect and TLS times are awc's own (`-`).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::connect::CountingConnector;
use crate::modes::Exchange;
use crate::scenario::{BodyHandling, HttpVersion};
use crate::tls::TlsTrust;

mod client;
pub use client::AwcClient;

/// The client figures awc does not let poolbench see.
pub const UNOBSERVED: [&str; 2] = ["tls_full", "tls_resumed"];

/// How each thread builds its client.
#[derive(Clone)]
pub struct Settings {
    pub connector: CountingConnector,
    /// What an `https` connection trusts.
    pub tls: Option<TlsTrust>,
    pub http: HttpVersion,
    /// `Connector::limit`: requests in flight per client.
    pub limit: usize,
    /// `false`: `Connection: close` on every request.
    pub keep_alive: bool,
    /// `Connector::conn_keep_alive` (`Some(None)`: never), unless awc's
    /// default (15 s).
    pub idle_timeout: Option<Option<Duration>>,
    /// `Connector::conn_lifetime` (`Some(None)`: never), unless awc's
    /// default (75 s).
    pub max_lifetime: Option<Option<Duration>>,
    pub exchange: Exchange,
    pub body: BodyHandling,
    /// The engine's request timeout: awc's own connect and TLS handshake
    /// timeouts (5 s by default) are set to it, as every other mode waits
    /// that long.
    pub timeout: Duration,
}

/// Work for one thread: given its client, a future to run to its end on
/// the thread's runtime.
pub type Job = Box<dyn FnOnce(Rc<AwcClient>) -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// The worker threads, each with its client. Dropping it ends them, and
/// their connections, before it returns.
pub struct Threads {
    queues: Vec<mpsc::UnboundedSender<Job>>,
    handles: Vec<JoinHandle<()>>,
}

impl Threads {
    /// Starts `threads` threads (at least one), each building its runtime
    /// and its client; returns once every one is ready, or the first
    /// failure (every thread started is ended first).
    pub fn start(settings: &Settings, threads: usize) -> Result<Threads, String> {
        let mut started = Threads {
            queues: Vec::new(),
            handles: Vec::new(),
        };
        let mut readies = Vec::new();
        for i in 0..threads.max(1) {
            let (queue, jobs) = mpsc::unbounded_channel();
            let (ready, is_ready) = std::sync::mpsc::channel();
            let settings = settings.clone();
            let handle = std::thread::Builder::new()
                .name(format!("awc-{i}"))
                .spawn(move || work(&settings, jobs, &ready))
                .map_err(|e| format!("cannot start awc's client thread: {e}"))?;
            started.queues.push(queue);
            started.handles.push(handle);
            readies.push(is_ready);
        }
        for is_ready in readies {
            match is_ready.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err("awc's client thread ended as it started".into()),
            }
        }
        Ok(started)
    }

    /// How many threads (and clients) there are.
    pub fn len(&self) -> usize {
        self.queues.len()
    }

    /// Whether there are none (never: `start` makes one at least).
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// Runs `job` on thread `i`; a thread that has ended drops it.
    pub fn submit(&self, i: usize, job: Job) {
        if let Some(queue) = self.queues.get(i) {
            let _ = queue.send(job);
        }
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.queues.clear();
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

/// A thread's life: its runtime and client (ready, or why not, said on
/// `ready`), running jobs one after another until the queue closes; then
/// the client is dropped on the runtime (awc closes idle connections with a
/// task of its own).
fn work(
    settings: &Settings,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    ready: &std::sync::mpsc::Sender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot build awc's runtime: {e}")));
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let client = match AwcClient::build(settings) {
            Ok(client) => Rc::new(client),
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        while let Some(job) = jobs.recv().await {
            job(Rc::clone(&client)).await;
        }
        drop(client);
        tokio::task::yield_now().await;
    });
}

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
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::kind::{Check, Kind, Refusal, Reuse, Sees, Wait};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::connect::CountingConnector;
use crate::engine::{Drive, Driven, Tasks};
use crate::metrics::load_threads::LOAD_THREAD;
use crate::results::HttpVersion;
use crate::tls::TlsTrust;

mod client;
mod errors;
use client::AwcClient;

pub static KIND: Kind = Kind {
    name: "awc",
    summary: "One `awc::Client` per client thread (awc's is not `Send`), with `Connector::limit`: the actix-web client.",
    limit: true,
    settings: &["keep_alive", "idle_timeout", "max_lifetime"],
    keep_alive_off: false,
    unobserved: &["tls_full", "tls_resumed"],
    sees: Sees {
        build: false,
        wait: Wait::Unseen,
        connect: false,
    },
    opaque: false,
    per_request: false,
    reference: false,
    colour: (31, 120, 180),
    reuse: Reuse {
        http1: Some(AWC_LIMIT),
        http2: Some(AWC_LIMIT),
    },
    check,
    build,
};

const AWC_LIMIT: &str = "awc's Connector::limit bounds requests in flight per client (across hosts), \
     and it runs a client on each client thread";

/// awc has no proxy support, and speaks HTTP/2 by ALPN alone.
fn check(c: &Check) -> Result<(), Refusal> {
    if c.route.proxy {
        return Err(Refusal::new(
            None,
            "awc has no proxy support",
            "run awc in a scenario without [proxy]",
        ));
    }
    if c.spec.http == HttpVersion::Http2 && c.route.plain {
        return Err(Refusal::new(
            None,
            "awc speaks HTTP/2 only over TLS (by ALPN)",
            "run awc over https (tls = true) for HTTP/2, or say http = \"1.1\"",
        ));
    }
    Ok(())
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    let settings = Settings {
        connector: parts.connector,
        tls: parts.trust,
        http: spec.http,
        limit: spec.limit_or_one(),
        keep_alive: !spec.keep_alive_off(),
        idle_timeout: spec.settings.idle_timeout,
        max_lifetime: spec.settings.max_lifetime,
        exchange: parts.exchange,
        timeout: parts.timeout,
    };
    let mut threads = Threads::start(&settings, parts.threads).map_err(anyhow::Error::msg)?;
    // awc runs its TLS over the connection poolbench dials: the watcher of
    // the framing sees ciphertext, and awc's HTTP/1.1 reads no byte beyond
    // a response's end.
    if settings.tls.is_some() && spec.http != HttpVersion::Http2 {
        threads.unobserved = &["overrun_responses"];
    }
    Ok(Arc::new(threads))
}

/// How each thread builds its client.
#[derive(Clone)]
struct Settings {
    connector: CountingConnector,
    /// What an `https` connection trusts.
    tls: Option<TlsTrust>,
    http: HttpVersion,
    /// `Connector::limit`: requests in flight per client.
    limit: usize,
    /// `false`: `Connection: close` on every request.
    keep_alive: bool,
    /// `Connector::conn_keep_alive` (`Some(None)`: never), unless awc's
    /// default (15 s).
    idle_timeout: Option<Option<Duration>>,
    /// `Connector::conn_lifetime` (`Some(None)`: never), unless awc's
    /// default (75 s).
    max_lifetime: Option<Option<Duration>>,
    exchange: Exchange,
    /// The engine's request timeout: awc's own connect and TLS handshake
    /// timeouts (5 s by default) are set to it, as every other mode waits
    /// that long.
    timeout: Duration,
}

/// Work for one thread: given its client, a future to run to its end on
/// the thread's runtime.
type Job = Box<dyn FnOnce(Rc<AwcClient>) -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// The worker threads, each with its client. Dropping it ends them, and
/// their connections, before it returns.
struct Threads {
    queues: Vec<mpsc::UnboundedSender<Job>>,
    handles: Vec<JoinHandle<()>>,
    /// Beyond the kind's list, for its route (see `build`).
    unobserved: &'static [&'static str],
}

impl Threads {
    /// Starts `threads` threads (at least one), each building its runtime
    /// and its client; returns once every one is ready, or the first
    /// failure (every thread started is ended first).
    fn start(settings: &Settings, threads: usize) -> Result<Threads, String> {
        let mut started = Threads {
            queues: Vec::new(),
            handles: Vec::new(),
            unobserved: &[],
        };
        let mut readies = Vec::new();
        for _ in 0..threads.max(1) {
            let (queue, jobs) = mpsc::unbounded_channel();
            let (ready, is_ready) = std::sync::mpsc::channel();
            let settings = settings.clone();
            let handle = std::thread::Builder::new()
                .name(LOAD_THREAD.into())
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
}

/// The mode's tasks shared out over the threads, each thread's on its own
/// client.
impl Drive for Threads {
    fn drive(self: Arc<Self>, tasks: Tasks) -> Driven {
        let mut replies = Vec::new();
        for (share, queue) in tasks.split(self.queues.len()).into_iter().zip(&self.queues) {
            let (reply, recorded) = tokio::sync::oneshot::channel();
            let job: Job = Box::new(move |client: Rc<AwcClient>| {
                Box::pin(async move {
                    let _ = reply.send(share.run_local(client).await);
                })
            });
            // A thread that has ended drops the job, and with it the
            // reply's sender: its reply says so below.
            let _ = queue.send(job);
            replies.push(recorded);
        }
        Box::pin(async move {
            // Every thread's reply, before any failure is told: no thread
            // is left running a job when this returns.
            let mut all = Vec::new();
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
        })
    }
}

impl Mode for Threads {
    fn unobserved(&self) -> &'static [&'static str] {
        self.unobserved
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

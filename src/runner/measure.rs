//! One mode's measured window. It opens after the warmup: the client's
//! connection gauge and the server's peak are reset, CPU times and the
//! TIME_WAIT sockets are read, and the fd sampler starts; all of it is read
//! again when the last request is complete. Afterwards the client is
//! dropped and the runner waits until both sides have closed every
//! connection (and no socket of the mode is still closing), so no mode
//! inherits another's sockets and TIME_WAIT is counted whole.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::engine::{self, Workload};
use crate::engine::{RequestPlan, Stop};
use crate::interrupt::Interrupt;
use crate::metrics::load_threads::{self, LoadReading};
use crate::metrics::os::process_cpu;
use crate::metrics::statuses::Statuses;
use crate::metrics::time_wait::{self, Ports, TimeWaitWatch};
use crate::metrics::{ConnectionGauge, GaugeReading, Sampler, Samples, Sources};
use crate::modes::Mode;
use crate::pool::PoolStats;
use crate::proxy::{ProxyChild, ProxySnapshot};
use crate::results::{ConnectionEnd, Counts, TimeWaitCounts};
use crate::scenario::Load;
use crate::server::ServerSnapshot;
use crate::server::child::ServerChild;

const SOCKETS: &str =
    "cannot read the kernel's socket table (sock_diag) to count TIME_WAIT sockets";

/// What a mode is measured with.
pub struct Setup<'a> {
    /// How hard, and until when.
    pub load: &'a Load,
    /// Its connections cannot be followed to their close (the kind is
    /// opaque): waited for in the socket table instead.
    pub opaque: bool,
    pub client: Arc<dyn Mode>,
    pub gauge: Arc<ConnectionGauge>,
    /// Each authority's gauge, with several.
    pub by_authority: Vec<Arc<ConnectionGauge>>,
    /// What each request is and where it goes.
    pub plan: Arc<RequestPlan>,
    pub ports: Ports,
    /// The error responses by status, as the mode's exchange counts them.
    pub statuses: Arc<Statuses>,
    /// How long to wait for the mode's sockets to close.
    pub settle_limit: Duration,
    pub interrupt: &'a Interrupt,
    /// Told when the measured phase begins and ends.
    pub watching: Option<(&'a dyn super::Watch, super::Measuring)>,
    /// The bundled forward proxy, if the run goes through it.
    pub proxy: Option<&'a mut ProxyChild>,
}

/// Readings taken at one edge of the measured window.
pub struct Edge {
    pub server: Option<ServerSnapshot>,
    pub client: GaugeReading,
    pub cpu: Duration,
    /// Each authority's client gauge, with several.
    pub client_by_authority: Vec<GaugeReading>,
    /// Each authority's server counters, with several.
    pub server_by_authority: Vec<ServerSnapshot>,
    /// The forward proxy's counters, when the run goes through poolbench's.
    pub proxy: Option<ProxySnapshot>,
    /// The load threads' scheduler times.
    pub load: LoadReading,
}

/// Everything read around one mode's measured phase.
pub struct Window {
    /// Server counters before the warmup.
    pub warm_server: Option<ServerSnapshot>,
    pub begin: Edge,
    pub end: Edge,
    pub outcome: engine::Outcome,
    pub samples: Samples,
    pub server_series: Vec<(f64, u64)>,
    /// The pool's counters before and after, for modes with poolbench's pool.
    pub pool: Option<(PoolStats, PoolStats)>,
    pub time_wait: TimeWaitCounts,
    /// How the mode's connections ended, read once every one has closed.
    pub ends: Counts<ConnectionEnd>,
    /// The same, per authority (with several).
    pub ends_by_authority: Vec<Counts<ConnectionEnd>>,
    /// The error responses of the window, by status code.
    pub error_statuses: BTreeMap<u16, u64>,
}

/// Warms up, measures, then drops the client and waits for both sides to
/// close its connections. `None` if interrupted before the window opened.
pub async fn measure(
    m: Setup<'_>,
    mut server: Option<&mut ServerChild>,
) -> anyhow::Result<Option<Window>> {
    let Setup {
        load,
        opaque,
        client,
        gauge,
        by_authority,
        plan,
        ports,
        statuses,
        settle_limit,
        interrupt,
        watching,
        mut proxy,
    } = m;
    let live = Arc::new(engine::Live::default());
    let workload = |stop| workload(load, &plan, stop, &live, interrupt);
    let warm_server = server_stats(&mut server).await?;
    if load.warmup > 0 {
        let warmup = workload(Stop::Requests(load.warmup));
        engine::run(Arc::clone(&client), &warmup).await?;
    }
    if interrupt.is_raised() {
        let deadline = Instant::now() + settle_limit;
        drop(client);
        settle(&gauge, server, deadline).await?;
        return Ok(None);
    }
    let watch = TimeWaitWatch::start(ports).context(SOCKETS)?;
    open_window(&live, (&gauge, &by_authority), &*client);
    let pool_before = client.pool_stats();
    let statuses_before = statuses.snapshot();
    let server_begin = begin_server(&mut server).await?;
    let mut begin = edge(server_begin, &gauge, &by_authority, &server);
    begin.proxy = proxy_stats(&mut proxy).await?;
    let sampler = Sampler::start(Sources {
        connections: Arc::clone(&gauge),
        live: Arc::clone(&live),
        time_wait: Some(watch),
    })?;
    let running = AtomicBool::new(true);
    let load = async {
        let measured = workload(load.stop);
        let load = engine::run(Arc::clone(&client), &measured);
        let outcome = watched(watching.as_ref(), &live, load).await;
        running.store(false, Relaxed);
        outcome
    };
    let (outcome, series) = tokio::join!(load, poll_server(server.as_deref_mut(), &running));
    let (outcome, server_series) = (outcome?, series?);
    let samples = sampler.stop().context(SOCKETS)?;
    let server_end = server_stats(&mut server).await?;
    let mut end = edge(server_end, &gauge, &by_authority, &server);
    end.proxy = proxy_stats(&mut proxy).await?;
    let pool = pool_before.zip(client.pool_stats());
    let error_statuses = crate::metrics::statuses::since(&statuses.snapshot(), &statuses_before);
    let closing = (client, opaque);
    let (samples, time_wait) =
        close(closing, &gauge, (ports, settle_limit), server, samples).await?;
    let ends = gauge.read().ends.since(&begin.client.ends);
    let ends_by_authority = ends_since(&by_authority, &begin.client_by_authority);
    Ok(Some(Window {
        warm_server,
        begin,
        end,
        outcome,
        samples,
        server_series,
        pool,
        time_wait,
        ends,
        ends_by_authority,
        error_statuses,
    }))
}

/// Opens the measured window on the client's side: every gauge that keeps
/// a peak or a running count starts again here, and only here.
///
/// - [`engine::Live`] (requests completed and failed, for the progress
///   line and the time series): zeroed, so the warmup's do not count.
/// - [`ConnectionGauge`] (the client's open connections and their peak,
///   in all and per authority): its peak is set to what is open now; its
///   counts (opened, TLS kinds, ends) are never reset, the window reads
///   them as differences of its two edges.
/// - The mode's own peaks ([`Mode::reset_peaks`]: HTTP/2 streams on one
///   connection).
///
/// The server's peak of open connections is the server's to reset: the
/// first reading of the window ([`ServerChild::begin`]) starts its new
/// peak window, in the server child.
fn open_window(
    live: &engine::Live,
    (gauge, by_authority): (&ConnectionGauge, &[Arc<ConnectionGauge>]),
    mode: &dyn Mode,
) {
    live.reset();
    gauge.reset_peak();
    by_authority.iter().for_each(|g| g.reset_peak());
    mode.reset_peaks();
}

/// The load of one phase (the warmup, or the measured one) until `stop`.
fn workload(
    load: &Load,
    plan: &Arc<RequestPlan>,
    stop: Stop,
    live: &Arc<engine::Live>,
    interrupt: &Interrupt,
) -> Workload {
    Workload {
        plan: Arc::clone(plan),
        stop,
        arrival: load.arrival,
        concurrency: load.concurrency,
        timeout: load.timeout,
        live: Arc::clone(live),
        interrupt: interrupt.clone(),
    }
}

async fn proxy_stats(proxy: &mut Option<&mut ProxyChild>) -> anyhow::Result<Option<ProxySnapshot>> {
    match proxy.as_deref_mut() {
        Some(p) => Ok(Some(p.stats().await?)),
        None => Ok(None),
    }
}

/// Runs the measured `load`, telling the watcher (if any) as it begins and
/// ends.
async fn watched<T>(
    watching: Option<&(&dyn super::Watch, super::Measuring)>,
    live: &Arc<engine::Live>,
    load: impl std::future::Future<Output = T>,
) -> T {
    if let Some((w, what)) = watching {
        w.begin(what, Arc::clone(live));
    }
    let outcome = load.await;
    if let Some((w, _)) = watching {
        w.end();
    }
    outcome
}

/// How each authority's connections ended since `begin`.
fn ends_since(
    gauges: &[Arc<ConnectionGauge>],
    begin: &[GaugeReading],
) -> Vec<Counts<ConnectionEnd>> {
    gauges
        .iter()
        .zip(begin)
        .map(|(g, b)| g.read().ends.since(&b.ends))
        .collect()
}

/// Drops the client, waits for every socket of the mode to close, and
/// counts the TIME_WAIT sockets it left.
async fn close(
    (client, opaque): (Arc<dyn Mode>, bool),
    gauge: &ConnectionGauge,
    (ports, settle_limit): (Ports, Duration),
    server: Option<&mut ServerChild>,
    mut samples: Samples,
) -> anyhow::Result<(Samples, TimeWaitCounts)> {
    let reused_ports = gauge.read().reused_ports;
    let deadline = Instant::now() + settle_limit;
    // A client whose connections poolbench cannot follow is waited for in
    // the socket table: until none of its sockets is open.
    drop(client);
    settle(gauge, server, deadline).await?;
    let left = deadline.saturating_duration_since(Instant::now());
    let still_closing = time_wait::settle(ports, left, opaque)
        .await
        .context(SOCKETS)?;
    let mut watch = samples
        .time_wait
        .take()
        .context("the sampler lost the TIME_WAIT watch")?;
    watch.look().context(SOCKETS)?;
    let (client_side, server_side) = watch.counts();
    let counts = TimeWaitCounts {
        client_side,
        server_side,
        still_closing,
        reused_ports,
    };
    Ok((samples, counts))
}

/// Polls the server's open connections while the engine runs, for the
/// time series: first every 20 ms, the interval doubling whenever the series
/// reaches the sampler's size, as the sampler's does. A command is never cut
/// off midway (that would desynchronise the control channel): the loop only
/// stops between commands.
async fn poll_server(
    server: Option<&mut ServerChild>,
    running: &AtomicBool,
) -> anyhow::Result<Vec<(f64, u64)>> {
    let mut points = Vec::new();
    let Some(server) = server else {
        return Ok(points);
    };
    let start = Instant::now();
    let mut interval = Duration::from_millis(20);
    loop {
        // The first poll at the start, the last after the engine's end.
        let last = !running.load(Relaxed);
        let open = server.stats().await?.open;
        points.push((start.elapsed().as_secs_f64(), open));
        if points.len() >= crate::metrics::sampler::MAX_POINTS {
            points = points.into_iter().skip(1).step_by(2).collect();
            interval *= 2;
        }
        if last {
            return Ok(points);
        }
        // Sleep in short steps so the final poll follows the end closely.
        let wake = tokio::time::Instant::now() + interval;
        while running.load(Relaxed) && tokio::time::Instant::now() < wake {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The readings at one edge of the window, the server's just taken.
fn edge(
    server_now: Option<ServerSnapshot>,
    gauge: &ConnectionGauge,
    by_authority: &[Arc<ConnectionGauge>],
    server: &Option<&mut ServerChild>,
) -> Edge {
    Edge {
        server: server_now,
        client: gauge.read(),
        cpu: process_cpu(),
        client_by_authority: by_authority.iter().map(|g| g.read()).collect(),
        server_by_authority: last_by_authority(server),
        proxy: None,
        load: load_threads::read(),
    }
}

/// Each authority's counters at the server's last reply.
fn last_by_authority(server: &Option<&mut ServerChild>) -> Vec<ServerSnapshot> {
    server
        .as_deref()
        .map_or_else(Vec::new, |s| s.last_authorities.clone())
}

/// Starts the server's new peak window and reads its counters.
async fn begin_server(
    server: &mut Option<&mut ServerChild>,
) -> anyhow::Result<Option<ServerSnapshot>> {
    match server.as_deref_mut() {
        Some(s) => Ok(Some(s.begin().await?)),
        None => Ok(None),
    }
}

async fn server_stats(
    server: &mut Option<&mut ServerChild>,
) -> anyhow::Result<Option<ServerSnapshot>> {
    match server.as_deref_mut() {
        Some(s) => Ok(Some(s.stats().await?)),
        None => Ok(None),
    }
}

/// Waits (until `deadline`) for the client and the server to close every
/// connection of the mode that just ended.
async fn settle(
    gauge: &ConnectionGauge,
    server: Option<&mut ServerChild>,
    deadline: Instant,
) -> anyhow::Result<()> {
    while gauge.read().open > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    if let Some(server) = server {
        server
            .settle(deadline.saturating_duration_since(Instant::now()))
            .await?;
    }
    Ok(())
}

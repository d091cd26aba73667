//! One mode, measured. The measured window starts after the warmup: the
//! client's connection gauge and the server's peak are reset, CPU times and
//! TIME_WAIT sockets are read, and the fd sampler starts; all of it is read
//! again when the last request is complete. Afterwards the client is
//! dropped and the runner waits until both sides have closed every
//! connection, so no mode inherits another's sockets.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::engine::{self, Workload};
use crate::interrupt::Interrupt;
use crate::metrics::os::{FdCounter, process_cpu};
use crate::metrics::time_wait::{self, Ports, TimeWaitWatch};
use crate::metrics::{ConnectionGauge, Sampler, Samples, Sources};
use crate::metrics::{Phase, PhaseRecorder};
use crate::modes::{Exchange, ModeClient};
use crate::results::*;
use crate::scenario::{Arrival, ModeKind, ModeSpec, Scenario, Stop, Target, Transport};
use crate::server::ServerSnapshot;
use crate::server::child::ServerChild;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use super::stage::Stage;

const SOCKETS: &str =
    "cannot read the kernel's socket table (sock_diag) to count TIME_WAIT sockets";

/// How long to wait for both sides to close a mode's connections (plus two
/// round trips of the emulated link, if there is one, up to
/// [`SETTLE_MAX`]); sockets still closing then are reported, not waited for.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);
const SETTLE_MAX: Duration = Duration::from_secs(30);

/// Readings taken at one edge of the measured window.
struct Edge {
    server: Option<ServerSnapshot>,
    client: crate::metrics::GaugeReading,
    cpu: Duration,
}

/// Everything read around one mode's measured phase.
struct Window {
    /// Server counters before the warmup.
    warm_server: Option<ServerSnapshot>,
    begin: Edge,
    end: Edge,
    outcome: engine::Outcome,
    samples: Samples,
    server_series: Vec<(f64, u64)>,
    pool: Option<PoolCounts>,
    time_wait: TimeWaitCounts,
    ends: Counts<ConnectionEnd>,
}

/// Runs `spec` over the stage's endpoint number `endpoint`.
/// `None` if the run was interrupted before the measured window opened.
pub async fn run(
    scenario: &Scenario,
    spec: &ModeSpec,
    stage: &mut Stage,
    endpoint: usize,
    interrupt: &Interrupt,
) -> anyhow::Result<Option<ModeResult>> {
    let fds_before = FdCounter::open()?.count()?;
    let gauge = Arc::new(ConnectionGauge::default());
    let end_point = &stage.endpoints[endpoint];
    let connector = stage.connector(end_point, Arc::clone(&gauge))?;
    let transport = end_point.transport;
    // A client built per request pays for a TLS config only over HTTPS.
    let trust = stage
        .trust
        .clone()
        .filter(|_| transport == Transport::Https);
    let client = Arc::new(ModeClient::new(spec, connector, trust, exchange(scenario)));
    let ports = Ports {
        client: end_point.client_port,
        server: end_point.server_port,
    };
    let url = end_point.url.clone();
    let settle_limit = (SETTLE_LIMIT + 2 * stage.link_rtt()).min(SETTLE_MAX);
    let window = measure(
        scenario,
        client,
        (&gauge, &url, ports, settle_limit),
        stage.server.as_mut(),
        interrupt,
    )
    .await?;
    Ok(window.map(|w| assemble(scenario, spec, transport, fds_before, w)))
}

/// What every request carries (credentials from the target URL) and every
/// response must be: the scenario's `[expect]`, and from the bundled server
/// its own request id back and the configured body size.
fn exchange(scenario: &Scenario) -> Exchange {
    let e = scenario.expect;
    let (bundled, credentials) = match &scenario.target {
        Target::Bundled(config) => (Some(config), None),
        Target::External { credentials, .. } => (None, credentials.as_ref()),
    };
    Exchange {
        authorization: credentials.and_then(|c| http::HeaderValue::try_from(c.header()).ok()),
        echo_id: bundled.is_some(),
        status: e.status.and_then(|s| http::StatusCode::from_u16(s).ok()),
        body_bytes: e.body_bytes.or(bundled.map(|c| c.body_size)),
    }
}

/// Warms up, measures, then drops the client and waits for both sides to
/// close its connections.
async fn measure(
    scenario: &Scenario,
    client: Arc<ModeClient>,
    (gauge, url, ports, settle_limit): (&Arc<ConnectionGauge>, &http::Uri, Ports, Duration),
    mut server: Option<&mut ServerChild>,
    interrupt: &Interrupt,
) -> anyhow::Result<Option<Window>> {
    let load = &scenario.load;
    let completed = Arc::new(AtomicU64::new(0));
    let workload = |stop| Workload {
        uri: url.clone(),
        stop,
        arrival: load.arrival,
        concurrency: load.concurrency,
        timeout: load.timeout,
        completed: Arc::clone(&completed),
        interrupt: interrupt.clone(),
    };
    let warm_server = server_stats(&mut server).await?;
    if load.warmup > 0 {
        engine::run(Arc::clone(&client), &workload(Stop::Requests(load.warmup))).await?;
    }
    if interrupt.is_raised() {
        drop(client);
        let deadline = Instant::now() + settle_limit;
        settle(gauge, server, deadline).await?;
        return Ok(None);
    }
    completed.store(0, Relaxed);
    let watch = TimeWaitWatch::start(ports).context(SOCKETS)?;
    gauge.reset_peak();
    let pool_before = client.pool_stats();
    let begin = Edge {
        server: match server.as_deref_mut() {
            Some(s) => Some(s.begin().await?),
            None => None,
        },
        client: gauge.read(),
        cpu: process_cpu(),
    };
    let sampler = Sampler::start(Sources {
        connections: Arc::clone(gauge),
        completed: Arc::clone(&completed),
        time_wait: Some(watch),
    })?;
    let running = AtomicBool::new(true);
    let (outcome, server_series) = tokio::join!(
        async {
            let outcome = engine::run(Arc::clone(&client), &workload(load.stop)).await;
            running.store(false, Relaxed);
            outcome
        },
        poll_server(server.as_deref_mut(), &running),
    );
    let (outcome, server_series) = (outcome?, server_series?);
    let mut samples = sampler.stop().context(SOCKETS)?;
    let end = Edge {
        cpu: process_cpu(),
        client: gauge.read(),
        server: server_stats(&mut server).await?,
    };
    let pool = client
        .pool_stats()
        .map(|after| pool_counts(&after.totals.since(pool_before.as_ref().map(|b| &b.totals))));
    let reused_ports = gauge.read().reused_ports;
    drop(client);
    let deadline = Instant::now() + settle_limit;
    settle(gauge, server, deadline).await?;
    let left = deadline.saturating_duration_since(Instant::now());
    let still_closing = time_wait::settle(ports, left).await.context(SOCKETS)?;
    let mut watch = samples
        .time_wait
        .take()
        .context("the sampler lost the TIME_WAIT watch")?;
    watch.look().context(SOCKETS)?;
    let (client_side, server_side) = watch.counts();
    let time_wait = TimeWaitCounts {
        client_side,
        server_side,
        still_closing,
        reused_ports,
    };
    let ends = gauge.read().ends.since(&begin.client.ends);
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
    }))
}

/// The mode's results from what was read around its measured phase.
fn assemble(
    scenario: &Scenario,
    spec: &ModeSpec,
    transport: Transport,
    fds_before: u64,
    w: Window,
) -> ModeResult {
    let (begin, end, outcome) = (&w.begin, &w.end, &w.outcome);
    let sent = outcome.sent();
    let per_request = |cpu: Duration| cpu.as_secs_f64() * 1e6 / sent.max(1) as f64;
    let server_delta =
        |f: fn(&ServerSnapshot) -> u64| Some(f(end.server.as_ref()?) - f(begin.server.as_ref()?));
    let observed = |client: u64, server: fn(&ServerSnapshot) -> u64| Observed {
        client,
        server: server_delta(server),
    };
    let handshakes = observed(end.client.opened - begin.client.opened, |s| s.accepted);
    let peak_connections = Observed {
        client: end.client.peak,
        server: end.server.map(|s| s.peak_open),
    };
    let served = observed(outcome.recorder.ok(), |s| s.requests);
    let overrun_responses = observed(
        outcome
            .recorder
            .errors
            .count(crate::metrics::ErrorKind::Protocol),
        |s| s.overruns,
    );
    let mismatches = [
        handshakes.mismatch("handshakes"),
        peak_connections.mismatch("peak_connections"),
        served.mismatch("requests"),
        overrun_responses.mismatch("overrun_responses"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let tls_handshakes = (transport == Transport::Https).then(|| TlsHandshakes {
        full: observed(end.client.tls_full - begin.client.tls_full, |s| s.tls_full),
        resumed: observed(end.client.tls_resumed - begin.client.tls_resumed, |s| {
            s.tls_resumed
        }),
    });
    // The sampler's and the open-loop releaser's own CPU is the load
    // generator's, not the client's.
    let client_cpu = end
        .cpu
        .saturating_sub(begin.cpu)
        .saturating_sub(w.samples.cpu)
        .saturating_sub(outcome.releaser_cpu);
    let mut result = ModeResult {
        mode: spec.kind,
        transport,
        limit: spec.limit.map(|l| l.get()),
        requests: RequestCounts {
            sent,
            ok: outcome.recorder.ok(),
            failed: outcome.recorder.errors.total(),
            server: served.server,
        },
        errors: outcome.recorder.errors.clone(),
        elapsed_s: outcome.elapsed.as_secs_f64(),
        throughput_rps: outcome.recorder.ok() as f64 / outcome.elapsed.as_secs_f64(),
        latency_us: LatencySummary::of(&outcome.recorder.latency),
        breakdown_us: breakdown(&outcome.recorder.phases, scenario, spec, transport),
        handshakes,
        tls_handshakes,
        peak_connections,
        overrun_responses,
        peak_fds: w.samples.peak_fds.saturating_sub(fds_before),
        series: series(&w.samples, fds_before, w.server_series),
        time_wait: w.time_wait,
        connection_ends: w.ends,
        cpu_us_per_request: ObservedF64 {
            client: per_request(client_cpu),
            server: server_delta(|s| s.cpu_us).map(|us| per_request(Duration::from_micros(us))),
        },
        warmup: WarmupCounts {
            requests: scenario.load.warmup,
            handshakes: Observed {
                client: begin.client.opened,
                server: match (&begin.server, &w.warm_server) {
                    (Some(b), Some(warm)) => Some(b.accepted - warm.accepted),
                    _ => None,
                },
            },
        },
        pool: w.pool,
        mismatches,
        rounds: Vec::new(),
    };
    result.rounds = vec![round_figures(&result)];
    result
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

/// The sampler's and the server poller's time series as the results file
/// reports them.
fn series(samples: &Samples, fds_before: u64, server: Vec<(f64, u64)>) -> TimeSeries {
    TimeSeries {
        server_t_s: server.iter().map(|p| p.0).collect(),
        server_open_connections: server.iter().map(|p| p.1).collect(),
        interval_s: samples.interval.as_secs_f64(),
        t_s: samples.series.iter().map(|p| p.at.as_secs_f64()).collect(),
        completed: samples.series.iter().map(|p| p.completed).collect(),
        open_connections: samples.series.iter().map(|p| p.open_connections).collect(),
        open_fds: samples
            .series
            .iter()
            .map(|p| p.open_fds.saturating_sub(fds_before))
            .collect(),
    }
}

/// The phases `spec` can observe, summarised.
fn breakdown(
    phases: &PhaseRecorder,
    scenario: &Scenario,
    spec: &ModeSpec,
    transport: Transport,
) -> Breakdown {
    let summary =
        |phase: Phase, observed: bool| observed.then(|| LatencySummary::of(phases.get(phase)));
    let own_pool = matches!(spec.kind, ModeKind::Pooled | ModeKind::KeepAliveDisabled);
    let sees_connect = spec.kind != ModeKind::HyperUtil;
    Breakdown::from_fn(|phase| match phase {
        Phase::Late => summary(phase, scenario.load.arrival != Arrival::Closed),
        Phase::ClientBuild => summary(phase, spec.kind == ModeKind::PerRequestClient),
        Phase::PoolWait => summary(phase, own_pool),
        Phase::Connect => summary(phase, sees_connect),
        Phase::Tls => summary(phase, sees_connect && transport == Transport::Https),
        Phase::FirstByte | Phase::Body => summary(phase, true),
    })
}

fn pool_counts(stats: &crate::pool::AuthorityStats) -> PoolCounts {
    PoolCounts {
        reuses: stats.reuses,
        waits: stats.waits,
        peak_waiters: stats.peak_waiters,
        wait_us: LatencySummary::of(&stats.wait_us),
        retries: stats.retries,
        discards: stats.discards.clone(),
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

//! Runs a scenario: starts the bundled server (a child process), runs every
//! mode one after another against it with the same workload, and assembles
//! the [`Results`].
//!
//! Each mode is measured in a window that starts after its warmup: the
//! client's connection gauge and the server's peak are reset, CPU times and
//! TIME_WAIT sockets are read, and the fd sampler starts; all of it is read
//! again when the last request is complete. Between modes the client is
//! dropped and the runner waits until both sides have closed every
//! connection, so no mode inherits another's sockets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use http::Uri;

use crate::engine::{self, Workload};
use crate::metrics::os::{FdCounter, NofileLimit, TimeWait, process_cpu, raise_nofile_limit};
use crate::metrics::{ConnectionGauge, FdSampler};
use crate::modes::ModeClient;
use crate::results::*;
use crate::scenario::{Arrival, ModeSpec, Scenario, Stop, Target};
use crate::server::ServerSnapshot;
use crate::server::child::ServerChild;

/// How long to wait for both sides to close a mode's connections.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);

/// How the runner is set up, beyond the scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The `poolbench` binary to start the server child from.
    pub server_exe: PathBuf,
    /// Print a line per mode on stderr.
    pub progress: bool,
}

/// Runs every mode of `scenario` and returns what was measured.
pub async fn run(scenario: &Scenario, options: &RunOptions) -> anyhow::Result<Results> {
    let run_start = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let nofile = raise_nofile_limit().context("cannot raise the open-files limit")?;
    let (mut server, url) = match &scenario.target {
        Target::Bundled(config) => {
            let server = ServerChild::start(&options.server_exe, config).await?;
            let url: Uri = format!("http://{}/", server.addr).parse()?;
            (Some(server), url)
        }
        Target::External { url } => (None, url.clone()),
    };
    let mut modes = Vec::new();
    for spec in &scenario.modes {
        if options.progress {
            eprintln!("poolbench: running {} against {url}", spec.kind.name());
        }
        let result = run_mode(scenario, spec, &url, server.as_mut()).await;
        match result {
            Ok(result) => modes.push(result),
            Err(e) => {
                if let Some(server) = server {
                    let _ = server.stop().await;
                }
                return Err(e.context(format!("mode {} failed", spec.kind.name())));
            }
        }
    }
    if let Some(server) = server {
        server.stop().await?;
    }
    Ok(Results {
        schema_version: SCHEMA_VERSION,
        poolbench_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at,
        run_time_s: run_start.elapsed().as_secs_f64(),
        scenario: scenario_info(scenario, &url),
        environment: environment(nofile),
        modes,
    })
}

/// Readings taken at one edge of the measured window.
struct Edge {
    server: Option<ServerSnapshot>,
    client: crate::metrics::GaugeReading,
    cpu: Duration,
}

async fn run_mode(
    scenario: &Scenario,
    spec: &ModeSpec,
    url: &Uri,
    mut server: Option<&mut ServerChild>,
) -> anyhow::Result<ModeResult> {
    let load = &scenario.load;
    let port = url.port_u16().unwrap_or(80);
    let fds_before = FdCounter::open()?.count()?;
    let gauge = Arc::new(ConnectionGauge::default());
    let client = Arc::new(ModeClient::new(spec, Arc::clone(&gauge)));
    let workload = |stop| Workload {
        uri: url.clone(),
        stop,
        arrival: load.arrival,
        concurrency: load.concurrency,
        timeout: load.timeout,
    };

    let warm_server = server_stats(&mut server).await?;
    if load.warmup > 0 {
        engine::run(Arc::clone(&client), &workload(Stop::Requests(load.warmup))).await?;
    }
    let time_wait_before = TimeWait::read(port)?;
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
    let sampler = FdSampler::start()?;
    let outcome = engine::run(Arc::clone(&client), &workload(load.stop)).await?;
    let fds = sampler.stop()?;
    let end = Edge {
        cpu: process_cpu(),
        client: gauge.read(),
        server: server_stats(&mut server).await?,
    };
    let pool = client
        .pool_stats()
        .map(|after| pool_counts(&after.totals.since(pool_before.as_ref().map(|b| &b.totals))));

    drop(client);
    settle(&gauge, server).await?;
    let (tw_client, tw_server) = TimeWait::read(port)?.new_since(&time_wait_before);

    let sent = outcome.sent();
    let per_request = |cpu: Duration| cpu.as_secs_f64() * 1e6 / sent.max(1) as f64;
    let server_delta =
        |f: fn(&ServerSnapshot) -> u64| Some(f(end.server.as_ref()?) - f(begin.server.as_ref()?));
    let handshakes = Observed {
        client: end.client.opened - begin.client.opened,
        server: server_delta(|s| s.accepted),
    };
    let peak_connections = Observed {
        client: end.client.peak,
        server: end.server.map(|s| s.peak_open),
    };
    let served = Observed {
        client: outcome.recorder.ok(),
        server: server_delta(|s| s.requests),
    };
    let mismatches = [
        handshakes.mismatch("handshakes"),
        peak_connections.mismatch("peak_connections"),
        served.mismatch("requests"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(ModeResult {
        mode: spec.kind,
        limit: spec.limit.map(|l| l.get()),
        requests: RequestCounts {
            sent,
            ok: outcome.recorder.ok(),
            failed: outcome.recorder.errors.total(),
            server: served.server,
        },
        errors: outcome.recorder.errors.to_report(),
        elapsed_s: outcome.elapsed.as_secs_f64(),
        throughput_rps: outcome.recorder.ok() as f64 / outcome.elapsed.as_secs_f64(),
        latency_us: LatencySummary::of(&outcome.recorder.latency),
        handshakes,
        peak_connections,
        peak_fds: fds.peak.saturating_sub(fds_before),
        time_wait: TimeWaitCounts {
            client_side: tw_client,
            server_side: tw_server,
        },
        cpu_us_per_request: ObservedF64 {
            client: per_request(end.cpu.saturating_sub(begin.cpu).saturating_sub(fds.cpu)),
            server: server_delta(|s| s.cpu_us).map(|us| per_request(Duration::from_micros(us))),
        },
        warmup: WarmupCounts {
            requests: load.warmup,
            handshakes: Observed {
                client: begin.client.opened,
                server: match (&begin.server, &warm_server) {
                    (Some(b), Some(w)) => Some(b.accepted - w.accepted),
                    _ => None,
                },
            },
        },
        pool,
        mismatches,
    })
}

fn pool_counts(stats: &crate::pool::AuthorityStats) -> PoolCounts {
    let d = &stats.discards;
    PoolCounts {
        reuses: stats.reuses,
        waits: stats.waits,
        peak_waiters: stats.peak_waiters,
        wait_us: LatencySummary::of(&stats.wait_us),
        retries: stats.retries,
        discards: DiscardReport {
            expired: d.expired,
            closed_by_server: d.closed_by_server,
            unread_body: d.unread_body,
            connection_close: d.connection_close,
            max_requests: d.max_requests,
            error: d.error,
            evicted: d.evicted,
        },
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

/// Waits until the client and the server have closed every connection of
/// the mode that just ended.
async fn settle(gauge: &ConnectionGauge, server: Option<&mut ServerChild>) -> anyhow::Result<()> {
    let deadline = Instant::now() + SETTLE_LIMIT;
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

fn scenario_info(scenario: &Scenario, url: &Uri) -> ScenarioInfo {
    let load = &scenario.load;
    ScenarioInfo {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        file: scenario.file.display().to_string(),
        source: scenario.source.clone(),
        url: url.to_string(),
        server: match &scenario.target {
            Target::Bundled(c) => Some(ServerInfo {
                think_time_us: c.think_time.as_micros() as u64,
                body_size: c.body_size,
                keep_alive_timeout_s: c.keep_alive_timeout.as_secs_f64(),
                max_requests_per_connection: c.max_requests_per_connection,
                threads: c.threads,
                reset_every: c.reset_every,
                slow_body_us: c.slow_body.as_micros() as u64,
            }),
            Target::External { .. } => None,
        },
        load: LoadInfo {
            requests: match load.stop {
                Stop::Requests(n) => Some(n),
                Stop::Duration(_) => None,
            },
            duration_s: match load.stop {
                Stop::Duration(d) => Some(d.as_secs_f64()),
                Stop::Requests(_) => None,
            },
            arrival: ArrivalInfo {
                kind: match load.arrival {
                    Arrival::Closed => "closed",
                    Arrival::Rate(_) => "rate",
                    Arrival::Bursts { .. } => "bursts",
                }
                .to_string(),
                rate_per_s: match load.arrival {
                    Arrival::Rate(r) => Some(r),
                    _ => None,
                },
                burst: match load.arrival {
                    Arrival::Bursts { size, .. } => Some(size),
                    _ => None,
                },
                burst_every_s: match load.arrival {
                    Arrival::Bursts { every, .. } => Some(every.as_secs_f64()),
                    _ => None,
                },
            },
            concurrency: load.concurrency,
            warmup: load.warmup,
            timeout_s: load.timeout.as_secs_f64(),
            threads: load.threads,
        },
    }
}

fn environment(nofile: NofileLimit) -> Environment {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim())
        .to_string();
    Environment {
        cpu_model,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_string(), |k| k.trim().to_string()),
        nofile,
    }
}

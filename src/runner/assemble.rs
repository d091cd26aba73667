//! A mode's results, assembled from what was read around its measured
//! window: counts as the difference of the two edges, each with its
//! observer, the time series, the breakdown by phase.

use std::time::Duration;

use super::measure::Window;
use crate::engine::Arrival;
use crate::metrics::{Phase, PhaseRecorder, Samples};
use crate::modes::{ModeSpec, Wait};
use crate::results::*;
use crate::scenario::Scenario;
use crate::server::ServerSnapshot;

/// The mode's results from what was read around its measured phase.
pub fn assemble(
    scenario: &Scenario,
    spec: &ModeSpec,
    transport: Transport,
    fds_before: u64,
    w: Window,
) -> ModeResult {
    let (begin, end, outcome) = (&w.begin, &w.end, &w.outcome);
    let sent = outcome.sent();
    let server_delta =
        |f: fn(&ServerSnapshot) -> u64| Some(f(end.server.as_ref()?) - f(begin.server.as_ref()?));
    let observed = |client: u64, server: fn(&ServerSnapshot) -> u64| Observed {
        client,
        server: server_delta(server),
    };
    let handshakes = observed(end.client.opened - begin.client.opened, |s| s.accepted);
    let server_peak = end.server.map(|s| s.peak_open);
    let peak_connections = Observed::new(end.client.peak, server_peak);
    let served = observed(outcome.recorder.ok(), |s| s.requests);
    // Bad responses: as the client failed them, as the server sent them.
    let bad = |kinds: &[ErrorKind], server: fn(&ServerSnapshot) -> u64| {
        let errors = &outcome.recorder.errors;
        observed(kinds.iter().map(|k| errors.count(*k)).sum(), server)
    };
    let overrun_responses = bad(&[ErrorKind::Protocol], |s| s.overruns);
    let stale_responses = bad(&[ErrorKind::Mismatched], |s| s.stale);
    let turned_away = bad(TURNED_AWAY, |s| s.turned_away);
    let tls_handshakes = (transport == Transport::Https).then(|| TlsHandshakes {
        full: observed(end.client.tls_full - begin.client.tls_full, |s| s.tls_full),
        resumed: observed(end.client.tls_resumed - begin.client.tls_resumed, |s| {
            s.tls_resumed
        }),
    });
    let mut result = ModeResult {
        unobserved: unobserved(spec),
        http: spec.http,
        proxy: proxy_counts(&w),
        h2: (!spec.http.is_http1()).then(|| h2_counts(&w)),
        cpu_us_per_request: cpu(&w, sent),
        authorities: super::authorities::authorities(scenario, spec, transport, &w),
        warmup: warmup(scenario, &w),
        label: spec.label.clone(),
        mode: spec.kind.id(),
        body: spec.body,
        global_limit: spec.global_limit(),
        keep_alive_off: spec.keep_alive_off(),
        sweep: spec.sweep.clone(),
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
        stale_responses,
        turned_away,
        peak_fds: w.samples.peak_fds.saturating_sub(fds_before),
        series: series(&w.samples, fds_before, w.server_series),
        time_wait: w.time_wait,
        connection_ends: w.ends,
        pool: w
            .pool
            .map(|(b, a)| pool_counts(&a.totals.since(Some(&b.totals)))),
        mismatches: Vec::new(),
        rounds: Vec::new(),
        agents: Vec::new(),
    };
    result.mismatches = result.disagreements();
    result.rounds = vec![round_figures(&result)];
    result
}

/// The warmup's requests and handshakes (the client's and the server's
/// counts when the measured window began).
fn warmup(scenario: &Scenario, w: &Window) -> WarmupCounts {
    WarmupCounts {
        requests: scenario.load.warmup,
        handshakes: Observed {
            client: w.begin.client.opened,
            server: match (&w.begin.server, &w.warm_server) {
                (Some(b), Some(warm)) => Some(b.accepted - warm.accepted),
                _ => None,
            },
        },
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
/// What a client sees of a request turned away over the server's cap.
const TURNED_AWAY: &[ErrorKind] = &[ErrorKind::Refused, ErrorKind::Reset, ErrorKind::Http5xx];

pub(super) fn breakdown(
    phases: &PhaseRecorder,
    scenario: &Scenario,
    spec: &ModeSpec,
    transport: Transport,
) -> Breakdown {
    let summary =
        |phase: Phase, observed: bool| observed.then(|| LatencySummary::of(phases.get(phase)));
    let sees = spec.kind.sees;
    // A wait inside the client (awc's for a permit) is out of sight: it is
    // in the time to the response's head.
    Breakdown::from_fn(|phase| match phase {
        Phase::Late => summary(phase, scenario.load.arrival != Arrival::Closed),
        Phase::ClientBuild => summary(phase, sees.build),
        Phase::PoolWait => summary(phase, sees.wait != Wait::Unseen),
        // A client that dials its own: its connect and TLS times are its own.
        Phase::Connect => summary(phase, sees.connect),
        Phase::Tls => summary(phase, transport == Transport::Https && sees.connect),
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

/// CPU per request, client and server process. The sampler's and the
/// open-loop releaser's own CPU is the load generator's, not the client's.
fn cpu(w: &Window, sent: u64) -> ObservedF64 {
    let per_request = |cpu: Duration| cpu.as_secs_f64() * 1e6 / sent.max(1) as f64;
    let client = w
        .end
        .cpu
        .saturating_sub(w.begin.cpu)
        .saturating_sub(w.samples.cpu)
        .saturating_sub(w.outcome.releaser_cpu);
    let server = match (&w.begin.server, &w.end.server) {
        (Some(b), Some(e)) => Some(per_request(Duration::from_micros(e.cpu_us - b.cpu_us))),
        _ => None,
    };
    ObservedF64 {
        client: per_request(client),
        server,
    }
}

/// The client figures the mode's client does not let poolbench see.
fn unobserved(spec: &ModeSpec) -> Vec<String> {
    spec.kind.unobserved.iter().map(|s| s.to_string()).collect()
}

/// HTTP/2's figures of the measured window.
fn h2_counts(w: &Window) -> H2Counts {
    let (begin, end) = (w.begin.server.as_ref(), w.end.server.as_ref());
    H2Counts {
        peak_streams_client: w.pool.as_ref().and_then(|(_, after)| after.peak_streams),
        peak_streams_server: end.map(|s| s.peak_streams),
        goaways_server: end.zip(begin).map(|(e, b)| e.goaways - b.goaways),
    }
}

/// What the forward proxy counted in the measured window, if it is ours.
fn proxy_counts(w: &Window) -> Option<ProxyCounts> {
    let (b, e) = w.begin.proxy.zip(w.end.proxy)?;
    Some(ProxyCounts {
        accepted: e.accepted - b.accepted,
        upstream: e.upstream - b.upstream,
        tunnels: e.tunnels - b.tunnels,
        forwarded: e.forwarded - b.forwarded,
        failed: e.failed - b.failed,
    })
}

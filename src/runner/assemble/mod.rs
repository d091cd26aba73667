//! A mode's results, assembled from what was read around its measured
//! window, one observer at a time: what the client counted (`client.rs`:
//! the engine's recorders, the connection gauge, the pool), what the
//! bundled server counted (`server.rs`) and what the OS shows
//! (`os.rs`: CPU, fds, the time series); `authorities.rs` does the same
//! per authority. A count is the difference of the window's two edges;
//! where the client and the server both count a thing, this file pairs
//! them (an [`Observed`]).

mod authorities;
mod client;
mod os;
mod ran;
mod server;

use super::measure::Window;
use crate::results::*;
use client::ClientSide;
pub use ran::Ran;
use server::ServerSide;

/// What a client sees of a request turned away over the server's cap.
const TURNED_AWAY: &[ErrorKind] = &[ErrorKind::Refused, ErrorKind::Reset, ErrorKind::Http5xx];

/// The mode's results from what was read around its measured phase.
pub fn assemble(ran: &Ran, w: Window) -> ModeResult {
    let (spec, recorder) = (ran.spec, &w.outcome.recorder);
    let client = ClientSide::of(&w.begin.client, &w.end.client);
    let server = ServerSide::of(w.begin.server.as_ref(), w.end.server.as_ref());
    let both = |client: u64, f: fn(&crate::server::ServerSnapshot) -> u64| {
        Observed::new(client, server.count(f))
    };
    // Bad responses: as the client failed them, as the server sent them.
    let bad = |kinds: &[ErrorKind], f| both(client::failed(recorder, kinds), f);
    let https = ran.transport == Transport::Https;
    let mut result = ModeResult {
        unobserved: (spec.kind.unobserved.iter())
            .chain(ran.unobserved)
            .map(|s| s.to_string())
            .collect(),
        http: spec.http,
        proxy: server::proxy_counts(&w),
        generator: os::generator(&w),
        open_loop: w.outcome.open_loop,
        h2: (!spec.http.is_http1()).then(|| H2Counts {
            peak_streams_client: client::peak_streams(&w),
            peak_streams_server: server.peak(|s| s.peak_streams),
            goaways_server: server.count(|s| s.goaways),
        }),
        cpu_us_per_request: ObservedF64 {
            client: os::cpu_per_request(&w),
            server: server.cpu_per_request(w.outcome.sent()),
        },
        authorities: authorities::authorities(ran, &w),
        warmup: WarmupCounts {
            requests: ran.load.warmup,
            handshakes: Observed::new(w.begin.client.opened, server::warmup_accepted(&w)),
        },
        label: spec.label.clone(),
        mode: spec.kind.id(),
        body: spec.body,
        global_limit: spec.global_limit(),
        keep_alive_off: spec.keep_alive_off(),
        sweep: spec.sweep.clone(),
        transport: ran.transport,
        limit: spec.limit.map(|l| l.get()),
        requests: client::requests(recorder, server.count(|s| s.requests)),
        errors: recorder.errors.clone(),
        error_statuses: w.error_statuses.clone(),
        elapsed_s: w.outcome.elapsed.as_secs_f64(),
        throughput_rps: recorder.ok() as f64 / w.outcome.elapsed.as_secs_f64(),
        latency_us: LatencySummary::of(&recorder.latency),
        breakdown_us: client::breakdown(&recorder.phases, ran),
        handshakes: both(client.opened(), |s| s.accepted),
        tls_handshakes: https.then(|| TlsHandshakes {
            full: both(client.tls_full(), |s| s.tls_full),
            resumed: both(client.tls_resumed(), |s| s.tls_resumed),
        }),
        peak_connections: Observed::new(client.peak(), server.peak(|s| s.peak_open)),
        overrun_responses: bad(&[ErrorKind::Protocol], |s| s.overruns),
        stale_responses: bad(&[ErrorKind::Mismatched], |s| s.stale),
        turned_away: bad(TURNED_AWAY, |s| s.turned_away),
        peak_fds: w.samples.peak_fds.saturating_sub(ran.fds_before),
        series: os::series(&w.samples, ran.fds_before, &w.server_series),
        time_wait: w.time_wait,
        connection_ends: w.ends.clone(),
        pool: client::pool_counts(&w),
        mismatches: Vec::new(),
        rounds: Vec::new(),
        agents: Vec::new(),
    };
    result.mismatches = figures::disagreements(&result);
    result.rounds = vec![figures::round_figures(&result)];
    result
}

//! What the OS shows of the client in the window: its CPU time
//! (getrusage), its open fds and connections over time (the sampler's
//! series from /proc and the gauge) beside the server's polled count.

use std::time::Duration;

use crate::metrics::{Samples, load_threads};
use crate::results::{GeneratorLoad, TimeSeries};
use crate::runner::measure::Window;

/// The client process's CPU per request, µs. The sampler's and the
/// open-loop releaser's own CPU is the load generator's, not the client's.
pub fn cpu_per_request(w: &Window) -> f64 {
    let client = w
        .end
        .cpu
        .saturating_sub(w.begin.cpu)
        .saturating_sub(w.samples.cpu)
        .saturating_sub(w.outcome.releaser_cpu);
    per_request(client, w.outcome.sent())
}

/// How busy the load threads were in the window (OS: their schedstat).
pub fn generator(w: &Window) -> Option<GeneratorLoad> {
    let load = load_threads::between(&w.begin.load, &w.end.load)?;
    Some(GeneratorLoad {
        threads: load.threads,
        cpu_us_per_request: per_request(load.on_cpu, w.outcome.sent()),
    })
}

fn per_request(cpu: Duration, sent: u64) -> f64 {
    cpu.as_secs_f64() * 1e6 / sent.max(1) as f64
}

/// The sampler's and the server poller's time series as the results file
/// reports them.
pub fn series(samples: &Samples, fds_before: u64, server: &[(f64, u64)]) -> TimeSeries {
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

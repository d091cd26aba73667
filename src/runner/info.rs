//! What the results say about the scenario as run and the machine it ran on.

use crate::engine::{Arrival, Stop};
use crate::metrics::os::NofileLimit;
use crate::results::Transport;
use crate::results::*;
use crate::scenario::{Scenario, Target};

/// What the results say of `scenario`, with no secret in it.
pub fn scenario(scenario: &Scenario, urls: Vec<String>, dialled: Vec<String>) -> ScenarioInfo {
    let mut info = as_run(scenario, urls, dialled);
    info.redact(&scenario.redact);
    info
}

fn as_run(scenario: &Scenario, urls: Vec<String>, dialled: Vec<String>) -> ScenarioInfo {
    let load = &scenario.load;
    ScenarioInfo {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        file: scenario.file.display().to_string(),
        source: scenario.source.clone(),
        urls,
        tls: scenario
            .transports
            .contains(&Transport::Https)
            .then_some(TlsInfo {
                version: scenario.tls.version,
                resumption: scenario.tls.resumption,
                verify: scenario.tls.verify,
            }),
        server: match &scenario.target {
            Target::Bundled(c) => Some(server(c)),
            Target::External { .. } => None,
        },
        authorities: scenario
            .authorities
            .iter()
            .map(|a| AuthorityInfo {
                name: a.name.clone(),
                weight: a.weight,
                url: match &a.target {
                    Target::External { url, .. } => Some(url.to_string()),
                    Target::Bundled(_) => None,
                },
                server: a.server().map(server),
            })
            .collect(),
        link: scenario.link.map(|l| LinkInfo {
            rtt_us: l.rtt.as_micros() as u64,
            bandwidth_bytes_per_s: l.bandwidth,
            dialled,
        }),
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
            repeat: load.repeat,
        },
    }
}

pub fn environment(nofile: NofileLimit) -> Environment {
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
        poolbench_commit: env!("POOLBENCH_COMMIT").to_string(),
    }
}

fn server(c: &crate::server::ServerConfig) -> ServerInfo {
    ServerInfo {
        think_time_us: c.think_time.as_micros() as u64,
        body_size: c.body_size,
        keep_alive_timeout_s: c.keep_alive_timeout.as_secs_f64(),
        max_requests_per_connection: c.max_requests_per_connection,
        threads: c.threads,
        reset_every: c.reset_every,
        slow_body_us: c.slow_body.as_micros() as u64,
        body_overrun: c.body_overrun,
        stale_reuse: c.stale_reuse,
        max_connections: c.max_connections,
        over_capacity: c.over_capacity.name().to_string(),
    }
}

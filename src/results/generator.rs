//! The load generator's own load in a mode's window: how busy each of its
//! load threads was and what it cost per request (the kernel's scheduler
//! statistics of poolbench's own threads). A run whose generator was
//! runnable nearly all the time measured the generator, not the server.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A load thread runnable at least this share of the window bounded the
/// run (the verdict says so).
pub const SATURATED: f64 = 0.9;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GeneratorLoad {
    /// Each load thread (OS: /proc/self/task/*/schedstat of the threads
    /// named poolbench-load), in the order the kernel lists them.
    pub threads: Vec<ThreadBusy>,
    /// The load threads' CPU time per request, µs (on-CPU time from the
    /// scheduler; the process's CPU per request adds the other threads').
    pub cpu_us_per_request: f64,
}

/// One load thread's share of the measured window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadBusy {
    /// On a CPU (0..1).
    pub on_cpu: f64,
    /// Runnable: on a CPU or waiting for one (0..1).
    pub runnable: f64,
}

impl GeneratorLoad {
    /// The busiest thread's runnable share.
    pub fn busiest(&self) -> f64 {
        self.threads.iter().map(|t| t.runnable).fold(0.0, f64::max)
    }

    /// The busiest thread, if it bounded the run.
    pub fn saturated(&self) -> Option<ThreadBusy> {
        self.threads
            .iter()
            .copied()
            .filter(|t| t.runnable >= SATURATED)
            .max_by(|a, b| a.runnable.total_cmp(&b.runnable))
    }

    /// Two rounds of one mode as one: shares weighed by each round's
    /// measured time, thread by thread; CPU per request by requests.
    pub fn weighed(
        &self,
        (s, sent): (f64, u64),
        o: &GeneratorLoad,
        (o_s, o_sent): (f64, u64),
    ) -> Self {
        let mean =
            |a: f64, wa: f64, b: f64, wb: f64| (a * wa + b * wb) / (wa + wb).max(f64::MIN_POSITIVE);
        let threads = self
            .threads
            .iter()
            .zip(&o.threads)
            .map(|(a, b)| ThreadBusy {
                on_cpu: mean(a.on_cpu, s, b.on_cpu, o_s),
                runnable: mean(a.runnable, s, b.runnable, o_s),
            })
            .collect();
        GeneratorLoad {
            threads,
            cpu_us_per_request: mean(
                self.cpu_us_per_request,
                sent as f64,
                o.cpu_us_per_request,
                o_sent as f64,
            ),
        }
    }

    /// Several agents' loads at once, each with the requests it sent: all
    /// their threads, CPU per request weighed by requests. `None` if any
    /// agent's load was not seen.
    pub fn side_by_side(parts: &[(Option<&GeneratorLoad>, u64)]) -> Option<Self> {
        let mut threads = Vec::new();
        let (mut cpu, mut sent) = (0.0, 0u64);
        for (load, n) in parts {
            let load = (*load)?;
            threads.extend_from_slice(&load.threads);
            cpu += load.cpu_us_per_request * *n as f64;
            sent = sent.saturating_add(*n);
        }
        Some(GeneratorLoad {
            threads,
            cpu_us_per_request: cpu / sent.max(1) as f64,
        })
    }

    /// "97% 41%": each thread's runnable share.
    pub fn cell(&self) -> String {
        let shares: Vec<String> = (self.threads.iter())
            .map(|t| format!("{:.0}%", t.runnable * 100.0))
            .collect();
        shares.join(" ")
    }
}

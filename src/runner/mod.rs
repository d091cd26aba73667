//! Runs a scenario: sets up the `Stage` (the bundled server child, TLS
//! material, the link emulator child), runs every mode over every transport
//! one after another with the same workload (`mode.rs`), and assembles the
//! [`Results`].

mod assemble;
mod info;
mod measure;
mod mode;
mod requests;
mod stage;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context;

use crate::metrics::os::raise_nofile_limit;
use crate::modes::ModeSpec;
use crate::results::{ModeResult, Results, SCHEMA_VERSION};
use crate::scenario::Scenario;
use stage::Stage;

/// Told as each mode's measured phase begins and ends, to show its
/// progress live.
pub trait Watch: Send + Sync + std::fmt::Debug {
    /// The measured phase of `what` begins; `live` counts its requests.
    fn begin(&self, what: &Measuring, live: Arc<crate::engine::Live>);
    /// Its last request is complete (its sockets may still be closing).
    fn end(&self);
}

/// A mode about to be measured.
#[derive(Debug, Clone)]
pub struct Measuring {
    pub label: String,
    pub url: String,
    /// Which round of how many, with several.
    pub round: Option<(u32, u32)>,
    /// When the measured phase ends.
    pub stop: crate::engine::Stop,
}

impl Measuring {
    /// "running pooled against http://…/ (round 2 of 3)".
    pub fn describe(&self) -> String {
        let of = self
            .round
            .map_or(String::new(), |(r, n)| format!(" (round {r} of {n})"));
        format!("running {} against {}{of}", self.label, self.url)
    }
}

/// How the runner is set up, beyond the scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The `poolbench` binary to start the server and link children from.
    pub server_exe: PathBuf,
    /// Print a line per mode on stderr.
    pub progress: bool,
    /// Shown each mode's progress live, if set.
    pub watch: Option<Arc<dyn Watch>>,
    /// Raised to stop the run early: the report is then partial.
    pub interrupt: crate::interrupt::Interrupt,
}

impl RunOptions {
    /// Quiet, with no interrupt raised: how tests and benchmarks run.
    pub fn new(server_exe: PathBuf) -> RunOptions {
        RunOptions {
            server_exe,
            progress: false,
            watch: None,
            interrupt: Default::default(),
        }
    }
}

/// Runs every mode of `scenario` and returns what was measured.
pub async fn run(scenario: &Scenario, options: &RunOptions) -> anyhow::Result<Results> {
    let run_start = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let nofile = raise_nofile_limit().context("cannot raise the open-files limit")?;
    let mut stage = Stage::start(scenario, &options.server_exe).await?;
    // The children keep the raised limit; the scenario's applies to the client.
    let nofile = match client_nofile(scenario, nofile) {
        Ok(limit) => limit,
        Err(e) => {
            let _ = stage.stop().await;
            return Err(e);
        }
    };
    let urls: Vec<String> = stage.endpoints.iter().map(|e| e.urls()).collect();
    let dialled: Vec<String> = stage.endpoints.iter().map(|e| e.dialled()).collect();
    // One slot per (transport, mode), filled round by round: A B C A B C.
    let plan: Vec<(usize, &ModeSpec)> = (0..urls.len())
        .flat_map(|endpoint| scenario.modes.iter().map(move |spec| (endpoint, spec)))
        .collect();
    let mut rounds: Vec<Vec<ModeResult>> = plan.iter().map(|_| Vec::new()).collect();
    let repeat = scenario.load.repeat;
    let interrupt = &options.interrupt;
    let mut measured = 0;
    'rounds: for round in 1..=repeat {
        for (slot, &(endpoint, spec)) in plan.iter().enumerate() {
            if interrupt.is_raised() {
                break 'rounds;
            }
            let url = &urls[endpoint];
            let what = Measuring {
                label: spec.label.clone(),
                url: url.clone(),
                round: (repeat > 1).then_some((round, repeat)),
                stop: scenario.load.stop,
            };
            let watching = announce(options, what);
            match mode::run(scenario, spec, &mut stage, endpoint, interrupt, watching).await {
                Ok(Some(result)) => {
                    rounds[slot].push(result);
                    measured += 1;
                }
                Ok(None) => break 'rounds,
                Err(e) => {
                    let _ = stage.stop().await;
                    return Err(e.context(format!("mode {} over {url} failed", spec.label)));
                }
            }
        }
    }
    stage.stop().await?;
    let partial = partial(interrupt, measured, plan.len() * repeat as usize);
    let modes = rounds
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(ModeResult::merge_rounds)
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Reports read results, never the engine: the checks are judged on the
    // modes as written.
    let sweeps = crate::results::sweep::sweeps(&modes);
    let gate = crate::gate::evaluate(&scenario.checks, &modes, &sweeps);
    Ok(Results {
        schema_version: SCHEMA_VERSION,
        poolbench_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at,
        run_time_s: run_start.elapsed().as_secs_f64(),
        scenario: info::scenario(scenario, urls, dialled),
        environment: info::environment(nofile),
        gate,
        partial,
        modes,
        sweeps,
        agents: Vec::new(),
    })
}

/// Says a mode is about to run: a plain line on stderr, or to the watcher.
fn announce(options: &RunOptions, what: Measuring) -> Option<(&dyn Watch, Measuring)> {
    if options.progress {
        eprintln!("poolbench: {}", crate::redact::shown(&what.describe()));
    }
    options.watch.as_deref().map(|w| (w, what))
}

/// Why the run stopped early, if a signal stopped it.
fn partial(
    interrupt: &crate::interrupt::Interrupt,
    measured: usize,
    planned: usize,
) -> Option<String> {
    interrupt.signal().map(|signal| {
        format!(
            "interrupted by {}: {measured} of {planned} mode runs measured",
            crate::interrupt::name(signal),
        )
    })
}

/// The client's open-files limit for the run: the scenario's
/// `load.open_files` if it gives one, else the raised limit.
fn client_nofile(
    scenario: &Scenario,
    raised: crate::metrics::os::NofileLimit,
) -> anyhow::Result<crate::metrics::os::NofileLimit> {
    let Some(soft) = scenario.load.open_files else {
        return Ok(raised);
    };
    crate::metrics::os::set_nofile_soft(raised, soft).map_err(|e| {
        scenario
            .error_at(
                "load.open_files",
                format!("cannot set the open-files limit to {soft}: {e}"),
            )
            .help(format!(
                "use at most {} (this machine's hard limit), or raise the hard limit \
                 (ulimit -Hn, as root)",
                raised.hard
            ))
            .into()
    })
}

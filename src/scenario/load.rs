//! `[load]`: how much, how hard and how requests arrive.

use std::time::Duration;

use toml::Spanned;

use super::context::Ctx;
use super::raw::{RawArrival, RawLoad};
use super::{Arrival, Load, ScenarioError, Stop};

/// The most worker threads a runtime may be given (tokio refuses more than
/// 32768; a 2-core machine gains nothing past a few).
pub(super) const MAX_THREADS: u64 = 1024;
/// The most tasks a mode may run: each holds its own histograms, and past
/// this many the scheduler, not the client, is what gets measured.
const MAX_CONCURRENCY: u64 = 100_000;
/// Open-loop rates, requests per second.
const MIN_RATE: f64 = 0.001;
const MAX_RATE: f64 = 100_000_000.0;

/// Requests taking longer than this are counted as timeouts unless the
/// scenario says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn load(cx: &Ctx, raw: &Spanned<RawLoad>) -> Result<Load, ScenarioError> {
    let l = raw.get_ref();
    let stop = stop(cx, raw)?;
    let concurrency = cx.bounded(
        &l.concurrency,
        "load.concurrency",
        MAX_CONCURRENCY,
        "set it to the number of tasks sending requests at once, e.g. 50",
    )? as usize;
    let warmup = match &l.warmup {
        Some(v) => cx.non_negative(
            v,
            "load.warmup",
            "requests sent before measuring; 0 for none",
        )?,
        None => 0,
    };
    let timeout = match &l.timeout {
        Some(v) => longer_than_zero(cx, v, "load.timeout", "e.g. timeout = \"30s\"")?,
        None => DEFAULT_TIMEOUT,
    };
    let threads = match &l.threads {
        Some(v) => cx.bounded(
            v,
            "load.threads",
            MAX_THREADS,
            "the client's worker threads, e.g. 2",
        )? as usize,
        None => default_threads(),
    };
    let open_files = match &l.open_files {
        Some(v) => {
            let n = cx.positive(v, "load.open_files", OPEN_FILES_HELP)?;
            if n < MIN_OPEN_FILES {
                return Err(cx
                    .err(
                        v.span(),
                        "load.open_files",
                        format!("must be at least {MIN_OPEN_FILES} (found {n})"),
                    )
                    .help(format!(
                        "poolbench itself needs about {MIN_OPEN_FILES} descriptors \
                         (runtime, child pipes, samplers); {OPEN_FILES_HELP}"
                    )));
            }
            Some(n)
        }
        None => None,
    };
    let arrival = match &l.arrival {
        Some(a) => schedule(cx, a, stop)?,
        None => Arrival::Closed,
    };
    let repeat = match &l.repeat {
        Some(v) => {
            let n = cx.positive(
                v,
                "load.repeat",
                "rounds per mode, interleaved; e.g. repeat = 3",
            )?;
            u32::try_from(n).map_err(|_| cx.err(v.span(), "load.repeat", "is too large".into()))?
        }
        None => 1,
    };
    Ok(Load {
        stop,
        arrival,
        concurrency,
        warmup,
        timeout,
        threads,
        open_files,
        repeat,
    })
}

/// The fewest open files a scenario may allow the client.
const MIN_OPEN_FILES: u64 = 32;
const OPEN_FILES_HELP: &str = "the client's soft open-files limit for the run (as `ulimit -n` sets it), e.g. open_files = 256";

/// `requests` or `duration`, one of them.
fn stop(cx: &Ctx, raw: &Spanned<RawLoad>) -> Result<Stop, ScenarioError> {
    let l = raw.get_ref();
    match (&l.requests, &l.duration) {
        (Some(_), Some(d)) => Err(cx
            .err(
                d.span(),
                "load.duration",
                "give either requests or duration, not both".into(),
            )
            .help("remove one of them")),
        (Some(n), None) => Ok(Stop::Requests(cx.positive(
            n,
            "load.requests",
            "the number of measured requests per mode, e.g. 1000",
        )?)),
        (None, Some(d)) => Ok(Stop::Duration(longer_than_zero(
            cx,
            d,
            "load.duration",
            "e.g. duration = \"10s\"",
        )?)),
        (None, None) => Err(cx
            .err(
                raw.span(),
                "load",
                "says neither how many requests nor for how long".into(),
            )
            .help("add requests = 1000 or duration = \"10s\" under [load]")),
    }
}

/// A duration that must not be zero.
fn longer_than_zero(
    cx: &Ctx,
    v: &Spanned<String>,
    key: &str,
    help: &str,
) -> Result<Duration, ScenarioError> {
    let d = cx.duration(v, key)?;
    if d.is_zero() {
        return Err(cx
            .err(v.span(), key, "must be longer than 0".into())
            .help(help));
    }
    Ok(d)
}

/// The open-loop schedule; it must end within what poolbench waits for.
fn schedule(cx: &Ctx, raw: &Spanned<RawArrival>, stop: Stop) -> Result<Arrival, ScenarioError> {
    let arrival = arrival(cx, raw)?;
    if let Stop::Requests(n) = stop {
        let last = match arrival {
            Arrival::Rate(r) => (n - 1) as f64 / r,
            Arrival::Bursts { size, every } => ((n - 1) / size) as f64 * every.as_secs_f64(),
            Arrival::Closed => 0.0,
        };
        if last > super::units::MAX_DURATION.as_secs_f64() {
            let days = last / 86400.0;
            return Err(cx
                .err(
                    raw.span(),
                    "load.arrival",
                    format!("{n} requests on this schedule would take {days:.0} days"),
                )
                .help("raise the rate, or give load.duration instead of load.requests"));
        }
    }
    Ok(arrival)
}

fn arrival(cx: &Ctx, raw: &Spanned<RawArrival>) -> Result<Arrival, ScenarioError> {
    let a = raw.get_ref();
    let help = "write arrival = { rate = 2000 } (requests per second) or arrival = { burst = 50, every = \"20ms\" }";
    match (&a.rate, &a.burst, &a.every) {
        (Some(rate), None, None) => {
            let r = *rate.get_ref();
            if !(MIN_RATE..=MAX_RATE).contains(&r) {
                return Err(cx
                    .err(
                        rate.span(),
                        "load.arrival.rate",
                        format!(
                            "must be from {MIN_RATE} to {MAX_RATE:.0} requests per second (found {r})"
                        ),
                    )
                    .help(help));
            }
            Ok(Arrival::Rate(r))
        }
        (None, Some(burst), Some(every)) => {
            let size = cx.positive(burst, "load.arrival.burst", help)?;
            let period = cx.duration(every, "load.arrival.every")?;
            if period.is_zero() {
                return Err(cx
                    .err(
                        every.span(),
                        "load.arrival.every",
                        "must be longer than 0".into(),
                    )
                    .help(help));
            }
            Ok(Arrival::Bursts {
                size,
                every: period,
            })
        }
        _ => Err(cx
            .err(
                raw.span(),
                "load.arrival",
                "needs either `rate`, or both `burst` and `every`".into(),
            )
            .help(help)),
    }
}

/// One worker thread per core, as tokio does by default.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

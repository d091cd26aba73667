//! Samples the client process while a mode runs, on its own thread: open
//! fds every millisecond (for the peak), a time series of completed
//! requests, open connections and open fds for the report's charts, and
//! the mode's TIME_WAIT sockets every few seconds (their watch).
//!
//! The series starts at one point per 10 ms; whenever it reaches
//! [`MAX_POINTS`] it is halved (pairs merged, maxima kept) and the interval
//! doubled, so memory stays bounded however long the mode runs. The thread
//! measures its own CPU time so the runner can take it out of the client's
//! CPU figure.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::gauge::ConnectionGauge;
use super::os::{FdCounter, thread_cpu};
use super::time_wait::TimeWaitWatch;

/// Most points kept in a series.
pub const MAX_POINTS: usize = 512;
const FIRST_INTERVAL: Duration = Duration::from_millis(10);

/// One point of the series: the state at the end of an interval, maxima
/// over it for the gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Since the sampler started.
    pub at: Duration,
    /// Requests completed so far (successful or not).
    pub completed: u64,
    /// Most client connections open during the interval.
    pub open_connections: u64,
    /// Most fds open during the interval.
    pub open_fds: u64,
}

/// What the sampler saw.
#[derive(Debug)]
pub struct Samples {
    /// Most open fds seen in one sample.
    pub peak_fds: u64,
    /// Samples taken.
    pub samples: u64,
    /// CPU time the sampler thread used.
    pub cpu: Duration,
    /// The time series, oldest first.
    pub series: Vec<Point>,
    /// Time between series points at the end.
    pub interval: Duration,
    /// The TIME_WAIT watch, handed back.
    pub time_wait: Option<TimeWaitWatch>,
}

/// What the sampler reads besides the fd table.
pub struct Sources {
    pub connections: Arc<ConnectionGauge>,
    /// Requests completed so far.
    pub live: Arc<super::Live>,
    /// Looked at every few seconds, so a long mode loses no TIME_WAIT socket
    /// to the kernel's 60 s timer.
    pub time_wait: Option<TimeWaitWatch>,
}

pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<io::Result<Samples>>,
}

impl Sampler {
    pub const INTERVAL: Duration = Duration::from_millis(1);

    /// Starts sampling; the first sample is taken before this returns.
    pub fn start(sources: Sources) -> io::Result<Sampler> {
        let mut counter = FdCounter::open()?;
        let first = counter.count()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("poolbench-sampler".into())
            .spawn(move || run(&mut counter, first, sources, &flag))?;
        Ok(Sampler { stop, thread })
    }

    pub fn stop(self) -> io::Result<Samples> {
        self.stop.store(true, Ordering::Release);
        self.thread
            .join()
            .map_err(|_| io::Error::other("the sampler thread panicked"))?
    }
}

fn run(
    counter: &mut FdCounter,
    first: u64,
    mut sources: Sources,
    stop: &AtomicBool,
) -> io::Result<Samples> {
    let cpu_start = thread_cpu();
    let start = Instant::now();
    let mut samples = Samples {
        peak_fds: first,
        samples: 1,
        cpu: Duration::ZERO,
        series: Vec::new(),
        interval: FIRST_INTERVAL,
        time_wait: None,
    };
    let mut next_point = start + samples.interval;
    let (mut fds_max, mut conns_max) = (first, 0);
    loop {
        // Checked before sampling, so the last sample follows the mode's end.
        let stopping = stop.load(Ordering::Acquire);
        let fds = counter.count()?;
        let conns = sources.connections.read().open;
        samples.peak_fds = samples.peak_fds.max(fds);
        samples.samples += 1;
        fds_max = fds_max.max(fds);
        conns_max = conns_max.max(conns);
        let now = Instant::now();
        if now >= next_point || stopping {
            samples.series.push(Point {
                at: now - start,
                completed: sources.live.completed.load(Ordering::Relaxed),
                open_connections: conns_max,
                open_fds: fds_max,
            });
            (fds_max, conns_max) = (fds, conns);
            if samples.series.len() >= MAX_POINTS {
                halve(&mut samples.series);
                samples.interval *= 2;
            }
            next_point = now + samples.interval;
        }
        if stopping {
            break;
        }
        if let Some(watch) = &mut sources.time_wait {
            watch.look_if_due()?;
        }
        std::thread::sleep(Sampler::INTERVAL);
    }
    samples.cpu = thread_cpu().saturating_sub(cpu_start);
    samples.time_wait = sources.time_wait;
    Ok(samples)
}

/// Merges neighbouring points: the later one's time and count, both maxima.
fn halve(series: &mut Vec<Point>) {
    let merged = series
        .chunks(2)
        .map(|pair| {
            let last = pair[pair.len() - 1];
            Point {
                open_connections: pair.iter().map(|p| p.open_connections).max().unwrap_or(0),
                open_fds: pair.iter().map(|p| p.open_fds).max().unwrap_or(0),
                ..last
            }
        })
        .collect();
    *series = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_fds_opened_while_it_runs_and_keeps_a_series() -> Result<(), Box<dyn std::error::Error>>
    {
        let mut counter = FdCounter::open()?;
        let before = counter.count()?;
        let sources = Sources {
            connections: Arc::new(ConnectionGauge::default()),
            live: Arc::default(),
            time_wait: None,
        };
        let live = Arc::clone(&sources.live);
        let sampler = Sampler::start(sources)?;
        let files = (0..20)
            .map(|_| tempfile::tempfile())
            .collect::<Result<Vec<_>, _>>()?;
        live.completed.store(7, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(40));
        drop(files);
        let samples = sampler.stop()?;
        assert!(
            samples.peak_fds >= before + 20,
            "peak {} before {before}",
            samples.peak_fds
        );
        assert!(samples.series.len() >= 2);
        assert_eq!(samples.series.last().map(|p| p.completed), Some(7));
        assert!(samples.series.iter().any(|p| p.open_fds >= before + 20));
        Ok(())
    }

    #[test]
    fn halving_keeps_maxima_and_the_later_count() {
        let p = |ms, completed, conns| Point {
            at: Duration::from_millis(ms),
            completed,
            open_connections: conns,
            open_fds: conns,
        };
        let mut series = vec![p(10, 1, 5), p(20, 3, 2), p(30, 4, 1)];
        halve(&mut series);
        assert_eq!(series, vec![p(20, 3, 5), p(30, 4, 1)]);
    }
}

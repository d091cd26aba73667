//! Samples this process's open fds every millisecond on its own thread while
//! a mode runs, and keeps the peak. The thread measures its own CPU time so
//! the runner can take it out of the client's CPU figure.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::os::{FdCounter, thread_cpu};

/// What the sampler saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdSample {
    /// Most open fds seen in one sample.
    pub peak: u64,
    /// Samples taken.
    pub samples: u64,
    /// CPU time the sampler thread used.
    pub cpu: Duration,
}

pub struct FdSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<io::Result<FdSample>>,
}

impl FdSampler {
    pub const INTERVAL: Duration = Duration::from_millis(1);

    /// Starts sampling; the first sample is taken before this returns.
    pub fn start() -> io::Result<FdSampler> {
        let mut counter = FdCounter::open()?;
        let first = counter.count()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("poolbench-fd-sampler".into())
            .spawn(move || {
                let cpu_start = thread_cpu();
                let mut sample = FdSample {
                    peak: first,
                    samples: 1,
                    cpu: Duration::ZERO,
                };
                loop {
                    // Checked after a sample, so the last one follows the
                    // end of the mode.
                    let stopping = flag.load(Ordering::Acquire);
                    sample.peak = sample.peak.max(counter.count()?);
                    sample.samples += 1;
                    if stopping {
                        break;
                    }
                    std::thread::sleep(Self::INTERVAL);
                }
                sample.cpu = thread_cpu().saturating_sub(cpu_start);
                Ok(sample)
            })?;
        Ok(FdSampler { stop, thread })
    }

    pub fn stop(self) -> io::Result<FdSample> {
        self.stop.store(true, Ordering::Release);
        self.thread
            .join()
            .map_err(|_| io::Error::other("the fd sampler thread panicked"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_fds_opened_while_it_runs() {
        let mut counter = FdCounter::open().unwrap();
        let before = counter.count().unwrap();
        let sampler = FdSampler::start().unwrap();
        let files: Vec<_> = (0..20).map(|_| tempfile::tempfile().unwrap()).collect();
        std::thread::sleep(Duration::from_millis(20));
        drop(files);
        let sample = sampler.stop().unwrap();
        assert!(
            sample.peak >= before + 20,
            "peak {} before {before}",
            sample.peak
        );
        assert!(sample.samples >= 2);
    }
}

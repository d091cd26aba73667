//! Per-task recording of latencies and failures. Each engine task owns one
//! [`Recorder`]; they are merged when the mode ends, so recording takes no
//! lock and memory does not grow with the number of requests.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use hdrhistogram::Histogram;

use super::errors::{ErrorCounts, ErrorKind};
use super::histogram::{new_histogram, record};
use super::timeline::PhaseRecorder;

/// Latencies (µs, 3 significant digits) and failures of one task.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Successful requests' latencies, µs.
    pub latency: Histogram<u64>,
    pub errors: ErrorCounts,
    /// Where successful requests' time went.
    pub phases: PhaseRecorder,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            latency: new_histogram(),
            errors: ErrorCounts::default(),
            phases: PhaseRecorder::default(),
        }
    }

    pub fn success(&mut self, latency: Duration) {
        record(&mut self.latency, latency);
    }

    pub fn failure(&mut self, kind: ErrorKind) {
        self.errors.add(kind, 1);
    }

    pub fn ok(&self) -> u64 {
        self.latency.len()
    }

    pub fn merge(&mut self, other: &Recorder) {
        // Auto-resizing histograms grow to take any other's range.
        let _ = self.latency.add(&other.latency);
        self.errors.merge(&other.errors);
        self.phases.merge(&other.phases);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_latencies_and_errors() {
        let mut a = Recorder::new();
        a.success(Duration::from_micros(100));
        a.failure(ErrorKind::Reset);
        let mut b = Recorder::new();
        b.success(Duration::from_millis(2));
        b.success(Duration::from_nanos(10));
        a.merge(&b);
        assert_eq!(a.ok(), 3);
        assert_eq!(a.errors.total(), 1);
        assert_eq!(a.latency.min(), 1);
        assert!(a.latency.max() >= 1999 && a.latency.max() <= 2001);
    }

    #[test]
    fn histograms_grow_to_an_hour_and_clamp_beyond() {
        let mut r = Recorder::new();
        r.success(Duration::from_secs(5));
        assert!(
            (4_995_000..=5_005_000).contains(&r.latency.max()),
            "{}",
            r.latency.max()
        );
        r.success(Duration::from_secs(10_000));
        assert!(r.latency.max() >= super::super::histogram::MAX_LATENCY_US * 999 / 1000);
        assert_eq!(r.ok(), 2);
    }
}

/// Requests completed so far, and how many of them failed: read live,
/// while the loop runs.
#[derive(Debug, Default)]
pub struct Live {
    pub completed: AtomicU64,
    pub failed: AtomicU64,
}

impl Live {
    /// Starts counting again from zero.
    pub fn reset(&self) {
        self.completed.store(0, Relaxed);
        self.failed.store(0, Relaxed);
    }
}

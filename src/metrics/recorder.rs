//! Per-task recording of latencies and failures. Each engine task owns one
//! [`Recorder`]; they are merged when the mode ends, so recording takes no
//! lock and memory does not grow with the number of requests.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::errors::{ErrorCounts, ErrorKind};

/// Highest latency a histogram can hold: one hour, in µs.
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Latencies (µs, 3 significant digits) and failures of one task.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Successful requests' latencies, µs.
    pub latency: Histogram<u64>,
    pub errors: ErrorCounts,
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
        }
    }

    pub fn success(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        // Sub-microsecond latencies are recorded as 1 µs; beyond the top
        // bound they are clamped rather than lost.
        self.latency.saturating_record(us.max(1));
    }

    pub fn failure(&mut self, kind: ErrorKind) {
        self.errors.add(kind);
    }

    pub fn ok(&self) -> u64 {
        self.latency.len()
    }

    pub fn merge(&mut self, other: &Recorder) {
        // Both histograms share the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        self.errors.merge(&other.errors);
    }
}

/// A histogram with the bounds every latency histogram in poolbench uses.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("static histogram bounds are valid")
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
}

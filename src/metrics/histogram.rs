//! The one shape every latency histogram in poolbench has, and how a
//! duration goes into it.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Highest latency a histogram can hold: one hour, in µs.
pub const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Records a duration in µs. Sub-microsecond values count as 1 µs; beyond
/// an hour they are clamped rather than lost.
pub fn record(h: &mut Histogram<u64>, value: Duration) {
    let us = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
    // Within the clamp an auto-resizing histogram cannot fail to record.
    let _ = h.record(us.clamp(1, MAX_LATENCY_US));
}

/// A histogram as every latency histogram in poolbench is: µs, 3
/// significant digits, starting small and growing to the largest value
/// recorded (a fixed one-hour range would cost ~190 KB per task).
pub fn new_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 2048, 3).expect("static histogram bounds are valid");
    h.auto(true);
    h
}

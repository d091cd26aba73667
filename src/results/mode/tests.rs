//! Rounds of one mode merged into one result.

use super::*;
use crate::results::example;

/// The committed example's pooled mode: every part of a result filled.
fn pooled() -> ModeResult {
    example().modes.remove(0)
}

#[test]
fn two_equal_rounds_sum_counts_keep_peaks_and_rates() {
    let one = pooled();
    let two = ModeResult::merge_rounds(vec![one.clone(), one.clone()]).expect("merges");
    assert_eq!(two.requests.sent, 2 * one.requests.sent);
    assert_eq!(two.requests.server, one.requests.server.map(|s| 2 * s));
    assert_eq!(two.handshakes.client, 2 * one.handshakes.client);
    assert_eq!(two.handshakes.server, one.handshakes.server.map(|s| 2 * s));
    let tls = |m: &ModeResult| m.tls_handshakes.map(|t| t.full.client);
    assert_eq!(tls(&two), tls(&one).map(|f| 2 * f));
    assert_eq!(two.connection_ends.total(), 2 * one.connection_ends.total());
    assert_eq!(two.latency_us.count, 2 * one.latency_us.count);
    assert_eq!(two.latency_us.p50, one.latency_us.p50);
    let pool = |m: &ModeResult| m.pool.as_ref().map(|p| (p.reuses, p.peak_waiters));
    let (reuses, waiters) = pool(&one).expect("pooled has pool counts");
    assert_eq!(pool(&two), Some((2 * reuses, waiters)));
    // Peaks are the most of either round, rates stay rates.
    assert_eq!(two.peak_connections, one.peak_connections);
    assert_eq!(two.peak_fds, one.peak_fds);
    // Recomputed from the sums: the same to the printed precision (the
    // arithmetic, not a time, can differ in the last bit).
    let fixed = |v: f64| format!("{v:.6}");
    assert_eq!(fixed(two.throughput_rps), fixed(one.throughput_rps));
    let cpu = |m: &ModeResult| fixed(m.cpu_us_per_request.client);
    assert_eq!(cpu(&two), cpu(&one));
    assert_eq!(two.rounds.len(), 2 * one.rounds.len());
}

#[test]
fn cpu_per_request_is_weighed_by_requests() {
    let mut small = pooled();
    let mut big = small.clone();
    (small.requests.sent, small.cpu_us_per_request.client) = (100, 10.0);
    (big.requests.sent, big.cpu_us_per_request.client) = (300, 50.0);
    let merged = ModeResult::merge_rounds(vec![small, big]).expect("merges");
    // (100 × 10 + 300 × 50) / 400
    assert_eq!(
        format!("{:.9}", merged.cpu_us_per_request.client),
        "40.000000000"
    );
}

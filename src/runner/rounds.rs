//! `load.repeat = N`: the modes run in N interleaved rounds (A B C A B C…),
//! so slow drift on a shared machine hits every mode alike. The rounds of a
//! mode are merged into one result — histograms merged, counts summed,
//! peaks maxed, CPU per request weighted by requests — and each round's key
//! figures are kept as the spread. The time series (charts) is the first
//! round's.

use anyhow::Context;

use crate::results::*;

/// Merges the rounds of one mode (in round order) into one result.
pub fn merge(rounds: Vec<ModeResult>) -> anyhow::Result<ModeResult> {
    let mut iter = rounds.into_iter();
    let mut merged = iter.next().context("a mode ran no round")?;
    for round in iter {
        absorb(&mut merged, &round)?;
    }
    Ok(merged)
}

/// Adds one round into the merged result. Every field is named (no `..`),
/// so a field added to [`ModeResult`] does not compile until its merge rule
/// is written here.
pub fn absorb(into: &mut ModeResult, r: &ModeResult) -> anyhow::Result<()> {
    let ModeResult {
        label: _,      // the same mode in every round
        mode: _,       // of the same kind
        transport: _,  // and the same transport
        http: _,       // speaking the same HTTP
        unobserved: _, // through the same client
        limit: _,      // and the same limit
        global_limit: _,
        keep_alive_off: _, // with the same settings
        body: _,           // and the same body handling
        sweep: _,          // in the same sweep
        requests,
        errors,
        elapsed_s,
        throughput_rps: _, // recomputed from the merged counts
        latency_us,
        breakdown_us,
        handshakes,
        tls_handshakes,
        peak_connections,
        overrun_responses,
        stale_responses,
        turned_away,
        peak_fds,
        time_wait,
        connection_ends,
        series: _, // the charts show the first round's course
        cpu_us_per_request,
        warmup,
        pool,
        proxy,
        h2,
        mismatches: _, // recomputed from the merged figures
        rounds,
        authorities,
        agents: _, // a run's rounds are one agent's
    } = r;
    // CPU per request is weighed by the requests of each side.
    into.cpu_us_per_request = weigh(
        into.cpu_us_per_request,
        into.requests.sent,
        *cpu_us_per_request,
        requests.sent,
    );
    absorb_requests(&mut into.requests, requests);
    into.errors.merge(errors);
    into.elapsed_s += elapsed_s;
    into.throughput_rps = into.requests.ok as f64 / into.elapsed_s.max(f64::MIN_POSITIVE);
    into.latency_us = merge_summary(&into.latency_us, latency_us)?;
    absorb_breakdown(&mut into.breakdown_us, breakdown_us)?;
    into.handshakes = sum(into.handshakes, *handshakes);
    absorb_tls(&mut into.tls_handshakes, tls_handshakes);
    into.peak_connections = max(into.peak_connections, *peak_connections);
    into.overrun_responses = sum(into.overrun_responses, *overrun_responses);
    into.stale_responses = sum(into.stale_responses, *stale_responses);
    into.turned_away = sum(into.turned_away, *turned_away);
    into.peak_fds = into.peak_fds.max(*peak_fds);
    absorb_time_wait(&mut into.time_wait, time_wait);
    into.connection_ends.merge(connection_ends);
    let WarmupCounts {
        requests: warm,
        handshakes: warm_handshakes,
    } = warmup;
    into.warmup.requests += warm;
    into.warmup.handshakes = sum(into.warmup.handshakes, *warm_handshakes);
    if let (Some(a), Some(o)) = (into.pool.as_mut(), pool) {
        absorb_pool(a, o)?;
    }
    absorb_observers(into, proxy, h2);
    for (a, o) in into.authorities.iter_mut().zip(authorities) {
        absorb_authority(a, o, into.elapsed_s)?;
    }
    into.mismatches = into.disagreements();
    into.rounds.extend(rounds.iter().cloned());
    Ok(())
}

/// The proxy's counts (summed) and HTTP/2's (peaks maxed, GOAWAYs summed).
fn absorb_observers(into: &mut ModeResult, proxy: &Option<ProxyCounts>, h2: &Option<H2Counts>) {
    if let (Some(a), Some(o)) = (into.proxy.as_mut(), proxy) {
        *a = a.plus(*o);
    }
    if let (Some(a), Some(o)) = (into.h2.as_mut(), h2) {
        a.peak_streams_client = a.peak_streams_client.max(o.peak_streams_client);
        a.peak_streams_server = a.peak_streams_server.max(o.peak_streams_server);
        a.goaways_server = a.goaways_server.zip(o.goaways_server).map(|(x, y)| x + y);
    }
}

/// One authority's round into its merged figures; `elapsed_s` is the
/// merged rounds' measured time.
fn absorb_authority(
    into: &mut AuthorityResult,
    r: &AuthorityResult,
    elapsed_s: f64,
) -> anyhow::Result<()> {
    let AuthorityResult {
        name: _,       // the same authority
        weight: _,     // with the same weight
        unobserved: _, // through the same client
        requests,
        errors,
        throughput_rps: _, // recomputed from the merged counts
        latency_us,
        breakdown_us,
        handshakes,
        tls_handshakes,
        peak_connections,
        connection_ends,
    } = r;
    absorb_requests(&mut into.requests, requests);
    into.errors.merge(errors);
    into.throughput_rps = into.requests.ok as f64 / elapsed_s.max(f64::MIN_POSITIVE);
    into.latency_us = merge_summary(&into.latency_us, latency_us)?;
    absorb_breakdown(&mut into.breakdown_us, breakdown_us)?;
    into.handshakes = sum(into.handshakes, *handshakes);
    absorb_tls(&mut into.tls_handshakes, tls_handshakes);
    into.peak_connections = max(into.peak_connections, *peak_connections);
    into.connection_ends.merge(connection_ends);
    Ok(())
}

fn absorb_tls(into: &mut Option<TlsHandshakes>, r: &Option<TlsHandshakes>) {
    if let (Some(a), Some(o)) = (into.as_mut(), r) {
        let TlsHandshakes { full, resumed } = o;
        a.full = sum(a.full, *full);
        a.resumed = sum(a.resumed, *resumed);
    }
}

fn absorb_breakdown(into: &mut Breakdown, r: &Breakdown) -> anyhow::Result<()> {
    for phase in Phase::ALL {
        if let (Some(a), Some(o)) = (into.get_mut(*phase).as_mut(), r.phase(*phase)) {
            *a = merge_summary(a, o)?;
        }
    }
    Ok(())
}

fn absorb_requests(into: &mut RequestCounts, r: &RequestCounts) {
    let RequestCounts {
        sent,
        ok,
        failed,
        server,
    } = r;
    into.sent += sent;
    into.ok += ok;
    into.failed += failed;
    into.server = add_opt(into.server, *server);
}

/// The mean of two per-request figures, weighed by their requests.
fn weigh(a: ObservedF64, a_sent: u64, b: ObservedF64, b_sent: u64) -> ObservedF64 {
    let mean =
        |a: f64, b: f64| (a * a_sent as f64 + b * b_sent as f64) / (a_sent + b_sent).max(1) as f64;
    ObservedF64 {
        client: mean(a.client, b.client),
        server: a.server.zip(b.server).map(|(a, b)| mean(a, b)),
    }
}

fn absorb_time_wait(into: &mut TimeWaitCounts, r: &TimeWaitCounts) {
    let TimeWaitCounts {
        client_side,
        server_side,
        still_closing,
        reused_ports,
    } = r;
    into.client_side += client_side;
    into.server_side += server_side;
    into.still_closing += still_closing;
    into.reused_ports += reused_ports;
}

fn absorb_pool(into: &mut PoolCounts, r: &PoolCounts) -> anyhow::Result<()> {
    let PoolCounts {
        reuses,
        waits,
        peak_waiters,
        wait_us,
        retries,
        discards,
    } = r;
    into.reuses += reuses;
    into.waits += waits;
    into.peak_waiters = into.peak_waiters.max(*peak_waiters);
    into.wait_us = merge_summary(&into.wait_us, wait_us)?;
    into.retries += retries;
    into.discards.merge(discards);
    Ok(())
}

fn merge_summary(a: &LatencySummary, b: &LatencySummary) -> anyhow::Result<LatencySummary> {
    let mut h = a.histogram()?;
    h.add(b.histogram()?).context("histograms do not merge")?;
    Ok(LatencySummary::of(&h))
}

fn add_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    a.zip(b).map(|(a, b)| a + b)
}

pub fn sum(a: Observed, b: Observed) -> Observed {
    Observed {
        client: a.client + b.client,
        server: add_opt(a.server, b.server),
    }
}

fn max(a: Observed, b: Observed) -> Observed {
    Observed {
        client: a.client.max(b.client),
        server: a.server.zip(b.server).map(|(a, b)| a.max(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed example's pooled mode: every part of a result filled.
    fn pooled() -> ModeResult {
        crate::results::example().modes.remove(0)
    }

    #[test]
    fn two_equal_rounds_sum_counts_keep_peaks_and_rates() {
        let one = pooled();
        let two = merge(vec![one.clone(), one.clone()]).expect("merges");
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
        let merged = merge(vec![small, big]).expect("merges");
        // (100 × 10 + 300 × 50) / 400
        assert_eq!(
            format!("{:.9}", merged.cpu_us_per_request.client),
            "40.000000000"
        );
    }
}

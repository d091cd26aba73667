//! `load.repeat = N`: the modes run in N interleaved rounds (A B C A B C…),
//! so slow drift on a shared machine hits every mode alike. The rounds of a
//! mode are merged into one result — histograms merged, counts summed,
//! peaks maxed, CPU per request weighted by requests — and each round's key
//! figures are kept as the spread.

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

fn absorb(into: &mut ModeResult, r: &ModeResult) -> anyhow::Result<()> {
    let (sent_before, sent) = (into.requests.sent, r.requests.sent);
    let q = &mut into.requests;
    q.sent += r.requests.sent;
    q.ok += r.requests.ok;
    q.failed += r.requests.failed;
    q.server = add_opt(q.server, r.requests.server);
    into.errors.merge(&r.errors);
    into.elapsed_s += r.elapsed_s;
    into.throughput_rps = into.requests.ok as f64 / into.elapsed_s.max(f64::MIN_POSITIVE);
    into.latency_us = merge_summary(&into.latency_us, &r.latency_us)?;
    for phase in Phase::ALL {
        if let (Some(a), Some(o)) = (
            into.breakdown_us.get_mut(*phase).as_mut(),
            r.breakdown_us.phase(*phase),
        ) {
            *a = merge_summary(a, o)?;
        }
    }
    into.handshakes = sum(into.handshakes, r.handshakes);
    if let (Some(a), Some(o)) = (into.tls_handshakes.as_mut(), r.tls_handshakes) {
        a.full = sum(a.full, o.full);
        a.resumed = sum(a.resumed, o.resumed);
    }
    into.peak_connections = max(into.peak_connections, r.peak_connections);
    into.overrun_responses = sum(into.overrun_responses, r.overrun_responses);
    into.peak_fds = into.peak_fds.max(r.peak_fds);
    let (t, rt) = (&mut into.time_wait, &r.time_wait);
    t.client_side += rt.client_side;
    t.server_side += rt.server_side;
    t.still_closing += rt.still_closing;
    t.reused_ports += rt.reused_ports;
    into.connection_ends.merge(&r.connection_ends);
    let weigh = |a: f64, b: f64| {
        (a * sent_before as f64 + b * sent as f64) / (sent_before + sent).max(1) as f64
    };
    let cpu = &mut into.cpu_us_per_request;
    cpu.client = weigh(cpu.client, r.cpu_us_per_request.client);
    cpu.server = cpu
        .server
        .zip(r.cpu_us_per_request.server)
        .map(|(a, b)| weigh(a, b));
    into.warmup.requests += r.warmup.requests;
    into.warmup.handshakes = sum(into.warmup.handshakes, r.warmup.handshakes);
    if let (Some(a), Some(o)) = (into.pool.as_mut(), &r.pool) {
        a.reuses += o.reuses;
        a.waits += o.waits;
        a.peak_waiters = a.peak_waiters.max(o.peak_waiters);
        a.wait_us = merge_summary(&a.wait_us, &o.wait_us)?;
        a.retries += o.retries;
        a.discards.merge(&o.discards);
    }
    into.mismatches = into.disagreements();
    into.rounds.extend(r.rounds.iter().cloned());
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

fn sum(a: Observed, b: Observed) -> Observed {
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

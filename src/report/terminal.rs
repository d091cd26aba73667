//! The terminal table: one column per mode, one row per figure, each row
//! naming its observer. Where client and server disagree the cell is marked
//! `≠` and the disagreement is listed under the table.

use std::fmt::Write;

use super::printable;
use crate::results::{Kind, LatencySummary, ModeResult, Observed, Phase, Results};

/// Renders the results as a text table.
pub fn render(results: &Results) -> String {
    let s = &results.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", printable(&s.name), printable(&s.description));
    if let Some(partial) = &results.partial {
        let _ = writeln!(out, "PARTIAL: {partial}");
    }
    let load = match (s.load.requests, s.load.duration_s) {
        (Some(n), _) => format!("{n} requests per mode"),
        (None, Some(d)) => format!("{d} s per mode"),
        (None, None) => String::new(),
    };
    let target = match &s.server {
        Some(server) => format!(
            "{} (bundled server: body {}, think time {} µs)",
            s.urls.join(" and "),
            crate::scenario::units::format_size(server.body_size),
            server.think_time_us
        ),
        None => s.urls.join(" and ").clone(),
    };
    let target = printable(&target);
    let arrival = match (&s.load.arrival.rate_per_s, &s.load.arrival.burst) {
        (Some(rate), _) => format!("open loop at {rate} req/s"),
        (None, Some(burst)) => format!(
            "open loop, bursts of {burst} every {} ms",
            s.load.arrival.burst_every_s.unwrap_or_default() * 1000.0
        ),
        (None, None) => "closed loop".to_string(),
    };
    let _ = writeln!(
        out,
        "{load}, {arrival}, {} tasks, warmup {}, {target}",
        s.load.concurrency, s.load.warmup
    );
    let env = &results.environment;
    let raised = if env.nofile.soft_before != env.nofile.soft {
        format!(" (raised from {})", env.nofile.soft_before)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} cores, kernel {}, open-files limit: soft {}{raised}, hard {}\n",
        env.cores, env.kernel, env.nofile.soft, env.nofile.hard
    );

    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(&ModeResult) -> String| {
        rows.push((label.to_string(), results.modes.iter().map(f).collect()));
    };
    row("", &|m| m.mode.name().to_string());
    if results.scenario.tls.is_some() {
        row("", &|m| m.transport.name().to_string());
    }
    row("", &|m| {
        m.limit.map_or(String::new(), |l| format!("limit {l}"))
    });
    row("requests ok / failed", &|m| {
        format!("{} / {}", m.requests.ok, m.requests.failed)
    });
    row("throughput (req/s)", &|m| {
        format!("{:.0}", m.throughput_rps)
    });
    let latency = |pick: fn(&LatencySummary) -> u64| {
        move |m: &ModeResult| {
            if m.latency_us.count == 0 {
                "-".to_string() // nothing succeeded: no latency
            } else {
                micros(pick(&m.latency_us) as f64)
            }
        }
    };
    row("latency p50", &latency(|l| l.p50));
    row("latency p90", &latency(|l| l.p90));
    row("latency p99", &latency(|l| l.p99));
    row("latency p99.9", &latency(|l| l.p99_9));
    row("latency max", &latency(|l| l.max));
    phase_rows(&mut row, results);
    row("handshakes   client | server", &|m| observed(&m.handshakes));
    if results.scenario.tls.is_some() {
        let na = || "-".to_string();
        row("TLS full     client | server", &|m| {
            m.tls_handshakes.map_or_else(na, |t| observed(&t.full))
        });
        row("TLS resumed  client | server", &|m| {
            m.tls_handshakes.map_or_else(na, |t| observed(&t.resumed))
        });
    }
    row("peak conns   client | server", &|m| {
        observed(&m.peak_connections)
    });
    row("peak fds     OS", &|m| m.peak_fds.to_string());
    let overrun =
        |m: &ModeResult| m.overrun_responses.client > 0 || m.overrun_responses.server > Some(0);
    if results.modes.iter().any(overrun) {
        row("overrun resp client | server", &|m| {
            observed(&m.overrun_responses)
        });
    }
    row("TIME_WAIT    client | server side", &|m| {
        super::time_wait_cell(m)
    });
    row("closed first client | server | RST", &|m| {
        super::ends_cell(m)
    });
    row("CPU µs/req   client | server", &|m| {
        let server = m
            .cpu_us_per_request
            .server
            .map_or("-".to_string(), |s| format!("{s:.1}"));
        format!("{:.1} | {server}", m.cpu_us_per_request.client)
    });
    if results.modes.iter().any(|m| m.pool.is_some()) {
        row("retries      client pool", &|m| super::retries_cell(m));
    }
    if results.modes.iter().any(|m| m.errors != Default::default()) {
        row("errors", &|m| errors(m));
    }
    table(&mut out, &rows);
    footnotes(&mut out, results);

    for m in &results.modes {
        for mm in &m.mismatches {
            let _ = writeln!(
                out,
                "≠ {} ({}): {} client {} vs server {}",
                m.mode.name(),
                m.transport.name(),
                mm.figure,
                mm.client,
                mm.server
            );
        }
    }
    if !results.gate.is_empty() {
        let _ = writeln!(out, "\ngate:");
        for g in &results.gate {
            let mark = if g.passed { "pass" } else { "FAIL" };
            let _ = writeln!(out, "  {mark}  {}    ({})", g.check, g.detail());
        }
    }
    let _ = writeln!(out, "\nrun took {:.1} s", results.run_time_s);
    out
}

/// What a `-` or a `≥` in the table means, when the table has one.
fn footnotes(out: &mut String, results: &Results) {
    if results.scenario.server.is_none() {
        let _ = writeln!(
            out,
            "- server figures need the bundled server: an external target's own \
             counts are not visible to poolbench (TIME_WAIT server side only if it runs \
             on this machine)"
        );
    }
    use crate::results::ErrorKind;
    for kind in [ErrorKind::Emfile, ErrorKind::AddrNotAvail] {
        if let Some(m) = results.modes.iter().find(|m| m.errors.count(kind) > 0) {
            let _ = writeln!(
                out,
                "{} in {}: {}",
                kind.label(),
                m.mode.name(),
                crate::metrics::errors::hint(kind)
            );
        }
    }
    if results.modes.iter().any(|m| m.time_wait.lower_bound()) {
        let _ = writeln!(
            out,
            "≥ TIME_WAIT may be higher: the kernel reused address pairs during the mode \
             (its TIME_WAIT sockets can be recycled before they are seen) or sockets \
             were still closing"
        );
    }
}

/// One row per phase any mode observed: mean and p99.
fn phase_rows(row: &mut impl FnMut(&str, &dyn Fn(&ModeResult) -> String), results: &Results) {
    row("phases       mean | p99", &|_| String::new());
    for &phase in Phase::ALL {
        if results
            .modes
            .iter()
            .any(|m| m.breakdown_us.phase(phase).is_some())
        {
            row(&format!("  {}", phase.label()), &|m| {
                m.breakdown_us
                    .phase(phase)
                    .filter(|s| s.count > 0)
                    .map_or("-".to_string(), |s| {
                        format!("{} | {}", micros(s.mean), micros(s.p99 as f64))
                    })
            });
        }
    }
}

fn table(out: &mut String, rows: &[(String, Vec<String>)]) {
    let label_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let columns = rows.first().map_or(0, |(_, c)| c.len());
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .map(|(_, c)| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (label, cells) in rows {
        let _ = write!(out, "{label:<label_width$}");
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(out, "   {cell:>width$}");
        }
        out.push('\n');
    }
}

fn observed(o: &Observed) -> String {
    match o.server {
        Some(server) if server != o.client => format!("{} | {server} ≠", o.client),
        Some(server) => format!("{} | {server}", o.client),
        None => format!("{} | -", o.client),
    }
}

fn errors(m: &ModeResult) -> String {
    m.errors.summary(crate::results::ErrorKind::label, "0")
}

/// Formats µs for reading: "850 µs", "1.23 ms", "2.50 s".
pub fn micros(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_latencies_by_magnitude() {
        assert_eq!(micros(850.0), "850 µs");
        assert_eq!(micros(1234.0), "1.23 ms");
        assert_eq!(micros(2_500_000.0), "2.50 s");
    }

    #[test]
    fn marks_disagreeing_observers() {
        let same = Observed {
            client: 10,
            server: Some(10),
        };
        let differ = Observed {
            client: 10,
            server: Some(12),
        };
        let external = Observed {
            client: 10,
            server: None,
        };
        assert_eq!(observed(&same), "10 | 10");
        assert_eq!(observed(&differ), "10 | 12 ≠");
        assert_eq!(observed(&external), "10 | -");
    }
}

//! The terminal table: one column per mode, one row per figure, each row
//! naming its observer. Where client and server disagree the cell is marked
//! `≠` and the disagreement is listed under the table.

use std::fmt::Write;

use super::printable;
use super::table::{self, Format, Terminal};
use crate::compare::{Change, Verdict};
use crate::results::Results;

/// Renders the results as a text table.
pub fn render(results: &Results) -> String {
    let mut out = header(results);
    out.push_str(&Terminal.table(&table::figures(results)));
    footnotes(&mut out, results);
    if let Some(by_authority) = table::by_authority(results) {
        let _ = writeln!(out, "\nby authority:");
        out.push_str(&Terminal.table(&by_authority));
    }
    for s in &results.sweeps {
        let _ = writeln!(out, "\n{}", printable(&table::sweep_title(results, s)));
        out.push_str(&Terminal.table(&table::sweep(results, s)));
    }

    for m in &results.modes {
        for mm in &m.mismatches {
            let _ = writeln!(
                out,
                "≠ {} ({}): {} client {} vs server {}",
                m.label,
                m.transport.name(),
                mm.figure,
                mm.client,
                mm.server
            );
        }
    }
    verdict(&mut out, results);
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

/// What the run says and why, under the table (the failed gate is listed
/// with the checks below it).
fn verdict(out: &mut String, results: &Results) {
    let v = super::verdict::verdict(results);
    if v.comparisons.is_empty() && v.causes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nverdict:");
    for s in &v.comparisons {
        let _ = writeln!(out, "  {}", printable(s));
    }
    for s in &v.causes {
        let _ = writeln!(out, "  why: {}", printable(s));
    }
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
            let nofile = &results.environment.nofile;
            let limit = match kind {
                ErrorKind::Emfile => format!(
                    " (the client's limit was {}{})",
                    nofile.soft,
                    nofile.origin().map_or(String::new(), |o| format!(", {o}"))
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{} in {}: {}{limit}",
                kind.label(),
                m.label,
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

/// A comparison as plain text: regressions first, then what got worse and
/// what got better.
pub fn compare_text(changes: &[Change], unmatched: &[String]) -> String {
    let mut out = String::new();
    for (title, verdict) in [
        ("REGRESSIONS", Verdict::Regression),
        ("worse (within tolerance or noise)", Verdict::Worse),
        ("better", Verdict::Better),
    ] {
        let rows: Vec<&Change> = changes.iter().filter(|c| c.verdict == verdict).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for c in rows {
            let note = c
                .note
                .as_deref()
                .map_or(String::new(), |n| format!("  [{n}]"));
            let _ = writeln!(out, "  {}{note}", c.describe());
        }
    }
    let same = changes
        .iter()
        .filter(|c| c.verdict == Verdict::Same)
        .count();
    let _ = writeln!(out, "unchanged: {same} figures");
    for u in unmatched {
        let _ = writeln!(out, "note: {u}");
    }
    out
}

/// The lines above the table: the scenario, the load and target, the
/// machine (and, for a merge, the agents).
fn header(results: &Results) -> String {
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
    let raised = env
        .nofile
        .origin()
        .map_or(String::new(), |o| format!(" ({o})"));
    let _ = writeln!(
        out,
        "{} cores, kernel {}, open-files limit: soft {}{raised}, hard {}",
        env.cores, env.kernel, env.nofile.soft, env.nofile.hard
    );
    if !results.agents.is_empty() {
        let _ = writeln!(
            out,
            "merged from {} agents' runs (poolbench merge): counts and throughput add up; \
             peak conns and peak fds are the sum of each agent's peak",
            results.agents.len()
        );
    }
    out.push('\n');
    out
}

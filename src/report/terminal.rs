//! The terminal view: the summary (a line per mode) and the verdict, or
//! with `detail` the full table: one column per mode, one row per figure,
//! each row naming its observer. Where client and server disagree the cell
//! is marked `≠` and the disagreement is listed under the table.

use std::fmt::Write;

use super::columns::{Colour, Terminal};
use super::table::{self, Format};
use crate::compare::{Change, Verdict};
use crate::redact::controls as printable;
use crate::results::Results;

/// Renders the results in full, 100 columns wide, without colour (as a
/// file gets it).
pub fn render(results: &Results) -> String {
    render_on(results, Terminal::default(), true)
}

/// Renders the results for terminal `t` (its width, and its colour if it
/// has it): the summary, or every figure when `detail`.
pub fn render_on(results: &Results, t: Terminal, detail: bool) -> String {
    let mut out = String::new();
    for line in header(results).lines() {
        wrap(&mut out, line, t.width, "");
    }
    if detail {
        out.push_str(&t.table(&table::figures(results)));
    } else {
        out.push_str(&super::summary::summary(results, t));
    }
    let mut notes = String::new();
    footnotes(&mut notes, results);
    for line in notes.lines() {
        wrap(&mut out, line, t.width, "  ");
    }
    if let Some(by_authority) = table::by_authority(results).filter(|_| detail) {
        let _ = writeln!(out, "\nby authority:");
        out.push_str(&t.table(&by_authority));
    }
    for s in &results.sweeps {
        out.push('\n');
        wrap(
            &mut out,
            &printable(&table::sweep_title(results, s)),
            t.width,
            "  ",
        );
        if detail {
            out.push_str(&t.table(&table::sweep(results, s)));
        }
    }
    for m in &results.modes {
        for mm in &m.mismatches {
            let line = format!(
                "≠ {} ({}): {} client {} vs server {}",
                m.label,
                m.transport.name(),
                mm.figure,
                mm.client,
                mm.server
            );
            let _ = writeln!(out, "{}", t.paint(&line, Colour::Yellow));
        }
    }
    verdict(&mut out, results, t.width);
    if !results.gate.is_empty() {
        let _ = writeln!(out, "\ngate:");
        for g in &results.gate {
            let (mark, colour) = match g.passed {
                true => ("pass", Colour::Green),
                false => ("FAIL", Colour::Red),
            };
            let mut lines = String::new();
            let line = format!("  {mark}  {}    ({})", g.check, g.detail());
            wrap(&mut lines, &line, t.width, "        ");
            out.push_str(&lines.replacen(mark, &t.paint(mark, colour), 1));
        }
    }
    let _ = writeln!(out, "\nrun took {:.1} s", results.run_time_s);
    out
}

/// Appends `line` broken at spaces into lines of at most `width`
/// characters (a word longer than that stays whole); continuation lines
/// start with `indent`.
fn wrap(out: &mut String, line: &str, width: usize, indent: &str) {
    let lead = line.len() - line.trim_start().len();
    let mut current = line[..lead].to_string();
    let mut empty = true;
    for word in line[lead..].split(' ') {
        let fits = current.chars().count() + 1 + word.chars().count() <= width;
        if !empty && !fits {
            out.push_str(current.trim_end());
            out.push('\n');
            current = indent.to_string();
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    out.push_str(current.trim_end());
    out.push('\n');
}

/// What the run says and why, under the table (the failed gate is listed
/// with the checks below it).
fn verdict(out: &mut String, results: &Results, width: usize) {
    let v = super::verdict::verdict(results);
    if v.comparisons.is_empty() && v.causes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nverdict:");
    for s in &v.comparisons {
        wrap(out, &format!("  {}", printable(s)), width, "    ");
    }
    for s in &v.causes {
        wrap(out, &format!("  why: {}", printable(s)), width, "    ");
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
    if let Some(note) = too_short(results) {
        let _ = writeln!(out, "{note}");
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

/// Below this a measured window is too short for its tail to mean much.
const MEANINGFUL_S: f64 = 1.0;

/// "note: pooled was measured for 18 ms …" when a run without checks (a
/// first look, as from `--url`) measured a mode for less than a second,
/// with what to run instead. A scenario with checks asserts counts, which
/// a short run measures as well as a long one.
fn too_short(results: &Results) -> Option<String> {
    if !results.gate.is_empty() {
        return None;
    }
    // A mode that got no answer has a failure to fix first.
    let m = results
        .modes
        .iter()
        .filter(|m| m.requests.ok > 0)
        .min_by(|a, b| a.elapsed_s.total_cmp(&b.elapsed_s))?;
    if m.elapsed_s >= MEANINGFUL_S {
        return None;
    }
    let warmup = match results.scenario.load.warmup {
        0 => " after a warmup (--warmup 1000)",
        _ => "",
    };
    Some(format!(
        "note: {} was measured for {} ({} requests): too short for its tail latencies to \
         mean much — run for longer (-z 10s){warmup}",
        m.label,
        crate::results::format::micros(m.elapsed_s * 1e6),
        m.requests.sent
    ))
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
    if s.tls.as_ref().is_some_and(|t| !t.verify) {
        let _ = writeln!(out, "TLS: {}", super::html::UNVERIFIED);
    }
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The committed example run.
    pub fn thousand() -> Results {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/thousand/results.json"
        );
        crate::report::read_results(std::path::Path::new(path)).unwrap()
    }

    #[test]
    fn the_thousand_report_fits_100_columns_in_blocks_of_modes() {
        let results = thousand();
        let text = render(&results);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{} wide: {line}",
                line.chars().count()
            );
        }
        // Every mode is there, in blocks that repeat the figures' labels.
        for m in &results.modes {
            assert!(text.contains(&m.label), "{}", m.label);
        }
        let rows = |t: &str| t.lines().filter(|l| l.starts_with("handshakes ")).count();
        assert!(rows(&text) >= 2, "{text}");
        // On a wide terminal the modes stand side by side, in one block.
        let wide = render_on(
            &results,
            Terminal {
                width: 250,
                colour: false,
            },
            true,
        );
        // Without detail: the summary, no figure table.
        let summary = render_on(&results, Terminal::default(), false);
        assert_eq!(rows(&summary), 0, "{summary}");
        assert!(summary.contains("verdict:") && summary.contains("gate:"));
        assert_eq!(rows(&wide), 1);
        assert!(!text.contains('\x1b') && !wide.contains('\x1b'));
    }

    #[test]
    fn colour_marks_passes_failures_and_disagreements() {
        let mut results = thousand();
        results.gate[0].passed = false;
        let t = Terminal {
            width: 100,
            colour: true,
        };
        let text = render_on(&results, t, true);
        assert!(text.contains("\x1b[32mpass\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[31mFAIL\x1b[0m"), "{text}");
        // per_request_client's peak connections: client and server disagree.
        assert!(text.contains("\x1b[33m") && text.contains("80 ≠"), "{text}");
    }

    #[test]
    fn a_first_look_too_short_to_mean_much_says_so() {
        let mut results = thousand();
        assert!(
            !render(&results).contains("too short"),
            "a scenario with checks"
        );
        results.gate.clear();
        let text = render(&results);
        let note = &text[text.find("note: ").expect("a note")..];
        assert!(
            note.contains("too short") && note.contains("-z 10s"),
            "{note}"
        );
        for m in &mut results.modes {
            m.elapsed_s = 2.0;
        }
        assert!(!render(&results).contains("too short"));
    }
}

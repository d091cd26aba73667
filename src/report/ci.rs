//! Outputs for CI systems: Markdown for a pull-request comment or a job
//! summary, JUnit XML with one test case per check (or per compared
//! figure), and plain text for `compare`.

use std::fmt::Write;

use crate::compare::{Change, Verdict};
use crate::gate::GateOutcome;
use crate::report::charts::style::label;
use crate::results::Results;

/// A run as Markdown: key figures per mode, then the gate.
pub fn run_markdown(results: &Results) -> String {
    let mut out = format!("### poolbench: {}\n\n", md(&results.scenario.name));
    let _ = writeln!(out, "{}\n", md(&results.scenario.description));
    let _ = write!(out, "| figure |");
    for m in &results.modes {
        let _ = write!(out, " {} |", md(&label(results, m)));
    }
    let _ = write!(out, "\n|---|{}\n", "---:|".repeat(results.modes.len()));
    type Row = (&'static str, fn(&crate::results::ModeResult) -> String);
    let rows: [Row; 7] = [
        ("throughput, req/s (client)", |m| {
            format!("{:.0}", m.throughput_rps)
        }),
        ("latency p50 / p99 (client)", |m| {
            format!(
                "{} / {}",
                us(m.latency_us.p50 as f64),
                us(m.latency_us.p99 as f64)
            )
        }),
        ("errors (client)", |m| m.requests.failed.to_string()),
        ("handshakes (client / server)", |m| observed(m.handshakes)),
        ("peak connections (client / server)", |m| {
            observed(m.peak_connections)
        }),
        ("peak fds (OS)", |m| m.peak_fds.to_string()),
        ("CPU µs/request (client / server)", |m| {
            let server = m
                .cpu_us_per_request
                .server
                .map_or("–".into(), |s| format!("{s:.1}"));
            format!("{:.1} / {server}", m.cpu_us_per_request.client)
        }),
    ];
    for (name, cell) in rows {
        let _ = write!(out, "| {name} |");
        for m in &results.modes {
            let _ = write!(out, " {} |", cell(m));
        }
        out.push('\n');
    }
    out.push_str(&gate_markdown(&results.gate));
    out
}

fn observed(o: crate::results::Observed) -> String {
    match o.server {
        Some(s) if s != o.client => format!("{} / {s} ≠", o.client),
        Some(s) => format!("{} / {s}", o.client),
        None => format!("{} / –", o.client),
    }
}

fn us(v: f64) -> String {
    crate::report::terminal::micros(v)
}

/// The gate as a Markdown table.
pub fn gate_markdown(gate: &[GateOutcome]) -> String {
    if gate.is_empty() {
        return String::new();
    }
    let passed = gate.iter().filter(|g| g.passed).count();
    let mut out = format!(
        "\n**Gate: {passed} of {} checks passed**\n\n| | check | values |\n|---|---|---|\n",
        gate.len()
    );
    for g in gate {
        let mark = if g.passed { "✅" } else { "❌" };
        let _ = writeln!(
            out,
            "| {mark} | `{}` | {} |",
            g.check.replace('`', "'"),
            md(&g.detail())
        );
    }
    out
}

/// The gate as JUnit XML: one test case per check.
pub fn gate_junit(results: &Results) -> String {
    let cases: Vec<(String, Option<String>)> = results
        .gate
        .iter()
        .map(|g| (g.check.clone(), (!g.passed).then(|| g.detail())))
        .collect();
    junit(&format!("poolbench.{}", results.scenario.name), &cases)
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

/// A comparison as Markdown.
pub fn compare_markdown(changes: &[Change], unmatched: &[String]) -> String {
    let regressions = changes
        .iter()
        .filter(|c| c.verdict == Verdict::Regression)
        .count();
    let mut out = format!(
        "### poolbench compare: {}\n\n| | figure | base | new | change | note |\n|---|---|---:|---:|---:|---|\n",
        if regressions == 0 {
            "no regression".to_string()
        } else {
            format!("{regressions} regression(s)")
        }
    );
    for c in changes.iter().filter(|c| c.verdict != Verdict::Same) {
        let mark = match c.verdict {
            Verdict::Regression => "❌",
            Verdict::Worse => "⚠️",
            _ => "✅",
        };
        let _ = writeln!(
            out,
            "| {mark} | `{}.{}` | {} | {} | {:+.1}% | {} |",
            c.mode,
            c.figure,
            crate::gate::format_value(c.base),
            crate::gate::format_value(c.new),
            c.relative * 100.0,
            md(c.note.as_deref().unwrap_or(""))
        );
    }
    for u in unmatched {
        let _ = writeln!(out, "\n_{}_", md(u));
    }
    out
}

/// A comparison as JUnit XML: one test case per compared figure.
pub fn compare_junit(changes: &[Change]) -> String {
    let cases: Vec<(String, Option<String>)> = changes
        .iter()
        .map(|c| {
            (
                format!("{}.{}", c.mode, c.figure),
                (c.verdict == Verdict::Regression).then(|| c.describe()),
            )
        })
        .collect();
    junit("poolbench.compare", &cases)
}

fn junit(suite: &str, cases: &[(String, Option<String>)]) -> String {
    let failures = cases.iter().filter(|c| c.1.is_some()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
        xml(suite),
        cases.len()
    );
    for (name, failure) in cases {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\"",
            xml(suite),
            xml(name)
        );
        match failure {
            Some(message) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
                    xml(message)
                );
            }
            None => out.push_str("/>\n"),
        }
    }
    out.push_str("</testsuite>\n");
    out
}

/// Escapes text for an XML attribute.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Keeps user text from breaking a Markdown table.
fn md(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts_failures() {
        let cases = vec![
            ("pooled.p99 <= 3 * pooled.p50".to_string(), None),
            ("a < \"b\" & c".to_string(), Some("12 < 10".to_string())),
        ];
        let xml = junit("poolbench.x", &cases);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("name=\"a &lt; &quot;b&quot; &amp; c\""));
        assert!(xml.contains("<failure message=\"12 &lt; 10\"/>"));
        assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
    }
}

//! Markdown, for a pull-request comment or a CI job summary: a run (every
//! figure, then the gate) and a comparison of two runs.

use std::fmt::Write;

use super::table::{self, Format, Markdown, markdown as md};
use crate::compare::{Change, Verdict};
use crate::results::format::format_value;
use crate::results::{GateOutcome, Results};

/// A run as Markdown: every figure per mode, then the gate.
pub fn run_markdown(results: &Results) -> String {
    let mut out = format!("### poolbench: {}\n\n", md(&results.scenario.name));
    let _ = writeln!(out, "{}\n", md(&results.scenario.description));
    if let Some(partial) = &results.partial {
        let _ = writeln!(out, "**Partial report:** {}\n", md(partial));
    }
    let verdict = super::verdict::verdict(results);
    for s in verdict.sentences() {
        let _ = writeln!(out, "- {}", md(s));
    }
    if verdict.sentences().next().is_some() {
        out.push('\n');
    }
    out.push_str(&Markdown.table(&table::figures(results)));
    if let Some(by_authority) = table::by_authority(results) {
        out.push_str("\n**By authority**\n\n");
        out.push_str(&Markdown.table(&by_authority));
    }
    for s in &results.sweeps {
        let _ = writeln!(out, "\n**{}**\n", md(&table::sweep_title(results, s)));
        out.push_str(&Markdown.table(&table::sweep(results, s)));
    }
    out.push_str(&gate_markdown(&results.gate));
    out
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
        let unit = c.unit.suffix();
        let _ = writeln!(
            out,
            "| {mark} | `{}.{}` | {}{unit} | {}{unit} | {:+.1}% | {} |",
            c.mode,
            c.figure,
            format_value(c.base),
            format_value(c.new),
            c.relative * 100.0,
            md(c.note.as_deref().unwrap_or(""))
        );
    }
    for u in unmatched {
        let _ = writeln!(out, "\n_{}_", md(u));
    }
    out
}

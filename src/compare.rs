//! `poolbench compare base.json new.json`: mode by mode, figure by figure,
//! what got better and what got worse, and whether anything got worse by
//! more than the tolerance — outside the noise, when the runs have rounds.
//!
//! Noise: a run with `load.repeat = N` records each figure once per round.
//! When both runs have rounds, a change is only called a regression if it
//! is beyond the tolerance *and* the two runs' ranges do not overlap (the
//! new run's best round is worse than the old run's worst), so one unlucky
//! round on a shared machine does not fail a build.

use crate::gate::format_value;
use crate::report::charts::style::label;
use crate::results::{ModeResult, Results};

/// Whether more of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    Higher,
    Lower,
}

/// A figure compare looks at.
struct Compared {
    name: &'static str,
    better: Better,
    value: fn(&ModeResult) -> f64,
    /// The same figure in one round.
    round: fn(&crate::results::RoundFigures) -> f64,
}

const COMPARED: &[Compared] = &[
    Compared {
        name: "throughput",
        better: Better::Higher,
        value: |m| m.throughput_rps,
        round: |r| r.throughput_rps,
    },
    Compared {
        name: "p50",
        better: Better::Lower,
        value: |m| m.latency_us.p50 as f64,
        round: |r| r.p50_us as f64,
    },
    Compared {
        name: "p99",
        better: Better::Lower,
        value: |m| m.latency_us.p99 as f64,
        round: |r| r.p99_us as f64,
    },
    Compared {
        name: "errors",
        better: Better::Lower,
        value: |m| m.requests.failed as f64,
        round: |r| r.failed as f64,
    },
    Compared {
        name: "handshakes",
        better: Better::Lower,
        value: |m| m.handshakes.client as f64,
        round: |r| r.handshakes as f64,
    },
    Compared {
        name: "peak_connections",
        better: Better::Lower,
        value: |m| m.peak_connections.client as f64,
        round: |r| r.peak_connections as f64,
    },
    Compared {
        name: "peak_fds",
        better: Better::Lower,
        value: |m| m.peak_fds as f64,
        round: |r| r.peak_fds as f64,
    },
    Compared {
        name: "cpu.client",
        better: Better::Lower,
        value: |m| m.cpu_us_per_request.client,
        round: |r| r.cpu_us_client,
    },
];

/// How a figure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Same,
    /// Worse, but within the tolerance or the noise.
    Worse,
    /// Worse beyond the tolerance and outside the noise.
    Regression,
}

/// One figure of one mode, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub mode: String,
    pub figure: &'static str,
    pub base: f64,
    pub new: f64,
    /// (new - base) / base; for a zero base, relative to 1.
    pub relative: f64,
    pub verdict: Verdict,
    /// Why a worse figure is not a regression, if it is not.
    pub note: Option<String>,
}

impl Change {
    pub fn describe(&self) -> String {
        format!(
            "{}.{}: {} → {} ({:+.1}%)",
            self.mode,
            self.figure,
            format_value(self.base),
            format_value(self.new),
            self.relative * 100.0
        )
    }
}

/// Compares every mode present in both runs.
pub fn compare(base: &Results, new: &Results, tolerance: f64) -> Vec<Change> {
    let mut changes = Vec::new();
    for n in &new.modes {
        let Some(b) = base
            .modes
            .iter()
            .find(|b| b.mode == n.mode && b.transport == n.transport)
        else {
            continue;
        };
        for c in COMPARED {
            let (bv, nv) = ((c.value)(b), (c.value)(n));
            let relative = (nv - bv) / if bv == 0.0 { 1.0 } else { bv.abs() };
            let worse = match c.better {
                Better::Higher => -relative,
                Better::Lower => relative,
            };
            let (verdict, note) = if worse.abs() < 1e-9 {
                (Verdict::Same, None)
            } else if worse < 0.0 {
                (Verdict::Better, None)
            } else if worse <= tolerance {
                (
                    Verdict::Worse,
                    Some(format!("within the {:.0}% tolerance", tolerance * 100.0)),
                )
            } else if overlapping(b, n, c) {
                (
                    Verdict::Worse,
                    Some("within the noise: the rounds' ranges overlap".to_string()),
                )
            } else {
                (Verdict::Regression, None)
            };
            changes.push(Change {
                mode: label(new, n),
                figure: c.name,
                base: bv,
                new: nv,
                relative,
                verdict,
                note,
            });
        }
    }
    changes
}

/// With rounds on both sides: do the ranges of the figure overlap?
fn overlapping(b: &ModeResult, n: &ModeResult, c: &Compared) -> bool {
    if b.rounds.len() < 2 || n.rounds.len() < 2 {
        return false;
    }
    let range = |m: &ModeResult| {
        m.rounds
            .iter()
            .map(c.round)
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let ((b_lo, b_hi), (n_lo, n_hi)) = (range(b), range(n));
    n_lo <= b_hi && b_lo <= n_hi
}

/// Modes in one run that the other lacks, for the report.
pub fn unmatched(base: &Results, new: &Results) -> Vec<String> {
    let missing = |from: &Results, to: &Results, what: &str| -> Vec<String> {
        from.modes
            .iter()
            .filter(|m| {
                !to.modes
                    .iter()
                    .any(|o| o.mode == m.mode && o.transport == m.transport)
            })
            .map(|m| format!("{} only in the {what} run", label(from, m)))
            .collect()
    };
    let mut all = missing(base, new, "base");
    all.extend(missing(new, base, "new"));
    all
}

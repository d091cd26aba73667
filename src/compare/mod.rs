//! `poolbench compare base.json new.json`: mode by mode, figure by figure,
//! what got better and what got worse, and whether anything got worse by
//! more than the tolerance — outside the noise, when the runs have rounds.
//!
//! Noise: a run with `load.repeat = N` records each figure once per round.
//! When both runs have rounds, a change is only called a regression if it
//! is beyond the tolerance *and* the two runs' ranges do not overlap (the
//! new run's best round is worse than the old run's worst), so one unlucky
//! round on a shared machine does not fail a build.
//!
//! Two runs are compared only if they ran the same scenario the same way
//! ([`comparable`]); their figures are compared as means per round, so runs
//! with a different number of rounds compare without spurious changes in
//! counts (which are sums over rounds).

mod comparable;

pub use comparable::{circumstances, differences};

use crate::results::figures::{Better, FIGURES, Figure};
use crate::results::format::format_value;
use crate::results::{ModeResult, Results, label};

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
            .find(|b| b.label == n.label && b.transport == n.transport)
        else {
            continue;
        };
        for c in FIGURES.iter().filter(|f| f.compared) {
            let (Some(bv), Some(nv)) = (per_round(b, c), per_round(n, c)) else {
                continue;
            };
            let relative = (nv - bv) / if bv == 0.0 { 1.0 } else { bv.abs() };
            let worse = match c.better {
                Better::Higher => -relative,
                Better::Lower => relative,
                Better::Neither => 0.0,
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

/// A figure's mean over the mode's rounds (its value, for one round).
fn per_round(m: &ModeResult, c: &Figure) -> Option<f64> {
    let values: Vec<f64> = m
        .rounds
        .iter()
        .filter_map(|r| r.get(c.name).copied())
        .collect();
    if values.is_empty() || values.len() != m.rounds.len() {
        return c.value(m, None);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// With rounds on both sides: do the ranges of the figure overlap?
fn overlapping(b: &ModeResult, n: &ModeResult, c: &Figure) -> bool {
    if b.rounds.len() < 2 || n.rounds.len() < 2 {
        return false;
    }
    let range = |m: &ModeResult| {
        m.rounds
            .iter()
            .filter_map(|r| r.get(c.name).copied())
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
                    .any(|o| o.label == m.label && o.transport == m.transport)
            })
            .map(|m| format!("{} only in the {what} run", label(from, m)))
            .collect()
    };
    let mut all = missing(base, new, "base");
    all.extend(missing(new, base, "new"));
    all
}

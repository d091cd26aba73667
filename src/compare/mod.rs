//! `poolbench compare base.json new.json`: mode by mode, figure by figure,
//! what got better and what got worse, and whether anything got worse
//! beyond its tolerance and beyond chance.
//!
//! A figure is a *regression* when it got worse by more than its tolerance
//! (10% by default, 0 for counts such as handshakes and errors, or set per
//! figure) **and**, when both runs have at least 3 rounds, the per-round
//! values say so at p ≤ 0.05 by the exact one-sided Mann-Whitney U test
//! ([`stats`]). With fewer rounds no significance can be claimed: the
//! tolerance alone decides, and the note says so.
//!
//! Two runs are compared only if they ran the same scenario the same way
//! ([`comparable`]); their figures are compared as means per round, so runs
//! with a different number of rounds compare without spurious changes in
//! counts (which are sums over rounds).

mod comparable;
mod stats;

pub use comparable::{circumstances, differences};

use crate::results::figures::{Better, FIGURES, Figure, Unit};
use crate::results::format::format_value;
use crate::results::{ModeResult, Results, label};

/// How a figure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Same,
    /// Worse, but within the tolerance or the noise.
    Worse,
    /// Worse beyond the tolerance and, where rounds allow a test, beyond
    /// chance.
    Regression,
}

/// How much worse each figure may get before it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerances {
    /// For figures not named below, except counts.
    pub default: f64,
    /// Per figure, by name (`p99`, `handshakes`).
    pub figures: Vec<(String, f64)>,
}

impl Tolerances {
    /// The same tolerance for every figure but the counts (exact).
    pub fn uniform(default: f64) -> Tolerances {
        Tolerances {
            default,
            figures: Vec::new(),
        }
    }

    /// The tolerance of `figure`: its own if given, 0 for a count (counts
    /// are exact: one more handshake per round is one more), else the
    /// default.
    pub fn of(&self, figure: &Figure) -> f64 {
        match self.figures.iter().rev().find(|(n, _)| n == figure.name) {
            Some((_, t)) => *t,
            None if figure.unit == Unit::Count => 0.0,
            None => self.default,
        }
    }
}

/// One figure of one mode, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub mode: String,
    pub figure: &'static str,
    /// The figure's unit, as values are written.
    pub unit: Unit,
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
        let unit = self.unit.suffix();
        format!(
            "{}.{}: {}{unit} → {}{unit} ({:+.1}%)",
            self.mode,
            self.figure,
            format_value(self.base),
            format_value(self.new),
            self.relative * 100.0
        )
    }
}

/// Compares every mode present in both runs.
pub fn compare(base: &Results, new: &Results, tolerances: &Tolerances) -> Vec<Change> {
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
            let (verdict, note) = judge(b, n, c, relative, tolerances.of(c));
            changes.push(Change {
                mode: label(new, n),
                figure: c.name,
                unit: c.unit,
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

/// The verdict on one figure's change, and why where it needs saying.
fn judge(
    b: &ModeResult,
    n: &ModeResult,
    c: &Figure,
    relative: f64,
    tolerance: f64,
) -> (Verdict, Option<String>) {
    let worse = match c.better {
        Better::Higher => -relative,
        Better::Lower => relative,
        Better::Neither => 0.0,
    };
    if worse.abs() < 1e-9 {
        return (Verdict::Same, None);
    }
    if worse < 0.0 {
        return (Verdict::Better, None);
    }
    if worse <= tolerance {
        let note = format!("within the {}% tolerance", format_value(tolerance * 100.0));
        return (Verdict::Worse, Some(note));
    }
    let (bs, ns) = (rounds(b, c), rounds(n, c));
    if bs.len() < stats::MIN_ROUNDS || ns.len() < stats::MIN_ROUNDS {
        let note = format!(
            "{} and {} rounds: too few for a significance test ({} a side), judged by the tolerance alone",
            bs.len(),
            ns.len(),
            stats::MIN_ROUNDS
        );
        return (Verdict::Regression, Some(note));
    }
    // Worse means larger for a figure where lower is better; for the
    // others, compare the negated values.
    let flip = |v: &[f64]| -> Vec<f64> {
        match c.better {
            Better::Higher => v.iter().map(|x| -x).collect(),
            _ => v.to_vec(),
        }
    };
    let p = stats::p_larger(&flip(&bs), &flip(&ns)).unwrap_or(1.0);
    let test = format!(
        "p = {} (Mann-Whitney, {} v {} rounds)",
        format_value(p),
        bs.len(),
        ns.len()
    );
    if p <= stats::SIGNIFICANCE {
        (Verdict::Regression, Some(test))
    } else {
        (Verdict::Worse, Some(format!("within the noise: {test}")))
    }
}

/// A figure's value in each round of a mode.
fn rounds(m: &ModeResult, c: &Figure) -> Vec<f64> {
    m.rounds
        .iter()
        .filter_map(|r| r.get(c.name).copied())
        .collect()
}

/// A figure's mean over the mode's rounds (its value, for one round).
fn per_round(m: &ModeResult, c: &Figure) -> Option<f64> {
    let values = rounds(m, c);
    if values.is_empty() || values.len() != m.rounds.len() {
        return c.value(m, None);
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
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

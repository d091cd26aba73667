//! `poolbench compare base.json new.json`: mode by mode, figure by figure,
//! what got better and what got worse, and whether anything got worse
//! beyond its tolerance and beyond chance.
//!
//! A figure is a *regression* when it got worse by more than its tolerance
//! (10% by default, 0 for counts such as handshakes and errors, or set per
//! figure), by more than its own rounds vary (the larger relative range of
//! either run's rounds: a tail that moves 60% between rounds is not judged
//! at 10%), **and**, when both runs have at least 3 rounds, the per-round
//! values say so at p ≤ 0.05 by the exact one-sided Mann-Whitney U test
//! ([`stats`]). With fewer rounds no significance can be claimed: a summed
//! count (handshakes, errors: exact) is judged by its tolerance alone; any
//! other figure (peaks too) is not judged, and the note says how to get it
//! judged (`--repeat`).
//!
//! Two runs are compared only if they ran the same scenario the same way
//! ([`comparable`]); their figures are compared as means per round, so runs
//! with a different number of rounds compare without spurious changes in
//! counts (which are sums over rounds). Runs of a duration do as many
//! requests as the machine allows: their summed counts (handshakes,
//! errors) are compared per request.

mod comparable;
mod stats;

pub use comparable::{circumstances, differences};

use crate::results::figures::{Better, FIGURES, Figure, ROUND_SENT, Unit};
use crate::results::format::format_value;
use crate::results::{ModeResult, Results, label};

/// The rounds a side that let the test tell a change from chance; what
/// `compare` asks for when a run has fewer.
const ROUNDS_TO_ASK: usize = 5;

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
    /// Compared per request (a count of runs of a duration).
    pub per_request: bool,
    pub verdict: Verdict,
    /// Why a worse figure is not a regression, if it is not.
    pub note: Option<String>,
}

impl Change {
    pub fn describe(&self) -> String {
        let unit = self.unit.suffix();
        format!(
            "{}.{}{}: {}{unit} → {}{unit} ({:+.1}%)",
            self.mode,
            self.figure,
            if self.per_request { " per request" } else { "" },
            format_value(self.base),
            format_value(self.new),
            self.relative * 100.0
        )
    }
}

/// Compares every mode present in both runs.
pub fn compare(base: &Results, new: &Results, tolerances: &Tolerances) -> Vec<Change> {
    let timed = |r: &Results| r.scenario.load.duration_s.is_some();
    let by_time = timed(base) && timed(new);
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
            let per_request = by_time && summed(c);
            let (Some(bv), Some(nv)) = (per_round(b, c, per_request), per_round(n, c, per_request))
            else {
                continue;
            };
            let relative = (nv - bv) / if bv == 0.0 { 1.0 } else { bv.abs() };
            // Per request, a count rises when the run did fewer requests:
            // a regression only if there were more of them in all, too.
            let in_all = match per_request {
                true => per_round(b, c, false).zip(per_round(n, c, false)),
                false => None,
            };
            let sides = Sides {
                base: rounds(b, c, per_request),
                new: rounds(n, c, per_request),
                in_all,
            };
            let (verdict, note) = judge(c, &sides, relative, tolerances.of(c));
            changes.push(Change {
                mode: label(new, n),
                figure: c.name,
                unit: c.unit,
                base: bv,
                new: nv,
                relative,
                per_request,
                verdict,
                note,
            });
        }
    }
    changes
}

/// A count summed over a run (handshakes, errors): exact, and growing with
/// the requests a duration let the machine do. A peak (of connections, of
/// fds) is a count too, but one sample of a race: judged as a
/// measurement, by its rounds.
fn summed(c: &Figure) -> bool {
    c.unit == Unit::Count && !c.name.starts_with("peak")
}

/// A figure's per-round values in the two runs; for a count compared
/// per request, its mean per round in all (base, new).
struct Sides {
    base: Vec<f64>,
    new: Vec<f64>,
    in_all: Option<(f64, f64)>,
}

/// The verdict on one figure's change, and why where it needs saying.
fn judge(c: &Figure, sides: &Sides, relative: f64, tolerance: f64) -> (Verdict, Option<String>) {
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
    if let Some((b, n)) = sides.in_all.filter(|(b, n)| n <= b) {
        let note = format!(
            "no more in all ({} → {} a round): more per request because the run did fewer requests",
            format_value(b),
            format_value(n)
        );
        return (Verdict::Worse, Some(note));
    }
    let (bs, ns) = (&sides.base, &sides.new);
    let spread = stats::spread(bs).max(stats::spread(ns));
    if !summed(c) && worse <= spread {
        let note = format!(
            "within the rounds' own spread ({}% between their lowest and highest)",
            format_value(spread * 100.0)
        );
        return (Verdict::Worse, Some(note));
    }
    if bs.len() < stats::MIN_ROUNDS || ns.len() < stats::MIN_ROUNDS {
        let rounds = format!("{} and {} rounds", bs.len(), ns.len());
        if summed(c) {
            let note = format!(
                "{rounds}: too few for a significance test ({} a side); a count is exact, \
                 judged by the tolerance alone",
                stats::MIN_ROUNDS
            );
            return (Verdict::Regression, Some(note));
        }
        let note = format!(
            "{rounds}: too few to tell a change from noise ({} a side at least) — run both \
             with --repeat {ROUNDS_TO_ASK} (load.repeat) to have it judged",
            stats::MIN_ROUNDS
        );
        return (Verdict::Worse, Some(note));
    }
    // Worse means larger for a figure where lower is better; for the
    // others, compare the negated values.
    let flip = |v: &[f64]| -> Vec<f64> {
        match c.better {
            Better::Higher => v.iter().map(|x| -x).collect(),
            _ => v.to_vec(),
        }
    };
    let p = stats::p_larger(&flip(bs), &flip(ns)).unwrap_or(1.0);
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

/// A figure's value in each round of a mode (per request sent in that
/// round, if asked).
fn rounds(m: &ModeResult, c: &Figure, per_request: bool) -> Vec<f64> {
    let share = (m.requests.sent as f64 / m.rounds.len().max(1) as f64).max(1.0);
    m.rounds
        .iter()
        .filter_map(|r| {
            let v = *r.get(c.name)?;
            match per_request {
                // Results from before rounds kept their requests: an even
                // share of the mode's.
                true => Some(v / r.get(ROUND_SENT).copied().unwrap_or(share).max(1.0)),
                false => Some(v),
            }
        })
        .collect()
}

/// A figure's mean over the mode's rounds (its value, for one round).
fn per_round(m: &ModeResult, c: &Figure, per_request: bool) -> Option<f64> {
    let values = rounds(m, c, per_request);
    if values.is_empty() || values.len() != m.rounds.len() {
        let v = c.value(m, None)?;
        return Some(match per_request {
            true => v / (m.requests.sent as f64).max(1.0),
            false => v,
        });
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

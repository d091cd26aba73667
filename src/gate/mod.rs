//! The CI gate: checks a scenario carries, evaluated on the results.
//!
//! ```toml
//! [[gate]]
//! check = "pooled.throughput >= 5 * per_request_client.throughput"
//! ```
//!
//! A check compares two expressions over figures of any mode ([`expr`] has
//! the grammar, [`figures`] the figures). Checks are parsed and their
//! figures validated with the scenario, so a typo fails before the run;
//! they are evaluated on the [`Results`] after it, and any failed check
//! makes `poolbench run` exit 1. Ratios between modes measured in the same
//! run are what hold on a noisy machine; absolute times do not.

pub mod expr;
pub mod figures;

use crate::results::{ModeResult, Results};
use expr::{Comparison, FigureRef};

/// A parsed, validated check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The check as written.
    pub text: String,
    pub comparison: Comparison,
}

pub use crate::results::GateOutcome;
pub use crate::results::format::format_value;

/// The mode a figure reference names, and the figure path after it.
pub fn resolve<'r>(
    results: &'r Results,
    figure: &'r FigureRef,
) -> Option<(&'r ModeResult, &'r [String])> {
    let (mode, rest) = figure.parts.split_first()?;
    let (transport, rest) = match rest.first().map(String::as_str) {
        Some(t @ ("http" | "https")) => (Some(t), &rest[1..]),
        _ => (None, rest),
    };
    let m = results
        .modes
        .iter()
        .find(|m| m.mode.name() == mode && transport.is_none_or(|t| m.transport.name() == t))?;
    Some((m, rest))
}

/// Evaluates every check on `results`.
pub fn evaluate(checks: &[Check], results: &Results) -> Vec<GateOutcome> {
    let figure = |f: &FigureRef| {
        let (m, path) = resolve(results, f)?;
        figures::value(m, path)
    };
    checks
        .iter()
        .map(|check| {
            let c = &check.comparison;
            // A side that is not a finite number (a figure not measured, a
            // division by zero) fails the check: it proves nothing.
            let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
            let (left, right) = (finite(c.left.eval(&figure)), finite(c.right.eval(&figure)));
            GateOutcome {
                check: check.text.clone(),
                left,
                cmp: c.cmp.to_string(),
                right,
                passed: matches!((left, right), (Some(l), Some(r)) if c.cmp.holds(l, r)),
            }
        })
        .collect()
}

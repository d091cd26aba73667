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
//! they are evaluated on the measured modes after it, and any failed check
//! makes `poolbench run` exit 1. Ratios between modes measured in the same
//! run are what hold on a noisy machine; absolute times do not.

pub mod expr;
pub mod figures;
mod lexer;

use crate::results::{ModeResult, Sweep};
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

/// A figure reference's parts: the mode, the transport if one is named,
/// and the figure path after them.
fn split(figure: &FigureRef) -> Option<(&str, Option<&str>, &[String])> {
    let (mode, rest) = figure.parts.split_first()?;
    Some(match rest.first().map(String::as_str) {
        Some(t) if crate::results::Transport::named(t).is_some() => (mode, Some(t), &rest[1..]),
        _ => (mode, None, rest),
    })
}

/// What a check may name: the scenario's modes, its transports, and its
/// limit sweeps (whose one figure is `recommended_limit`).
pub struct Names<'a> {
    pub modes: &'a [&'a str],
    pub transports: &'a [&'a str],
    pub sweeps: &'a [&'a str],
    /// The run's authorities (`pooled.api.p99`), when it has several.
    pub authorities: &'a [&'a str],
    /// Each mode's figures its client cannot observe (its kind's list).
    pub unobserved: &'a [(&'a str, &'a [&'a str])],
}

/// The one figure of a sweep.
pub const RECOMMENDED_LIMIT: &str = "recommended_limit";

/// Parses a check and validates every figure it names against the modes
/// and transports a scenario runs; errors point at the part of the check
/// at fault.
pub fn validate(text: &str, names: &Names) -> Result<Check, CheckError> {
    let Names {
        modes,
        transports,
        sweeps,
        authorities,
        unobserved,
    } = names;
    let help = "write checks like \"pooled.p99 <= 3 * pooled.p50\" or \"pooled.handshakes <= 10\"; \
                units: ns us ms s % k M";
    let comparison = expr::parse(text).map_err(|e| CheckError {
        span: e.span,
        message: e.message,
        help: help.to_string(),
    })?;
    let figures = comparison
        .left
        .figures()
        .into_iter()
        .chain(comparison.right.figures());
    for figure in figures {
        let bad = |message: String, help: String| CheckError {
            span: figure.span.clone(),
            message,
            help,
        };
        let (mode, transport, path) =
            split(figure).ok_or_else(|| bad("empty figure".into(), help.into()))?;
        if sweeps.contains(&mode) {
            if path != [RECOMMENDED_LIMIT] {
                return Err(bad(
                    format!(
                        "`{mode}` is a limit sweep: its figure is `{mode}.{RECOMMENDED_LIMIT}`"
                    ),
                    format!(
                        "each limit ran as its own mode, e.g. `{mode}_8.throughput`; the modes here are: {}",
                        modes.join(", ")
                    ),
                ));
            }
            continue;
        }
        if !modes.contains(&mode) {
            return Err(bad(
                format!("`{mode}` is not a mode of this scenario"),
                format!("the modes here are: {}", modes.join(", ")),
            ));
        }
        if let Some(t) = transport.filter(|t| !transports.contains(t)) {
            return Err(bad(
                format!("this scenario runs no mode over {t}"),
                help.into(),
            ));
        }
        match path.split_first() {
            Some((authority, figure)) if authorities.contains(&authority.as_str()) => {
                let name = figure.first().map_or("", String::as_str);
                if !crate::results::AUTHORITY_FIGURES.contains(&name) {
                    return Err(bad(
                        format!("`{name}` is not a figure per authority"),
                        format!(
                            "per authority: {}",
                            crate::results::AUTHORITY_FIGURES.join(", ")
                        ),
                    ));
                }
                figures::validate(figure).map_err(|m| bad(m, help.into()))?;
            }
            _ => figures::validate(path).map_err(|m| bad(m, help.into()))?,
        }
        if let Some(why) = unobservable(mode, path, unobserved) {
            return Err(bad(why, "leave the check out, or check the figure on a mode that observes it (the report shows it `-`)".into()));
        }
    }
    Ok(Check {
        text: text.to_string(),
        comparison,
    })
}

/// Why `mode` cannot give the figure at `path`, if its client does not
/// observe it: a check on it would compare a 0 nobody counted.
fn unobservable(mode: &str, path: &[String], unobserved: &[(&str, &[&str])]) -> Option<String> {
    let list = unobserved.iter().find(|(m, _)| *m == mode)?.1;
    let path: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|p| *p != figures::PER_ROUND)
        .collect();
    let (name, qualifier) = (path.first()?, path.get(1).copied());
    let figure = crate::results::figures::Figure::named(name)?;
    figure.unobserved(list, qualifier).then(|| {
        format!(
            "`{mode}` cannot observe {}: its client does not let poolbench count it",
            path.join(".")
        )
    })
}

/// Why a check is not valid, at a byte range of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub span: std::ops::Range<usize>,
    pub message: String,
    pub help: String,
}

/// The mode a figure reference names, and the figure path after it.
fn resolve<'r>(
    modes: &'r [ModeResult],
    figure: &'r FigureRef,
) -> Option<(&'r ModeResult, &'r [String])> {
    let (mode, transport, rest) = split(figure)?;
    let m = modes
        .iter()
        .find(|m| m.label == mode && transport.is_none_or(|t| m.transport.name() == t))?;
    Some((m, rest))
}

/// An authority's name at the head of a figure path, if the mode has one
/// of that name (`pooled.api.p99`), and the figure path after it.
fn authority<'r>(
    m: &'r ModeResult,
    path: &'r [String],
) -> (Option<&'r crate::results::AuthorityResult>, &'r [String]) {
    match path.split_first() {
        Some((name, rest)) => match m.authorities.iter().find(|a| &a.name == name) {
            Some(a) => (Some(a), rest),
            None => (None, path),
        },
        None => (None, path),
    }
}

/// The unit of a check's values: its figures' unit, when they all share
/// one that is written (not a count).
fn unit(c: &expr::Comparison, modes: &[ModeResult]) -> Option<String> {
    let mut units = c
        .left
        .figures()
        .into_iter()
        .chain(c.right.figures())
        .map(|f| {
            let (m, path) = resolve(modes, f)?;
            let (_, path) = authority(m, path);
            crate::results::figures::Figure::named(path.first()?).map(|f| f.unit.suffix())
        });
    let first = units.next()??;
    units
        .all(|u| u == Some(first))
        .then_some(first)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// Evaluates every check on the measured modes and sweeps, as they will
/// be written.
pub fn evaluate(checks: &[Check], modes: &[ModeResult], sweeps: &[Sweep]) -> Vec<GateOutcome> {
    let figure = |f: &FigureRef| {
        let (name, transport, path) = split(f)?;
        if path == [RECOMMENDED_LIMIT]
            && let Some(s) = sweeps
                .iter()
                .find(|s| s.label == name && transport.is_none_or(|t| s.transport.name() == t))
        {
            return s.recommended.map(f64::from);
        }
        let (m, path) = resolve(modes, f)?;
        let rounds = m.rounds.len();
        match authority(m, path) {
            // `pooled.api.p99`: the figure of one authority.
            (Some(a), figure) => figures::value(&m.for_authority(a), figure, rounds),
            (None, path) => figures::value(m, path, rounds),
        }
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
                unit: unit(c, modes),
            }
        })
        .collect()
}

//! The figures a check can name come from the results' catalogue
//! ([`crate::results::figures`]); this checks a figure path as written and
//! reads its value. Latencies and phases are in µs (so `20ms` compares
//! directly), throughput in requests per second, CPU in µs per request.
//!
//! `mode[.http|.https].figure[.qualifier][.per_round]`, for example
//! `pooled.p99`, `pooled.handshakes.server`, `per_request_client.cpu.client`,
//! `pooled.pool_wait.p99`, `pooled.errors.timeout`.
//!
//! With `load.repeat`, a count covers every round (their sum); `.per_round`
//! divides it by the rounds, so `pooled.handshakes.per_round <= 8` holds
//! for any number of rounds. Other figures already describe every round
//! together (a merged histogram's p99, the highest peak).

use crate::results::ModeResult;
use crate::results::figures::{FIGURES, Figure, Unit};

/// The suffix that turns a count into a count per round.
pub const PER_ROUND: &str = "per_round";

/// A path without its `.per_round`, and whether it had one.
fn per_round(path: &[String]) -> (&[String], bool) {
    match path.split_last() {
        Some((last, rest)) if last == PER_ROUND && !rest.is_empty() => (rest, true),
        _ => (path, false),
    }
}

/// Checks a figure path (after the mode); the error says what is allowed.
pub fn validate(path: &[String]) -> Result<(), String> {
    let (path, divided) = per_round(path);
    if divided
        && let Some(f) = path.first().and_then(|n| Figure::named(n))
        && f.unit != Unit::Count
    {
        return Err(format!(
            "`.{PER_ROUND}` divides a count by the rounds; `{}` is not a count (it already describes every round together)",
            f.name
        ));
    }
    let Some((name, rest)) = path.split_first() else {
        return Err("names a mode but no figure".to_string());
    };
    let Some(figure) = Figure::named(name) else {
        let names: Vec<&str> = FIGURES.iter().map(|f| f.name).collect();
        return Err(match crate::results::nearest(name, names.iter().copied()) {
            Some(n) => format!("unknown figure `{name}`; did you mean `{n}`?"),
            None => format!(
                "unknown figure `{name}`; the figures are: {}",
                names.join(", ")
            ),
        });
    };
    let qualifiers = figure.qualifiers.list();
    match rest {
        [] => Ok(()),
        [q] if qualifiers.contains(&q.as_str()) => Ok(()),
        [q] if qualifiers.is_empty() => Err(format!("`{name}` takes no qualifier, found `.{q}`")),
        [q] => Err(format!(
            "`{name}` has no `.{q}`; use one of: {}",
            qualifiers.join(", ")
        )),
        _ => Err(format!("too many parts after `{name}`")),
    }
}

/// The value of a validated figure path, of a mode that ran `rounds`
/// rounds; `None` if it was not measured (a server figure for an external
/// target, a phase the mode cannot see).
pub fn value(m: &ModeResult, path: &[String], rounds: usize) -> Option<f64> {
    let (path, divided) = per_round(path);
    let (name, rest) = path.split_first()?;
    let v = Figure::named(name)?.value(m, rest.first().map(String::as_str))?;
    Some(if divided { v / rounds.max(1) as f64 } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_string).collect()
    }

    #[test]
    fn validation_names_what_is_allowed() {
        assert!(validate(&path("p99")).is_ok());
        assert!(validate(&path("handshakes.server")).is_ok());
        assert!(validate(&path("pool_wait.p99")).is_ok());
        assert!(
            validate(&path("handshake"))
                .unwrap_err()
                .contains("did you mean `handshakes`")
        );
        assert!(
            validate(&path("p99.server"))
                .unwrap_err()
                .contains("no qualifier")
        );
        assert!(
            validate(&path("cpu.os"))
                .unwrap_err()
                .contains("client, server")
        );
        assert!(
            validate(&path("cpu.client.x"))
                .unwrap_err()
                .contains("too many")
        );
        assert!(validate(&path("handshakes.per_round")).is_ok());
        assert!(validate(&path("handshakes.server.per_round")).is_ok());
        assert!(
            validate(&path("p99.per_round"))
                .unwrap_err()
                .contains("not a count")
        );
    }

    #[test]
    fn per_round_divides_a_count_by_the_rounds() {
        let m = &crate::results::example().modes[0];
        let total = value(m, &path("handshakes"), 3).unwrap_or_default();
        assert_eq!(
            value(m, &path("handshakes.per_round"), 3),
            Some(total / 3.0)
        );
        assert_eq!(value(m, &path("handshakes.per_round"), 1), Some(total));
    }
}

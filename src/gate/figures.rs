//! The figures a check can name come from the results' catalogue
//! ([`crate::results::figures`]); this checks a figure path as written and
//! reads its value. Latencies and phases are in µs (so `20ms` compares
//! directly), throughput in requests per second, CPU in µs per request.
//!
//! `mode[.http|.https].figure[.qualifier]`, for example `pooled.p99`,
//! `pooled.handshakes.server`, `per_request_client.cpu.client`,
//! `pooled.pool_wait.p99`, `pooled.errors.timeout`.

use crate::results::ModeResult;
use crate::results::figures::{FIGURES, Figure};

/// Checks a figure path (after the mode); the error says what is allowed.
pub fn validate(path: &[String]) -> Result<(), String> {
    let Some((name, rest)) = path.split_first() else {
        return Err("names a mode but no figure".to_string());
    };
    let Some(figure) = Figure::named(name) else {
        let names: Vec<&str> = FIGURES.iter().map(|f| f.name).collect();
        let near = names
            .iter()
            .map(|n| (strsim::jaro_winkler(name, n), n))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        return Err(match near {
            Some((_, n)) => format!("unknown figure `{name}`; did you mean `{n}`?"),
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

/// The value of a validated figure path; `None` if it was not measured
/// (a server figure for an external target, a phase the mode cannot see).
pub fn value(m: &ModeResult, path: &[String]) -> Option<f64> {
    let (name, rest) = path.split_first()?;
    Figure::named(name)?.value(m, rest.first().map(String::as_str))
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
    }
}

//! The figures a check can name, and how each is read from a mode's
//! results. Latencies and phases are in µs (so `20ms` compares directly),
//! throughput in requests per second, CPU in µs per request.
//!
//! `mode[.http|.https].figure[.qualifier]`, for example `pooled.p99`,
//! `pooled.handshakes.server`, `per_request_client.cpu.client`,
//! `pooled.pool_wait.p99`.

use crate::results::{Kind, LatencySummary, ModeResult, Observed, Phase};

/// A figure: its name, the qualifiers it takes (the first is the default),
/// and what it is.
pub struct Figure {
    pub name: &'static str,
    pub qualifiers: &'static [&'static str],
    pub doc: &'static str,
}

const OBSERVERS: &[&str] = &["client", "server"];
const STATS: &[&str] = &["mean", "p50", "p90", "p99", "p99_9", "max"];

pub const FIGURES: &[Figure] = &[
    Figure {
        name: "throughput",
        qualifiers: &[],
        doc: "successful requests per second",
    },
    Figure {
        name: "requests",
        qualifiers: &[],
        doc: "successful requests",
    },
    Figure {
        name: "errors",
        qualifiers: &[],
        doc: "failed requests",
    },
    Figure {
        name: "error_rate",
        qualifiers: &[],
        doc: "failed / sent (0..1; write 1% for 0.01)",
    },
    Figure {
        name: "p50",
        qualifiers: &[],
        doc: "latency median, µs",
    },
    Figure {
        name: "p90",
        qualifiers: &[],
        doc: "latency 90th percentile, µs",
    },
    Figure {
        name: "p99",
        qualifiers: &[],
        doc: "latency 99th percentile, µs",
    },
    Figure {
        name: "p99_9",
        qualifiers: &[],
        doc: "latency 99.9th percentile, µs",
    },
    Figure {
        name: "max",
        qualifiers: &[],
        doc: "latency maximum, µs",
    },
    Figure {
        name: "mean",
        qualifiers: &[],
        doc: "latency mean, µs",
    },
    Figure {
        name: "handshakes",
        qualifiers: OBSERVERS,
        doc: "new TCP connections",
    },
    Figure {
        name: "tls_full",
        qualifiers: OBSERVERS,
        doc: "full TLS handshakes",
    },
    Figure {
        name: "tls_resumed",
        qualifiers: OBSERVERS,
        doc: "resumed TLS handshakes",
    },
    Figure {
        name: "peak_connections",
        qualifiers: OBSERVERS,
        doc: "most connections open at once",
    },
    Figure {
        name: "peak_fds",
        qualifiers: &[],
        doc: "most fds open, minus those before the mode",
    },
    Figure {
        name: "time_wait",
        qualifiers: &["total", "client", "server"],
        doc: "new TIME_WAIT sockets",
    },
    Figure {
        name: "cpu",
        qualifiers: OBSERVERS,
        doc: "CPU µs per request",
    },
    Figure {
        name: "late",
        qualifiers: STATS,
        doc: "open loop: start after due time, µs",
    },
    Figure {
        name: "client_build",
        qualifiers: STATS,
        doc: "building a client per request, µs",
    },
    Figure {
        name: "pool_wait",
        qualifiers: STATS,
        doc: "waiting for a pooled connection, µs",
    },
    Figure {
        name: "connect",
        qualifiers: STATS,
        doc: "TCP connect phase, µs",
    },
    Figure {
        name: "tls",
        qualifiers: STATS,
        doc: "TLS handshake phase, µs",
    },
    Figure {
        name: "first_byte",
        qualifiers: STATS,
        doc: "time to first byte phase, µs",
    },
    Figure {
        name: "body",
        qualifiers: STATS,
        doc: "body phase, µs",
    },
];

/// Checks a figure path (after the mode); the error says what is allowed.
pub fn validate(path: &[String]) -> Result<(), String> {
    let Some((name, rest)) = path.split_first() else {
        return Err("names a mode but no figure".to_string());
    };
    let Some(figure) = FIGURES.iter().find(|f| f.name == name) else {
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
    match rest {
        [] => Ok(()),
        [q] if figure.qualifiers.contains(&q.as_str()) => Ok(()),
        [q] if figure.qualifiers.is_empty() => {
            Err(format!("`{name}` takes no qualifier, found `.{q}`"))
        }
        [q] => Err(format!(
            "`{name}` has no `.{q}`; use one of: {}",
            figure.qualifiers.join(", ")
        )),
        _ => Err(format!("too many parts after `{name}`")),
    }
}

/// The value of a validated figure path; `None` if it was not measured
/// (a server figure for an external target, a phase the mode cannot see).
pub fn value(m: &ModeResult, path: &[String]) -> Option<f64> {
    let (name, rest) = path.split_first()?;
    let qualifier = rest.first().map(String::as_str);
    let observed = |o: Observed| match qualifier {
        Some("server") => o.server.map(|v| v as f64),
        _ => Some(o.client as f64),
    };
    let stat = |s: Option<&LatencySummary>| {
        let s = s?;
        Some(match qualifier.unwrap_or("mean") {
            "p50" => s.p50 as f64,
            "p90" => s.p90 as f64,
            "p99" => s.p99 as f64,
            "p99_9" => s.p99_9 as f64,
            "max" => s.max as f64,
            _ => s.mean,
        })
    };
    let b = &m.breakdown_us;
    let l = &m.latency_us;
    match name.as_str() {
        "throughput" => Some(m.throughput_rps),
        "requests" => Some(m.requests.ok as f64),
        "errors" => Some(m.requests.failed as f64),
        "error_rate" => Some(m.requests.failed as f64 / m.requests.sent.max(1) as f64),
        "p50" => Some(l.p50 as f64),
        "p90" => Some(l.p90 as f64),
        "p99" => Some(l.p99 as f64),
        "p99_9" => Some(l.p99_9 as f64),
        "max" => Some(l.max as f64),
        "mean" => Some(l.mean),
        "handshakes" => observed(m.handshakes),
        "tls_full" => observed(m.tls_handshakes?.full),
        "tls_resumed" => observed(m.tls_handshakes?.resumed),
        "peak_connections" => observed(m.peak_connections),
        "peak_fds" => Some(m.peak_fds as f64),
        "time_wait" => Some(match qualifier {
            Some("client") => m.time_wait.client_side,
            Some("server") => m.time_wait.server_side,
            _ => m.time_wait.client_side + m.time_wait.server_side,
        } as f64),
        "cpu" => match qualifier {
            Some("server") => m.cpu_us_per_request.server,
            _ => Some(m.cpu_us_per_request.client),
        },
        name => {
            let phase = Phase::ALL.iter().find(|p| p.name() == name)?;
            stat(b.phase(*phase))
        }
    }
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

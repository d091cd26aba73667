//! A limit sweep: one mode run at several connection limits
//! (`pooled = { limit = [1, 2, 4, 8] }` runs `pooled_1`, `pooled_2`, …),
//! and the limit it recommends.
//!
//! **The recommended limit** is the smallest limit whose throughput is
//! within 5% of the sweep's best and whose p99 latency is within 10% of the
//! sweep's best p99 — the fewest connections that give (nearly) all the
//! throughput without a worse tail. Only points where every request
//! succeeded count; when no limit meets both bounds, the smallest within 5%
//! of the best throughput is recommended, and the reason says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::format::micros;
use super::{ModeResult, Transport};

/// Within this share of the best throughput counts as "all of it".
pub const THROUGHPUT_WITHIN: f64 = 0.05;
/// Within this share of the best p99 counts as "no worse a tail".
pub const P99_WITHIN: f64 = 0.10;

/// One sweep of a run: its points and what it recommends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The sweep's name: its key under the scenario's `[modes]`.
    pub label: String,
    /// The transport its points ran over.
    pub transport: Transport,
    /// Its points by limit, ascending: each names the mode that ran it.
    pub points: Vec<SweepPoint>,
    /// The recommended limit (see the rule above); absent when no point
    /// had every request succeed.
    pub recommended: Option<u32>,
    /// Why, with the figures it came from.
    pub reason: String,
}

/// One limit of a sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepPoint {
    /// The per-authority connection limit of this point.
    pub limit: u32,
    /// The label of the mode that ran at this limit.
    pub mode: String,
}

/// What the rule reads of one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointFigures {
    pub limit: u32,
    pub throughput: f64,
    pub p99_us: f64,
    pub failed: u64,
}

/// The sweeps among `modes`: modes of one sweep and one transport, by limit.
pub fn sweeps(modes: &[ModeResult]) -> Vec<Sweep> {
    let mut out: Vec<Sweep> = Vec::new();
    for m in modes {
        let (Some(label), Some(limit)) = (&m.sweep, m.limit) else {
            continue;
        };
        let point = SweepPoint {
            limit,
            mode: m.label.clone(),
        };
        match out
            .iter_mut()
            .find(|s| &s.label == label && s.transport == m.transport)
        {
            Some(s) => s.points.push(point),
            None => out.push(Sweep {
                label: label.clone(),
                transport: m.transport,
                points: vec![point],
                recommended: None,
                reason: String::new(),
            }),
        }
    }
    for s in &mut out {
        s.points.sort_by_key(|p| p.limit);
        let figures: Vec<PointFigures> = s
            .points
            .iter()
            .filter_map(|p| {
                let m = modes
                    .iter()
                    .find(|m| m.label == p.mode && m.transport == s.transport)?;
                Some(PointFigures {
                    limit: p.limit,
                    throughput: m.throughput_rps,
                    p99_us: m.latency_us.p99 as f64,
                    failed: m.requests.failed,
                })
            })
            .collect();
        (s.recommended, s.reason) = recommend(&figures);
    }
    out
}

/// The recommended limit of a sweep's points, and why.
pub fn recommend(points: &[PointFigures]) -> (Option<u32>, String) {
    let ok: Vec<&PointFigures> = points
        .iter()
        .filter(|p| p.failed == 0 && p.throughput.is_finite() && p.p99_us.is_finite())
        .collect();
    let best = |f: fn(&PointFigures) -> f64, most: bool| {
        ok.iter().copied().reduce(|a, b| {
            let better = if most { f(b) > f(a) } else { f(b) < f(a) };
            if better { b } else { a }
        })
    };
    let (Some(fastest), Some(tightest)) = (best(|p| p.throughput, true), best(|p| p.p99_us, false))
    else {
        return (None, "no limit had every request succeed".to_string());
    };
    let enough = |p: &&PointFigures| p.throughput >= (1.0 - THROUGHPUT_WITHIN) * fastest.throughput;
    let tight = |p: &&PointFigures| p.p99_us <= (1.0 + P99_WITHIN) * tightest.p99_us;
    let bests = format!(
        "best throughput {:.0}/s at limit {}, best p99 {} at limit {}",
        fastest.throughput,
        fastest.limit,
        micros(tightest.p99_us),
        tightest.limit
    );
    if let Some(p) = ok.iter().copied().find(|p| enough(p) && tight(p)) {
        return (
            Some(p.limit),
            format!(
                "the smallest limit within 5% of the best throughput and 10% of the best p99 \
                 ({:.0}/s, p99 {}; {bests})",
                p.throughput,
                micros(p.p99_us)
            ),
        );
    }
    let p = ok.iter().copied().find(enough).unwrap_or(fastest);
    (
        Some(p.limit),
        format!(
            "the smallest limit within 5% of the best throughput ({:.0}/s, p99 {}); no limit \
             also had a p99 within 10% of the best ({bests})",
            p.throughput,
            micros(p.p99_us)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(limit: u32, throughput: f64, p99_ms: f64) -> PointFigures {
        PointFigures {
            limit,
            throughput,
            p99_us: p99_ms * 1000.0,
            failed: 0,
        }
    }

    #[test]
    fn the_smallest_limit_near_the_best_throughput_and_tail_wins() {
        // Throughput saturates at 8; the tail is best at 8 and 16.
        let points = [
            point(1, 1000.0, 40.0),
            point(2, 1900.0, 22.0),
            point(4, 3500.0, 12.0),
            point(8, 4900.0, 8.0),
            point(16, 5000.0, 8.2),
            point(32, 5050.0, 11.0),
        ];
        let (limit, reason) = recommend(&points);
        assert_eq!(limit, Some(8), "{reason}");
        assert!(
            reason.contains("best throughput 5050/s at limit 32"),
            "{reason}"
        );
    }

    #[test]
    fn failures_disqualify_a_limit() {
        let mut points = [point(4, 3000.0, 10.0), point(8, 5000.0, 8.0)];
        points[1].failed = 3;
        assert_eq!(recommend(&points).0, Some(4));
        points[0].failed = 1;
        assert_eq!(recommend(&points).0, None);
    }

    #[test]
    fn without_a_limit_meeting_both_the_throughput_bound_decides() {
        // The fastest limits have the worst tails.
        let points = [
            point(2, 2000.0, 5.0),
            point(4, 3900.0, 9.0),
            point(8, 4000.0, 12.0),
        ];
        let (limit, reason) = recommend(&points);
        assert_eq!(limit, Some(4), "{reason}");
        assert!(reason.contains("no limit also had"), "{reason}");
    }
}

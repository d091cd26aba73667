//! The verdict: what the run says and why, computed from the results.
//!
//! Three parts, in the order a reader needs them: the gate checks that
//! failed (the box turns red), how each mode compares with its transport's
//! reference mode (the first `pooled`, else the first mode), and the causes
//! the figures show ([`causes`]: a queue for a too-small pool, a handshake
//! per request, a server that closes every connection, failures by kind;
//! beside them an open loop fallen behind, isolation between authorities,
//! a slow body phase, a server behind the client's closes).

mod body;
mod causes;
mod generator;
mod isolation;
mod lag;
mod load;

use crate::results::{ModeResult, Results, label};

/// A ratio closer to 1 than this reads "about the same": a shared machine
/// moves figures by that much from run to run, and "1.1× fewer fds" for 20
/// against 22 says nothing.
const SAME: f64 = 1.15;

/// What the run says, for every report to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// "gate: 1 of 8 checks failed: `…`", when one did.
    pub failed: Option<String>,
    /// One sentence per mode compared with its reference.
    pub comparisons: Vec<String>,
    /// Why: one sentence per cause the figures show.
    pub causes: Vec<String>,
}

impl Verdict {
    /// Every sentence, the failed gate first.
    pub fn sentences(&self) -> impl Iterator<Item = &String> {
        self.failed
            .iter()
            .chain(&self.comparisons)
            .chain(&self.causes)
    }
}

/// The verdict on a run.
pub fn verdict(results: &Results) -> Verdict {
    let failed: Vec<&str> = results
        .gate
        .iter()
        .filter(|g| !g.passed)
        .map(|g| g.check.as_str())
        .collect();
    let failed = (!failed.is_empty()).then(|| {
        format!(
            "gate: {} of {} checks failed: {}",
            failed.len(),
            results.gate.len(),
            failed.join("; ")
        )
    });
    Verdict {
        failed,
        comparisons: comparisons(results),
        causes: why(results),
    }
}

/// Every cause, in the order a reader needs them: a load other than the
/// one asked for first (every other figure was measured under it), then
/// each mode's own, then what only modes side by side show.
fn why(results: &Results) -> Vec<String> {
    load::behind(results)
        .into_iter()
        .chain(generator::bounded(results))
        .chain(causes::causes(results))
        .chain(isolation::isolation(results))
        .chain(body::slow_bodies(results))
        .chain(lag::lag(results))
        .collect()
}

/// One sentence per compared mode, e.g. "pooled: 3.9× the throughput of
/// per_request_client, 10 handshakes instead of 1000, 5.2× fewer fds, 6.5×
/// less client CPU per request".
fn comparisons(results: &Results) -> Vec<String> {
    let name = |m: &ModeResult| label(results, m);
    references(results)
        .into_iter()
        .flat_map(|reference| {
            results
                .modes
                .iter()
                .filter(|m| compared(results, m))
                .filter(move |m| m.transport == reference.transport && !std::ptr::eq(*m, reference))
                .map(move |other| (reference, other))
        })
        .map(|(reference, other)| {
            // A mode that failed much of its work did not do the same work:
            // its rate is not compared, and its failures come first.
            let throughput = match (failed_much(reference), failed_much(other)) {
                (None, None) => times(
                    reference.throughput_rps,
                    other.throughput_rps,
                    "throughput",
                    &name(other),
                ),
                (Some(share), _) => {
                    format!("its throughput not compared: it failed {share:.0}% of its requests")
                }
                (None, Some(share)) => format!(
                    "throughput not compared: {} failed {share:.0}% of its requests",
                    name(other)
                ),
            };
            let parts = [
                failures(reference.requests.failed, other.requests.failed),
                Some(throughput),
                Some(handshakes(
                    reference.handshakes.client,
                    other.handshakes.client,
                )),
                fewer(
                    reference.peak_fds as f64,
                    other.peak_fds as f64,
                    "fewer fds",
                ),
                fewer(
                    reference.cpu_us_per_request.client,
                    other.cpu_us_per_request.client,
                    "less client CPU per request",
                ),
            ];
            let parts: Vec<String> = parts.into_iter().flatten().collect();
            format!("{}: {}", name(reference), parts.join(", "))
        })
        .collect()
}

/// Whether a mode takes part in comparisons: of a sweep's points, only the
/// recommended one does (the sweep's table compares them all).
fn compared(results: &Results, m: &ModeResult) -> bool {
    let Some(sweep) = &m.sweep else { return true };
    results
        .sweeps
        .iter()
        .any(|s| &s.label == sweep && s.transport == m.transport && s.recommended == m.limit)
}

/// Per transport: its first pooled mode, else its first mode.
fn references(results: &Results) -> Vec<&ModeResult> {
    let mut references: Vec<&ModeResult> = Vec::new();
    for m in results.modes.iter().filter(|m| compared(results, m)) {
        if references.iter().any(|r| r.transport == m.transport) {
            continue;
        }
        let same = || {
            results
                .modes
                .iter()
                .filter(|o| o.transport == m.transport && compared(results, o))
        };
        if let Some(r) = same()
            .find(|o| crate::modes::catalogue::kind_of(&o.mode).is_some_and(|k| k.reference))
            .or(same().next())
        {
            references.push(r);
        }
    }
    references
}

/// "3.9× the throughput of X", "0.7× …", or "about the same throughput as X".
fn times(ours: f64, theirs: f64, what: &str, of: &str) -> String {
    if theirs <= 0.0 {
        return format!("{ours:.0}/s against none for {of}");
    }
    let r = ours / theirs;
    if r < SAME && r > 1.0 / SAME {
        format!("about the same {what} as {of}")
    } else {
        format!("{}× the {what} of {of}", ratio(r))
    }
}

/// `less` is how the saving reads, e.g. "fewer fds": gives "5.2× fewer
/// fds", "1.3× more fds" or "about as many fds"; `None` when both are zero.
fn fewer(ours: f64, theirs: f64, less: &str) -> Option<String> {
    let (_, what) = less.split_once(' ').unwrap_or(("", less));
    match (ours > 0.0, theirs > 0.0) {
        (false, false) => None,
        (false, true) => Some(format!("no {what} against {theirs:.0}")),
        (true, false) => Some(format!("{ours:.0} {what} against none")),
        (true, true) if theirs / ours < SAME && ours / theirs < SAME => {
            let same = if less.starts_with("fewer") {
                "about as many"
            } else {
                "about as much"
            };
            Some(format!("{same} {what}"))
        }
        (true, true) if theirs >= ours => Some(format!("{}× {less}", ratio(theirs / ours))),
        (true, true) => Some(format!("{}× more {what}", ratio(ours / theirs))),
    }
}

/// The share of its requests a mode failed, in percent, when it is so
/// large that its rate is not one of the same work (a tenth or more).
fn failed_much(m: &ModeResult) -> Option<f64> {
    let share = m.requests.failed as f64 / m.requests.sent.max(1) as f64;
    (share >= 0.1).then_some(share * 100.0)
}

/// "no failed requests against 1800", when either mode had failures.
fn failures(ours: u64, theirs: u64) -> Option<String> {
    match (ours, theirs) {
        (0, 0) => None,
        (0, t) => Some(format!("no failed requests against {t}")),
        (o, t) => Some(format!("{o} failed requests against {t}")),
    }
}

/// "10 handshakes instead of 1000", or "as many handshakes (8)".
fn handshakes(ours: u64, theirs: u64) -> String {
    if ours == theirs {
        format!("as many handshakes ({ours})")
    } else {
        format!("{} instead of {theirs}", plural(ours, "handshake"))
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}")
    } else if r >= 0.1 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_read_naturally() {
        assert_eq!(
            times(1000.0, 250.0, "throughput", "x"),
            "4.0× the throughput of x"
        );
        assert_eq!(
            times(1000.0, 950.0, "throughput", "x"),
            "about the same throughput as x"
        );
        assert_eq!(
            fewer(10.0, 52.0, "fewer fds").as_deref(),
            Some("5.2× fewer fds")
        );
        assert_eq!(
            fewer(20.0, 10.0, "fewer fds").as_deref(),
            Some("2.0× more fds")
        );
        assert_eq!(fewer(0.0, 0.0, "fewer fds"), None);
        // 20 against 22 is not "1.1× fewer".
        assert_eq!(
            fewer(20.0, 22.0, "fewer fds").as_deref(),
            Some("about as many fds")
        );
        assert_eq!(
            fewer(7.0, 49.0, "less client CPU").as_deref(),
            Some("7.0× less client CPU")
        );
        assert_eq!(ratio(123.4), "123");
        assert_eq!(handshakes(10, 1000), "10 handshakes instead of 1000");
        assert_eq!(handshakes(8, 8), "as many handshakes (8)");
    }

    #[test]
    fn a_failed_check_comes_first() {
        let mut results = crate::results::example();
        results.gate.clear();
        assert_eq!(verdict(&results).failed, None);
        results.gate.push(crate::results::GateOutcome {
            check: "pooled.handshakes <= 5".into(),
            left: Some(10.0),
            cmp: "<=".into(),
            right: Some(5.0),
            passed: false,
            unit: None,
        });
        let v = verdict(&results);
        assert_eq!(
            v.failed.as_deref(),
            Some("gate: 1 of 1 checks failed: pooled.handshakes <= 5")
        );
        assert_eq!(v.sentences().next(), v.failed.as_ref());
    }

    // A mode that fails fast is not faster: its failures lead, and its
    // rate (of the few that succeeded, quickly) is not compared.
    #[test]
    fn a_mode_that_failed_much_of_its_work_is_not_ranked_by_its_rate() {
        let mut results = crate::results::example();
        let (first, rest) = results.modes.split_at_mut(1);
        let other = &mut rest[0];
        other.requests.failed = 1635;
        other.requests.sent = 2000;
        other.requests.ok = 365;
        other.throughput_rps = first[0].throughput_rps * 2.0;
        let v = verdict(&results);
        let said = v
            .comparisons
            .iter()
            .find(|c| c.contains("1635"))
            .unwrap_or_else(|| panic!("{:?}", v.comparisons));
        let name = label(&results, &results.modes[1]);
        assert!(
            said.contains(&format!(
                "no failed requests against 1635, throughput not compared: {name} failed 82% of its requests"
            )),
            "{said}"
        );
        assert!(!said.contains("the throughput of"), "{said}");
    }
}

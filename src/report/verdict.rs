//! The headline: what the run says, computed from the results. The
//! reference is the first `pooled` mode (else the first mode); every other
//! mode over the same transport is compared with it.

use crate::results::{ModeResult, Results};
use crate::scenario::ModeKind;

/// One sentence per compared mode, e.g. "pooled: 3.9× the throughput of
/// per_request_client, 10 handshakes instead of 1000, 5.2× fewer fds, 6.5×
/// less client CPU per request".
pub fn headline(results: &Results) -> Vec<String> {
    let name = |m: &ModeResult| crate::report::charts::style::label(results, m);
    // Per transport: its first pooled mode, else its first mode.
    let mut references: Vec<&ModeResult> = Vec::new();
    for m in &results.modes {
        if references.iter().any(|r| r.transport == m.transport) {
            continue;
        }
        let same = || results.modes.iter().filter(|o| o.transport == m.transport);
        if let Some(r) = same()
            .find(|o| o.mode == ModeKind::Pooled)
            .or(same().next())
        {
            references.push(r);
        }
    }
    references
        .into_iter()
        .flat_map(|reference| {
            results
                .modes
                .iter()
                .filter(move |m| m.transport == reference.transport && !std::ptr::eq(*m, reference))
                .map(move |other| (reference, other))
        })
        .map(|(reference, other)| {
            let parts = [
                Some(times(
                    reference.throughput_rps,
                    other.throughput_rps,
                    "the throughput of",
                    &name(other),
                )),
                Some(format!(
                    "{} instead of {}",
                    plural(reference.handshakes.client, "handshake"),
                    other.handshakes.client
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

/// "3.9× the throughput of X" (or "0.7× …").
fn times(ours: f64, theirs: f64, what: &str, of: &str) -> String {
    if theirs > 0.0 {
        format!("{}× {what} {of}", ratio(ours / theirs))
    } else {
        format!("{ours:.0}/s against none for {of}")
    }
}

/// `less` is how the saving reads, e.g. "fewer fds": gives "5.2× fewer
/// fds", "1.3× more fds" or "as many fds"; `None` when both are zero.
fn fewer(ours: f64, theirs: f64, less: &str) -> Option<String> {
    let (_, what) = less.split_once(' ').unwrap_or(("", less));
    match (ours > 0.0, theirs > 0.0) {
        (false, false) => None,
        (false, true) => Some(format!("no {what} against {theirs:.0}")),
        (true, false) => Some(format!("{ours:.0} {what} against none")),
        (true, true) if ratio(theirs / ours) == "1.0" || ratio(ours / theirs) == "1.0" => {
            let same = if less.starts_with("fewer") {
                "as many"
            } else {
                "as much"
            };
            Some(format!("{same} {what}"))
        }
        (true, true) if theirs >= ours => Some(format!("{}× {less}", ratio(theirs / ours))),
        (true, true) => Some(format!("{}× more {what}", ratio(ours / theirs))),
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
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_read_naturally() {
        assert_eq!(
            times(1000.0, 250.0, "the throughput of", "x"),
            "4.0× the throughput of x"
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
        assert_eq!(
            fewer(10.0, 10.2, "fewer fds").as_deref(),
            Some("as many fds")
        );
        assert_eq!(
            fewer(7.0, 49.0, "less client CPU").as_deref(),
            Some("7.0× less client CPU")
        );
        assert_eq!(ratio(123.4), "123");
    }
}

//! Where a request's time went when it was in its body: a mode that spent
//! a fifth or more of its latency between a response's head and its last
//! byte is named with the phase, and with a mode of the same run that read
//! its bodies fast, so the reader sees the delay is its connections' (on
//! reused connections a server's Nagle's algorithm can hold a response's
//! last segment until the client's delayed ACK: 40 ms a response).

use super::causes::DOMINANT;
use crate::results::format::micros;
use crate::results::{ModeResult, Phase, Results, label};
/// And from this long: a body of a few hundred µs is no cause.
const LONG_US: f64 = 1000.0;

pub fn slow_bodies(results: &Results) -> Vec<String> {
    let body = |m: &ModeResult| m.breakdown_us.phase(Phase::Body).map(|s| s.mean);
    results
        .modes
        .iter()
        .filter(|m| m.sweep.is_none())
        .filter_map(|m| {
            let (spent, latency) = (body(m)?, m.latency_us.mean);
            (latency > 0.0 && spent >= LONG_US && spent >= DOMINANT * latency).then_some(())?;
            let mut text = format!(
                "{} spent {} of its {} per request (mean) in the body phase, from the \
                 response's head to its last byte",
                label(results, m),
                micros(spent),
                micros(latency)
            );
            let fast = results
                .modes
                .iter()
                .find(|o| o.transport == m.transport && body(o).is_some_and(|b| b * 5.0 <= spent));
            if let Some(o) = fast {
                text.push_str(&format!(
                    " — {} read its bodies in {}, so the delay is in how {}'s connections \
                     carry them (on reused connections, a server's Nagle's algorithm against \
                     the client's delayed ACK holds each response's last segment 40 ms)",
                    label(results, o),
                    micros(body(o).unwrap_or(0.0)),
                    label(results, m)
                ));
            }
            Some(text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::LatencySummary;

    fn with_body(m: &mut ModeResult, body_us: f64, latency_us: f64) {
        m.latency_us.mean = latency_us;
        *m.breakdown_us.get_mut(Phase::Body) = Some(LatencySummary {
            count: 100,
            mean: body_us,
            ..LatencySummary::default()
        });
    }

    #[test]
    fn a_body_phase_that_holds_the_time_is_named_with_a_fast_one() {
        let mut results = crate::results::example();
        for m in &mut results.modes {
            with_body(m, 50.0, 1000.0);
        }
        assert!(slow_bodies(&results).is_empty(), "short bodies say nothing");
        with_body(&mut results.modes[0], 38_800.0, 40_100.0);
        let said = slow_bodies(&results);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("38.80 ms of its 40.10 ms"), "{}", said[0]);
        assert!(said[0].contains("read its bodies in 50 µs"), "{}", said[0]);
    }
}

//! An open loop that fell behind its schedule: the rate it asked for, the
//! rate it started requests at, and the requests it never sent — said
//! first for the mode, since every other figure of it was measured under
//! a load other than the one asked for.

use crate::results::{Results, label};

/// A loop that started less than this share of the asked rate is named.
const BEHIND: f64 = 0.9;

pub fn behind(results: &Results) -> Vec<String> {
    let tasks = results.scenario.load.concurrency;
    results
        .modes
        .iter()
        .filter_map(|m| {
            let o = m.open_loop.filter(|o| o.share() < BEHIND)?;
            let name = label(results, m);
            let cut = match o.cut() {
                0 => String::new(),
                n => format!(
                    "; {n} of the {} requests due were never sent (the run ends at its \
                     duration)",
                    o.due
                ),
            };
            Some(format!(
                "{name} started {:.0} requests a second of the {:.0} asked ({:.0}%){cut}: its \
                 {tasks} tasks hold at most {tasks} requests in flight, and each request's \
                 latency counts from when it was due — raise the concurrency (-c) or ask a \
                 lower rate",
                o.achieved_rps(),
                o.requested_rps,
                o.share() * 100.0,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::OpenLoop;

    #[test]
    fn a_loop_behind_its_schedule_is_named_with_what_it_cut() {
        let mut results = crate::results::example();
        assert!(behind(&results).is_empty(), "a closed loop: nothing");
        results.modes[0].open_loop = Some(OpenLoop {
            requested_rps: 200_000.0,
            due: 400_000,
            started: 77_800,
            window_s: 2.0,
        });
        results.modes[1].open_loop = Some(OpenLoop {
            requested_rps: 1000.0,
            due: 2000,
            started: 2000,
            window_s: 2.0,
        });
        let said = behind(&results);
        assert_eq!(said.len(), 1, "the one that kept up is not named: {said:?}");
        assert!(said[0].contains("started 38900 requests a second of the 200000 asked (19%)"));
        assert!(said[0].contains("322200 of the 400000 requests due were never sent"));
    }
}

//! A run the generator bounded: a mode whose load thread had work nearly
//! all of its measured time (on a CPU, or runnable and waiting for one)
//! measured poolbench's own pace as much as the server's, and the verdict
//! says so before any comparison of it is read.

use crate::results::{Results, ThreadBusy, label};

pub fn bounded(results: &Results) -> Vec<String> {
    let saturated: Vec<(String, ThreadBusy)> = (results.modes.iter())
        .filter_map(|m| Some((label(results, m), m.generator.as_ref()?.saturated()?)))
        .collect();
    let Some(waited) = saturated
        .iter()
        .map(|(_, t)| t.runnable - t.on_cpu)
        .max_by(f64::total_cmp)
    else {
        return Vec::new();
    };
    let named: Vec<String> = (saturated.iter())
        .map(|(name, t)| {
            format!(
                "{name} (runnable {:.0}% of its measured time: on a CPU {:.0}%, waiting for one \
                 {:.0}%)",
                t.runnable * 100.0,
                t.on_cpu * 100.0,
                (t.runnable - t.on_cpu) * 100.0
            )
        })
        .collect();
    // Waiting for a CPU is the machine's CPUs shared with the server;
    // on one all the time is the generator's own cost.
    let remedy = if waited >= 0.25 {
        "the CPUs were short: give the server and the load cores of their own"
    } else {
        "its own cost set the pace: give the load more threads (load.threads) or a core of \
         its own"
    };
    vec![format!(
        "the generator, not only the server, bounded {}: a load thread had work nearly all the \
         time — {remedy}",
        named.join(", ")
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::GeneratorLoad;

    fn load(on_cpu: f64, runnable: f64) -> Option<GeneratorLoad> {
        Some(GeneratorLoad {
            threads: vec![
                ThreadBusy {
                    on_cpu: 0.1,
                    runnable: 0.2,
                },
                ThreadBusy { on_cpu, runnable },
            ],
            cpu_us_per_request: 10.0,
        })
    }

    #[test]
    fn a_saturated_load_thread_is_named_with_where_its_time_went() {
        let mut results = crate::results::example();
        assert!(bounded(&results).is_empty(), "no load read: nothing");
        results.modes[0].generator = load(0.95, 0.97);
        results.modes[1].generator = load(0.5, 0.89);
        let said = bounded(&results);
        assert_eq!(said.len(), 1, "{said:?}");
        let name = label(&results, &results.modes[0]);
        assert!(
            said[0].contains(&format!(
                "bounded {name} (runnable 97% of its measured time: on a CPU 95%, waiting for one 2%)"
            )),
            "{said:?}"
        );
        assert!(said[0].contains("load.threads"), "its own cost: {said:?}");
        assert!(!said[0].contains(&label(&results, &results.modes[1])));
        results.modes[1].generator = load(0.5, 0.92);
        let said = bounded(&results);
        assert!(said[0].contains("the CPUs were short"), "{said:?}");
    }
}

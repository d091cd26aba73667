//! `poolbench merge a.json b.json … -o merged.json`: the results of several
//! load generators ("agents") that ran the same scenario against the same
//! target at the same time, as one run. poolbench has no coordinator of its
//! own: teams start the agents on the orchestrator they already have (a
//! Kubernetes Indexed Job, see `deploy/`), and merge what they wrote.
//!
//! Rules, mode by mode: histograms merged exactly (HDR: latency, phases,
//! pool wait); counts summed (requests, errors, handshakes, TLS, TIME_WAIT,
//! pool counters); throughput summed (the agents ran at once) and the
//! measured time the longest agent's; CPU per request weighted by
//! requests; peaks (connections, fds) summed — an upper bound of what the
//! agents reached together, since their peaks need not coincide — and kept
//! per agent. The scenario's checks are judged again on the merged figures.
//! Only runs of the same scenario run the same way merge (as `compare`
//! requires); the first file's scenario and environment describe the
//! merged run.

use anyhow::{Context, bail};

use crate::results::figures::{disagreements, round_figures};
use crate::results::sweep::sweeps;
use crate::results::{AgentFigures, AgentRun, GeneratorLoad, ModeResult, Observed, Results};

/// Merges the agents' results, in the order given; `files` names them.
pub fn merge(runs: &[(String, Results)]) -> anyhow::Result<Results> {
    let Some(((_, first), rest)) = runs.split_first() else {
        bail!("merge needs at least one results file");
    };
    for (i, (file, r)) in runs.iter().enumerate() {
        if let Some((same, _)) = runs[..i].iter().find(|(_, o)| same_run(o, r)) {
            bail!(
                "{file} and {same} are the same run (started at {}, every figure alike): \
                 merging it twice would double its counts; give each agent's results once",
                r.started_at
            );
        }
    }
    for (file, r) in rest {
        if let Some(d) = crate::compare::differences(first, r).first() {
            bail!(
                "{file} is not a run of the same scenario run the same way as {}: {d}",
                runs[0].0
            );
        }
    }
    let mut merged = first.clone();
    for m in &mut merged.modes {
        let agents: Vec<&ModeResult> = runs
            .iter()
            .map(|(file, r)| {
                r.modes
                    .iter()
                    .find(|o| o.label == m.label && o.transport == m.transport)
                    .with_context(|| format!("{file} has no mode {}", m.label))
            })
            .collect::<anyhow::Result<_>>()?;
        *m = merge_mode(&agents)?;
    }
    merged.sweeps = sweeps(&merged.modes);
    merged.gate = match crate::scenario::Scenario::parse(
        std::path::Path::new(&first.scenario.file),
        &first.scenario.source,
    ) {
        Ok(scenario) => crate::gate::evaluate(&scenario.checks, &merged.modes, &merged.sweeps),
        // A scenario that no longer parses (an older poolbench wrote it):
        // its checks cannot be judged again.
        Err(_) => Vec::new(),
    };
    merged.run_time_s = runs.iter().map(|(_, r)| r.run_time_s).fold(0.0, f64::max);
    if let Some(n) = first.scenario.load.requests {
        merged.scenario.load.requests = Some(n.saturating_mul(runs.len() as u64));
    }
    merged.agents = runs
        .iter()
        .map(|(file, r)| AgentRun {
            file: file.clone(),
            started_at: r.started_at.clone(),
            machine: format!(
                "{}, {} cores, kernel {}",
                r.environment.cpu_model, r.environment.cores, r.environment.kernel
            ),
        })
        .collect();
    merged.partial = runs.iter().find_map(|(_, r)| r.partial.clone());
    Ok(merged)
}

/// Whether `a` and `b` are one run (a file given twice, or a copy of it):
/// started at the same time with the same figures. Two agents' runs never
/// have the same latency histograms to the microsecond.
fn same_run(a: &Results, b: &Results) -> bool {
    let figures = |r: &Results| serde_json::to_string(&r.modes).ok();
    a.started_at == b.started_at && figures(a) == figures(b)
}

/// One mode of every agent as one.
fn merge_mode(agents: &[&ModeResult]) -> anyhow::Result<ModeResult> {
    let (first, rest) = agents.split_first().context("no agent")?;
    let mut m = (*first).clone();
    for a in rest {
        m.absorb(a)?;
    }
    // At once, not one after another: the longest measured time, the
    // throughputs and peaks added up.
    m.elapsed_s = agents.iter().map(|a| a.elapsed_s).fold(0.0, f64::max);
    m.throughput_rps = agents.iter().map(|a| a.throughput_rps).sum();
    m.peak_connections = agents
        .iter()
        .map(|a| a.peak_connections)
        .reduce(Observed::plus)
        .unwrap_or(m.peak_connections);
    m.peak_fds = agents
        .iter()
        .fold(0u64, |sum, a| sum.saturating_add(a.peak_fds));
    let loads: Vec<_> = (agents.iter())
        .map(|a| (a.generator.as_ref(), a.requests.sent))
        .collect();
    m.generator = GeneratorLoad::side_by_side(&loads);
    for (i, authority) in m.authorities.iter_mut().enumerate() {
        let each = || agents.iter().filter_map(|a| a.authorities.get(i));
        authority.throughput_rps = each().map(|a| a.throughput_rps).sum();
        if let Some(peak) = each().map(|a| a.peak_connections).reduce(Observed::plus) {
            authority.peak_connections = peak;
        }
    }
    m.agents = agents
        .iter()
        .map(|a| AgentFigures {
            ok: a.requests.ok,
            throughput_rps: a.throughput_rps,
            peak_connections: a.peak_connections,
            peak_fds: a.peak_fds,
        })
        .collect();
    m.mismatches = disagreements(&m);
    // Every agent's rounds, agent by agent: `.per_round` divides by them
    // all, so a check per round holds for merged results as for each part.
    m.rounds = agents
        .iter()
        .flat_map(|a| a.rounds.iter().cloned())
        .collect();
    if m.rounds.is_empty() {
        m.rounds = vec![round_figures(&m)];
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_histograms_merge_and_peaks_are_kept_per_agent() -> anyhow::Result<()> {
        let one = crate::results::example();
        // Three agents' runs: alike figures, each started at its own time
        // (the same run twice is refused, see below).
        let agent = |name: &str| {
            let mut r = one.clone();
            r.started_at = format!("{} ({name})", one.started_at);
            (format!("{name}.json"), r)
        };
        let runs = vec![agent("a"), agent("b"), agent("c")];
        let merged = merge(&runs)?;
        for (m, o) in merged.modes.iter().zip(&one.modes) {
            assert_eq!(m.requests.ok, 3 * o.requests.ok);
            assert_eq!(m.handshakes.client, 3 * o.handshakes.client);
            assert_eq!(
                m.latency_us.histogram()?.len(),
                3 * o.latency_us.histogram()?.len()
            );
            assert_eq!(m.latency_us.p99, o.latency_us.p99, "the same distribution");
            assert_eq!(m.peak_fds, 3 * o.peak_fds);
            // Summed in agent order: exactly this sum.
            let t = o.throughput_rps;
            assert_eq!(m.throughput_rps, t + t + t);
            assert_eq!(m.agents.len(), 3);
            assert_eq!(m.agents[1].peak_fds, o.peak_fds);
        }
        assert_eq!(merged.agents.len(), 3);
        assert_eq!(
            merged.scenario.load.requests,
            one.scenario.load.requests.map(|n| 3 * n)
        );
        assert_eq!(merged.gate.len(), one.gate.len(), "the checks judged again");
        let twice = merge(&[agent("a"), agent("a")]).unwrap_err();
        assert!(twice.to_string().contains("are the same run"), "{twice}");
        let mut other = agent("b");
        other.1.scenario.load.concurrency = 1;
        let refused = merge(&[agent("a"), other]).unwrap_err();
        assert!(
            refused.to_string().contains("scenario.load.concurrency"),
            "{refused}"
        );
        Ok(())
    }
}

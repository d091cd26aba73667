//! `load.repeat = N`: the modes run in N interleaved rounds (A B C A B C…),
//! so slow drift on a shared machine hits every mode alike; each mode's
//! rounds are merged into one result here.

use super::ModeResult;
use super::figures::disagreements;

impl ModeResult {
    /// The rounds of one mode (in round order, `load.repeat`) as one
    /// result: histograms merged, counts summed, peaks maxed, CPU per
    /// request weighed by requests; each round's compared figures are kept
    /// as the spread, and the time series (charts) is the first round's.
    pub fn merge_rounds(rounds: Vec<ModeResult>) -> anyhow::Result<ModeResult> {
        let mut iter = rounds.into_iter();
        let mut merged = iter
            .next()
            .ok_or_else(|| anyhow::anyhow!("a mode ran no round"))?;
        for round in iter {
            merged.absorb(&round)?;
        }
        merged.mismatches = disagreements(&merged);
        Ok(merged)
    }
}

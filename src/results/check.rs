//! What serde cannot check about a results file.

use super::{Kind, Phase, Results};

impl Results {
    /// Checks what serde cannot: parallel arrays of equal length, and every
    /// histogram decodable within bounds. A file that fails is refused, not
    /// half drawn.
    pub fn check(&self) -> anyhow::Result<()> {
        for m in &self.modes {
            let s = &m.series;
            let name = &m.label;
            anyhow::ensure!(
                [
                    s.completed.len(),
                    s.open_connections.len(),
                    s.open_fds.len()
                ]
                .iter()
                .all(|n| *n == s.t_s.len())
                    && s.server_open_connections.len() == s.server_t_s.len(),
                "{name}: the series arrays differ in length"
            );
            let in_order = |t: &[f64]| {
                t.iter().all(|t| t.is_finite() && *t >= 0.0) && t.windows(2).all(|w| w[0] <= w[1])
            };
            anyhow::ensure!(
                in_order(&s.t_s) && in_order(&s.server_t_s) && s.interval_s.is_finite(),
                "{name}: the series times are not in order"
            );
            let summaries = Phase::ALL
                .iter()
                .filter_map(|p| m.breakdown_us.phase(*p))
                .chain([&m.latency_us])
                .chain(m.pool.as_ref().map(|p| &p.wait_us));
            for summary in summaries {
                summary
                    .histogram()
                    .map_err(|e| e.context(format!("{name}: a histogram is damaged")))?;
            }
        }
        Ok(())
    }
}

//! How long requests waited for a pooled connection: the percentile
//! spectrum of the pool's wait times (only checkouts that had to wait), one
//! line per mode that uses poolbench's pool. Observer: the client's pool.

use super::Chart;
use super::percentiles::{spectrum, spectrum_chart};
use super::style::{self, Canvas};
use crate::results::Results;

pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Option<Chart>> {
    let mut lines = Vec::new();
    for m in &results.modes {
        if let Some(pool) = m.pool.as_ref().filter(|p| p.waits > 0) {
            let h = pool.wait_us.histogram()?;
            let label = format!("{} ({} waits)", style::label(results, m), pool.waits);
            lines.push((label, style::look(results, m), spectrum(&h)));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let title = "Pool wait, requests that waited (client pool)";
    let svg = spectrum_chart(title, "wait", lines, canvas)?;
    Ok(Some(Chart {
        file: "pool-wait.svg",
        title: "Pool wait",
        caption: "How long checkouts that found no free connection waited, by percentile, for modes on \
                  poolbench's pool; modes whose requests never waited are left out. Observer: the client's pool.",
        svg,
        narrow_svg: String::new(),
    }))
}

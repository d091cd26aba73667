//! SVG charts of a run, drawn with plotters' SVG backend (no font or system
//! library needed: text is left to the browser). Each chart is a pure
//! function of the results, in its own file; [`style`] holds what they share.

mod breakdown;
mod connections;
mod percentiles;
mod pool_wait;
pub mod style;
mod sweep;
mod timeline;

use plotters::prelude::*;

use crate::results::Results;

/// One rendered chart.
pub struct Chart {
    /// File name in the report directory, e.g. `latency.svg`.
    pub file: &'static str,
    /// Title, as the HTML page shows it.
    pub title: &'static str,
    /// What it shows and who observed it.
    pub caption: &'static str,
    pub svg: String,
}

/// Every chart file a report can hold (a re-render removes the ones it no
/// longer has data for, so the page and the directory agree).
pub const FILES: [&str; 6] = [
    "latency.svg",
    "breakdown.svg",
    "connections.svg",
    "timeline.svg",
    "pool-wait.svg",
    "sweep.svg",
];

/// Every chart the results have data for.
pub fn render_all(results: &Results) -> anyhow::Result<Vec<Chart>> {
    let mut charts = vec![
        percentiles::render(results)?,
        breakdown::render(results)?,
        connections::render(results)?,
        timeline::render(results)?,
    ];
    if let Some(chart) = pool_wait::render(results)? {
        charts.push(chart);
    }
    if let Some(chart) = sweep::render(results)? {
        charts.push(chart);
    }
    for chart in &mut charts {
        chart.svg = titled(&chart.svg, chart.title, chart.caption);
    }
    Ok(charts)
}

/// The SVG with a `<title>` and an accessible label (a screen reader's and
/// a hovering mouse's), which plotters does not write.
fn titled(svg: &str, title: &str, caption: &str) -> String {
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|i| start + i) else {
        return svg.to_string();
    };
    format!(
        "{} role=\"img\" aria-label=\"{}\"><title>{}</title>{}",
        &svg[..end],
        escape(caption),
        escape(title),
        &svg[end + 1..]
    )
}

/// The largest value an axis reaches: beyond it (a damaged results file)
/// plotters' arithmetic overflows.
pub const AXIS_MAX: f64 = 1e15;

/// Runs a drawing closure on an SVG string backend of the given size.
fn draw(
    size: (u32, u32),
    f: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        f(&root)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// plotters' errors carry the backend's error type; keep the message.
fn plot_error<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> anyhow::Error {
    anyhow::anyhow!("drawing a chart failed: {e}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_chart_gets_a_title_and_a_label() {
        let svg = super::titled(
            "<?xml?><svg width=\"1\"><rect/></svg>",
            "Latency <p99>",
            "a \"caption\"",
        );
        assert_eq!(
            svg,
            "<?xml?><svg width=\"1\" role=\"img\" aria-label=\"a &quot;caption&quot;\">\
             <title>Latency &lt;p99&gt;</title><rect/></svg>"
        );
        assert_eq!(super::titled("no svg", "t", "c"), "no svg");
    }

    // A client that cannot observe its connections gets no client bar: the
    // chart never draws an unobserved figure as a number.
    #[test]
    fn an_unobserved_peak_is_not_drawn() -> anyhow::Result<()> {
        let mut results = crate::results::example();
        results.modes[0].peak_connections.client = 7771;
        let drawn = super::connections::render(&results)?.svg;
        assert!(drawn.contains("7771"), "observed, it is drawn");
        results.modes[0].unobserved = vec!["peak_connections".into()];
        let unseen = super::connections::render(&results)?.svg;
        assert!(!unseen.contains("7771"), "unobserved, it is not");
        Ok(())
    }
}

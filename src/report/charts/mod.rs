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
use style::Canvas;

/// One rendered chart.
pub struct Chart {
    /// File name in the report directory, e.g. `latency.svg`.
    pub file: &'static str,
    /// Title, as the HTML page shows it.
    pub title: &'static str,
    /// What it shows and who observed it.
    pub caption: &'static str,
    pub svg: String,
    /// The same chart drawn for a phone's width (the page shows it there;
    /// the file holds the wide one).
    pub narrow_svg: String,
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

/// A chart drawn on a canvas, if the results have data for it.
type Render = fn(&Results, Canvas) -> anyhow::Result<Option<Chart>>;

/// Every chart, in the page's order.
const CHARTS: [Render; 6] = [
    |r, c| percentiles::render(r, c).map(Some),
    |r, c| breakdown::render(r, c).map(Some),
    |r, c| connections::render(r, c).map(Some),
    |r, c| timeline::render(r, c).map(Some),
    pool_wait::render,
    sweep::render,
];

/// Every chart the results have data for, each drawn wide and narrow.
pub fn render_all(results: &Results) -> anyhow::Result<Vec<Chart>> {
    let mut charts = Vec::new();
    for render in CHARTS {
        let Some(mut chart) = render(results, Canvas::WIDE)? else {
            continue;
        };
        let narrow = render(results, Canvas::NARROW)?.map(|c| c.svg);
        chart.svg = titled(&chart.svg, chart.title, chart.caption);
        chart.narrow_svg = titled(&narrow.unwrap_or_default(), chart.title, chart.caption);
        charts.push(chart);
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
        let drawn = super::connections::render(&results, super::Canvas::WIDE)?.svg;
        assert!(drawn.contains("7771"), "observed, it is drawn");
        results.modes[0].unobserved = vec!["peak_connections".into()];
        let unseen = super::connections::render(&results, super::Canvas::WIDE)?.svg;
        assert!(!unseen.contains("7771"), "unobserved, it is not");
        Ok(())
    }

    // Every chart is drawn twice: wide for the file and a desktop, narrow
    // (440 px, its legend under the plot) for a phone.
    #[test]
    fn every_chart_has_a_narrow_drawing_for_a_phone() -> anyhow::Result<()> {
        let charts = super::render_all(&crate::results::example())?;
        assert!(charts.len() >= 4);
        for c in &charts {
            assert!(c.svg.contains("width=\"900\""), "{}", c.file);
            assert!(c.narrow_svg.contains("width=\"440\""), "{}", c.file);
            assert!(c.narrow_svg.contains("<title>"), "{}", c.file);
        }
        Ok(())
    }

    // A log axis whose values lie inside one decade still labels two.
    #[test]
    fn a_log_axis_labels_every_decade_it_spans() -> anyhow::Result<()> {
        let look = super::style::Look {
            colour: plotters::style::RGBColor(0, 0, 0),
            dash: super::style::Dash::Solid,
        };
        let points = vec![(0.0, 40_000.0), (1.0, 55_000.0), (2.0, 70_000.0)];
        let lines = vec![("waits".to_string(), look, points)];
        let svg = super::percentiles::spectrum_chart("t", "wait", lines, super::Canvas::WIDE)?;
        assert!(
            svg.contains("\n10ms\n") && svg.contains("\n100ms\n"),
            "{svg}"
        );
        Ok(())
    }
}

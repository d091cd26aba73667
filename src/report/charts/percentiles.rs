//! Latency percentile spectrum: one line per mode, percentile on the usual
//! HdrHistogram log scale (x = -log10(1 - p): 90% at 1, 99% at 2, …) against
//! latency on a log scale. Observer: the client.

use plotters::prelude::*;

use super::style::{self, Canvas, FONT, GRID, HEIGHT, TEXT};
use super::{Chart, draw, plot_error};
use crate::results::Results;

/// The spectrum of one histogram: (x, µs) points up to the last percentile
/// its count can resolve.
pub fn spectrum(h: &hdrhistogram::Histogram<u64>) -> Vec<(f64, f64)> {
    if h.is_empty() {
        return Vec::new();
    }
    let top = (h.len() as f64).log10().clamp(1.0, 5.0);
    let steps = 100;
    (0..=steps)
        .map(|i| top * i as f64 / steps as f64)
        .map(|x| {
            let q = 1.0 - 10f64.powf(-x);
            (x, h.value_at_quantile(q).max(1) as f64)
        })
        .collect()
}

pub fn percent_label(x: f64) -> String {
    if (x - x.round()).abs() > 1e-6 {
        return String::new();
    }
    match x.round() as i32 {
        0 => "0%".to_string(),
        n => format!("{}%", 100.0 - 100.0 * 10f64.powi(-n)),
    }
}

/// One line per series: (label, look, spectrum points).
pub type Lines = Vec<(String, style::Look, Vec<(f64, f64)>)>;

/// A percentile-spectrum chart of `lines`, µs on the y axis.
pub fn spectrum_chart(
    title: &str,
    y_desc: &str,
    lines: Lines,
    canvas: Canvas,
) -> anyhow::Result<String> {
    // Whole decades, so every tick is a readable percentile.
    let x_max = lines
        .iter()
        .flat_map(|(_, _, pts)| pts.last().map(|p| p.0))
        .fold(2.0, f64::max)
        .ceil();
    // A log axis: a tail 1000× the median stays readable beside it.
    let values = || lines.iter().flat_map(|(_, _, pts)| pts.iter().map(|p| p.1));
    // Whole decades at both ends, so the log axis labels at least two of
    // them (a range inside one decade would show one label, or none).
    let decade_up = |v: f64| 10f64.powf(v.log10().ceil());
    let decade_down = |v: f64| 10f64.powf(v.log10().floor());
    let highest = values().fold(2.0f64, f64::max).min(super::AXIS_MAX);
    let y_max = decade_up(highest * 1.05);
    // max/min, not clamp: a damaged file's NaN must not panic.
    let lowest = values().filter(|v| *v >= 1.0).fold(highest, f64::min);
    let y_min = decade_down(lowest).max(1.0).min(y_max / 10.0);
    let lines: Lines = lines
        .into_iter()
        .map(|(label, look, pts)| {
            let pts = pts.into_iter().map(|(x, y)| (x, y.max(y_min))).collect();
            (label, look, pts)
        })
        .collect();
    let entries: Vec<(String, style::Mark)> = lines
        .iter()
        .map(|(label, look, _)| (label.clone(), style::Mark::Line(*look)))
        .collect();
    let size = (canvas.width(), canvas.height(HEIGHT, entries.len()));
    draw(size, |root| {
        let plot = style::with_legend(root, &entries, canvas)?;
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, (FONT, 20).into_font().color(&TEXT))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, (y_min..y_max).log_scale())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID)
            .x_labels((x_max as usize).saturating_add(1).min(20))
            .x_label_formatter(&|x| percent_label(*x))
            .y_label_formatter(&|us| style::axis_time(*us))
            .x_desc("percentile")
            .y_desc(y_desc)
            .draw()
            .map_err(plot_error)?;
        for (_, look, points) in lines {
            style::draw_line(&mut chart, points, look)?;
        }
        Ok(())
    })
}

pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Chart> {
    let mut lines = Vec::new();
    for m in &results.modes {
        let h = m.latency_us.histogram()?;
        lines.push((
            style::label(results, m),
            style::look(results, m),
            spectrum(&h),
        ));
    }
    let svg = spectrum_chart("Latency by percentile (client)", "latency", lines, canvas)?;
    Ok(Chart {
        file: "latency.svg",
        title: "Latency by percentile",
        caption: "Each line is one mode's latency distribution (request issued to last body byte), \
                  read from its HdrHistogram, on a log scale up to its maximum; the x axis stretches the \
                  tail: 90%, 99%, 99.9%… Observer: the client.",
        svg,
        narrow_svg: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_spectrum() -> anyhow::Result<()> {
        assert_eq!(percent_label(0.0), "0%");
        assert_eq!(percent_label(2.0), "99%");
        assert_eq!(percent_label(3.0), "99.9%");
        let mut h = crate::metrics::histogram::new_histogram();
        for v in 1..=1000u64 {
            h.record(v)?;
        }
        let s = spectrum(&h);
        let top = s.last().map_or(0.0, |p| p.0);
        assert!((top - 3.0).abs() < 1e-9, "1000 values resolve 99.9%");
        assert!(s.windows(2).all(|w| w[0].1 <= w[1].1), "monotonic");
        Ok(())
    }
}

//! A limit sweep: throughput and p99 latency against the connection limit
//! (a doubling scale), one line per sweep, the recommended limit circled.

use plotters::prelude::*;

use super::style::{self, Canvas, FONT, GRID, TEXT};
use super::{AXIS_MAX, Chart, draw, plot_error};
use crate::results::{ModeResult, Results, Sweep};

/// (log2 of the limit, value) per point, and the recommended point.
struct Line {
    label: String,
    look: style::Look,
    points: Vec<(f64, f64)>,
    recommended: Option<(f64, f64)>,
}

fn lines(results: &Results, read: fn(&ModeResult) -> f64) -> Vec<Line> {
    results
        .sweeps
        .iter()
        .filter_map(|s: &Sweep| {
            let mode = |label: &str| {
                results
                    .modes
                    .iter()
                    .find(|m| m.label == label && m.transport == s.transport)
            };
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter_map(|p| Some((f64::from(p.limit).log2(), read(mode(&p.mode)?))))
                .map(|(x, y)| (x, y.clamp(0.0, AXIS_MAX)))
                .collect();
            let first = mode(&s.points.first()?.mode)?;
            let recommended = s
                .recommended
                .and_then(|r| points.iter().copied().find(|p| p.0 == f64::from(r).log2()));
            Some(Line {
                label: crate::results::sweep_label(results, s),
                look: style::look(results, first),
                points,
                recommended,
            })
        })
        .collect()
}

fn panel(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    title: &str,
    lines: &[Line],
    y_label: fn(f64) -> String,
) -> anyhow::Result<()> {
    let all = || lines.iter().flat_map(|l| l.points.iter());
    // x is log2 of the limit: a doubling per step, labelled 1, 2, 4, 8…
    let x_max = all().map(|p| p.0).fold(1.0, f64::max);
    let y_max = all().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18).into_font().color(&TEXT))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.3f64..x_max + 0.3, 0f64..y_max)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .x_labels((x_max as usize).saturating_add(2).min(40))
        .x_label_formatter(&|x| format!("{:.0}", x.exp2()))
        .y_label_formatter(&|y| y_label(*y))
        .x_desc("connection limit")
        .draw()
        .map_err(plot_error)?;
    for line in lines {
        let colour = line.look.colour;
        style::draw_line(&mut chart, line.points.clone(), line.look)?;
        chart
            .draw_series(
                line.points
                    .iter()
                    .map(|&p| Circle::new(p, 3, colour.filled())),
            )
            .map_err(plot_error)?;
        if let Some(p) = line.recommended {
            chart
                .draw_series(std::iter::once(Circle::new(p, 8, colour.stroke_width(2))))
                .map_err(plot_error)?;
        }
    }
    Ok(())
}

/// The sweep chart, when the run had a sweep.
pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Option<Chart>> {
    if results.sweeps.is_empty() {
        return Ok(None);
    }
    let throughput = lines(results, |m| m.throughput_rps);
    let p99 = lines(results, |m| m.latency_us.p99 as f64);
    // One sweep needs no legend (the panels' titles say what it is);
    // several get one beside the panels.
    let entries: Vec<(String, style::Mark)> = match throughput.len() {
        0 | 1 => Vec::new(),
        _ => throughput
            .iter()
            .map(|l| (l.label.clone(), style::Mark::Line(l.look)))
            .collect(),
    };
    // Narrow: the two panels one above the other.
    let height = match canvas.narrow {
        false => 380,
        true => 2 * 340,
    };
    let size = (canvas.width(), canvas.height(height, entries.len()));
    let svg = draw(size, |root| {
        let root = match entries.is_empty() {
            true => root.clone(),
            false => style::with_legend(root, &entries, canvas)?,
        };
        let (w, h) = root.dim_in_pixel();
        let (left, right) = match canvas.narrow {
            false => root.split_horizontally(w / 2),
            true => root.split_vertically(h / 2),
        };
        panel(&left, "Throughput (client, req/s)", &throughput, |y| {
            format!("{y:.0}")
        })?;
        panel(&right, "Latency p99 (client)", &p99, style::axis_time)
    })?;
    Ok(Some(Chart {
        file: "sweep.svg",
        title: "Limit sweep",
        caption: "Each limit of a sweep ran as its own mode; the circled point is the recommended \
                  limit: the smallest within 5% of the best throughput and 10% of the best p99. \
                  Observer: the client.",
        svg,
        narrow_svg: String::new(),
    }))
}

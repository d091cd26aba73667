//! Where the time went: one horizontal bar per mode, split into the mean of
//! each latency phase (the means add up to the mean latency). Phases a mode
//! cannot observe are left out. Observer: the client.

use plotters::prelude::*;

use super::style::{self, Canvas, FONT, GRID, TEXT};
use super::{Chart, draw, plot_error};
use crate::results::{Kind, ModeResult, Phase, Results};

/// Each phase's colour, in [`Phase::ALL`] order: Okabe and Ito's palette,
/// told apart with any colour vision, no red beside a green (late, client
/// build, pool wait, connect, TLS handshake, first byte, body).
const COLOURS: [RGBColor; 7] = [
    RGBColor(150, 150, 150),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
];

/// The phases before `phase` (all of them without one), added up.
fn before(m: &ModeResult, phase: Option<Phase>) -> f64 {
    Phase::ALL
        .iter()
        .take_while(|p| Some(**p) != phase)
        .filter_map(|p| m.breakdown_us.phase(*p))
        .map(|s| s.mean)
        .sum()
}

/// One phase's segment of every mode's bar (the first mode on top), within
/// `widest`.
fn bars(
    results: &Results,
    kind: Phase,
    colour: RGBColor,
    widest: f64,
) -> Vec<Rectangle<(f64, SegmentValue<usize>)>> {
    let n = results.modes.len();
    let mut bars = Vec::new();
    for (i, m) in results.modes.iter().enumerate() {
        let Some(phase) = m.breakdown_us.phase(kind).filter(|p| p.mean > 0.0) else {
            continue;
        };
        let start = before(m, Some(kind));
        // Segments 0..=n-1, one per mode: the last one ends at the top.
        let row = n - 1 - i;
        let next = match row + 1 < n {
            true => SegmentValue::Exact(row + 1),
            false => SegmentValue::Last,
        };
        let (top, bottom) = (SegmentValue::Exact(row), next);
        let (start, end) = (start.min(widest), (start + phase.mean).min(widest));
        bars.push(Rectangle::new(
            [(start, top), (end, bottom)],
            colour.filled(),
        ));
    }
    bars
}

pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Chart> {
    let n = results.modes.len();
    let labels: Vec<String> = results
        .modes
        .iter()
        .map(|m| style::label(results, m))
        .collect();
    let widest = results
        .modes
        .iter()
        .map(|m| m.latency_us.mean.max(before(m, None)))
        .fold(1.0, f64::max)
        .min(super::AXIS_MAX);
    let x_max = widest * 1.05;
    let entries: Vec<(String, style::Mark)> = Phase::ALL
        .iter()
        .zip(COLOURS)
        .filter(|(p, _)| {
            results
                .modes
                .iter()
                .any(|m| m.breakdown_us.phase(**p).is_some())
        })
        .map(|(p, c)| (p.label().to_string(), style::Mark::Swatch(c)))
        .collect();
    let height = (120 + 46 * n as u32).max(70 + 22 * entries.len() as u32);
    let size = (canvas.width(), canvas.height(height, entries.len()));
    let label_area = if canvas.narrow { 130 } else { 190 };
    let svg = draw(size, |root| {
        let plot = style::with_legend(root, &entries, canvas)?;
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                "Mean latency by phase (client)",
                (FONT, 20).into_font().color(&TEXT),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0f64..x_max, (0..n.saturating_sub(1)).into_segmented())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID)
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                // The first mode on top.
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels
                    .get(n.wrapping_sub(i + 1))
                    .cloned()
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .x_label_formatter(&|us| style::axis_time(*us))
            .x_desc("mean latency, by phase")
            .draw()
            .map_err(plot_error)?;
        for (&kind, colour) in Phase::ALL.iter().zip(COLOURS) {
            chart
                .draw_series(bars(results, kind, colour, widest))
                .map_err(plot_error)?;
        }
        Ok(())
    })?;
    Ok(Chart {
        file: "breakdown.svg",
        title: "Latency breakdown",
        caption: "Mean time per phase of a request: late (open loop), client build, pool wait, TCP connect, \
                  TLS handshake, first byte, body. Each request's phases add up to its latency, so each bar is \
                  the mean latency. Observer: the client.",
        svg,
        narrow_svg: String::new(),
    })
}

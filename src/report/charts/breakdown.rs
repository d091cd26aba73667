//! Where the time went: one horizontal bar per mode, split into the mean of
//! each latency phase (the means add up to the mean latency). Phases a mode
//! cannot observe are left out. Observer: the client.

use plotters::prelude::*;

use super::style::{self, FONT, GRID, TEXT, WIDTH};
use super::{Chart, draw, plot_error};
use crate::results::{Breakdown, LatencySummary, Results};

type Pick = fn(&Breakdown) -> Option<&LatencySummary>;

/// Phases in order, with their colour.
const PHASES: [(&str, RGBColor, Pick); 7] = [
    ("late", RGBColor(150, 150, 150), |b| b.late.as_ref()),
    ("client build", RGBColor(166, 118, 29), |b| {
        b.client_build.as_ref()
    }),
    ("pool wait", RGBColor(228, 26, 28), |b| b.pool_wait.as_ref()),
    ("connect", RGBColor(55, 126, 184), |b| b.connect.as_ref()),
    ("TLS", RGBColor(77, 175, 74), |b| b.tls.as_ref()),
    ("first byte", RGBColor(152, 78, 163), |b| {
        Some(&b.first_byte)
    }),
    ("body", RGBColor(255, 127, 0), |b| Some(&b.body)),
];

pub fn render(results: &Results) -> anyhow::Result<Chart> {
    let n = results.modes.len();
    let labels: Vec<String> = results
        .modes
        .iter()
        .map(|m| style::label(results, m))
        .collect();
    let phases_sum = |m: &crate::results::ModeResult| -> f64 {
        PHASES
            .iter()
            .filter_map(|(_, _, p)| p(&m.breakdown_us))
            .map(|s| s.mean)
            .sum()
    };
    let widest = results
        .modes
        .iter()
        .map(|m| m.latency_us.mean.max(phases_sum(m)))
        .fold(1.0, f64::max)
        .min(super::AXIS_MAX);
    let x_max = widest * 1.4; // room on the right for the legend
    let height = 120 + 46 * n as u32;
    let svg = draw((WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Mean latency by phase (client)",
                (FONT, 20).into_font().color(&TEXT),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..x_max, (0..n).into_segmented())
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
        for (name, colour, pick) in PHASES {
            let mut bars = Vec::new();
            for (i, m) in results.modes.iter().enumerate() {
                let Some(phase) = pick(&m.breakdown_us) else {
                    continue;
                };
                let start: f64 = PHASES
                    .iter()
                    .take_while(|(other, _, _)| *other != name)
                    .filter_map(|(_, _, p)| p(&m.breakdown_us))
                    .map(|s| s.mean)
                    .sum();
                if phase.mean > 0.0 {
                    let row = n - 1 - i;
                    let (top, bottom) = (SegmentValue::Exact(row), SegmentValue::Exact(row + 1));
                    let (start, end) = (start.min(widest), (start + phase.mean).min(widest));
                    bars.push(Rectangle::new(
                        [(start, top), (end, bottom)],
                        colour.filled(),
                    ));
                }
            }
            chart
                .draw_series(bars)
                .map_err(plot_error)?
                .label(name)
                .legend(move |(x, y)| style::legend_swatch(x, y, colour));
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
    })?;
    Ok(Chart {
        file: "breakdown.svg",
        title: "Latency breakdown",
        caption: "Mean time per phase of a request: late (open loop), client build, pool wait, TCP connect, \
                  TLS handshake, first byte, body. Each request's phases add up to its latency, so each bar is \
                  the mean latency. Observer: the client.",
        svg,
    })
}

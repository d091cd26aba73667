//! Connections per mode, side by side: handshakes and peak connections as
//! the client counted them (solid) beside the server's count (pale), and
//! peak fds as the OS reported them. Each bar is labelled with its value
//! and its group with the mode's number; the legend under the panels names
//! the modes by number (a mode's colour is the same over HTTP and HTTPS).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Canvas, FONT, GRID, TEXT};
use super::{Chart, draw, plot_error};
use crate::results::{ModeResult, Observed, Results};

/// One panel: a figure per mode, from one or two observers.
struct Panel {
    title: &'static str,
    /// The figure it draws, by its catalogue name: a mode that cannot
    /// observe it gets no client bar (never a 0 nobody counted).
    figure: &'static str,
    pick: fn(&ModeResult) -> Observed,
}

const PANELS: [Panel; 3] = [
    Panel {
        title: "TCP handshakes",
        figure: "handshakes",
        pick: |m| m.handshakes,
    },
    Panel {
        title: "peak connections",
        figure: "peak_connections",
        pick: |m| m.peak_connections,
    },
    Panel {
        title: "peak fds (OS)",
        figure: "peak_fds",
        pick: |m| Observed {
            client: m.peak_fds,
            server: None,
        },
    },
];

const LEGEND_ROW: u32 = 22;

pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Chart> {
    let n = results.modes.len();
    // Wide: three panels side by side, the legend in three columns;
    // narrow: the panels one above the other, the legend in one column.
    let (columns, panels_height) = match canvas.narrow {
        false => (3, 360),
        true => (1, 3 * 260),
    };
    let legend_height = 16 + LEGEND_ROW * n.div_ceil(columns) as u32;
    let svg = draw((canvas.width(), panels_height + legend_height), |root| {
        let root = root
            .titled(
                "Connections (client solid, server pale)",
                (FONT, 20).into_font().color(&TEXT),
            )
            .map_err(plot_error)?;
        let (panels, legend) = root.split_vertically(root.dim_in_pixel().1 - legend_height);
        let grid = match canvas.narrow {
            false => (1, PANELS.len()),
            true => (PANELS.len(), 1),
        };
        for (area, panel) in panels.split_evenly(grid).iter().zip(PANELS) {
            draw_panel(area, &panel, results)?;
        }
        for (i, m) in results.modes.iter().enumerate() {
            let (col, row) = ((i % columns) as i32, (i / columns) as i32);
            let (x, y) = (20 + col * 290, 8 + row * LEGEND_ROW as i32);
            let colour = style::colour(results, m);
            let text = format!("{} {}", i + 1, style::label(results, m));
            legend
                .draw(&Rectangle::new(
                    [(x, y + 2), (x + 14, y + 14)],
                    colour.filled(),
                ))
                .map_err(plot_error)?;
            let font = (FONT, 13).into_font().color(&TEXT);
            legend
                .draw(&Text::new(text, (x + 20, y + 1), font))
                .map_err(plot_error)?;
        }
        Ok(())
    })?;
    Ok(Chart {
        file: "connections.svg",
        title: "Handshakes, connections and fds",
        caption: "Per mode, in the order they ran. Handshakes and peak connections as the client's connector \
                  counted them (solid) beside the bundled server's own count (pale); peak fds of the client \
                  process as the OS reported them.",
        svg,
        narrow_svg: String::new(),
    })
}

fn draw_panel(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    panel: &Panel,
    results: &Results,
) -> anyhow::Result<()> {
    let n = results.modes.len();
    let values: Vec<Observed> = results.modes.iter().map(panel.pick).collect();
    let top = values
        .iter()
        .map(|o| o.client.max(o.server.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let top = top.min(super::AXIS_MAX) * 1.25;
    let mut chart = ChartBuilder::on(area)
        .caption(panel.title, (FONT, 15).into_font().color(&TEXT))
        .margin(8)
        .x_label_area_size(20)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .disable_x_mesh()
        .x_labels(0)
        .y_labels((top as usize).saturating_add(1).min(10))
        .y_label_formatter(&|v| style::axis_count(*v))
        .draw()
        .map_err(plot_error)?;
    let label_font = (FONT, 11)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    let number_font = (FONT, 12)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, (m, value)) in results.modes.iter().zip(&values).enumerate() {
        let colour = style::colour(results, m);
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Text::new(
                (i + 1).to_string(),
                (x + 0.5, 0.0),
                number_font.clone(),
            )))
            .map_err(plot_error)?;
        let seen = !m.unobserved.iter().any(|u| u == panel.figure);
        let bars = bars(x, *value, seen, colour);
        for (x0, x1, v, style) in &bars {
            let height = (*v as f64).min(super::AXIS_MAX);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(*x0, 0.0), (*x1, height)],
                    *style,
                )))
                .map_err(plot_error)?;
        }
        // One label over the group, so two bars' numbers never run into
        // each other: "1000" where the sides agree, "52|79" where not.
        let drawn: Vec<u64> = bars.iter().map(|b| b.2).collect();
        let Some(&highest) = drawn.iter().max() else {
            continue;
        };
        chart
            .draw_series(std::iter::once(Text::new(
                group_label(&drawn),
                (x + 0.5, (highest as f64).min(super::AXIS_MAX) + top * 0.02),
                label_font.clone(),
            )))
            .map_err(plot_error)?;
    }
    Ok(())
}

/// A mode's bars from `x`: the client's (unless unobserved) and the
/// server's (pale), each its left and right edge, value and style.
fn bars(x: f64, value: Observed, seen: bool, colour: RGBColor) -> Vec<(f64, f64, u64, ShapeStyle)> {
    match (value.server, seen) {
        (Some(server), true) => vec![
            (x + 0.12, x + 0.5, value.client, colour.filled()),
            (x + 0.5, x + 0.88, server, colour.mix(0.35).filled()),
        ],
        (Some(server), false) => vec![(x + 0.5, x + 0.88, server, colour.mix(0.35).filled())],
        (None, true) => vec![(x + 0.25, x + 0.75, value.client, colour.filled())],
        (None, false) => Vec::new(),
    }
}

/// The label of a group of bars: its one value, or client|server.
fn group_label(values: &[u64]) -> String {
    match values {
        [a, b] if a != b => format!("{a}|{b}"),
        [a, ..] => a.to_string(),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_group_has_one_label_that_never_runs_into_another() {
        assert_eq!(super::group_label(&[1000, 1000]), "1000");
        assert_eq!(super::group_label(&[52, 79]), "52|79");
        assert_eq!(super::group_label(&[7]), "7");
        assert_eq!(super::group_label(&[]), "");
    }
}

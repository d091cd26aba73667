//! The measured phase over time, one line per mode: throughput (completed
//! requests per second, client), open connections (client gauge) and open
//! fds (OS), from the series the sampler recorded.

use plotters::prelude::*;

use super::style::{self, Canvas, FONT, GRID, TEXT};
use super::{Chart, draw, plot_error};
use crate::results::{ModeResult, Results};

type Points = Vec<(f64, f64)>;

/// Requests per second over a window of about a fiftieth of the mode (at
/// least five sample intervals), so single completions do not read as spikes.
fn throughput(m: &ModeResult) -> Points {
    let s = &m.series;
    let end = s.t_s.last().copied().unwrap_or(0.0);
    let window = (end / 50.0).max(s.interval_s * 5.0);
    let mut points = Vec::new();
    let mut from = 0;
    for (i, &t) in s.t_s.iter().enumerate() {
        while from < i && t - s.t_s[from] > window {
            from += 1;
        }
        let (t0, done0) = if from == i {
            (0.0, 0)
        } else {
            (s.t_s[from], s.completed[from])
        };
        if t > t0 {
            points.push((t, s.completed[i].saturating_sub(done0) as f64 / (t - t0)));
        }
    }
    points
}

fn gauge(m: &ModeResult, values: &[u64]) -> Points {
    m.series
        .t_s
        .iter()
        .zip(values)
        .map(|(&t, &v)| (t, v as f64))
        .collect()
}

struct Panel {
    title: &'static str,
    points: fn(&ModeResult) -> Points,
    /// The same figure seen by the server, drawn pale, if it sees it.
    server: Option<fn(&ModeResult) -> Points>,
}

/// The server's open connections at each poll.
fn server_connections(m: &ModeResult) -> Points {
    let s = &m.series;
    s.server_t_s
        .iter()
        .zip(&s.server_open_connections)
        .map(|(&t, &v)| (t, v as f64))
        .collect()
}

const PANELS: [Panel; 3] = [
    Panel {
        title: "throughput, requests/s (client)",
        points: throughput,
        server: None,
    },
    Panel {
        title: "open connections (client solid, server pale)",
        points: |m| gauge(m, &m.series.open_connections),
        server: Some(server_connections),
    },
    Panel {
        title: "open fds (OS)",
        points: |m| gauge(m, &m.series.open_fds),
        server: None,
    },
];

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// One panel: a line per mode (and the server's, pale).
fn draw_panel(area: &Area, panel: &Panel, results: &Results) -> anyhow::Result<()> {
    let lines: Vec<(style::Look, Points)> = results
        .modes
        .iter()
        .map(|m| (style::look(results, m), (panel.points)(m)))
        .collect();
    let server_lines: Vec<(RGBColor, Points)> = panel.server.map_or_else(Vec::new, |f| {
        results
            .modes
            .iter()
            .map(|m| (style::colour(results, m), f(m)))
            .collect()
    });
    let all = || {
        lines
            .iter()
            .flat_map(|l| l.1.iter())
            .chain(server_lines.iter().flat_map(|l| l.1.iter()))
    };
    let x_max = all()
        .map(|p| p.0)
        .fold(0.001, f64::max)
        .min(super::AXIS_MAX);
    let y_max = all().map(|p| p.1).fold(1.0, f64::max).min(super::AXIS_MAX) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(panel.title, (FONT, 15).into_font().color(&TEXT))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .x_label_formatter(&|s| format!("{s:.2}s"))
        .y_labels((y_max as usize).saturating_add(1).min(10))
        .y_label_formatter(&|v| style::axis_count(*v))
        .draw()
        .map_err(plot_error)?;
    // Within the axes, whatever a damaged file says.
    let inside = |points: Points| {
        points
            .into_iter()
            .map(move |(x, y)| (x.min(x_max), y.min(y_max)))
    };
    for (colour, points) in server_lines {
        let pale = colour.mix(0.4).stroke_width(2);
        chart
            .draw_series(LineSeries::new(inside(points), pale))
            .map_err(plot_error)?;
    }
    for (look, points) in lines {
        style::draw_line(&mut chart, inside(points).collect(), look)?;
    }
    Ok(())
}

pub fn render(results: &Results, canvas: Canvas) -> anyhow::Result<Chart> {
    let legend = results.modes.len() + 1;
    let size = (canvas.width(), canvas.height(760, legend));
    let svg = draw(size, |root| {
        let root = root
            .titled(
                "Over the measured phase",
                (FONT, 20).into_font().color(&TEXT),
            )
            .map_err(plot_error)?;
        let mut entries: Vec<(String, style::Mark)> = results
            .modes
            .iter()
            .map(|m| {
                (
                    style::label(results, m),
                    style::Mark::Line(style::look(results, m)),
                )
            })
            .collect();
        if results
            .modes
            .iter()
            .any(|m| !m.series.server_t_s.is_empty())
        {
            let pale = RGBColor(200, 200, 200);
            entries.push(("pale: the server's".to_string(), style::Mark::Swatch(pale)));
        }
        let plot = style::with_legend(&root, &entries, canvas)?;
        for (area, panel) in plot.split_evenly((PANELS.len(), 1)).iter().zip(PANELS) {
            draw_panel(area, &panel, results)?;
        }
        Ok(())
    })?;
    Ok(Chart {
        file: "timeline.svg",
        title: "Over time",
        caption: "Each mode's measured phase from its own start: throughput (completed requests per second \
                  between samples, client), the most client connections open in each sample interval (client \
                  gauge; pale: the bundled server's count when polled), and the most fds open (OS, minus the \
                  count before the mode).",
        svg,
        narrow_svg: String::new(),
    })
}

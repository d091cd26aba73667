//! How long requests waited for a pooled connection: the percentile
//! spectrum of the pool's wait times (only checkouts that had to wait), one
//! line per mode that uses poolbench's pool. Observer: the client's pool.

use plotters::prelude::*;

use super::percentiles::{percent_label, spectrum};
use super::style::{self, FONT, GRID, HEIGHT, TEXT, WIDTH};
use super::{Chart, draw, plot_error};
use crate::results::Results;

pub fn render(results: &Results) -> anyhow::Result<Option<Chart>> {
    let mut lines = Vec::new();
    for m in &results.modes {
        if let Some(pool) = m.pool.as_ref().filter(|p| p.waits > 0) {
            let h = pool.wait_us.histogram()?;
            let label = format!("{} ({} waits)", style::label(results, m), pool.waits);
            lines.push((label, style::colour(m), spectrum(&h)));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let x_max = lines
        .iter()
        .flat_map(|l| l.2.last().map(|p| p.0))
        .fold(2.0, f64::max)
        .ceil();
    let y_max = lines
        .iter()
        .flat_map(|l| l.2.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 1.1;
    let svg = draw((WIDTH, HEIGHT), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Pool wait, requests that waited (client pool)",
                (FONT, 20).into_font().color(&TEXT),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID)
            .x_labels(x_max.ceil() as usize + 1)
            .x_label_formatter(&|x| percent_label(*x))
            .y_label_formatter(&|us| style::axis_time(*us))
            .x_desc("percentile")
            .y_desc("wait")
            .draw()
            .map_err(plot_error)?;
        for (label, colour, points) in lines {
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(plot_error)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font((FONT, 13))
            .draw()
            .map_err(plot_error)?;
        Ok(())
    })?;
    Ok(Some(Chart {
        file: "pool-wait.svg",
        title: "Pool wait",
        caption: "How long checkouts that found no free connection waited, by percentile, for modes on \
                  poolbench's pool; modes whose requests never waited are left out. Observer: the client's pool.",
        svg,
    }))
}

//! What every chart shares: size, fonts, and one colour per mode, the same
//! in every chart and every report.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

use crate::results::ModeResult;
use crate::scenario::{ModeKind, Transport};

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 420;
pub const FONT: &str = "sans-serif";
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const TEXT: RGBColor = RGBColor(40, 40, 40);

/// The colour of a mode: fixed per mode, darker over HTTPS.
pub fn colour(m: &ModeResult) -> RGBColor {
    let RGBColor(r, g, b) = match m.mode {
        ModeKind::Pooled => RGBColor(27, 158, 119),
        ModeKind::PerRequestClient => RGBColor(217, 95, 2),
        ModeKind::KeepAliveDisabled => RGBColor(117, 112, 179),
        ModeKind::HyperUtil => RGBColor(231, 41, 138),
    };
    let darker = |c: u8| (u16::from(c) * 3 / 5) as u8;
    match m.transport {
        Transport::Http => RGBColor(r, g, b),
        Transport::Https => RGBColor(darker(r), darker(g), darker(b)),
    }
}

/// The legend mark of a series: a filled square (not a line, so a chart's
/// lines in a mode's colour are its series and nothing else).
pub fn legend_swatch(x: i32, y: i32, colour: RGBColor) -> Rectangle<(i32, i32)> {
    Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled())
}

/// Draws the series legend every chart uses.
pub fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font((FONT, 13))
        .draw()
        .map_err(|e| anyhow::anyhow!("drawing a legend failed: {e}"))
}

/// The colour as SVG writes it, e.g. `#1B9E77`, for tests and the HTML.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

pub use crate::results::label;

/// Formats a count on an axis: whole numbers only (a fractional tick of a
/// small range gets its decimal).
pub fn axis_count(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Formats µs on an axis: "850µs", "1.2ms", "2.5s".
pub fn axis_time(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.3}", us / 1000.0)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
            + "ms"
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

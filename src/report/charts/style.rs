//! What every chart shares: size, fonts, and one colour per mode, the same
//! in every chart and every report.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

use crate::results::{ModeResult, Results};
use crate::scenario::{ModeKind, Transport};

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 420;
pub const FONT: &str = "sans-serif";
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const TEXT: RGBColor = RGBColor(40, 40, 40);

/// Colours for modes a scenario named itself (`starved = { kind = … }`),
/// in the order they first appear.
const NAMED: [RGBColor; 8] = [
    RGBColor(102, 166, 30),
    RGBColor(230, 171, 2),
    RGBColor(166, 118, 29),
    RGBColor(31, 120, 180),
    RGBColor(102, 102, 102),
    RGBColor(178, 223, 138),
    RGBColor(251, 154, 153),
    RGBColor(202, 178, 214),
];

/// The colour of a mode: fixed per kind for a mode named after its kind
/// (the same in every report), one of [`NAMED`] for a mode the scenario
/// named; darker over HTTPS.
pub fn colour(results: &Results, m: &ModeResult) -> RGBColor {
    let kind_colour = |kind: ModeKind| match kind {
        ModeKind::Pooled => RGBColor(27, 158, 119),
        ModeKind::PerRequestClient => RGBColor(217, 95, 2),
        ModeKind::KeepAliveDisabled => RGBColor(117, 112, 179),
        ModeKind::HyperUtil => RGBColor(231, 41, 138),
    };
    let RGBColor(r, g, b) = if m.label == m.mode.name() {
        kind_colour(m.mode)
    } else {
        let mut named: Vec<&str> = Vec::new();
        for o in results.modes.iter().filter(|o| o.label != o.mode.name()) {
            if !named.contains(&o.label.as_str()) {
                named.push(&o.label);
            }
        }
        let i = named.iter().position(|l| *l == m.label).unwrap_or(0);
        NAMED[i % NAMED.len()]
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

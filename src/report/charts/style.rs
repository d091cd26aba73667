//! What every chart shares: size, fonts, and one colour per mode, the same
//! in every chart and every report.

use plotters::style::RGBColor;

use crate::results::{ModeResult, Results};
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

/// The colour as SVG writes it, e.g. `#1B9E77`, for tests and the HTML.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// A mode's name in charts and tables; the transport is named when the run
/// used more than one.
pub fn label(results: &Results, m: &ModeResult) -> String {
    if results.scenario.urls.len() > 1 {
        format!("{} ({})", m.mode.name(), m.transport.name())
    } else {
        m.mode.name().to_string()
    }
}

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

//! What every chart shares: size, fonts, and one colour per mode, the same
//! in every chart and every report.

use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::modes::catalogue::kind_of;
use crate::results::{ModeResult, Results};

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 420;

/// What a chart is drawn for: a page as wide as a desktop's, or a phone's
/// (390 px: a narrower chart with its legend under the plot, so its text
/// stays readable where a wide one would be shrunk to a third).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    pub narrow: bool,
}

impl Canvas {
    pub const WIDE: Canvas = Canvas { narrow: false };
    pub const NARROW: Canvas = Canvas { narrow: true };

    pub fn width(self) -> u32 {
        match self.narrow {
            false => WIDTH,
            true => 440,
        }
    }

    /// A wide chart's `height`, with room for a legend of `entries` under
    /// the plot when narrow.
    pub fn height(self, height: u32, entries: usize) -> u32 {
        match self.narrow {
            false => height,
            true => height + legend_height(entries),
        }
    }
}

/// The height of a legend under the plot, for `entries`.
fn legend_height(entries: usize) -> u32 {
    12 + 20 * entries as u32
}
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
/// named. The same over HTTP and HTTPS: a line's dash and its label tell
/// the transports apart.
pub fn colour(results: &Results, m: &ModeResult) -> RGBColor {
    if m.label == m.mode.name()
        && let Some(kind) = kind_of(&m.mode)
    {
        let (r, g, b) = kind.colour;
        return RGBColor(r, g, b);
    }
    let mut named: Vec<&str> = Vec::new();
    for o in results.modes.iter().filter(|o| o.label != o.mode.name()) {
        if !named.contains(&o.label.as_str()) {
            named.push(&o.label);
        }
    }
    let i = named.iter().position(|l| *l == m.label).unwrap_or(0);
    NAMED[i % NAMED.len()]
}

/// How a line is drawn besides its colour, so lines that lie on top of
/// each other stay apart: solid, long dashes, short dashes, dots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Long,
    Short,
    Dot,
}

/// A mode's line: its colour and its dash.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub colour: RGBColor,
    pub dash: Dash,
}

/// A mode's line in every chart: its colour, and a dash by its place in
/// the run (so a mode over HTTPS is dashed unlike itself over HTTP).
pub fn look(results: &Results, m: &ModeResult) -> Look {
    const DASHES: [Dash; 4] = [Dash::Solid, Dash::Long, Dash::Short, Dash::Dot];
    let place = results
        .modes
        .iter()
        .position(|o| o.label == m.label && o.transport == m.transport)
        .unwrap_or(0);
    Look {
        colour: colour(results, m),
        dash: DASHES[place % DASHES.len()],
    }
}

/// Draws `points` as a line in `look`.
pub fn draw_line<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    points: Vec<CT::From>,
    look: Look,
) -> anyhow::Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
    CT::From: Clone + 'static,
{
    let style = look.colour.stroke_width(2);
    let drawn = match dash_of(look.dash) {
        None => chart
            .draw_series(LineSeries::new(points, style))
            .map(|_| ()),
        Some((size, gap)) => chart
            .draw_series(DashedLineSeries::new(points, size, gap, style))
            .map(|_| ()),
    };
    drawn.map_err(|e| anyhow::anyhow!("drawing a line failed: {e}"))
}

/// A dash's length and gap in pixels; `None`: solid.
fn dash_of(dash: Dash) -> Option<(i32, i32)> {
    match dash {
        Dash::Solid => None,
        Dash::Long => Some((10, 5)),
        Dash::Short => Some((4, 4)),
        Dash::Dot => Some((2, 3)),
    }
}

/// What a legend entry shows beside its text.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A line sample: a mode's line.
    Line(Look),
    /// A filled square: a bar's colour.
    Swatch(RGBColor),
}

/// The width of a legend column for `entries`, in pixels.
pub fn legend_width(entries: &[(String, Mark)]) -> u32 {
    let longest = entries
        .iter()
        .map(|(t, _)| t.chars().count())
        .max()
        .unwrap_or(0);
    (48 + 7 * longest as u32).clamp(110, 300)
}

/// Splits `root` into the plot and a legend holding `entries` — a column
/// on the right, or rows under the plot on a narrow canvas — so no legend
/// ever covers data; returns the plot's area.
pub fn with_legend<'a>(
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    entries: &[(String, Mark)],
    canvas: Canvas,
) -> anyhow::Result<DrawingArea<SVGBackend<'a>, Shift>> {
    let (width, height) = root.dim_in_pixel();
    let (plot, legend, (top, step)) = match canvas.narrow {
        false => {
            let (plot, legend) =
                root.split_horizontally(width.saturating_sub(legend_width(entries)));
            (plot, legend, (52, 22))
        }
        true => {
            let plot_height = height.saturating_sub(legend_height(entries.len()));
            let (plot, legend) = root.split_vertically(plot_height);
            (plot, legend, (12, 20))
        }
    };
    let failed = |e| anyhow::anyhow!("drawing a legend failed: {e}");
    let font = (FONT, 13).into_font().color(&TEXT);
    for (i, (text, mark)) in entries.iter().enumerate() {
        let y = top + step * i as i32;
        match *mark {
            Mark::Line(look) => {
                let line = [(4, y), (32, y)];
                let style = look.colour.stroke_width(2);
                match dash_of(look.dash) {
                    None => legend.draw(&PathElement::new(line, style)),
                    Some((size, gap)) => {
                        legend.draw(&DashedPathElement::new(line, size, gap, style))
                    }
                }
                .map_err(failed)?;
            }
            Mark::Swatch(colour) => legend
                .draw(&Rectangle::new([(10, y - 6), (24, y + 6)], colour.filled()))
                .map_err(failed)?,
        }
        legend
            .draw(&Text::new(text.clone(), (40, y - 7), font.clone()))
            .map_err(failed)?;
    }
    Ok(plot)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Transport;

    #[test]
    fn a_mode_keeps_its_colour_over_https_and_changes_its_dash() {
        let mut results = crate::results::example();
        let mut other = results.modes[0].clone();
        other.transport = match other.transport {
            Transport::Http => Transport::Https,
            Transport::Https | Transport::Unix => Transport::Http,
        };
        results.modes.push(other);
        let (http, https) = (&results.modes[0], &results.modes[results.modes.len() - 1]);
        let (a, b) = (look(&results, http), look(&results, https));
        assert_eq!(a.colour, b.colour, "one colour per mode");
        // Four dashes for the example's modes and one more: the fifth
        // line's dash is the first's only if there are more than four.
        let n = results.modes.len();
        assert_eq!(a.dash == b.dash, (n - 1).is_multiple_of(4), "{n} lines");
        let distinct: std::collections::HashSet<_> = results.modes[..4.min(n)]
            .iter()
            .map(|m| format!("{:?}", look(&results, m).dash))
            .collect();
        assert_eq!(distinct.len(), 4.min(n), "neighbours are dashed apart");
    }
}

//! The figures table on a terminal: a label and an observer column, then a
//! column per mode, right-aligned. Modes that do not fit the width side by
//! side are printed in blocks, each repeating the labels, so the table
//! never wraps (100 columns unless the terminal is wider). With colour,
//! disagreeing cells are yellow and failures red.
//!
//! Hand-aligned rather than a table crate's: comfy-table fits a width by
//! wrapping text inside cells, which splits a number from its unit; a block
//! of whole columns reads better, and colour applied after padding keeps
//! the widths exact.

use super::table::{Column, Format, Table, marked};

/// The width a table fits unless told otherwise.
pub const WIDTH: usize = 100;

/// Figures whose non-zero cells are failures.
const FAILURES: [&str; 2] = ["errors", "error_rate"];

/// How terminal output looks: its width and whether it has colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub width: usize,
    pub colour: bool,
}

impl Default for Terminal {
    fn default() -> Terminal {
        Terminal {
            width: WIDTH,
            colour: false,
        }
    }
}

/// An ANSI colour.
#[derive(Debug, Clone, Copy)]
pub enum Colour {
    Red,
    Green,
    Yellow,
}

impl Terminal {
    /// `text` in `colour`, if this terminal has colour.
    pub fn paint(&self, text: &str, colour: Colour) -> String {
        if !self.colour {
            return text.to_string();
        }
        let code = match colour {
            Colour::Red => 31,
            Colour::Green => 32,
            Colour::Yellow => 33,
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// A line of the table: label, observers, and each cell with its colour.
type Line = (String, String, Vec<(String, Option<Colour>)>);

impl Format for Terminal {
    fn table(&self, table: &Table) -> String {
        let lines = lines(table);
        let width = |f: &dyn Fn(&Line) -> usize| lines.iter().map(f).max().unwrap_or(0);
        let label_width = width(&|l| l.0.chars().count());
        let observer_width = width(&|l| l.1.chars().count());
        let widths: Vec<usize> = (0..table.columns.len())
            .map(|i| width(&|l| l.2[i].0.chars().count()))
            .collect();
        let fixed = label_width + 2 + observer_width;
        let mut out = String::new();
        for (b, block) in blocks(fixed, &widths, self.width).into_iter().enumerate() {
            if b > 0 {
                out.push('\n');
            }
            for (label, observers, cells) in &lines {
                let mut line = pad(label, label_width, false);
                line.push_str("  ");
                line.push_str(&pad(observers, observer_width, false));
                for i in block.clone() {
                    let (cell, colour) = &cells[i];
                    let padded = pad(cell, widths[i], true);
                    line.push_str("   ");
                    match colour {
                        Some(c) => line.push_str(&self.paint(&padded, *c)),
                        None => line.push_str(&padded),
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }
}

/// `text` padded with spaces to `width` characters, on the left (`right`
/// aligned) or the right. Not `format!`'s width: a label from a results
/// file can be wider than the 65535 columns it takes.
pub(super) fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    match right {
        true => fill + text,
        false => format!("{text}{fill}"),
    }
}

/// The header lines and a line per row.
fn lines(table: &Table) -> Vec<Line> {
    let header = |f: &dyn Fn(&Column) -> String| -> Vec<(String, Option<Colour>)> {
        table.columns.iter().map(|c| (f(c), None)).collect()
    };
    let mut lines: Vec<Line> = vec![
        (String::new(), String::new(), header(&|c| c.label.clone())),
        (
            String::new(),
            String::new(),
            header(&|c| c.transport.unwrap_or_default().to_string()),
        ),
        (
            String::new(),
            String::new(),
            header(&|c| c.settings.clone()),
        ),
    ];
    for row in &table.rows {
        let failures = FAILURES.contains(&row.name);
        let cells = row
            .cells
            .iter()
            .map(|c| {
                let colour = if c.mismatch {
                    Some(Colour::Yellow)
                } else if failures && !matches!(c.text.as_str(), "0" | "0%" | "-") {
                    Some(Colour::Red)
                } else {
                    None
                };
                (marked(c, " ≠"), colour)
            })
            .collect();
        lines.push((row.label.to_string(), row.observers.to_string(), cells));
    }
    lines
}

/// Consecutive columns in blocks that fit `width` after `fixed` columns of
/// labels; a column wider than that alone is a block of its own.
fn blocks(fixed: usize, widths: &[usize], width: usize) -> Vec<std::ops::Range<usize>> {
    let mut blocks = Vec::new();
    let (mut start, mut used) = (0, fixed);
    for (i, w) in widths.iter().enumerate() {
        if i > start && used + 3 + w > width {
            blocks.push(start..i);
            (start, used) = (i, fixed);
        }
        used += 3 + w;
    }
    blocks.push(start..widths.len());
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_that_do_not_fit_go_to_the_next_block() {
        assert_eq!(blocks(50, &[20, 20, 20], 100), [0..2, 2..3]);
        assert_eq!(blocks(50, &[60, 10], 100), [0..1, 1..2]);
        assert_eq!(blocks(10, &[5, 5], 100).len(), 1, "both fit");
        assert_eq!(blocks(10, &[], 100).first(), Some(&(0..0)));
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = Terminal::default();
        assert_eq!(plain.paint("FAIL", Colour::Red), "FAIL");
        let coloured = Terminal {
            colour: true,
            ..plain
        };
        assert_eq!(coloured.paint("FAIL", Colour::Red), "\x1b[31mFAIL\x1b[0m");
    }
}

//! The summary a terminal shows first: one line per mode with the figures
//! a reader looks at before any other (as oha's summary does), then the
//! verdict. The full table of every figure is `--detail` (and always in
//! the HTML and Markdown). Cells come from the figure catalogue, so a
//! figure reads the same here as in the table; where both sides count a
//! figure both are shown, `client|server`, marked `≠` where they disagree.

use super::columns::{Colour, Terminal, pad};
use crate::results::figures::{Cell, Figure};
use crate::results::{Results, label};

/// The summary's columns: a figure, its header, and whether the client's
/// value alone is shown (CPU: the server's is in the full table).
const COLUMNS: [(&str, &str, bool); 7] = [
    ("throughput", "req/s", false),
    ("p50", "p50", false),
    ("p99", "p99", false),
    ("errors", "failed", true),
    ("handshakes", "handshakes", false),
    ("peak_connections", "conns", false),
    ("cpu", "CPU", true),
];

/// A cell's text and its colour.
type Painted = (String, Option<Colour>);

/// The summary table, one line per mode, with a legend line under it.
pub fn summary(results: &Results, t: Terminal) -> String {
    let figures: Vec<(&Figure, &str, bool)> = COLUMNS
        .iter()
        .filter_map(|(name, header, client)| Figure::named(name).map(|f| (f, *header, *client)))
        .collect();
    let rows: Vec<(String, Vec<Painted>)> = results
        .modes
        .iter()
        .map(|m| {
            let cells = figures
                .iter()
                .map(|(f, _, client)| {
                    let cell = match client {
                        true => f.client_cell(m),
                        false => f.cell(m),
                    };
                    paint_of(f.name, compact(&cell))
                })
                .collect();
            (
                crate::redact::controls(&label(results, m)).into_owned(),
                cells,
            )
        })
        .collect();
    let name_width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .chain(["mode".len()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = figures
        .iter()
        .enumerate()
        .map(|(i, (_, header, _))| {
            rows.iter()
                .map(|r| r.1[i].0.chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = pad("mode", name_width, false);
    for ((_, header, _), w) in figures.iter().zip(&widths) {
        out.push_str("  ");
        out.push_str(&pad(header, *w, true));
    }
    out.push('\n');
    for (name, cells) in &rows {
        let mut line = pad(name, name_width, false);
        for ((text, colour), w) in cells.iter().zip(&widths) {
            line.push_str("  ");
            let padded = pad(text, *w, true);
            match colour {
                Some(c) => line.push_str(&t.paint(&padded, *c)),
                None => line.push_str(&padded),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(
        "(a|b: client|server, ≠ they differ; conns: peak; CPU: µs/request; all: --detail)\n",
    );
    out
}

/// A cell without the spaces around its `|`, marked where the sides
/// disagree.
fn compact(cell: &Cell) -> String {
    let text = cell.text.replace(" | ", "|");
    match cell.mismatch {
        true => format!("{text}≠"),
        false => text,
    }
}

/// Yellow where the sides disagree, red for failures.
fn paint_of(figure: &str, text: String) -> Painted {
    let colour = if text.ends_with('≠') {
        Some(Colour::Yellow)
    } else if figure == "errors" && !matches!(text.as_str(), "0" | "-") {
        Some(Colour::Red)
    } else {
        None
    };
    (text, colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::report::terminal::tests::thousand;

    #[test]
    fn one_line_per_mode_that_fits_the_width() {
        let mut results = thousand();
        let text = summary(&results, Terminal::default());
        let lines: Vec<&str> = text.lines().collect();
        // A header, a line per mode, the legend.
        assert_eq!(lines.len(), results.modes.len() + 2, "{text}");
        for (m, line) in results.modes.iter().zip(&lines[1..]) {
            assert!(line.starts_with(&m.label), "{line}");
        }
        let widest = |t: &str| t.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        // The thousand's five modes, names up to 19 characters: 100 columns.
        assert!(widest(&text) <= 100, "{text}");
        // The four modes of a run against your own service (`--url`, no
        // server side) fit 80, legend and all.
        results.modes.retain(|m| m.label != "starved");
        for m in &mut results.modes {
            m.handshakes.server = None;
            m.peak_connections.server = None;
        }
        let url = summary(&results, Terminal::default());
        assert_eq!(url.lines().count(), 6, "{url}");
        assert!(widest(&url) <= 80, "{url}");
    }

    #[test]
    fn both_sides_where_both_count_and_disagreements_marked() {
        let results = thousand();
        let text = summary(&results, Terminal::default());
        let per_request = text
            .lines()
            .find(|l| l.starts_with("per_request_client"))
            .unwrap();
        let m = results
            .modes
            .iter()
            .find(|m| m.label == "per_request_client")
            .unwrap();
        let (c, s) = (m.peak_connections.client, m.peak_connections.server);
        assert_ne!(Some(c), s, "the fixture's peaks disagree");
        assert!(
            per_request.contains(&format!("{c}|{}≠", s.unwrap_or_default())),
            "{per_request}"
        );
        let coloured = Terminal {
            width: 100,
            colour: true,
        };
        assert!(summary(&results, coloured).contains("\x1b[33m"));
    }
}

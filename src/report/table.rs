//! The figures table, built once from the results and the catalogue of
//! figures; the terminal, Markdown and HTML each render it through
//! [`Format`] (as hyperfine's `MarkupExporter` builds its table once and
//! each format supplies only rows, dividers and escaping).

use crate::results::figures::{Cell, FIGURES, Figure};
use crate::results::{AUTHORITY_FIGURES, ModeResult, Results, Sweep, label};

/// One column per mode.
pub struct Column {
    /// The mode (and transport, when the run had several).
    pub label: String,
    /// Its transport, when the run used TLS.
    pub transport: Option<&'static str>,
    /// Its settings that change what it measures: "limit 10, body
    /// dropped"; empty when it has none.
    pub settings: String,
}

/// One row per figure shown.
pub struct Row {
    /// The figure's name in the catalogue.
    pub name: &'static str,
    pub label: &'static str,
    /// Who observed it: "client", "client | server", "OS".
    pub observers: &'static str,
    pub cells: Vec<Cell>,
}

pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// Every figure the run measured, mode by mode.
pub fn figures(results: &Results) -> Table {
    let columns = results
        .modes
        .iter()
        .map(|m| Column {
            label: label(results, m),
            transport: results.scenario.tls.is_some().then(|| m.transport.name()),
            settings: m.settings(),
        })
        .collect();
    let rows = FIGURES
        .iter()
        .filter(|f| f.shown_for(&results.modes))
        .map(|f| Row {
            name: f.name,
            label: f.label,
            observers: f.observers.label(),
            cells: results.modes.iter().map(|m| f.cell(m)).collect(),
        })
        .collect();
    Table { columns, rows }
}

/// The figures per authority, one column per mode and authority; `None`
/// for a run with one authority.
pub fn by_authority(results: &Results) -> Option<Table> {
    let pairs: Vec<(&ModeResult, ModeResult, String)> = results
        .modes
        .iter()
        .flat_map(|m| {
            m.authorities.iter().map(move |a| {
                (
                    m,
                    m.for_authority(a),
                    format!("{} · {}", label(results, m), a.name),
                )
            })
        })
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let columns = pairs
        .iter()
        .map(|(m, _, name)| Column {
            label: name.clone(),
            transport: None,
            settings: m.settings(),
        })
        .collect();
    let views: Vec<ModeResult> = pairs.iter().map(|(_, view, _)| view.clone()).collect();
    let rows = AUTHORITY_FIGURES
        .iter()
        .filter_map(|name| Figure::named(name))
        .filter(|f| f.shown_for(&views))
        .map(|f| Row {
            name: f.name,
            label: f.label,
            observers: f.observers.label(),
            cells: pairs.iter().map(|(_, view, _)| f.cell(view)).collect(),
        })
        .collect();
    Some(Table { columns, rows })
}

/// The figures a sweep's table shows, by limit.
const SWEEP_FIGURES: [&str; 7] = [
    "throughput",
    "p50",
    "p99",
    "pool_wait",
    "handshakes",
    "peak_fds",
    "errors",
];

/// A sweep, limit by limit: one column per limit, a row per figure.
pub fn sweep(results: &Results, s: &Sweep) -> Table {
    let modes: Vec<Option<&ModeResult>> = s
        .points
        .iter()
        .map(|p| {
            results
                .modes
                .iter()
                .find(|m| m.label == p.mode && m.transport == s.transport)
        })
        .collect();
    let columns = s
        .points
        .iter()
        .map(|p| Column {
            label: format!("limit {}", p.limit),
            transport: None,
            settings: if s.recommended == Some(p.limit) {
                "recommended".to_string()
            } else {
                String::new()
            },
        })
        .collect();
    let rows = SWEEP_FIGURES
        .iter()
        .filter_map(|name| Figure::named(name))
        .map(|f| Row {
            name: f.name,
            label: f.label,
            observers: f.observers.label(),
            cells: modes
                .iter()
                .map(|m| match m {
                    Some(m) => f.cell(m),
                    None => Cell {
                        text: "-".to_string(),
                        mismatch: false,
                    },
                })
                .collect(),
        })
        .collect();
    Table { columns, rows }
}

/// "sweep pooled (http): recommended limit 8 — the smallest …".
pub fn sweep_title(results: &Results, s: &Sweep) -> String {
    let name = crate::results::sweep_label(results, s);
    match s.recommended {
        Some(limit) => format!("sweep {name}: recommended limit {limit}, {}", s.reason),
        None => format!("sweep {name}: no recommendation, {}", s.reason),
    }
}

/// A way to write a table.
pub trait Format {
    fn table(&self, table: &Table) -> String;
}

/// A Markdown table, for a pull-request comment or a job summary.
pub struct Markdown;

impl Format for Markdown {
    fn table(&self, table: &Table) -> String {
        let mut out = String::from("| figure | observer |");
        for c in &table.columns {
            match c.settings.as_str() {
                "" => out.push_str(&format!(" {} |", markdown(&c.label))),
                s => out.push_str(&format!(" {} ({}) |", markdown(&c.label), markdown(s))),
            }
        }
        out.push_str(&format!(
            "\n|---|---|{}\n",
            "---:|".repeat(table.columns.len())
        ));
        for row in &table.rows {
            let (label, observers) = (markdown(row.label), markdown(row.observers));
            out.push_str(&format!("| {label} | {observers} |"));
            for cell in &row.cells {
                out.push_str(&format!(" {} |", markdown(&marked(cell, " ≠"))));
            }
            out.push('\n');
        }
        out
    }
}

/// An HTML table; disagreeing cells get the `mismatch` class.
pub struct Html;

impl Format for Html {
    fn table(&self, table: &Table) -> String {
        let mut out = String::from("<table><tr><th>figure</th><th>observer</th>");
        for c in &table.columns {
            out.push_str(&format!("<th>{}", html(&c.label)));
            if !c.settings.is_empty() {
                out.push_str(&format!(
                    "<br><span class=\"small\">{}</span>",
                    html(&c.settings)
                ));
            }
            out.push_str("</th>");
        }
        out.push_str("</tr>");
        for row in &table.rows {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"observer\">{}</td>",
                html(row.label),
                html(row.observers)
            ));
            for cell in &row.cells {
                if cell.mismatch {
                    out.push_str(&format!(
                        "<td class=\"mismatch\" title=\"client and server disagree\">{} ≠</td>",
                        html(&cell.text)
                    ));
                } else {
                    out.push_str(&format!("<td>{}</td>", html(&cell.text)));
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
        out
    }
}

pub(super) fn marked(cell: &Cell, mark: &str) -> String {
    if cell.mismatch {
        format!("{}{mark}", cell.text)
    } else {
        cell.text.clone()
    }
}

/// Keeps user text from breaking a Markdown table.
pub fn markdown(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

/// Escapes text for HTML.
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_marked_and_escaped_per_format() {
        let table = Table {
            columns: vec![Column {
                label: "a|<b>".to_string(),
                transport: None,
                settings: "limit 3".to_string(),
            }],
            rows: vec![Row {
                name: "handshakes",
                label: "handshakes",
                observers: "client | server",
                cells: vec![Cell {
                    text: "4 | 5".to_string(),
                    mismatch: true,
                }],
            }],
        };
        let terminal = super::super::columns::Terminal::default();
        assert!(terminal.table(&table).contains("4 | 5 ≠"));
        let md = Markdown.table(&table);
        assert!(
            md.contains("a\\|&lt;b>") && md.contains("4 \\| 5 ≠"),
            "{md}"
        );
        // Every row has as many cells as the header: `client | server` in a
        // label or an observer is escaped.
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        let lines: Vec<&str> = md.lines().collect();
        assert!(lines.iter().all(|l| cells(l) == cells(lines[0])), "{md}");
        let h = Html.table(&table);
        assert!(
            h.contains("a|&lt;b&gt;") && h.contains("class=\"mismatch\""),
            "{h}"
        );
    }
}

//! CSV: every figure of every mode as rows of one long table — one row per
//! mode × transport × authority × figure × qualifier, the value in the
//! figure's unit — so a spreadsheet or a dataframe can pivot it any way
//! (`pandas.read_csv(...).pivot_table(...)`). The figures and qualifiers
//! are the catalogue's, as gate checks name them; a row's authority is
//! empty for the mode as a whole.
//!
//! `poolbench compare --format csv` writes one row per compared figure.

use std::fmt::Write;

use crate::compare::Change;
use crate::results::figures::{FIGURES, Figure};
use crate::results::{AUTHORITY_FIGURES, ModeResult, Results};

/// The header of `run --format csv` and `report --format csv`.
pub const HEADER: &str = "scenario,mode,transport,authority,figure,qualifier,value,unit";

/// Every figure of the run, one row each.
pub fn run_csv(results: &Results) -> String {
    let mut out = format!("{HEADER}\n");
    for m in &results.modes {
        rows(&mut out, results, m, "", m, FIGURES.iter().collect());
        let per_authority: Vec<&Figure> = FIGURES
            .iter()
            .filter(|f| AUTHORITY_FIGURES.contains(&f.name))
            .collect();
        for a in &m.authorities {
            rows(
                &mut out,
                results,
                m,
                &a.name,
                &m.for_authority(a),
                per_authority.clone(),
            );
        }
    }
    out
}

/// The rows of `view` (a mode, or one authority's share of it).
fn rows(
    out: &mut String,
    results: &Results,
    m: &ModeResult,
    authority: &str,
    view: &ModeResult,
    figures: Vec<&Figure>,
) {
    for f in figures {
        let qualifiers = f.qualifiers.list();
        let qualifiers: Vec<Option<&str>> = match qualifiers.is_empty() {
            true => vec![None],
            false => qualifiers.into_iter().map(Some).collect(),
        };
        for q in qualifiers {
            // An unobserved figure is a row with no value, never a 0.
            let value = match f.value(view, q) {
                Some(v) => v.to_string(),
                None if f.unobserved(&view.unobserved, q) => String::new(),
                None => continue,
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{value},{}",
                field(&results.scenario.name),
                field(&m.label),
                m.transport.name(),
                field(authority),
                f.name,
                q.unwrap_or(""),
                f.unit.name()
            );
        }
    }
}

/// The header of `compare --format csv`.
pub const COMPARE_HEADER: &str = "mode,figure,base,new,change,verdict,note";

/// One row per compared figure.
pub fn compare_csv(changes: &[Change]) -> String {
    let mut out = format!("{COMPARE_HEADER}\n");
    for c in changes {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:?},{}",
            field(&c.mode),
            c.figure,
            c.base,
            c.new,
            c.relative,
            c.verdict,
            field(c.note.as_deref().unwrap_or(""))
        );
    }
    out
}

/// A field as CSV writes it (RFC 4180): quoted if it holds a comma, a
/// quote or a line break, quotes doubled. Text that a spreadsheet would
/// take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, and is not a number) gets a leading `'`, as
/// spreadsheets expect, so a scenario named `=HYPERLINK(…)` stays text.
pub fn field(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text: std::borrow::Cow<str> = match formula {
        true => format!("'{text}").into(),
        false => text.into(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_they_must_be() {
        assert_eq!(field("pooled"), "pooled");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_formula_stays_text_and_a_number_a_number() {
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        for formula in ["+1+cmd", "-2-x", "@SUM(A1)", "\tx"] {
            assert_eq!(field(formula), format!("'{formula}"));
        }
        for number in ["-5", "+3.5", "-1e3"] {
            assert_eq!(field(number), number);
        }
    }

    #[test]
    fn every_mode_has_its_figures_with_units() {
        let results = crate::results::example();
        let csv = run_csv(&results);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], HEADER);
        for m in &results.modes {
            let prefix = format!("thousand,{},https,,handshakes,server,", m.label);
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&prefix) && l.ends_with(",count")),
                "{prefix}"
            );
        }
        assert!(lines.iter().all(|l| l.split(',').count() >= 8));
    }
}

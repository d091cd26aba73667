//! The exports other tools read: CSV that round-trips to results.json's
//! figures, and results.json itself on stdout.

use std::path::Path;

use assert_cmd::Command;
use poolbench::results::figures::Figure;
use poolbench::results::{ModeResult, Results};

/// The committed example: five modes over HTTPS, every kind of figure.
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/thousand/results.json"
);

fn export(results: &Path, format: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("poolbench")
        .unwrap()
        .args(["report", "--format", format, "--out"])
        .arg(out.path())
        .arg(results)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// RFC 4180 fields of one line (quoted fields may hold commas and quotes).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

#[test]
fn csv_round_trips_to_the_results_figures() {
    let results = crate::common::results(Path::new(EXAMPLE).parent().unwrap());
    let csv = export(Path::new(EXAMPLE), "csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,mode,transport,authority,figure,qualifier,value,unit")
    );
    let mut rows = 0;
    for line in lines {
        let f = fields(line);
        assert_eq!(f.len(), 8, "{line}");
        assert_eq!(f[0], results.scenario.name);
        let m: &ModeResult = results
            .modes
            .iter()
            .find(|m| m.label == f[1] && m.transport.name() == f[2])
            .unwrap_or_else(|| panic!("no mode for {line}"));
        let figure = Figure::named(&f[4]).unwrap_or_else(|| panic!("no figure: {line}"));
        let qualifier = (!f[5].is_empty()).then_some(f[5].as_str());
        let want = figure.value(m, qualifier);
        let got: f64 = f[6].parse().unwrap();
        assert_eq!(Some(got), want, "{line}");
        assert_eq!(f[7], figure.unit.name(), "{line}");
        rows += 1;
    }
    // Every figure a mode has, with its default qualifier, is a row.
    for m in &results.modes {
        for figure in poolbench::results::figures::FIGURES {
            if figure.value(m, None).is_some() {
                let prefix = format!("{},{},", m.label, m.transport.name());
                assert!(
                    csv.lines()
                        .any(|l| l.contains(&prefix) && l.contains(&format!(",{},", figure.name))),
                    "{} {}",
                    m.label,
                    figure.name
                );
            }
        }
    }
    assert!(rows > 100, "{rows} rows");
}

#[test]
fn json_on_stdout_is_the_results_file() {
    let json = export(Path::new(EXAMPLE), "json");
    let printed: Results = serde_json::from_str(&json).unwrap();
    let file: Results = serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_value(&printed).unwrap(),
        serde_json::to_value(&file).unwrap()
    );
}

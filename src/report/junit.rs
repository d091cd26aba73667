//! JUnit XML for CI systems that read test results: one test case per gate
//! check, or per compared figure.

use std::fmt::Write;

use crate::compare::{Change, Verdict};
use crate::results::Results;

/// The gate as JUnit XML: one test case per check.
pub fn gate_junit(results: &Results) -> String {
    let cases: Vec<(String, Option<String>)> = results
        .gate
        .iter()
        .map(|g| (g.check.clone(), (!g.passed).then(|| g.detail())))
        .collect();
    junit(&format!("poolbench.{}", results.scenario.name), &cases)
}

/// A comparison as JUnit XML: one test case per compared figure.
pub fn compare_junit(changes: &[Change]) -> String {
    let cases: Vec<(String, Option<String>)> = changes
        .iter()
        .map(|c| {
            (
                format!("{}.{}", c.mode, c.figure),
                (c.verdict == Verdict::Regression).then(|| match &c.note {
                    Some(note) => format!("{} [{note}]", c.describe()),
                    None => c.describe(),
                }),
            )
        })
        .collect();
    junit("poolbench.compare", &cases)
}

fn junit(suite: &str, cases: &[(String, Option<String>)]) -> String {
    let failures = cases.iter().filter(|c| c.1.is_some()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
        xml(suite),
        cases.len()
    );
    for (name, failure) in cases {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\"",
            xml(suite),
            xml(name)
        );
        match failure {
            Some(message) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
                    xml(message)
                );
            }
            None => out.push_str("/>\n"),
        }
    }
    out.push_str("</testsuite>\n");
    out
}

/// Escapes text for an XML attribute.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts_failures() {
        let cases = vec![
            ("pooled.p99 <= 3 * pooled.p50".to_string(), None),
            ("a < \"b\" & c".to_string(), Some("12 < 10".to_string())),
        ];
        let xml = junit("poolbench.x", &cases);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("name=\"a &lt; &quot;b&quot; &amp; c\""));
        assert!(xml.contains("<failure message=\"12 &lt; 10\"/>"));
        assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
    }
}

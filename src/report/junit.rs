//! JUnit XML for CI systems that read test results: one test case per gate
//! check, or per compared figure.
//!
//! One `<testsuite>` document, valid against both schemas CI systems use:
//! Jenkins xunit's `junit-10.xsd` (`name`, `tests`, `failures`, `errors`
//! required) and the Apache Ant `JUnit.xsd` cited by Azure's publisher
//! (also `timestamp` without a zone, `hostname`, `time`; the children in
//! order `properties`, `testcase`…, `system-out`, `system-err`; every
//! `testcase` with `classname` and `time`; every `failure` with a `type`).
//! Written by hand, not by a crate: the crates leave out the empty
//! elements the Ant schema requires.

use std::fmt::Write;

use crate::compare::{Change, Verdict};
use crate::results::Results;

/// One test case: its name, and its failure message if it failed.
type Case = (String, Option<String>);

/// The gate as JUnit XML: one test case per check.
pub fn gate_junit(results: &Results) -> String {
    let cases: Vec<Case> = results
        .gate
        .iter()
        .map(|g| (g.check.clone(), (!g.passed).then(|| g.detail())))
        .collect();
    let suite = Suite {
        name: format!("poolbench.{}", results.scenario.name),
        results,
        time_s: results.run_time_s,
        failure_type: "gate check",
    };
    suite.xml(&cases)
}

/// A comparison as JUnit XML: one test case per compared figure, dated by
/// the new run.
pub fn compare_junit(changes: &[Change], new: &Results) -> String {
    let cases: Vec<Case> = changes
        .iter()
        .map(|c| {
            let failure = (c.verdict == Verdict::Regression).then(|| match &c.note {
                Some(note) => format!("{} [{note}]", c.describe()),
                None => c.describe(),
            });
            (format!("{}.{}", c.mode, c.figure), failure)
        })
        .collect();
    let suite = Suite {
        name: "poolbench.compare".to_string(),
        results: new,
        time_s: 0.0,
        failure_type: "regression",
    };
    suite.xml(&cases)
}

struct Suite<'a> {
    name: String,
    /// The run it reports on: when, with what.
    results: &'a Results,
    time_s: f64,
    /// What a failed case's `type` says.
    failure_type: &'static str,
}

impl Suite<'_> {
    fn xml(&self, cases: &[Case]) -> String {
        let failures = cases.iter().filter(|c| c.1.is_some()).count();
        let r = self.results;
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" \
             failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{}\" timestamp=\"{}\" \
             hostname=\"localhost\">\n  <properties>\n",
            xml(&self.name),
            cases.len(),
            seconds(self.time_s),
            timestamp(&r.started_at),
        );
        let properties = [
            ("scenario", r.scenario.name.as_str()),
            ("poolbench_version", r.poolbench_version.as_str()),
            ("poolbench_commit", r.environment.poolbench_commit.as_str()),
            ("started_at", r.started_at.as_str()),
        ];
        for (name, value) in properties {
            let _ = writeln!(
                out,
                "    <property name=\"{name}\" value=\"{}\"/>",
                xml(value)
            );
        }
        out.push_str("  </properties>\n");
        for (name, failure) in cases {
            let _ = write!(
                out,
                "  <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                xml(&self.name),
                xml(name)
            );
            match failure {
                Some(message) => {
                    let _ = writeln!(
                        out,
                        ">\n    <failure message=\"{0}\" type=\"{1}\">{0}</failure>\n  </testcase>",
                        xml(message),
                        self.failure_type
                    );
                }
                None => out.push_str("/>\n"),
            }
        }
        out.push_str("  <system-out/>\n  <system-err/>\n</testsuite>\n");
        out
    }
}

/// Seconds as a plain decimal (both schemas refuse an exponent).
fn seconds(s: f64) -> String {
    let s = if s.is_finite() { s.max(0.0) } else { 0.0 };
    format!("{s:.3}")
}

/// RFC 3339 as the Ant schema's timestamp: `YYYY-MM-DDTHH:MM:SS`, no zone.
fn timestamp(rfc3339: &str) -> String {
    let stamp: String = rfc3339.chars().take(19).collect();
    let shape = "0000-00-00T00:00:00";
    let fits = stamp.len() == shape.len()
        && stamp
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == '0' { c.is_ascii_digit() } else { c == s });
    if fits {
        stamp
    } else {
        "1970-01-01T00:00:00".to_string()
    }
}

/// Escapes text for XML (attributes and text).
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests;

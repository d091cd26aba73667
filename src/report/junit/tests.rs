//! The JUnit output against the rules of both schemas, as read from them:
//! Jenkins xunit's junit-10.xsd and the Apache Ant JUnit.xsd.

use super::*;

/// Every rule of the two schemas a `<testsuite>` document must meet;
/// the first broken one.
fn check(text: &str) -> Result<(), String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let suite = doc.root_element();
    if suite.tag_name().name() != "testsuite" {
        return Err("the root is not <testsuite>".into());
    }
    let int = |v: &str| v.parse::<i64>().is_ok();
    let decimal = |v: &str| {
        !v.is_empty()
            && v.chars().all(|c| c.is_ascii_digit() || c == '.')
            && v.matches('.').count() <= 1
    };
    let attr = |n: roxmltree::Node, a: &str, ok: &dyn Fn(&str) -> bool| match n.attribute(a) {
        Some(v) if ok(v) => Ok(()),
        Some(v) => Err(format!(
            "<{}> {a}=\"{v}\" is malformed",
            n.tag_name().name()
        )),
        None => Err(format!("<{}> has no {a}", n.tag_name().name())),
    };
    let nonempty = |v: &str| !v.trim().is_empty();
    attr(suite, "name", &nonempty)?;
    for a in ["tests", "failures", "errors", "skipped"] {
        attr(suite, a, &int)?;
    }
    attr(suite, "time", &decimal)?;
    attr(suite, "hostname", &nonempty)?;
    attr(suite, "timestamp", &|v| {
        v.len() == 19 && v.as_bytes()[10] == b'T' && !v.ends_with('Z') && !v.contains('+')
    })?;
    // Ant: properties, testcase*, system-out, system-err, in this order.
    let children: Vec<roxmltree::Node> = suite.children().filter(|n| n.is_element()).collect();
    let names: Vec<&str> = children.iter().map(|n| n.tag_name().name()).collect();
    let n = names.len();
    if n < 3
        || names[0] != "properties"
        || names[n - 2] != "system-out"
        || names[n - 1] != "system-err"
        || names[1..n - 2].iter().any(|c| *c != "testcase")
    {
        return Err(format!("children out of order: {names:?}"));
    }
    for p in children[0].children().filter(|n| n.is_element()) {
        attr(p, "name", &nonempty)?;
        attr(p, "value", &|_| true)?;
    }
    let cases = &children[1..n - 2];
    let tests: usize = suite
        .attribute("tests")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if tests != cases.len() {
        return Err(format!("tests=\"{tests}\" but {} test cases", cases.len()));
    }
    let mut failed = 0;
    for case in cases {
        attr(*case, "name", &|_| true)?;
        attr(*case, "classname", &nonempty)?;
        attr(*case, "time", &decimal)?;
        let inner: Vec<roxmltree::Node> = case.children().filter(|n| n.is_element()).collect();
        match inner.as_slice() {
            [] => {}
            [f] if f.has_tag_name("failure") => {
                attr(*f, "type", &nonempty)?;
                attr(*f, "message", &|_| true)?;
                failed += 1;
            }
            other => return Err(format!("a test case holds {other:?}")),
        }
    }
    let failures: usize = suite
        .attribute("failures")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if failures != failed {
        return Err(format!("failures=\"{failures}\" but {failed} failed cases"));
    }
    Ok(())
}

#[test]
fn the_gate_meets_both_schemas_with_units_in_messages() {
    let mut results = crate::results::example();
    results.gate[0].passed = false;
    results.gate[0].left = Some(1445.0);
    results.gate[0].right = Some(50.0);
    results.gate[0].unit = Some(" µs".into());
    results.scenario.name = "a < \"b\" & c".into();
    let text = gate_junit(&results);
    assert_eq!(check(&text), Ok(()), "{text}");
    assert!(text.contains("failures=\"1\""), "{text}");
    assert!(
        text.contains("message=\"1445 µs &lt;= 50 µs\" type=\"gate check\""),
        "{text}"
    );
    assert!(text.contains("timestamp=\"20"), "{text}");
}

#[test]
fn a_comparison_meets_both_schemas() {
    // Three tight rounds a side, the new ones twice as slow at the tail.
    let with_rounds = |factor: f64| {
        let mut r = crate::results::example();
        for m in &mut r.modes {
            let round = m.rounds[0].clone();
            m.rounds = [1.0, 1.01, 1.02]
                .iter()
                .map(|f| {
                    let mut round = round.clone();
                    round.entry("p99".into()).and_modify(|v| *v *= f * factor);
                    round
                })
                .collect();
        }
        r
    };
    let (results, slower) = (with_rounds(1.0), with_rounds(2.0));
    let changes =
        crate::compare::compare(&results, &slower, &crate::compare::Tolerances::uniform(0.1));
    let text = compare_junit(&changes, &slower);
    assert_eq!(check(&text), Ok(()), "{text}");
    assert!(
        text.contains("type=\"regression\"") && text.contains(" µs"),
        "{text}"
    );
}

#[test]
fn the_checker_catches_what_the_schemas_refuse() {
    let good = gate_junit(&crate::results::example());
    assert_eq!(check(&good), Ok(()));
    for (from, to) in [
        (" errors=\"0\"", ""),
        (" hostname=\"localhost\"", ""),
        ("  <system-err/>\n", ""),
        (" time=\"0\"", ""),
    ] {
        let bad = good.replacen(from, to, 1);
        assert!(check(&bad).is_err(), "{from:?} removed still passes");
    }
    assert!(timestamp("2026-11-26T03:59:01.123Z") == "2026-11-26T03:59:01");
    assert_eq!(seconds(1.5e-7), "0.000");
}

//! The CI gate as users run it: checks pass on the project's own gate
//! scenario, fail on a deliberately broken pool, point at typos, and
//! `compare` tells a regression from noise.

use std::path::{Path, PathBuf};

use poolbench::results::Results;
use predicates::prelude::*;

const CI: &str = include_str!("../../scenarios/ci.toml");

/// The gate scenario with its count checks only. Its ratio checks are what
/// `.ci/run` gates the project on; a test asserts no speed ratio, because a
/// busy machine would fail it for no fault of the code.
fn ci_counts_only() -> String {
    let counts = CI
        .split("# Ratios between modes")
        .next()
        .expect("split yields a first part");
    assert!(counts.len() < CI.len(), "ci.toml changed; update this test");
    counts.to_string()
}

use crate::common::{poolbench, results};

/// The runs measure ratios of CPU and throughput: one at a time, so the
/// tests of this file do not load the machine under each other.
static ONE_RUN_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(dir: &Path, name: &str, scenario: &str) -> (std::process::Output, PathBuf) {
    let _turn = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let path = dir.join(name);
    std::fs::write(&path, scenario).unwrap();
    let out = dir.join(name.trim_end_matches(".toml"));
    let output = poolbench()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&path)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (output, out)
}

#[test]
fn the_gate_fails_when_pooling_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    // A pool that never keeps a connection: the same checks must catch it.
    let counts = ci_counts_only();
    let broken = counts.replace(
        "pooled = { limit = 8 }",
        "pooled = { limit = 8, keep_alive = false }",
    );
    assert_ne!(
        broken, counts,
        "the gate scenario changed; update this test"
    );
    let (output, out) = run(dir.path(), "broken.toml", &broken);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("gate check(s) failed"));
    let gate = results(&out).gate;
    let failed: Vec<&str> = gate
        .iter()
        .filter(|g| !g.passed)
        .map(|g| g.check.as_str())
        .collect();
    // Counts: a pool that keeps nothing dials once per request, every round.
    for check in [
        "pooled.handshakes.per_round <= 8",
        "pooled.handshakes.server.per_round <= 8",
    ] {
        assert!(failed.contains(&check), "{check} passed: {failed:?}");
    }
    // The HTML report shows the outcome too.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("FAIL") && html.contains("pooled.handshakes.per_round &lt;= 8"));
}

#[test]
fn a_healthy_run_passes_and_junit_has_one_case_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ci.toml");
    let counts = ci_counts_only();
    std::fs::write(&path, &counts).unwrap();
    let _turn = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let output = poolbench()
        .args(["run", "--format", "junit", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let xml = String::from_utf8(output.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, counts.matches("[[gate]]").count());
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
}

#[test]
fn a_bad_check_points_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "check = \"pooled.p99 <= 20 parsecs\"",
            "unexpected text",
            27,
        ),
        ("check = \"pooled.p99 <= 20parsecs\"", "unknown unit", 26),
        (
            "check = \"pooled.handshake <= 8\"",
            "did you mean `handshakes`",
            10,
        ),
        (
            "check = \"hyper_util.p99 <= 1\"",
            "not a mode of this scenario",
            10,
        ),
        ("check = \"pooled.p99 20ms\"", "expected a comparison", 21),
    ];
    for (line, message, column) in cases {
        let text = format!(
            "{}\n[[gate]]\n{line}\n",
            CI.split("[[gate]]").next().unwrap()
        );
        let gate_line = text.lines().count();
        let (output, _) = run(dir.path(), "bad.toml", &text);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
        assert!(
            stderr.contains(&format!("bad.toml:{gate_line}:{column}:")),
            "{line}: {stderr}"
        );
        assert!(
            stderr.contains("`gate.check`") && stderr.contains(message),
            "{line}: {stderr}"
        );
        assert!(stderr.contains('^'), "{line}: no caret: {stderr}");
    }
}

/// A results file with one figure changed, and optional rounds.
fn variant(base: &Results, throughput_factor: f64, rounds: &[f64]) -> Results {
    let mut r = base.clone();
    for m in &mut r.modes {
        let template = m.rounds[0].clone();
        m.throughput_rps *= throughput_factor;
        // The figure as each round recorded it, changed the same way.
        for round in &mut m.rounds {
            if let Some(t) = round.get_mut("throughput") {
                *t *= throughput_factor;
            }
        }
        if !rounds.is_empty() {
            m.rounds = rounds
                .iter()
                .map(|f| {
                    let mut round = template.clone();
                    round.insert("throughput".into(), template["throughput"] * f);
                    round
                })
                .collect();
        }
    }
    r
}

#[test]
fn compare_flags_regressions_beyond_tolerance_and_noise() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = run(
        dir.path(),
        "small.toml",
        &CI.replace("requests = 2000", "requests = 200")
            .replace("repeat = 5", "repeat = 1"),
    );
    let base = results(&out);
    let write = |name: &str, r: &Results| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(r).unwrap()).unwrap();
        path
    };
    let compare = |a: &Path, b: &Path, extra: &[&str]| {
        poolbench()
            .arg("compare")
            .arg(a)
            .arg(b)
            .args(extra)
            .output()
            .unwrap()
    };
    let base_path = write("base.json", &base);
    // 5% less throughput: worse, but within the default 10%.
    let slight = write("slight.json", &variant(&base, 0.95, &[]));
    let o = compare(&base_path, &slight, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("within the 10% tolerance"));
    // 30% less in one round a side: no round to tell it from noise, so it
    // is not judged, and the note says how to have it judged.
    let slow = write("slow.json", &variant(&base, 0.7, &[]));
    let o = compare(&base_path, &slow, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("run both with --repeat 5"), "{stdout}");
    // 30% less in tight rounds: a regression, in every format.
    let tight_base = write("tight-base.json", &variant(&base, 1.0, &[0.98, 1.0, 1.02]));
    let tight_new = write("tight-new.json", &variant(&base, 0.7, &[0.69, 0.7, 0.71]));
    for format in ["text", "markdown", "junit"] {
        let o = compare(&tight_base, &tight_new, &["--format", format]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains("pooled") && stdout.contains("throughput"),
            "{format}: {stdout}"
        );
    }
    // With rounds whose ranges are wider than the drop, it is noise...
    let noisy_base = write("noisy-base.json", &variant(&base, 1.0, &[0.6, 1.0, 1.4]));
    let noisy_new = write("noisy-new.json", &variant(&base, 0.7, &[0.5, 0.7, 0.9]));
    let o = compare(&noisy_base, &noisy_new, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("within the rounds' own spread"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A looser tolerance lets the tight drop through.
    assert_eq!(
        compare(&tight_base, &tight_new, &["--tolerance", "40%"])
            .status
            .code(),
        Some(0)
    );
    poolbench()
        .args(["compare", "--tolerance", "lots"])
        .arg(&base_path)
        .arg(&slow)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a tolerance"));
}

// Two different scenarios are not compared (exit 2, naming the first
// difference) unless --force, which lists every difference; the same
// scenario with a different number of rounds compares without spurious
// changes in counts (which are sums over rounds).
#[test]
fn compare_refuses_different_runs_and_compares_rounds_per_round() {
    let dir = tempfile::tempdir().unwrap();
    let small = CI
        .replace("requests = 2000", "requests = 200")
        .replace("repeat = 5", "repeat = 1");
    let (_, one) = run(dir.path(), "one.toml", &small);
    let (_, three) = run(
        dir.path(),
        "three.toml",
        &small.replace("repeat = 1", "repeat = 3"),
    );
    let (_, other) = run(
        dir.path(),
        "other.toml",
        &small.replace("concurrency = 32", "concurrency = 16"),
    );
    let compare = |a: &Path, b: &Path, extra: &[&str]| {
        poolbench()
            .arg("compare")
            .arg(a.join("results.json"))
            .arg(b.join("results.json"))
            .args(extra)
            .output()
            .unwrap()
    };
    let o = compare(&one, &other, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("scenario.load.concurrency"), "{stderr}");
    let o = compare(&one, &other, &["--force"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("not the same run (--force): scenario.load.concurrency"),
        "{stdout}"
    );
    // One round against three: handshakes are compared per round, so the
    // pooled mode's are the same (its limit), not three times as many.
    let o = compare(&one, &three, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("rounds: 1 in base, 3 in new"), "{stdout}");
    assert!(!stdout.contains("pooled.handshakes"), "{stdout}");
}

// An injected regression is reported with its unit and its significance;
// a per-figure tolerance lets one figure through; counts are exact, and
// with one round each the tolerance alone decides, as the note says.
#[test]
fn compare_reports_units_significance_and_per_figure_tolerances() {
    let dir = tempfile::tempdir().unwrap();
    let example: Results = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/thousand/results.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let with_rounds = |p99: [f64; 3]| {
        let mut r = example.clone();
        r.scenario.load.repeat = 3;
        for m in &mut r.modes {
            let template = m.rounds[0].clone();
            m.rounds = p99
                .iter()
                .map(|v| {
                    let mut round = template.clone();
                    round.insert("p99".into(), *v);
                    round
                })
                .collect();
        }
        r
    };
    let save = |name: &str, r: &Results| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(r).unwrap()).unwrap();
        path
    };
    let base = save("base.json", &with_rounds([1000.0, 1100.0, 1050.0]));
    let slower = save("slower.json", &with_rounds([1500.0, 1600.0, 1550.0]));
    let compare = |a: &Path, b: &Path, extra: &[&str]| {
        let o = poolbench()
            .arg("compare")
            .arg(a)
            .arg(b)
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string(),
        )
    };
    let (code, out) = compare(&base, &slower, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("pooled.p99: 1050 µs → 1550 µs"), "{out}");
    assert!(
        out.contains("p = 0.05 (Mann-Whitney, 3 v 3 rounds)"),
        "{out}"
    );
    let (code, out) = compare(&base, &slower, &["--tolerance", "p99=60%"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("within the 60% tolerance"), "{out}");
    // One more handshake in one round each: a count is exact.
    let mut more = example.clone();
    more.modes[0].handshakes.client += 1;
    let handshakes = more.modes[0].handshakes.client as f64;
    more.modes[0].rounds[0].insert("handshakes".into(), handshakes);
    let more = save("more.json", &more);
    let (code, out) = compare(&save("one.json", &example), &more, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("too few for a significance test") && out.contains("a count is exact"),
        "{out}"
    );
    let (code, _) = compare(&base, &slower, &["--tolerance", "nonsense=5%"]);
    assert_eq!(code, Some(2));
}

// A real regression, injected: the candidate's pool keeps no connection.
// compare finds it, in the handshakes with their significance, over the
// gate scenario's 5 rounds a side.
#[test]
fn compare_finds_keep_alive_off_with_its_significance() {
    let dir = tempfile::tempdir().unwrap();
    let small = CI.replace("requests = 2000", "requests = 300");
    let (_, healthy) = run(dir.path(), "healthy.toml", &small);
    let broken = small.replace(
        "pooled = { limit = 8 }",
        "pooled = { limit = 8, keep_alive = false }",
    );
    let (_, candidate) = run(dir.path(), "candidate.toml", &broken);
    let o = poolbench()
        .arg("compare")
        .arg(healthy.join("results.json"))
        .arg(candidate.join("results.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("pooled.handshakes:"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("p = 0.004 (Mann-Whitney, 5 v 5 rounds)"),
        "{line}"
    );
    assert!(
        stdout.contains("REGRESSIONS") && stdout.contains("/s"),
        "{stdout}"
    );
}

// Two identical runs of a duration compare as unchanged: a run that did
// more requests has more handshakes in all, not more per request; its
// timings, one round a side, are not judged (the note says how to have
// them judged), nor its peaks, one sample each of a race.
#[test]
fn two_identical_duration_runs_compare_as_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"name = "timed"
[load]
duration = "300ms"
concurrency = 8
[modes]
pooled = { limit = 2 }
per_request_client = {}
"#;
    let (_, a) = run(dir.path(), "a.toml", scenario);
    let (_, b) = run(dir.path(), "b.toml", scenario);
    let o = poolbench()
        .arg("compare")
        .arg(a.join("results.json"))
        .arg(b.join("results.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("REGRESSION"), "{stdout}");
    // Compared per request, where a change shows at all.
    assert!(!stdout.contains("handshakes:"), "{stdout}");
}

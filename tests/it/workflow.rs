//! The adoption recipe: the GitHub Actions workflow is valid YAML of the
//! shape that system runs, its scripts exist and are executable, and the
//! pull-request comparison step, run here on a baseline and candidates,
//! exits as a build should (0, 1 on a regression, 2 on runs that cannot be
//! compared, 0 with no baseline yet).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use poolbench::results::Results;
use yaml_rust2::{Yaml, YamlLoader};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_workflow_is_a_valid_github_actions_workflow() {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join(".github/workflows/poolbench.yml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let w = &docs[0];
    assert!(w["name"].as_str().is_some());
    let on = &w["on"];
    assert!(!on["push"].is_badvalue() && !on["pull_request"].is_badvalue());
    let jobs = w["jobs"].as_hash().expect("jobs");
    assert!(!jobs.is_empty());
    for (name, job) in jobs {
        assert!(job["runs-on"].as_str().is_some(), "{name:?}: runs-on");
        let steps = job["steps"].as_vec().expect("steps");
        for step in steps {
            let (uses, run) = (step["uses"].as_str(), step["run"].as_str());
            assert!(
                uses.is_some() != run.is_some(),
                "a step uses or runs: {step:?}"
            );
            for script in run.unwrap_or("").split_whitespace() {
                if script.starts_with("scripts/") {
                    let mode = std::fs::metadata(Path::new(ROOT).join(script))
                        .unwrap_or_else(|e| panic!("{script}: {e}"))
                        .permissions()
                        .mode();
                    assert!(mode & 0o111 != 0, "{script} is not executable");
                }
            }
        }
    }
    // What the docs say the workflow runs, it runs.
    let checks: Vec<&str> = jobs
        .get(&Yaml::String("checks".into()))
        .and_then(|j| j["steps"].as_vec())
        .expect("a checks job")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    for command in [
        "cargo test --locked",
        "scripts/story.sh",
        "scripts/truth-check.sh",
    ] {
        assert!(checks.iter().any(|r| r.contains(command)), "{command}");
    }
    // The baseline the pull request compares with is what main uploads.
    assert!(text.contains("name: poolbench-ci") && text.contains("--name poolbench-ci"));
    assert!(!matches!(w, Yaml::BadValue));
}

/// Runs the comparison step on two report directories.
fn ci_compare(base: &Path, new: &Path) -> (i32, String) {
    let output = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/ci-compare.sh"))
        .arg(base)
        .arg(new)
        .env("POOLBENCH", env!("CARGO_BIN_EXE_poolbench"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

/// A report directory holding `results`.
fn report(dir: &Path, name: &str, results: &Results) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(
        path.join("results.json"),
        serde_json::to_vec(results).unwrap(),
    )
    .unwrap();
    path
}

#[test]
fn the_comparison_step_exits_as_a_build_should() {
    let dir = tempfile::tempdir().unwrap();
    let example: Results = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/thousand/results.json"))
            .unwrap(),
    )
    .unwrap();
    let base = report(dir.path(), "base", &example);
    let (code, text) = ci_compare(&dir.path().join("none"), &base);
    assert_eq!(code, 0, "no baseline yet: {text}");
    assert!(text.contains("no baseline"), "{text}");
    let same = report(dir.path(), "same", &example);
    let (code, text) = ci_compare(&base, &same);
    assert_eq!(code, 0, "{text}");
    assert!(same.join("compare.md").exists() && same.join("compare-junit.xml").exists());
    // A candidate whose pool stopped reusing connections.
    let mut broken = example.clone();
    for m in &mut broken.modes {
        m.handshakes.client *= 20;
        for r in &mut m.rounds {
            r.entry("handshakes".into()).and_modify(|v| *v *= 20.0);
        }
    }
    let broken = report(dir.path(), "broken", &broken);
    let (code, text) = ci_compare(&base, &broken);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("handshakes"), "{text}");
    // Another scenario altogether.
    let mut other = example.clone();
    other.scenario.name = "other".into();
    let other = report(dir.path(), "other", &other);
    let (code, text) = ci_compare(&base, &other);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("scenario.name"), "{text}");
}

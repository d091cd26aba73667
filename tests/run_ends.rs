//! Every run ends with a report, and no input breaks poolbench: signals,
//! a full disk, a closed or full stdout, and inputs that used to panic,
//! hang or allocate without bound. Each test here once failed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

fn poolbench() -> Command {
    let mut cmd = Command::cargo_bin("poolbench").unwrap();
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const LONG: &str = r#"name = "long"
[load]
duration = "60s"
concurrency = 4
[modes]
pooled = { limit = 2 }
per_request_client = {}
"#;

/// Starts `poolbench run` on `scenario` and returns it once it is measuring.
fn start_measuring(scenario: &Path, out: &Path) -> std::process::Child {
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_poolbench"))
        .args(["run", "--out"])
        .arg(out)
        .arg(scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines
            .next()
            .expect("poolbench exited before running")
            .unwrap();
        if line.contains("running pooled") {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on it.
    std::thread::spawn(move || lines.for_each(drop));
    std::thread::sleep(Duration::from_millis(300));
    child
}

#[test]
fn a_signal_stops_the_load_and_leaves_a_partial_report() {
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let scenario = write(dir.path(), "long.toml", LONG);
        let out = dir.path().join("out");
        let child = start_measuring(&scenario, &out);
        // SAFETY: signalling a child process we started.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("PARTIAL: interrupted by"), "{stdout}");
        let results = poolbench::report::read_results(&out.join("results.json")).unwrap();
        let partial = results.partial.expect("marked partial");
        assert!(partial.contains("1 of 2 mode runs measured"), "{partial}");
        // The mode in progress kept its figures.
        assert_eq!(results.modes.len(), 1);
        assert!(results.modes[0].requests.ok > 0);
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(html.contains("Partial report"));
    }
}

#[test]
fn a_second_signal_quits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "long.toml", LONG);
    let out = dir.path().join("out");
    let child = start_measuring(&scenario, &out);
    for _ in 0..2 {
        // SAFETY: signalling a child process we started.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
}

const TINY: &str = r#"name = "tiny"
[load]
requests = 20
concurrency = 2
[modes]
pooled = { limit = 2 }
"#;

#[test]
fn a_stdout_that_cannot_be_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", TINY);
    let full = std::fs::File::create("/dev/full").unwrap();
    let status = StdCommand::new(env!("CARGO_BIN_EXE_poolbench"))
        .args(["run", "--format", "junit", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .stdout(full)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_mode_whose_every_request_failed_fails_the_run_and_says_why() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "refused.toml",
        &format!(
            "name = \"refused\"\n[target]\nurl = \"http://127.0.0.1:{port}/\"\n[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = {{ limit = 2 }}\n"
        ),
    );
    poolbench()
        .args(["run", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "every request of pooled (http) failed, most of them refused (10 of 10)",
        ))
        .stdout(
            predicate::str::contains("latency p50").and(predicate::str::contains("0 µs").not()),
        );
}

//! Every run ends with a report, and no input breaks poolbench: signals,
//! a full disk, a closed or full stdout, and inputs that used to panic,
//! hang or allocate without bound. Each test here once failed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use predicates::prelude::*;

use crate::common::{poolbench, write};

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
            predicate::str::contains("requests failed").and(predicate::str::contains("0 µs").not()),
        );
}

/// Runs `poolbench run` on `text` and returns (exit code, stdout, stderr).
fn run_text(text: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.toml", text);
    let output = poolbench()
        .args(["run", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const BASE: &str =
    "name = \"t\"\n[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = { limit = 2 }\n";

/// Input that used to panic, hang or exhaust memory is refused with a
/// clear error (exit 2), never a crash.
#[test]
fn bad_input_is_refused_not_crashing() {
    let deep = format!(
        "[[gate]]\ncheck = \"{}1{} <= 2\"\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let sum = format!("[[gate]]\ncheck = \"1{} <= 2\"\n", " + 1".repeat(100_000));
    let cases: Vec<(String, &str)> = vec![
        (deep, "too long"),
        (sum, "too long"),
        (
            "[[gate]]\ncheck = \"\\u00e9\\u00e9 <= 1\"\n".to_string(),
            "`gate.check`",
        ),
        (
            "[[gate]]\ncheck = \"pooled.p99 <= 1 \\\"µµ\"\n".to_string(),
            "`gate.check`",
        ),
        (
            BASE.replace("requests = 10", "duration = \"500000000000years\""),
            "365 days",
        ),
        (
            BASE.replace("concurrency = 2", "concurrency = 2\nthreads = 100000"),
            "at most 1024",
        ),
        (
            BASE.replace("concurrency = 2", "concurrency = 1000000"),
            "at most 100000",
        ),
        (
            BASE.replace(
                "concurrency = 2",
                "concurrency = 2\narrival = { rate = 1e-300 }",
            ),
            "requests per second",
        ),
        (
            BASE.replace(
                "requests = 10",
                "requests = 1000000000\narrival = { rate = 1 }",
            ),
            "days",
        ),
        (
            format!("{BASE}[target]\nurl = \"http://127.0.0.1:0/\"\n"),
            "port 0",
        ),
    ];
    for (text, message) in cases {
        let text = if text.starts_with("[[gate]]") {
            format!("{BASE}{text}")
        } else {
            text
        };
        let (code, _, stderr) = run_text(&text);
        assert_eq!(code, Some(2), "{message}: {stderr}");
        assert!(
            stderr.contains(message),
            "expected {message:?} in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_scenario_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path in a directory we own.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    for file in [fifo.as_path(), Path::new("/dev/zero")] {
        poolbench()
            .args(["run"])
            .arg(file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
    }
}

#[test]
fn a_check_that_is_not_a_number_fails() {
    let text = format!("{BASE}[[gate]]\ncheck = \"pooled.p50 <= 1 / 0\"\n");
    let (code, stdout, _) = run_text(&text);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  pooled.p50 <= 1 / 0"), "{stdout}");
}

#[test]
fn more_tasks_than_requests_spawn_no_more_than_the_requests() {
    let (code, stdout, stderr) = run_text(&BASE.replace("concurrency = 2", "concurrency = 100000"));
    assert_eq!(code, Some(0), "{stderr}");
    // The summary: a line per mode, no figure table.
    assert!(stdout.lines().any(|l| l.starts_with("mode ")), "{stdout}");
    assert!(!stdout.contains("requests ok"), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace("concurrency = 2", "concurrency = 100000");
    let scenario = write(dir.path(), "s.toml", &text);
    let output = poolbench()
        .args(["run", "--detail", "--out"])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ok = stdout.lines().find(|l| l.starts_with("requests ok"));
    assert!(ok.is_some_and(|l| l.ends_with("10 | 10")), "{stdout}");
}

#[test]
fn a_password_in_the_target_url_is_never_shown_and_escapes_are_not_obeyed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "name = \"evil\\u001b]0;pwned\\u0007\"\n[target]\nurl = \"http://me:s3cr3t@127.0.0.1:{port}/\"\n[load]\nrequests = 2\nconcurrency = 1\n[modes]\npooled = {{ limit = 1 }}\n"
    );
    let scenario = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    let output = poolbench()
        .args(["run", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    let all = [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        std::fs::read_to_string(out.join("results.json")).unwrap(),
        std::fs::read_to_string(out.join("index.html")).unwrap(),
    ];
    for text in &all {
        assert!(!text.contains("s3cr3t"), "the password leaked: {text}");
    }
    assert!(
        !all[0].contains('\u{1b}') && !all[0].contains('\u{7}'),
        "{}",
        all[0]
    );
}

#[test]
fn setup_errors_name_the_file_line_and_key() {
    let (code, _, stderr) = run_text(&format!(
        "{BASE}[target]\nurl = \"http://no-such-host.invalid:8080/\"\n"
    ));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("s.toml:8:7: `target.url`: cannot resolve no-such-host.invalid"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ca.pem", "not a certificate");
    let scenario = write(
        dir.path(),
        "s.toml",
        &format!("{BASE}[target]\nurl = \"https://127.0.0.1:9/\"\n[tls]\nca = \"ca.pem\"\n"),
    );
    poolbench()
        .arg("run")
        .arg(&scenario)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("s.toml:10:6: `tls.ca`")
                .and(predicate::str::contains("no PEM certificate")),
        );
    let (_, _, stderr) = run_text("name = \"t\"\n[load]\nrequests = 1\nconcurrency = 1\n");
    assert!(
        stderr.contains("`modes`: missing") && stderr.contains("[modes]"),
        "{stderr}"
    );
    let (_, _, stderr) = run_text(&BASE.replace(
        "pooled = { limit = 2 }",
        "per_request_client = { limit = 2 }",
    ));
    assert!(
        stderr.contains("`modes.per_request_client.limit`"),
        "{stderr}"
    );
}

#[test]
fn serve_refuses_a_body_it_cannot_send() {
    poolbench()
        .args(["serve", "--body-size", "100GiB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "more than the bundled server can send",
        ));
}

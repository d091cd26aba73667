//! The binary as users run it: exit codes, messages, and the results file.

use predicates::prelude::*;
use serde_json::Value;

const TINY: &str = r#"name = "tiny"
description = "two modes, a few requests"

[server]
body_size = "1KiB"

[load]
requests = 40
concurrency = 4

[modes]
pooled = { limit = 2 }
keep_alive_disabled = { limit = 2 }
"#;

use crate::common::{poolbench, write};

#[test]
fn tiny_scenario_runs_and_writes_results_that_match_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", TINY);
    let out = dir.path().join("out");
    poolbench()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains("handshakes"))
        .stdout(predicate::str::contains("keep_alive_disabled"));
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/results.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&results)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "results.json does not match its schema: {errors:?}"
    );
    assert_eq!(results["modes"].as_array().unwrap().len(), 2);
    assert_eq!(results["modes"][0]["requests"]["ok"], 40);
    // One figure of the generator's own load per worker thread.
    let load_threads = results["modes"][0]["generator"]["threads"].as_array();
    let workers = results["scenario"]["load"]["threads"].as_u64();
    assert_eq!(load_threads.map(Vec::len), Some(workers.unwrap() as usize));
    // The schema is strict enough to catch a wrong field.
    let mut broken = results.clone();
    broken["modes"][0]["handshakes"]["client"] = Value::from("ten");
    assert!(!validator.is_valid(&broken));
}

/// Runs a scenario that must be rejected; returns stderr.
fn rejected(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "bad.toml", text);
    let output = poolbench()
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "exit code");
    assert!(
        !dir.path().join("out/results.json").exists(),
        "no results for a bad scenario"
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn unknown_key_exits_2_with_line_and_key() {
    let stderr = rejected(&TINY.replace("concurrency = 4", "concurrencyy = 4"));
    assert!(stderr.contains("bad.toml:9:1"), "{stderr}");
    assert!(stderr.contains("load.concurrencyy"), "{stderr}");
    assert!(stderr.contains("did you mean `concurrency`?"), "{stderr}");
}

#[test]
fn type_error_exits_2_with_line_and_key() {
    let stderr = rejected(&TINY.replace("requests = 40", "requests = \"forty\""));
    assert!(stderr.contains("bad.toml:8:"), "{stderr}");
    assert!(stderr.contains("load.requests"), "{stderr}");
}

#[test]
fn bad_value_exits_2_with_line_key_and_fix() {
    let stderr = rejected(&TINY.replace("pooled = { limit = 2 }", "pooled = { limit = 0 }"));
    assert!(stderr.contains("bad.toml:12:"), "{stderr}");
    assert!(stderr.contains("modes.pooled.limit"), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");
}

#[test]
fn missing_file_says_so() {
    poolbench()
        .args(["run", "no/such/scenario.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/scenario.toml"))
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn help_shows_examples() {
    poolbench()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "poolbench run scenarios/thousand.toml",
        ));
}

// `{n}` (a request's number in a URL) reads as `{n}`, not as the line
// break clap makes of it, and help is wrapped: no line past 100 columns
// where no terminal tells the width.
#[test]
fn help_shows_the_counter_literally_and_wraps() {
    for flag in ["--help", "-h"] {
        let out = poolbench()
            .args(["run", flag])
            .assert()
            .success()
            .get_output()
            .clone();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("`{n}` in its"), "{help}");
        assert!(!help.contains('\u{1b}'), "no escape in a pipe: {help}");
        let widest = help.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= 100, "{flag}: {widest} columns");
    }
}

// The scenario sets the client's open-files limit; running out of it is
// counted as EMFILE, and the report names the limit it ran out of.
#[test]
fn open_files_limits_the_client_and_emfile_names_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "fds.toml",
        r#"name = "fds"
[server]
think_time = "5ms"
[load]
requests = 300
concurrency = 100
open_files = 48
[modes]
per_request_client = {}
"#,
    );
    let out = dir.path().join("out");
    poolbench()
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(&out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains("soft 48 (set by the scenario)"))
        .stdout(predicate::str::contains(
            "the client's limit was 48, set by the scenario",
        ));
    let results = crate::common::results(&out);
    assert_eq!(results.environment.nofile.soft, 48);
    assert!(results.environment.nofile.from_scenario);
    let m = &results.modes[0];
    assert!(
        m.errors.count(poolbench::results::ErrorKind::Emfile) > 0,
        "{:?}",
        m.errors
    );
    assert!(m.peak_fds < 48, "{}", m.peak_fds);

    // A limit above the hard limit is refused before any load, naming the key.
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("open_files = 48", "open_files = 9000000000");
    let scenario = write(dir.path(), "too-many.toml", &text);
    poolbench()
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out2"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("load.open_files"))
        .stderr(predicate::str::contains("hard limit"));
}

// One client thread runs everything on a current-thread runtime: every
// mode, over HTTPS and the link, completes every request and counts it.
#[test]
fn one_thread_runs_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"name = "one-thread"
[server]
tls = true
[link]
rtt = "2ms"
[load]
requests = 60
concurrency = 6
threads = 1
[modes]
pooled = { limit = 3 }
per_request_client = {}
keep_alive_disabled = { limit = 3 }
hyper_util = {}
"#;
    let scenario = write(dir.path(), "one.toml", text);
    let out = dir.path().join("out");
    poolbench()
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    let results = crate::common::results(&out);
    assert_eq!(results.scenario.load.threads, 1);
    for m in &results.modes {
        assert_eq!(m.requests.ok, 60, "{}: {:?}", m.label, m.errors);
        assert_eq!(
            m.handshakes.server,
            Some(m.handshakes.client),
            "{}",
            m.label
        );
        // The one thread that ran it is the one load thread the
        // scheduler's statistics were read of.
        let load = m.generator.as_ref().expect("the load thread was read");
        assert_eq!(load.threads.len(), 1, "{}: {load:?}", m.label);
        let t = load.threads[0];
        assert!(
            t.on_cpu > 0.0 && t.on_cpu <= t.runnable && t.runnable <= 1.0,
            "{t:?}"
        );
        assert!(load.cpu_us_per_request > 0.0, "{load:?}");
    }
}

// A one-line run against your own service (here, a server in this
// process, which poolbench sees as external): no file, the flags decide,
// and the server's own counts agree with the client's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_alone_runs_the_chosen_modes_against_it() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    poolbench()
        .args(["run", "--url", &format!("http://{}/", server.addr)])
        .args([
            "-n",
            "40",
            "-c",
            "4",
            "--mode",
            "pooled,per_request_client",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "no scenario file: pooled, per_request_client against",
        ));
    let results = crate::common::results(&out);
    let labels: Vec<&str> = results.modes.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["pooled", "per_request_client"]);
    let seen = server.counters.snapshot();
    assert_eq!(seen.requests, 80);
    let handshakes: u64 = results.modes.iter().map(|m| m.handshakes.client).sum();
    assert_eq!(handshakes, seen.accepted);
    assert!(
        results
            .scenario
            .source
            .starts_with("# command line with: --url")
    );
}

// -m, -H and -d shape the request, as curl's do: the server counts each
// request's method, both headers and the whole body from the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_headers_and_body_come_from_the_command_line() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let body = write(dir.path(), "body.json", &"y".repeat(1024));
    let out = dir.path().join("out");
    poolbench()
        .args([
            "run",
            "--quiet",
            "--url",
            &format!("http://{}/items/{{n}}", server.addr),
        ])
        .args(["-n", "20", "-c", "2", "--mode", "pooled", "-m", "POST"])
        .args(["-H", "content-type: application/json", "-H", "x-api-key: k"])
        .arg("-d")
        .arg(format!("@{}", body.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let seen = server.counters.snapshot();
    assert_eq!((seen.requests, seen.non_get), (20, 20));
    assert_eq!(seen.extra_headers, 40);
    assert_eq!((seen.bodies, seen.body_bytes), (20, 20 * 1024));
    // The server counted both headers (the request carries the key); the
    // report shows that the key was sent, not the key.
    let source = crate::common::results(&out).scenario.source;
    assert!(source.contains("-H 'x-api-key: <redacted>'"), "{source}");
    assert!(source.contains("x-api-key = \"<redacted>\""), "{source}");
}

// --url replaces a scenario file's target (the bundled server), and -n
// its request count: the requests reach the URL's server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_overrides_a_scenarios_target() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", TINY);
    let out = dir.path().join("out");
    poolbench()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "-n",
            "30",
            "--url",
        ])
        .arg(format!("http://{}/", server.addr))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let results = crate::common::results(&out);
    assert!(results.scenario.server.is_none(), "no bundled server");
    assert_eq!(
        server.counters.snapshot().requests,
        60,
        "30 per mode, 2 modes"
    );
    assert_eq!(results.scenario.load.requests, Some(30));
}

// On a terminal each mode gets a live bar (requests done of the total, the
// rate, errors so far); in a pipe, only one plain line per mode. The
// terminal is a pseudo-terminal made by util-linux's `script`.
#[test]
fn a_progress_bar_on_a_terminal_and_none_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "tiny.toml", TINY);
    let bin = env!("CARGO_BIN_EXE_poolbench");
    let run = |out: &str| {
        format!(
            "{bin} run {} --out {} --format json",
            scenario.display(),
            dir.path().join(out).display()
        )
    };
    let tty = std::process::Command::new("script")
        .args(["-qec", &run("tty"), "/dev/null"])
        .output()
        .expect("util-linux's script makes the pseudo-terminal");
    assert!(tty.status.success(), "{tty:?}");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(shown.contains("pooled 40/40, "), "{shown}");
    assert!(shown.contains("req/s over"), "{shown}");
    assert!(shown.contains("no errors"), "{shown}");
    let piped = poolbench()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--format",
            "json",
            "--out",
        ])
        .arg(dir.path().join("pipe"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&piped.get_output().stderr).to_string();
    assert!(
        stderr.contains("poolbench: running pooled against"),
        "{stderr}"
    );
    assert!(!stderr.contains("req/s"), "no bar in a pipe: {stderr}");
}

// A flag's mistake is named by the flag, before anything is built from it:
// a port past 65535 (the URL parser would fall back to port 80), a header
// value with a control character, a `--redact` that names no header; the
// message escapes what it quotes.
#[test]
fn flag_values_are_checked_and_named_by_their_flag() {
    for (args, flag, says) in [
        (
            &["--url", "http://127.0.0.1:99999/"][..],
            "`--url`",
            "port 99999",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "-H", "x-a: b\u{1}"][..],
            "`-H`",
            "the value of `x-a` is not a valid header value",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "-H", "x a: b"][..],
            "`-H`",
            "`x a` is not a header name",
        ),
        (
            &["--url", "127.0.0.1:8080/"][..],
            "`--url`",
            "did you mean http://127.0.0.1:8080/ ?",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "--redact", "a b"][..],
            "`--redact`",
            "`a b` is not a header name",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "-z", "10"][..],
            "`-z`",
            "`10` is not a duration",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "--timeout", "soon"][..],
            "`--timeout`",
            "`soon` is not a duration",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "--http", "3"][..],
            "`--http`",
            "`3` is not an HTTP version",
        ),
        (
            &["--url", "http://127.0.0.1:9/", "--mode", "per_request"][..],
            "`--mode`",
            "did you mean `per_request_client`?",
        ),
    ] {
        let out = poolbench()
            .arg("run")
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag) && err.contains(says), "{args:?}: {err}");
        assert!(!err.contains('\u{1}'), "{args:?}: {err}");
        assert!(!err.contains("running"), "nothing ran: {err}");
    }
}

// A path with a terminal escape in it is quoted escaped, not obeyed.
#[test]
fn a_path_with_a_terminal_escape_is_echoed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("a\u{1b}[31mred.toml");
    let out = poolbench()
        .arg("run")
        .arg(&scenario)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\\u{1b}[31mred"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}

// The flags people set on every run: rounds, a warmup, the timeout and the
// HTTP version, each into the scenario that ran (and its record).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeat_warmup_timeout_and_http_come_from_the_command_line() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    poolbench()
        .args([
            "run",
            "--quiet",
            "--url",
            &format!("http://{}/", server.addr),
        ])
        .args(["-n", "20", "-c", "2", "--mode", "pooled,hyper_util"])
        .args([
            "--repeat",
            "2",
            "--warmup",
            "5",
            "--timeout",
            "5s",
            "--http",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let results = crate::common::results(&out);
    let load = &results.scenario.load;
    assert_eq!((load.repeat, load.warmup), (2, 5));
    for m in &results.modes {
        assert_eq!(
            m.http,
            poolbench::results::HttpVersion::Http2,
            "{}",
            m.label
        );
        assert_eq!(m.rounds.len(), 2, "{}", m.label);
        assert_eq!(m.requests.ok, 40, "{}: two rounds of 20", m.label);
    }
    // 2 rounds × (20 + 5 warmup) for each of the 2 modes.
    assert_eq!(server.counters.snapshot().requests, 100);
    let source = &results.scenario.source;
    assert!(
        source.contains("--repeat 2 --warmup 5 --timeout 5s --http 2"),
        "{source}"
    );
}

// --limit says which modes it applied to, and where the report goes; the
// description names the modes that ran, not "every mode".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_says_which_modes_it_applied_to() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = poolbench()
        .args(["run", "--url", &format!("http://{}/", server.addr)])
        .args([
            "-n",
            "10",
            "-c",
            "2",
            "--mode",
            "pooled,hyper_util",
            "--limit",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--limit 2 applies to pooled; hyper_util takes no limit"),
        "{err}"
    );
    assert!(
        err.contains(&format!("the report goes to {}", out.display())),
        "{err}"
    );
    let results = crate::common::results(&out);
    assert!(
        results
            .scenario
            .description
            .starts_with("pooled, hyper_util against")
    );
}

// --insecure and --ca, for an https service of one's own: with neither a
// self-signed certificate fails every request (counted as TLS); with
// either every request completes; a --ca that is no PEM file is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_and_ca_reach_an_https_service_of_ones_own() {
    let pki = poolbench::tls::TestPki::generate().unwrap();
    let url = format!("https://{}/", crate::common::tls_server(&pki).await);
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca_pem);
    let run = |extra: &[&str]| {
        let out = dir.path().join("out");
        let output = poolbench()
            .args([
                "run", "--url", &url, "-n", "10", "-c", "2", "--mode", "pooled",
            ])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let ok = (output.status.code() != Some(2))
            .then(|| crate::common::results(&out).modes[0].requests.ok);
        (
            ok,
            stdout,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, _) = run(&[]);
    assert_eq!(ok, Some(0), "the public roots do not sign it: {stdout}");
    assert!(
        stdout.contains("10 of 10 requests failed, 10 of them TLS"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["--insecure"]);
    assert_eq!(ok, Some(10), "{stdout}");
    assert!(stdout.contains("certificate was not verified"), "{stdout}");
    let (ok, stdout, _) = run(&["--ca", ca.to_str().unwrap()]);
    assert_eq!(ok, Some(10), "{stdout}");
    assert!(!stdout.contains("not verified"), "{stdout}");
    let (ok, _, stderr) = run(&["--ca", "/nonexistent/ca.pem"]);
    assert_eq!(ok, None);
    assert!(stderr.contains("`--ca`"), "{stderr}");
}

// HTTP/2 by prior knowledge against a server that speaks only HTTP/1.1
// (it answers the preface with a 400 and closes, as nginx and Python's
// http.server do): the failures are put down to the version, with what to
// run instead — not to "framing" or "see its logs".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_against_a_server_without_it_names_the_version() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let reply =
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = s.write_all(reply).await;
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let output = poolbench()
        .args(["run", "--url", &url, "-n", "6", "-c", "2", "--http", "2"])
        .args(["--mode", "pooled,hyper_util", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for text in [&stdout, &stderr] {
        let text = &text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("did not accept HTTP/2 by prior knowledge"),
            "{stdout}\n{stderr}"
        );
        assert!(!text.contains("breaks HTTP framing"), "{text}");
    }
}

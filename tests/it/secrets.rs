//! Nothing a user gave as a secret reaches any output: the real binary runs
//! with a password in the target's URL and the proxy's, credential headers
//! (the ones always secret and one the scenario names in `redact`), in a
//! file and on the command line; every format it prints, every file it
//! writes, and what `report`, `compare` and `merge` make of those files are
//! searched for the secrets, and so are the errors of bad input that
//! quotes them.

use std::path::Path;
use std::sync::Arc;

use poolbench::server::ServerConfig;

use crate::common::{poolbench, server, write};

const SECRETS: [&str; 5] = [
    "SECRETPW",
    "SECRETBEARER",
    "SECRETCOOKIE",
    "SECRETTOKEN",
    "SECRETPROXY",
];

const FORMATS: [&str; 5] = ["text", "markdown", "junit", "csv", "json"];

/// The secrets `text` holds.
fn leaked(text: &str) -> Vec<&'static str> {
    SECRETS.into_iter().filter(|s| text.contains(s)).collect()
}

/// Every file under `dir`, as text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// Runs the binary with `args`; its stdout and stderr, and its exit code.
fn output(args: &[&str]) -> (String, i32) {
    let out = poolbench().args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.code().unwrap_or(-1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_of_any_subcommand_holds_a_secret() {
    let origin = server(ServerConfig::default()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let counters = Arc::new(poolbench::proxy::ProxyCounters::default());
    tokio::spawn(poolbench::proxy::serve(listener, counters));
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "secrets.toml",
        &format!(
            r#"name = "secrets"
description = "against http://user:SECRETPW@{addr}/ through http://p:SECRETPROXY@{proxy}"
[target]
url = "http://user:SECRETPW@{addr}/"
[proxy]
url = "http://p:SECRETPROXY@{proxy}"
[request]
headers = {{ Authorization = "Bearer SECRETBEARER", cookie = "s=SECRETCOOKIE", x-internal = "SECRETTOKEN", accept = "text/plain" }}
redact = ["x-internal"]
[load]
requests = 20
concurrency = 2
[modes]
pooled = {{ limit = 2 }}
[[gate]]
check = "pooled.errors == 0"
"#,
            addr = origin.addr
        ),
    );
    let (file, root) = (file.display().to_string(), dir.path().display());
    let mut seen: Vec<(String, String)> = Vec::new();
    for format in FORMATS {
        let out = format!("{root}/run-{format}");
        let (text, code) = output(&["run", &file, "--out", &out, "--format", format]);
        assert_eq!(code, 0, "{text}");
        seen.push((format!("run --format {format}"), text));
    }
    let url = format!("http://user:SECRETPW@{}/", origin.addr);
    let flags = [
        "-H",
        "authorization: Bearer SECRETBEARER",
        "-H",
        "x-internal: SECRETTOKEN",
        "--redact",
        "x-internal",
        "-n",
        "10",
        "-c",
        "2",
        "--mode",
        "pooled",
    ];
    let cli_out = format!("{root}/cli");
    let (text, code) = output(&[&["run", "--url", &url, "--out", &cli_out], &flags[..]].concat());
    assert_eq!(code, 0, "{text}");
    seen.push(("run --url".into(), text));
    let results = |name: &str| format!("{root}/{name}/results.json");
    for format in FORMATS {
        let out = format!("{root}/report-{format}");
        let (text, code) = output(&[
            "report",
            &results("run-text"),
            "--out",
            &out,
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{text}");
        seen.push((format!("report --format {format}"), text));
    }
    for format in ["text", "markdown", "json"] {
        let (text, _) = output(&[
            "compare",
            &results("run-text"),
            &results("run-json"),
            "--format",
            format,
        ]);
        seen.push((format!("compare --format {format}"), text));
    }
    let merged = format!("{root}/merged.json");
    let (text, code) = output(&[
        "merge",
        &results("run-text"),
        &results("run-csv"),
        "-o",
        &merged,
    ]);
    assert_eq!(code, 0, "{text}");
    seen.push(("merge".into(), text));
    let (text, _) = output(&["report", &merged, "--out", &format!("{root}/merged")]);
    seen.push(("report of the merged results".into(), text));
    // Bad input that quotes the URL or the header.
    let port = format!("http://user:SECRETPW@{}:99999/", origin.addr.ip());
    for bad in [
        &port[..],
        "http://user:SECRETPW@nonexistent.invalid/",
        "http://user:SECRETPW@127.0.0.1:8080/ x",
        "user:SECRETPW@127.0.0.1:8080/",
        "http://user:SECRETPW@:8080/",
    ] {
        let (text, code) = output(&[
            "run",
            "--url",
            bad,
            "-n",
            "1",
            "--out",
            &format!("{root}/bad"),
        ]);
        assert_ne!(code, 0, "{bad}: {text}");
        seen.push((format!("run --url {bad:?}"), text));
    }
    let (text, code) = output(&[
        "run",
        "--url",
        &url,
        "-H",
        "authorization: Bearer SECRETBEARER\u{1}",
    ]);
    assert_eq!(code, 2, "{text}");
    seen.push(("a bad -H".into(), text));
    seen.extend(
        files(dir.path())
            .into_iter()
            .filter(|(name, _)| !name.ends_with(".toml")),
    );
    assert!(seen.len() > 30, "every output was read: {}", seen.len());
    for (what, text) in &seen {
        assert_eq!(
            leaked(text),
            Vec::<&str>::new(),
            "{what} holds a secret:\n{text}"
        );
    }
    // What was sent is still shown, without its value.
    let source = &crate::common::results(Path::new(&format!("{root}/run-text")))
        .scenario
        .source;
    for shown in [
        "Authorization = \"<redacted>\"",
        "x-internal = \"<redacted>\"",
        "accept = \"text/plain\"",
        "http://user:<redacted>@",
        "http://p:<redacted>@",
    ] {
        assert!(source.contains(shown), "{shown} in\n{source}");
    }
}

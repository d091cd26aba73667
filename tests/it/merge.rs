//! Several agents, one target: three poolbench processes run one scenario
//! at once against one server, and `poolbench merge` makes one run of
//! them — its handshakes are the server's own count, its histogram holds
//! every request.

use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_agents_merge_into_what_the_server_counted() {
    let server = crate::common::server(poolbench::server::ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate::common::write(
        dir.path(),
        "agent.toml",
        &format!(
            r#"name = "agents"
[target]
url = "http://{}/"
[load]
requests = 150
concurrency = 6
repeat = 2
[modes]
pooled = {{ limit = 3 }}
[[gate]]
check = "pooled.handshakes <= 18"
[[gate]]
check = "pooled.handshakes.per_round <= 3"
"#,
            server.addr
        ),
    );
    let agents: Vec<_> = (0..3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_poolbench"))
                .args(["run", "--quiet", "--out"])
                .arg(dir.path().join(format!("agent-{i}")))
                .arg(&scenario)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut agent in agents {
        assert!(agent.wait().unwrap().success());
    }
    let merged = dir.path().join("merged.json");
    crate::common::poolbench()
        .arg("merge")
        .args((0..3).map(|i| dir.path().join(format!("agent-{i}/results.json"))))
        .arg("-o")
        .arg(&merged)
        .assert()
        .success();
    let results = poolbench::report::read_results(&merged).unwrap();
    let m = &results.modes[0];
    let seen = server.counters.snapshot();
    assert_eq!(m.handshakes.client, seen.accepted, "the server's own count");
    assert_eq!(m.requests.ok, 900);
    assert_eq!(m.latency_us.histogram().unwrap().len(), 900);
    assert_eq!(seen.requests, 900);
    assert_eq!(m.agents.len(), 3);
    assert_eq!(m.peak_fds, m.agents.iter().map(|a| a.peak_fds).sum::<u64>());
    assert_eq!(results.agents.len(), 3);
    // Every agent's rounds are kept: a check per round holds for the
    // merged run as for each agent's.
    assert_eq!(m.rounds.len(), 6);
    assert!(results.gate.iter().all(|g| g.passed), "{:?}", results.gate);
    // The same run twice is refused, naming both files.
    let again = dir.path().join("again.json");
    let first = dir.path().join("agent-0/results.json");
    let copy = dir.path().join("copy.json");
    std::fs::copy(&first, &copy).unwrap();
    let out = crate::common::poolbench()
        .arg("merge")
        .arg(&first)
        .arg(&copy)
        .arg("-o")
        .arg(&again)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("are the same run") && err.contains("copy.json"),
        "{err}"
    );
    assert!(!again.exists());
    // The merged file renders like any run.
    crate::common::poolbench()
        .args(["report", "--format", "text", "--out"])
        .arg(dir.path().join("merged-report"))
        .arg(&merged)
        .assert()
        .success()
        .stdout(predicates::str::contains("merged from 3 agents"));
}

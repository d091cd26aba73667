//! Helpers shared by the integration tests: one in-process server start,
//! one binary runner, one in-process run, one results reader.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poolbench::results::{ModeKind, ModeResult, Results, Transport};
use poolbench::runner::{self, RunOptions};
use poolbench::scenario::Scenario;
use poolbench::server::{self, ServerConfig, ServerCounters};

/// Polls `done` until it holds. The deadline only keeps a broken build
/// from hanging the suite; it is not a speed requirement, and no test
/// depends on how fast the condition comes true.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The bundled server, in this process, on 127.0.0.1 and a free port.
pub struct Server {
    pub addr: SocketAddr,
    pub counters: Arc<ServerCounters>,
}

/// The bundled server over HTTPS alone, in this process, with a
/// certificate from `pki` (a CA the client must be given, or not).
pub async fn tls_server(pki: &poolbench::tls::TestPki) -> std::net::SocketAddr {
    let config = poolbench::tls::server_config(
        pki.cert_pem.as_bytes(),
        pki.key_pem.as_bytes(),
        Default::default(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(ServerCounters::default());
    tokio::spawn(server::serve_tls(
        listener,
        Default::default(),
        counters,
        config,
    ));
    addr
}

/// Starts the bundled server on the current runtime.
pub async fn server(config: ServerConfig) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(ServerCounters::default());
    tokio::spawn(server::serve(listener, config, Arc::clone(&counters)));
    Server { addr, counters }
}

/// The poolbench binary, ready for arguments (a run cannot take forever).
pub fn poolbench() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("poolbench").unwrap();
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs a scenario given as text with the real engine, in this process,
/// against the real bundled server (a child process).
pub async fn run(text: &str) -> Results {
    run_at(Path::new("test.toml"), text).await
}

/// [`run`], with the scenario at `path` (a relative `tls.ca` is read from
/// beside it).
pub async fn run_at(path: &Path, text: &str) -> Results {
    let scenario = Scenario::parse(path, text).unwrap();
    let options = RunOptions::new(PathBuf::from(env!("CARGO_BIN_EXE_poolbench")));
    runner::run(&scenario, &options).await.unwrap()
}

/// The results.json of a report directory.
pub fn results(dir: &Path) -> Results {
    poolbench::report::read_results(&dir.join("results.json")).unwrap()
}

/// The result of one mode (over one transport, if given).
pub fn mode(results: &Results, kind: ModeKind, transport: Option<Transport>) -> &ModeResult {
    results
        .modes
        .iter()
        .find(|m| m.mode == kind && transport.is_none_or(|t| m.transport == t))
        .unwrap()
}

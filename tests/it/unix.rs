//! Unix domain sockets, through the real engine: the user's server at a
//! `unix://` URL, and the bundled server's own socket beside its TCP port.
//! Every mode runs; handshakes are counted on both sides and agree; a Unix
//! socket leaves no TIME_WAIT.

use std::sync::Arc;

use poolbench::results::Transport;
use poolbench::server::{self, ServerConfig, ServerCounters};

use crate::common::run;

// Your own server on a Unix socket (here the bundled server, in this
// process, so its own count can be read): every mode reaches it, and the
// connections the client opened are the ones the server accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unix_target_runs_every_mode_counted_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sock");
    let listener = server::bind_unix(&path).unwrap();
    let counters = Arc::new(ServerCounters::default());
    tokio::spawn(server::serve(
        listener,
        ServerConfig::default(),
        Arc::clone(&counters),
    ));
    let results = run(&format!(
        r#"name = "unix"
[target]
url = "unix://{}"
[request]
paths = ["/item/{{n}}"]
[load]
requests = 60
concurrency = 4
[modes]
pooled = {{ limit = 2 }}
per_request_client = {{}}
keep_alive_disabled = {{ limit = 2 }}
hyper_util = {{}}
"#,
        path.display()
    ))
    .await;
    assert_eq!(results.modes.len(), 4);
    let mut handshakes = 0;
    for m in &results.modes {
        assert_eq!(m.transport, Transport::Unix);
        assert_eq!(m.requests.ok, 60, "{}: {:?}", m.label, m.errors);
        assert_eq!(m.time_wait.client_side + m.time_wait.server_side, 0);
        handshakes += m.handshakes.client;
    }
    assert_eq!(results.modes[0].handshakes.client, 2, "pooled: its limit");
    assert_eq!(
        results.modes[1].handshakes.client, 60,
        "a client per request"
    );
    let seen = counters.snapshot();
    assert_eq!(seen.accepted, handshakes, "the server accepted each one");
    assert_eq!(seen.requests, 240);
}

// The bundled server's own Unix socket beside its TCP port: each mode runs
// over both, the server counts the same handshakes as the client over
// each, and only TCP leaves TIME_WAIT sockets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_server_serves_a_unix_socket_beside_tcp() {
    let results = run(r#"name = "both"
[server]
unix = true
[load]
requests = 40
concurrency = 4
[modes]
per_request_client = {}
pooled = { limit = 2 }
[[gate]]
check = "per_request_client.unix.handshakes.server == 40"
"#)
    .await;
    let over: Vec<(Transport, &str)> = results
        .modes
        .iter()
        .map(|m| (m.transport, m.label.as_str()))
        .collect();
    assert_eq!(
        over,
        [
            (Transport::Http, "per_request_client"),
            (Transport::Http, "pooled"),
            (Transport::Unix, "per_request_client"),
            (Transport::Unix, "pooled")
        ]
    );
    for m in &results.modes {
        assert_eq!(m.requests.ok, 40, "{} {:?}", m.label, m.transport);
        assert_eq!(m.handshakes.server, Some(m.handshakes.client));
    }
    let per_request = |t| {
        results
            .modes
            .iter()
            .find(|m| m.transport == t && m.label == "per_request_client")
            .unwrap()
    };
    assert_eq!(per_request(Transport::Unix).handshakes.client, 40);
    assert_eq!(per_request(Transport::Unix).time_wait.client_side, 0);
    assert!(per_request(Transport::Http).time_wait.client_side > 0);
    assert!(results.gate[0].passed, "{:?}", results.gate);
}

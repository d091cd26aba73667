//! The clients people ship, driven like every other mode against the real
//! bundled server: hyper-util behind a semaphore per authority — the usual
//! workaround for its missing per-host cap.

use poolbench::results::{ModeKind, Phase};

mod common;
use common::run;

// 20 tasks on 4 permits: at most 4 requests in flight, so requests queue
// for a permit (the pool-wait phase the client sees), every connection is
// counted on both sides, and hyper-util's pool under the semaphore needs
// at least the 4 connections the permits allow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_util_capped_queues_requests_for_its_permits() {
    let results = run(r#"name = "capped"
[server]
think_time = "5ms"
[load]
requests = 200
concurrency = 20
[modes]
hyper_util_capped = { limit = 4 }
hyper_util = {}
"#)
    .await;
    let capped = &results.modes[0];
    assert_eq!(capped.mode, ModeKind::HyperUtilCapped);
    assert_eq!(capped.limit, Some(4));
    assert_eq!(capped.requests.ok, 200, "{:?}", capped.errors);
    assert_eq!(capped.handshakes.server, Some(capped.handshakes.client));
    assert!(capped.handshakes.client >= 4);
    let wait = capped
        .breakdown_us
        .phase(Phase::PoolWait)
        .expect("a permit wait");
    assert!(wait.mean > 0.0, "20 tasks queued for 4 permits: {wait:?}");
    // Uncapped, hyper-util opens a connection for each task that needs one.
    let uncapped = &results.modes[1];
    assert!(uncapped.handshakes.client > 4);
    assert!(uncapped.breakdown_us.phase(Phase::PoolWait).is_none());
}

// reqwest, shared and built per request, over HTTP and HTTPS (rustls with
// the run's CA): every request answered; the connections poolbench counted
// as reqwest opened them are the ones the server accepted; what it cannot
// follow (TLS kind, peak, how connections ended) is not observable, never 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_is_counted_where_it_lets_poolbench_see() {
    let results = run(r#"name = "reqwest"
[server]
tls = "both"
[load]
requests = 60
concurrency = 4
[modes]
reqwest = {}
reqwest_per_request = {}
reqwest_h2 = { kind = "reqwest", http = "2" }
"#)
    .await;
    assert_eq!(results.modes.len(), 6);
    for m in &results.modes {
        let what = format!("{} over {}", m.label, m.transport.name());
        assert_eq!(m.requests.ok, 60, "{what}: {:?}", m.errors);
        assert_eq!(m.handshakes.server, Some(m.handshakes.client), "{what}");
        assert!(
            m.unobserved.iter().any(|u| u == "peak_connections"),
            "{what}"
        );
        assert!(m.breakdown_us.phase(Phase::Connect).is_none(), "{what}");
    }
    let per_request = results
        .modes
        .iter()
        .filter(|m| m.mode == ModeKind::ReqwestPerRequest);
    for m in per_request {
        assert_eq!(
            m.handshakes.client, 60,
            "a client, and a connection, per request"
        );
        if let Some(tls) = m.tls_handshakes {
            assert_eq!(tls.full.server, Some(60), "a new TLS config: no resumption");
        }
    }
    // HTTP/2: usually one connection, but reqwest's pool (hyper-util's)
    // may dial more while the first is being made — by ALPN it cannot know
    // a connection will be HTTP/2 before it is made, and even with prior
    // knowledge a second request can race the first connection's
    // handshake — never more than one per task.
    for m in results.modes.iter().filter(|m| m.label == "reqwest_h2") {
        assert!(
            (1..=4).contains(&m.handshakes.client),
            "{}",
            m.handshakes.client
        );
    }
    // The table shows the server's side of what reqwest hides.
    let table = poolbench::report::terminal::render(&results);
    assert!(table.contains("- | "), "{table}");
}

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

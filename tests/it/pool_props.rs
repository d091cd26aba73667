//! Property test: whatever mix of outcomes and cancellations hits the pool,
//! no slot is lost and the bound holds. It prints how many requests it
//! cancelled. CI runs a short storm; a long one (≥ 10⁵ cancellations, a few
//! minutes):
//!
//! ```sh
//! POOLBENCH_STORM_CASES=1000 POOLBENCH_STORM_OPS=400 \
//!     cargo test --release --test it pool_props -- --nocapture
//! ```

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Empty};
use poolbench::connect::CountingConnector;
use poolbench::metrics::ConnectionGauge;
use poolbench::pool::{Pool, PoolConfig};
use poolbench::server::ServerConfig;
use proptest::prelude::*;

const LIMIT: usize = 3;

/// What one request of the storm does.
#[derive(Debug, Clone, Copy)]
enum Op {
    Plain,
    Delayed,
    ResetMidBody,
    SlowBody,
    ServerCloses,
    BodyDroppedUnread,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Plain),
        Just(Op::Delayed),
        Just(Op::ResetMidBody),
        Just(Op::SlowBody),
        Just(Op::ServerCloses),
        Just(Op::BodyDroppedUnread),
    ]
}

async fn perform(pool: Pool<Empty<Bytes>>, addr: SocketAddr, op: Op) {
    let path = match op {
        Op::Plain => "/",
        Op::Delayed => "/delay/2",
        Op::ResetMidBody => "/reset",
        Op::SlowBody => "/slow/3",
        Op::ServerCloses => "/close",
        Op::BodyDroppedUnread => "/bytes/200000",
    };
    let req = Request::get(format!("http://{addr}{path}"))
        .body(Empty::new())
        .unwrap();
    let Ok(response) = pool.send(req).await else {
        return;
    };
    let mut body = response.into_body();
    if let Op::BodyDroppedUnread = op {
        let _ = body.frame().await;
        return;
    }
    let _ = body.collect().await;
}

/// Requests sent and cancelled by all storms so far.
static SENT: AtomicU64 = AtomicU64::new(0);
static CANCELLED: AtomicU64 = AtomicU64::new(0);

async fn storm(ops: Vec<(Op, Option<u64>)>) -> Result<(), TestCaseError> {
    let crate::common::Server { addr, counters } =
        crate::common::server(ServerConfig::default()).await;
    let gauge = Arc::new(ConnectionGauge::default());
    let config = PoolConfig::new(NonZeroUsize::new(LIMIT).unwrap());
    let pool: Pool<Empty<Bytes>> = Pool::new(config, CountingConnector::new(Arc::clone(&gauge)));

    let tasks: Vec<_> = ops
        .into_iter()
        .map(|(op, cancel_after_us)| {
            let fut = perform(pool.clone(), addr, op);
            SENT.fetch_add(1, Relaxed);
            tokio::spawn(async move {
                match cancel_after_us {
                    Some(us) => {
                        if tokio::time::timeout(Duration::from_micros(us), fut)
                            .await
                            .is_err()
                        {
                            CANCELLED.fetch_add(1, Relaxed);
                        }
                    }
                    None => fut.await,
                }
            })
        })
        .collect();
    let mut most = 0;
    while !tasks.iter().all(|t| t.is_finished()) {
        most = most.max(pool.stats().slots_used);
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    prop_assert!(most <= LIMIT, "{most} slots in use");

    // Every slot ends up free or held by an idle connection.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut stats = pool.stats();
    while stats.slots_used != stats.idle && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
        stats = pool.stats();
    }
    prop_assert_eq!(stats.slots_used, stats.idle, "a slot is held by nothing");
    prop_assert_eq!(
        gauge.read().open as usize,
        stats.idle,
        "sockets open beyond the idle ones"
    );

    // `limit` requests at once still all get a connection without waiting.
    let waits_before = stats.totals.waits;
    let batch: Vec<_> = (0..LIMIT)
        .map(|_| tokio::spawn(perform(pool.clone(), addr, Op::Delayed)))
        .collect();
    for b in batch {
        b.await.unwrap();
    }
    prop_assert_eq!(
        pool.stats().totals.waits,
        waits_before,
        "a request waited: a slot was lost"
    );
    // The client never had more sockets open than the limit. (The server
    // may count more: it keeps a cancelled request's connection until its
    // handler next writes and finds the client gone.)
    prop_assert!(
        gauge.read().peak <= LIMIT as u64,
        "{} sockets open",
        gauge.read().peak
    );
    prop_assert!(
        counters.snapshot().accepted == gauge.read().opened,
        "server {} client {}",
        counters.snapshot().accepted,
        gauge.read().opened
    );
    Ok(())
}

/// `POOLBENCH_STORM_CASES` storms (default 24) of up to
/// `POOLBENCH_STORM_OPS` requests each (default 40).
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn no_slot_is_lost_in_a_storm_of_cancellations() {
    let cases = setting("POOLBENCH_STORM_CASES", 24);
    let ops = setting("POOLBENCH_STORM_OPS", 40).max(6);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: cases as u32,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/pool_props.proptest-regressions"
            )),
        )),
        ..ProptestConfig::default()
    });
    let strategy = proptest::collection::vec((op(), proptest::option::of(0u64..4000)), 5..ops);
    let outcome = runner.run(&strategy, |ops| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(storm(ops))
    });
    println!(
        "storm: {cases} storms, {} requests, {} cancelled mid-flight, no slot lost",
        SENT.load(Relaxed),
        CANCELLED.load(Relaxed)
    );
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

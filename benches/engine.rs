//! The load generator's own cost per request: the engine's loop, the
//! recorder and the pool, driving 2000 requests over 10 pooled connections
//! to the bundled server in this process (plain HTTP, 64-byte bodies).
//! The figure is wall time per request with the server's share in it; what
//! it is for is a regression on the request path, which shows here first.
//! (Against wrk and oha on nginx: `scripts/compare-peers.sh`.)

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use poolbench::connect::CountingConnector;
use poolbench::engine::{self, Arrival, RequestPlan, Shape, Stop, Workload};
use poolbench::interrupt::Interrupt;
use poolbench::metrics::ConnectionGauge;
use poolbench::modes::{Catalogue, Exchange, ModeSpec, Parts};
use poolbench::server::{self, ServerCounters};

const REQUESTS: u64 = 2000;
const CONNECTIONS: u32 = 10;

fn engine(c: &mut Criterion) {
    let runtime = crate::common::runtime();
    let uri: http::Uri = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counters = Arc::new(ServerCounters::default());
        tokio::spawn(server::serve(listener, Default::default(), counters));
        format!("http://{addr}/").parse().unwrap()
    });
    let pooled = Catalogue::STANDARD
        .find("pooled")
        .expect("the catalogue has pooled");
    let spec = ModeSpec::of(pooled, NonZeroU32::new(CONNECTIONS));
    let parts = Parts {
        connector: CountingConnector::new(Arc::new(ConnectionGauge::default())),
        trust: None,
        exchange: Exchange {
            echo_id: true,
            ..Exchange::default()
        },
        threads: 1,
        timeout: Duration::from_secs(30),
    };
    let client = poolbench::modes::build(&spec, parts).unwrap();
    let workload = Workload {
        plan: Arc::new(RequestPlan::single(&uri.to_string(), Shape::default()).unwrap()),
        stop: Stop::Requests(REQUESTS),
        arrival: Arrival::Closed,
        concurrency: CONNECTIONS as usize,
        timeout: Duration::from_secs(30),
        live: Arc::default(),
        interrupt: Interrupt::default(),
    };
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(REQUESTS));
    group.bench_function("pooled_closed_loop_10", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine::run(Arc::clone(&client), &workload).await.unwrap();
            assert_eq!(outcome.recorder.ok(), REQUESTS);
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1)).sample_size(20);
    targets = engine
}

//! A request round trip through each kind of the catalogue against the
//! bundled server, in-process on 127.0.0.1, over plain HTTP and over TLS.
//! One task sending `ROUNDS` requests through the engine, so the figure is
//! the latency of a request through that mode's client: for
//! `per_request_client` and `keep_alive_disabled` it includes a connect
//! (and a TLS handshake), for `pooled` and `hyper_util` it does not.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use poolbench::connect::CountingConnector;
use poolbench::engine::{self, Arrival, RequestPlan, Shape, Stop, Workload};
use poolbench::metrics::ConnectionGauge;
use poolbench::modes::{Exchange, KINDS, ModeSpec, Parts};
use poolbench::server::{self, ServerCounters};
use poolbench::tls::{TestPki, TlsSettings, TlsTrust};

/// Requests per iteration, one after another.
const ROUNDS: u64 = 20;

struct Servers {
    plain: SocketAddr,
    tls: SocketAddr,
    trust: TlsTrust,
}

async fn start() -> Servers {
    let pki = TestPki::generate().unwrap();
    let settings = TlsSettings::default();
    let config =
        poolbench::tls::server_config(pki.cert_pem.as_bytes(), pki.key_pem.as_bytes(), settings)
            .unwrap();
    let counters = Arc::new(ServerCounters::default());
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let servers = Servers {
        plain: plain.local_addr().unwrap(),
        tls: tls.local_addr().unwrap(),
        trust: TlsTrust {
            ca: Some(pki.ca),
            settings,
        },
    };
    tokio::spawn(server::serve(
        plain,
        Default::default(),
        Arc::clone(&counters),
    ));
    tokio::spawn(server::serve_tls(tls, Default::default(), counters, config));
    servers
}

fn round_trips(c: &mut Criterion) {
    let runtime = crate::common::runtime();
    let servers = runtime.block_on(start());
    let mut group = c.benchmark_group("round_trip");
    group.throughput(Throughput::Elements(ROUNDS));
    for (transport, addr) in [("http", servers.plain), ("https", servers.tls)] {
        let url = format!("{transport}://{addr}/");
        let workload = Workload {
            plan: Arc::new(RequestPlan::single(&url, Shape::default()).unwrap()),
            stop: Stop::Requests(ROUNDS),
            arrival: Arrival::Closed,
            concurrency: 1,
            timeout: Duration::from_secs(30),
            live: Arc::default(),
            interrupt: Default::default(),
        };
        for kind in KINDS {
            let spec = ModeSpec::of(kind, NonZeroU32::new(8));
            let mut connector = CountingConnector::new(Arc::new(ConnectionGauge::default()));
            if transport == "https" {
                connector = connector.with_tls(servers.trust.client_config(false).unwrap());
            }
            let parts = Parts {
                connector,
                trust: (transport == "https").then(|| servers.trust.clone()),
                // As against the bundled server in a run: ids echoed and
                // checked.
                exchange: Exchange {
                    echo_id: true,
                    ..Exchange::default()
                },
                threads: 1,
                timeout: Duration::from_secs(30),
            };
            let client = poolbench::modes::build(&spec, parts).unwrap();
            group.bench_function(format!("{transport}/{}", kind.name), |b| {
                b.to_async(&runtime).iter(|| async {
                    let outcome = engine::run(Arc::clone(&client), &workload).await.unwrap();
                    assert_eq!(outcome.recorder.ok(), ROUNDS);
                });
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = round_trips
}

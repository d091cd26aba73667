//! A request round trip through each mode against the bundled server,
//! in-process on 127.0.0.1, over plain HTTP and over TLS. One task, so the
//! figure is the latency of a request through that mode's client: for
//! `per_request_client` and `keep_alive_disabled` it includes a connect
//! (and a TLS handshake), for `pooled` and `hyper_util` it does not.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use poolbench::connect::CountingConnector;
use poolbench::metrics::ConnectionGauge;
use poolbench::modes::{Exchange, ModeClient, Target};
use poolbench::scenario::{ModeKind, ModeSpec, PoolSettings};
use poolbench::server::{self, ServerCounters};
use poolbench::tls::{TestPki, TlsSettings, TlsTrust};

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
    for (transport, addr) in [("http", servers.plain), ("https", servers.tls)] {
        let target = Target::new(&format!("{transport}://{addr}/"), Arc::default()).unwrap();
        // awc's requests run on its own threads, through the engine (the
        // `engine` bench's path), not through `execute`.
        for kind in ModeKind::ALL.into_iter().filter(|k| *k != ModeKind::Awc) {
            let spec = ModeSpec {
                label: kind.name().to_string(),
                body: Default::default(),
                sweep: None,
                http: Default::default(),
                kind,
                limit: NonZeroU32::new(8),
                pool: PoolSettings {
                    keep_alive: kind != ModeKind::KeepAliveDisabled,
                    ..PoolSettings::default()
                },
                client: Default::default(),
            };
            let mut connector = CountingConnector::new(Arc::new(ConnectionGauge::default()));
            if transport == "https" {
                connector = connector.with_tls(servers.trust.client_config(false).unwrap());
            }
            // As against the bundled server in a run: ids echoed and checked.
            let exchange = Exchange {
                echo_id: true,
                ..Exchange::default()
            };
            let client = ModeClient::new(
                &spec,
                connector,
                Some(servers.trust.clone()),
                exchange,
                (1, Duration::from_secs(30)),
            );
            group.bench_function(format!("{transport}/{}", kind.name()), |b| {
                b.to_async(&runtime).iter(|| async {
                    client
                        .execute(&target, 1, std::time::Instant::now())
                        .await
                        .unwrap();
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

//! The pool on the request path: a GET round trip to the bundled server
//! (in-process, 127.0.0.1) through poolbench's pool and through hyper-util's
//! legacy `Client`, uncontended and with 64 tasks on 8 connections.
//!
//! hyper-util's pool is not public, so checkout + checkin cannot be timed
//! alone there; both are timed as whole round trips over the same server,
//! and the difference between the two lines is the pools' (and clients')
//! overhead.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use http::Request;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use poolbench::connect::CountingConnector;
use poolbench::metrics::ConnectionGauge;
use poolbench::pool::{Pool, PoolConfig};
use poolbench::server::{self, ServerConfig, ServerCounters};

/// Either client, behind one call.
#[derive(Clone)]
enum Subject {
    Ours(Pool<Empty<Bytes>>),
    HyperUtil(Box<Client<CountingConnector, Empty<Bytes>>>),
}

impl Subject {
    async fn get(&self, uri: &http::Uri) {
        let req = Request::get(uri.clone())
            .body(Empty::<Bytes>::new())
            .unwrap();
        match self {
            Subject::Ours(pool) => {
                let body = pool.send(req).await.unwrap().into_body();
                body.collect().await.unwrap();
            }
            Subject::HyperUtil(client) => {
                let body = client.request(req).await.unwrap().into_body();
                body.collect().await.unwrap();
            }
        }
    }
}

fn subjects(limit: usize) -> [(&'static str, Subject); 2] {
    let connector = || CountingConnector::new(Arc::new(ConnectionGauge::default()));
    let config = PoolConfig::new(NonZeroUsize::new(limit).unwrap());
    [
        ("poolbench", Subject::Ours(Pool::new(config, connector()))),
        (
            "hyper_util",
            Subject::HyperUtil(Box::new(
                Client::builder(TokioExecutor::new()).build(connector()),
            )),
        ),
    ]
}

async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(ServerCounters::default());
    tokio::spawn(server::serve(listener, ServerConfig::default(), counters));
    addr
}

/// Runs `iters` requests spread over `tasks` tasks; returns the wall time.
async fn spread(subject: &Subject, uri: &http::Uri, tasks: u64, iters: u64) -> Duration {
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let (subject, uri) = (subject.clone(), uri.clone());
            let share = iters / tasks + u64::from(t < iters % tasks);
            tokio::spawn(async move {
                for _ in 0..share {
                    subject.get(&uri).await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    started.elapsed()
}

fn round_trips(c: &mut Criterion) {
    let runtime = crate::common::runtime();
    let addr = runtime.block_on(start_server());
    let uri: http::Uri = format!("http://{addr}/").parse().unwrap();

    let mut group = c.benchmark_group("pool/round_trip");
    group.throughput(Throughput::Elements(1));
    for (name, subject) in subjects(8) {
        group.bench_function(format!("{name}/uncontended"), |b| {
            b.to_async(&runtime).iter(|| subject.get(&uri));
        });
        group.bench_function(format!("{name}/64_tasks_limit_8"), |b| {
            b.to_async(&runtime)
                .iter_custom(|iters| spread(&subject, &uri, 64, iters));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = round_trips
}

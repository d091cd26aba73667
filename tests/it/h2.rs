//! HTTP/2: every mode over TLS (ALPN) and h2c against the bundled server,
//! counted on both sides; and the pool's HTTP/2 properties against the real
//! server in this process — the peer's stream limit honoured, a second
//! connection only when the first is full, waiters served in arrival order,
//! and a connection that sent GOAWAY drained while its streams finish.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::Request;
use http_body_util::BodyExt;
use poolbench::connect::CountingConnector;
use poolbench::metrics::ConnectionGauge;
use poolbench::pool::H2Pool;
use poolbench::results::HttpVersion;
use poolbench::server::ServerConfig;

use crate::common::{run, server, until};

// Every mode that speaks HTTP/2, over TLS and over plain TCP (h2c): all
// requests answered, the handshakes the client made are the ones the
// server accepted, and the pool stays within its limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_runs_over_tls_and_h2c_counted_on_both_sides() {
    let results = run(r#"name = "h2"
[server]
tls = "both"
[load]
requests = 60
concurrency = 8
[modes]
pooled = { limit = 2, http = "2" }
per_request_client = { http = "2" }
hyper_util = { http = "2" }
"#)
    .await;
    assert_eq!(results.modes.len(), 6);
    for m in &results.modes {
        let what = format!("{} over {}", m.label, m.transport.name());
        assert_eq!(m.http, HttpVersion::Http2, "{what}");
        assert_eq!(m.requests.ok, 60, "{what}: {:?}", m.errors);
        assert_eq!(m.requests.server, Some(60), "{what}");
        assert_eq!(m.handshakes.server, Some(m.handshakes.client), "{what}");
    }
    let pooled = results.modes.iter().filter(|m| m.label == "pooled");
    assert!(pooled.clone().all(|m| m.handshakes.client <= 2));
    let per_request = results
        .modes
        .iter()
        .filter(|m| m.label == "per_request_client");
    assert!(per_request.clone().all(|m| m.handshakes.client == 60));
}

fn pool(limit: usize) -> H2Pool {
    let gauge = Arc::new(ConnectionGauge::default());
    H2Pool::new(limit, CountingConnector::new(gauge))
}

fn get(addr: SocketAddr, path: &str) -> Request<Bytes> {
    Request::get(format!("http://{addr}{path}"))
        .body(Bytes::new())
        .unwrap()
}

/// Sends `n` requests of `path` at once, each read to the end.
async fn burst(pool: &H2Pool, addr: SocketAddr, path: &str, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (pool, req) = (pool.clone(), get(addr, path));
            tokio::spawn(async move {
                let response = pool.send(req).await.unwrap();
                response.into_body().collect().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

// The server allows 3 streams per connection: 3 requests at once share one
// connection; 7 need three, never more than 3 streams on any one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_limit_is_honoured_and_a_new_connection_waits_until_full() {
    let srv = server(ServerConfig {
        max_concurrent_streams: 3,
        ..ServerConfig::default()
    })
    .await;
    let p = pool(4);
    // A first request learns the server's limit.
    burst(&p, srv.addr, "/", 1).await;
    burst(&p, srv.addr, "/delay/100", 3).await;
    assert_eq!(
        srv.counters.connections.read().opened,
        1,
        "3 streams fit one"
    );
    // Long enough that no stream ends while the next connection settles.
    burst(&p, srv.addr, "/delay/500", 7).await;
    let seen = srv.counters.snapshot();
    assert_eq!(seen.accepted, 3, "7 streams at 3 a connection");
    assert!(seen.peak_streams >= 3, "streams shared connections");
    assert_eq!(seen.requests, 11);
    // A stream beyond the server's limit would have been refused (as
    // hyper-util's are): none was, so none went beyond it.
    assert_eq!(p.stats().totals.retries, 0, "no stream refused");
}

// One connection, one stream: five waiters get it in the order they came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_get_streams_in_arrival_order() {
    let srv = server(ServerConfig {
        max_concurrent_streams: 1,
        ..ServerConfig::default()
    })
    .await;
    let p = pool(1);
    burst(&p, srv.addr, "/", 1).await;
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let holder = {
        let (p, req) = (p.clone(), get(srv.addr, "/delay/100"));
        tokio::spawn(async move { p.send(req).await.unwrap().into_body().collect().await })
    };
    until("the holder has the stream", || {
        srv.counters.snapshot().requests == 2
    })
    .await;
    let mut waiters = Vec::new();
    for i in 0..5u64 {
        let (q, order, req) = (p.clone(), Arc::clone(&order), get(srv.addr, "/delay/20"));
        waiters.push(tokio::spawn(async move {
            let response = q.send(req).await.unwrap();
            order.lock().unwrap().push(i);
            response.into_body().collect().await.unwrap();
        }));
        until("the waiter is queued", || p.stats().totals.waits > i).await;
    }
    holder.await.unwrap().unwrap();
    for w in waiters {
        w.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
    assert_eq!(srv.counters.connections.read().opened, 1);
}

// After 3 streams the server sends GOAWAY: the streams in flight finish,
// the connection takes no new one, and later requests go on a new
// connection — none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sent_goaway_drains_and_is_replaced() {
    let srv = server(ServerConfig {
        max_requests_per_connection: 3,
        ..ServerConfig::default()
    })
    .await;
    let p = pool(1);
    for _ in 0..4 {
        burst(&p, srv.addr, "/delay/10", 3).await;
    }
    let seen = srv.counters.snapshot();
    assert_eq!(seen.requests, 12);
    assert_eq!(seen.goaways, 4, "one per connection");
    assert_eq!(seen.accepted, 4, "a new connection after each GOAWAY");
}

// GOAWAY after 2 streams, with 4 already open: the streams the server
// took finish on the old connection (hyper's graceful GOAWAY names the
// last one it received), those it did not go again on a new one; none
// fails or goes twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_goaway_the_next_streams_take_a_new_connection() {
    let srv = server(ServerConfig {
        max_requests_per_connection: 2,
        ..ServerConfig::default()
    })
    .await;
    let p = pool(1);
    burst(&p, srv.addr, "/delay/20", 4).await;
    burst(&p, srv.addr, "/delay/20", 2).await;
    let seen = srv.counters.snapshot();
    assert_eq!(seen.requests, 6, "each processed once, none failed");
    // How many streams a connection took before its GOAWAY took effect
    // depends on timing; that a new one followed, one at a time, does not.
    assert!(seen.accepted >= 2, "a new connection after GOAWAY");
    assert!(seen.goaways >= 1);
    assert_eq!(p.stats().totals.handshakes, seen.accepted);
    // Not asserted: the server's peak of open connections. The pool frees
    // a connection's slot when its own side of it is done; the server may
    // count the old one open a moment longer, beside the new one (the
    // HTTP/1.1 pool waits for the server's FIN; this one cannot: h2 owns
    // the socket to its end).
}

// An HTTP/2 connection idle for the keep-alive timeout gets a GOAWAY and
// is closed; the pool's next request opens a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_gets_goaway_and_the_next_request_a_new_one() {
    let srv = server(ServerConfig {
        keep_alive_timeout: std::time::Duration::from_millis(100),
        ..ServerConfig::default()
    })
    .await;
    let p = pool(1);
    burst(&p, srv.addr, "/", 1).await;
    until("the server sent GOAWAY to the idle connection", || {
        srv.counters.snapshot().goaways == 1
    })
    .await;
    until("and closed it", || srv.counters.snapshot().open == 0).await;
    burst(&p, srv.addr, "/", 1).await;
    let seen = srv.counters.snapshot();
    assert_eq!((seen.accepted, seen.requests), (2, 2));
}

// HTTP/2 over a Unix socket: h2 with prior knowledge, the pool's and
// hyper-util's, every stream on one connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_runs_over_a_unix_socket() {
    let results = run(r#"name = "h2-unix"
[server]
unix = true
[load]
requests = 40
concurrency = 4
[modes]
pooled = { limit = 1, http = "2" }
hyper_util = { http = "2" }
"#)
    .await;
    let unix = results
        .modes
        .iter()
        .filter(|m| m.transport == poolbench::results::Transport::Unix);
    for m in unix {
        assert_eq!(m.requests.ok, 40, "{}: {:?}", m.label, m.errors);
        assert_eq!(
            m.handshakes.server,
            Some(m.handshakes.client),
            "{}",
            m.label
        );
        // The pool dials one connection at a time until it knows the
        // server's stream limit; hyper-util may race a second one.
        let most = if m.label == "pooled" { 1 } else { 4 };
        assert!((1..=most).contains(&m.handshakes.client), "{}", m.label);
    }
}

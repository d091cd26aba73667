//! The pool's properties, each against the real bundled server on
//! 127.0.0.1 (in-process, so its counters can be read directly).

use poolbench::results::Discard;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Empty};
use poolbench::connect::CountingConnector;
use poolbench::metrics::ConnectionGauge;
use poolbench::pool::{Clock, ManualClock, Pool, PoolConfig, PoolError, PoolTiming};
use poolbench::server::{self, ServerConfig};
use tokio::net::TcpListener;

use crate::common::{Server, server, until};

type TestPool = Pool<Empty<Bytes>>;

fn new_pool(limit: usize, tweak: impl FnOnce(&mut PoolConfig)) -> (TestPool, Arc<ConnectionGauge>) {
    let gauge = Arc::new(ConnectionGauge::default());
    let mut config = PoolConfig::new(NonZeroUsize::new(limit).unwrap());
    tweak(&mut config);
    (
        Pool::new(config, CountingConnector::new(Arc::clone(&gauge))),
        gauge,
    )
}

fn get(addr: SocketAddr, path: &str) -> Request<Empty<Bytes>> {
    Request::get(format!("http://{addr}{path}"))
        .body(Empty::new())
        .unwrap()
}

/// Sends and reads the whole body.
async fn fetch(pool: &TestPool, req: Request<Empty<Bytes>>) -> Result<Bytes, String> {
    let response = pool.send(req).await.map_err(|e| format!("{e:#}"))?;
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e}"))?;
    Ok(body.to_bytes())
}

/// Waits until the server has received `n` requests in all.
async fn received(srv: &Server, n: u64) {
    until(&format!("{n} requests at the server"), || {
        srv.counters.snapshot().requests >= n
    })
    .await;
}

/// Waits until every slot is held by an idle connection (nothing dialling,
/// nothing in use, no socket left closing).
async fn settled(pool: &TestPool) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let s = pool.stats();
        if s.slots_used == s.idle || Instant::now() > deadline {
            return (s.slots_used, s.idle);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

// 1. Hard bound: connecting + in use + idle ≤ limit, seen by the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_than_limit_connections_even_with_200_tasks() {
    let srv = server(ServerConfig::default()).await;
    let (pool, gauge) = new_pool(4, |_| {});
    let monitor_pool = pool.clone();
    let monitor = tokio::spawn(async move {
        let mut most = 0;
        for _ in 0..400 {
            most = most.max(monitor_pool.stats().slots_used);
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        most
    });
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let pool = pool.clone();
            let path = if i % 2 == 0 { "/delay/1" } else { "/" };
            tokio::spawn(async move {
                for _ in 0..5 {
                    fetch(&pool, get(srv.addr, path)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let server = srv.counters.snapshot();
    assert!(
        server.peak_open <= 4,
        "server saw {} open",
        server.peak_open
    );
    assert!(server.accepted <= 4, "server accepted {}", server.accepted);
    assert_eq!(server.requests, 1000);
    assert!(gauge.read().peak <= 4);
    assert!(monitor.await.unwrap() <= 4);
    let stats = pool.stats().totals;
    assert!(stats.waits > 0, "the test did not saturate the pool");
    assert!(stats.peak_waiters > 100);
}

// 2. Isolation: a saturated authority does not delay another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_authority_does_not_delay_another() {
    let busy = server(ServerConfig::default()).await;
    let idle = server(ServerConfig::default()).await;
    let (pool, _) = new_pool(2, |_| {});
    // Twenty requests that are never answered in the test's lifetime: both
    // slots of the busy authority are held, eighteen requests queue.
    let hogs: Vec<_> = (0..20)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { fetch(&pool, get(busy.addr, "/delay/600000")).await })
        })
        .collect();
    until("18 queued on the busy authority", || {
        pool.stats().totals.peak_waiters >= 18
    })
    .await;
    received(&busy, 2).await;
    // The other authority is served while that queue stands still.
    fetch(&pool, get(idle.addr, "/")).await.unwrap();
    assert!(hogs.iter().all(|h| !h.is_finished()));
    assert_eq!(busy.counters.snapshot().requests, 2, "the queue moved");
    assert_eq!(idle.counters.snapshot().requests, 1);
    hogs.iter().for_each(|h| h.abort());
}

// 3. No lost slots, case by case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_come_back_after_every_kind_of_failure() {
    let srv = server(ServerConfig::default()).await;
    let (pool, _) = new_pool(1, |c| c.acquire_timeout = Some(Duration::from_secs(2)));

    // Connect failure (another authority, nothing listening there).
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for _ in 0..3 {
        let e = pool.send(get(dead, "/")).await.unwrap_err();
        assert!(matches!(e, PoolError::Connect(_)), "{e:?}");
    }
    // Reset mid-body.
    assert!(fetch(&pool, get(srv.addr, "/reset")).await.is_err());
    // Server close.
    fetch(&pool, get(srv.addr, "/close")).await.unwrap();
    // Cancelled mid-headers: dropped once the server has the request.
    let before = srv.counters.snapshot().requests;
    let late = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/delay/600000")).await })
    };
    received(&srv, before + 1).await;
    late.abort();
    assert!(late.await.is_err_and(|e| e.is_cancelled()));
    // Cancelled mid-body: the body is dropped after its first half.
    let response = pool.send(get(srv.addr, "/slow/300")).await.unwrap();
    let mut body = response.into_body();
    body.frame().await.unwrap().unwrap();
    drop(body);
    // A waiter that gives up: one holder, one waiter dropped while queued.
    let before = srv.counters.snapshot().requests;
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/delay/100")).await })
    };
    received(&srv, before + 1).await;
    let waits = pool.stats().totals.waits;
    let gave_up = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/")).await })
    };
    until("the waiter is queued", || pool.stats().totals.waits > waits).await;
    gave_up.abort();
    assert!(gave_up.await.is_err_and(|e| e.is_cancelled()));
    holder.await.unwrap().unwrap();

    // The single slot still works, at once, every time.
    for _ in 0..3 {
        assert_eq!(fetch(&pool, get(srv.addr, "/")).await.unwrap().len(), 64);
    }
    let (used, idle) = settled(&pool).await;
    assert_eq!((used, idle), (1, 1));
}

// 4. FIFO waiters, woken at once by a freed slot or a closed connection.
/// Queues five waiters behind one holder and returns the order they ran in.
async fn waiter_order(pool: &TestPool, addr: SocketAddr) -> Vec<usize> {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(addr, "/delay/100")).await })
    };
    until("the holder has the slot", || pool.stats().slots_used == 1).await;
    let waits_before = pool.stats().totals.waits;
    let mut waiters = Vec::new();
    for i in 0..5 {
        let (waiter, order) = (pool.clone(), Arc::clone(&order));
        waiters.push(tokio::spawn(async move {
            let response = waiter.send(get(addr, "/delay/20")).await.unwrap();
            // Recorded as soon as the head is in: the next waiter can only
            // have been granted after this one's socket closed or was
            // returned, and then needs 20 ms more for its own head.
            order.lock().unwrap().push(i);
            response.into_body().collect().await.unwrap();
        }));
        // Queued in this order: wait until this one is in the queue.
        until("the waiter is queued", || {
            pool.stats().totals.waits > waits_before + i as u64
        })
        .await;
    }
    holder.await.unwrap().unwrap();
    for w in waiters {
        w.await.unwrap();
    }
    order.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_are_served_in_arrival_order_and_woken_at_once() {
    let srv = server(ServerConfig::default()).await;
    // Handed a returned connection...
    let (pool, _) = new_pool(1, |_| {});
    assert_eq!(waiter_order(&pool, srv.addr).await, vec![0, 1, 2, 3, 4]);
    // ...or a slot freed by a closed one (keep-alive off: none is reused).
    let (closing, _) = new_pool(1, |c| c.keep_alive = false);
    assert_eq!(waiter_order(&closing, srv.addr).await, vec![0, 1, 2, 3, 4]);
    assert_eq!(closing.stats().totals.reuses, 0);

    // A connection reset mid-body by the server frees its slot for the
    // next waiter (that it is handed over at once, without any timer, is
    // `a_dropped_slot_goes_to_the_oldest_waiter_at_once` in the pool).
    let before = srv.counters.snapshot().requests;
    let breaker = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/reset")).await })
    };
    received(&srv, before + 1).await;
    let waits = pool.stats().totals.waits;
    let next = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/")).await })
    };
    until("queued behind the reset", || {
        pool.stats().totals.waits > waits
    })
    .await;
    assert!(breaker.await.unwrap().is_err());
    next.await.unwrap().unwrap();
    assert_eq!(pool.stats().totals.discards.count(Discard::Error), 1);
}

// 5. Bounded waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_timeout_gives_a_clear_error() {
    let srv = server(ServerConfig::default()).await;
    let (pool, _) = new_pool(1, |c| c.acquire_timeout = Some(Duration::from_millis(50)));
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/delay/600000")).await })
    };
    received(&srv, 1).await;
    let started = Instant::now();
    let e = pool.send(get(srv.addr, "/")).await.unwrap_err();
    // Not before the timeout; and the holder, never answered, still holds.
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert!(!holder.is_finished());
    assert!(matches!(e, PoolError::AcquireTimeout { .. }), "{e:?}");
    let message = e.to_string();
    assert!(
        message.contains("50ms") && message.contains("limit 1"),
        "{message}"
    );
    holder.abort();
}

// 6. Only clean connections are reused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_body_or_connection_close_means_a_new_connection() {
    let srv = server(ServerConfig::default()).await;
    let (pool, gauge) = new_pool(1, |_| {});
    let response = pool.send(get(srv.addr, "/bytes/1000000")).await.unwrap();
    drop(response); // body never read
    let body = fetch(&pool, get(srv.addr, "/bytes/300")).await.unwrap();
    assert_eq!(body, vec![b'x'; 300], "the next response must be intact");
    assert_eq!(gauge.read().opened, 2);
    fetch(&pool, get(srv.addr, "/close")).await.unwrap();
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    assert_eq!(gauge.read().opened, 3);
    let d = pool.stats().totals.discards;
    assert_eq!(
        (
            d.count(Discard::UnreadBody),
            d.count(Discard::ConnectionClose)
        ),
        (1, 1)
    );
    assert_eq!(srv.counters.snapshot().accepted, 3);
}

// 7. Check before reuse; idle timeout and max lifetime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_closed_by_the_server_or_expired_are_replaced() {
    let srv = server(ServerConfig {
        keep_alive_timeout: Duration::from_millis(100),
        ..ServerConfig::default()
    })
    .await;
    let (pool, gauge) = new_pool(1, |_| {});
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    // The server closes it after its keep-alive timeout.
    until("the server closed the idle connection", || {
        srv.counters.snapshot().open == 0
    })
    .await;
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    assert_eq!(gauge.read().opened, 2);
    let s = pool.stats().totals;
    assert_eq!(
        s.discards.count(Discard::ClosedByServer) + s.retries,
        1,
        "{s:?}"
    );

    // Expiry runs on the pool's clock: a manual one, moved by hand.
    let srv = server(ServerConfig::default()).await;
    let clock = ManualClock::new();
    let (pool, gauge) = new_pool(1, |c| {
        c.idle_timeout = Some(Duration::from_millis(100));
        c.clock = Clock::Manual(Arc::clone(&clock));
    });
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    clock.advance(Duration::from_millis(99));
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    assert_eq!(gauge.read().opened, 1, "idle 99 ms of 100: reused");
    clock.advance(Duration::from_millis(100));
    // The reaper closes it without waiting for a checkout.
    until("the reaper closed the expired connection", || {
        srv.counters.snapshot().open == 0 && gauge.read().open == 0
    })
    .await;
    assert_eq!(pool.stats().totals.discards.count(Discard::Expired), 1);

    let (pool, gauge) = new_pool(1, |c| {
        c.max_lifetime = Some(Duration::from_millis(100));
        c.clock = Clock::Manual(Arc::clone(&clock));
    });
    // Used every 30 ms of the pool's clock: a connection serves the
    // requests at 0, 30, 60 and 90 ms; the one at 120 ms needs a new one.
    for _ in 0..5 {
        fetch(&pool, get(srv.addr, "/")).await.unwrap();
        clock.advance(Duration::from_millis(30));
    }
    assert_eq!(gauge.read().opened, 2);
    assert_eq!(pool.stats().totals.discards.count(Discard::Expired), 1);
}

// 8. Safe retry only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_requests_are_retried_once_on_a_fresh_connection() {
    let addr = forgetful_server().await;
    let (pool, gauge) = new_pool(1, |_| {});
    // GET: the second request on a connection is dropped by the server; the
    // pool retries it on a new connection, where it is a first request.
    fetch(&pool, get(addr, "/")).await.unwrap();
    fetch(&pool, get(addr, "/")).await.unwrap();
    assert_eq!(pool.stats().totals.retries, 1);
    assert_eq!(gauge.read().opened, 2);

    let (pool, _) = new_pool(1, |_| {});
    let post = || {
        Request::builder()
            .method(Method::POST)
            .uri(format!("http://{addr}/"))
            .body(Empty::new())
            .unwrap()
    };
    fetch(&pool, post()).await.unwrap();
    let e = fetch(&pool, post()).await.unwrap_err();
    assert!(e.contains("request failed"), "{e}");
    assert_eq!(pool.stats().totals.retries, 0);
}

/// A server that answers the first request on each connection and closes
/// the connection, unanswered, on the second.
async fn forgetful_server() -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                for answered in 0.. {
                    let mut head = Vec::new();
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    if answered == 1 {
                        return; // drop the connection, request unanswered
                    }
                    let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                    if stream.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

// 9. No speculative over-dialing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_concurrency_equal_to_limit_only_limit_connections_are_dialled() {
    let srv = server(ServerConfig::default()).await;
    let (pool, gauge) = new_pool(8, |_| {});
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..250 {
                    fetch(&pool, get(srv.addr, "/")).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        gauge.read().opened <= 8,
        "{} handshakes",
        gauge.read().opened
    );
    assert_eq!(srv.counters.snapshot().accepted, gauge.read().opened);
    assert_eq!(pool.stats().totals.waits, 0);
}

// 10. LIFO reuse, so surplus connections age out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_idle_connection_is_reused_so_surplus_ones_expire() {
    let srv = server(ServerConfig::default()).await;
    let clock = ManualClock::new();
    let (pool, gauge) = new_pool(3, |c| {
        c.idle_timeout = Some(Duration::from_millis(200));
        c.clock = Clock::Manual(Arc::clone(&clock));
    });
    // Three responses held at once: three connections, then all idle.
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(pool.send(get(srv.addr, "/")).await.unwrap().into_body());
    }
    for body in bodies {
        body.collect().await.unwrap();
    }
    assert_eq!((gauge.read().opened, gauge.read().open), (3, 3));
    // One request every 40 ms for 800 ms: with LIFO one connection carries
    // them all and the other two idle out (FIFO would keep all three warm).
    for _ in 0..20 {
        fetch(&pool, get(srv.addr, "/")).await.unwrap();
        clock.advance(Duration::from_millis(40));
    }
    until("two connections expired", || gauge.read().open == 1).await;
    assert_eq!(pool.stats().totals.discards.count(Discard::Expired), 2);
    assert_eq!(gauge.read().opened, 3);
}

// 11. Shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_idle_connections_and_fails_waiters() {
    let srv = server(ServerConfig::default()).await;
    let (pool, gauge) = new_pool(1, |_| {});
    let holder = {
        let pool = pool.clone();
        tokio::spawn(async move { fetch(&pool, get(srv.addr, "/delay/200")).await })
    };
    received(&srv, 1).await;
    let waiter = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.send(get(srv.addr, "/")).await.map(|_| ()) })
    };
    until("the waiter is queued", || pool.stats().totals.waits == 1).await;
    pool.shutdown();
    let e = waiter.await.unwrap().unwrap_err();
    assert!(matches!(e, PoolError::Closed), "{e:?}");
    assert_eq!(e.to_string(), "the connection pool was shut down");
    holder.await.unwrap().unwrap(); // in flight: completes, then closes
    until("the last connection closed", || gauge.read().open == 0).await;
    assert!(matches!(
        pool.send(get(srv.addr, "/")).await,
        Err(PoolError::Closed)
    ));

    // Dropping the last handle closes idle connections too.
    let (pool, gauge) = new_pool(2, |_| {});
    fetch(&pool, get(srv.addr, "/")).await.unwrap();
    assert_eq!(gauge.read().open, 1);
    drop(pool);
    until("idle connections closed", || gauge.read().open == 0).await;
}

// The pool dials through one connector interface: TCP, TLS, and a Unix
// domain socket (with and without TLS) are the same to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_pool_runs_over_a_unix_socket_with_and_without_tls() {
    use hyper_util::rt::TokioIo;
    let dir = tempfile::tempdir().unwrap();
    let pki = poolbench::tls::TestPki::generate().unwrap();
    let tls_config = poolbench::tls::server_config(
        pki.cert_pem.as_bytes(),
        pki.key_pem.as_bytes(),
        Default::default(),
    )
    .unwrap();
    for tls in [false, true] {
        let path = dir.path().join(format!("server-{tls}.sock"));
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (count, acceptor) = (
            Arc::clone(&accepted),
            tokio_rustls::TlsAcceptor::from(Arc::clone(&tls_config)),
        );
        tokio::spawn(async move {
            let router = server::router(&ServerConfig::default());
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (router, acceptor) = (router.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let info = server::ConnInfo { fd: -1 };
                    let service = hyper::service::service_fn(move |mut req: http::Request<_>| {
                        req.extensions_mut().insert(info);
                        tower_service::Service::call(&mut router.clone(), req)
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    if tls {
                        let stream = acceptor.accept(stream).await.unwrap();
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    } else {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                });
            }
        });
        let gauge = Arc::new(ConnectionGauge::default());
        let mut connector = CountingConnector::new(Arc::clone(&gauge)).via_unix(&path);
        if tls {
            let trust = poolbench::tls::TlsTrust {
                ca: Some(pki.ca.clone()),
                settings: Default::default(),
            };
            connector = connector.with_tls(trust.client_config(false).unwrap());
        }
        let pool: TestPool = Pool::new(PoolConfig::new(NonZeroUsize::new(2).unwrap()), connector);
        let scheme = if tls { "https" } else { "http" };
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut dialled = 0;
                    for _ in 0..5 {
                        let req = Request::get(format!("{scheme}://localhost/"))
                            .body(Empty::new())
                            .unwrap();
                        let response = pool.send(req).await.unwrap();
                        // A new connection over the Unix socket says when
                        // it connected (and finished TLS).
                        let timing = response.extensions().get::<PoolTiming>().copied().unwrap();
                        if let Some(t) = timing.dialled {
                            assert!(t.tcp >= timing.acquired && t.tls >= t.tcp);
                            dialled += 1;
                        }
                        response.into_body().collect().await.unwrap();
                    }
                    dialled
                })
            })
            .collect();
        let mut dialled = 0;
        for t in tasks {
            dialled += t.await.unwrap();
        }
        let reading = gauge.read();
        assert_eq!(
            dialled, reading.opened,
            "every new connection timed, tls={tls}"
        );
        assert!(
            reading.opened <= 2 && reading.peak <= 2,
            "tls={tls}: {reading:?}"
        );
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::Relaxed),
            reading.opened
        );
        assert_eq!(
            reading.tls_full + reading.tls_resumed,
            if tls { reading.opened } else { 0 }
        );
    }
}

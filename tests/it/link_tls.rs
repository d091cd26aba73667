//! The emulated link and TLS, end to end: round trips match the configured
//! RTT, TLS handshakes are counted by both sides, and the latency
//! breakdown adds up.

use poolbench::results::ErrorKind;
use poolbench::results::Phase;
use std::time::{Duration, Instant};

use poolbench::results::{LatencySummary, ModeResult, Results};
use poolbench::results::{ModeKind, Transport};

use crate::common::run;

fn find(results: &Results, kind: ModeKind, transport: Transport) -> &ModeResult {
    crate::common::mode(results, kind, Some(transport))
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// With rtt = 20 ms: a request on an idle pooled connection takes one round
/// trip, on a new plain connection two, on a new TLS 1.3 connection three
/// (connect, handshake, request). Asserted as lower bounds (no link is
/// faster than its round trips) and as an order of medians 20 ms apart; how
/// close to n × RTT they come is an accuracy figure that a busy machine
/// moves, reported by `scripts/link-accuracy.sh`, not asserted here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_cost_what_the_link_says() {
    let results = run(r#"name = "rtt"
[server]
tls = "both"
[tls]
version = "1.3"
[link]
rtt = "20ms"
[load]
requests = 8
concurrency = 1
warmup = 1
[modes]
pooled = { limit = 1 }
keep_alive_disabled = { limit = 1 }
"#)
    .await;
    // Histograms keep 3 significant digits and round down by up to 0.1%.
    let at_least = |what: &str, us: u64, rtts: f64| {
        assert!(
            ms(us) >= 20.0 * rtts * 0.999,
            "{what}: {} ms, less than {rtts} round trips of 20 ms",
            ms(us)
        );
    };
    for transport in [Transport::Http, Transport::Https] {
        let pooled = find(&results, ModeKind::named("pooled"), transport);
        assert_eq!(pooled.handshakes.client, 0, "warm: no new connection");
        at_least(
            &format!("pooled {transport:?} min"),
            pooled.latency_us.min,
            1.0,
        );
    }
    let reused = find(&results, ModeKind::named("pooled"), Transport::Http);
    let plain = find(
        &results,
        ModeKind::named("keep_alive_disabled"),
        Transport::Http,
    );
    let tls = find(
        &results,
        ModeKind::named("keep_alive_disabled"),
        Transport::Https,
    );
    assert_eq!((plain.handshakes.client, tls.handshakes.client), (8, 8));
    at_least("new plain connection min", plain.latency_us.min, 2.0);
    at_least("new TLS 1.3 connection min", tls.latency_us.min, 3.0);
    // Each new step costs one more round trip: the medians are in order.
    assert!(
        reused.latency_us.p50 < plain.latency_us.p50 && plain.latency_us.p50 < tls.latency_us.p50,
        "p50: reused {} µs, new plain {} µs, new TLS {} µs",
        reused.latency_us.p50,
        plain.latency_us.p50,
        tls.latency_us.p50
    );
    // The breakdown puts each round trip where it belongs.
    let b = &tls.breakdown_us;
    at_least("connect phase", b.phase(Phase::Connect).unwrap().min, 1.0);
    at_least("TLS phase", b.phase(Phase::Tls).unwrap().min, 1.0);
    at_least(
        "first byte phase",
        b.phase(Phase::FirstByte).unwrap().min,
        1.0,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phases_add_up_to_the_latency() {
    let results = run(r#"name = "phases"
[server]
tls = true
[link]
rtt = "4ms"
[load]
requests = 60
concurrency = 6
[modes]
pooled = { limit = 3 }
per_request_client = {}
keep_alive_disabled = { limit = 3 }
hyper_util = {}
"#)
    .await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, 60, "{:?} {:?}", m.mode, m.errors);
        let b = &m.breakdown_us;
        let parts: [Option<&LatencySummary>; 7] = [
            b.phase(Phase::Late),
            b.phase(Phase::ClientBuild),
            b.phase(Phase::PoolWait),
            b.phase(Phase::Connect),
            b.phase(Phase::Tls),
            b.phase(Phase::FirstByte),
            b.phase(Phase::Body),
        ];
        let sum: f64 = parts.iter().flatten().map(|s| s.mean).sum();
        let total = m.latency_us.mean;
        // Each phase is floored to whole µs and histograms keep 3
        // significant digits: a few µs and 0.5% of slack, no more.
        assert!(
            (sum - total).abs() <= 8.0 + total * 0.005,
            "{:?}: phases sum to {sum:.0} µs, latency mean {total:.0} µs",
            m.mode
        );
    }
    let pooled = find(&results, ModeKind::named("pooled"), Transport::Https);
    assert!(
        pooled.breakdown_us.phase(Phase::PoolWait).unwrap().max > 0,
        "6 tasks on 3 connections wait"
    );
    assert!(
        find(&results, ModeKind::named("hyper_util"), Transport::Https)
            .breakdown_us
            .phase(Phase::Connect)
            .is_some_and(|c| c.max > 0),
        "hyper_util's new connections report their connect times"
    );
    assert!(
        find(
            &results,
            ModeKind::named("per_request_client"),
            Transport::Https
        )
        .breakdown_us
        .phase(Phase::ClientBuild)
        .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_handshakes_are_counted_by_kind_on_both_sides() {
    let scenario = |resumption: bool| {
        format!(
            r#"name = "tls"
[server]
tls = true
[tls]
resumption = {resumption}
[load]
requests = 30
concurrency = 3
[modes]
per_request_client = {{}}
keep_alive_disabled = {{ limit = 3 }}
"#
        )
    };
    let resumed = run(&scenario(true)).await;
    let per_request = find(
        &resumed,
        ModeKind::named("per_request_client"),
        Transport::Https,
    );
    let t = per_request.tls_handshakes.unwrap();
    // A client built per request has an empty session cache every time.
    assert_eq!((t.full.client, t.full.server), (30, Some(30)));
    assert_eq!(t.resumed.client, 0);
    let shared = find(
        &resumed,
        ModeKind::named("keep_alive_disabled"),
        Transport::Https,
    );
    let t = shared.tls_handshakes.unwrap();
    assert!(t.resumed.client >= 20, "{t:?}");
    assert_eq!(t.resumed.server, Some(t.resumed.client));
    assert_eq!(t.full.client + t.resumed.client, 30);

    let fresh = run(&scenario(false)).await;
    let t = find(
        &fresh,
        ModeKind::named("keep_alive_disabled"),
        Transport::Https,
    )
    .tls_handshakes
    .unwrap();
    assert_eq!(
        (t.full.client, t.resumed.client, t.resumed.server),
        (30, 0, Some(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_2_works_too() {
    let results = run(r#"name = "tls12"
[server]
tls = true
[tls]
version = "1.2"
[load]
requests = 20
concurrency = 2
[modes]
keep_alive_disabled = { limit = 2 }
"#)
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 20, "{:?}", m.errors);
    let t = m.tls_handshakes.unwrap();
    assert_eq!(t.full.client + t.resumed.client, 20);
    assert!(
        t.resumed.client > 0,
        "TLS 1.2 session IDs resume too: {t:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_counted_tls_error() {
    // A TLS server whose certificate comes from a CA the client is not given.
    let pki = poolbench::tls::TestPki::generate().unwrap();
    let addr = crate::common::tls_server(&pki).await;
    let other = poolbench::tls::TestPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &other.ca_pem).unwrap();
    let text = format!(
        r#"name = "untrusted"
[target]
url = "https://{addr}/"
[tls]
ca = "ca.pem"
[load]
requests = 10
concurrency = 2
[modes]
pooled = {{ limit = 2 }}
"#
    );
    let results = crate::common::run_at(&dir.path().join("s.toml"), &text).await;
    let m = &results.modes[0];
    assert_eq!(m.errors.count(ErrorKind::Tls), 10, "{:?}", m.errors);
    assert_eq!(m.requests.ok, 0);
    // `verify = false` (--insecure): every kind completes a real handshake
    // with the certificate unchecked, and the report says so.
    let insecure = text
        .replace("ca = \"ca.pem\"", "verify = false")
        .replace(
            "pooled = { limit = 2 }",
            "pooled = { limit = 2 }\nper_request_client = {}\nhyper_util = {}\nreqwest = {}\nawc = { limit = 2 }",
        );
    let results = crate::common::run_at(&dir.path().join("k.toml"), &insecure).await;
    assert_eq!(results.modes.len(), 5);
    for m in &results.modes {
        assert_eq!(m.requests.ok, 10, "{}: {:?}", m.label, m.errors);
    }
    let full = &results.modes[1].tls_handshakes.expect("https");
    assert_eq!(full.full.client, 10, "a full handshake per request");
    assert!(results.scenario.tls.as_ref().is_some_and(|t| !t.verify));
    let table = poolbench::report::terminal::render(&results);
    assert!(table.contains("certificate was not verified"), "{table}");
}

/// The link keeps bytes in order, caps bandwidth, and delays do not pile
/// up over a connection's life.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_delivers_in_order_under_a_bandwidth_cap() {
    use http_body_util::{BodyExt, Empty};
    let server = crate::common::server(Default::default()).await.addr;
    let link_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let link = link_listener.local_addr().unwrap();
    let config = poolbench::link::LinkConfig {
        rtt: Duration::from_millis(10),
        bandwidth: Some(10_000_000),
    };
    tokio::spawn(poolbench::link::serve(link_listener, server, config));

    let gauge = std::sync::Arc::new(poolbench::metrics::ConnectionGauge::default());
    let connector = poolbench::connect::CountingConnector::new(gauge).via_link(link, config.rtt);
    let pool: poolbench::pool::Pool<Empty<bytes::Bytes>> = poolbench::pool::Pool::new(
        poolbench::pool::PoolConfig::new(std::num::NonZeroUsize::MIN),
        connector,
    );
    let get = |path: &str| {
        http::Request::get(format!("http://{server}{path}"))
            .body(Empty::new())
            .unwrap()
    };
    // 2 MB at 10 MB/s: at least 200 ms on the wire, every byte intact.
    let started = Instant::now();
    let body = pool.send(get("/bytes/2000000")).await.unwrap().into_body();
    let body = body.collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 2_000_000);
    assert!(body.iter().all(|&b| b == b'x'));
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    // Twenty round trips on the same connection: none faster than the RTT.
    // (That delays do not pile up over a connection's life is a property of
    // the link's schedule, tested exactly in `link::schedule`.)
    for _ in 0..20 {
        let started = Instant::now();
        pool.send(get("/"))
            .await
            .unwrap()
            .into_body()
            .collect()
            .await
            .unwrap();
        let trip = started.elapsed();
        assert!(trip >= Duration::from_millis(10), "{trip:?}");
    }
}

//! The clients people ship, driven like every other mode against the real
//! bundled server: hyper-util behind a semaphore per authority — the usual
//! workaround for its missing per-host cap —, reqwest with its own pool
//! settings, and awc on a client per thread.

use poolbench::results::{ModeKind, Phase};

use crate::common::run;

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
    assert_eq!(capped.mode, ModeKind::named("hyper_util_capped"));
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
        .filter(|m| m.mode == ModeKind::named("reqwest_per_request"));
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

// awc with `Connector::limit(3)` on one client thread: 12 tasks, yet the
// server never sees more than 3 connections, each counted by poolbench from
// connect to close; with keep-alive off (awc's force_close) a connection
// per request, closed by the server first. What awc keeps to itself (its
// TLS, a request's connect time) is not observable, never 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awc_limit_holds_at_the_server() {
    let results = run(r#"name = "awc"
[server]
think_time = "2ms"
[load]
requests = 240
concurrency = 12
threads = 1
[modes]
awc = { limit = 3 }
awc_close = { kind = "awc", limit = 3, keep_alive = false }
"#)
    .await;
    for m in &results.modes {
        assert_eq!(m.mode, ModeKind::named("awc"));
        assert_eq!(m.requests.ok, 240, "{}: {:?}", m.label, m.errors);
        assert_eq!(
            m.handshakes.server,
            Some(m.handshakes.client),
            "{}",
            m.label
        );
        assert!(m.peak_connections.client <= 3, "{}", m.label);
        assert!(m.unobserved.iter().any(|u| u == "tls_full"));
        assert!(m.breakdown_us.phase(Phase::Connect).is_none());
        assert!(m.breakdown_us.phase(Phase::FirstByte).is_some());
    }
    let (kept, closed) = (&results.modes[0], &results.modes[1]);
    assert!((1..=3).contains(&kept.handshakes.client));
    assert!(kept.peak_connections.server.is_some_and(|p| p <= 3));
    assert_eq!(
        closed.handshakes.client, 240,
        "Connection: close per request"
    );
}

// awc's limit is per client, and awc runs a client per thread, as an
// actix-web app does: with 2 threads the mode may open twice the limit,
// never more; requests are shared out over both threads' clients.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awc_runs_a_client_per_thread() {
    let results = run(r#"name = "awc-threads"
[server]
think_time = "2ms"
[load]
requests = 200
concurrency = 10
threads = 2
[modes]
awc = { limit = 2 }
"#)
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 200, "{:?}", m.errors);
    assert!(
        (2..=4).contains(&m.handshakes.client),
        "{}",
        m.handshakes.client
    );
    assert_eq!(m.handshakes.server, Some(m.handshakes.client));
}

// awc over HTTPS with the run's CA, HTTP/1.1 and HTTP/2 by ALPN: every
// request answered, its connections counted on both sides; the server
// counts the TLS handshakes awc runs itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awc_speaks_tls_and_http2() {
    let results = run(r#"name = "awc-tls"
[server]
tls = true
[load]
requests = 100
concurrency = 4
threads = 1
[modes]
awc = { limit = 4 }
awc_h2 = { kind = "awc", limit = 4, http = "2" }
"#)
    .await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, 100, "{}: {:?}", m.label, m.errors);
        assert_eq!(
            m.handshakes.server,
            Some(m.handshakes.client),
            "{}",
            m.label
        );
        let tls = m.tls_handshakes.expect("over TLS");
        let server = tls.full.server.unwrap_or(0) + tls.resumed.server.unwrap_or(0);
        assert_eq!(server, m.handshakes.client, "{}", m.label);
    }
    assert!(
        results.modes[1]
            .h2
            .is_some_and(|h| h.peak_streams_server.is_some())
    );
}

// A client's own settings do what its users set them for: reqwest keeping
// no idle connection (pool_max_idle_per_host = 0) and awc with an idle
// timeout shorter than the gap between requests both dial for every
// request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_settings_change_what_they_dial() {
    let results = run(r#"name = "settings"
[load]
requests = 20
concurrency = 1
threads = 1
arrival = { rate = 40 }
[modes]
reqwest = { max_idle_per_host = 0 }
awc = { limit = 1, idle_timeout = "1ms" }
reqwest_kept = { kind = "reqwest", idle_timeout = "60s" }
"#)
    .await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, 20, "{}: {:?}", m.label, m.errors);
    }
    assert_eq!(results.modes[0].handshakes.server, Some(20), "no idle kept");
    // Requests are due 25 ms apart: a connection idle longer than 1 ms is
    // not reused — unless a request ran late and the next was due at once,
    // so this is a lower bound, not an exact count.
    let awc = results.modes[1].handshakes.server.unwrap_or(0);
    assert!(awc > 1, "idle 1 ms: {awc}");
    assert_eq!(results.modes[2].handshakes.server, Some(1), "one, reused");
}

// Two authorities: awc's connections are counted per authority on both
// sides (it dials through poolbench's connector); reqwest's are counted as
// it dials, but not by authority — per authority its handshakes are the
// server's alone, shown as not observed rather than 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_authority_counts_are_the_clients_where_it_lets_poolbench_see() {
    let results = run(r#"name = "two"
[load]
requests = 120
concurrency = 4
threads = 1
[[authority]]
name = "a"
[[authority]]
name = "b"
[modes]
awc = { limit = 2 }
reqwest = {}
"#)
    .await;
    let handshakes = poolbench::results::figures::Figure::named("handshakes").unwrap();
    for m in &results.modes {
        assert_eq!(m.requests.ok, 120, "{}: {:?}", m.label, m.errors);
        assert_eq!(m.authorities.len(), 2);
        let server: u64 = m
            .authorities
            .iter()
            .map(|a| a.handshakes.server.unwrap_or(0))
            .sum();
        assert_eq!(Some(server), m.handshakes.server, "{}", m.label);
        for a in &m.authorities {
            let view = m.for_authority(a);
            let client = handshakes.value(&view, None);
            match m.mode.name() {
                "awc" => assert_eq!(client, a.handshakes.server.map(|s| s as f64)),
                _ => assert_eq!(client, None, "{} · {}", m.label, a.name),
            }
            assert!(handshakes.value(&view, Some("server")).is_some());
        }
    }
}

//! The real engine against the real bundled server (a child process on
//! 127.0.0.1): what each mode costs must show in the counts.

use poolbench::results::ConnectionEnd;
use poolbench::results::Discard;
use poolbench::results::ErrorKind;

use poolbench::results::ModeKind;
use poolbench::results::{ModeResult, Results};

use crate::common::run;

fn mode(results: &Results, kind: ModeKind) -> &ModeResult {
    crate::common::mode(results, kind, None)
}

const REQUESTS: u64 = 300;
const LIMIT: u64 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mode_pays_what_it_should() {
    let results = run(&format!(
        r#"name = "e2e"
[server]
body_size = "1KiB"
[load]
requests = {REQUESTS}
concurrency = 20
[modes]
pooled = {{ limit = {LIMIT} }}
per_request_client = {{}}
keep_alive_disabled = {{ limit = {LIMIT} }}
"#
    ))
    .await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, REQUESTS, "{:?}: {:?}", m.mode, m.errors);
        assert_eq!(m.requests.server, Some(REQUESTS), "{:?}", m.mode);
        assert_eq!(m.latency_us.count, REQUESTS);
        assert!(m.throughput_rps > 0.0);
        assert!(m.cpu_us_per_request.client > 0.0);
        assert!(m.cpu_us_per_request.server.unwrap() > 0.0);
    }

    let pooled = mode(&results, ModeKind::named("pooled"));
    assert!(pooled.handshakes.client <= LIMIT, "{:?}", pooled.handshakes);
    assert!(
        pooled.handshakes.server.unwrap() <= LIMIT,
        "{:?}",
        pooled.handshakes
    );
    assert!(
        pooled.peak_connections.client <= LIMIT,
        "{:?}",
        pooled.peak_connections
    );
    assert!(
        pooled.peak_connections.server.unwrap() <= LIMIT,
        "{:?}",
        pooled.peak_connections
    );
    let pool = pooled.pool.as_ref().unwrap();
    assert_eq!(pool.reuses + pooled.handshakes.client, REQUESTS);

    for kind in [
        ModeKind::named("per_request_client"),
        ModeKind::named("keep_alive_disabled"),
    ] {
        let m = mode(&results, kind.clone());
        assert_eq!(m.handshakes.client, REQUESTS, "{kind:?}");
        assert_eq!(m.handshakes.server, Some(REQUESTS), "{kind:?}");
        let tw = m.time_wait.client_side + m.time_wait.server_side;
        assert!(tw > 0, "{kind:?} left no TIME_WAIT socket");
    }
    // The client holds a slot until its socket is closed. (The server may
    // briefly count one more: it still closes its side of an old socket
    // while the client's new one arrives; the report flags that.)
    let kad = mode(&results, ModeKind::named("keep_alive_disabled"));
    assert!(
        kad.peak_connections.client <= LIMIT,
        "{:?}",
        kad.peak_connections
    );

    let per_request = mode(&results, ModeKind::named("per_request_client"));
    assert!(
        per_request.peak_fds > pooled.peak_fds,
        "per_request_client peak fds {} should exceed pooled {}",
        per_request.peak_fds,
        pooled.peak_fds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_closes_after_max_requests_and_both_sides_count_it() {
    let results = run(r#"name = "max-requests"
[server]
max_requests_per_connection = 10
[load]
requests = 200
concurrency = 4
[modes]
pooled = { limit = 4 }
"#)
    .await;
    let pooled = &results.modes[0];
    assert_eq!(pooled.requests.ok, 200, "{:?}", pooled.errors);
    // Each connection serves at most 10 requests, so at least 20 were
    // opened; the last ones may end the run part-used (at most 4 of them).
    let handshakes = pooled.handshakes.client;
    assert!((20..=23).contains(&handshakes), "{handshakes} handshakes");
    assert_eq!(pooled.handshakes.server, Some(handshakes));
    let closed = pooled
        .pool
        .as_ref()
        .unwrap()
        .discards
        .count(Discard::ConnectionClose);
    assert!(
        (200 / 10 - 4..=20).contains(&closed),
        "{closed} closed by Connection: close"
    );
    assert!(pooled.mismatches.iter().all(|m| m.figure != "handshakes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warmup_is_sent_but_not_measured() {
    let results = run(r#"name = "warmup"
[load]
requests = 50
concurrency = 5
warmup = 30
[modes]
pooled = { limit = 5 }
"#)
    .await;
    let pooled = &results.modes[0];
    assert_eq!(pooled.latency_us.count, 50);
    assert_eq!(pooled.requests.server, Some(50));
    assert_eq!(pooled.warmup.requests, 30);
    // The connections were opened during warmup and reused after it.
    assert!(pooled.warmup.handshakes.client >= 1);
    assert_eq!(
        pooled.warmup.handshakes.server,
        Some(pooled.warmup.handshakes.client)
    );
    assert_eq!(pooled.handshakes.client, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_faults_are_counted_by_kind_and_the_run_finishes() {
    // Nothing listens on a port we bound and closed again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let results = run(&format!(
        r#"name = "refused"
[target]
url = "http://127.0.0.1:{port}/"
[load]
requests = 30
concurrency = 3
[modes]
pooled = {{ limit = 2 }}
per_request_client = {{}}
"#
    ))
    .await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, 0);
        assert_eq!(
            m.errors.count(ErrorKind::Refused),
            30,
            "{:?}: {:?}",
            m.mode,
            m.errors
        );
        assert_eq!(
            m.handshakes.server, None,
            "no server observer for an external target"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_error_statuses_are_counted() {
    // The bundled server in this process: /bytes/x is not a byte count,
    // so every answer is 400.
    let addr = crate::common::server(Default::default()).await.addr;
    let results = run(&format!(
        r#"name = "400"
[target]
url = "http://{addr}/bytes/x"
[load]
requests = 20
concurrency = 2
warmup = 5
[modes]
pooled = {{ limit = 2 }}
hyper_util = {{}}
"#
    ))
    .await;
    let pooled = &results.modes[0];
    assert_eq!(
        pooled.errors.count(ErrorKind::Http4xx),
        20,
        "{:?}",
        pooled.errors
    );
    // The 400 bodies were read to the end, so the connections were reused.
    assert!(pooled.handshakes.client <= 2);
    // By status code, as oha shows them, the warmup's left out; in every kind.
    for m in &results.modes {
        assert_eq!(m.error_statuses, [(400, 20)].into(), "{}", m.label);
        assert_eq!(m.failures(), "[400] 20", "{}", m.label);
    }
    let table = poolbench::report::terminal::render(&results);
    assert!(table.contains("[400] 20"), "{table}");
}

/// A client that closes first waits in FIN_WAIT2 for the server's FIN — a
/// round trip over the link — and only then enters TIME_WAIT: the count is
/// read once nothing of the mode is still closing. (Read at once, it was 0.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_wait_is_counted_after_a_slow_link_has_closed_everything() {
    let results = run(r#"name = "time-wait-link"
[link]
rtt = "100ms"
[load]
requests = 8
concurrency = 4
[modes]
pooled = { limit = 4 }
per_request_client = {}
"#)
    .await;
    for m in &results.modes {
        let (tw, ends) = (m.time_wait, &m.connection_ends);
        assert_eq!((tw.still_closing, tw.reused_ports), (0, 0), "{:?}", m.mode);
        // Each connection was closed by the client first (idle ones when the
        // pool was dropped), so each left one TIME_WAIT socket on its side.
        assert_eq!(
            ends.count(ConnectionEnd::ClientClosedFirst),
            m.handshakes.client,
            "{:?}",
            m.mode
        );
        assert_eq!(tw.client_side, m.handshakes.client, "{:?}: {tw:?}", m.mode);
        assert_eq!(tw.server_side, 0, "{:?}: {tw:?}", m.mode);
    }
    assert_eq!(
        mode(&results, ModeKind::named("pooled")).handshakes.client,
        4
    );
    assert_eq!(
        mode(&results, ModeKind::named("per_request_client"))
            .handshakes
            .client,
        8
    );
}

/// Every connection closed with a FIN leaves at least one TIME_WAIT socket
/// (two when both FINs cross), on the side that closed first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_graceful_close_leaves_a_time_wait_socket() {
    let results = run(r#"name = "time-wait"
[load]
requests = 400
concurrency = 8
[modes]
keep_alive_disabled = { limit = 8 }
per_request_client = {}
"#)
    .await;
    for m in &results.modes {
        let (tw, ends) = (m.time_wait, &m.connection_ends);
        assert_eq!(m.handshakes.client, 400);
        assert_eq!(
            ends.count(ConnectionEnd::ClientReset) + ends.count(ConnectionEnd::ServerReset),
            0,
            "{ends:?}"
        );
        assert_eq!(
            ends.count(ConnectionEnd::ClientClosedFirst)
                + ends.count(ConnectionEnd::ServerClosedFirst),
            400
        );
        if !tw.lower_bound() {
            assert!(
                tw.client_side + tw.server_side >= 400,
                "{:?}: {tw:?}",
                m.mode
            );
        }
    }
    // keep-alive off: the server answers `Connection: close` by closing.
    let kad = mode(&results, ModeKind::named("keep_alive_disabled"));
    assert!(kad.time_wait.server_side > kad.time_wait.client_side);
    let per_request = mode(&results, ModeKind::named("per_request_client"));
    assert_eq!(
        per_request
            .connection_ends
            .count(ConnectionEnd::ClientClosedFirst),
        400
    );
}

/// A server that sends bytes beyond the Content-Length on every response
/// but a connection's first corrupts reused connections. The response that
/// left the stray bytes is a `protocol` error, not a success, and its
/// connection is discarded for that reason; the server counts what it sent,
/// so a client that does not notice shows as a disagreement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_beyond_the_content_length_are_protocol_errors() {
    let results = run(r#"name = "overrun"
[server]
body_overrun = 3
[load]
requests = 20
concurrency = 1
[modes]
pooled = { limit = 1 }
keep_alive_disabled = { limit = 1 }
hyper_util = {}
"#)
    .await;
    // Every connection: one clean response, one corrupted; then a new one.
    let pooled = mode(&results, ModeKind::named("pooled"));
    assert_eq!(
        pooled.errors.count(ErrorKind::Protocol),
        10,
        "{:?}",
        pooled.errors
    );
    assert_eq!(pooled.requests.ok, 10);
    assert_eq!(pooled.handshakes.client, 10);
    assert_eq!(pooled.overrun_responses.server, Some(10));
    let discards = &pooled.pool.as_ref().unwrap().discards;
    assert_eq!(
        (
            discards.count(Discard::Protocol),
            discards.count(Discard::ClosedByServer)
        ),
        (10, 0)
    );
    // Both sides see the 10 corrupted responses (the server answered 20
    // requests, of which the client could trust 10).
    assert_eq!(pooled.overrun_responses.client, 10);
    let figures: Vec<&str> = pooled
        .mismatches
        .iter()
        .map(|m| m.figure.as_str())
        .collect();
    assert!(figures.contains(&"requests") && !figures.contains(&"overrun_responses"));
    // Keep-alive off: every response is its connection's first.
    let kad = mode(&results, ModeKind::named("keep_alive_disabled"));
    assert_eq!(
        (kad.requests.ok, kad.errors.count(ErrorKind::Protocol)),
        (20, 0)
    );
    assert_eq!(kad.overrun_responses.server, Some(0));
    // hyper-util's pool drops the broken connection without a word; the
    // connection's framing watcher sees the stray bytes, and the response
    // fails as it does in the pool: both sides count the same 10.
    let hyper_util = mode(&results, ModeKind::named("hyper_util"));
    assert_eq!(hyper_util.handshakes.client, 10);
    assert_eq!(hyper_util.overrun_responses.server, Some(10));
    assert_eq!(hyper_util.errors.count(ErrorKind::Protocol), 10);
    assert_eq!(hyper_util.overrun_responses.client, 10);
    assert!(
        !hyper_util
            .mismatches
            .iter()
            .any(|m| m.figure == "overrun_responses")
    );
}

/// `[expect]`: a response that is not what the scenario says is counted as
/// `mismatched`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_not_as_expected_are_mismatched() {
    // The bundled server in this process, its default 64-byte bodies.
    let addr = crate::common::server(Default::default()).await.addr;
    let scenario = |size: u64| {
        format!(
            r#"name = "expect"
[target]
url = "http://{addr}/"
[expect]
status = 200
body_size = {size}
[load]
requests = 10
concurrency = 2
[modes]
pooled = {{ limit = 2 }}
"#
        )
    };
    let right = run(&scenario(64)).await;
    assert_eq!(
        right.modes[0].requests.ok, 10,
        "{:?}",
        right.modes[0].errors
    );
    let wrong = run(&scenario(65)).await;
    assert_eq!(
        wrong.modes[0].errors.count(ErrorKind::Mismatched),
        10,
        "{:?}",
        wrong.modes[0].errors
    );
}

// One kind under two names: each keeps its own settings, counts and name,
// and the gate finds each by its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_kind_under_two_names_is_measured_twice() {
    let results = run(r#"name = "named"
[load]
requests = 200
concurrency = 8
[modes]
narrow = { kind = "pooled", limit = 1 }
wide = { kind = "pooled", limit = 8 }
[[gate]]
check = "narrow.handshakes == 1"
[[gate]]
check = "wide.peak_connections <= 8"
[[gate]]
check = "narrow.waits > 0"
"#)
    .await;
    let labels: Vec<&str> = results.modes.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["narrow", "wide"]);
    for m in &results.modes {
        assert_eq!(m.mode, ModeKind::named("pooled"));
        assert_eq!(m.requests.ok, 200, "{}: {:?}", m.label, m.errors);
        assert_eq!(m.requests.server, Some(200), "{}", m.label);
    }
    let (narrow, wide) = (&results.modes[0], &results.modes[1]);
    assert_eq!((narrow.limit, wide.limit), (Some(1), Some(8)));
    assert_eq!(narrow.handshakes.client, 1);
    assert_eq!(narrow.handshakes.server, Some(1));
    assert!(wide.handshakes.client <= 8, "{:?}", wide.handshakes);
    let checks: Vec<(&str, bool)> = results
        .gate
        .iter()
        .map(|g| (g.check.as_str(), g.passed))
        .collect();
    assert_eq!(
        checks,
        [
            ("narrow.handshakes == 1", true),
            ("wide.peak_connections <= 8", true),
            ("narrow.waits > 0", true),
        ]
    );
}

// A body dropped unread: the pool closes its connection (as the server
// sees), and the request still counts as a success. A body held unread is
// read after the hold, on a connection the pool then reuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_body_costs_its_connection_and_a_held_one_its_time() {
    let results = run(r#"name = "bodies"
[server]
body_size = "256KiB"
[load]
requests = 100
concurrency = 4
[modes]
dropped = { kind = "pooled", limit = 2, body = "drop" }
held = { kind = "pooled", limit = 2, body = "hold", hold = "2ms" }
"#)
    .await;
    let (dropped, held) = (&results.modes[0], &results.modes[1]);
    for m in [dropped, held] {
        assert_eq!(m.requests.ok, 100, "{}: {:?}", m.label, m.errors);
    }
    let discards = |m: &ModeResult| {
        m.pool
            .as_ref()
            .map(|p| p.discards.count(Discard::UnreadBody))
    };
    assert_eq!(discards(dropped), Some(100));
    assert_eq!(dropped.handshakes.client, 100);
    assert_eq!(dropped.handshakes.server, Some(100));
    assert_eq!(discards(held), Some(0));
    assert!(held.handshakes.client <= 2, "{:?}", held.handshakes);
    // Every held body waited its 2 ms before it was read.
    assert!(held.latency_us.min >= 2000, "{:?}", held.latency_us.min);
}

// A server that answers reused connections with stale responses: the
// client that reuses counts each as mismatched, exactly as many as the
// server sent; keep-alive off never reuses, so never gets one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_responses_on_reused_connections_are_mismatched_on_both_sides() {
    let results = run(r#"name = "stale"
[server]
stale_reuse = true
[load]
requests = 20
concurrency = 1
[modes]
pooled = { limit = 1 }
keep_alive_disabled = { limit = 1 }
"#)
    .await;
    let pooled = mode(&results, ModeKind::named("pooled"));
    assert_eq!(pooled.handshakes.client, 1);
    assert_eq!(pooled.requests.ok, 1, "only the connection's first");
    assert_eq!(pooled.errors.count(ErrorKind::Mismatched), 19);
    assert_eq!(pooled.stale_responses.client, 19);
    assert_eq!(pooled.stale_responses.server, Some(19));
    let off = mode(&results, ModeKind::named("keep_alive_disabled"));
    assert_eq!(off.requests.ok, 20, "{:?}", off.errors);
    assert_eq!(off.stale_responses.server, Some(0));
}

// The server's connection cap: "refuse" resets connections over it (the
// client fails those requests, both sides count them); "queue" accepts no
// more than the cap, so the server never holds more and nothing fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_cap_refuses_or_queues_what_is_over_it() {
    let scenario = |over: &str| {
        format!(
            r#"name = "capped"
[server]
think_time = "2ms"
max_connections = 2
over_capacity = "{over}"
[load]
requests = 100
concurrency = 8
[modes]
per_request_client = {{}}
"#
        )
    };
    let refused = run(&scenario("refuse")).await;
    let m = &refused.modes[0];
    let turned = m.turned_away.server.unwrap_or(0);
    assert!(turned > 0, "{:?}", m.turned_away);
    assert!(m.requests.failed > 0, "{:?}", m.errors);
    assert_eq!(m.requests.ok + m.requests.failed, 100);

    let queued = run(&scenario("queue")).await;
    let m = &queued.modes[0];
    assert_eq!(m.requests.ok, 100, "{:?}", m.errors);
    assert_eq!(m.turned_away.server, Some(0));
    assert!(
        m.peak_connections.server.is_some_and(|p| p <= 2),
        "{:?}",
        m.peak_connections
    );
}

// A limit sweep runs one mode per limit, each held to its limit as the
// server sees it, and the results recommend one of them; the gate reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_sweep_measures_each_limit_and_recommends_one() {
    let results = run(r#"name = "sweep"
[server]
think_time = "1ms"
[load]
requests = 200
concurrency = 8
[modes]
pooled = { limit = [1, 2, 8] }
[[gate]]
check = "pooled.recommended_limit >= 1"
"#)
    .await;
    let labels: Vec<&str> = results.modes.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["pooled_1", "pooled_2", "pooled_8"]);
    for m in &results.modes {
        let limit = u64::from(m.limit.unwrap_or(0));
        assert_eq!(m.sweep.as_deref(), Some("pooled"));
        assert_eq!(m.requests.ok, 200, "{}", m.label);
        assert!(m.peak_connections.server.is_some_and(|p| p <= limit));
    }
    let [sweep] = results.sweeps.as_slice() else {
        panic!("one sweep: {:?}", results.sweeps)
    };
    let limits: Vec<u32> = sweep.points.iter().map(|p| p.limit).collect();
    assert_eq!(limits, [1, 2, 8]);
    let recommended = sweep.recommended.expect("every request succeeded");
    assert!(limits.contains(&recommended));
    assert_eq!(results.gate[0].left, Some(f64::from(recommended)));
    assert!(results.gate[0].passed);
}

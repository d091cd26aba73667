//! Several authorities in one run, against the real engine: the bundled
//! server's (each on ports of its own) and the user's own servers named by
//! URL; each authority counted by the client and by its server, exactly.

use poolbench::results::{Discard, ModeResult};

use crate::common::run;

// Several authorities: requests are spread by weight, exactly; each
// authority's requests and connections are counted by the client and by
// its own server port, and they agree; the mode's figures are their sums.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_authority_is_counted_on_both_sides() {
    let results = run(r#"name = "authorities"
[server]
body_size = "1KiB"
[[authority]]
name = "slow"
server = { think_time = "5ms" }
[[authority]]
name = "fast"
weight = 3
[load]
requests = 400
concurrency = 8
[modes]
pooled = { limit = 2 }
[[gate]]
check = "pooled.slow.handshakes.server <= 2"
"#)
    .await;
    let m = &results.modes[0];
    let names: Vec<&str> = m.authorities.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["slow", "fast"]);
    let sent: Vec<u64> = m.authorities.iter().map(|a| a.requests.sent).collect();
    assert_eq!(sent, [100, 300], "spread 1:3");
    for a in &m.authorities {
        assert_eq!(a.requests.ok, a.requests.sent, "{}: {:?}", a.name, a.errors);
        assert_eq!(a.requests.server, Some(a.requests.ok), "{}", a.name);
        assert_eq!(a.handshakes.server, Some(a.handshakes.client), "{}", a.name);
        assert!(
            a.handshakes.client <= 2,
            "{}: the limit is per authority",
            a.name
        );
        assert!(a.peak_connections.server.is_some_and(|p| p <= 2));
    }
    let total: u64 = m.authorities.iter().map(|a| a.handshakes.client).sum();
    assert_eq!(m.handshakes.client, total);
    // The slow authority's requests took its think time at least.
    assert!(m.authorities[0].latency_us.min >= 5000);
    assert!(results.gate[0].passed, "{:?}", results.gate);
}

// A global limit caps connections across authorities, as the server sees
// them in total; a per-authority limit gives each authority its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_limit_caps_all_authorities_together() {
    let results = run(r#"name = "scope"
[server]
think_time = "2ms"
[[authority]]
name = "a"
[[authority]]
name = "b"
[load]
requests = 400
concurrency = 16
[modes]
each = { kind = "pooled", limit = 3 }
shared = { kind = "pooled", limit = 3, scope = "global" }
"#)
    .await;
    let (each, shared) = (&results.modes[0], &results.modes[1]);
    for m in [each, shared] {
        assert_eq!(m.requests.ok, 400, "{}: {:?}", m.label, m.errors);
    }
    assert!(shared.global_limit && !each.global_limit);
    // Global: never more than 3 open at once in all, as the client counts
    // and as the server does: a connection closed to make room for the
    // other authority keeps its slot until the server has closed it too.
    assert!(
        shared.peak_connections.client <= 3
            && shared.peak_connections.server.is_some_and(|p| p <= 3),
        "{:?}",
        shared.peak_connections
    );
    let server = |m: &ModeResult| m.peak_connections.server.unwrap_or(u64::MAX);
    // Per authority: each gets its 3 (16 tasks keep both busy).
    assert!(
        each.peak_connections.client > 3,
        "{:?}",
        each.peak_connections
    );
    assert!(
        server(shared) < server(each),
        "{:?}",
        shared.peak_connections
    );
    // And the global limit pays for it in connections closed for room.
    let evicted = |m: &ModeResult| {
        m.pool
            .as_ref()
            .map_or(0, |p| p.discards.count(Discard::Evicted))
    };
    assert!(evicted(shared) > 0 && evicted(each) == 0);
    for a in &each.authorities {
        assert!(
            a.peak_connections.server.is_some_and(|p| p <= 3),
            "{}",
            a.name
        );
    }
}

// Authorities that are the user's own servers, named by URL: here two
// servers of ours in this process, which poolbench sees as external (it
// starts none). Each authority's figures are exactly what its server
// counted, the spread is exact, and the limit holds per server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorities_at_urls_are_counted_as_their_servers_count_them() {
    use poolbench::server::ServerConfig;
    let api = crate::common::server(ServerConfig {
        think_time: std::time::Duration::from_millis(2),
        ..ServerConfig::default()
    })
    .await;
    let cdn = crate::common::server(ServerConfig::default()).await;
    let results = run(&format!(
        r#"name = "urls"
[[authority]]
name = "api"
url = "http://user:pw@{}/"
[[authority]]
name = "cdn"
weight = 4
url = "http://{}/"
[load]
requests = 500
concurrency = 10
[modes]
pooled = {{ limit = 2 }}
[[gate]]
check = "pooled.api.handshakes <= 2"
"#,
        api.addr, cdn.addr
    ))
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 500, "{:?}", m.errors);
    assert_eq!(
        m.requests.server, None,
        "no bundled server: no server figures"
    );
    let sent: Vec<u64> = m.authorities.iter().map(|a| a.requests.sent).collect();
    assert_eq!(sent, [100, 400], "spread 1:4");
    for (a, server) in m.authorities.iter().zip([&api, &cdn]) {
        let seen = server.counters.snapshot();
        assert_eq!(a.requests.ok, seen.requests, "{}", a.name);
        assert_eq!(a.handshakes.client, seen.accepted, "{}", a.name);
        assert!(
            a.handshakes.client <= 2 && seen.peak_open <= 2,
            "{}",
            a.name
        );
        assert_eq!(a.handshakes.server, None);
    }
    let info: Vec<(Option<&str>, bool)> = results
        .scenario
        .authorities
        .iter()
        .map(|a| (a.url.as_deref(), a.server.is_some()))
        .collect();
    let (api_url, cdn_url) = (
        format!("http://{}/", api.addr),
        format!("http://{}/", cdn.addr),
    );
    assert_eq!(
        info,
        [
            (Some(api_url.as_str()), false),
            (Some(cdn_url.as_str()), false)
        ]
    );
    assert!(
        !results.scenario.source.contains("user:pw@"),
        "the password is redacted from the report"
    );
    assert!(results.gate[0].passed, "{:?}", results.gate);
}

// Over HTTPS, each authority's TLS handshakes are counted by the client and
// by its own server port, and they agree; how its connections ended adds up
// to the connections it opened (a client per request closes every one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_authority_has_its_own_tls_handshakes_and_connection_ends() {
    let results = run(r#"name = "authorities-tls"
[server]
tls = true
[[authority]]
name = "a"
[[authority]]
name = "b"
weight = 2
[load]
requests = 90
concurrency = 6
[modes]
per_request_client = {}
[[gate]]
check = "per_request_client.b.tls_full.server == 60"
"#)
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 90, "{:?}", m.errors);
    let mut full = 0;
    for (a, want) in m.authorities.iter().zip([30, 60]) {
        let tls = a.tls_handshakes.expect("HTTPS counts TLS per authority");
        assert_eq!(tls.full.client + tls.resumed.client, want, "{}", a.name);
        assert_eq!(tls.full.server, Some(tls.full.client), "{}", a.name);
        assert_eq!(tls.resumed.server, Some(tls.resumed.client), "{}", a.name);
        assert_eq!(
            a.connection_ends.total(),
            want,
            "{}: every connection ended",
            a.name
        );
        full += tls.full.client;
    }
    assert_eq!(m.tls_handshakes.map(|t| t.full.client), Some(full));
    assert!(results.gate[0].passed, "{:?}", results.gate);
}

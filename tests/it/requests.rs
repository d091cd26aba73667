//! Request shape against the real engine and the real bundled server: a
//! method, headers and a body arrive as sent (the server's counts prove
//! it), a URL list walks its URLs across its hosts, each host an authority
//! capped by its own limit (a list read as requests go, refused if it
//! changed since it was checked), and `{n}` names every request apart.

use poolbench::results::ModeKind;
use poolbench::server::ServerConfig;

use crate::common::{run, run_at, server, write};

// A POST with a 1 KiB body and two headers, through every mode: the
// bundled server (here serving as "your own" server, so its counters can be
// read directly) counts each request's method, its two headers and its
// whole body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_with_headers_and_a_body_arrives_whole() {
    let s = server(ServerConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "payload.json", &"x".repeat(1024));
    let text = format!(
        r#"name = "post"
[target]
url = "http://{}/api/items"
[request]
method = "POST"
headers = {{ content-type = "application/json", authorization = "Bearer t0ken" }}
body_file = "payload.json"
[load]
requests = 40
concurrency = 4
[modes]
pooled = {{ limit = 2 }}
per_request_client = {{}}
keep_alive_disabled = {{ limit = 2 }}
hyper_util = {{}}
"#,
        s.addr
    );
    let results = run_at(&write(dir.path(), "post.toml", &text), &text).await;
    for m in &results.modes {
        assert_eq!(m.requests.ok, 40, "{}: {:?}", m.label, m.errors);
    }
    let seen = s.counters.snapshot();
    assert_eq!(seen.requests, 160);
    assert_eq!(seen.non_get, 160, "every request a POST");
    assert_eq!(
        seen.extra_headers,
        2 * 160,
        "both headers, on every request"
    );
    assert_eq!(seen.bodies, 160);
    assert_eq!(seen.body_bytes, 1024 * 160, "every body whole");
}

// A scraper's list: 1,000 distinct URLs over 4 loopback authorities. Each
// host is an authority of its own, sent its share of the list in order;
// the pooled mode's connections to each are exactly its limit, on both
// sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_list_spreads_over_its_hosts_each_capped_by_its_limit() {
    let mut servers = Vec::new();
    for _ in 0..4 {
        servers.push(server(ServerConfig::default()).await);
    }
    let list: String = (0..1000)
        .map(|i| format!("http://{}/page/{i}\n", servers[i % 4].addr))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "urls.txt",
        &format!("# a scraper's work\n\n{list}"),
    );
    let text = r#"name = "scraper"
[request]
urls_file = "urls.txt"
[load]
requests = 1000
concurrency = 16
[modes]
pooled = { limit = 2 }
"#;
    let results = run_at(&write(dir.path(), "scraper.toml", text), text).await;
    let m = &results.modes[0];
    assert_eq!(m.mode, ModeKind::named("pooled"));
    assert_eq!(m.requests.ok, 1000, "{:?}", m.errors);
    assert_eq!(m.authorities.len(), 4);
    for (a, s) in m.authorities.iter().zip(&servers) {
        assert_eq!(a.name, format!("h127_0_0_1_{}", s.addr.port()));
        assert_eq!(a.requests.sent, 250, "{}", a.name);
        assert_eq!(a.handshakes.client, 2, "{}: its limit", a.name);
        // The server's own count: the 2 pooled connections, nothing else.
        assert_eq!(s.counters.connections.read().opened, 2, "{}", a.name);
        assert_eq!(s.counters.snapshot().requests, 250, "{}", a.name);
    }
}

// `{n}` is the request's number: against the bundled server (a child
// process, counted over its control channel), paths with a counter reach
// the default response and are judged by its body size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_in_the_path_reaches_the_bundled_server() {
    let results = run(r#"name = "counter"
[server]
body_size = 100
[request]
method = "PUT"
body = "hello"
paths = ["/item/{n}", { path = "/search?q={n}", weight = 3 }]
[load]
requests = 80
concurrency = 4
[modes]
pooled = { limit = 2 }
"#)
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 80, "{:?}", m.errors);
    assert_eq!(m.requests.server, Some(80));
}

// The server's body counter counts only what it was sent: a GET carries
// no body and no header of the scenario's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_get_counts_no_body_and_no_header() {
    let s = server(ServerConfig::default()).await;
    let text = format!(
        "name = \"get\"\n[target]\nurl = \"http://{}/\"\n[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = {{ limit = 1 }}\n",
        s.addr
    );
    let results = run(&text).await;
    assert_eq!(results.modes[0].requests.ok, 10);
    let seen = s.counters.snapshot();
    assert_eq!(
        (
            seen.non_get,
            seen.extra_headers,
            seen.bodies,
            seen.body_bytes
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(s.counters.connections.read().opened, 1);
    assert_eq!(s.counters.snapshot().requests, 10);
}

// A list of paths against the bundled server, read as requests go: every
// line sent, the list started over at its end; a list that changed after
// the scenario was read is refused at the run, naming it, not half-sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_paths_is_read_as_requests_go_and_a_changed_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..30).map(|i| format!("/item/{i}\n")).collect();
    let list = write(dir.path(), "paths.txt", &format!("# paths\n{lines}"));
    let text = r#"name = "paths"
[server]
body_size = 64
[request]
urls_file = "paths.txt"
[load]
requests = 90
concurrency = 4
[modes]
pooled = { limit = 2 }
"#;
    let path = write(dir.path(), "paths.toml", text);
    let results = run_at(&path, text).await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 90, "{:?}", m.errors);
    assert_eq!(m.requests.server, Some(90));

    let scenario = poolbench::scenario::Scenario::parse(&path, text).unwrap();
    std::fs::write(&list, "/other\n").unwrap();
    let options = poolbench::runner::RunOptions::new(env!("CARGO_BIN_EXE_poolbench").into());
    let e = poolbench::runner::run(&scenario, &options)
        .await
        .expect_err("changed");
    let said = format!("{e:#}");
    assert!(said.contains("paths.txt changed"), "{said}");
}

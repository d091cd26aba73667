//! Through a forward proxy, with the real engine: plain HTTP in absolute
//! form, HTTPS through CONNECT tunnels; the client's handshakes are counted
//! by the proxy that accepted them, the origin's by the server, and the
//! proxy's upstream connections are the server's handshakes.

use std::sync::Arc;

use poolbench::proxy::{self, ProxyCounters};
use poolbench::results::Transport;

use crate::common::run;

// poolbench's own proxy between every mode and the bundled server, over
// HTTP and HTTPS: every handshake is seen at the proxy and at the origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxied_run_counts_its_handshakes_at_the_proxy() {
    let results = run(r#"name = "proxied"
[server]
tls = "both"
[proxy]
bundled = true
[load]
requests = 60
concurrency = 4
[modes]
pooled = { limit = 2 }
per_request_client = {}
hyper_util = {}
[[gate]]
check = "pooled.https.proxy_connections <= 2"
"#)
    .await;
    assert_eq!(results.modes.len(), 6);
    for m in &results.modes {
        let what = format!("{} over {}", m.label, m.transport.name());
        assert_eq!(m.requests.ok, 60, "{what}: {:?}", m.errors);
        let p = m.proxy.unwrap_or_else(|| panic!("{what}: no proxy counts"));
        assert_eq!(
            p.accepted, m.handshakes.client,
            "{what}: the client dialled the proxy"
        );
        assert_eq!(
            Some(p.upstream),
            m.handshakes.server,
            "{what}: one upstream each"
        );
        assert_eq!(p.failed, 0, "{what}");
        match m.transport {
            Transport::Https => assert_eq!((p.tunnels, p.forwarded), (p.accepted, 0), "{what}"),
            _ => assert_eq!((p.tunnels, p.forwarded), (0, 60), "{what}"),
        }
    }
    let pooled = &results.modes[0];
    assert_eq!(
        pooled.handshakes.client, 2,
        "the pool's reuse reaches the origin"
    );
    assert!(results.gate[0].passed, "{:?}", results.gate);
}

// Your proxy (here poolbench's, in this process) with the emulated link
// before it: the proxy counts every connection the client made, and each
// connect pays the link's round trip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn your_proxy_behind_the_link_sees_every_connection() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counters = Arc::new(ProxyCounters::default());
    tokio::spawn(proxy::serve(listener, Arc::clone(&counters)));
    let results = run(&format!(
        r#"name = "yours"
[proxy]
url = "http://{addr}"
[link]
rtt = "4ms"
[load]
requests = 30
concurrency = 3
[modes]
per_request_client = {{}}
"#
    ))
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 30, "{:?}", m.errors);
    assert!(m.proxy.is_none(), "your proxy's counts are its own");
    let seen = counters.snapshot();
    assert_eq!(seen.accepted, 30);
    assert_eq!((seen.forwarded, seen.upstream), (30, 30));
    let connect = m
        .breakdown_us
        .phase(poolbench::results::Phase::Connect)
        .unwrap();
    assert!(
        connect.min >= 4000,
        "a connect pays the link's round trip: {connect:?}"
    );
}

// Your proxy's `user:password@` is sent as `Proxy-Authorization` (HTTP
// Basic) on every plain-HTTP request it forwards: a proxy of this test's
// own answers each request and notes whether it carried the credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_urls_credentials_are_sent_as_proxy_authorization() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (with, without) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let counts = (Arc::clone(&with), Arc::clone(&without));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (with, without) = (Arc::clone(&counts.0), Arc::clone(&counts.1));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while socket.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                    if head.ends_with(b"\r\n\r\n") {
                        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                        // base64("u:s3cret")
                        match text.contains("proxy-authorization: basic dtpzm2nyzxq=") {
                            true => with.fetch_add(1, Relaxed),
                            false => without.fetch_add(1, Relaxed),
                        };
                        head.clear();
                        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if socket.write_all(ok).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    let results = run(&format!(
        r#"name = "proxy-auth"
[target]
url = "http://127.0.0.1:9/"
[proxy]
url = "http://u:s3cret@{addr}"
[load]
requests = 20
concurrency = 2
[modes]
pooled = {{ limit = 2 }}
"#
    ))
    .await;
    let m = &results.modes[0];
    assert_eq!(m.requests.ok, 20, "{:?}", m.errors);
    assert_eq!((with.load(Relaxed), without.load(Relaxed)), (20, 0));
    assert!(!results.scenario.source.contains("s3cret"));
}

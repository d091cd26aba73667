//! The bundled server: keep-alive timeout, max requests per connection,
//! its counters, and its life as a child process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use poolbench::server::child::ServerChild;
use poolbench::server::{ServerConfig, ServerCounters};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::until;

async fn start(config: ServerConfig) -> (std::net::SocketAddr, Arc<ServerCounters>) {
    let server = crate::common::server(config).await;
    (server.addr, server.counters)
}

/// Sends one GET and reads one whole response; returns its head and body.
async fn exchange(stream: &mut TcpStream, path: &str) -> (String, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a full response");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap();
            if buf.len() >= end + 4 + length {
                return (head, buf[end + 4..end + 4 + length].to_vec());
            }
        }
    }
}

async fn closed_by_peer(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_secs(60), stream.read(&mut byte)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn endpoints_answer_with_the_configured_body() {
    let config = ServerConfig {
        body_size: 100,
        ..ServerConfig::default()
    };
    let (addr, counters) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (head, body) = exchange(&mut stream, "/").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body.len(), 100);
    assert_eq!(exchange(&mut stream, "/bytes/12345").await.1.len(), 12345);
    assert_eq!(exchange(&mut stream, "/delay/5").await.1, b"ok");
    assert!(
        exchange(&mut stream, "/bytes/999999999")
            .await
            .0
            .starts_with("http/1.1 400")
    );
    let snapshot = counters.snapshot();
    assert_eq!(
        (snapshot.accepted, snapshot.requests, snapshot.open),
        (1, 4, 1)
    );
}

#[tokio::test]
async fn idle_connection_is_closed_after_keep_alive_timeout() {
    let config = ServerConfig {
        keep_alive_timeout: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let (addr, counters) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    exchange(&mut stream, "/").await;
    exchange(&mut stream, "/").await;
    // Closed once idle for the timeout, not before (a lower bound: the
    // server may be late on a busy machine, never early; its timer starts
    // a little before the client has read the response, hence 150 ms).
    let idle_from = std::time::Instant::now();
    assert!(closed_by_peer(&mut stream).await);
    assert!(
        idle_from.elapsed() >= Duration::from_millis(150),
        "closed after {:?} idle",
        idle_from.elapsed()
    );
    until("the server counted the close", || {
        counters.snapshot().open == 0
    })
    .await;
}

#[tokio::test]
async fn connection_closes_after_max_requests() {
    let config = ServerConfig {
        max_requests_per_connection: 3,
        ..ServerConfig::default()
    };
    let (addr, _) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..2 {
        let (head, _) = exchange(&mut stream, "/").await;
        assert!(!head.contains("connection: close"), "{head}");
    }
    let (head, _) = exchange(&mut stream, "/").await;
    assert!(head.contains("connection: close"), "{head}");
    assert!(closed_by_peer(&mut stream).await);
}

#[tokio::test]
async fn peak_window_restarts_at_begin() {
    let (addr, counters) = start(ServerConfig::default()).await;
    let mut a = TcpStream::connect(addr).await.unwrap();
    let mut b = TcpStream::connect(addr).await.unwrap();
    exchange(&mut a, "/").await;
    exchange(&mut b, "/").await;
    drop(a);
    until("the server saw the close", || counters.snapshot().open == 1).await;
    assert_eq!(counters.snapshot().peak_open, 2);
    counters.reset_peak();
    assert_eq!(counters.snapshot().peak_open, 1);
    drop(b);
}

#[tokio::test]
async fn child_reports_over_stdio_and_dies_with_its_handle() {
    let exe = Path::new(env!("CARGO_BIN_EXE_poolbench"));
    let mut child = ServerChild::start(exe, &ServerConfig::default(), &[], None, false)
        .await
        .unwrap();
    let mut stream = TcpStream::connect(child.addr).await.unwrap();
    exchange(&mut stream, "/").await;
    let snapshot = child.begin().await.unwrap();
    assert_eq!(
        (snapshot.accepted, snapshot.requests, snapshot.peak_open),
        (1, 1, 1)
    );
    assert!(snapshot.cpu_us > 0);
    let pid = child.pid().unwrap();
    drop(child); // as on an error path: killed, not leaked
    let gone = || {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        state.is_empty() || state.contains(") Z")
    };
    until("the server child is gone", gone).await;
}

#[tokio::test]
async fn reset_endpoint_cuts_the_body_with_a_tcp_reset() {
    let (addr, _) = start(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /reset HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let error = loop {
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) => panic!(
                "closed with FIN after {} bytes, expected a reset",
                received.len()
            ),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) => break e,
        }
    };
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    let head = String::from_utf8_lossy(&received).to_lowercase();
    assert!(head.contains("content-length: 65536"), "{head}");
    assert!(received.len() < 65536, "the whole body arrived");
}

#[tokio::test]
async fn slow_endpoint_pauses_mid_body() {
    let (addr, _) = start(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = std::time::Instant::now();
    let (_, body) = exchange(&mut stream, "/slow/150").await;
    assert_eq!(body, b"ok");
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn close_endpoint_says_close_and_closes() {
    let (addr, _) = start(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (head, _) = exchange(&mut stream, "/close").await;
    assert!(head.contains("connection: close"), "{head}");
    assert!(closed_by_peer(&mut stream).await);
}

#[tokio::test]
async fn reset_every_cuts_every_nth_default_response() {
    let config = ServerConfig {
        reset_every: 3,
        body_size: 1000,
        ..ServerConfig::default()
    };
    let (addr, _) = start(config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    exchange(&mut stream, "/").await;
    exchange(&mut stream, "/").await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let mut outcome = Ok(1);
    while let Ok(n) = outcome {
        if n == 0 {
            break;
        }
        outcome = stream.read(&mut buf).await;
    }
    assert_eq!(
        outcome.unwrap_err().kind(),
        std::io::ErrorKind::ConnectionReset
    );
}

// Several authorities, each on its own port with its own behaviour: each
// counts its own connections and requests, and the server counts them all.
#[tokio::test]
async fn each_authority_is_counted_on_its_own_and_in_the_total() {
    let exe = Path::new(env!("CARGO_BIN_EXE_poolbench"));
    let slow = ServerConfig {
        body_size: 10,
        ..ServerConfig::default()
    };
    let fast = ServerConfig {
        body_size: 20,
        ..ServerConfig::default()
    };
    let mut child = ServerChild::start(exe, &ServerConfig::default(), &[slow, fast], None, false)
        .await
        .unwrap();
    assert_eq!(child.authorities.len(), 2);
    let (a, b) = (child.authorities[0].0, child.authorities[1].0);
    assert_ne!(a.port(), b.port());
    let mut one = TcpStream::connect(a).await.unwrap();
    let mut two = TcpStream::connect(b).await.unwrap();
    let mut three = TcpStream::connect(b).await.unwrap();
    // Each authority answers with its own body size.
    assert_eq!(exchange(&mut one, "/").await.1, [b'x'; 10]);
    assert_eq!(exchange(&mut two, "/").await.1, [b'x'; 20]);
    exchange(&mut three, "/").await;
    let total = child.begin().await.unwrap();
    assert_eq!((total.accepted, total.requests, total.open), (3, 3, 3));
    let each: Vec<(u64, u64)> = child
        .last_authorities
        .iter()
        .map(|s| (s.accepted, s.requests))
        .collect();
    assert_eq!(each, [(1, 1), (2, 2)]);
}

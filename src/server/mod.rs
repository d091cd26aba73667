//! The bundled test server: axum behind a hand-written accept loop, so it can
//! count connections and honour a keep-alive timeout and a maximum number of
//! requests per connection (then `Connection: close`, like nginx's
//! `keepalive_requests`).
//!
//! `poolbench run` starts it as a child process ([`child`]) so its sockets,
//! fds and CPU never mix with the client's; it reports its counters over
//! stdin/stdout ([`control`]), a channel that opens no socket.

mod app;
mod capacity;
pub mod child;
mod closing;
pub mod control;
mod counters;
mod overrun;
mod run;
mod streams;

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use http::header::{CONNECTION, HeaderValue};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

pub use app::{ConnInfo, router, serves_default};
pub use capacity::OverCapacity;
use capacity::{Admission, Capacity};
use closing::CountedIo;

/// The header a client puts its request's id in; the bundled server sends
/// it back on the response.
pub const REQUEST_ID: http::header::HeaderName =
    http::header::HeaderName::from_static("x-poolbench-id");
pub use counters::{ServerCounters, ServerSnapshot};
pub use run::{ServeSetup, ServeTls, bind, bind_unix, run, run_child};

/// How the bundled server behaves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerConfig {
    /// Wait before answering `/`, modelling work on the server.
    pub think_time: Duration,
    /// Body size of `/`.
    pub body_size: u64,
    /// An idle keep-alive connection is closed after this.
    pub keep_alive_timeout: Duration,
    /// Close a connection after this many responses; 0 = unlimited.
    pub max_requests_per_connection: u64,
    /// Worker threads of the server's runtime.
    pub threads: usize,
    /// Misbehaviour: every N-th response to `/` is cut mid-body by a TCP
    /// reset; 0 = never.
    pub reset_every: u64,
    /// Misbehaviour: the body of `/` comes in two halves this far apart.
    pub slow_body: Duration,
    /// Misbehaviour: every response on a connection but its first is
    /// followed by this many bytes beyond its Content-Length (a broken
    /// legacy server that corrupts reused connections); 0 = never.
    pub body_overrun: u64,
    /// Misbehaviour: every response on a connection but its first is
    /// labelled with the request id of the connection's first request — a
    /// stale response, as from a legacy server or proxy that mixes up a
    /// reused connection's responses. The client sees a response that is
    /// not its own (`mismatched`).
    pub stale_reuse: bool,
    /// The most connections the server holds open; 0 = no cap.
    pub max_connections: u64,
    /// What it does with a connection over the cap.
    pub over_capacity: OverCapacity,
    /// HTTP/2: the most streams a client may have in flight on one
    /// connection (`SETTINGS_MAX_CONCURRENT_STREAMS`).
    pub max_concurrent_streams: u32,
}

impl ServerConfig {
    /// Largest body the server sends (its body buffer is this big).
    pub const MAX_BODY: u64 = 16 * 1024 * 1024;
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            think_time: Duration::ZERO,
            body_size: 64,
            // nginx's default keepalive_timeout.
            keep_alive_timeout: Duration::from_secs(75),
            max_requests_per_connection: 0,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            reset_every: 0,
            slow_body: Duration::ZERO,
            body_overrun: 0,
            stale_reuse: false,
            max_connections: 0,
            over_capacity: OverCapacity::default(),
            // nginx's default http2_max_concurrent_streams.
            max_concurrent_streams: 128,
        }
    }
}

/// A listening socket the accept loop takes connections from: TCP, or a
/// Unix domain socket.
pub trait Listener: Send + 'static {
    type Stream: tokio::io::AsyncRead
        + tokio::io::AsyncWrite
        + std::os::fd::AsRawFd
        + Unpin
        + Send
        + 'static;
    fn next(&self) -> impl std::future::Future<Output = std::io::Result<Self::Stream>> + Send;
}

impl Listener for TcpListener {
    type Stream = tokio::net::TcpStream;
    async fn next(&self) -> std::io::Result<Self::Stream> {
        let (stream, _) = self.accept().await?;
        // Responses are small and latency-bound: never wait for Nagle.
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

impl Listener for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;
    async fn next(&self) -> std::io::Result<Self::Stream> {
        Ok(self.accept().await?.0)
    }
}

/// Accepts and serves plain HTTP connections until the task is dropped.
pub async fn serve<L: Listener>(listener: L, config: ServerConfig, counters: Arc<ServerCounters>) {
    accept_loop(listener, config, counters, None).await
}

/// Accepts and serves HTTPS connections until the task is dropped; TLS
/// handshakes are counted as full or resumed.
pub async fn serve_tls(
    listener: TcpListener,
    config: ServerConfig,
    counters: Arc<ServerCounters>,
    tls: Arc<rustls::ServerConfig>,
) {
    accept_loop(listener, config, counters, Some(TlsAcceptor::from(tls))).await
}

async fn accept_loop<L: Listener>(
    listener: L,
    config: ServerConfig,
    counters: Arc<ServerCounters>,
    tls: Option<TlsAcceptor>,
) {
    let router = router(&config);
    let capacity = Capacity::new(config.max_connections, config.over_capacity);
    loop {
        let room = capacity.room().await;
        let stream = match listener.next().await {
            Ok(stream) => stream,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("poolbench serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let guard = counters.accept();
        let (permit, unavailable) = match capacity.admit(room, &counters) {
            Admission::Serve(permit) => (permit, false),
            Admission::Unavailable => (None, true),
            Admission::Refuse => {
                counters.turned_away();
                let _ = crate::metrics::sockets::reset_on_close(stream.as_raw_fd());
                drop(stream);
                drop(guard);
                continue;
            }
        };
        let router = router.clone();
        let counters = Arc::clone(&counters);
        let config = config.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            // Held until the connection closes; the open count until it
            // starts to (see `closing`).
            let _room = permit;
            let info = ConnInfo {
                fd: stream.as_raw_fd(),
            };
            match tls {
                None => {
                    let io = CountedIo::new(TokioIo::new(stream), guard);
                    serve_connection(io, info, router, &config, counters, unavailable).await
                }
                Some(acceptor) => {
                    // A failed handshake is the client's fault; the
                    // connection was still accepted and counted.
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let resumed =
                        stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                    counters.tls_handshake(resumed);
                    let io = CountedIo::new(TokioIo::new(stream), guard);
                    serve_connection(io, info, router, &config, counters, unavailable).await
                }
            }
        });
    }
}

async fn serve_connection<I>(
    io: I,
    info: ConnInfo,
    router: axum::Router,
    config: &ServerConfig,
    counters: Arc<ServerCounters>,
    unavailable: bool,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let served = AtomicU64::new(0);
    let max = config.max_requests_per_connection;
    let due = Arc::new(overrun::Due::default());
    let io = overrun::Overrun::new(io, Arc::clone(&due));
    let stray = usize::try_from(config.body_overrun).unwrap_or(usize::MAX);
    let stale_reuse = config.stale_reuse;
    let first_id = Arc::new(std::sync::OnceLock::<HeaderValue>::new());
    let streams = Arc::new(streams::Streams::default());
    let service = {
        let streams = Arc::clone(&streams);
        let counters = Arc::clone(&counters);
        hyper::service::service_fn(move |mut req: http::Request<_>| {
            let n = served.fetch_add(1, Relaxed) + 1;
            counters.request();
            if unavailable {
                counters.turned_away();
            }
            let h2 = req.version() == http::Version::HTTP_2;
            let stream = h2.then(|| streams.open(&counters));
            if h2 && max > 0 && n == max {
                streams.goaway.notify_one();
            }
            req.extensions_mut().insert(info);
            app::note_shape(&mut req, &counters);
            // Echoed, so a client can tell a response is its own — unless the
            // server is told to answer a reused connection with a stale id.
            let mut id = req.headers().get(REQUEST_ID).cloned();
            if let Some(own) = &id {
                let first = first_id.get_or_init(|| own.clone());
                if stale_reuse && n > 1 {
                    id = Some(first.clone());
                    counters.stale();
                }
            }
            // Over the cap (503): no handler runs.
            let routed = (!unavailable).then(|| router.clone().call(req));
            let due = Arc::clone(&due);
            let overrun = (stray > 0 && n > 1).then(|| Arc::clone(&counters));
            let close = !h2 && (unavailable || (max > 0 && n >= max));
            async move {
                let response = match routed {
                    Some(routed) => routed.await?,
                    None => capacity::unavailable(),
                };
                let overrun = overrun.map(|counters| (counters, due, stray));
                let response = finish(response, close, id, overrun, stream);
                Ok::<_, std::convert::Infallible>(response)
            }
        })
    };
    drive(io, service, config, &streams, &counters).await;
}

/// A response as the connection sends it: `Connection: close` if this is
/// its last (HTTP/1.1; HTTP/2 sends GOAWAY), the request's id (or a stale
/// one), stray bytes after it if the server misbehaves so, and its HTTP/2
/// stream held open until its last frame.
fn finish(
    mut response: axum::response::Response,
    close: bool,
    id: Option<HeaderValue>,
    overrun: Option<(Arc<ServerCounters>, Arc<overrun::Due>, usize)>,
    stream: Option<streams::StreamGuard>,
) -> axum::response::Response {
    if close {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    if let Some((counters, due, stray)) = overrun {
        counters.overrun();
        response =
            response.map(|body| axum::body::Body::new(overrun::MarkEnd::new(body, due, stray)));
    }
    if let Some(stream) = stream {
        response = response.map(|body| axum::body::Body::new(streams::Held::new(body, stream)));
    }
    response
}

/// Serves one connection, HTTP/1.1 or HTTP/2 as the client speaks, until
/// it closes; HTTP/2 is told to go away (GOAWAY, in-flight streams finish)
/// after its last allowed stream, or when idle for the keep-alive timeout.
async fn drive<I, S, B>(
    io: I,
    service: S,
    config: &ServerConfig,
    streams: &streams::Streams,
    counters: &ServerCounters,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // hyper starts the header-read timer as soon as it waits for the next
    // request, so on a keep-alive connection it is the idle timeout.
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.keep_alive_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(config.max_concurrent_streams);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let period = config.keep_alive_timeout.max(Duration::from_millis(1));
    let mut idle = tokio::time::interval(period);
    idle.reset();
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = streams.goaway.notified() => break,
            _ = idle.tick() => if streams.idle_h2() { break },
        }
    }
    counters.goaway();
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

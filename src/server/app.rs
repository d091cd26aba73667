//! The bundled server's endpoints (axum).
//!
//! - any other path, any method: the scenario's default response — read
//!   the request's body (counted), wait `think_time`, then a body of
//!   `body_size` bytes (cut by a reset every `reset_every` responses, sent
//!   in two halves `slow_body` apart if set)
//! - `GET /bytes/{n}`    a body of `n` bytes
//! - `GET /delay/{ms}`   wait `ms` milliseconds, then a small body
//! - `GET /close`        a small body with `Connection: close`
//! - `GET /reset`        half of a 64 KiB body, then a TCP reset
//! - `GET /slow/{ms}`    a 2-byte body whose second byte comes `ms` later
//! - `GET /health`       `ok`
//!
//! The misbehaving ones exist so the pool's properties can be tested against
//! a real server: a connection closed by the server, a reset mid-body, a
//! body that arrives slowly.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

use super::ServerConfig;

/// How long a reset response waits between its first half and the reset.
const RESET_PAUSE: Duration = Duration::from_millis(20);

/// Per-connection facts the accept loop attaches to every request.
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo {
    /// The connection's socket, to turn its close into a reset.
    pub fd: RawFd,
}

/// Shared by all handlers: the configuration and a body buffer sliced per
/// response, so serving a body allocates nothing.
struct AppState {
    config: ServerConfig,
    body: Bytes,
    /// Responses to `/` so far, for `reset_every`.
    responses: AtomicU64,
}

/// Builds the router for `config`.
pub fn router(config: &ServerConfig) -> Router {
    let state = Arc::new(AppState {
        config: config.clone(),
        body: Bytes::from(vec![b'x'; ServerConfig::MAX_BODY as usize]),
        responses: AtomicU64::new(0),
    });
    Router::new()
        .route("/bytes/{n}", get(bytes_response))
        .route("/delay/{ms}", get(delayed_response))
        .route("/close", get(close_response))
        .route("/reset", get(reset_response))
        .route("/slow/{ms}", get(slow_response))
        .route("/health", get(|| async { "ok" }))
        .fallback(default_response)
        .with_state(state)
}

/// The paths answered by an endpoint of their own (above) rather than the
/// scenario's default response.
const OWN_PATHS: [&str; 6] = [
    "/bytes/", "/delay/", "/slow/", "/close", "/reset", "/health",
];

/// Whether a request for `path` (with its query) gets the scenario's
/// default response.
pub fn serves_default(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    !OWN_PATHS.iter().any(|own| match own.ends_with('/') {
        true => path.starts_with(own),
        false => path == *own,
    })
}

/// Headers every client sets by itself; any other is the scenario's own.
const CLIENT_HEADERS: [http::HeaderName; 5] = [
    header::HOST,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
    super::REQUEST_ID,
];

/// A request's body is counted as the default response reads it.
#[derive(Clone)]
struct CountBody(Arc<super::ServerCounters>);

/// Counts what `req` carries beyond a plain GET, and marks a request with
/// a body so its bytes are counted as they are read.
pub(super) fn note_shape<B>(req: &mut http::Request<B>, counters: &Arc<super::ServerCounters>) {
    let extra = req
        .headers()
        .keys()
        .filter(|k| !CLIENT_HEADERS.contains(k))
        .count() as u64;
    counters.request_shape(req.method() != http::Method::GET, extra);
    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if has_body {
        req.extensions_mut().insert(CountBody(Arc::clone(counters)));
    }
}

async fn default_response(
    State(state): State<Arc<AppState>>,
    Extension(conn): Extension<ConnInfo>,
    counter: Option<Extension<CountBody>>,
    body: Body,
) -> Response {
    if let Some(Extension(CountBody(counters))) = counter {
        use http_body_util::BodyExt;
        let mut body = body;
        let mut bytes = Some(0u64);
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => bytes = bytes.map(|b| b + f.data_ref().map_or(0, |d| d.len() as u64)),
                Err(_) => bytes = None,
            }
        }
        // Only a body received to its end is counted.
        if let Some(bytes) = bytes {
            counters.body(bytes);
        }
    }
    let config = &state.config;
    if !config.think_time.is_zero() {
        tokio::time::sleep(config.think_time).await;
    }
    let body = state.body.slice(..config.body_size as usize);
    let n = state.responses.fetch_add(1, Relaxed) + 1;
    if config.reset_every > 0 && n.is_multiple_of(config.reset_every) {
        return reset_mid_body(conn, body);
    }
    if !config.slow_body.is_zero() {
        return in_two_halves(body, config.slow_body);
    }
    body.into_response()
}

async fn bytes_response(
    State(state): State<Arc<AppState>>,
    Path(n): Path<u64>,
) -> Result<Bytes, (StatusCode, String)> {
    if n > ServerConfig::MAX_BODY {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("at most {} bytes", ServerConfig::MAX_BODY),
        ));
    }
    Ok(state.body.slice(..n as usize))
}

async fn delayed_response(Path(ms): Path<u64>) -> &'static str {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "ok"
}

async fn close_response() -> Response {
    let mut response = "ok".into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn reset_response(
    State(state): State<Arc<AppState>>,
    Extension(conn): Extension<ConnInfo>,
) -> Response {
    reset_mid_body(conn, state.body.slice(..64 * 1024))
}

async fn slow_response(Path(ms): Path<u64>) -> Response {
    in_two_halves(Bytes::from_static(b"ok"), Duration::from_millis(ms))
}

/// Announces the whole body, sends half of it, then resets the connection.
fn reset_mid_body(conn: ConnInfo, body: Bytes) -> Response {
    // `conn.fd` is the socket this request is served on, open for as long
    // as the request is; its coming close() will send RST.
    let _ = crate::metrics::sockets::reset_on_close(conn.fd);
    let len = body.len();
    let half = body.slice(..len / 2);
    // The pause lets the client read the head and the first half before
    // the reset arrives (a reset discards what the peer has not read yet).
    let stream = futures_util::stream::unfold(Some(half), |half| async move {
        match half {
            Some(half) => Some((Ok(half), None)),
            None => {
                tokio::time::sleep(RESET_PAUSE).await;
                Some((
                    Err(std::io::Error::other("reset mid-body, as configured")),
                    None,
                ))
            }
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// Sends the first half of `body` now and the rest after `pause`.
fn in_two_halves(body: Bytes, pause: Duration) -> Response {
    let len = body.len();
    let (first, second) = (body.slice(..len / 2), body.slice(len / 2..));
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let (first, second) = (first.clone(), second.clone());
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first), 1)),
                1 => {
                    tokio::time::sleep(pause).await;
                    Some((Ok(second), 2))
                }
                _ => None,
            }
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

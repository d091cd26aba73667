//! The bundled server's endpoints (axum).
//!
//! - `GET /`            the scenario's default response: wait `think_time`,
//!   then a body of `body_size` bytes
//! - `GET /bytes/{n}`   a body of `n` bytes
//! - `GET /delay/{ms}`  wait `ms` milliseconds, then a small body
//! - `GET /health`      `ok`

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;

use super::ServerConfig;

/// Shared by all handlers: the configuration and a body buffer sliced per
/// response, so serving a body allocates nothing.
struct AppState {
    config: ServerConfig,
    body: Bytes,
}

/// Builds the router for `config`.
pub fn router(config: &ServerConfig) -> Router {
    let state = Arc::new(AppState {
        config: config.clone(),
        body: Bytes::from(vec![b'x'; ServerConfig::MAX_BODY as usize]),
    });
    Router::new()
        .route("/", get(default_response))
        .route("/bytes/{n}", get(bytes_response))
        .route("/delay/{ms}", get(delayed_response))
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
}

async fn default_response(State(state): State<Arc<AppState>>) -> Bytes {
    if !state.config.think_time.is_zero() {
        tokio::time::sleep(state.config.think_time).await;
    }
    state.body.slice(..state.config.body_size as usize)
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

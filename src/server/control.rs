//! The bundled server's commands on the control channel (see
//! [`crate::child`]): each answers with one `ServerSnapshot` line.
//!
//! - `stats`: the counters now;
//! - `begin`: start a new peak window (peak = open now), then the counters.

use std::net::SocketAddr;
use std::sync::Arc;

use super::ServerCounters;

/// Serves control commands on stdin/stdout until stdin closes.
pub async fn run_stdio(
    listening: Vec<SocketAddr>,
    counters: Arc<ServerCounters>,
) -> anyhow::Result<()> {
    crate::child::serve_stdio(listening, |command| {
        match command {
            "begin" => counters.reset_peak(),
            "stats" => {}
            _ => return None,
        }
        serde_json::to_string(&counters.snapshot()).ok()
    })
    .await
}

//! The bundled server's commands on the control channel (see
//! [`crate::child`]): each answers with one `ServerSnapshot` line.
//!
//! - `stats`: the counters now;
//! - `begin`: start a new peak window (peak = open now), then the counters.

use std::net::SocketAddr;
use std::sync::Arc;

use super::ServerCounters;
use crate::child::Control;

/// Serves control commands on stdin/stdout until stdin closes.
pub async fn serve(
    control: Control,
    listening: Vec<SocketAddr>,
    counters: Arc<ServerCounters>,
) -> anyhow::Result<()> {
    control
        .serve(listening, |command| {
            match command {
                "begin" => counters.reset_peak(),
                "stats" => {}
                _ => return None,
            }
            serde_json::to_string(&counters.snapshot()).ok()
        })
        .await
}

//! The bundled server's commands on the control channel (see
//! [`crate::child`]): each answers with one `ServerSnapshot` line.
//!
//! - `stats`: the counters now;
//! - `begin`: start a new peak window (peak = open now), then the counters.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::ServerSnapshot;
use super::run::Counted;
use crate::child::Control;

/// A reply: the whole server's counters, and each authority's when it
/// serves several.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerReport {
    #[serde(flatten)]
    pub server: ServerSnapshot,
    #[serde(default)]
    pub authorities: Vec<ServerSnapshot>,
}

/// Serves control commands on stdin/stdout until stdin closes.
pub async fn serve(
    control: Control,
    listening: Vec<SocketAddr>,
    counted: Counted,
) -> anyhow::Result<()> {
    control
        .serve(listening, |command| {
            match command {
                "begin" => {
                    counted.server.reset_peak();
                    counted.authorities.iter().for_each(|a| a.reset_peak());
                }
                "stats" => {}
                _ => return None,
            }
            let report = ServerReport {
                server: counted.server.snapshot(),
                authorities: counted.authorities.iter().map(|a| a.snapshot()).collect(),
            };
            serde_json::to_string(&report).ok()
        })
        .await
}

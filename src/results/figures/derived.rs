//! What is derived from a mode's figures through the catalogue: the
//! counts its two observers disagree on, and the figures a round keeps.

use super::{FIGURES, Observers, Show, Unit};
use crate::results::{Mismatch, ModeResult, RoundFigures};

/// The compared figures of `m`, as a round keeps them.
pub fn round_figures(m: &ModeResult) -> RoundFigures {
    FIGURES
        .iter()
        .filter(|f| f.compared)
        .filter_map(|f| Some((f.name.to_string(), f.value(m, None)?)))
        .chain([(ROUND_SENT.to_string(), m.requests.sent as f64)])
        .collect()
}

/// The key of a round's requests sent, beside its figures: what `compare`
/// divides a duration run's counts by.
pub const ROUND_SENT: &str = "requests_sent";

/// The counts its two observers disagree on, read from the catalogue:
/// every count both the client and the server observe.
pub fn disagreements(m: &ModeResult) -> Vec<Mismatch> {
    FIGURES
        .iter()
        .filter(|f| f.observers == Observers::ClientAndServer && f.unit == Unit::Count)
        // Shown as text of their own: not one event seen twice (HTTP/2's
        // peak streams are maxima over different spans of a stream's life).
        .filter(|f| !matches!(f.show, Show::Text(_)))
        .filter_map(|f| {
            let client = f.value(m, None)?;
            let server = f.value(m, Some("server"))?;
            (client != server).then(|| Mismatch {
                figure: f.name.to_string(),
                client: client as u64,
                server: server as u64,
            })
        })
        .collect()
}

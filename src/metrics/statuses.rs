//! Error responses by status code, as the client received them: what a
//! report shows as `[404] 500` where the failure kinds only say `4xx`.
//! Only 4xx and 5xx are kept: a success costs no shared write.

use std::collections::BTreeMap;
use std::sync::Mutex;

use http::StatusCode;

/// Error responses by status, shared by a mode's tasks.
#[derive(Debug, Default)]
pub struct Statuses(Mutex<BTreeMap<u16, u64>>);

impl Statuses {
    /// Counts `status` if it is an error status (4xx, 5xx).
    pub fn record(&self, status: StatusCode) {
        if !(status.is_client_error() || status.is_server_error()) {
            return;
        }
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry(status.as_u16()).or_default() += 1;
    }

    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<u16, u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What was counted after `before`, statuses with none left out.
pub fn since(after: &BTreeMap<u16, u64>, before: &BTreeMap<u16, u64>) -> BTreeMap<u16, u64> {
    after
        .iter()
        .map(|(s, n)| (*s, n.saturating_sub(before.get(s).copied().unwrap_or(0))))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_error_statuses_are_kept_and_a_window_is_a_difference() {
        let s = Statuses::default();
        for code in [200, 204, 301, 404, 404, 503] {
            s.record(StatusCode::from_u16(code).unwrap());
        }
        let before = s.snapshot();
        assert_eq!(before, BTreeMap::from([(404, 2), (503, 1)]));
        s.record(StatusCode::NOT_FOUND);
        s.record(StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            since(&s.snapshot(), &before),
            BTreeMap::from([(404, 1), (500, 1)])
        );
    }
}

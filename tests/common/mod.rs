//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own share of them

use std::time::{Duration, Instant};

/// Polls `done` until it holds. The deadline only keeps a broken build
/// from hanging the suite; it is not a speed requirement, and no test
/// depends on how fast the condition comes true.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

//! `pooled` over HTTP/2: the pool shares streams on at most `limit`
//! connections per authority, opening another only when every open one
//! is full (`crate::pool::H2Pool`, on the `h2` crate: hyper's HTTP/2
//! client hides the peer's stream limit and GOAWAY, which the pool needs
//! to decide). It stays a pool of its own rather than a shared
//! reservation inside the HTTP/1 pool (hyper-util's `Reservation::Shared`):
//! what it counts — streams per connection, streams refused and sent
//! again, GOAWAYs — has no HTTP/1 counterpart.

use std::sync::Arc;
use std::time::Instant;

use super::pooled::{pool_error, timeline};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};
use crate::pool::{H2Pool, PoolStats};

/// Streams shared on at most `limit` connections per authority.
struct PooledH2 {
    pool: H2Pool,
    exchange: Exchange,
}

pub fn build(spec: &ModeSpec, parts: Parts) -> Arc<dyn Mode> {
    Arc::new(PooledH2 {
        pool: H2Pool::new(spec.limit_or_one(), parts.connector),
        exchange: parts.exchange,
    })
}

impl Sender for PooledH2 {
    async fn send(&self, target: &Target, id: u64, _: Instant) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id);
        let response = self.pool.send(request).await.map_err(|e| pool_error(&e))?;
        let timeline = timeline(&response);
        self.exchange.judge(response, id).await?;
        Ok(timeline)
    }
}

impl Mode for PooledH2 {
    fn pool_stats(&self) -> Option<PoolStats> {
        Some(self.pool.stats())
    }

    fn reset_peaks(&self) {
        self.pool.reset_peak();
    }
}

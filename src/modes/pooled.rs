//! `pooled`: one client shared by every task, on poolbench's own pool
//! (`crate::pool`): at most `limit` connections per authority (or in all,
//! `scope = "global"`), idle connections reused, extra requests waiting in
//! FIFO order. Over HTTP/2 it shares streams on at most `limit`
//! connections (`pooled_h2.rs`).

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;

use super::kind::{Check, Kind, Refusal, Reuse, Sees, Wait};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};
use crate::pool::{Clock, Pool, PoolConfig, PoolError, PoolStats, PoolTiming, Scope};
use crate::results::HttpVersion;

pub static KIND: Kind = Kind {
    name: "pooled",
    summary: "One shared client, at most `limit` connections per authority, idle connections reused, extra requests waiting in FIFO order.",
    limit: true,
    settings: SETTINGS,
    keep_alive_off: false,
    unobserved: &[],
    sees: Sees {
        build: false,
        wait: Wait::Pool,
        connect: true,
    },
    opaque: false,
    per_request: false,
    reference: true,
    colour: (27, 158, 119),
    reuse: Reuse::PLAIN,
    check,
    build,
};

/// The pool's settings (`keep_alive_disabled` takes them too).
pub const SETTINGS: &[&str] = &[
    "keep_alive",
    "idle_timeout",
    "max_lifetime",
    "max_requests_per_connection",
    "acquire_timeout",
    "scope",
];

/// An idle connection's life, unless the scenario says otherwise.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The pool keeps HTTP/1.1 and HTTP/2 apart, and over HTTP/2 takes a limit
/// alone.
fn check(c: &Check) -> Result<(), Refusal> {
    match c.spec.http {
        HttpVersion::Http1 => Ok(()),
        HttpVersion::Auto => Err(Refusal::new(
            Some("http"),
            "asks poolbench's pool for whatever ALPN negotiates",
            "the pool keeps HTTP/1.1 and HTTP/2 connections apart: say http = \"2\" or \"1.1\" (hyper_util and per_request_client take \"auto\")",
        )),
        HttpVersion::Http2 => match c.given.iter().find(|k| **k != "keep_alive") {
            Some(key) => Err(Refusal::new(
                Some(key),
                format!("is an HTTP/1.1 pool setting; {key} is not supported over HTTP/2"),
                "over HTTP/2 the pool takes limit (connections per authority) alone; streams per connection are the server's to set",
            )),
            None => Ok(()),
        },
    }
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    match spec.http {
        HttpVersion::Http2 => Ok(super::pooled_h2::build(spec, parts)),
        _ => Ok(Arc::new(Pooled::new(spec, parts))),
    }
}

/// One shared pool of HTTP/1.1 connections.
pub struct Pooled {
    pool: Pool<Full<Bytes>>,
    exchange: Exchange,
}

impl Pooled {
    /// The pool `spec` asks for: its limit, its settings (keep-alive off
    /// for a kind that is), the pool's defaults for the rest.
    pub fn new(spec: &ModeSpec, parts: Parts) -> Pooled {
        let s = spec.settings;
        let config = PoolConfig {
            limit: NonZeroUsize::new(spec.limit_or_one()).unwrap_or(NonZeroUsize::MIN),
            scope: s.scope.unwrap_or(Scope::Authority),
            keep_alive: !spec.keep_alive_off(),
            idle_timeout: s.idle_timeout.unwrap_or(Some(IDLE_TIMEOUT)),
            max_lifetime: s.max_lifetime.flatten(),
            max_requests_per_connection: s.max_requests_per_connection.unwrap_or(0),
            acquire_timeout: s.acquire_timeout.flatten(),
            clock: Clock::System,
        };
        Pooled {
            pool: Pool::new(config, parts.connector),
            exchange: parts.exchange,
        }
    }
}

impl Sender for Pooled {
    async fn send(&self, target: &Target, id: u64, _: Instant) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id).map(Full::new);
        let response = self.pool.send(request).await.map_err(|e| pool_error(&e))?;
        let timeline = timeline(&response);
        self.exchange.judge(response, id).await?;
        Ok(timeline)
    }
}

impl Mode for Pooled {
    fn pool_stats(&self) -> Option<PoolStats> {
        Some(self.pool.stats())
    }
}

/// The pool's times, from a pooled response: when the request got its
/// connection (or stream), and the connection's if it was dialled for it.
pub fn timeline<B>(response: &http::Response<B>) -> Timeline {
    let mut timeline = Timeline {
        head: Some(Instant::now()),
        ..Timeline::default()
    };
    if let Some(t) = response.extensions().get::<PoolTiming>() {
        timeline.acquired = Some(t.acquired);
        timeline.dialled(t.dialled);
    }
    timeline
}

/// A pool's failure as the error kind it counts under.
pub fn pool_error(e: &PoolError) -> ErrorKind {
    match e {
        PoolError::AcquireTimeout { .. } => ErrorKind::Timeout,
        other => ErrorKind::classify(other),
    }
}

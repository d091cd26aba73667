//! poolbench's own HTTP/1 connection pool, bounded per authority.
//!
//! - At most `limit` connections per authority (scheme, host, port), counting
//!   those being dialled, in use and idle (`authority.rs` explains how) —
//!   or, with [`Scope::Global`], at most `limit` across all authorities
//!   (what a custom connector with one semaphore gives).
//! - Checkouts beyond the limit wait in FIFO order; a freed slot or returned
//!   connection goes to the oldest waiter at once.
//! - Idle connections are reused newest first (LIFO), so surplus ones age out.
//! - A connection returns to the pool only when its response body has been
//!   read to the end ([`PoolBody`]) and neither side said `Connection: close`.
//! - An idle connection is checked at checkout (closed by the server,
//!   expired) and replaced if unusable.
//! - A request that fails on a reused connection before any response came
//!   back is retried once, on a fresh connection: always if it was never
//!   written, otherwise only if its method is idempotent.
//! - Expired idle connections are closed by a background reaper; dropping
//!   the pool (or [`Pool::shutdown`]) closes idle connections and fails
//!   waiting checkouts with [`PoolError::Closed`].
//!
//! Built on hyper's low-level `client::conn::http1`, dialling through the
//! counting [`CountingConnector`].

mod authority;
mod body;
mod clock;
mod conn;
mod error;
mod h2;
mod send;
mod stats;
mod watch;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::num::NonZeroUsize;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::Uri;
use http::header::HeaderValue;
use http::uri::{Authority, Scheme};

use crate::connect::CountingConnector;
use authority::{AuthorityPool, Freshness};
pub use body::PoolBody;
pub use clock::{Clock, ManualClock};
use conn::Conn;
pub use error::{BodyError, PoolError};
pub use h2::{H2Body, H2Pool};
pub use send::PoolTiming;
pub use stats::{AuthorityStats, Discard, DiscardCounts, PoolStats};

/// Whom the limit counts connections of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Each authority has `limit` connections of its own.
    #[default]
    Authority,
    /// All authorities share `limit` connections: a checkout waits for any
    /// slot, and an idle connection of another authority is closed to free
    /// one.
    Global,
}

/// How the pool behaves.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Most connections per authority (or in all, with a global scope):
    /// connecting + in use + idle.
    pub limit: NonZeroUsize,
    /// Per authority or global.
    pub scope: Scope,
    /// Off: every request sends `Connection: close` and no connection is reused.
    pub keep_alive: bool,
    /// Idle connections older than this are closed instead of reused.
    pub idle_timeout: Option<Duration>,
    /// Connections older than this are closed instead of reused.
    pub max_lifetime: Option<Duration>,
    /// A connection is closed after this many responses; 0 = unlimited.
    pub max_requests_per_connection: u64,
    /// A checkout waiting longer than this fails.
    pub acquire_timeout: Option<Duration>,
    /// What ages connections (idle timeout, lifetime); the system clock
    /// unless a test injects one.
    pub clock: Clock,
}

impl PoolConfig {
    pub fn new(limit: NonZeroUsize) -> PoolConfig {
        PoolConfig {
            limit,
            scope: Scope::Authority,
            keep_alive: true,
            idle_timeout: Some(Duration::from_secs(60)),
            max_lifetime: None,
            max_requests_per_connection: 0,
            acquire_timeout: None,
            clock: Clock::System,
        }
    }
}

/// A shareable handle to one pool; clones share connections and limits.
pub struct Pool<B> {
    inner: Arc<Inner<B>>,
}

impl<B> Clone for Pool<B> {
    fn clone(&self) -> Self {
        Pool {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<B> {
    config: PoolConfig,
    freshness: Freshness,
    connector: CountingConnector,
    origins: RwLock<Origins<B>>,
    /// With a global scope, the one slot pool every origin shares.
    shared: Option<Arc<AuthorityPool<Conn<B>>>>,
}

/// Each authority's pool, by scheme and authority.
type Origins<B> = HashMap<(Scheme, Authority), Origin<B>, BuildHasherDefault<Fnv>>;

/// FNV-1a: the origins map is looked up on every request with a short key
/// no attacker chooses, so SipHash's DoS resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// One authority's pool and what every request to it needs.
struct Origin<B> {
    pool: Arc<AuthorityPool<Conn<B>>>,
    /// Its connections' key in that pool (distinct in a shared pool).
    key: usize,
    /// The `Host` header value, built once.
    host: HeaderValue,
    /// `scheme://authority/`, what the connector dials.
    address: Uri,
}

impl<B> Clone for Origin<B> {
    fn clone(&self) -> Self {
        Origin {
            pool: Arc::clone(&self.pool),
            key: self.key,
            host: self.host.clone(),
            address: self.address.clone(),
        }
    }
}

impl<B> Pool<B>
where
    B: http_body::Body + Clone + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    pub fn new(config: PoolConfig, connector: CountingConnector) -> Pool<B> {
        let freshness = Freshness {
            idle_timeout: config.idle_timeout,
            max_lifetime: config.max_lifetime,
        };
        let shared = (config.scope == Scope::Global)
            .then(|| AuthorityPool::new(config.limit.get(), config.clock.clone()));
        let inner = Arc::new(Inner {
            config,
            freshness,
            connector,
            origins: RwLock::new(HashMap::default()),
            shared,
        });
        spawn_reaper(Arc::downgrade(&inner));
        Pool { inner }
    }

    /// Closes every idle connection and fails every waiting checkout; later
    /// requests fail with [`PoolError::Closed`]. Connections in use close
    /// when their response is done.
    pub fn shutdown(&self) {
        self.inner.close_all();
    }

    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// Counters, summed over authorities (a shared pool counted once).
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats::default();
        for pool in self.inner.pools() {
            let (a, used, idle) = pool.stats();
            stats.totals.merge(&a);
            stats.slots_used += used;
            stats.idle += idle;
        }
        stats
    }

    fn origin(&self, uri: &Uri) -> Result<Origin<B>, PoolError> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(PoolError::BadUri(uri.to_string()));
        };
        let key = (scheme.clone(), authority.clone());
        if let Some(origin) = read(&self.inner.origins).get(&key) {
            return Ok(origin.clone());
        }
        let mut origins = self
            .inner
            .origins
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let address = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|_| PoolError::BadUri(uri.to_string()))?;
        let host = HeaderValue::from_str(authority.as_str())
            .map_err(|_| PoolError::BadUri(uri.to_string()))?;
        let next = origins.len();
        let origin = origins.entry(key).or_insert_with(|| Origin {
            pool: match &self.inner.shared {
                Some(shared) => Arc::clone(shared),
                None => AuthorityPool::new(
                    self.inner.config.limit.get(),
                    self.inner.config.clock.clone(),
                ),
            },
            key: next,
            host,
            address,
        });
        Ok(origin.clone())
    }
}

/// Closes expired idle connections in the background, so surplus ones do
/// not hold sockets (and slots) until the next checkout finds them.
fn spawn_reaper<B: Send + 'static>(pool: std::sync::Weak<Inner<B>>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return; // no runtime: expiry is still checked at every checkout
    };
    runtime.spawn(async move {
        loop {
            let period = match pool.upgrade() {
                Some(inner) => inner.reap(),
                None => return,
            };
            tokio::time::sleep(period).await;
        }
    });
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

impl<B> Inner<B> {
    /// Every slot pool once: each origin's, or the shared one.
    fn pools(&self) -> Vec<Arc<AuthorityPool<Conn<B>>>> {
        match &self.shared {
            Some(shared) => vec![Arc::clone(shared)],
            None => read(&self.origins)
                .values()
                .map(|o| Arc::clone(&o.pool))
                .collect(),
        }
    }

    /// Closes expired idle connections; returns when to look again.
    fn reap(&self) -> Duration {
        let mut stale = Vec::new();
        for pool in self.pools() {
            pool.reap(&self.freshness, &mut stale);
        }
        drop(stale); // outside every lock
        let shortest = [self.freshness.idle_timeout, self.freshness.max_lifetime]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::from_secs(1));
        (shortest / 4).clamp(Duration::from_millis(5), Duration::from_secs(1))
    }

    fn close_all(&self) {
        for pool in self.pools() {
            // Dropped here, outside the authority's lock: idle connections
            // close, waiters see the pool is gone.
            let (idle, waiters) = pool.close();
            drop(idle);
            drop(waiters);
        }
    }
}

impl<B> Drop for Inner<B> {
    fn drop(&mut self) {
        self.close_all();
    }
}

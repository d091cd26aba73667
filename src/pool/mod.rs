//! poolbench's own HTTP/1 connection pool, bounded per authority.
//!
//! - At most `limit` connections per authority (scheme, host, port), counting
//!   those being dialled, in use and idle (`authority.rs` explains how).
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
mod error;
mod stats;
mod watch;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::num::NonZeroUsize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use http::header::{CONNECTION, HOST, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use hyper::client::conn::http1;

use crate::connect::CountingConnector;
use crate::metrics::Timeline;
use authority::{AuthorityPool, Checkout, Conn, Freshness, Grant, Slot};
pub use body::PoolBody;
pub use clock::{Clock, ManualClock};
pub use error::{BodyError, PoolError};
pub use stats::{AuthorityStats, Discard, DiscardCounts, PoolStats};

/// How the pool behaves.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Most connections per authority: connecting + in use + idle.
    pub limit: NonZeroUsize,
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
    pool: Arc<AuthorityPool<B>>,
    /// The `Host` header value, built once.
    host: HeaderValue,
    /// `scheme://authority/`, what the connector dials.
    address: Uri,
}

impl<B> Clone for Origin<B> {
    fn clone(&self) -> Self {
        Origin {
            pool: Arc::clone(&self.pool),
            host: self.host.clone(),
            address: self.address.clone(),
        }
    }
}

/// A failed exchange, with the request if it was never written.
struct Failed<B> {
    error: PoolError,
    unsent: Option<Request<B>>,
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
        let inner = Arc::new(Inner {
            config,
            freshness,
            connector,
            origins: RwLock::new(HashMap::default()),
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

    /// Sends `req` (absolute URI) on a pooled connection. The connection is
    /// held by the returned body until it is read to the end.
    pub async fn send(&self, req: Request<B>) -> Result<Response<PoolBody<B>>, PoolError> {
        self.send_timed(req, &mut Timeline::default()).await
    }

    /// [`send`](Self::send), noting in `timeline` when a connection was
    /// acquired, dialled and TLS-established, and when the head arrived.
    pub async fn send_timed(
        &self,
        mut req: Request<B>,
        timeline: &mut Timeline,
    ) -> Result<Response<PoolBody<B>>, PoolError> {
        let origin = self.origin(req.uri())?;
        let mut retried = false;
        loop {
            let mut conn = self.acquire(&origin, retried).await?;
            timeline.acquired = Some(conn.acquired);
            if let Some(times) = conn.dialled.take() {
                timeline.connected = Some(times.tcp);
                timeline.tls_done = Some(times.tls);
            }
            let reused = conn.served > 0;
            // A copy to resend if the request is written but no response
            // comes back; only idempotent requests may be sent twice.
            // Copied before `prepare` adds the Host header: a request with
            // no headers of its own is copied without allocating.
            let copy =
                (reused && !retried && is_idempotent(req.method())).then(|| copy_request(&req));
            self.prepare(&mut req, &origin);
            req = match self.exchange(&origin, conn, req).await {
                Ok(response) => {
                    timeline.head = Some(Instant::now());
                    return Ok(response);
                }
                Err(failed) if !reused || retried => return Err(failed.error),
                Err(Failed {
                    unsent: Some(unsent),
                    ..
                }) => unsent,
                Err(failed) => match copy {
                    Some(copy) => copy,
                    None => return Err(failed.error),
                },
            };
            origin.pool.record(|s| s.retries += 1);
            retried = true;
        }
    }

    /// Counters, summed over authorities.
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats::default();
        for origin in read(&self.inner.origins).values() {
            let (a, used, idle) = origin.pool.stats();
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
        let origin = origins.entry(key).or_insert_with(|| Origin {
            pool: AuthorityPool::new(
                self.inner.config.limit.get(),
                self.inner.config.clock.clone(),
            ),
            host,
            address,
        });
        Ok(origin.clone())
    }

    /// Origin-form URI on the wire, `Host` and `Connection` headers.
    fn prepare(&self, req: &mut Request<B>, origin: &Origin<B>) {
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        *req.uri_mut() = Uri::from(path);
        req.headers_mut()
            .entry(HOST)
            .or_insert_with(|| origin.host.clone());
        if !self.inner.config.keep_alive {
            req.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
    }

    /// A connection to use: an idle one (unless `fresh_only`) or a new one
    /// dialled in a free slot, waiting for either in FIFO order.
    async fn acquire(&self, origin: &Origin<B>, fresh_only: bool) -> Result<Conn<B>, PoolError> {
        let mut stale = Vec::new();
        let checkout = origin
            .pool
            .checkout(fresh_only, &self.inner.freshness, &mut stale);
        drop(stale); // outside the lock: closing them frees their slots
        let grant = match checkout {
            Checkout::Ready(grant) => grant,
            Checkout::Closed => return Err(PoolError::Closed),
            Checkout::Wait(rx) => {
                let start = Instant::now();
                let granted = match self.inner.config.acquire_timeout {
                    None => rx.await,
                    Some(timeout) => tokio::time::timeout(timeout, rx).await.map_err(|_| {
                        PoolError::AcquireTimeout {
                            authority: origin.host.to_str().unwrap_or("?").to_string(),
                            timeout,
                            limit: self.inner.config.limit.get(),
                        }
                    })?,
                };
                let grant = granted.map_err(|_| PoolError::Closed)?;
                origin.pool.record(|s| s.waited(start.elapsed()));
                grant
            }
        };
        let acquired = Instant::now();
        let mut conn = match grant {
            Grant::Conn(conn) => conn,
            Grant::Slot(slot) => self.dial(origin, slot).await?,
        };
        conn.acquired = acquired;
        Ok(conn)
    }

    /// Opens a connection in `slot`. The dial runs as its own task, so a
    /// request cancelled mid-connect wastes nothing and loses nothing: the
    /// new connection goes to the pool (or the next waiter) instead. On
    /// failure the slot is dropped, which hands it to the next waiter.
    async fn dial(&self, origin: &Origin<B>, slot: Slot<B>) -> Result<Conn<B>, PoolError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let connector = self.inner.connector.clone();
        let origin = origin.clone();
        tokio::spawn(async move {
            let dialled = dial(&connector, &origin, slot).await;
            if let Err(Ok(conn)) = tx.send(dialled) {
                // The requester is gone; someone else gets the connection.
                drop(origin.pool.checkin(conn));
            }
        });
        rx.await.map_err(|_| PoolError::Closed)?
    }

    async fn exchange(
        &self,
        origin: &Origin<B>,
        mut conn: Conn<B>,
        req: Request<B>,
    ) -> Result<Response<PoolBody<B>>, Failed<B>> {
        if let Err(e) = conn.sender.ready().await {
            let reason = conn.closed_reason();
            origin.pool.record(|s| s.discard(reason));
            return Err(Failed {
                error: PoolError::Http(e),
                unsent: Some(req),
            });
        }
        let closes = wants_close(req.headers());
        match conn.sender.try_send_request(req).await {
            Ok(response) => {
                let discard = self.verdict(&conn, closes || wants_close(response.headers()));
                let pool = Arc::clone(&origin.pool);
                Ok(response.map(|body| PoolBody::new(body, conn, pool, discard)))
            }
            Err(mut e) => {
                let unsent = e.take_message();
                origin.pool.record(|s| s.discard(Discard::Error));
                Err(Failed {
                    error: PoolError::Http(e.into_error()),
                    unsent,
                })
            }
        }
    }

    /// Why this connection must not be reused after the response, if so.
    fn verdict(&self, conn: &Conn<B>, connection_close: bool) -> Option<Discard> {
        let max = self.inner.config.max_requests_per_connection;
        if connection_close || !self.inner.config.keep_alive {
            Some(Discard::ConnectionClose)
        } else if max > 0 && conn.served + 1 >= max {
            Some(Discard::MaxRequests)
        } else {
            None
        }
    }
}

/// Connects, shakes hands, and spawns the connection's I/O task, which
/// holds `slot` until the socket is closed.
async fn dial<B>(
    connector: &CountingConnector,
    origin: &Origin<B>,
    slot: Slot<B>,
) -> Result<Conn<B>, PoolError>
where
    B: http_body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (io, times) = connector
        .connect_timed(&origin.address)
        .await
        .map_err(PoolError::Connect)?;
    let (sender, connection) = http1::handshake(io).await.map_err(PoolError::Http)?;
    let watch = Arc::new(watch::ConnWatch::default());
    let driving = Arc::clone(&watch);
    tokio::spawn(async move {
        // Ends when the server closes or the sender is dropped; only then,
        // with the socket closed, is the slot free.
        driving.drive(connection).await;
        drop(slot);
    });
    origin.pool.record(|s| s.handshakes += 1);
    let now = origin.pool.clock.now();
    Ok(Conn {
        sender,
        created: now,
        served: 0,
        idle_since: now,
        acquired: Instant::now(),
        dialled: Some(times),
        watch,
    })
}

fn is_idempotent(method: &http::Method) -> bool {
    use http::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]
    .contains(method)
}

fn copy_request<B: Clone>(req: &Request<B>) -> Request<B> {
    let mut copy = Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    copy
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

fn wants_close(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(CONNECTION)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

impl<B> Inner<B> {
    /// Closes expired idle connections; returns when to look again.
    fn reap(&self) -> Duration {
        let mut stale = Vec::new();
        for origin in read(&self.origins).values() {
            origin.pool.reap(&self.freshness, &mut stale);
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
        for origin in read(&self.origins).values() {
            // Dropped here, outside the authority's lock: idle connections
            // close, waiters see the pool is gone.
            let (idle, waiters) = origin.pool.close();
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

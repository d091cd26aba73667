//! A request's way through the pool: a connection (idle, or dialled in a
//! free slot, or waited for in FIFO order), the exchange, the verdict on
//! whether the connection may be reused, and one retry on a fresh
//! connection when a reused one failed before answering.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{CONNECTION, HOST, HeaderValue};
use http::uri::PathAndQuery;
use http::{Request, Response, Uri};
use hyper::client::conn::http1;

use super::authority::{Checkout, Grant, Slot};
use super::conn::Conn;
use super::{Discard, Origin, Pool, PoolBody, PoolError, watch};
use crate::connect::{ConnectTimes, CountingConnector};

/// When a pooled request got its connection, and when that connection was
/// dialled if it was new: a response carries it among its extensions.
#[derive(Debug, Clone, Copy)]
pub struct PoolTiming {
    /// When the request got its connection (or a slot to dial one).
    pub acquired: Instant,
    /// The connection's connect and TLS times, if it was dialled for it.
    pub dialled: Option<ConnectTimes>,
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
    /// Sends `req` (absolute URI) on a pooled connection. The connection is
    /// held by the returned body until it is read to the end. The response
    /// carries its [`PoolTiming`] among its extensions.
    pub async fn send(&self, mut req: Request<B>) -> Result<Response<PoolBody<B>>, PoolError> {
        let origin = self.origin(req.uri())?;
        let mut retried = false;
        let mut dialled = None;
        loop {
            let mut conn = self.acquire(&origin, retried).await?;
            let acquired = conn.acquired;
            dialled = conn.dialled.take().or(dialled);
            let reused = conn.served > 0;
            // A copy to resend if the request is written but no response
            // comes back; only idempotent requests may be sent twice.
            // Copied before `prepare` adds the Host header: a request with
            // no headers of its own is copied without allocating.
            let copy =
                (reused && !retried && is_idempotent(req.method())).then(|| copy_request(&req));
            self.prepare(&mut req, &origin);
            let (next, sent_twice) = match self.exchange(&origin, conn, req).await {
                Ok(mut response) => {
                    let timing = PoolTiming { acquired, dialled };
                    response.extensions_mut().insert(timing);
                    return Ok(response);
                }
                Err(failed) if !reused || retried => return Err(failed.error),
                // Never written: the connection was found closed (and
                // counted discarded) as the request went to it. It goes on
                // another one, which is no retry: nothing was sent twice.
                Err(Failed {
                    unsent: Some(unsent),
                    ..
                }) => (unsent, false),
                Err(failed) => match copy {
                    Some(copy) => (copy, true),
                    None => return Err(failed.error),
                },
            };
            req = next;
            if sent_twice {
                origin.pool.record(|s| s.retries += 1);
            }
            retried = true;
        }
    }

    /// Origin-form URI on the wire (absolute form through a proxy), `Host`
    /// and `Connection` headers.
    fn prepare(&self, req: &mut Request<B>, origin: &Origin<B>) {
        let absolute = self.inner.connector.absolute_form(req.uri());
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        if !absolute {
            *req.uri_mut() = Uri::from(path);
        }
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
        let checkout =
            origin
                .pool
                .checkout(origin.key, fresh_only, &self.inner.freshness, &mut stale);
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
    async fn dial(&self, origin: &Origin<B>, slot: Slot<Conn<B>>) -> Result<Conn<B>, PoolError> {
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
                // Handed back unwritten: the connection had closed as the
                // request went to it (the server's close, as for `ready`
                // above); written and then failed: an error on it.
                let unsent = e.take_message();
                let reason = match unsent {
                    Some(_) => conn.closed_reason(),
                    None => Discard::Error,
                };
                origin.pool.record(|s| s.discard(reason));
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

/// The longest a connection's close may take (waiting for the server to
/// close its side) before its slot is freed anyway.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Connects, shakes hands, and spawns the connection's I/O task, which
/// holds `slot` until the socket is closed.
async fn dial<B>(
    connector: &CountingConnector,
    origin: &Origin<B>,
    slot: Slot<Conn<B>>,
) -> Result<Conn<B>, PoolError>
where
    B: http_body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let io = connector
        .connect(&origin.address)
        .await
        .map_err(PoolError::Connect)?;
    let times = io.times();
    let (sender, connection) = http1::handshake(io).await.map_err(PoolError::Http)?;
    let watch = Arc::new(watch::ConnWatch::default());
    let driving = Arc::clone(&watch);
    tokio::spawn(async move {
        // Ends when the server closes or the sender is dropped; only then,
        // with the socket closed, is the slot free. A connection let go of
        // (idle: evicted, expired, shut down; or with its body dropped
        // unread) first waits for the server to close its side, reading
        // what is left of the body, so the limit holds as the server counts
        // too: a slot given back at our close would let the next dial
        // overlap a connection the server still serves.
        let connection = Box::pin(connection.without_shutdown());
        if let Some(parts) = Arc::clone(&driving).drive(connection).await {
            parts.io.close(CLOSE_WAIT).await;
        }
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
        key: origin.key,
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

fn wants_close(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(CONNECTION)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
}

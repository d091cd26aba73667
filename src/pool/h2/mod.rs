//! The pool over HTTP/2: one connection carries many streams, so the
//! question is when to open another. Per authority, a request takes a
//! stream on the first open connection with room for one — room as the
//! peer's `SETTINGS_MAX_CONCURRENT_STREAMS` says — and the pool dials a new
//! connection (within `limit`) only when every open one is full. When
//! streams and connections are both exhausted, requests wait in FIFO order
//! and each freed stream wakes the first. A connection that received
//! GOAWAY takes no new stream (its streams in flight finish); a request it
//! turned away unprocessed, or a stream the server refused
//! (`REFUSED_STREAM`), is sent once more on another connection.
//!
//! Built on the `h2` crate rather than hyper's HTTP/2 client, which hides
//! the peer's stream limit and GOAWAY: the pool needs both to decide.

mod body;
mod lease;

pub use body::H2Body;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use bytes::Bytes;
use h2::client::SendRequest;
use http::{Request, Response, Uri};
use tokio::sync::oneshot;

use body::{Failed, exchange, unprocessed};
use lease::{DialSlot, Grant, Lease, Next};

use super::{AuthorityStats, PoolError, PoolStats, PoolTiming};
use crate::connect::{ConnectTimes, CountingConnector};

/// Flow-control windows, as hyper's client sets them: 2 MiB a stream,
/// 5 MiB a connection.
const STREAM_WINDOW: u32 = 2 * 1024 * 1024;
const CONN_WINDOW: u32 = 5 * 1024 * 1024;

/// A shareable handle to one HTTP/2 pool.
#[derive(Clone)]
pub struct H2Pool {
    inner: Arc<Inner>,
}

struct Inner {
    /// Itself, for the leases it hands out.
    me: Weak<Inner>,
    connector: CountingConnector,
    /// Connections per authority.
    limit: usize,
    authorities: Mutex<HashMap<String, AuthorityConns>>,
}

#[derive(Default)]
struct AuthorityConns {
    conns: Vec<Conn>,
    /// Connections being dialled now.
    dialling: usize,
    /// Requests waiting for a stream, first come first served: each is
    /// handed one (or a slot to dial in) as it frees up.
    waiters: VecDeque<oneshot::Sender<Grant>>,
    next_id: u64,
    stats: AuthorityStats,
    /// Most streams in flight on one connection since the last reset.
    peak_streams: u64,
}

struct Conn {
    id: u64,
    send: SendRequest<Bytes>,
    /// Streams in flight.
    active: usize,
    /// Whether the peer's SETTINGS are known: until then the connection
    /// carries its first stream alone, so no stream goes beyond a limit the
    /// server has set but the client has not read yet (it would be
    /// refused).
    settled: bool,
    /// Received GOAWAY: takes no new stream.
    draining: bool,
    closed: Arc<AtomicBool>,
}

impl AuthorityConns {
    /// A stream on the first open connection with room for one, counted
    /// (a reuse, and the connection's streams toward the peak).
    fn take_stream(&mut self) -> Option<(u64, SendRequest<Bytes>)> {
        let c = self.conns.iter_mut().find(|c| c.has_room())?;
        c.active += 1;
        self.stats.reuses += 1;
        self.peak_streams = self.peak_streams.max(c.active as u64);
        Some((c.id, c.send.clone()))
    }

    /// Whether a new connection may be dialled: a slot is free, and every
    /// connection is known to be full — none is being dialled, and each
    /// has told its stream limit (until then it may have room).
    fn may_dial(&self, limit: usize) -> bool {
        let unknown = self.dialling > 0
            || self
                .conns
                .iter()
                .any(|c| !c.settled && !c.draining && !c.closed.load(Relaxed));
        !unknown && self.conns.len() + self.dialling < limit
    }
}

impl Conn {
    fn has_room(&self) -> bool {
        let max = match self.settled {
            true => self.send.current_max_send_streams(),
            false => 1,
        };
        !self.draining && !self.closed.load(Relaxed) && self.active < max
    }
}

impl H2Pool {
    pub fn new(limit: usize, connector: CountingConnector) -> H2Pool {
        H2Pool {
            inner: Arc::new_cyclic(|me| Inner {
                me: me.clone(),
                connector,
                limit: limit.max(1),
                authorities: Mutex::default(),
            }),
        }
    }

    /// Counters, summed over authorities.
    pub fn stats(&self) -> PoolStats {
        let mut stats = PoolStats {
            peak_streams: Some(0),
            ..PoolStats::default()
        };
        for a in self.inner.lock().values() {
            stats.totals.merge(&a.stats);
            stats.slots_used += a.conns.len() + a.dialling;
            stats.peak_streams = stats.peak_streams.max(Some(a.peak_streams));
        }
        stats
    }

    /// Starts a new window for the peak of streams on one connection.
    pub fn reset_peak(&self) {
        for a in self.inner.lock().values_mut() {
            a.peak_streams = a.conns.iter().map(|c| c.active as u64).max().unwrap_or(0);
        }
    }

    /// Sends `req` on a stream of a pooled connection; the response's body
    /// holds the stream until it is read to the end or dropped.
    pub async fn send(&self, req: Request<Bytes>) -> Result<Response<H2Body>, PoolError> {
        let uri = req.uri().clone();
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(PoolError::BadUri(uri.to_string()));
        };
        let key: Arc<str> = Arc::from(format!("{scheme}://{authority}/"));
        let (parts, body) = req.into_parts();
        let mut retried = false;
        loop {
            let lease = self.acquire(&key).await?;
            let req = Request::from_parts(parts.clone(), ());
            match exchange(&lease, req, body.clone()).await {
                Ok(response) => {
                    let timing = PoolTiming {
                        acquired: lease.acquired,
                        dialled: lease.dialled,
                    };
                    let (mut head, recv) = response.into_parts();
                    head.extensions.insert(timing);
                    let body = H2Body {
                        recv,
                        _lease: lease,
                    };
                    return Ok(Response::from_parts(head, body));
                }
                // Turned away unprocessed: GOAWAY, or REFUSED_STREAM; or
                // never sent, on a connection that had failed (the server
                // broke its framing) before its task had ended it here.
                Err(Failed::Sent(e) | Failed::NotSent(e)) if !retried && unprocessed(&e) => {
                    self.inner.drain(&key, lease.conn, e.is_go_away());
                    retried = true;
                }
                Err(Failed::NotSent(_)) if !retried => {
                    self.inner.drain(&key, lease.conn, true);
                    retried = true;
                }
                Err(Failed::Sent(e) | Failed::NotSent(e)) => {
                    // A connection that failed takes no new stream.
                    if e.is_go_away() || e.is_io() {
                        self.inner.broken(&key, lease.conn);
                    }
                    return Err(PoolError::H2(e));
                }
            }
        }
    }

    /// A stream on a connection with room, a new connection in a free
    /// slot, or — behind everyone already waiting — the first stream or
    /// slot that frees up.
    async fn acquire(&self, key: &Arc<str>) -> Result<Lease, PoolError> {
        let start = Instant::now();
        let rx = match self.try_acquire(key) {
            Next::Ready(lease) => return Ok(lease),
            Next::Dial => return self.dial(key, self.inner.slot(key)).await,
            Next::Wait(rx) => rx,
        };
        let grant = rx.await.map_err(|_| PoolError::Closed)?;
        self.inner.record(key, |s| s.waited(start.elapsed()));
        match grant {
            Grant::Stream(lease) => Ok(lease),
            Grant::Dial(slot) => self.dial(key, slot).await,
        }
    }

    /// A stream at once, a slot to dial in, or a place in the queue.
    fn try_acquire(&self, key: &Arc<str>) -> Next {
        let mut map = self.inner.lock();
        let a = map.entry(key.to_string()).or_default();
        a.conns
            .retain(|c| !(c.closed.load(Relaxed) && c.active == 0));
        if a.waiters.is_empty() {
            if let Some((id, send)) = a.take_stream() {
                return Next::Ready(self.inner.lease(key, id, send, None));
            }
            if a.may_dial(self.inner.limit) {
                a.dialling += 1;
                return Next::Dial;
            }
        }
        let (tx, rx) = oneshot::channel();
        a.waiters.push_back(tx);
        a.stats.waits += 1;
        a.stats.peak_waiters = a.stats.peak_waiters.max(a.waiters.len() as u64);
        Next::Wait(rx)
    }

    /// Dials a connection in `slot`; its first stream is ours, and those
    /// waiting get the rest.
    async fn dial(&self, key: &Arc<str>, mut slot: DialSlot) -> Result<Lease, PoolError> {
        let dialled = self.handshake(key).await;
        slot.armed = false;
        let mut map = self.inner.lock();
        let a = map.entry(key.to_string()).or_default();
        a.dialling -= 1;
        let result = match dialled {
            Ok((send, closed, times, ping)) => {
                a.next_id += 1;
                let id = a.next_id;
                a.stats.handshakes += 1;
                a.peak_streams = a.peak_streams.max(1);
                a.conns.push(Conn {
                    id,
                    send: send.clone(),
                    active: 1,
                    settled: false,
                    draining: false,
                    closed,
                });
                self.settle(key, id, ping);
                Ok(self.inner.lease(key, id, send, Some(times)))
            }
            Err(e) => Err(e),
        };
        self.inner.hand_over(key, a);
        result
    }

    async fn handshake(&self, key: &Arc<str>) -> Result<Handshaken, PoolError> {
        let address: Uri = key
            .parse()
            .map_err(|_| PoolError::BadUri(key.to_string()))?;
        let io = self
            .inner
            .connector
            .connect(&address)
            .await
            .map_err(PoolError::Connect)?;
        let times = io.times();
        let io = hyper_util::rt::TokioIo::new(io);
        // The windows hyper's HTTP/2 client opens with (h2's own 64 KiB
        // would throttle a busy connection on any link with a round trip).
        let (send, mut connection) = h2::client::Builder::new()
            .initial_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONN_WINDOW)
            .max_frame_size(16 * 1024)
            .max_send_buffer_size(1024 * 1024)
            .handshake(io)
            .await
            .map_err(PoolError::H2)?;
        let ping = connection.ping_pong();
        let closed = Arc::new(AtomicBool::new(false));
        let (pool, key, done) = (
            Arc::downgrade(&self.inner),
            Arc::clone(key),
            Arc::clone(&closed),
        );
        tokio::spawn(async move {
            let _ = connection.await;
            done.store(true, Relaxed);
            if let Some(inner) = pool.upgrade() {
                inner.release(&key, None);
            }
        });
        Ok((send, closed, times, ping))
    }

    /// Once the peer answers a PING — after its SETTINGS, which it sends
    /// first — the connection takes as many streams as they allow.
    fn settle(&self, key: &Arc<str>, id: u64, ping: Option<h2::PingPong>) {
        let (pool, key) = (Arc::downgrade(&self.inner), Arc::clone(key));
        tokio::spawn(async move {
            if let Some(mut ping) = ping {
                let _ = ping.ping(h2::Ping::opaque()).await;
            }
            if let Some(inner) = pool.upgrade() {
                let mut map = inner.lock();
                if let Some(a) = map.get_mut(&*key) {
                    if let Some(c) = a.conns.iter_mut().find(|c| c.id == id) {
                        c.settled = true;
                    }
                    inner.hand_over(&key, a);
                }
            }
        });
    }
}

/// A new connection: its sender, its closed flag, its connect times, and
/// its PING handle.
type Handshaken = (
    SendRequest<Bytes>,
    Arc<AtomicBool>,
    ConnectTimes,
    Option<h2::PingPong>,
);

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, AuthorityConns>> {
        self.authorities.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, key: &str, f: impl FnOnce(&mut AuthorityStats)) {
        if let Some(a) = self.lock().get_mut(key) {
            f(&mut a.stats);
        }
    }

    fn lease(
        &self,
        key: &Arc<str>,
        conn: u64,
        send: SendRequest<Bytes>,
        dialled: Option<ConnectTimes>,
    ) -> Lease {
        Lease {
            pool: self.me.clone(),
            key: Arc::clone(key),
            conn,
            send,
            acquired: Instant::now(),
            dialled,
            armed: true,
        }
    }

    fn slot(&self, key: &Arc<str>) -> DialSlot {
        DialSlot {
            pool: self.me.clone(),
            key: Arc::clone(key),
            armed: true,
        }
    }

    /// A stream ended (`conn`), or a connection closed (`None`): what
    /// freed up goes to those waiting.
    fn release(&self, key: &str, conn: Option<u64>) {
        let mut map = self.lock();
        let Some(a) = map.get_mut(key) else { return };
        if let Some(c) = conn.and_then(|id| a.conns.iter_mut().find(|c| c.id == id)) {
            c.active = c.active.saturating_sub(1);
        }
        a.conns
            .retain(|c| !(c.closed.load(Relaxed) && c.active == 0));
        self.hand_over(&Arc::from(key), a);
    }

    /// Hands each waiter, in order, a stream on a connection with room or a
    /// slot to dial in, while there is one.
    fn hand_over(&self, key: &Arc<str>, a: &mut AuthorityConns) {
        while !a.waiters.is_empty() {
            let grant = if let Some((id, send)) = a.take_stream() {
                Grant::Stream(self.lease(key, id, send, None))
            } else if a.may_dial(self.limit) {
                a.dialling += 1;
                Grant::Dial(self.slot(key))
            } else {
                return;
            };
            let Some(waiter) = a.waiters.pop_front() else {
                return;
            };
            // A waiter that gave up: take back what it was handed.
            if let Err(grant) = waiter.send(grant) {
                match grant {
                    Grant::Stream(mut lease) => {
                        lease.armed = false;
                        if let Some(c) = a.conns.iter_mut().find(|c| c.id == lease.conn) {
                            c.active -= 1;
                        }
                        a.stats.reuses -= 1;
                    }
                    Grant::Dial(mut slot) => {
                        slot.armed = false;
                        a.dialling -= 1;
                    }
                }
            }
        }
    }

    /// `conn` failed: it takes no new stream.
    fn broken(&self, key: &str, conn: u64) {
        if let Some(a) = self.lock().get_mut(key)
            && let Some(c) = a.conns.iter_mut().find(|c| c.id == conn)
        {
            c.draining = true;
        }
    }

    /// `conn` turned a request away unprocessed: after GOAWAY it takes no
    /// new stream; the request goes again.
    fn drain(&self, key: &str, conn: u64, goaway: bool) {
        if let Some(a) = self.lock().get_mut(key) {
            a.stats.retries += 1;
            if goaway && let Some(c) = a.conns.iter_mut().find(|c| c.id == conn) {
                c.draining = true;
            }
        }
    }
}

//! One served connection's HTTP/2 side: its streams in flight (each held
//! from the request's arrival until hyper drops its response body, i.e.
//! until the stream's last frame is sent), the most it had at once, and
//! when to send GOAWAY — after `max_requests_per_connection` streams, or
//! when it has been idle for the keep-alive timeout (HTTP/1.1 has
//! `Connection: close` and hyper's header timeout for the same).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::Notify;

use super::ServerCounters;

/// A connection's streams, shared by its service and its serving task.
#[derive(Default)]
pub struct Streams {
    /// In flight now.
    active: AtomicU64,
    /// Whether any request came since the idle check last looked.
    busy: AtomicBool,
    /// Whether the connection speaks HTTP/2 (its first request says).
    h2: AtomicBool,
    /// Raised to make the serving task send GOAWAY.
    pub goaway: Notify,
}

impl Streams {
    /// A request arrived on the connection: an HTTP/2 stream opens (and is
    /// counted until the returned guard drops).
    pub fn open(self: &Arc<Self>, counters: &Arc<ServerCounters>) -> StreamGuard {
        self.h2.store(true, Relaxed);
        self.busy.store(true, Relaxed);
        let now = self.active.fetch_add(1, Relaxed) + 1;
        counters.streams_at_once(now);
        StreamGuard(Arc::clone(self))
    }

    /// Whether the connection speaks HTTP/2 and was idle since the last
    /// look (no stream in flight, none arrived).
    pub fn idle_h2(&self) -> bool {
        let busy = self.busy.swap(false, Relaxed);
        self.h2.load(Relaxed) && !busy && self.active.load(Relaxed) == 0
    }
}

/// A stream in flight; dropping it closes the stream in the count.
pub struct StreamGuard(Arc<Streams>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Relaxed);
    }
}

/// A response body that holds its stream open until hyper drops it.
pub struct Held<B> {
    inner: B,
    _stream: StreamGuard,
}

impl<B> Held<B> {
    pub fn new(inner: B, stream: StreamGuard) -> Held<B> {
        Held {
            inner,
            _stream: stream,
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Held<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

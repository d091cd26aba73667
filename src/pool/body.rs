//! The response body of a pooled request. It owns the connection until the
//! body has been read to the end; only then does the connection go back to
//! the pool. Dropped earlier, it takes the connection with it (closed, not
//! reused), because unread bytes would corrupt the next response.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::authority::{AuthorityPool, Conn};
use super::stats::Discard;

pub struct PoolBody<B> {
    inner: Incoming,
    /// The connection, until it is given back or discarded.
    lease: Option<Lease<B>>,
}

struct Lease<B> {
    conn: Conn<B>,
    authority: Arc<AuthorityPool<B>>,
    /// Why the connection may not be reused even when read to the end.
    discard: Option<Discard>,
}

impl<B> PoolBody<B> {
    pub(super) fn new(
        inner: Incoming,
        conn: Conn<B>,
        authority: Arc<AuthorityPool<B>>,
        discard: Option<Discard>,
    ) -> PoolBody<B> {
        let mut body = PoolBody {
            inner,
            lease: Some(Lease {
                conn,
                authority,
                discard,
            }),
        };
        // A response without a body (204, HEAD, Content-Length: 0) is
        // complete already.
        if body.inner.is_end_stream() {
            body.finish();
        }
        body
    }

    /// The body was read to the end: the connection goes back (or away).
    fn finish(&mut self) {
        if let Some(mut lease) = self.lease.take() {
            lease.conn.served += 1;
            match lease.discard {
                None => {
                    if let Some(closed) = lease.authority.checkin(lease.conn) {
                        drop(closed);
                    }
                }
                Some(reason) => lease.authority.record(|s| s.discard(reason)),
            }
        }
    }
}

impl<B> std::fmt::Debug for PoolBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolBody")
            .field("holds_connection", &self.lease.is_some())
            .finish()
    }
}

impl<B> Drop for PoolBody<B> {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.authority.record(|s| s.discard(Discard::UnreadBody));
        }
    }
}

impl<B: Unpin> Body for PoolBody<B> {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        match &frame {
            None => self.finish(),
            Some(Ok(_)) if self.inner.is_end_stream() => self.finish(),
            Some(Ok(_)) => {}
            Some(Err(_)) => {
                if let Some(lease) = self.lease.take() {
                    lease.authority.record(|s| s.discard(Discard::Error));
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

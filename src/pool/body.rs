//! The response body of a pooled request. It owns the connection until the
//! body has been read to the end; only then does the connection go back to
//! the pool. Dropped earlier, it takes the connection with it (closed, not
//! reused), because unread bytes would corrupt the next response.
//!
//! At the end of the body it asks the connection's [`ConnWatch`] for a
//! verdict before it says "done": if the server sent bytes beyond the
//! response's end, hyper fails the connection right after handing over the
//! last body bytes, and this response is reported as a [`BodyError::Protocol`]
//! instead of a success.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::authority::AuthorityPool;
use super::conn::Conn;
use super::error::BodyError;
use super::stats::Discard;
use super::watch::ConnEnd;

pub struct PoolBody<B> {
    inner: Incoming,
    /// The connection, until it is given back or discarded.
    lease: Option<Lease<B>>,
    /// Every byte is in: the connection's verdict decides how this ends.
    received: bool,
}

struct Lease<B> {
    conn: Conn<B>,
    authority: Arc<AuthorityPool<Conn<B>>>,
    /// Why the connection may not be reused even when read to the end.
    discard: Option<Discard>,
}

impl<B> PoolBody<B> {
    pub(super) fn new(
        inner: Incoming,
        conn: Conn<B>,
        authority: Arc<AuthorityPool<Conn<B>>>,
        discard: Option<Discard>,
    ) -> PoolBody<B> {
        // A response without a body (204, HEAD, Content-Length: 0) is
        // complete already.
        let received = inner.is_end_stream();
        PoolBody {
            inner,
            lease: Some(Lease {
                conn,
                authority,
                discard,
            }),
            received,
        }
    }

    /// The body was read to the end and the response was intact: the
    /// connection goes back (or away).
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

    /// Drops the connection, counting why.
    fn discard(&mut self, reason: Discard) {
        if let Some(lease) = self.lease.take() {
            lease.authority.record(|s| s.discard(reason));
        }
    }

    /// Once the connection task is between polls: a protocol error if it
    /// failed on bytes beyond this response, else the end of the body.
    fn verdict(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let Some(lease) = &self.lease else {
            return Poll::Ready(None);
        };
        match lease.conn.watch.settled_end() {
            None => {
                // The connection task is mid-poll on another thread; it
                // is a few microseconds from done.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(ConnEnd::Protocol) => {
                self.discard(Discard::Protocol);
                Poll::Ready(Some(Err(BodyError::Protocol)))
            }
            Some(_) => {
                self.finish();
                Poll::Ready(None)
            }
        }
    }
}

impl<B> std::fmt::Debug for PoolBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolBody")
            .field("holds_connection", &self.lease.is_some())
            .field("received", &self.received)
            .finish()
    }
}

impl<B> Drop for PoolBody<B> {
    fn drop(&mut self) {
        let Some(lease) = &self.lease else {
            return;
        };
        // Everything arrived but nobody asked for the end: judge now.
        let intact = self.received
            && lease
                .conn
                .watch
                .settled_end()
                .is_some_and(|end| end != ConnEnd::Protocol);
        if intact {
            self.finish();
        } else {
            self.discard(Discard::UnreadBody);
        }
    }
}

impl<B: Unpin> Body for PoolBody<B> {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if self.received {
            return self.verdict(cx);
        }
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        match frame {
            None => {
                self.received = true;
                self.verdict(cx)
            }
            Some(Ok(frame)) => {
                // The last bytes go out now; the verdict comes with the
                // next poll, which returns the end.
                self.received = self.inner.is_end_stream();
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(e)) => {
                self.discard(Discard::Error);
                Poll::Ready(Some(Err(BodyError::Http(e))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.lease.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! Misbehaviour of a broken legacy server: bytes beyond a response's
//! Content-Length. hyper never sends more body than the length it
//! announced, so the stray bytes go in beneath it: the response body is
//! wrapped in [`MarkEnd`], which notes when hyper has taken its last frame,
//! and the connection's I/O in [`Overrun`], which appends the stray bytes
//! to hyper's next write — the one that carries the response's last bytes —
//! so they leave in the same system call, as a broken server's would.
//!
//! Served on every response of a connection but its first, this breaks
//! exactly the reused connections: a client that keeps connections alive
//! sees a corrupted stream, one that sends `Connection: close` never does.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::rt::{Read, ReadBufCursor, Write};

/// The byte the stray bytes are made of.
const STRAY: u8 = b'!';

/// Stray bytes due after the current response, shared by its body and the
/// connection's I/O.
#[derive(Debug, Default)]
pub struct Due(AtomicUsize);

/// The connection's I/O, writing due stray bytes at the next flush.
pub struct Overrun<I> {
    io: I,
    due: Arc<Due>,
    /// Stray bytes taken from `due` and not yet written.
    writing: usize,
}

impl<I> Overrun<I> {
    pub fn new(io: I, due: Arc<Due>) -> Overrun<I> {
        Overrun {
            io,
            due,
            writing: 0,
        }
    }
}

impl<I: Read + Unpin> Read for Overrun<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: Write + Unpin> Overrun<I> {
    /// Writes `bufs` followed by the stray bytes due, in one call; returns
    /// how many of `bufs`' bytes were written.
    fn write_with_stray(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writing += self.due.0.swap(0, Ordering::AcqRel);
        if self.writing == 0 {
            return Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        }
        let stray = vec![STRAY; self.writing];
        let mut all: Vec<io::IoSlice<'_>> = bufs.to_vec();
        all.push(io::IoSlice::new(&stray));
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let n = ready!(Pin::new(&mut self.io).poll_write_vectored(cx, &all))?;
        self.writing -= n.saturating_sub(total);
        Poll::Ready(Ok(n.min(total)))
    }
}

impl<I: Write + Unpin> Write for Overrun<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_with_stray(cx, &[io::IoSlice::new(buf)])
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_with_stray(cx, bufs)
    }

    /// Stray bytes still due (a body hyper never polled) go now.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.writing += this.due.0.swap(0, Ordering::AcqRel);
        while this.writing > 0 {
            let before = this.writing;
            ready!(this.write_with_stray(cx, &[]))?;
            if this.writing == before {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A response body that, once hyper has taken its last frame, makes
/// `stray` bytes due on the connection.
pub struct MarkEnd<B> {
    inner: B,
    due: Arc<Due>,
    stray: usize,
}

impl<B> MarkEnd<B> {
    pub fn new(inner: B, due: Arc<Due>, stray: usize) -> MarkEnd<B> {
        MarkEnd { inner, due, stray }
    }

    fn mark(&mut self) {
        let stray = std::mem::take(&mut self.stray);
        self.due.0.fetch_add(stray, Ordering::AcqRel);
    }
}

impl<B> Body for MarkEnd<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() || self.inner.is_end_stream() {
            self.mark();
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

impl<B> Drop for MarkEnd<B> {
    /// A body hyper never polls (it knew the length was 0) is over too.
    fn drop(&mut self) {
        self.mark();
    }
}

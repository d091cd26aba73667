//! A served connection counted open until it starts to close: the server's
//! count of open connections drops at its first close action (hyper's
//! shutdown, which sends its FIN), or when the socket is dropped unclosed.
//! So a client that has seen the server's FIN knows the server no longer
//! counts the connection open — the order a pool relies on when it frees
//! a slot only after the server has closed.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBufCursor, Write};

use super::counters::Open;

/// A connection's I/O holding its place in the server's open count.
pub struct CountedIo<I> {
    // Declared first, so dropped first: a socket dropped unclosed stops
    // being counted before its close sends the FIN (fields drop in order).
    open: Option<Open>,
    io: I,
}

impl<I> CountedIo<I> {
    pub fn new(io: I, open: Open) -> CountedIo<I> {
        CountedIo {
            io,
            open: Some(open),
        }
    }
}

impl<I: Read + Unpin> Read for CountedIo<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: Write + Unpin> Write for CountedIo<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Closed from here on, before the FIN can reach the client.
        self.open = None;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

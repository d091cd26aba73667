//! A connection the counting connector made: counted open until dropped,
//! carrying when its connect and TLS handshake finished, counting how it
//! ended at this side's first close action. An enum over the transports,
//! not a trait object: it sits on the request path.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;

use super::ConnectTimes;
use super::framing::{Framing, Overruns};
use crate::metrics::OpenGuard;
use crate::metrics::sockets::CloseKind;

/// A connection that is counted open until dropped. An enum, not a trait
/// object: it sits on the request path.
#[derive(Debug)]
pub struct CountedStream {
    io: Io,
    open: OpenGuard,
    /// Open in its authority's gauge too, when the connector counts by
    /// authority.
    pub(super) authority: Option<OpenGuard>,
    /// When its connect and TLS handshake finished.
    times: ConnectTimes,
    /// Whether its end was counted (at this side's first close action).
    ended: bool,
    /// Plain HTTP through a forward proxy: requests go in absolute form.
    pub(super) proxied: bool,
    /// Its HTTP/1.1 framing, followed (see `framing.rs`), when asked.
    framing: Option<Box<Framing>>,
}

#[derive(Debug)]
pub(super) enum Io {
    Tcp(TokioIo<TcpStream>),
    Tls(Box<TokioIo<TlsStream<TcpStream>>>),
    Unix(TokioIo<UnixStream>),
    UnixTls(Box<TokioIo<TlsStream<UnixStream>>>),
}

/// hyper-util's `Client` copies a connection's extra into every response
/// it carries: the connect times reach the request that way.
impl Connection for CountedStream {
    fn connected(&self) -> Connected {
        let connected = Connected::new().extra(self.times).proxy(self.proxied);
        match self.negotiated_h2() {
            true => connected.negotiated_h2(),
            false => connected,
        }
    }
}

impl CountedStream {
    /// A stream connected at `tcp`, its TLS (if any) done now.
    pub(super) fn new(io: Io, open: OpenGuard, tcp: Instant) -> CountedStream {
        CountedStream {
            io,
            open,
            authority: None,
            times: ConnectTimes {
                tcp,
                tls: Instant::now(),
            },
            ended: false,
            proxied: false,
            framing: None,
        }
    }

    /// Follows its framing from now on, noting overruns in `overruns`.
    pub(super) fn watch(&mut self, overruns: std::sync::Arc<Overruns>) {
        self.framing = Some(Box::new(Framing::new(overruns)));
    }

    /// When the connection's steps finished.
    pub fn times(&self) -> ConnectTimes {
        self.times
    }

    /// Whether TLS negotiated HTTP/2 by ALPN.
    pub fn negotiated_h2(&self) -> bool {
        let alpn = match &self.io {
            Io::Tls(io) => io.inner().get_ref().1.alpn_protocol(),
            Io::UnixTls(io) => io.inner().get_ref().1.alpn_protocol(),
            Io::Tcp(_) | Io::Unix(_) => None,
        };
        alpn == Some(b"h2".as_slice())
    }

    /// Polls the socket under the connection for readiness to read
    /// (`Interest::READABLE`) or to write, as tokio's sockets do (under
    /// TLS, the socket's readiness, not the TLS layer's).
    pub fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: tokio::io::Interest,
    ) -> Poll<io::Result<()>> {
        let read = interest.is_readable();
        let tcp = |s: &TcpStream, cx: &mut Context<'_>| match read {
            true => s.poll_read_ready(cx),
            false => s.poll_write_ready(cx),
        };
        let unix = |s: &UnixStream, cx: &mut Context<'_>| match read {
            true => s.poll_read_ready(cx),
            false => s.poll_write_ready(cx),
        };
        match &self.io {
            Io::Tcp(io) => tcp(io.inner(), cx),
            Io::Tls(io) => tcp(io.inner().get_ref().0, cx),
            Io::Unix(io) => unix(io.inner(), cx),
            Io::UnixTls(io) => unix(io.inner().get_ref().0, cx),
        }
    }

    /// The TCP socket under the connection, if it is one.
    fn tcp_fd(&self) -> Option<std::os::fd::RawFd> {
        use std::os::fd::AsRawFd;
        match &self.io {
            Io::Tcp(io) => Some(io.inner().as_raw_fd()),
            Io::Tls(io) => Some(io.inner().get_ref().0.as_raw_fd()),
            Io::Unix(_) | Io::UnixTls(_) => None,
        }
    }
}

impl CountedStream {
    /// Counts how the connection ends — our FIN first, the server's, or a
    /// reset — at our first close action: a shutdown, or the close itself.
    fn closing(&mut self, dropping: bool) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(how) = self
            .tcp_fd()
            .and_then(|fd| CloseKind::of_socket(fd, dropping))
        {
            self.open.closing(how);
            if let Some(authority) = &self.authority {
                authority.closing(how);
            }
        }
    }
}

impl CountedStream {
    /// Closes this side (a FIN; over TLS a close_notify first), then waits
    /// for the peer to close its own, reading and discarding whatever comes
    /// before its FIN or reset (the rest of a body dropped unread), all
    /// within `max`. Once that returns in time, the server has closed the
    /// connection too: a pool that frees a slot only then never has more
    /// connections open than its limit as the server counts them either.
    pub async fn close(mut self, max: Duration) {
        use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
        async fn close<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) -> io::Result<()> {
            s.shutdown().await?;
            // An idle connection's peer sends nothing but its FIN: a small
            // buffer in the future. Only the rest of a body dropped unread
            // fills it, and is read on in larger ones.
            let mut small = [0u8; 64];
            match s.read(&mut small).await? {
                0 => return Ok(()),
                n if n < small.len() => {}
                _ => {
                    let mut buf = vec![0u8; 16 * 1024];
                    while s.read(&mut buf).await? > 0 {}
                    return Ok(());
                }
            }
            while s.read(&mut small).await? > 0 {}
            Ok(())
        }
        self.closing(false);
        let closed = async {
            match &mut self.io {
                Io::Tcp(io) => close(io.inner_mut()).await,
                Io::Tls(io) => close(io.inner_mut()).await,
                Io::Unix(io) => close(io.inner_mut()).await,
                Io::UnixTls(io) => close(io.inner_mut()).await,
            }
        };
        let _ = tokio::time::timeout(max, closed).await;
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.closing(true);
    }
}

macro_rules! delegate {
    ($self:ident, $io:ident => $call:expr) => {
        match &mut $self.io {
            Io::Tcp($io) => $call,
            Io::Tls($io) => {
                let $io = &mut **$io;
                $call
            }
            Io::Unix($io) => $call,
            Io::UnixTls($io) => {
                let $io = &mut **$io;
                $call
            }
        }
    };
}

impl Read for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.as_mut().get_mut();
        let Some(framing) = &mut this.framing else {
            return delegate!(self, io => Pin::new(io).poll_read(cx, buf));
        };
        use tokio::io::AsyncRead;
        // Read as hyper-util's `TokioIo` does, to see the bytes read.
        // SAFETY: tokio's `ReadBuf` over the cursor's unfilled part only
        // writes initialised bytes into it, and says how many it filled.
        let mut tbuf = tokio::io::ReadBuf::uninit(unsafe { buf.as_mut() });
        let read = match &mut this.io {
            Io::Tcp(io) => Pin::new(io.inner_mut()).poll_read(cx, &mut tbuf),
            Io::Tls(io) => Pin::new(io.inner_mut()).poll_read(cx, &mut tbuf),
            Io::Unix(io) => Pin::new(io.inner_mut()).poll_read(cx, &mut tbuf),
            Io::UnixTls(io) => Pin::new(io.inner_mut()).poll_read(cx, &mut tbuf),
        };
        std::task::ready!(read)?;
        let n = tbuf.filled().len();
        framing.read(tbuf.filled());
        // SAFETY: the `n` bytes were filled (initialised) by the read.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl Write for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(delegate!(self, io => Pin::new(io).poll_write(cx, buf)))?;
        if let Some(framing) = &mut self.framing {
            framing.wrote(&buf[..n.min(buf.len())]);
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.as_mut().get_mut().closing(false);
        delegate!(self, io => Pin::new(io).poll_shutdown(cx))
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Tcp(io) => io.is_write_vectored(),
            Io::Tls(io) => io.is_write_vectored(),
            Io::Unix(io) => io.is_write_vectored(),
            Io::UnixTls(io) => io.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n =
            std::task::ready!(delegate!(self, io => Pin::new(io).poll_write_vectored(cx, bufs)))?;
        if let Some(framing) = &mut self.framing {
            // A request's start is in its first slice.
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            framing.wrote(&first[..n.min(first.len())]);
        }
        Poll::Ready(Ok(n))
    }
}

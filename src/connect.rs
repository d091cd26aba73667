//! The counting TCP connector every mode dials through.
//!
//! Each new connection increments the client-side handshake count and an
//! open-connections gauge; the gauge goes down when the socket is dropped.
//! The same counters are shared by every client a mode builds, so a mode
//! that builds a client per request is still counted in one place.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::metrics::{ConnectionGauge, OpenGuard};

/// A TCP connection that is counted open until dropped.
#[derive(Debug)]
pub struct CountedStream {
    io: TokioIo<TcpStream>,
    _open: OpenGuard,
}

/// Dials TCP connections and counts them in a shared gauge.
#[derive(Debug, Clone)]
pub struct CountingConnector {
    gauge: Arc<ConnectionGauge>,
    /// Dial this address instead of the URI's (the link emulator), keeping
    /// the URI for `Host` and TLS names, like curl's `--connect-to`.
    via: Option<SocketAddr>,
    /// Wait this long after connecting: the emulated link's handshake
    /// round trip, so it shows as connect time.
    handshake_delay: Duration,
}

impl CountingConnector {
    pub fn new(gauge: Arc<ConnectionGauge>) -> CountingConnector {
        CountingConnector {
            gauge,
            via: None,
            handshake_delay: Duration::ZERO,
        }
    }

    /// Dials `addr` for every URI, and makes each connect take one extra
    /// `rtt`, as over the emulated link at `addr`.
    pub fn via_link(mut self, addr: SocketAddr, rtt: Duration) -> CountingConnector {
        self.via = Some(addr);
        self.handshake_delay = rtt;
        self
    }

    /// Connects to the authority of `uri` (port 80 if it names none).
    pub async fn connect(&self, uri: &Uri) -> io::Result<CountedStream> {
        let addr = match self.via {
            Some(addr) => addr,
            None => resolve(uri).await?,
        };
        let stream = TcpStream::connect(addr).await?;
        if !self.handshake_delay.is_zero() {
            // A blocking-pool thread sleeps with the kernel's precision
            // (tokio's timer rounds up to whole milliseconds) and, unlike a
            // timerfd, adds no fd to the client's count.
            let delay = self.handshake_delay;
            let _ = tokio::task::spawn_blocking(move || std::thread::sleep(delay)).await;
        }
        // Requests are small and latency-bound: never wait for Nagle.
        stream.set_nodelay(true)?;
        Ok(CountedStream {
            io: TokioIo::new(stream),
            _open: self.gauge.open(),
        })
    }
}

/// Makes the socket's close send a reset (RST) instead of a FIN: SO_LINGER
/// with a zero timeout. Used to emulate connections dying mid-transfer.
pub fn reset_on_close(fd: std::os::fd::RawFd) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` outlives the call and its size is passed with it;
    // an invalid fd makes setsockopt fail with EBADF, not misbehave.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The socket address of a URI's authority; IP literals skip DNS.
pub async fn resolve(uri: &Uri) -> io::Result<SocketAddr> {
    let host = uri
        .host()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "URI has no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((bare, port))
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address")))
}

impl tower_service::Service<Uri> for CountingConnector {
    type Response = CountedStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<CountedStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move { connector.connect(&uri).await })
    }
}

impl Connection for CountedStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for CountedStream {
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

//! The counting connector every mode dials through: TCP, or TCP + TLS for
//! `https` URIs, or a Unix domain socket (with or without TLS) when told to
//! dial a path.
//!
//! Each new connection increments the client-side handshake count and an
//! open-connections gauge; the gauge goes down when the socket is dropped.
//! TLS handshakes are counted as full or resumed. The same gauge is shared
//! by every client a mode builds, so a mode that builds a client per request
//! is still counted in one place.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Uri;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::metrics::{ConnectionGauge, OpenGuard};

mod framing;
mod stream;
pub use framing::{Framing, Overruns};
pub use stream::CountedStream;
use stream::Io;

pub use crate::metrics::timeline::ConnectTimes;

/// Dials connections and counts them in a shared gauge.
#[derive(Clone)]
pub struct CountingConnector {
    gauge: Arc<ConnectionGauge>,
    /// TLS client for `https` URIs.
    tls: Option<TlsConnector>,
    /// Dial this address instead of the URI's (the link emulator), keeping
    /// the URI for `Host` and TLS names, like curl's `--connect-to`.
    via: Option<SocketAddr>,
    /// Per authority (`host:port` of the URI): the address to dial instead
    /// and a gauge of its own, when a run has several authorities.
    routes: Arc<[Route]>,
    /// Dial this Unix domain socket instead, like curl's `--unix-socket`.
    unix: Option<Arc<std::path::Path>>,
    /// Wait this long after connecting: the emulated link's handshake
    /// round trip, so it shows as connect time.
    handshake_delay: Duration,
    /// The address dialled is a forward proxy: `https` goes through a
    /// `CONNECT` tunnel, `http` is sent in absolute form.
    proxy: bool,
    /// Sent with each `CONNECT` (the proxy URL's `user:password@`); never
    /// shown (not in `Debug`).
    proxy_authorization: Option<Arc<str>>,
    /// Watch each HTTP/1.1 connection's framing, noting overruns here.
    overruns: Option<Arc<Overruns>>,
}

impl std::fmt::Debug for CountingConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingConnector")
            .field("tls", &self.tls.is_some())
            .field("via", &self.via)
            .field("unix", &self.unix)
            .field("handshake_delay", &self.handshake_delay)
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl CountingConnector {
    pub fn new(gauge: Arc<ConnectionGauge>) -> CountingConnector {
        CountingConnector {
            gauge,
            tls: None,
            via: None,
            routes: Arc::new([]),
            unix: None,
            handshake_delay: Duration::ZERO,
            proxy: false,
            proxy_authorization: None,
            overruns: None,
        }
    }

    /// Watches the framing of every plaintext HTTP/1.1 connection it
    /// makes (see `framing.rs`), noting in `overruns` each response
    /// followed by bytes beyond its end.
    pub fn watching_framing(mut self, overruns: Arc<Overruns>) -> CountingConnector {
        self.overruns = Some(overruns);
        self
    }

    /// The gauge it counts in (for a client that dials its own
    /// connections and can only report them).
    pub fn gauge(&self) -> Arc<ConnectionGauge> {
        Arc::clone(&self.gauge)
    }

    /// Treats the address it dials as a forward proxy: a `CONNECT` tunnel
    /// for `https`, absolute-form requests for `http`.
    pub fn through_proxy(mut self, authorization: Option<String>) -> CountingConnector {
        self.proxy = true;
        self.proxy_authorization = authorization.map(Arc::from);
        self
    }

    /// Whether requests to `uri` go on the wire in absolute form (plain
    /// HTTP through a proxy).
    pub fn absolute_form(&self, uri: &Uri) -> bool {
        self.proxy && uri.scheme_str() == Some("http")
    }

    /// Routes each of several authorities: its own address to dial (the
    /// link's port in front of it) and its own gauge.
    pub fn with_routes(mut self, routes: Vec<Route>) -> CountingConnector {
        self.routes = routes.into();
        self
    }

    /// Uses `config` for `https` URIs.
    pub fn with_tls(mut self, config: Arc<rustls::ClientConfig>) -> CountingConnector {
        self.tls = Some(TlsConnector::from(config));
        self
    }

    /// Dials `addr` for every URI, and makes each connect take one extra
    /// `rtt`, as over the emulated link at `addr`.
    pub fn via_link(mut self, addr: SocketAddr, rtt: Duration) -> CountingConnector {
        self.via = Some(addr);
        self.handshake_delay = rtt;
        self
    }

    /// Dials the Unix domain socket at `path` for every URI; the URI still
    /// gives `Host` and, for `https`, the TLS name.
    pub fn via_unix(mut self, path: impl AsRef<std::path::Path>) -> CountingConnector {
        self.unix = Some(Arc::from(path.as_ref()));
        self
    }

    /// Connects to the authority of `uri`; the stream says when each step
    /// of the connection finished ([`CountedStream::times`]).
    pub async fn connect(&self, uri: &Uri) -> io::Result<CountedStream> {
        self.open(uri, uri.scheme_str() == Some("https")).await
    }

    /// Connects to the authority of `uri` without TLS, whatever its
    /// scheme: for a client that runs its own TLS over the connection
    /// (awc), so the connection is counted but its handshake is the
    /// client's.
    pub async fn connect_tcp(&self, uri: &Uri) -> io::Result<CountedStream> {
        self.open(uri, false).await
    }

    /// Connects, and runs TLS over the connection if `https`.
    async fn open(&self, uri: &Uri, https: bool) -> io::Result<CountedStream> {
        let route = uri
            .authority()
            .and_then(|a| self.routes.iter().find(|r| r.authority == a.as_str()));
        let gauge = route.map(|r| &*r.gauge);
        if let Some(path) = route.and_then(|r| r.unix.as_ref()).or(self.unix.as_ref()) {
            let (open, authority) = self.dialing(route);
            let stream = UnixStream::connect(path).await?;
            established(&open, authority.as_ref());
            let tcp = Instant::now();
            let io = if https {
                Io::UnixTls(Box::new(TokioIo::new(
                    self.tls_handshake(uri, stream, gauge).await?,
                )))
            } else {
                Io::Unix(TokioIo::new(stream))
            };
            let mut stream = CountedStream::new(io, open, tcp);
            stream.authority = authority;
            return Ok(self.watched(stream, uri, https));
        }
        let addr = match route.and_then(|r| r.via).or(self.via) {
            Some(addr) => addr,
            None => resolve(uri).await?,
        };
        let (open, authority) = self.dialing(route);
        let stream = TcpStream::connect(addr).await?;
        if !self.handshake_delay.is_zero() {
            handshake_wait(Instant::now() + self.handshake_delay).await;
        }
        established(&open, authority.as_ref());
        // Requests are small and latency-bound: never wait for Nagle.
        stream.set_nodelay(true)?;
        if let Ok(local) = stream.local_addr() {
            self.gauge.local_port(local.port());
        }
        let tcp = Instant::now();
        let io = if https {
            let mut stream = stream;
            if self.proxy {
                tunnel(&mut stream, uri, self.proxy_authorization.as_deref()).await?;
            }
            Io::Tls(Box::new(TokioIo::new(
                self.tls_handshake(uri, stream, gauge).await?,
            )))
        } else {
            Io::Tcp(TokioIo::new(stream))
        };
        let mut stream = CountedStream::new(io, open, tcp);
        stream.authority = authority;
        stream.proxied = self.absolute_form(uri);
        Ok(self.watched(stream, uri, https))
    }

    /// `stream`, its framing watched if asked and if it can be: not when
    /// the client runs TLS over it itself, nor over HTTP/2 by ALPN.
    fn watched(&self, mut stream: CountedStream, uri: &Uri, https: bool) -> CountedStream {
        let theirs = uri.scheme_str() == Some("https") && !https;
        if let Some(overruns) = &self.overruns
            && !theirs
            && !stream.negotiated_h2()
        {
            stream.watch(Arc::clone(overruns));
        }
        stream
    }
}

impl CountingConnector {
    /// The guards of a socket about to be created, in the connector's gauge
    /// and its authority's: open from now, so the client's peak holds every
    /// connection the server may already hold.
    fn dialing(&self, route: Option<&Route>) -> (OpenGuard, Option<OpenGuard>) {
        (self.gauge.dialing(), route.map(|r| r.gauge.dialing()))
    }
}

/// Counts a connect that completed: a handshake, in each gauge.
fn established(open: &OpenGuard, authority: Option<&OpenGuard>) {
    open.established();
    if let Some(a) = authority {
        a.established();
    }
}

/// Asks the proxy at the other end of `stream` for a tunnel to `uri`'s
/// authority (`CONNECT host:port`), and reads its answer.
async fn tunnel(stream: &mut TcpStream, uri: &Uri, authorization: Option<&str>) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().unwrap_or(443);
    let auth = authorization.map_or(String::new(), |a| format!("Proxy-Authorization: {a}\r\n"));
    let ask = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}\r\n");
    stream.write_all(ask.as_bytes()).await?;
    // The answer's head, byte by byte: nothing after it may be consumed
    // (the tunnel's first bytes are the server's).
    let mut head = Vec::with_capacity(64);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= 8192 {
            return Err(io::Error::other("the proxy's answer to CONNECT has no end"));
        }
        let mut byte = [0u8];
        if stream.read(&mut byte).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the proxy closed the tunnel",
            ));
        }
        head.push(byte[0]);
    }
    let status = head.split(|b| *b == b' ').nth(1).unwrap_or_default();
    if status != b"200" {
        let line = String::from_utf8_lossy(head.split(|b| *b == b'\r').next().unwrap_or_default())
            .into_owned();
        return Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            format!("the proxy refused the tunnel: {line}"),
        ));
    }
    Ok(())
}

/// One authority's route: where to dial for it, and its gauge.
#[derive(Debug, Clone)]
pub struct Route {
    /// The URI authority, `host:port`.
    pub authority: String,
    /// The address to dial instead of the URI's (the link's port).
    pub via: Option<SocketAddr>,
    /// The Unix domain socket to dial instead of any address.
    pub unix: Option<Arc<std::path::Path>>,
    pub gauge: Arc<ConnectionGauge>,
}

impl CountingConnector {
    /// Runs the TLS handshake over `stream` and counts it, full or resumed,
    /// in the connector's gauge and in its authority's, if it has one.
    async fn tls_handshake<S>(
        &self,
        uri: &Uri,
        stream: S,
        authority: Option<&ConnectionGauge>,
    ) -> io::Result<TlsStream<S>>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let tls = self.tls.as_ref().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "https URI but no TLS configured",
            )
        })?;
        let stream = tls.connect(server_name(uri)?, stream).await?;
        let resumed = stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        self.gauge.tls_handshake(resumed);
        if let Some(gauge) = authority {
            gauge.tls_handshake(resumed);
        }
        Ok(stream)
    }
}

fn server_name(uri: &Uri) -> io::Result<ServerName<'static>> {
    let host = uri.host().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_string()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad TLS server name {host:?}: {e}"),
        )
    })
}

/// Waits until `until`, the emulated link's handshake round trip: on
/// tokio's timer (cancelled with the request, so a request that times out
/// leaves nothing sleeping) to within 2 ms, then the last stretch on a
/// blocking-pool thread with the kernel's precision — tokio's timer rounds
/// up to whole milliseconds, and a timerfd would add an fd to the client's
/// count.
async fn handshake_wait(until: Instant) {
    const TAIL: Duration = Duration::from_millis(2);
    if let Some(coarse) = until.checked_sub(TAIL) {
        tokio::time::sleep_until(coarse.into()).await;
    }
    let rest = until.saturating_duration_since(Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

pub use crate::metrics::sockets::reset_on_close;

/// The socket address of a URI's authority (default port by scheme); IP
/// literals skip DNS.
pub async fn resolve(uri: &Uri) -> io::Result<SocketAddr> {
    let host = uri
        .host()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "URI has no host"))?;
    let default_port = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let port = uri.port_u16().unwrap_or(default_port);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A request that times out while the link's handshake round trip is
    /// being waited out leaves nothing sleeping: the runtime shuts down at
    /// once, not after the round trip (which used to hold the process).
    #[test]
    fn a_cancelled_handshake_wait_leaves_nothing_behind() -> io::Result<()> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()?;
            let connector = CountingConnector::new(Arc::new(ConnectionGauge::default()))
                .via_link(addr, Duration::from_secs(600));
            let uri: Uri = format!("http://{addr}/")
                .parse()
                .map_err(io::Error::other)?;
            let outcome = runtime.block_on(async {
                tokio::time::timeout(Duration::from_millis(50), connector.connect(&uri)).await
            });
            drop(runtime);
            let _ = done.send(outcome.is_err());
            io::Result::Ok(())
        });
        // A liveness deadline, not a speed requirement: the wait is 600 s.
        let timed_out = finished
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| io::Error::other("the runtime waited for the handshake sleep"))?;
        assert!(timed_out, "the connect should have timed out");
        drop(listener);
        Ok(())
    }
}

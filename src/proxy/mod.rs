//! A small forward HTTP proxy, counted: what a client behind a corporate
//! proxy dials. `http` requests arrive in absolute form
//! (`GET http://host:port/path`) and are forwarded to their origin;
//! `https` arrives as `CONNECT host:port`, and the proxy tunnels the bytes
//! (the TLS handshake is the client's, with the origin, through it).
//!
//! Each client connection keeps at most one upstream connection, to the
//! origin it last forwarded to, for as long as both stay open: so the
//! origin sees one connection per client connection (for a tunnel by
//! construction; for forwarded requests as long as they go to one origin),
//! and a pool's reuse reaches the origin as reuse. The proxy counts the
//! connections it accepted, those it opened upstream, the tunnels and the
//! forwarded requests; `poolbench run` starts it as a child (`poolbench
//! proxy`) and reads its counters over the control channel.

mod run;

pub use run::{ProxyChild, ProxySetup, run, run_child};

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// What the proxy counted since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxySnapshot {
    /// Connections accepted from clients.
    pub accepted: u64,
    /// Connections opened to origins.
    pub upstream: u64,
    /// `CONNECT` tunnels opened.
    pub tunnels: u64,
    /// Requests forwarded in absolute form.
    pub forwarded: u64,
    /// Requests it could not forward (answered 502) or tunnels it could
    /// not open.
    pub failed: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub struct ProxyCounters {
    accepted: AtomicU64,
    upstream: AtomicU64,
    tunnels: AtomicU64,
    forwarded: AtomicU64,
    failed: AtomicU64,
}

impl ProxyCounters {
    pub fn snapshot(&self) -> ProxySnapshot {
        ProxySnapshot {
            accepted: self.accepted.load(Relaxed),
            upstream: self.upstream.load(Relaxed),
            tunnels: self.tunnels.load(Relaxed),
            forwarded: self.forwarded.load(Relaxed),
            failed: self.failed.load(Relaxed),
        }
    }
}

type Body = BoxBody<Bytes, hyper::Error>;

/// One client connection's upstream: the origin (`host:port`) and the
/// connection to it.
type Upstream = Arc<Mutex<Option<(String, SendRequest<Incoming>)>>>;

/// Accepts client connections and proxies each until the task is dropped.
pub async fn serve(listener: TcpListener, counters: Arc<ProxyCounters>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counters.accepted.fetch_add(1, Relaxed);
        let _ = stream.set_nodelay(true);
        let counters = Arc::clone(&counters);
        tokio::spawn(async move {
            let upstream = Upstream::default();
            let service = hyper::service::service_fn(move |req| {
                handle(req, Arc::clone(&upstream), Arc::clone(&counters))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    upstream: Upstream,
    counters: Arc<ProxyCounters>,
) -> Result<Response<Body>, Infallible> {
    let answer = match req.method() == Method::CONNECT {
        true => tunnel(req, &counters).await,
        false => forward(req, &upstream, &counters).await,
    };
    Ok(answer.unwrap_or_else(|why| {
        counters.failed.fetch_add(1, Relaxed);
        plain(StatusCode::BAD_GATEWAY, why)
    }))
}

/// `CONNECT host:port`: dials the origin, answers 200, then relays bytes
/// both ways once hyper hands over the connection.
async fn tunnel(
    req: Request<Incoming>,
    counters: &Arc<ProxyCounters>,
) -> Result<Response<Body>, String> {
    let target = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .ok_or("CONNECT without host:port")?;
    let mut origin = TcpStream::connect(&target)
        .await
        .map_err(|e| format!("cannot reach {target}: {e}"))?;
    let _ = origin.set_nodelay(true);
    counters.upstream.fetch_add(1, Relaxed);
    counters.tunnels.fetch_add(1, Relaxed);
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(req).await {
            let mut client = TokioIo::new(upgraded);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut origin).await;
        }
    });
    Ok(plain(StatusCode::OK, String::new()))
}

/// An absolute-form request: sent in origin form to its origin over the
/// client connection's upstream, opened (or replaced) as needed.
async fn forward(
    mut req: Request<Incoming>,
    upstream: &Upstream,
    counters: &ProxyCounters,
) -> Result<Response<Body>, String> {
    let uri = req.uri().clone();
    let origin = match (uri.scheme_str(), uri.authority()) {
        (Some("http"), Some(a)) => format!("{}:{}", a.host(), a.port_u16().unwrap_or(80)),
        _ => return Err(format!("not an absolute http URL: {uri}")),
    };
    let mut up = upstream.lock().await;
    let usable = up
        .as_ref()
        .is_some_and(|(o, send)| *o == origin && !send.is_closed());
    if !usable {
        let stream = TcpStream::connect(&origin)
            .await
            .map_err(|e| format!("cannot reach {origin}: {e}"))?;
        let _ = stream.set_nodelay(true);
        counters.upstream.fetch_add(1, Relaxed);
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("{origin}: {e}"))?;
        tokio::spawn(conn);
        *up = Some((origin.clone(), send));
    }
    let Some((_, send)) = up.as_mut() else {
        return Err("no upstream".into());
    };
    send.ready().await.map_err(|e| format!("{origin}: {e}"))?;
    *req.uri_mut() = uri
        .path_and_query()
        .map_or_else(|| Uri::from_static("/"), |p| Uri::from(p.clone()));
    req.headers_mut().remove("proxy-connection");
    counters.forwarded.fetch_add(1, Relaxed);
    let response = send
        .send_request(req)
        .await
        .map_err(|e| format!("{origin}: {e}"))?;
    Ok(response.map(BodyExt::boxed))
}

fn plain(status: StatusCode, text: String) -> Response<Body> {
    let body = Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

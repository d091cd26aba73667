//! One worker thread's `awc::Client`: built as awc's users build it
//! (`Connector::limit`, its keep-alive and lifetime, rustls), dialling
//! through poolbench's counting connector so every connection is counted
//! from its connect to its close; and one request sent through it, its
//! response judged like every other mode's.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_rt::net::{ActixStream, Ready};
use actix_service::Service;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use http::header::HeaderValue;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

use super::Settings;
use crate::connect::{CountedStream, CountingConnector};
use crate::engine::{LocalSender, Target};
use crate::metrics::{ErrorKind, Timeline};
use crate::modes::Exchange;
use crate::server::REQUEST_ID;

/// A thread's client and what its responses must be.
pub struct AwcClient {
    client: awc::Client,
    exchange: Exchange,
    keep_alive: bool,
}

impl AwcClient {
    /// Builds the client; called on the thread that will use it (awc's
    /// client is not `Send`).
    pub fn build(settings: &Settings) -> Result<AwcClient, String> {
        Ok(AwcClient {
            client: client(settings)?,
            exchange: settings.exchange.clone(),
            keep_alive: settings.keep_alive,
        })
    }
}

impl LocalSender for AwcClient {
    /// Sends request `id` to `target` and judges its response. awc tells
    /// nothing of the connection a request used: the timeline has the
    /// response's head alone.
    async fn send_local(
        &self,
        target: &Target,
        id: u64,
        _: Instant,
    ) -> Result<Timeline, ErrorKind> {
        let client = &self.client;
        let shape = &target.shape;
        let method = awc::http::Method::from_bytes(shape.method.as_str().as_bytes())
            .map_err(|_| ErrorKind::Other)?;
        let mut request = client.request(method, target.uri(id).to_string());
        for (name, value) in &shape.headers {
            request = request.append_header((name.as_str(), value.as_bytes()));
        }
        if self.exchange.echo_id {
            request = request.insert_header((REQUEST_ID.as_str(), id));
        }
        if !self.keep_alive {
            request = request.force_close();
        }
        let sent = match shape.body.is_empty() {
            true => request.send().await,
            false => request.send_body(shape.body.clone()).await,
        };
        let response = sent.map_err(|e| super::errors::of_send(&e))?;
        let timeline = Timeline {
            head: Some(Instant::now()),
            ..Timeline::default()
        };
        let mut head = http::Response::new(Payload(response));
        let theirs = head.body().0.status().as_u16();
        *head.status_mut() = http::StatusCode::from_u16(theirs).map_err(|_| ErrorKind::Protocol)?;
        let echoed = head.body().0.headers().get(REQUEST_ID.as_str());
        if let Some(v) = echoed.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            head.headers_mut().insert(REQUEST_ID, v);
        }
        self.exchange.judge(head, id).await?;
        Ok(timeline)
    }
}

/// awc's client, as the settings say.
fn client(settings: &Settings) -> Result<awc::Client, String> {
    let mut connector = awc::Connector::new()
        .connector(Dial(settings.connector.clone()))
        .limit(settings.limit)
        .timeout(settings.timeout)
        .handshake_timeout(settings.timeout);
    if let Some(d) = settings.idle_timeout {
        connector = connector.conn_keep_alive(d.unwrap_or(FOREVER));
    }
    if let Some(d) = settings.max_lifetime {
        connector = connector.conn_lifetime(d.unwrap_or(FOREVER));
    }
    if let Some(trust) = &settings.tls {
        // The run's CA besides the public roots; ALPN as the mode asks.
        let config = trust
            .client_config(true)
            .map_err(|e| format!("awc's TLS config: {e:#}"))?;
        connector = connector.rustls_0_23(crate::tls::with_alpn(config, settings.http.alpn()));
    }
    // The engine times each request out, as for every mode: awc's own
    // 5 s request timeout is off (its connect and TLS timeouts are the
    // engine's, above).
    Ok(awc::Client::builder()
        .connector(connector)
        .disable_timeout()
        .finish())
}

/// "0" for a timeout: a period longer than any run.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// awc's TCP connector: poolbench's counting connector, without TLS (awc
/// runs its own over the connection).
#[derive(Clone)]
struct Dial(CountingConnector);

impl Service<ConnectInfo<awc::http::Uri>> for Dial {
    type Response = Connection<awc::http::Uri, AwcIo>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, ConnectError>>;

    actix_service::always_ready!();

    fn call(&self, info: ConnectInfo<awc::http::Uri>) -> Self::Future {
        let connector = self.0.clone();
        let theirs = info.request().clone();
        Box::pin(async move {
            // awc's URI type is the `http` crate's previous major version.
            let uri: http::Uri = theirs
                .to_string()
                .parse()
                .map_err(|_| ConnectError::InvalidInput)?;
            let stream = connector
                .connect_tcp(&uri)
                .await
                .map_err(ConnectError::Io)?;
            Ok(Connection::new(theirs, AwcIo(TokioIo::new(stream))))
        })
    }
}

/// A counted connection, as the stream type awc takes.
#[derive(Debug)]
pub struct AwcIo(TokioIo<CountedStream>);

impl AsyncRead for AwcIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for AwcIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl ActixStream for AwcIo {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        let ready = self.0.inner().poll_ready(cx, Interest::READABLE);
        ready.map_ok(|()| Ready::READABLE)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        let ready = self.0.inner().poll_ready(cx, Interest::WRITABLE);
        ready.map_ok(|()| Ready::WRITABLE)
    }
}

/// awc's response body, as an `http_body::Body`.
struct Payload(awc::ClientResponse);

impl http_body::Body for Payload {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        use futures_util::Stream;
        Pin::new(&mut self.0).poll_next(cx).map(|next| {
            next.map(|chunk| {
                chunk
                    .map(http_body::Frame::data)
                    .map_err(super::errors::of_payload)
            })
        })
    }
}

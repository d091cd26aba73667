//! The connection strategies under test. Each sends one request and reads
//! its body to the end (or drops or holds it, as the scenario says); the
//! engine decides when and how often.
//!
//! - `pooled`: one shared [`Pool`] (keep-alive, per-authority limit).
//! - `keep_alive_disabled`: one shared [`Pool`] with keep-alive off, so every
//!   request sends `Connection: close` on a new connection; the limit holds.
//! - `per_request_client`: a hyper-util `Client` built for every request and
//!   dropped after its body is read — what `reqwest::Client::new()` in a
//!   request handler does.
//! - `hyper_util` (reference): one shared hyper-util legacy `Client` with
//!   default settings — the ecosystem's pool (and reqwest's) as people use it.
//!
//! Every strategy dials through one [`CountingConnector`] gauge per mode, so
//! client-side handshakes and open connections are counted the same way.

use std::num::NonZeroUsize;

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use hyper_util::client::legacy::Client as HyperUtilClient;
use hyper_util::rt::TokioExecutor;

use crate::connect::{ConnectTimes, CountingConnector};
use std::time::Instant;

pub mod awc;
mod capped;
mod exchange;
mod plan;
mod reqwest;
pub use exchange::Exchange;
pub use plan::{RequestPlan, Shape, Spread, Target};

/// The client figures a kind's client does not let poolbench see (shown
/// `-`, never 0).
pub fn unobserved(kind: ModeKind) -> &'static [&'static str] {
    match kind {
        ModeKind::Reqwest | ModeKind::ReqwestPerRequest => &reqwest::UNOBSERVED,
        ModeKind::Awc => &awc::UNOBSERVED,
        _ => &[],
    }
}

use crate::metrics::{ErrorKind, Timeline};
use crate::pool::{H2Pool, Pool, PoolConfig, PoolError, PoolStats, PoolTiming};
use crate::scenario::{BodyHandling, HttpVersion, ModeKind, ModeSpec};
use crate::tls::TlsTrust;

/// A mode's client and what its responses must be.
pub struct ModeClient {
    client: Client,
    exchange: Exchange,
    body: BodyHandling,
    http: HttpVersion,
}

/// The client a mode sends through.
enum Client {
    /// `pooled` and `keep_alive_disabled`: one shared pool.
    Pool(Pool<Full<Bytes>>),
    /// `per_request_client`: builds a client per request — and, for HTTPS,
    /// a new rustls config and root store, as `reqwest::Client::new()` does.
    PerRequest {
        connector: CountingConnector,
        tls: Option<TlsTrust>,
    },
    /// `pooled` over HTTP/2: streams shared on at most `limit` connections.
    H2(H2Pool),
    /// `hyper_util_capped`: the ecosystem's pool behind a semaphore per
    /// authority.
    Capped(Box<capped::Capped>),
    /// `reqwest`: one shared client (`None` if it could not be built:
    /// every request then fails).
    Reqwest(Option<Box<::reqwest::Client>>),
    /// `reqwest_per_request`: a client built per request.
    ReqwestPerRequest(reqwest::Builder),
    /// `hyper_util`: the ecosystem's pool, shared.
    HyperUtil(Box<HyperUtilClient<CountingConnector, Full<Bytes>>>),
    /// `awc`: a client per thread, on threads of its own (or why they
    /// could not start: the run then stops with it).
    Awc(Result<awc::Threads, String>),
}

impl ModeClient {
    /// Builds the client for `spec`, dialling (and counting) through
    /// `connector`; `tls` is what a client built per request (or awc)
    /// trusts; `threads` is the client's threads (awc runs a client on
    /// each) and `timeout` the engine's request timeout (awc's connect and
    /// TLS timeouts too).
    pub fn new(
        spec: &ModeSpec,
        connector: CountingConnector,
        tls: Option<TlsTrust>,
        exchange: Exchange,
        (threads, timeout): (usize, std::time::Duration),
    ) -> ModeClient {
        let limit = spec
            .limit
            .and_then(|l| NonZeroUsize::new(l.get() as usize))
            .unwrap_or(NonZeroUsize::MIN);
        let client = match spec.kind {
            ModeKind::Pooled if spec.http == HttpVersion::Http2 => {
                Client::H2(H2Pool::new(limit.get(), connector))
            }
            ModeKind::Pooled | ModeKind::KeepAliveDisabled => {
                let s = spec.pool;
                let config = PoolConfig {
                    limit,
                    scope: s.scope,
                    keep_alive: s.keep_alive,
                    idle_timeout: s.idle_timeout,
                    max_lifetime: s.max_lifetime,
                    max_requests_per_connection: s.max_requests_per_connection,
                    acquire_timeout: s.acquire_timeout,
                    clock: crate::pool::Clock::System,
                };
                Client::Pool(Pool::new(config, connector))
            }
            ModeKind::PerRequestClient => Client::PerRequest { connector, tls },
            ModeKind::HyperUtil => {
                Client::HyperUtil(Box::new(hyper_util_client(spec.http, connector)))
            }
            ModeKind::HyperUtilCapped => Client::Capped(Box::new(capped::Capped::new(
                hyper_util_client(spec.http, connector),
                limit.get(),
            ))),
            ModeKind::Reqwest | ModeKind::ReqwestPerRequest => {
                let builder = reqwest::Builder::new(connector.gauge(), tls, spec.http, spec.client);
                match spec.kind {
                    ModeKind::Reqwest => Client::Reqwest(builder.build().ok().map(Box::new)),
                    _ => Client::ReqwestPerRequest(builder),
                }
            }
            ModeKind::Awc => {
                let settings = awc::Settings {
                    connector,
                    tls,
                    http: spec.http,
                    limit: limit.get(),
                    keep_alive: spec.pool.keep_alive,
                    idle_timeout: spec.client.idle_timeout,
                    max_lifetime: spec.client.max_lifetime,
                    exchange: exchange.clone(),
                    body: spec.body,
                    timeout,
                };
                Client::Awc(awc::Threads::start(&settings, threads))
            }
        };
        ModeClient {
            client,
            exchange,
            body: spec.body,
            http: spec.http,
        }
    }

    /// The pool's counters, for modes that use poolbench's pool.
    pub fn pool_stats(&self) -> Option<PoolStats> {
        match &self.client {
            Client::Pool(pool) => Some(pool.stats()),
            Client::H2(pool) => Some(pool.stats()),
            _ => None,
        }
    }

    /// Whether its client dials connections poolbench cannot follow to
    /// their close (reqwest).
    pub fn is_opaque(&self) -> bool {
        matches!(
            self.client,
            Client::Reqwest(_) | Client::ReqwestPerRequest(_)
        )
    }

    /// awc's threads, each with its client (or why they did not start):
    /// the engine runs the mode's tasks on them instead of through
    /// [`ModeClient::execute`].
    pub fn awc_threads(&self) -> Option<Result<&awc::Threads, &str>> {
        match &self.client {
            Client::Awc(threads) => Some(threads.as_ref().map_err(String::as_str)),
            _ => None,
        }
    }

    /// Starts a new window for the pool's peaks (HTTP/2: streams on one
    /// connection).
    pub fn reset_peaks(&self) {
        if let Client::H2(pool) = &self.client {
            pool.reset_peak();
        }
    }

    /// Sends request number `id` to `target`, started at `started`, reads
    /// the body to the end and judges the response; returns the instants
    /// the request passed, as far as this mode can see them.
    pub async fn execute(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> Result<Timeline, ErrorKind> {
        let shape = &target.shape;
        let mut request = Request::new(shape.body.clone());
        *request.uri_mut() = target.uri(id);
        if shape.method != http::Method::GET {
            *request.method_mut() = shape.method.clone();
        }
        if !shape.headers.is_empty() {
            request.headers_mut().clone_from(&shape.headers);
        }
        self.exchange.tag(&mut request, id);
        let mut timeline = Timeline::default();
        match &self.client {
            Client::Pool(pool) => {
                let request = request.map(Full::new);
                let response = pool.send(request).await.map_err(|e| pool_error(&e))?;
                pooled(&mut timeline, &response);
                self.exchange.judge(response, id, self.body).await?;
            }
            Client::H2(pool) => {
                let response = pool.send(request).await.map_err(|e| pool_error(&e))?;
                pooled(&mut timeline, &response);
                self.exchange.judge(response, id, self.body).await?;
            }
            Client::PerRequest { connector, tls } => {
                let mut connector = connector.clone();
                if let Some(tls) = tls {
                    let config = tls.client_config(true).map_err(|_| ErrorKind::Other)?;
                    connector = connector.with_tls(crate::tls::with_alpn(config, self.http.alpn()));
                }
                let client = hyper_util_client(self.http, connector);
                timeline.built = Some(Instant::now());
                let request = request.map(Full::new);
                self.hyper_util(&client, request, id, started, &mut timeline)
                    .await?;
                drop(client);
            }
            Client::Reqwest(client) => {
                let client = client.as_ref().ok_or(ErrorKind::Other)?;
                let response = reqwest::send(client, request).await?;
                timeline.head = Some(Instant::now());
                self.exchange.judge(response, id, self.body).await?;
            }
            Client::ReqwestPerRequest(builder) => {
                let client = builder.build()?;
                timeline.built = Some(Instant::now());
                let response = reqwest::send(&client, request).await?;
                timeline.head = Some(Instant::now());
                self.exchange.judge(response, id, self.body).await?;
                drop(client);
            }
            Client::Capped(capped) => {
                let permit = capped.permit(request.uri()).await;
                timeline.acquired = Some(Instant::now());
                let request = request.map(Full::new);
                self.hyper_util(&capped.client, request, id, started, &mut timeline)
                    .await?;
                drop(permit);
            }
            Client::HyperUtil(client) => {
                let request = request.map(Full::new);
                self.hyper_util(client, request, id, started, &mut timeline)
                    .await?;
            }
            // Never taken: the engine runs awc's requests on its own
            // threads' clients (`awc_threads`).
            Client::Awc(_) => return Err(ErrorKind::Other),
        }
        Ok(timeline)
    }

    /// A request through a hyper-util `Client`. Its pool is opaque; the
    /// connection's times come back as the connector's extra on the
    /// response, and count for this request if the connection was made
    /// while it waited (so hyper-util's own queueing falls into connect).
    async fn hyper_util(
        &self,
        client: &HyperUtilClient<CountingConnector, Full<Bytes>>,
        request: Request<Full<Bytes>>,
        id: u64,
        started: Instant,
        timeline: &mut Timeline,
    ) -> Result<(), ErrorKind> {
        let response = client
            .request(request)
            .await
            .map_err(|e| ErrorKind::classify(&e))?;
        timeline.head = Some(Instant::now());
        let times = response.extensions().get::<ConnectTimes>().copied();
        timeline.dialled(times.filter(|t| t.tcp >= started));
        self.exchange.judge(response, id, self.body).await
    }
}

/// The pool's times, from a pooled response: when the request got its
/// connection (or stream), and the connection's if it was dialled for it.
fn pooled<B>(timeline: &mut Timeline, response: &http::Response<B>) {
    timeline.head = Some(Instant::now());
    if let Some(t) = response.extensions().get::<PoolTiming>() {
        timeline.acquired = Some(t.acquired);
        timeline.dialled(t.dialled);
    }
}

/// A hyper-util `Client` speaking `http`: HTTP/2 only (by ALPN over TLS,
/// with prior knowledge otherwise), or HTTP/1.1 unless ALPN says h2.
fn hyper_util_client(
    http: HttpVersion,
    connector: CountingConnector,
) -> HyperUtilClient<CountingConnector, Full<Bytes>> {
    let mut builder = HyperUtilClient::builder(TokioExecutor::new());
    builder.http2_only(http == HttpVersion::Http2);
    builder.build(connector)
}

fn pool_error(e: &PoolError) -> ErrorKind {
    match e {
        PoolError::AcquireTimeout { .. } => ErrorKind::Timeout,
        other => ErrorKind::classify(other),
    }
}

//! `reqwest` and `reqwest_per_request`: the most used Rust HTTP client, as
//! its users configure it — one shared `reqwest::Client` (its pool is
//! hyper-util's: no per-host cap), or a `Client` built for every request,
//! the bug users actually write, with its real construction cost (a root
//! store and a TLS config per client). TLS is rustls, with the run's CA
//! added to the public roots; HTTP/2 by ALPN, or with prior knowledge over
//! plain TCP for `http = "2"`.
//!
//! What poolbench can observe of it: reqwest lets a tower layer wrap its
//! connector, so each connection it opens is counted (client handshakes)
//! — but not the connection's TLS handshake kind, its connect and TLS
//! times per request, when it closes, nor how it ended. Those figures are
//! reported as not observable (`-`) rather than as 0; the server's side of
//! each is counted as for every mode.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::Request;

use super::kind::{Check, Kind, Refusal, Reuse, Sees, Wait};
use super::{Exchange, Mode, ModeSpec, Parts, Settings};
use crate::engine::{Sender, Target};
use crate::metrics::{ConnectionGauge, ErrorKind, Timeline};
use crate::results::HttpVersion;
use crate::tls::TlsTrust;

pub static KIND: Kind = Kind {
    name: "reqwest",
    summary: "One shared `reqwest::Client`, as its users configure it.",
    limit: false,
    settings: &["idle_timeout", "max_idle_per_host"],
    keep_alive_off: false,
    unobserved: UNOBSERVED,
    sees: SEES,
    opaque: true,
    per_request: false,
    reference: false,
    colour: (230, 171, 2),
    reuse: Reuse {
        http1: Some(
            "reqwest's pool (hyper-util's) has no per-host cap: a request that finds no idle connection opens one",
        ),
        http2: Some(Reuse::H2),
    },
    check,
    build,
};

/// The client figures reqwest does not let poolbench see.
pub const UNOBSERVED: &[&str] = &[
    "peak_connections",
    "tls_full",
    "tls_resumed",
    "closed_first",
];

/// Beyond [`UNOBSERVED`], where reqwest may speak HTTP/1.1: the bytes
/// beyond a response's end. Its connections are sealed
/// (`reqwest::connect::Conn`), so no watcher can follow their framing; over
/// HTTP/2 hyper's h2 fails such bytes itself.
const UNOBSERVED_HTTP1: &[&str] = &["overrun_responses"];

/// What reqwest lets poolbench see of a request: its head and its body.
pub const SEES: Sees = Sees {
    build: false,
    wait: Wait::Unseen,
    connect: false,
};

/// reqwest dials its own connections: poolbench cannot route them.
pub fn check(c: &Check) -> Result<(), Refusal> {
    let r = c.route;
    match r.link || r.proxy || r.unix {
        false => Ok(()),
        true => Err(Refusal::new(
            None,
            format!("{} dials its own connections", c.spec.kind.name),
            "poolbench cannot route them through [link], [proxy] or a Unix socket: run it in a scenario without those",
        )),
    }
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    let builder = Builder::new(spec, &parts);
    let client = builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build reqwest's client: {e:?}"))?;
    Ok(Arc::new(Reqwest {
        client,
        unobserved: builder.unobserved(),
        exchange: parts.exchange,
    }))
}

/// One shared client.
struct Reqwest {
    client: reqwest::Client,
    unobserved: &'static [&'static str],
    exchange: Exchange,
}

impl Sender for Reqwest {
    async fn send(&self, target: &Target, id: u64, _: Instant) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id);
        let response = send(&self.client, request).await?;
        let timeline = Timeline {
            head: Some(Instant::now()),
            ..Timeline::default()
        };
        self.exchange.judge(response, id).await?;
        Ok(timeline)
    }
}

impl Mode for Reqwest {
    fn unobserved(&self) -> &'static [&'static str] {
        self.unobserved
    }
}

/// How a reqwest client is built for a mode.
#[derive(Clone)]
pub struct Builder {
    gauge: Arc<ConnectionGauge>,
    tls: Option<TlsTrust>,
    http: HttpVersion,
    /// `pool_idle_timeout` and `pool_max_idle_per_host`, where given.
    settings: Settings,
}

impl Builder {
    pub fn new(spec: &ModeSpec, parts: &Parts) -> Builder {
        Builder {
            gauge: parts.connector.gauge(),
            tls: parts.trust.clone(),
            http: spec.http,
            settings: spec.settings,
        }
    }

    /// What its clients cannot observe beyond the kind's list: over
    /// HTTP/1.1 (`auto` too: ALPN or plain TCP may pick it), the bytes
    /// beyond a response's end.
    pub fn unobserved(&self) -> &'static [&'static str] {
        match self.http {
            HttpVersion::Http2 => &[],
            HttpVersion::Http1 | HttpVersion::Auto => UNOBSERVED_HTTP1,
        }
    }

    /// A new client, as `reqwest::Client::builder()…build()` makes one.
    pub fn build(&self) -> Result<reqwest::Client, ErrorKind> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .connector_layer(CountLayer(Arc::clone(&self.gauge)));
        if let Some(idle) = self.settings.idle_timeout {
            builder = builder.pool_idle_timeout(idle);
        }
        if let Some(n) = self.settings.max_idle_per_host {
            builder = builder.pool_max_idle_per_host(n);
        }
        // reqwest is built without a crypto provider of its own: it always
        // gets poolbench's rustls config (the public roots, and the run's CA
        // over HTTPS), as a plain-HTTP client it never uses it.
        let trust = self.tls.clone().unwrap_or_else(|| TlsTrust {
            ca: None,
            settings: crate::tls::TlsSettings::default(),
        });
        let config = trust.client_config(true).map_err(|_| ErrorKind::Other)?;
        let config = crate::tls::with_alpn(config, self.http.alpn());
        builder = builder.use_preconfigured_tls((*config).clone());
        builder = match self.http {
            HttpVersion::Http1 => builder.http1_only(),
            HttpVersion::Http2 if self.tls.is_none() => builder.http2_prior_knowledge(),
            HttpVersion::Http2 | HttpVersion::Auto => builder,
        };
        builder.build().map_err(|_| ErrorKind::Other)
    }
}

/// Sends `request` through `client`; the response as an `http` response.
pub async fn send(
    client: &reqwest::Client,
    request: Request<Bytes>,
) -> Result<http::Response<reqwest::Body>, ErrorKind> {
    let request = reqwest::Request::try_from(request).map_err(|_| ErrorKind::Other)?;
    let response = client
        .execute(request)
        .await
        .map_err(|e| ErrorKind::classify(&e))?;
    Ok(response.into())
}

/// Counts every connection reqwest's connector opens.
#[derive(Clone)]
struct CountLayer(Arc<ConnectionGauge>);

impl<S> tower_layer::Layer<S> for CountLayer {
    type Service = Count<S>;
    fn layer(&self, inner: S) -> Count<S> {
        Count {
            inner,
            gauge: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
struct Count<S> {
    inner: S,
    gauge: Arc<ConnectionGauge>,
}

impl<S, R> tower_service::Service<R> for Count<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        let gauge = Arc::clone(&self.gauge);
        Box::pin(async move {
            let connected = connecting.await;
            if connected.is_ok() {
                // Counted as opened; its close is not observable.
                drop(gauge.open());
            }
            connected
        })
    }
}

//! `hyper_util` (the reference): one shared hyper-util legacy `Client`
//! with default settings — the ecosystem's pool (and reqwest's) as people
//! use it, with no per-host connection limit. Its pool is opaque; the
//! connection's times come back as the connector's extra on the response.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::kind::{Kind, Reuse, Sees, Wait, accepts};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::connect::{ConnectTimes, CountingConnector};
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};
use crate::results::HttpVersion;

pub static KIND: Kind = Kind {
    name: "hyper_util",
    summary: "Reference: hyper-util's legacy `Client`, shared, default settings (no per-host connection limit).",
    limit: false,
    settings: &[],
    keep_alive_off: false,
    unobserved: &[],
    sees: Sees {
        build: false,
        wait: Wait::Unseen,
        connect: true,
    },
    opaque: false,
    per_request: false,
    reference: false,
    colour: (231, 41, 138),
    reuse: Reuse {
        http1: Some(
            "hyper-util's pool has no per-host cap: a request that finds no idle connection opens one",
        ),
        http2: Some(Reuse::H2),
    },
    check: accepts,
    build,
};

/// hyper-util's client, as its users build it.
pub type HyperUtilClient = Client<CountingConnector, Full<Bytes>>;

struct HyperUtil {
    client: HyperUtilClient,
    exchange: Exchange,
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(HyperUtil {
        client: client(spec.http, parts.connector),
        exchange: parts.exchange,
    }))
}

impl Sender for HyperUtil {
    async fn send(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id).map(Full::new);
        let mut timeline = Timeline::default();
        send(
            &self.client,
            request,
            (id, started),
            &self.exchange,
            &mut timeline,
        )
        .await?;
        Ok(timeline)
    }
}

impl Mode for HyperUtil {}

/// A hyper-util `Client` speaking `http`: HTTP/2 only (by ALPN over TLS,
/// with prior knowledge otherwise), or HTTP/1.1 unless ALPN says h2.
pub fn client(http: HttpVersion, connector: CountingConnector) -> HyperUtilClient {
    let mut builder = Client::builder(TokioExecutor::new());
    builder.http2_only(http == HttpVersion::Http2);
    builder.build(connector)
}

/// Request number `id`, started at `started`, through a hyper-util
/// `Client`, its response judged. The connection's times count for this
/// request if the connection was made while it waited (so hyper-util's own
/// queueing falls into connect).
pub async fn send(
    client: &HyperUtilClient,
    request: Request<Full<Bytes>>,
    (id, started): (u64, Instant),
    exchange: &Exchange,
    timeline: &mut Timeline,
) -> Result<(), ErrorKind> {
    let response = client
        .request(request)
        .await
        .map_err(|e| ErrorKind::classify(&e))?;
    timeline.head = Some(Instant::now());
    let times = response.extensions().get::<ConnectTimes>().copied();
    timeline.dialled(times.filter(|t| t.tcp >= started));
    exchange.judge(response, id).await
}

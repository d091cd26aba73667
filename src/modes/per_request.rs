//! `per_request_client`: a hyper-util `Client` built for every request
//! and dropped after its body is read — what `reqwest::Client::new()` in
//! a request handler does. Over HTTPS each client gets a new rustls config
//! and root store too, as a freshly built client does: the whole
//! construction is paid per request, and measured (`client_build`).

use std::sync::Arc;
use std::time::Instant;

use http_body_util::Full;

use super::kind::{Kind, Reuse, Sees, Wait, accepts};
use super::{Exchange, Mode, ModeSpec, Parts, hyper_util};
use crate::connect::CountingConnector;
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};
use crate::results::HttpVersion;
use crate::tls::TlsTrust;

pub static KIND: Kind = Kind {
    name: "per_request_client",
    summary: "A new client (pool, connector, TLS config) built for every request and dropped after its body: the common bug.",
    limit: false,
    settings: &[],
    keep_alive_off: false,
    unobserved: &[],
    sees: Sees {
        build: true,
        wait: Wait::Unseen,
        connect: true,
    },
    opaque: false,
    per_request: true,
    reference: false,
    colour: (217, 95, 2),
    reuse: Reuse::PLAIN,
    check: accepts,
    build,
};

struct PerRequest {
    connector: CountingConnector,
    trust: Option<TlsTrust>,
    http: HttpVersion,
    exchange: Exchange,
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(PerRequest {
        connector: parts.connector,
        trust: parts.trust,
        http: spec.http,
        exchange: parts.exchange,
    }))
}

impl Sender for PerRequest {
    async fn send(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id).map(Full::new);
        let mut connector = self.connector.clone();
        if let Some(trust) = &self.trust {
            let config = trust.client_config(true).map_err(|_| ErrorKind::Other)?;
            connector = connector.with_tls(crate::tls::with_alpn(config, self.http.alpn()));
        }
        let client = hyper_util::client(self.http, connector);
        let mut timeline = Timeline {
            built: Some(Instant::now()),
            ..Timeline::default()
        };
        hyper_util::send(
            &client,
            request,
            (id, started),
            &self.exchange,
            &mut timeline,
        )
        .await?;
        drop(client);
        Ok(timeline)
    }
}

impl Mode for PerRequest {}

//! `reqwest_per_request`: a `reqwest::Client` built for every request —
//! the bug users actually write — with its real construction cost (a root
//! store and a TLS config per client). Observed as `reqwest` is
//! (`reqwest.rs`).

use std::sync::Arc;
use std::time::Instant;

use super::kind::{Kind, Reuse};
use super::reqwest::{self, Builder};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};

pub static KIND: Kind = Kind {
    name: "reqwest_per_request",
    summary: "A `reqwest::Client` built for every request.",
    limit: false,
    settings: &[],
    keep_alive_off: false,
    unobserved: reqwest::UNOBSERVED,
    sees: super::Sees {
        build: true,
        ..reqwest::SEES
    },
    opaque: true,
    per_request: true,
    reference: false,
    colour: (166, 118, 29),
    reuse: Reuse::PLAIN,
    check: reqwest::check,
    build,
};

struct ReqwestPerRequest {
    builder: Builder,
    exchange: Exchange,
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(ReqwestPerRequest {
        builder: Builder::new(spec, &parts),
        exchange: parts.exchange,
    }))
}

impl Sender for ReqwestPerRequest {
    async fn send(&self, target: &Target, id: u64, _: Instant) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id);
        let client = self.builder.build()?;
        let mut timeline = Timeline {
            built: Some(Instant::now()),
            ..Timeline::default()
        };
        let response = reqwest::send(&client, request).await?;
        timeline.head = Some(Instant::now());
        self.exchange.judge(response, id).await?;
        drop(client);
        Ok(timeline)
    }
}

impl Mode for ReqwestPerRequest {
    fn unobserved(&self) -> &'static [&'static str] {
        self.builder.unobserved()
    }
}

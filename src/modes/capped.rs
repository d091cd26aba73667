//! `hyper_util_capped`: hyper-util's legacy `Client` behind a semaphore of
//! `limit` permits per authority — the usual workaround for its missing
//! per-host cap. A request holds its authority's permit from before it is
//! sent until its body is read, so at most `limit` requests to an authority
//! are in flight. What the semaphore does not bound is hyper-util's pool
//! itself: the connections it keeps idle, and the ones it dials while a
//! request waits for one to come back (the server's peak connections and
//! handshakes show it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http::Uri;
use http::uri::Authority;
use http_body_util::Full;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::hyper_util::{self, HyperUtilClient};
use super::kind::{Kind, Reuse, Sees, Wait, accepts};
use super::{Exchange, Mode, ModeSpec, Parts};
use crate::engine::{Sender, Target};
use crate::metrics::{ErrorKind, Timeline};

pub static KIND: Kind = Kind {
    name: "hyper_util_capped",
    summary: "hyper-util's legacy `Client` behind a semaphore of `limit` per authority: the usual workaround for its missing cap.",
    limit: true,
    settings: &[],
    keep_alive_off: false,
    unobserved: &[],
    sees: Sees {
        build: false,
        wait: Wait::Permit,
        connect: true,
    },
    opaque: false,
    per_request: false,
    reference: false,
    colour: (102, 166, 30),
    reuse: Reuse::PLAIN,
    check: accepts,
    build,
};

/// The shared client and each authority's permits.
struct Capped {
    client: HyperUtilClient,
    limit: usize,
    gates: Mutex<HashMap<Authority, Arc<Semaphore>>>,
    exchange: Exchange,
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(Capped {
        client: hyper_util::client(spec.http, parts.connector),
        limit: spec.limit_or_one(),
        gates: Mutex::default(),
        exchange: parts.exchange,
    }))
}

impl Sender for Capped {
    async fn send(
        &self,
        target: &Target,
        id: u64,
        started: Instant,
    ) -> Result<Timeline, ErrorKind> {
        let request = self.exchange.request(target, id).map(Full::new);
        let permit = self.permit(request.uri()).await;
        let mut timeline = Timeline {
            acquired: Some(Instant::now()),
            ..Timeline::default()
        };
        hyper_util::send(
            &self.client,
            request,
            (id, started),
            &self.exchange,
            &mut timeline,
        )
        .await?;
        drop(permit);
        Ok(timeline)
    }
}

impl Mode for Capped {}

impl Capped {
    /// A permit for `uri`'s authority, waiting (first come, first served:
    /// tokio's semaphore is fair) while `limit` are out; `None` for a URI
    /// without an authority, which hyper-util refuses anyway.
    async fn permit(&self, uri: &Uri) -> Option<OwnedSemaphorePermit> {
        let authority = uri.authority()?;
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            let gate = gates
                .entry(authority.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit)));
            Arc::clone(gate)
        };
        gate.acquire_owned().await.ok()
    }
}

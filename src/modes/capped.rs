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

use bytes::Bytes;
use http::Uri;
use http::uri::Authority;
use http_body_util::Full;
use hyper_util::client::legacy::Client as HyperUtilClient;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::connect::CountingConnector;

/// The shared client and each authority's permits.
pub struct Capped {
    pub client: HyperUtilClient<CountingConnector, Full<Bytes>>,
    limit: usize,
    gates: Mutex<HashMap<Authority, Arc<Semaphore>>>,
}

impl Capped {
    pub fn new(client: HyperUtilClient<CountingConnector, Full<Bytes>>, limit: usize) -> Capped {
        Capped {
            client,
            limit,
            gates: Mutex::default(),
        }
    }

    /// A permit for `uri`'s authority, waiting (first come, first served:
    /// tokio's semaphore is fair) while `limit` are out; `None` for a URI
    /// without an authority, which hyper-util refuses anyway.
    pub async fn permit(&self, uri: &Uri) -> Option<OwnedSemaphorePermit> {
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

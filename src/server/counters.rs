//! What the bundled server counts about its own side of the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::metrics::{ConnectionGauge, OpenGuard};

/// Live counters, updated by the accept loop and connection tasks. An
/// authority's counters have the server's as their parent: whatever is
/// counted for the authority is counted for the server too.
#[derive(Debug, Default)]
pub struct ServerCounters {
    /// The whole server's counters, for one authority's.
    parent: Option<Arc<ServerCounters>>,
    /// Accepted connections: server-side handshakes, open and peak.
    pub connections: Arc<ConnectionGauge>,
    /// Requests answered since start.
    requests: AtomicU64,
    /// Responses followed by bytes beyond their Content-Length.
    overruns: AtomicU64,
    /// Responses sent with a stale request id (`stale_reuse`).
    stale: AtomicU64,
    /// Connections refused and requests answered 503 over the cap.
    turned_away: AtomicU64,
    /// What requests carried beyond a plain GET.
    non_get: AtomicU64,
    extra_headers: AtomicU64,
    bodies: AtomicU64,
    body_bytes: AtomicU64,
    /// HTTP/2: the most streams in flight on one connection since the last
    /// `begin`, and the GOAWAYs sent.
    peak_streams: AtomicU64,
    goaways: AtomicU64,
}

/// The counters at one moment plus the process's CPU time, sent to the
/// runner over the control channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSnapshot {
    /// Connections accepted since start.
    pub accepted: u64,
    pub requests: u64,
    /// Connections open now.
    pub open: u64,
    /// Most connections open at once since the last `begin`.
    pub peak_open: u64,
    /// User + system CPU of the server process, µs (getrusage).
    pub cpu_us: u64,
    /// Full TLS handshakes completed.
    pub tls_full: u64,
    /// Resumed TLS handshakes completed.
    pub tls_resumed: u64,
    /// Responses sent with bytes beyond their Content-Length (`body_overrun`).
    #[serde(default)]
    pub overruns: u64,
    /// Responses sent with a stale request id (`stale_reuse`).
    #[serde(default)]
    pub stale: u64,
    /// Connections refused and requests answered 503 over the cap
    /// (`max_connections`).
    #[serde(default)]
    pub turned_away: u64,
    /// Requests whose method was not GET.
    #[serde(default)]
    pub non_get: u64,
    /// Headers received beyond those a client sets by itself (`Host`,
    /// `Content-Length`, the request id…): the scenario's own, summed.
    #[serde(default)]
    pub extra_headers: u64,
    /// Request bodies received to their end, and their bytes.
    #[serde(default)]
    pub bodies: u64,
    #[serde(default)]
    pub body_bytes: u64,
    /// HTTP/2: the most streams in flight on one connection at once since
    /// the last `begin`.
    #[serde(default)]
    pub peak_streams: u64,
    /// HTTP/2: GOAWAYs the server sent (after `max_requests_per_connection`
    /// streams, or idle for the keep-alive timeout).
    #[serde(default)]
    pub goaways: u64,
}

/// An accepted connection, open for its authority and for the server
/// until dropped.
pub struct Open {
    _here: OpenGuard,
    _server: Option<OpenGuard>,
}

impl ServerCounters {
    /// One authority's counters, adding up into `server`'s.
    pub fn for_authority(server: &Arc<ServerCounters>) -> ServerCounters {
        ServerCounters {
            parent: Some(Arc::clone(server)),
            ..ServerCounters::default()
        }
    }

    /// Records an accepted connection; the guard marks it closed on drop.
    pub fn accept(&self) -> Open {
        Open {
            _here: self.connections.open(),
            _server: self.parent.as_ref().map(|p| p.connections.open()),
        }
    }

    /// Counts one here and in the parent.
    fn count(&self, field: fn(&ServerCounters) -> &AtomicU64) {
        self.add(field, 1);
    }

    pub fn request(&self) {
        self.count(|c| &c.requests);
    }

    /// Counts a completed TLS handshake.
    pub fn tls_handshake(&self, resumed: bool) {
        self.connections.tls_handshake(resumed);
        if let Some(parent) = &self.parent {
            parent.connections.tls_handshake(resumed);
        }
    }

    /// Counts a response sent with stray bytes after it.
    pub fn overrun(&self) {
        self.count(|c| &c.overruns);
    }

    /// Counts a response sent with another request's id.
    pub fn stale(&self) {
        self.count(|c| &c.stale);
    }

    /// Counts a connection refused, or a request answered 503, over the cap.
    pub fn turned_away(&self) {
        self.count(|c| &c.turned_away);
    }

    /// Counts what a request carried beyond a plain GET: its method and
    /// the headers the scenario gave it.
    pub fn request_shape(&self, non_get: bool, extra_headers: u64) {
        if non_get {
            self.count(|c| &c.non_get);
        }
        if extra_headers > 0 {
            self.add(|c| &c.extra_headers, extra_headers);
        }
    }

    /// Counts a request body received to its end.
    pub fn body(&self, bytes: u64) {
        self.count(|c| &c.bodies);
        self.add(|c| &c.body_bytes, bytes);
    }

    fn add(&self, field: fn(&ServerCounters) -> &AtomicU64, n: u64) {
        field(self).fetch_add(n, Relaxed);
        if let Some(parent) = &self.parent {
            field(parent).fetch_add(n, Relaxed);
        }
    }

    pub fn reset_peak(&self) {
        self.connections.reset_peak();
        self.peak_streams.store(0, Relaxed);
    }

    /// A connection has `n` streams in flight now.
    pub fn streams_at_once(&self, n: u64) {
        self.peak_streams.fetch_max(n, Relaxed);
        if let Some(parent) = &self.parent {
            parent.peak_streams.fetch_max(n, Relaxed);
        }
    }

    /// Counts a GOAWAY sent.
    pub fn goaway(&self) {
        self.count(|c| &c.goaways);
    }

    pub fn snapshot(&self) -> ServerSnapshot {
        let gauge = self.connections.read();
        ServerSnapshot {
            accepted: gauge.opened,
            requests: self.requests.load(Relaxed),
            open: gauge.open,
            peak_open: gauge.peak,
            cpu_us: crate::metrics::os::process_cpu().as_micros() as u64,
            tls_full: gauge.tls_full,
            tls_resumed: gauge.tls_resumed,
            overruns: self.overruns.load(Relaxed),
            stale: self.stale.load(Relaxed),
            turned_away: self.turned_away.load(Relaxed),
            non_get: self.non_get.load(Relaxed),
            extra_headers: self.extra_headers.load(Relaxed),
            bodies: self.bodies.load(Relaxed),
            body_bytes: self.body_bytes.load(Relaxed),
            peak_streams: self.peak_streams.load(Relaxed),
            goaways: self.goaways.load(Relaxed),
        }
    }
}

//! A connection gauge: connections opened, open now, the most open at once,
//! and TLS handshakes by kind. The client's connector and the bundled
//! server each keep one, so every connection figure has two observers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub struct ConnectionGauge {
    /// Connections opened since start (handshakes).
    opened: AtomicU64,
    /// Connections open now.
    open: AtomicU64,
    /// Most open at once since the last [`reset_peak`](Self::reset_peak).
    peak: AtomicU64,
    /// Full TLS handshakes completed.
    tls_full: AtomicU64,
    /// Resumed TLS handshakes completed.
    tls_resumed: AtomicU64,
}

/// A copy of a gauge at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GaugeReading {
    pub opened: u64,
    pub open: u64,
    pub peak: u64,
    pub tls_full: u64,
    pub tls_resumed: u64,
}

impl ConnectionGauge {
    /// Counts a new connection; the guard marks it closed when dropped.
    pub fn open(self: &Arc<Self>) -> OpenGuard {
        self.opened.fetch_add(1, Relaxed);
        let open = self.open.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(open, Relaxed);
        OpenGuard(Arc::clone(self))
    }

    /// Counts a completed TLS handshake.
    pub fn tls_handshake(&self, resumed: bool) {
        let counter = if resumed {
            &self.tls_resumed
        } else {
            &self.tls_full
        };
        counter.fetch_add(1, Relaxed);
    }

    /// Starts a new peak window at the number open now.
    pub fn reset_peak(&self) {
        self.peak.store(self.open.load(Relaxed), Relaxed);
    }

    pub fn read(&self) -> GaugeReading {
        GaugeReading {
            opened: self.opened.load(Relaxed),
            open: self.open.load(Relaxed),
            peak: self.peak.load(Relaxed),
            tls_full: self.tls_full.load(Relaxed),
            tls_resumed: self.tls_resumed.load(Relaxed),
        }
    }
}

/// Held for as long as a connection is open.
#[derive(Debug)]
pub struct OpenGuard(Arc<ConnectionGauge>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_follows_open_and_resets_to_current() {
        let g = Arc::new(ConnectionGauge::default());
        let a = g.open();
        let b = g.open();
        drop(a);
        g.tls_handshake(false);
        g.tls_handshake(true);
        g.tls_handshake(true);
        let expected = GaugeReading {
            opened: 2,
            open: 1,
            peak: 2,
            tls_full: 1,
            tls_resumed: 2,
        };
        assert_eq!(g.read(), expected);
        g.reset_peak();
        assert_eq!(g.read().peak, 1);
        drop(b);
        assert_eq!(g.read().open, 0);
    }
}

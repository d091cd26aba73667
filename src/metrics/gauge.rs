//! A connection gauge: connections opened, open now, and the most open at
//! once. The client's connector and the bundled server each keep one, so
//! every connection figure has two observers.

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
}

/// A copy of a gauge at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GaugeReading {
    pub opened: u64,
    pub open: u64,
    pub peak: u64,
}

impl ConnectionGauge {
    /// Counts a new connection; the guard marks it closed when dropped.
    pub fn open(self: &Arc<Self>) -> OpenGuard {
        self.opened.fetch_add(1, Relaxed);
        let open = self.open.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(open, Relaxed);
        OpenGuard(Arc::clone(self))
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
        assert_eq!(
            g.read(),
            GaugeReading {
                opened: 2,
                open: 1,
                peak: 2
            }
        );
        g.reset_peak();
        assert_eq!(g.read().peak, 1);
        drop(b);
        assert_eq!(g.read().open, 0);
    }
}

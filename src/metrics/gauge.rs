//! A connection gauge: connections opened, open now, the most open at once,
//! and TLS handshakes by kind. The client's connector and the bundled
//! server each keep one, so every connection figure has two observers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::results::{ConnectionEnd, Counts, Kind};

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
    /// Local ports of the connections opened since the last
    /// [`reset_peak`](Self::reset_peak), one bit each.
    ports: PortSet,
    /// Connections opened on a local port already in `ports`.
    reused_ports: AtomicU64,
    /// Connections closed, by how they ended (in `ConnectionEnd::ALL` order).
    ends: [AtomicU64; 4],
}

/// One bit per TCP port.
#[derive(Debug)]
struct PortSet(Box<[AtomicU64; 1024]>);

impl Default for PortSet {
    fn default() -> Self {
        PortSet(Box::new(std::array::from_fn(|_| AtomicU64::new(0))))
    }
}

/// A copy of a gauge at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GaugeReading {
    pub opened: u64,
    pub open: u64,
    pub peak: u64,
    pub tls_full: u64,
    pub tls_resumed: u64,
    /// Connections that reused a local port since the window began.
    pub reused_ports: u64,
    /// Connections closed so far, by how they ended.
    pub ends: Counts<ConnectionEnd>,
}

impl ConnectionGauge {
    /// Counts a new connection; the guard marks it closed when dropped.
    pub fn open(self: &Arc<Self>) -> OpenGuard {
        let guard = self.dialing();
        guard.established();
        guard
    }

    /// Counts a socket open from the moment it is created, before its
    /// connect completes: a short-lived connection is open at the server
    /// as soon as the kernel has it, and a gauge that waited for the task
    /// to run again would miss the overlap. Its handshake is counted by
    /// [`OpenGuard::established`]; a connect that fails drops the guard
    /// and leaves only its moment in the peak.
    pub fn dialing(self: &Arc<Self>) -> OpenGuard {
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

    /// Notes the local port of a new connection; a port used before in
    /// this window is counted as reused (the kernel may have recycled a
    /// TIME_WAIT socket of that address pair for it).
    pub fn local_port(&self, port: u16) {
        let bit = 1u64 << (port % 64);
        let seen = self.ports.0[usize::from(port / 64)].fetch_or(bit, Relaxed);
        if seen & bit != 0 {
            self.reused_ports.fetch_add(1, Relaxed);
        }
    }

    /// Counts a connection's end.
    pub fn closed(&self, how: ConnectionEnd) {
        self.ends[how.index()].fetch_add(1, Relaxed);
    }

    /// Starts a new window: the peak at the number open now, no port used.
    pub fn reset_peak(&self) {
        self.peak.store(self.open.load(Relaxed), Relaxed);
        self.ports.0.iter().for_each(|w| w.store(0, Relaxed));
        self.reused_ports.store(0, Relaxed);
    }

    pub fn read(&self) -> GaugeReading {
        GaugeReading {
            opened: self.opened.load(Relaxed),
            open: self.open.load(Relaxed),
            peak: self.peak.load(Relaxed),
            tls_full: self.tls_full.load(Relaxed),
            tls_resumed: self.tls_resumed.load(Relaxed),
            reused_ports: self.reused_ports.load(Relaxed),
            ends: Counts::from_fn(|k: ConnectionEnd| self.ends[k.index()].load(Relaxed)),
        }
    }
}

/// Held for as long as a connection is open.
#[derive(Debug)]
pub struct OpenGuard(Arc<ConnectionGauge>);

impl OpenGuard {
    /// Counts the connection's handshake: its connect completed.
    pub fn established(&self) {
        self.0.opened.fetch_add(1, Relaxed);
    }

    /// Counts how the connection is about to end (before its socket closes).
    pub fn closing(&self, how: ConnectionEnd) {
        self.0.closed(how);
    }
}

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
            reused_ports: 0,
            ends: Counts::default(),
        };
        assert_eq!(g.read(), expected);
        g.reset_peak();
        assert_eq!(g.read().peak, 1);
        drop(b);
        assert_eq!(g.read().open, 0);
    }

    #[test]
    fn a_local_port_used_twice_in_a_window_is_counted() {
        let g = ConnectionGauge::default();
        for port in [40000, 40001, 65535, 0, 40000, 65535] {
            g.local_port(port);
        }
        assert_eq!(g.read().reused_ports, 2);
        g.reset_peak();
        g.local_port(40000);
        assert_eq!(g.read().reused_ports, 0, "a new window forgets");
    }
}

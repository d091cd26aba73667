//! When each chunk crossing the emulated link is due at the other end: a
//! pure function of arrival times, so it is tested exactly.
//!
//! A chunk is due half a round trip after it arrived — after the wire is
//! free, under a bandwidth cap, plus the time to serialise it — and never
//! before the connection's handshake round trip is over. Due times come
//! from arrivals, not from the previous chunk's due time, so delays never
//! pile up over a connection's life.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One direction of the emulated wire under a bandwidth cap, shared by
/// every connection through the link: one bottleneck, as a real link has
/// (ten connections share its rate, they do not get ten times it).
#[derive(Debug)]
pub struct Wire {
    /// Bytes per second.
    rate: u64,
    /// When the wire is free again.
    free: Mutex<Option<Instant>>,
}

impl Wire {
    pub fn new(rate: u64) -> Arc<Wire> {
        Arc::new(Wire {
            rate: rate.max(1),
            free: Mutex::new(None),
        })
    }

    /// When a chunk of `len` bytes ready at `ready` has crossed the wire.
    fn cross(&self, ready: Instant, len: usize) -> Instant {
        let on_wire = Duration::from_secs_f64(len as f64 / self.rate as f64);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let done = ready.max(free.unwrap_or(ready)) + on_wire;
        *free = Some(done);
        done
    }
}

/// One direction's schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Half the round trip: the one-way delay.
    half_rtt: Duration,
    /// The shared wire, under a bandwidth cap.
    wire: Option<Arc<Wire>>,
    /// The first chunk does not leave before this (the handshake).
    first_not_before: Option<Instant>,
}

impl Schedule {
    /// A connection's schedule alone on a wire of its own.
    #[cfg(test)]
    pub fn new(rtt: Duration, bandwidth: Option<u64>, first_not_before: Option<Instant>) -> Self {
        Schedule::on(rtt, bandwidth.map(Wire::new), first_not_before)
    }

    /// A connection's schedule on `wire`, shared with the link's others.
    pub fn on(rtt: Duration, wire: Option<Arc<Wire>>, first_not_before: Option<Instant>) -> Self {
        Schedule {
            half_rtt: rtt / 2,
            wire,
            first_not_before,
        }
    }

    /// When a chunk of `len` bytes that arrived at `arrival` is due at the
    /// far end (`&mut`: the handshake gate is the first chunk's alone). `len` 0 is an end of stream or a reset: it takes no wire time.
    pub fn due(&mut self, arrival: Instant, len: usize) -> Instant {
        let mut depart = arrival;
        if let Some(gate) = self.first_not_before.take() {
            depart = depart.max(gate);
        }
        if let Some(wire) = self.wire.as_ref().filter(|_| len > 0) {
            depart = wire.cross(depart, len);
        }
        depart + self.half_rtt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn each_chunk_is_due_half_a_round_trip_after_it_arrived() {
        let t0 = Instant::now();
        let mut s = Schedule::new(20 * MS, None, None);
        // However many chunks went before, delays never accumulate.
        for i in 0..1000 {
            let arrival = t0 + i * 3 * MS;
            assert_eq!(s.due(arrival, 100), arrival + 10 * MS);
        }
    }

    #[test]
    fn the_first_chunk_waits_for_the_handshake() {
        let t0 = Instant::now();
        let mut s = Schedule::new(20 * MS, None, Some(t0 + 20 * MS));
        assert_eq!(s.due(t0 + MS, 10), t0 + 30 * MS);
        assert_eq!(s.due(t0 + 2 * MS, 10), t0 + 12 * MS, "only the first");
    }

    #[test]
    fn a_bandwidth_cap_queues_a_burst_then_recovers() {
        let t0 = Instant::now();
        // 1 MB/s: 1000 bytes take 1 ms on the wire.
        let mut s = Schedule::new(10 * MS, Some(1_000_000), None);
        assert_eq!(s.due(t0, 1000), t0 + 6 * MS);
        assert_eq!(s.due(t0, 1000), t0 + 7 * MS, "queued behind the first");
        assert_eq!(s.due(t0, 1000), t0 + 8 * MS);
        // After the wire has been idle, a chunk is not charged for the past.
        assert_eq!(s.due(t0 + 100 * MS, 1000), t0 + 106 * MS);
        // An end of stream takes no wire time.
        assert_eq!(s.due(t0 + 200 * MS, 0), t0 + 205 * MS);
    }

    #[test]
    fn connections_through_the_link_share_its_bandwidth() {
        let t0 = Instant::now();
        // Two connections on one 1 MB/s wire: the second's chunk waits for
        // the first's, as on one real link; on wires of their own it would not.
        let wire = Wire::new(1_000_000);
        let mut a = Schedule::on(10 * MS, Some(Arc::clone(&wire)), None);
        let mut b = Schedule::on(10 * MS, Some(wire), None);
        assert_eq!(a.due(t0, 1000), t0 + 6 * MS);
        assert_eq!(
            b.due(t0, 1000),
            t0 + 7 * MS,
            "behind a's chunk on the shared wire"
        );
        let mut alone = Schedule::new(10 * MS, Some(1_000_000), None);
        assert_eq!(alone.due(t0, 1000), t0 + 6 * MS);
    }
}

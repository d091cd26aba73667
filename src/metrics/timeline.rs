//! The latency breakdown: where one request's time went.
//!
//! A [`Timeline`] collects the instants a request passes (the mode and the
//! pool fill them in); [`Timeline::phases`] turns them into consecutive
//! phases from the issue time to the last body byte. Each phase starts
//! where the previous one ended, so the phases of a request add up to its
//! latency exactly.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::results::Kind;

use super::histogram::{MAX_LATENCY_US, new_histogram};

pub use crate::results::Phase;

/// How many phases there are.
const PHASES: usize = <Phase as Kind>::ALL.len();

/// When each step of a new connection finished.
#[derive(Debug, Clone, Copy)]
pub struct ConnectTimes {
    /// TCP connected (including the emulated link's handshake round trip).
    pub tcp: Instant,
    /// TLS handshake done; equal to `tcp` for plain TCP.
    pub tls: Instant,
}

/// Instants one request passed; `None` where it did not pass that step.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timeline {
    /// When the client got a connection or a slot from its pool.
    pub acquired: Option<Instant>,
    /// When the client was built (per-request clients).
    pub built: Option<Instant>,
    /// When a new connection's TCP connect finished.
    pub connected: Option<Instant>,
    /// When a new connection's TLS handshake finished.
    pub tls_done: Option<Instant>,
    /// When the response head arrived.
    pub head: Option<Instant>,
}

impl Timeline {
    /// Notes a new connection's connect and TLS times, if there was one.
    pub fn dialled(&mut self, times: Option<ConnectTimes>) {
        if let Some(t) = times {
            self.connected = Some(t.tcp);
            self.tls_done = Some(t.tls);
        }
    }

    /// The phase durations of a request due at `issued`, started at
    /// `started`, whose body ended at `end`. They sum to `end - issued`.
    pub fn phases(&self, issued: Instant, started: Instant, end: Instant) -> [Duration; PHASES] {
        let mut cursor = issued;
        let mut step = |at: Option<Instant>| match at {
            Some(at) if at >= cursor => {
                let d = at - cursor;
                cursor = at;
                d
            }
            _ => Duration::ZERO,
        };
        let late = step(Some(started));
        let build = step(self.built);
        let wait = step(self.acquired);
        let connect = step(self.connected);
        let tls = step(self.tls_done);
        let first_byte = step(self.head.or(Some(end)));
        let body = step(Some(end));
        [late, build, wait, connect, tls, first_byte, body]
    }
}

/// One histogram per phase (µs, zeros included, so means add up).
#[derive(Debug, Clone)]
pub struct PhaseRecorder {
    pub histograms: [Histogram<u64>; PHASES],
}

impl Default for PhaseRecorder {
    fn default() -> Self {
        PhaseRecorder {
            histograms: std::array::from_fn(|_| new_histogram()),
        }
    }
}

impl PhaseRecorder {
    pub fn record(&mut self, phases: &[Duration; PHASES]) {
        for (h, d) in self.histograms.iter_mut().zip(phases) {
            let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
            let _ = h.record(us.min(MAX_LATENCY_US));
        }
    }

    pub fn merge(&mut self, other: &PhaseRecorder) {
        for (a, b) in self.histograms.iter_mut().zip(&other.histograms) {
            let _ = a.add(b);
        }
    }

    pub fn get(&self, phase: Phase) -> &Histogram<u64> {
        &self.histograms[phase as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_consecutive_and_sum_to_the_latency() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let timeline = Timeline {
            acquired: Some(t0 + ms(3)),
            built: None,
            connected: Some(t0 + ms(10)),
            tls_done: Some(t0 + ms(20)),
            head: Some(t0 + ms(30)),
        };
        let phases = timeline.phases(t0, t0 + ms(1), t0 + ms(31));
        assert_eq!(phases, [ms(1), ms(0), ms(2), ms(7), ms(10), ms(10), ms(1)]);
        assert_eq!(phases.iter().sum::<Duration>(), ms(31));
    }

    #[test]
    fn a_reused_connection_has_no_connect_or_tls_phase() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let timeline = Timeline {
            acquired: Some(t0),
            head: Some(t0 + ms(5)),
            ..Timeline::default()
        };
        let phases = timeline.phases(t0, t0, t0 + ms(6));
        assert_eq!(phases[Phase::Connect as usize], Duration::ZERO);
        assert_eq!(phases[Phase::FirstByte as usize], ms(5));
        assert_eq!(phases.iter().sum::<Duration>(), ms(6));
    }
}

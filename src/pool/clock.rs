//! The pool's sense of time for ageing connections (idle timeout, maximum
//! lifetime). Injectable, so the pool's expiry rules can be tested exactly:
//! a [`ManualClock`] stands still until the test moves it, while the real
//! network I/O under it runs in real time. Latency figures never come from
//! here; they are measured with the system clock by the engine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where the pool reads the time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system's monotonic clock.
    #[default]
    System,
    /// A clock a test moves by hand.
    Manual(Arc<ManualClock>),
}

impl Clock {
    pub fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(clock) => clock.now(),
        }
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset_ns: AtomicU64,
}

impl ManualClock {
    pub fn new() -> Arc<ManualClock> {
        Arc::new(ManualClock {
            start: Instant::now(),
            offset_ns: AtomicU64::new(0),
        })
    }

    pub fn now(&self) -> Instant {
        self.start + Duration::from_nanos(self.offset_ns.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ns = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_ns.fetch_add(ns, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let manual = ManualClock::new();
        let clock = Clock::Manual(Arc::clone(&manual));
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), t0);
        manual.advance(Duration::from_millis(150));
        assert_eq!(clock.now() - t0, Duration::from_millis(150));
    }
}

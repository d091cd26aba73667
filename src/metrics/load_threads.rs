//! How busy the load generator's own threads were, as the kernel's
//! scheduler counted it (`/proc/self/task/<tid>/schedstat`: nanoseconds
//! on a CPU, nanoseconds runnable but waiting for one). A thread that was
//! runnable for nearly all of a window was the run's bottleneck: the
//! server may have had more to give.
//!
//! The load threads are found by name: the client runtime's workers (and
//! the thread a one-thread runtime runs on, and awc's client threads) are
//! all named [`LOAD_THREAD`].

use std::time::{Duration, Instant};

use crate::results::ThreadBusy;

/// The name every thread that drives requests carries (at most 15 bytes:
/// the kernel's limit for a thread's name).
pub const LOAD_THREAD: &str = "poolbench-load";

/// One load thread's scheduler times at an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreadTimes {
    pub tid: u32,
    /// Time on a CPU so far.
    pub on_cpu: Duration,
    /// Time runnable but waiting for a CPU so far.
    pub waiting: Duration,
}

/// Every load thread's times, read at one instant.
#[derive(Debug, Clone, Default)]
pub struct LoadReading {
    pub at: Option<Instant>,
    pub threads: Vec<ThreadTimes>,
}

/// Reads every load thread of this process. Empty where `/proc` cannot
/// say (no such thread, or a kernel without scheduler statistics).
pub fn read() -> LoadReading {
    let threads = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let tid = entry.file_name().to_str()?.parse().ok()?;
            let path = entry.path();
            let name = std::fs::read_to_string(path.join("comm")).ok()?;
            if name.trim_end() != LOAD_THREAD {
                return None;
            }
            parse_schedstat(tid, &std::fs::read_to_string(path.join("schedstat")).ok()?)
        })
        .collect();
    LoadReading {
        at: Some(Instant::now()),
        threads,
    }
}

/// `schedstat`'s "on-CPU ns, waiting ns, timeslices".
fn parse_schedstat(tid: u32, text: &str) -> Option<ThreadTimes> {
    let mut fields = text.split_ascii_whitespace().map(str::parse::<u64>);
    let on_cpu = fields.next()?.ok()?;
    let waiting = fields.next()?.ok()?;
    Some(ThreadTimes {
        tid,
        on_cpu: Duration::from_nanos(on_cpu),
        waiting: Duration::from_nanos(waiting),
    })
}

/// The load threads' work between two readings.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadWindow {
    /// Each thread seen at both edges: its share of the window on a CPU
    /// and runnable (on one or waiting).
    pub threads: Vec<ThreadBusy>,
    /// Their time on a CPU, together.
    pub on_cpu: Duration,
}

/// The load threads' work between two readings; `None` if no load thread
/// was seen at both edges.
pub fn between(begin: &LoadReading, end: &LoadReading) -> Option<LoadWindow> {
    let wall = end.at?.checked_duration_since(begin.at?)?.as_secs_f64();
    let share = |d: Duration| (d.as_secs_f64() / wall.max(f64::MIN_POSITIVE)).min(1.0);
    let mut cpu = Duration::ZERO;
    let threads: Vec<ThreadBusy> = end
        .threads
        .iter()
        .filter_map(|e| {
            let b = begin.threads.iter().find(|b| b.tid == e.tid)?;
            let on_cpu = e.on_cpu.saturating_sub(b.on_cpu);
            let waiting = e.waiting.saturating_sub(b.waiting);
            cpu += on_cpu;
            Some(ThreadBusy {
                on_cpu: share(on_cpu),
                runnable: share(on_cpu + waiting),
            })
        })
        .collect();
    (!threads.is_empty()).then_some(LoadWindow {
        threads,
        on_cpu: cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(tid: u32, on_cpu_ms: u64, waiting_ms: u64) -> ThreadTimes {
        ThreadTimes {
            tid,
            on_cpu: Duration::from_millis(on_cpu_ms),
            waiting: Duration::from_millis(waiting_ms),
        }
    }

    #[test]
    fn schedstat_is_read_as_the_kernel_writes_it() {
        assert_eq!(
            parse_schedstat(7, "37812298 3042615 94\n"),
            Some(ThreadTimes {
                tid: 7,
                on_cpu: Duration::from_nanos(37_812_298),
                waiting: Duration::from_nanos(3_042_615),
            })
        );
        assert_eq!(parse_schedstat(7, "garbage"), None);
        assert_eq!(parse_schedstat(7, "12"), None);
    }

    #[test]
    fn shares_are_of_the_window_and_cpu_is_per_request() {
        let t0 = Instant::now();
        let begin = LoadReading {
            at: Some(t0),
            threads: vec![times(1, 100, 10), times(2, 50, 0)],
        };
        let end = LoadReading {
            at: Some(t0 + Duration::from_secs(1)),
            // Thread 3 appeared inside the window: no begin to subtract.
            threads: vec![times(1, 800, 210), times(2, 350, 50), times(3, 999, 0)],
        };
        let load = between(&begin, &end).expect("two threads at both edges");
        assert_eq!(load.threads.len(), 2);
        let pct = |x: f64| (x * 100.0).round();
        assert_eq!(pct(load.threads[0].on_cpu), 70.0);
        assert_eq!(pct(load.threads[0].runnable), 90.0);
        assert_eq!(pct(load.threads[1].runnable), 35.0);
        // 700 + 300 ms of CPU.
        assert_eq!(load.on_cpu, Duration::from_millis(1000));
        let busiest = load.threads.iter().map(|t| t.runnable).fold(0.0, f64::max);
        assert_eq!(pct(busiest), 90.0);
        assert!(between(&LoadReading::default(), &end).is_none());
    }

    #[test]
    fn this_thread_is_found_by_its_name() {
        let seen = std::thread::Builder::new()
            .name(LOAD_THREAD.into())
            .spawn(|| {
                // SAFETY: gettid has no preconditions.
                let tid = unsafe { libc::gettid() } as u32;
                (tid, read())
            })
            .expect("a thread")
            .join()
            .expect("it ran");
        let (tid, reading) = seen;
        assert!(
            reading.threads.iter().any(|t| t.tid == tid),
            "{tid} not among {:?}",
            reading.threads
        );
    }
}

//! The client's runtime and the threads that drive the load: named
//! [`LOAD_THREAD`] so the scheduler's statistics of each
//! (`metrics::load_threads`) say whether the generator bounded a run.

use std::cell::Cell;
use std::ffi::CString;
use std::time::Duration;

use anyhow::Context;

use crate::metrics::load_threads::LOAD_THREAD;

/// The name a runtime thread starts with: its blocking pool's (name
/// lookups, file reads) keep it, its workers take [`LOAD_THREAD`].
const BLOCKING_THREAD: &str = "poolbench-block";

/// Runs the future `work` makes on the client's runtime. With one thread
/// the runtime runs on a thread of its own named [`LOAD_THREAD`], so the
/// generator's load can be read from the scheduler as the workers' is.
pub fn on_client_runtime<T, F>(threads: usize, work: impl FnOnce() -> F + Send) -> anyhow::Result<T>
where
    T: Send,
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let run = move || {
        let runtime = client_runtime(threads)?;
        let out = runtime.block_on(work());
        // Whatever is left (a request stuck past its timeout) is not
        // waited for.
        runtime.shutdown_timeout(Duration::from_millis(100));
        out
    };
    if threads > 1 {
        return run();
    }
    std::thread::scope(|s| {
        let thread = std::thread::Builder::new()
            .name(LOAD_THREAD.into())
            .stack_size(8 << 20)
            .spawn_scoped(s, run)
            .context("cannot start the load thread")?;
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The client's runtime: one thread runs everything on a current-thread
/// runtime (no work-stealing machinery, no cross-thread wake-ups between
/// a request's task and its connection's); more get a multi-thread one.
fn client_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    match threads {
        1 => tokio::runtime::Builder::new_current_thread()
            .thread_name(BLOCKING_THREAD)
            .enable_all()
            .build(),
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .thread_name(BLOCKING_THREAD)
            .on_thread_park(mark_load_thread)
            .enable_all()
            .build(),
    }
}

/// Names the calling thread [`LOAD_THREAD`], once. Called as a worker
/// parks: tokio calls that hook on its workers alone, and every worker
/// parks before its first work (the runtime idles while the run starts
/// the server), whereas which pool thread becomes a worker is not known
/// when it is started and named.
fn mark_load_thread() {
    thread_local!(static MARKED: Cell<bool> = const { Cell::new(false) });
    if !MARKED.with(|m| m.replace(true)) {
        let name = CString::new(LOAD_THREAD).expect("a name without NUL");
        // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most
        // 16 bytes (longer is cut) and renames the calling thread only.
        unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::load_threads;

    fn tid() -> u32 {
        // SAFETY: gettid has no preconditions.
        unsafe { libc::gettid() as u32 }
    }

    /// The thread a task runs on is a load thread; a blocking task's is
    /// not. (Other tests' load threads may be there too: the test asks
    /// after its own.)
    #[test]
    fn the_load_threads_are_the_workers() {
        for threads in [1, 3] {
            let (task, blocking, reading) = on_client_runtime(threads, || async {
                let task = tokio::spawn(async { tid() }).await?;
                let blocking = tokio::task::spawn_blocking(tid).await?;
                Ok((task, blocking, load_threads::read()))
            })
            .expect("the runtime ran");
            let load: Vec<u32> = reading.threads.iter().map(|t| t.tid).collect();
            assert!(load.contains(&task), "{threads}: {task} not in {load:?}");
            assert!(
                !load.contains(&blocking),
                "{threads}: {blocking} in {load:?}"
            );
            assert!(load.len() >= threads, "{threads}: {load:?}");
        }
    }
}

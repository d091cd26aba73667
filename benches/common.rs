//! What the benchmark groups share.

/// The runtime every group drives its clients on: two workers, as the
/// development machine has two cores.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the benchmarks")
}

//! `cargo bench`: one criterion binary, one module per group.
//! `cargo bench -- --quick` gives a fast look; `cargo bench -- round_trip`
//! runs one group.

use criterion::criterion_main;

mod common;
mod engine;
mod framing;
mod pool;
mod recording;
mod round_trip;

criterion_main!(
    recording::benches,
    round_trip::benches,
    pool::benches,
    engine::benches,
    framing::benches
);

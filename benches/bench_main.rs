//! `cargo bench`: one criterion binary, one module per group.
//! `cargo bench -- --quick` gives a fast look.

use criterion::criterion_main;

mod pool;

criterion_main!(pool::benches);

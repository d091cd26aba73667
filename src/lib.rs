//! poolbench measures what an HTTP client's connection handling costs.
//!
//! It drives one workload through several connection strategies ("modes")
//! against the same server and counts, for each, latency, throughput,
//! handshakes, peak connections, peak file descriptors, TIME_WAIT sockets and
//! CPU per request — each figure with the observer that counted it.
//!
//! # Layout
//!
//! Data flows one way:
//!
//! ```text
//! scenario.toml ─► scenario (parse, validate, checks) ─► runner
//! runner ─► stage: server child (`poolbench serve`), link child (`poolbench link`), TLS material
//!        ─► for each round, transport, mode:
//!             engine (closed/open loop) ─► modes ─► pool ─► connect (counted TCP/TLS)
//!             metrics (histograms, phases, errors, fds, rusage, TIME_WAIT)
//!        ─► results ─► gate (checks) ─► report (terminal, JSON, SVG, HTML, Markdown, JUnit)
//! results, results ─► compare
//! ```
//!
//! - [`scenario`]: TOML → raw serde structs → validated, typed [`scenario::Scenario`].
//! - [`runner`]: sets up the stage, runs every mode (in rounds) and
//!   assembles [`results`], the JSON contract every report reads.
//! - [`engine`]: the load loop shared by all modes (closed or open loop).
//! - [`modes`]: the connection strategies under test.
//! - [`pool`]: poolbench's own bounded per-authority HTTP/1 pool.
//! - [`connect`]: the counting connector every mode dials through (TCP, TLS).
//! - [`tls`]: the run's CA and certificates, rustls configs.
//! - [`link`]: the emulated network link (latency, bandwidth, handshake RTT).
//! - [`server`]: the bundled axum server and its counters; [`child`]: helper
//!   processes and their stdin/stdout control channel.
//! - [`metrics`]: latency recording, phases, error kinds, OS observations.
//! - [`gate`]: checks over figures; [`compare`]: two runs, figure by figure.
//! - [`report`]: renders results (terminal, JSON, SVG charts, HTML, CI formats).
//! - [`cli`]: the command line; the only module that knows clap.

pub mod child;
pub mod cli;
pub mod compare;
pub mod connect;
pub mod engine;
pub mod files;
pub mod gate;
pub mod interrupt;
pub mod link;
pub mod metrics;
pub mod modes;
pub mod pool;
pub mod report;
pub mod results;
pub mod runner;
pub mod scenario;
pub mod server;
pub mod tls;

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
//! scenario.toml ─► scenario (parse, validate) ─► runner
//! runner ─► server child (`poolbench serve`, counts its own side)
//!        ─► for each mode: engine ─► modes (client) ─► connect (counted TCP)
//!                          metrics (histograms, errors, fds, rusage, TIME_WAIT)
//!        ─► results ─► report (terminal, JSON)
//! ```
//!
//! - [`scenario`]: TOML → raw serde structs → validated, typed [`scenario::Scenario`].
//! - [`server`]: the bundled axum server and its counters; [`server::child`]
//!   starts it as a child process and talks to it over its stdin/stdout.
//! - [`connect`]: the counting TCP connector every mode dials through.
//! - [`modes`]: the connection strategies under test.
//! - [`engine`]: the closed-loop load loop shared by all modes.
//! - [`metrics`]: latency recording, error kinds, OS observations.
//! - [`runner`]: sets up the stage (server child, link child), runs every
//!   mode of a scenario and assembles [`results`].
//! - [`link`]: the emulated network link (latency, bandwidth, handshake RTT).
//! - [`child`]: helper processes and their stdin/stdout control channel.
//! - [`report`]: renders results (terminal table, JSON file).
//! - [`cli`]: the command line; the only module that knows clap.

pub mod child;
pub mod cli;
pub mod compare;
pub mod connect;
pub mod engine;
pub mod gate;
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

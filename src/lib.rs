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
//! scenario.toml ─► scenario (parse, validate, checks; kinds from the modes' catalogue) ─► runner
//! runner ─► stage: server child (`poolbench serve`), link child (`poolbench link`), TLS material
//!        ─► for each round, transport, mode:
//!             engine (closed/open loop) drives the mode ─► pool ─► connect (counted TCP/TLS)
//!             metrics (histograms, phases, errors, fds, rusage, TIME_WAIT)
//!        ─► results ─► gate (checks) ─► report (terminal, JSON, SVG, HTML, Markdown, JUnit)
//! results, results ─► compare
//! ```
//!
//! The modules are layers, bottom up; each uses only those before it (a
//! test, `tests/it/layers.rs`, keeps it so):
//!
//! redact < results < files < interrupt < metrics < tls < child < connect < pool < server < link < proxy < gate < engine < modes < scenario < runner < compare < merge < report < cli
//!
//! - [`results`]: the contract every report reads — the results types,
//!   their vocabulary (kinds of error, phases, discard reasons…), the
//!   histogram codec and the one **catalogue of figures** that the gate,
//!   `compare` and every renderer iterate.
//! - [`files`], [`interrupt`]: bounded file reads; Ctrl-C and SIGTERM.
//! - [`metrics`]: latency recording, phases, error classification, OS
//!   observations (fds, CPU, the socket table and TIME_WAIT).
//! - [`tls`]: the run's CA and certificates, rustls configs.
//! - [`child`]: helper processes and their stdin/stdout control channel.
//! - [`connect`]: the counting connector every mode dials through (TCP,
//!   TLS, Unix sockets).
//! - [`pool`]: poolbench's own bounded per-authority HTTP/1 pool.
//! - [`server`]: the bundled axum server and its counters; [`link`]: the
//!   emulated network link (latency, bandwidth, handshake RTT); [`proxy`]:
//!   a small forward proxy (absolute form and CONNECT), counted.
//! - [`gate`]: the check language and its evaluation over results.
//! - [`engine`]: the load loop shared by all modes (closed or open loop),
//!   which knows no mode: a mode places its tasks and sends each request.
//! - [`modes`]: the connection strategies under test, one file per kind
//!   and one catalogue of kinds ([`modes::catalogue`]).
//! - [`scenario`]: TOML → raw serde structs → validated, typed
//!   [`scenario::Scenario`].
//! - [`runner`]: sets up the stage, runs every mode (in rounds) and
//!   assembles [`results`].
//! - [`compare`]: two runs, figure by figure; [`merge`]: several agents'
//!   runs as one; [`report`]: renders results
//!   (terminal, JSON, SVG charts, HTML, Markdown, JUnit).
//! - [`cli`]: the command line; the only module that knows clap.

// poolbench reads /proc, the kernel's socket table (sock_diag netlink) and
// waits on timerfd: Linux only, said at build time rather than found out
// at run time.
#[cfg(not(target_os = "linux"))]
compile_error!(
    "poolbench runs on Linux only: it reads /proc, the kernel's socket table (sock_diag) and uses timerfd"
);

pub mod child;
pub mod cli;
pub mod compare;
pub mod connect;
pub mod engine;
pub mod files;
pub mod gate;
pub mod interrupt;
pub mod link;
pub mod merge;
pub mod metrics;
pub mod modes;
pub mod pool;
pub mod proxy;
pub mod redact;
pub mod report;
pub mod results;
pub mod runner;
pub mod scenario;
pub mod server;
pub mod tls;

//! The connection strategies under test: the kinds of mode. A kind is one
//! file here, holding its [`Kind`] (what the scenario, the runner, the
//! charts and the verdict need to know of it), its client and its notes,
//! plus one entry in the [`catalogue`]. The engine runs any [`Mode`]; a
//! kind's client sends each request and reads its body to the end (or
//! drops or holds it, as the scenario says).
//!
//! # Layout
//!
//! - `kind.rs`: what a kind is ([`Kind`]) and one mode of it as a
//!   scenario gave it ([`ModeSpec`]); [`KINDS`] below: every kind;
//!   `catalogue.rs`: the list read as a whole (by name, for the schema).
//! - `settings.rs`: the settings a kind may take ([`SETTINGS`]).
//! - `exchange.rs`: what every request carries and every response must be.
//! - The kinds: `pooled.rs` (poolbench's pool over HTTP/1.1, and over
//!   HTTP/2 in `pooled_h2.rs`), `keep_alive_off.rs`, `per_request.rs`,
//!   `hyper_util.rs`, `capped.rs` (`hyper_util_capped`), `reqwest.rs`,
//!   `reqwest_per_request.rs`, `awc/`.
//!
//! Every kind dials through one [`CountingConnector`] gauge per mode, so
//! client-side handshakes and open connections are counted the same way.

use std::sync::Arc;
use std::time::Duration;

use crate::connect::CountingConnector;
use crate::engine::Drive;
use crate::pool::PoolStats;
use crate::tls::TlsTrust;

pub mod catalogue;
mod exchange;
mod kind;
mod settings;

// The kinds: a file each, and a line each in `KINDS`.
mod awc;
mod capped;
mod hyper_util;
mod keep_alive_off;
mod per_request;
mod pooled;
mod pooled_h2;
mod reqwest;
mod reqwest_per_request;

/// Every kind, in the order help and docs list them: the catalogue.
pub static KINDS: &[&Kind] = &[
    &pooled::KIND,
    &per_request::KIND,
    &keep_alive_off::KIND,
    &hyper_util::KIND,
    &capped::KIND,
    &reqwest::KIND,
    &reqwest_per_request::KIND,
    &awc::KIND,
];

pub use catalogue::{Catalogue, results_schema};
pub use exchange::Exchange;
pub use kind::{Check, Kind, ModeSpec, Refusal, Reuse, Route, Sees, Wait, accepts};
pub use settings::{SETTINGS, Setting, Settings, scope_named};

/// A mode's client, built for one run of the mode: the engine drives it,
/// the runner reads what it counted.
pub trait Mode: Drive {
    /// The counters of poolbench's pool, for kinds that use it.
    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }

    /// Starts a new window for the pool's peaks (HTTP/2: streams on one
    /// connection).
    fn reset_peaks(&self) {}

    /// The figures this client, as built for its route and HTTP version,
    /// cannot observe beyond its kind's list (reqwest over HTTP/1.1 cannot
    /// show poolbench the bytes beyond a response's end).
    fn unobserved(&self) -> &'static [&'static str] {
        &[]
    }
}

/// What a kind's client is built from.
pub struct Parts {
    /// Dials (and counts) every connection of the mode.
    pub connector: CountingConnector,
    /// What a client that makes its own TLS config trusts (over HTTPS
    /// only).
    pub trust: Option<TlsTrust>,
    /// What every request carries and every response must be.
    pub exchange: Exchange,
    /// The client's threads (awc runs a client on each).
    pub threads: usize,
    /// The engine's request timeout.
    pub timeout: Duration,
}

/// Builds `spec`'s client.
pub fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    (spec.kind.build)(spec, parts)
}

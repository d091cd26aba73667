//! The integration tests, one binary (one link of every dependency, not
//! one per file): each module is a subject, `common` their shared helpers,
//! `kinds` the matrix every kind of the catalogue runs through.

mod authorities;
mod cli;
mod clients;
mod common;
mod deploy;
mod e2e;
mod exports;
mod fuzz;
mod gate;
mod h2;
mod kinds;
mod kinds_faults;
mod layers;
mod link_tls;
mod merge;
mod open_loop;
mod peaks;
mod pool;
mod pool_props;
mod proxy;
mod report;
mod requests;
mod run_ends;
mod schema;
mod secrets;
mod server;
mod stories;
mod unix;
mod workflow;

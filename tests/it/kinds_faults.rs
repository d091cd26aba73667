//! Every kind of the catalogue against a server that breaks its
//! responses: one that cuts every fifth short with a TCP reset (each kind
//! counts those failed, and as `reset`, whatever its client's errors look
//! like: awc's carry no source chain; hyper's and reqwest's do), and one
//! that sends bytes beyond each reused connection's response (each kind
//! counts as many `protocol` failures as the server sent, or shows that it
//! cannot see them).

use std::path::Path;

use poolbench::metrics::ErrorKind;
use poolbench::modes::{KINDS, Kind};
use poolbench::results::Results;
use poolbench::results::figures::Figure;
use poolbench::runner::{self, RunOptions};
use poolbench::scenario::Scenario;

/// `kind` alone, 40 requests from 4 tasks (a limit of 2 where it takes
/// one), against the bundled server configured by `server` (TOML lines).
async fn alone(kind: &Kind, server: &str) -> Results {
    let name = kind.name;
    let limit = if kind.limit { "limit = 2" } else { "" };
    let text = format!(
        "name = \"faulty-{name}\"\n[server]\n{server}\n\
         [load]\nrequests = 40\nconcurrency = 4\n[modes]\n{name} = {{ {limit} }}\n"
    );
    let scenario =
        Scenario::parse(Path::new("faulty.toml"), &text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let options = RunOptions::new(env!("CARGO_BIN_EXE_poolbench").into());
    runner::run(&scenario, &options)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_counts_a_reset_as_a_reset() {
    for kind in KINDS {
        let name = kind.name;
        let results = alone(kind, "reset_every = 5\nbody_size = \"16KiB\"").await;
        let m = &results.modes[0];
        let (reset, all) = (m.errors.count(ErrorKind::Reset), m.errors.total());
        assert!(reset >= 1, "{name}: no reset counted: {:?}", m.errors);
        assert_eq!(
            reset, all,
            "{name}: every failure is a reset: {:?}",
            m.errors
        );
        assert_eq!(m.requests.ok + all, 40, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_counts_bytes_beyond_a_response_as_the_server_sent_them() {
    for kind in KINDS {
        let name = kind.name;
        let results = alone(kind, "body_overrun = 64\ntls = \"both\"").await;
        assert_eq!(results.modes.len(), 2, "{name}: over HTTP and HTTPS");
        for m in &results.modes {
            let at = format!("{name} over {:?}", m.transport);
            let sent = m
                .overrun_responses
                .server
                .expect("the bundled server counts");
            // A client that reuses gets stray bytes on its second response
            // of a connection; one that never reuses gets none.
            let reuses = !kind.per_request && !kind.keep_alive_off;
            assert_eq!(sent >= 1, reuses, "{at}: the server sent {sent}");
            let figure = Figure::named("overrun_responses").expect("in the catalogue");
            let protocol = m.errors.count(ErrorKind::Protocol);
            if m.unobserved.iter().any(|u| u == "overrun_responses") {
                // Shown `-`, null, and refused by a gate: never a 0.
                assert_eq!(figure.value(m, None), None, "{at}");
                assert_eq!(figure.value(m, Some("server")), Some(sent as f64), "{at}");
            } else {
                assert_eq!(m.overrun_responses.client, sent, "{at}: {:?}", m.errors);
                assert_eq!(protocol, sent, "{at}: {:?}", m.errors);
            }
            assert_eq!(
                m.errors.total(),
                protocol,
                "{at}: every failure is protocol: {:?}",
                m.errors
            );
            assert_eq!(m.requests.ok + m.errors.total(), 40, "{at}");
        }
    }
}

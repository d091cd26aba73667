//! Every kind of the catalogue against a server that cuts every fifth
//! response short with a TCP reset: each counts those requests failed, and
//! as `reset`, whatever its client's errors look like (awc's carry no
//! source chain; hyper's and reqwest's do).

use std::path::Path;

use poolbench::metrics::ErrorKind;
use poolbench::modes::KINDS;
use poolbench::runner::{self, RunOptions};
use poolbench::scenario::Scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_counts_a_reset_as_a_reset() {
    for kind in KINDS {
        let name = kind.name;
        let limit = if kind.limit { "limit = 2" } else { "" };
        let text = format!(
            "name = \"reset-{name}\"\n[server]\nreset_every = 5\nbody_size = \"16KiB\"\n\
             [load]\nrequests = 40\nconcurrency = 4\n[modes]\n{name} = {{ {limit} }}\n"
        );
        let scenario = Scenario::parse(Path::new("reset.toml"), &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let options = RunOptions::new(env!("CARGO_BIN_EXE_poolbench").into());
        let results = runner::run(&scenario, &options)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
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

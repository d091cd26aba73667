//! Every kind of the catalogue, run the same way against the bundled
//! server over HTTP and HTTPS, gated and counted: every request answered
//! and seen by the server, the handshakes of both sides equal where the
//! kind's client lets poolbench see them, a connection per request exactly
//! for the kinds that say they open one, and the kind's own checks in the
//! scenario's gate. No list to extend: a kind added to the catalogue runs
//! here — as `one_shot`, a kind written in this file and added through the
//! catalogue alone, does.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use http_body_util::Full;
use poolbench::connect::CountingConnector;
use poolbench::engine::{Sender, Target};
use poolbench::metrics::{ErrorKind, Timeline};
use poolbench::modes::{
    Catalogue, Exchange, KINDS, Kind, Mode, ModeSpec, Parts, Reuse, Sees, Wait, accepts,
};
use poolbench::results::{ModeResult, Results, Transport};
use poolbench::runner::{self, RunOptions};
use poolbench::scenario::Scenario;

const REQUESTS: u64 = 40;
const TASKS: u64 = 4;
const LIMIT: u64 = 2;

/// A scenario running `kind` alone, over HTTP and HTTPS, with checks any
/// kind must pass.
fn scenario(kind: &Kind) -> String {
    let name = kind.name;
    let limit = match kind.limit {
        true => format!("limit = {LIMIT}"),
        false => String::new(),
    };
    format!(
        r#"
name = "kind-{name}"
[server]
tls = "both"
[load]
requests = {REQUESTS}
concurrency = {TASKS}
[modes]
{name} = {{ {limit} }}
[[gate]]
check = "{name}.requests >= {REQUESTS}"
[[gate]]
check = "{name}.errors == 0"
[[gate]]
check = "{name}.handshakes.server >= 1"
"#
    )
}

/// Runs `kind` (named in `kinds`) through the real runner against the real
/// bundled server.
async fn run(kind: &Kind, kinds: &Catalogue) -> Results {
    let text = scenario(kind);
    let scenario = Scenario::parse_in(Path::new("kind.toml"), &text, kinds)
        .unwrap_or_else(|e| panic!("{}: {e}", kind.name));
    let options = RunOptions::new(env!("CARGO_BIN_EXE_poolbench").into());
    runner::run(&scenario, &options)
        .await
        .unwrap_or_else(|e| panic!("{}: {e:#}", kind.name))
}

/// What every kind must show, read against what its catalogue entry says.
fn check(kind: &Kind, results: &Results) {
    assert_eq!(
        results.modes.len(),
        2,
        "{}: one mode per transport",
        kind.name
    );
    for outcome in &results.gate {
        assert!(
            outcome.passed,
            "{}: {} ({})",
            kind.name,
            outcome.check,
            outcome.detail()
        );
    }
    for m in &results.modes {
        let at = format!("{} over {}", kind.name, m.transport.name());
        assert_eq!(m.mode, kind.id(), "{at}");
        assert_eq!(m.requests.ok, REQUESTS, "{at}: {:?}", m.errors);
        assert_eq!(m.requests.server, Some(REQUESTS), "{at}");
        // The kind's list, and what its route hides beyond it.
        let listed = &m.unobserved[..kind.unobserved.len().min(m.unobserved.len())];
        assert_eq!(listed, kind.unobserved, "{at}");
        counted(kind, m, &at);
    }
}

/// The handshakes: both sides alike where both see them, one per request
/// exactly for a kind that opens one per request.
fn counted(kind: &Kind, m: &ModeResult, at: &str) {
    let server = m.handshakes.server.unwrap_or(0);
    assert!(server >= 1, "{at}");
    assert_eq!(
        m.handshakes.client, server,
        "{at}: client | server handshakes"
    );
    let each = kind.per_request || kind.keep_alive_off;
    match each {
        true => assert_eq!(server, REQUESTS, "{at}: a connection per request"),
        false => assert!(
            server < REQUESTS,
            "{at}: reused connections, {server} handshakes"
        ),
    }
    if let (Transport::Https, Some(tls)) = (m.transport, m.tls_handshakes) {
        let seen = |o: poolbench::results::Observed| o.server.unwrap_or(0);
        assert_eq!(
            seen(tls.full) + seen(tls.resumed),
            server,
            "{at}: a TLS handshake per connection"
        );
        if !kind.own_tls() {
            assert_eq!(tls.full.client, seen(tls.full), "{at}: full TLS");
            assert_eq!(tls.resumed.client, seen(tls.resumed), "{at}: resumed TLS");
        }
    }
    // A kind that bounds its connections per authority keeps to it (awc's
    // limit is per client thread, hyper_util_capped's bounds requests).
    // As the server counts them too: a slot is free only once the server
    // has closed its side (keep-alive off: after the server's FIN).
    if kind.sees.wait == Wait::Pool {
        assert!(
            m.peak_connections.client <= LIMIT && m.peak_connections.server <= Some(LIMIT),
            "{at}: {:?}",
            m.peak_connections
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_the_catalogue_runs_is_counted_and_gated() {
    assert!(KINDS.len() >= 8, "the catalogue lists the kinds");
    for kind in KINDS {
        let results = run(kind, &Catalogue::STANDARD).await;
        check(kind, &results);
    }
}

/// A kind written here: a connection per request on hyper's own
/// HTTP/1.1 connection, dialled and counted by poolbench's connector.
static ONE_SHOT: Kind = Kind {
    name: "one_shot",
    summary: "A hyper connection per request (a test's kind).",
    limit: false,
    settings: &[],
    keep_alive_off: false,
    unobserved: &[],
    sees: Sees {
        build: false,
        wait: Wait::Unseen,
        connect: true,
    },
    opaque: false,
    per_request: true,
    reference: false,
    colour: (0, 0, 0),
    reuse: Reuse::PLAIN,
    check: accepts,
    build: one_shot,
};

struct OneShot {
    connector: CountingConnector,
    exchange: Exchange,
}

fn one_shot(_: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(OneShot {
        connector: parts.connector,
        exchange: parts.exchange,
    }))
}

impl Sender for OneShot {
    async fn send(&self, target: &Target, id: u64, _: Instant) -> Result<Timeline, ErrorKind> {
        let mut request = self.exchange.request(target, id).map(Full::new);
        let uri = request.uri().clone();
        let stream = self
            .connector
            .connect(&uri)
            .await
            .map_err(|e| ErrorKind::classify(&e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
            .await
            .map_err(|e| ErrorKind::classify(&e))?;
        tokio::spawn(connection);
        let host = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        let host = http::HeaderValue::from_str(&host).map_err(|_| ErrorKind::Other)?;
        request.headers_mut().insert(http::header::HOST, host);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        *request.uri_mut() = path.parse().map_err(|_| ErrorKind::Other)?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| ErrorKind::classify(&e))?;
        let timeline = Timeline {
            head: Some(Instant::now()),
            ..Timeline::default()
        };
        self.exchange.judge(response, id).await?;
        Ok(timeline)
    }
}

impl Mode for OneShot {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_added_through_the_catalogue_alone_runs_through_the_matrix() {
    let kinds = Catalogue::STANDARD.with(&ONE_SHOT);
    assert!(
        Scenario::parse(Path::new("k.toml"), &scenario(&ONE_SHOT)).is_err(),
        "not a standard kind"
    );
    let results = run(&ONE_SHOT, &kinds).await;
    check(&ONE_SHOT, &results);
    // Its report renders, as any kind's does.
    let files = poolbench::report::render_files(&results).expect("renders");
    assert!(
        files
            .iter()
            .any(|(name, bytes)| *name == "index.html" && !bytes.is_empty())
    );
}

/// The README's table of kinds names the catalogue's kinds, no more, no
/// fewer (the one list a newcomer reads by hand).
#[test]
fn the_readme_names_every_kind_of_the_catalogue() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("## The kinds of mode")
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .expect("the README has its table of kinds");
    let mut named: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .filter_map(|n| n.strip_prefix('`')?.strip_suffix('`'))
        .collect();
    named.sort_unstable();
    let mut kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    kinds.sort_unstable();
    assert_eq!(named, kinds);
}

/// `poolbench kinds` lists the catalogue, a line a kind, for people and
/// for scripts (truth-check reads it).
#[test]
fn poolbench_kinds_lists_the_catalogue() {
    let out = crate::common::poolbench().arg("kinds").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let listed: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let names: Vec<&str> = listed.iter().filter_map(|l| l.first().copied()).collect();
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    assert_eq!(names, kinds, "{text}");
    for (kind, line) in KINDS.iter().zip(&listed) {
        assert_eq!(line.get(1) == Some(&"yes"), kind.limit, "{text}");
        assert_eq!(
            line.get(2) == Some(&"yes"),
            !kind.opaque,
            "{} routable: {text}",
            kind.name
        );
    }
}

/// Every figure a kind lists unobserved (and the one reqwest and awc
/// add for their route) is somewhere to blank: a name whose pointer
/// led nowhere would leave its 0 in the file.
#[test]
fn every_unobservable_figure_has_a_place_in_the_file() -> anyhow::Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    );
    let results: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let value = &results["modes"][0];
    let names = poolbench::modes::KINDS
        .iter()
        .flat_map(|k| k.unobserved.iter().copied())
        .chain(["overrun_responses"]);
    for name in names {
        for pointer in poolbench::results::json::client_side(name) {
            assert!(value.pointer(&pointer).is_some(), "{name}: {pointer}");
        }
    }
    Ok(())
}

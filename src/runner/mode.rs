//! One mode, measured: the client built for it, its measured window
//! ([`super::measure`]) and its results ([`super::assemble`]).

use std::sync::Arc;
use std::time::Duration;

use super::assemble::{Ran, assemble};
use super::measure::{Setup, measure};
use super::stage::Stage;
use crate::connect::Overruns;
use crate::interrupt::Interrupt;
use crate::metrics::ConnectionGauge;
use crate::metrics::os::FdCounter;
use crate::modes::{self, Exchange, ModeSpec, Parts};
use crate::results::{ModeResult, Transport};
use crate::scenario::{Scenario, Target};

/// How long to wait for both sides to close a mode's connections (plus two
/// round trips of the emulated link, if there is one, up to
/// [`SETTLE_MAX`], and never longer than a request may take: a link far
/// slower than the timeout would hold the run's end hostage); sockets still
/// closing then are reported, not waited for.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);
const SETTLE_MAX: Duration = Duration::from_secs(30);

/// How long a mode's connections are given to close, after its last
/// request, over a link of `rtt`, when a request may take `timeout`.
fn settle_limit(rtt: Duration, timeout: Duration) -> Duration {
    (SETTLE_LIMIT + 2 * rtt)
        .min(SETTLE_MAX)
        .min(timeout.max(Duration::from_secs(1)))
}

/// Runs `spec` over the stage's endpoint number `endpoint`.
/// `None` if the run was interrupted before the measured window opened.
pub async fn run(
    scenario: &Scenario,
    spec: &ModeSpec,
    stage: &mut Stage,
    endpoint: usize,
    interrupt: &Interrupt,
    watching: Option<(&dyn super::Watch, super::Measuring)>,
) -> anyhow::Result<Option<ModeResult>> {
    let fds_before = FdCounter::open()?.count()?;
    let gauge = Arc::new(ConnectionGauge::default());
    let end_point = &stage.endpoints[endpoint];
    let several = end_point.routes.len() > 1;
    let by_authority: Vec<Arc<ConnectionGauge>> = match several {
        true => end_point.routes.iter().map(|_| Arc::default()).collect(),
        false => Vec::new(),
    };
    let connector = stage.connector(end_point, Arc::clone(&gauge), &by_authority, spec.http)?;
    let transport = end_point.transport;
    // A client built per request pays for a TLS config only over HTTPS.
    let trust = stage
        .trust
        .clone()
        .filter(|_| transport == Transport::Https);
    let mut exchange = exchange(scenario, spec);
    // Against the bundled server (which echoes each request's id), every
    // mode's HTTP/1.1 connections have their framing followed.
    let connector = match exchange.echo_id {
        true => {
            let overruns = Arc::new(Overruns::new(crate::server::REQUEST_ID));
            exchange.overruns = Some(Arc::clone(&overruns));
            connector.watching_framing(overruns)
        }
        false => connector,
    };
    let statuses = Arc::clone(&exchange.statuses);
    let parts = Parts {
        connector,
        trust,
        exchange,
        threads: scenario.load.threads,
        timeout: scenario.load.timeout,
    };
    let client = modes::build(spec, parts)
        .map_err(|e| e.context(format!("cannot build {}'s client", spec.kind.name)))?;
    let unobserved = client.unobserved();
    let ports = end_point.ports();
    let plan = Arc::new(super::requests::plan(scenario, &end_point.routes)?);
    let settle_limit = settle_limit(stage.link_rtt(), scenario.load.timeout);
    let setup = Setup {
        load: &scenario.load,
        opaque: spec.kind.opaque,
        client,
        gauge,
        by_authority,
        plan,
        ports,
        statuses,
        settle_limit,
        interrupt,
        watching,
        proxy: stage.proxy.as_mut(),
    };
    let window = measure(setup, stage.server.as_mut()).await?;
    let ran = Ran {
        spec,
        transport,
        load: &scenario.load,
        authorities: &scenario.authorities,
        fds_before,
        unobserved,
    };
    Ok(window.map(|w| assemble(&ran, w)))
}

/// What every response must be: the scenario's `[expect]`, and from the
/// bundled server its own request id back and — where every path is served
/// the scenario's default response — the configured body size; and what
/// the mode does with each body.
fn exchange(scenario: &Scenario, spec: &ModeSpec) -> Exchange {
    let e = scenario.expect;
    let bundled = match &scenario.target {
        Target::Bundled(config) => Some(config),
        Target::External { .. } => None,
    };
    let requests =
        std::iter::once(&scenario.request).chain(scenario.authorities.iter().map(|a| &a.request));
    let defaults = requests
        .clone()
        .all(|r| r.list.as_ref().is_none_or(|l| l.defaults))
        && requests
            .flat_map(|r| &r.paths)
            .all(|(path, _)| crate::server::serves_default(path));
    let configured = bundled.filter(|_| defaults).map(|c| c.body_size);
    Exchange {
        echo_id: bundled.is_some(),
        status: e.status.and_then(|s| http::StatusCode::from_u16(s).ok()),
        body_bytes: e.body_bytes.or(configured),
        body: spec.body,
        overruns: None,
        statuses: Arc::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_is_waited_for_no_longer_than_a_request_may_take() {
        let (ms, h) = (Duration::from_millis, |n: u64| {
            Duration::from_secs(3600 * n)
        });
        // A link far slower than the timeout: the run ends a timeout after
        // its last request, not 30 s later.
        assert_eq!(settle_limit(h(1000), ms(2000)), ms(2000));
        assert_eq!(settle_limit(ms(0), ms(30_000)), SETTLE_LIMIT);
        assert_eq!(settle_limit(ms(100), ms(30_000)), SETTLE_LIMIT + ms(200));
        assert_eq!(settle_limit(h(1), h(1)), SETTLE_MAX);
        assert_eq!(settle_limit(ms(0), ms(10)), ms(1000));
    }
}

//! A mode's figures per authority, when the run served several: each
//! authority's requests (the engine's recorder for it), its connections
//! (its gauge in the client's connector, its port's counters in the
//! server) over the mode's measured window.

use super::measure::Window;
use crate::modes::ModeSpec;
use crate::results::Transport;
use crate::results::{AuthorityResult, LatencySummary, Observed, RequestCounts, TlsHandshakes};
use crate::scenario::Scenario;

/// One result per authority of the scenario, in its order; empty with one.
pub fn authorities(
    scenario: &Scenario,
    spec: &ModeSpec,
    transport: Transport,
    w: &Window,
) -> Vec<AuthorityResult> {
    let elapsed = w.outcome.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    scenario
        .authorities
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let recorder = w.outcome.by_authority.get(i)?;
            let (begin, end) = (
                w.begin.client_by_authority.get(i)?,
                w.end.client_by_authority.get(i)?,
            );
            let server = |f: fn(&crate::server::ServerSnapshot) -> u64| {
                let b = w.begin.server_by_authority.get(i)?;
                let e = w.end.server_by_authority.get(i)?;
                Some(f(e).saturating_sub(f(b)))
            };
            let ok = recorder.ok();
            let failed = recorder.errors.total();
            Some(AuthorityResult {
                name: a.name.clone(),
                weight: a.weight,
                requests: RequestCounts {
                    sent: ok + failed,
                    ok,
                    failed,
                    server: server(|s| s.requests),
                },
                errors: recorder.errors.clone(),
                throughput_rps: ok as f64 / elapsed,
                latency_us: LatencySummary::of(&recorder.latency),
                breakdown_us: super::assemble::breakdown(
                    &recorder.phases,
                    scenario,
                    spec,
                    transport,
                ),
                handshakes: Observed {
                    client: end.opened.saturating_sub(begin.opened),
                    server: server(|s| s.accepted),
                },
                tls_handshakes: (transport == Transport::Https).then(|| TlsHandshakes {
                    full: Observed {
                        client: end.tls_full.saturating_sub(begin.tls_full),
                        server: server(|s| s.tls_full),
                    },
                    resumed: Observed {
                        client: end.tls_resumed.saturating_sub(begin.tls_resumed),
                        server: server(|s| s.tls_resumed),
                    },
                }),
                peak_connections: Observed {
                    client: end.peak,
                    server: w.end.server_by_authority.get(i).map(|s| s.peak_open),
                },
                connection_ends: w.ends_by_authority.get(i)?.clone(),
                // A client that dials its own is counted as it dials, not
                // by authority: its handshakes per authority are the
                // server's alone.
                unobserved: match spec.kind.opaque {
                    true => vec!["handshakes".to_string()],
                    false => Vec::new(),
                },
            })
        })
        .collect()
}

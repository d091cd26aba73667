//! A mode's figures per authority, when the run served several: each
//! authority's requests (the engine's recorder for it), its connections
//! (its gauge in the client's connector, its port's counters in the
//! server) over the mode's measured window.

use super::client::{self, ClientSide};
use super::ran::Ran;
use super::server::ServerSide;
use crate::results::{AuthorityResult, LatencySummary, Observed, TlsHandshakes, Transport};
use crate::runner::measure::Window;

/// One result per authority of the scenario, in its order; empty with one.
pub fn authorities(ran: &Ran, w: &Window) -> Vec<AuthorityResult> {
    let elapsed = w.outcome.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    ran.authorities
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let recorder = w.outcome.by_authority.get(i)?;
            let client = ClientSide::of(
                w.begin.client_by_authority.get(i)?,
                w.end.client_by_authority.get(i)?,
            );
            let server = ServerSide::of(
                w.begin.server_by_authority.get(i),
                w.end.server_by_authority.get(i),
            );
            let both = |c: u64, f: fn(&crate::server::ServerSnapshot) -> u64| {
                Observed::new(c, server.count(f))
            };
            Some(AuthorityResult {
                name: a.name.clone(),
                weight: a.weight,
                requests: client::requests(recorder, server.count(|s| s.requests)),
                errors: recorder.errors.clone(),
                throughput_rps: recorder.ok() as f64 / elapsed,
                latency_us: LatencySummary::of(&recorder.latency),
                breakdown_us: client::breakdown(&recorder.phases, ran),
                handshakes: both(client.opened(), |s| s.accepted),
                tls_handshakes: (ran.transport == Transport::Https).then(|| TlsHandshakes {
                    full: both(client.tls_full(), |s| s.tls_full),
                    resumed: both(client.tls_resumed(), |s| s.tls_resumed),
                }),
                peak_connections: Observed::new(client.peak(), server.peak(|s| s.peak_open)),
                connection_ends: w.ends_by_authority.get(i)?.clone(),
                // A client that dials its own is counted as it dials, not
                // by authority: its handshakes per authority are the
                // server's alone.
                unobserved: match ran.spec.kind.opaque {
                    true => vec!["handshakes".to_string()],
                    false => Vec::new(),
                },
            })
        })
        .collect()
}

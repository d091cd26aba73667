//! Isolation between authorities: when a run has a mode whose limit is
//! shared by all authorities (`scope = "global"`) beside one with a limit
//! per authority, and an authority waited far longer for a connection
//! under the shared limit, the verdict names the authority that held the
//! shared connections.

use crate::results::format::micros;
use crate::results::{AuthorityResult, ModeResult, Phase, Results, label};

/// How much longer a wait under the shared limit must be to be named.
const FAR_LONGER: f64 = 5.0;

pub fn isolation(results: &Results) -> Vec<String> {
    let pool_wait = |a: &AuthorityResult| a.breakdown_us.phase(Phase::PoolWait).map(|s| s.mean);
    let mut out = Vec::new();
    let per_authority = results
        .modes
        .iter()
        .find(|m| m.limit.is_some() && !m.global_limit && !m.authorities.is_empty());
    let Some(each) = per_authority else {
        return out;
    };
    for shared in results.modes.iter().filter(|m| m.global_limit) {
        let slowest = slowest(shared);
        for a in &shared.authorities {
            let Some(own) = each.authorities.iter().find(|o| o.name == a.name) else {
                continue;
            };
            let (Some(waited), Some(alone)) = (pool_wait(a), pool_wait(own)) else {
                continue;
            };
            let Some(hog) = slowest.filter(|s| s.name != a.name) else {
                continue;
            };
            if waited >= 1000.0 && waited >= FAR_LONGER * alone {
                out.push(format!(
                    "{}'s requests waited {} for a connection under {}'s shared limit, {} \
                     under {}'s limit per authority: {}'s requests ({} each) held the shared \
                     connections — a limit per authority isolates a slow dependency",
                    a.name,
                    micros(waited),
                    label(results, shared),
                    micros(alone),
                    label(results, each),
                    hog.name,
                    micros(hog.latency_us.mean),
                ));
            }
        }
    }
    out
}

/// The authority whose requests took longest, on average.
fn slowest(m: &ModeResult) -> Option<&AuthorityResult> {
    m.authorities
        .iter()
        .max_by(|a, b| a.latency_us.mean.total_cmp(&b.latency_us.mean))
}

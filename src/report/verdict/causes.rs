//! Why a mode won or lost, read from its own figures: each rule below looks
//! at counts and phase means the run measured and, when they show a cause,
//! says it in one sentence with the figures it came from.
//!
//! - **failures**: some requests failed → how many, the dominant kind, what
//!   to do about it;
//! - **queue**: the pool wait is a fifth or more of the mean latency →
//!   how long requests waited, and whether the limit is below the tasks or
//!   the mode held its bodies (and so its connections) unread;
//! - **a connection per request**: handshakes ≥ 90% of requests → for a
//!   client per request or keep-alive off, the tax it paid (TCP connects
//!   and TLS handshakes, each with its mean cost); for a reusing mode, who
//!   closed the connections (a server that closes after every response
//!   leaves no strategy anything to reuse), whether the mode dropped its
//!   bodies unread, or why the pool discarded them;
//! - **reuse**: handshakes under half the requests → how many connections
//!   served how many requests.

use crate::metrics::errors::hint_for;
use crate::modes::catalogue::kind_of;
use crate::modes::{Reuse, Wait};
use crate::results::format::micros;
use crate::results::{
    BodyHandling, ConnectionEnd, ErrorKind, Kind, ModeResult, Phase, Results, label,
};

/// A phase or wait counts as a cause from this share of the mean latency.
pub(super) const DOMINANT: f64 = 0.2;

/// One sentence per cause a mode's own figures show, mode by mode in run
/// order (the sweeps' recommendations first).
pub fn causes(results: &Results) -> Vec<String> {
    let tasks = results.scenario.load.concurrency;
    let sweeps = results.sweeps.iter().map(|s| {
        format!(
            "{}: {}",
            crate::results::sweep_label(results, s),
            match s.recommended {
                Some(l) => format!("the sweep recommends limit {l}, {}", s.reason),
                None => format!("the sweep recommends nothing: {}", s.reason),
            }
        )
    });
    // A sweep's points speak through its recommendation.
    let modes = results
        .modes
        .iter()
        .filter(|m| m.sweep.is_none())
        .flat_map(|m| {
            let name = label(results, m);
            // When the server broke reused connections, that is the cause
            // of the failures; when most requests failed, how the rest
            // used their connections says little.
            let broken = broken_reuse(m, &name, results).or_else(|| overwhelmed(m, &name, results));
            let mostly_failed = share(m.requests.failed, m.requests.sent) > 0.5;
            [
                if broken.is_some() {
                    broken
                } else {
                    failures(m, &name, results)
                },
                queue(m, &name, tasks, results),
                (!mostly_failed)
                    .then(|| connections(m, &name, tasks as u64))
                    .flatten(),
            ]
        })
        .flatten();
    sweeps.chain(modes).collect()
}

/// "pooled: 12 of 1000 requests failed, 10 of them reset: …"; out of file
/// descriptors, with the limit it ran out of.
fn failures(m: &ModeResult, name: &str, results: &Results) -> Option<String> {
    let failed = m.requests.failed;
    if failed == 0 {
        return None;
    }
    let (kind, n) = m.errors.dominant();
    let nofile = &results.environment.nofile;
    let limit = match kind {
        ErrorKind::Emfile => format!(
            " (the client's limit was {}{}; {name} held {} at its peak)",
            nofile.soft,
            nofile.origin().map_or(String::new(), |o| format!(", {o}")),
            m.peak_fds
        ),
        _ => String::new(),
    };
    // Over HTTP/2 a refusal is of a stream, not of a connection.
    let why = match (kind, m.http.is_http1()) {
        (ErrorKind::Refused, false) => {
            "the server refused streams (REFUSED_STREAM) beyond its limit of streams per \
             connection — a client that sends before it has read the server's SETTINGS, or \
             beyond them, loses them"
        }
        _ => hint_for(m, kind),
    };
    let statuses = m
        .statuses_of(kind)
        .map_or(String::new(), |s| format!(" ({s})"));
    Some(format!(
        "{name}: {failed} of {} requests failed, {n} of them {}{statuses}: {why}{limit}",
        m.requests.sent,
        kind.label(),
    ))
}

/// "the server answered 992 of pooled's requests on reused connections with
/// stale responses (the server's count): keep-alive off avoids it —
/// keep_alive_disabled failed none".
fn broken_reuse(m: &ModeResult, name: &str, results: &Results) -> Option<String> {
    let server = |o: crate::results::Observed| o.server.unwrap_or(0);
    let (stale, overrun) = (server(m.stale_responses), server(m.overrun_responses));
    let (n, what) = if stale >= overrun && stale > 0 {
        (stale, "stale responses (another request's)")
    } else if overrun > 0 {
        (overrun, "bytes beyond the response's length")
    } else {
        return None;
    };
    let hidden = stale < overrun && m.unobserved.iter().any(|u| u == "overrun_responses");
    let seen = match m.requests.failed {
        _ if hidden => format!(
            "whether {name} noticed them poolbench cannot see (its client hides its connections' bytes)"
        ),
        0 => format!("{name} noticed none of them (it counted every request a success)"),
        failed => format!("{name} failed {failed} requests"),
    };
    let mut text = format!(
        "the server answered {n} of {name}'s requests on reused connections with {what}, by its \
         own count; {seen}"
    );
    let off = results
        .modes
        .iter()
        .find(|o| keep_alive_off(o) && o.requests.failed == 0);
    if let Some(off) = off {
        text.push_str(&format!(
            " — keep-alive off avoids it: {} failed none",
            label(results, off)
        ));
    }
    Some(text)
}

/// "the server turned away 1671 of too_wide's requests over its cap of 16
/// connections (503): too_wide held up to 64".
fn overwhelmed(m: &ModeResult, name: &str, results: &Results) -> Option<String> {
    let turned = m.turned_away.server.filter(|n| *n > 0)?;
    let server = results.scenario.server.as_ref()?;
    let what = match server.over_capacity.as_str() {
        "refuse" => {
            format!("refused {turned} of {name}'s connections (a reset right after accepting)")
        }
        _ => format!("answered {turned} of {name}'s requests with 503"),
    };
    Some(format!(
        "the server {what} over its cap of {} connections: {name} opened up to {} at once — keep \
         the client's limit at or under what the server holds",
        server.max_connections, m.peak_connections.client
    ))
}

/// "pooled waited 41.56 ms of its 52.22 ms per request for a connection:
/// 10 connections for 50 tasks, so 990 of 1000 requests queued — raise
/// the limit".
fn queue(m: &ModeResult, name: &str, tasks: usize, results: &Results) -> Option<String> {
    let open_files = results.environment.nofile.soft;
    let server_cap = results
        .scenario
        .server
        .as_ref()
        .map_or(0, |s| s.max_connections);
    let wait = m.breakdown_us.phase(Phase::PoolWait)?.mean;
    let latency = m.latency_us.mean;
    if latency <= 0.0 || wait < DOMINANT * latency {
        return None;
    }
    let h2 = !m.http.is_http1();
    let mut text = format!(
        "{name} waited {} of its {} per request (mean) for {}",
        micros(wait),
        micros(latency),
        if h2 {
            "an HTTP/2 stream"
        } else {
            "a connection"
        }
    );
    if kind_of(&m.mode).is_some_and(|k| k.sees.wait == Wait::Permit) {
        // Its wait is for a permit of the semaphore, which counts no queue.
        return Some(format!(
            "{name} waited {} of its {} per request (mean) for one of its semaphore's {} \
             permits per host ({tasks} tasks)",
            micros(wait),
            micros(latency),
            m.limit.unwrap_or(0)
        ));
    }
    let waits = m.pool.as_ref().map_or(0, |p| p.waits);
    if let BodyHandling::Hold { hold_us } = m.body {
        text.push_str(&format!(
            ": it held each body {} unread, and its connection with it, while {waits} of {} \
             requests queued",
            micros(hold_us as f64),
            m.requests.sent
        ));
        return Some(text);
    }
    let streams =
        m.h2.and_then(|h| h.peak_streams_server.or(h.peak_streams_client));
    match (m.limit, streams) {
        (Some(limit), Some(per)) if h2 && (limit as u64 * per) < tasks as u64 => {
            text.push_str(&format!(
                ": {limit} connections of at most {per} streams each for {tasks} tasks, so {waits} \
                 of {} requests queued — the server's stream limit and the pool's connection \
                 limit together set how many run at once",
                m.requests.sent
            ))
        }
        (Some(limit), _) if !h2 && (limit as usize) < tasks => {
            // A connection is a descriptor: a limit near the open-files
            // limit trades the queue for EMFILE.
            let within = if server_cap > 0 {
                format!(", up to the server's cap of {server_cap} connections")
            } else if tasks as u64 >= open_files / 2 {
                format!(", as far as the open-files limit ({open_files}) allows")
            } else {
                String::new()
            };
            let swept = results
                .sweeps
                .iter()
                .find(|s| s.transport == m.transport && s.recommended.is_some())
                .and_then(|s| s.recommended)
                .map_or(String::new(), |r| format!(" (the sweep recommends {r})"));
            text.push_str(&format!(
                ": {limit} connections for {tasks} tasks, so {waits} of {} requests queued — \
                 raise the limit{within}{swept}",
                m.requests.sent
            ))
        }
        (Some(limit), _) => text.push_str(&format!(" (limit {limit}, {waits} requests queued)")),
        (None, _) => {}
    }
    Some(text)
}

/// What the mode's connections say: a handshake per request (and why), or
/// how far its connections were reused.
fn connections(m: &ModeResult, name: &str, tasks: u64) -> Option<String> {
    let (conns, sent) = (m.handshakes.client, m.requests.ok);
    let warm = m.warmup.handshakes.client;
    if sent >= 2 && conns == 0 && warm > 0 {
        return Some(format!(
            "{name} opened no connection while measured: its {sent} requests went over the \
             {warm} its warmup opened"
        ));
    }
    if sent < 2 || conns == 0 {
        return None;
    }
    if share(conns, sent) >= 0.9 {
        let per_request = kind_of(&m.mode).is_some_and(|k| k.per_request);
        return Some(if per_request {
            format!("{name} paid the handshake tax on every request: {}", tax(m))
        } else if keep_alive_off(m) {
            format!(
                "{name} opened a connection per request, as keep-alive off must: {}",
                tax(m)
            )
        } else {
            not_reused(m, name)
        });
    }
    if share(conns, sent) <= 0.5 {
        let reuses = m
            .pool
            .as_ref()
            .map(|p| format!(" (reused {} times)", p.reuses))
            .unwrap_or_default();
        let http1 = m.http.is_http1();
        let cap = match kind_of(&m.mode) {
            Some(kind) => kind.reuse.sentence(http1),
            None => Reuse::PLAIN.sentence(http1),
        }
        .map_or(String::new(), |c| format!(": {c}"));
        let surplus = surplus(m, tasks).map_or(String::new(), |s| format!(" — {s}"));
        return Some(format!(
            "{name} served {sent} requests over {conns} connections{reuses}{cap}{surplus}"
        ));
    }
    None
}

/// Why a mode opened more connections than its limit (or, without one,
/// its tasks) should need, from what its figures show: connections the
/// server closed and the client replaced, or more open at once than there
/// were requests to carry (a connect raced against a connection on its
/// way back to the pool, hyper #4134). `None` when it opened no more.
fn surplus(m: &ModeResult, tasks: u64) -> Option<String> {
    let conns = m.handshakes.client;
    let (bound, what) = match m.limit.map(u64::from) {
        Some(limit) if limit < tasks => (limit, format!("its limit of {limit}")),
        _ => (tasks, format!("its {tasks} tasks")),
    };
    if conns <= bound {
        return None;
    }
    let extra = conns - bound;
    let closed = m.connection_ends.count(ConnectionEnd::ServerClosedFirst)
        + m.connection_ends.count(ConnectionEnd::ServerReset)
        + m.pool.as_ref().map_or(0, |p| p.discards.total());
    let peak = m.peak_connections.client;
    Some(if peak > bound {
        format!(
            "{extra} more than {what}: up to {peak} were open at once, so a connection was \
             opened while another was on its way back to the pool (a connect raced against \
             waiting for an idle one)"
        )
    } else if closed > 0 {
        format!(
            "{extra} more than {what}: {closed} were closed by the server or discarded and \
             replaced (never more than {peak} open at once)"
        )
    } else {
        format!(
            "{extra} more than {what}, never more than {peak} open at once: connections were \
             closed and replaced during the run"
        )
    })
}

/// Whether the mode sent `Connection: close` on every request (a results
/// file from before the flag existed says so by its kind alone).
fn keep_alive_off(m: &ModeResult) -> bool {
    m.keep_alive_off || kind_of(&m.mode).is_some_and(|k| k.keep_alive_off)
}

/// Whether the mode's client did its own TLS out of poolbench's sight:
/// its TLS handshakes were not observed (a results file says so itself).
fn own_tls(m: &ModeResult) -> bool {
    m.unobserved.iter().any(|f| f == "tls_full")
}

/// `part / whole` (counts from a file may be anything: no overflow).
fn share(part: u64, whole: u64) -> f64 {
    part as f64 / whole as f64
}

/// Why a mode that reuses connections opened one per request.
fn not_reused(m: &ModeResult, name: &str) -> String {
    let conns = m.handshakes.client;
    let ends = &m.connection_ends;
    let by_server = ends
        .count(ConnectionEnd::ServerClosedFirst)
        .saturating_add(ends.count(ConnectionEnd::ServerReset));
    if share(by_server, conns) >= 0.9 {
        return format!(
            "the server closed {by_server} of {name}'s {conns} connections first, after about \
             one response each: no strategy can reuse them ({})",
            tax(m)
        );
    }
    if m.body == BodyHandling::Drop {
        return format!(
            "{name} opened {conns} connections for {} requests: it dropped each body unread, \
             and a connection with unread bytes on it cannot be reused",
            m.requests.ok
        );
    }
    let discarded = m.pool.as_ref().map(|p| p.discards.dominant());
    match discarded {
        Some((reason, n)) if n > 0 => format!(
            "{name} opened {conns} connections for {} requests: the pool discarded {n} \
             ({})",
            m.requests.ok,
            reason.name()
        ),
        _ => format!(
            "{name} opened {conns} connections for {} requests",
            m.requests.ok
        ),
    }
}

/// "1000 TCP connects (11.14 ms each), 1000 full TLS handshakes (13.45 ms
/// each)": counts, and each step's total time over its count.
fn tax(m: &ModeResult) -> String {
    let conns = m.handshakes.client;
    let each = |phase: Phase, n: u64| {
        m.breakdown_us
            .phase(phase)
            .filter(|_| n > 0)
            .map(|s| format!(" ({} each)", micros(s.mean * s.count as f64 / n as f64)))
            .unwrap_or_default()
    };
    let over = match m.transport {
        crate::results::Transport::Unix => "Unix-socket",
        _ => "TCP",
    };
    let mut text = format!("{conns} {over} connects{}", each(Phase::Connect, conns));
    if let Some(tls) = &m.tls_handshakes {
        // A client that hides its TLS handshakes: the server's count.
        let seen = |o: crate::results::Observed| match own_tls(m) {
            true => o.server.unwrap_or(0),
            false => o.client,
        };
        let (full, resumed) = (seen(tls.full), seen(tls.resumed));
        let kinds = match (full, resumed) {
            (f, 0) => format!("{f} full TLS handshakes"),
            (0, r) => format!("{r} resumed TLS handshakes"),
            (f, r) => format!("{f} full and {r} resumed TLS handshakes"),
        };
        text.push_str(&format!(
            ", {kinds}{}",
            each(Phase::Tls, full.saturating_add(resumed))
        ));
    }
    text
}

#[cfg(test)]
mod tests;

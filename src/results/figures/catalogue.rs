//! The catalogue itself: every figure, in the order reports show them.

use super::read::{STATS, latency, names, peak_streams_cell, sides, stat, time_wait_cell};
use super::shapes::{bad_responses, phase_figure};
use super::{Better, Figure, Observers, Qualifiers, Show, Unit};
use crate::results::{ConnectionEnd, Discard, ErrorKind, Kind, Observed, Phase};

const NONE: Qualifiers = Qualifiers::Fixed(&[]);
/// The observers' qualifiers.
const SIDES: Qualifiers = Qualifiers::Fixed(&["client", "server"]);

/// Every figure, in the order reports show them.
pub static FIGURES: &[Figure] = &[
    Figure {
        name: "requests",
        label: "requests ok",
        doc: "successful requests (client) | requests the server answered",
        unit: Unit::Count,
        better: Better::Higher,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| {
            let o = Observed {
                client: m.requests.ok,
                server: m.requests.server,
            };
            sides(o, q)
        },
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "errors",
        label: "requests failed",
        doc: "failed requests; a kind as qualifier counts that kind",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: Qualifiers::Kinds(names::<ErrorKind>),
        compared: true,
        read: |m, q| {
            Some(
                match q.and_then(|q| ErrorKind::ALL.iter().find(|k| k.name() == q)) {
                    Some(kind) => m.errors.count(*kind),
                    None => m.requests.failed,
                } as f64,
            )
        },
        show: Show::Text(|m| m.errors.summary(ErrorKind::label, "0")),
        quiet: false,
    },
    Figure {
        name: "error_rate",
        label: "error rate",
        doc: "failed / sent (0..1; write 1% for 0.01)",
        unit: Unit::Fraction,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| Some(m.requests.failed as f64 / m.requests.sent.max(1) as f64),
        show: Show::Value,
        quiet: true,
    },
    Figure {
        name: "throughput",
        label: "throughput",
        doc: "successful requests per second of measured time",
        unit: Unit::PerSecond,
        better: Better::Higher,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: true,
        read: |m, _| Some(m.throughput_rps),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "p50",
        label: "latency p50",
        doc: "latency median, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: true,
        read: |m, _| latency(m, "p50"),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "p90",
        label: "latency p90",
        doc: "latency 90th percentile, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| latency(m, "p90"),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "p99",
        label: "latency p99",
        doc: "latency 99th percentile, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: true,
        read: |m, _| latency(m, "p99"),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "p99_9",
        label: "latency p99.9",
        doc: "latency 99.9th percentile, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| latency(m, "p99_9"),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "max",
        label: "latency max",
        doc: "latency maximum, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| latency(m, "max"),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "mean",
        label: "latency mean",
        doc: "latency mean, µs",
        unit: Unit::Micros,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| latency(m, "mean"),
        show: Show::Value,
        quiet: false,
    },
    phase_figure!(Phase::Late, "late", "phase: late (open loop)"),
    phase_figure!(Phase::ClientBuild, "client_build", "phase: client build"),
    phase_figure!(Phase::PoolWait, "pool_wait", "phase: pool wait"),
    phase_figure!(Phase::Connect, "connect", "phase: connect"),
    phase_figure!(Phase::Tls, "tls", "phase: TLS handshake"),
    phase_figure!(Phase::FirstByte, "first_byte", "phase: first byte"),
    phase_figure!(Phase::Body, "body", "phase: body"),
    Figure {
        name: "handshakes",
        label: "handshakes",
        doc: "new TCP connections",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: true,
        read: |m, q| sides(m.handshakes, q),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "tls_full",
        label: "TLS full",
        doc: "full TLS handshakes (certificate sent and verified)",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| sides(m.tls_handshakes?.full, q),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "tls_resumed",
        label: "TLS resumed",
        doc: "resumed TLS handshakes (a session ticket or ID)",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| sides(m.tls_handshakes?.resumed, q),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "peak_connections",
        label: "peak conns",
        doc: "most connections open at once",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: true,
        read: |m, q| sides(m.peak_connections, q),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "peak_fds",
        label: "peak fds",
        doc: "most fds open in the client process, minus those before the mode",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Os,
        qualifiers: NONE,
        compared: true,
        read: |m, _| Some(m.peak_fds as f64),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "time_wait",
        label: "TIME_WAIT client | server side",
        doc: "sockets that entered TIME_WAIT during the mode (TCP only: a Unix socket has no TIME_WAIT to observe)",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Os,
        qualifiers: Qualifiers::Fixed(&["total", "client", "server"]),
        compared: false,
        read: |m, q| {
            if m.transport == crate::results::Transport::Unix {
                return None;
            }
            let t = &m.time_wait;
            Some(match q {
                Some("client") => t.client_side,
                Some("server") => t.server_side,
                _ => t.client_side + t.server_side,
            } as f64)
        },
        show: Show::Text(time_wait_cell),
        quiet: false,
    },
    Figure {
        name: "closed_first",
        label: "closed first client | server | RST",
        doc: "how connections ended, seen by the client at its first close action (TCP only: a Unix socket's end is not observable)",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::Client,
        qualifiers: Qualifiers::Fixed(&["client", "server", "reset"]),
        compared: false,
        read: |m, q| {
            if m.transport == crate::results::Transport::Unix {
                return None;
            }
            let e = &m.connection_ends;
            Some(match q {
                Some("server") => e.count(ConnectionEnd::ServerClosedFirst),
                Some("reset") => {
                    e.count(ConnectionEnd::ClientReset) + e.count(ConnectionEnd::ServerReset)
                }
                _ => e.count(ConnectionEnd::ClientClosedFirst),
            } as f64)
        },
        show: Show::Parts(&["client", "server", "reset"]),
        quiet: false,
    },
    Figure {
        name: "peak_streams",
        label: "peak streams per conn",
        doc: "HTTP/2: most streams in flight at once on one connection: poolbench's pool (a stream taken until its body is read) | the bundled server (a request's arrival until its response's last frame)",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| {
            let h = m.h2?;
            match q {
                Some("server") => h.peak_streams_server,
                _ => h.peak_streams_client,
            }
            .map(|v| v as f64)
        },
        show: Show::Text(peak_streams_cell),
        quiet: false,
    },
    Figure {
        name: "goaways",
        label: "GOAWAYs sent",
        doc: "HTTP/2: GOAWAY frames the bundled server sent (after max_requests_per_connection streams, or idle)",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::Server,
        qualifiers: NONE,
        compared: false,
        read: |m, _| m.h2?.goaways_server.map(|v| v as f64),
        show: Show::Value,
        quiet: true,
    },
    Figure {
        name: "proxy_connections",
        label: "proxy: accepted | upstream",
        doc: "connections the bundled forward proxy accepted from the client | opened to the origin; tunnels (CONNECT) and forwarded requests as qualifiers",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Proxy,
        qualifiers: Qualifiers::Fixed(&["accepted", "upstream", "tunnels", "forwarded", "failed"]),
        compared: false,
        read: |m, q| {
            let p = m.proxy?;
            Some(match q {
                Some("upstream") => p.upstream,
                Some("tunnels") => p.tunnels,
                Some("forwarded") => p.forwarded,
                Some("failed") => p.failed,
                _ => p.accepted,
            } as f64)
        },
        show: Show::Parts(&["accepted", "upstream"]),
        quiet: false,
    },
    bad_responses!(
        "overrun_responses",
        "overrun responses",
        "responses followed by bytes beyond their Content-Length",
        overrun_responses
    ),
    bad_responses!(
        "stale_responses",
        "stale responses",
        "responses that belonged to another request (a stale response on a reused connection)",
        stale_responses
    ),
    bad_responses!(
        "turned_away",
        "turned away",
        "requests turned away over the server's connection cap: refused, reset or 503",
        turned_away
    ),
    Figure {
        name: "cpu",
        label: "CPU µs/req",
        doc: "user + system CPU per request of the client process | the server process",
        unit: Unit::MicrosPerRequest,
        better: Better::Lower,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: true,
        read: |m, q| match q {
            Some("server") => m.cpu_us_per_request.server,
            _ => Some(m.cpu_us_per_request.client),
        },
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "reuses",
        label: "pool reuses",
        doc: "checkouts served by an existing connection (poolbench's pool)",
        unit: Unit::Count,
        better: Better::Higher,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| m.pool.as_ref().map(|p| p.reuses as f64),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "waits",
        label: "pool waits",
        doc: "checkouts that queued for a connection (poolbench's pool)",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| m.pool.as_ref().map(|p| p.waits as f64),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "retries",
        label: "pool retries",
        doc: "requests retried on a fresh connection after a reused one failed",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: NONE,
        compared: false,
        read: |m, _| m.pool.as_ref().map(|p| p.retries as f64),
        show: Show::Value,
        quiet: false,
    },
    Figure {
        name: "discards",
        label: "pool discards",
        doc: "connections the pool closed instead of reusing; a reason as qualifier counts that reason",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Client,
        qualifiers: Qualifiers::Kinds(names::<Discard>),
        compared: false,
        read: |m, q| {
            let d = &m.pool.as_ref()?.discards;
            Some(
                match q.and_then(|q| Discard::ALL.iter().find(|k| k.name() == q)) {
                    Some(reason) => d.count(*reason),
                    None => d.total(),
                } as f64,
            )
        },
        show: Show::Text(|m| {
            m.pool
                .as_ref()
                .map_or("-".to_string(), |p| p.discards.summary(Discard::name, "0"))
        }),
        quiet: false,
    },
    Figure {
        name: "warmup_handshakes",
        label: "warmup handshakes",
        doc: "new TCP connections during the warmup, before measuring",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| sides(m.warmup.handshakes, q),
        show: Show::Value,
        quiet: true,
    },
];

//! The catalogue of figures: every figure a mode reports, written once —
//! its name (as gate checks and `compare` say it), what it is, its unit,
//! who observes it, which way is better, and how to read it from a mode's
//! results. The gate, `compare`, the rounds' key figures and every report
//! iterate this list; adding a figure is one entry here plus its
//! measurement.
//!
//! A figure is read with an optional qualifier (`handshakes.server`,
//! `pool_wait.p99`); the first qualifier listed is the default.

use super::{ConnectionEnd, Discard, ErrorKind, Kind, LatencySummary, ModeResult, Observed, Phase};

/// What a figure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things (requests, connections, sockets).
    Count,
    /// Per second.
    PerSecond,
    /// Microseconds.
    Micros,
    /// Microseconds of CPU per request.
    MicrosPerRequest,
    /// A fraction, 0..1.
    Fraction,
}

impl Unit {
    /// How gate messages and `compare` write a value in this unit.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::PerSecond => "/s",
            Unit::Micros => " µs",
            Unit::MicrosPerRequest => " µs/req",
            Unit::Fraction => "",
        }
    }
}

/// Which way a figure should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither: it describes, it does not judge (TLS full vs resumed).
    Neither,
}

/// Who counts a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observers {
    /// poolbench's own client (connector, engine, pool).
    Client,
    /// The client and the bundled server, each on its own.
    ClientAndServer,
    /// The operating system (`/proc`, the socket table, `getrusage`).
    Os,
}

impl Observers {
    pub fn label(self) -> &'static str {
        match self {
            Observers::Client => "client",
            Observers::ClientAndServer => "client | server",
            Observers::Os => "OS",
        }
    }
}

/// One figure of the catalogue.
pub struct Figure {
    /// As gate checks and `compare` name it: `handshakes`.
    pub name: &'static str,
    /// As reports title its row.
    pub label: &'static str,
    /// What it is.
    pub doc: &'static str,
    pub unit: Unit,
    pub better: Better,
    pub observers: Observers,
    /// Qualifiers it takes; the first is the default.
    pub qualifiers: Qualifiers,
    /// Whether `compare` judges it and each round keeps it.
    pub compared: bool,
    /// Its value for a mode; `None` if the mode does not measure it.
    pub read: fn(&ModeResult, Option<&str>) -> Option<f64>,
}

impl Figure {
    /// The figure named `name`.
    pub fn named(name: &str) -> Option<&'static Figure> {
        FIGURES.iter().find(|f| f.name == name)
    }

    /// Its value for `m` with `qualifier` (the default if `None`).
    pub fn value(&self, m: &ModeResult, qualifier: Option<&str>) -> Option<f64> {
        (self.read)(m, qualifier)
    }

    /// Whether any mode of `modes` measures it.
    pub fn measured_by(&self, modes: &[ModeResult]) -> bool {
        modes.iter().any(|m| self.value(m, None).is_some())
    }
}

/// The qualifiers a figure takes.
pub enum Qualifiers {
    /// These, the first the default.
    Fixed(&'static [&'static str]),
    /// `total` (the default), then the names of a kind's values.
    Kinds(fn() -> Vec<&'static str>),
}

impl Qualifiers {
    pub fn list(&self) -> Vec<&'static str> {
        match self {
            Qualifiers::Fixed(q) => q.to_vec(),
            Qualifiers::Kinds(names) => std::iter::once("total").chain(names()).collect(),
        }
    }
}

const NONE: Qualifiers = Qualifiers::Fixed(&[]);
/// The observers' qualifiers.
const SIDES: Qualifiers = Qualifiers::Fixed(&["client", "server"]);
/// A distribution's statistics.
pub const STATS: &[&str] = &["mean", "p50", "p90", "p99", "p99_9", "max"];

/// The names of every value of a kind.
fn names<K: Kind>() -> Vec<&'static str> {
    K::ALL.iter().map(|k| k.name()).collect()
}

/// A statistic of a distribution.
pub fn stat(s: &LatencySummary, qualifier: Option<&str>) -> f64 {
    match qualifier.unwrap_or("mean") {
        "p50" => s.p50 as f64,
        "p90" => s.p90 as f64,
        "p99" => s.p99 as f64,
        "p99_9" => s.p99_9 as f64,
        "max" => s.max as f64,
        _ => s.mean,
    }
}

/// A client | server count.
fn sides(o: Observed, qualifier: Option<&str>) -> Option<f64> {
    match qualifier {
        Some("server") => o.server.map(|v| v as f64),
        _ => Some(o.client as f64),
    }
}

/// A latency statistic, when something succeeded.
fn latency(m: &ModeResult, q: &str) -> Option<f64> {
    (m.latency_us.count > 0).then(|| stat(&m.latency_us, Some(q)))
}

macro_rules! phase_figure {
    ($phase:expr, $name:literal, $label:literal) => {
        Figure {
            name: $name,
            label: $label,
            doc: "a phase of the latency breakdown, µs (mean by default)",
            unit: Unit::Micros,
            better: Better::Lower,
            observers: Observers::Client,
            qualifiers: Qualifiers::Fixed(STATS),
            compared: false,
            read: |m, q| m.breakdown_us.phase($phase).map(|s| stat(s, q)),
        }
    };
}

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
    },
    phase_figure!(Phase::Late, "late", "late (open loop)"),
    phase_figure!(Phase::ClientBuild, "client_build", "client build"),
    phase_figure!(Phase::PoolWait, "pool_wait", "pool wait"),
    phase_figure!(Phase::Connect, "connect", "connect"),
    phase_figure!(Phase::Tls, "tls", "TLS handshake"),
    phase_figure!(Phase::FirstByte, "first_byte", "first byte"),
    phase_figure!(Phase::Body, "body", "body"),
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
    },
    Figure {
        name: "time_wait",
        label: "TIME_WAIT client | server side",
        doc: "sockets that entered TIME_WAIT during the mode",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::Os,
        qualifiers: Qualifiers::Fixed(&["total", "client", "server"]),
        compared: false,
        read: |m, q| {
            let t = &m.time_wait;
            Some(match q {
                Some("client") => t.client_side,
                Some("server") => t.server_side,
                _ => t.client_side + t.server_side,
            } as f64)
        },
    },
    Figure {
        name: "closed_first",
        label: "closed first client | server | RST",
        doc: "how connections ended, seen by the client at its first close action",
        unit: Unit::Count,
        better: Better::Neither,
        observers: Observers::Client,
        qualifiers: Qualifiers::Fixed(&["client", "server", "reset"]),
        compared: false,
        read: |m, q| {
            let e = &m.connection_ends;
            Some(match q {
                Some("server") => e.count(ConnectionEnd::ServerClosedFirst),
                Some("reset") => {
                    e.count(ConnectionEnd::ClientReset) + e.count(ConnectionEnd::ServerReset)
                }
                _ => e.count(ConnectionEnd::ClientClosedFirst),
            } as f64)
        },
    },
    Figure {
        name: "overrun_responses",
        label: "overrun responses",
        doc: "responses followed by bytes beyond their Content-Length",
        unit: Unit::Count,
        better: Better::Lower,
        observers: Observers::ClientAndServer,
        qualifiers: SIDES,
        compared: false,
        read: |m, q| sides(m.overrun_responses, q),
    },
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
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_qualifier_lists_name_every_kind() {
        let mut names: Vec<&str> = FIGURES.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FIGURES.len());
        let errors = Figure::named("errors").map(|f| f.qualifiers.list());
        assert!(errors.is_some_and(|q| q.contains(&"protocol") && q[0] == "total"));
        for phase in Phase::ALL {
            assert!(Figure::named(phase.name()).is_some(), "{phase:?}");
        }
    }
}

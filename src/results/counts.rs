//! The counts a mode's result is made of, each beside how another round
//! (or another agent) of the same mode adds into it: counts summed, peaks
//! maxed, rates weighed by requests, histograms merged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LatencySummary;

/// Requests of the measured phase (client).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCounts {
    /// Requests issued and completed, successfully or not.
    pub sent: u64,
    /// Requests with a 1xx–3xx status and a body read to the end.
    pub ok: u64,
    /// Requests that failed (see `errors`).
    pub failed: u64,
    /// Requests the server answered (server); absent for an external target.
    pub server: Option<u64>,
}

impl RequestCounts {
    /// Adds another round's (or agent's) requests.
    pub fn absorb(&mut self, r: &RequestCounts) {
        let RequestCounts {
            sent,
            ok,
            failed,
            server,
        } = r;
        self.sent = self.sent.saturating_add(*sent);
        self.ok = self.ok.saturating_add(*ok);
        self.failed = self.failed.saturating_add(*failed);
        self.server = add(self.server, *server);
    }
}

/// HTTP/2's figures of one mode, each from whoever can see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct H2Counts {
    /// Most streams in flight at once on one connection, as poolbench's
    /// pool counted them (client; absent for clients whose pool is opaque).
    pub peak_streams_client: Option<u64>,
    /// The same, as the bundled server counted them (server).
    pub peak_streams_server: Option<u64>,
    /// GOAWAYs the bundled server sent (server).
    pub goaways_server: Option<u64>,
}

impl H2Counts {
    /// Another round's: peaks maxed, GOAWAYs summed.
    pub fn absorb(&mut self, r: &H2Counts) {
        let H2Counts {
            peak_streams_client,
            peak_streams_server,
            goaways_server,
        } = r;
        self.peak_streams_client = self.peak_streams_client.max(*peak_streams_client);
        self.peak_streams_server = self.peak_streams_server.max(*peak_streams_server);
        self.goaways_server = add(self.goaways_server, *goaways_server);
    }
}

/// An open loop's schedule against what it got (client): the rate asked
/// for, the requests that fell due, those that started. With `-z` nothing
/// starts after the deadline, so a loop fallen behind its schedule shows
/// the requests it cut.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenLoop {
    /// The rate the schedule asked for, requests per second (a burst's
    /// size over its period).
    pub requested_rps: f64,
    /// Requests the schedule made due: its `-n`, or those due before its
    /// `-z` deadline.
    pub due: u64,
    /// Requests that started.
    pub started: u64,
    /// Seconds from the start to the last request due or started
    /// (whichever came later), plus one interval of the asked rate.
    pub window_s: f64,
}

impl OpenLoop {
    /// Requests started per second.
    pub fn achieved_rps(&self) -> f64 {
        self.started as f64 / self.window_s.max(f64::MIN_POSITIVE)
    }

    /// Requests due that never started (cut at the deadline).
    pub fn cut(&self) -> u64 {
        self.due.saturating_sub(self.started)
    }

    /// The share of the asked rate achieved (0..1).
    pub fn share(&self) -> f64 {
        self.achieved_rps() / self.requested_rps.max(f64::MIN_POSITIVE)
    }

    /// Two rounds (or agents) of the same schedule together.
    pub fn plus(self, o: OpenLoop) -> OpenLoop {
        OpenLoop {
            requested_rps: self.requested_rps,
            due: self.due.saturating_add(o.due),
            started: self.started.saturating_add(o.started),
            window_s: self.window_s + o.window_s,
        }
    }
}

/// What the bundled forward proxy counted during the measured phase
/// (proxy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyCounts {
    /// Connections it accepted from the client: the client's handshakes,
    /// as the proxy saw them.
    pub accepted: u64,
    /// Connections it opened to the origin: the origin's handshakes, as
    /// the proxy made them.
    pub upstream: u64,
    /// `CONNECT` tunnels it opened (https).
    pub tunnels: u64,
    /// Requests it forwarded in absolute form (http).
    pub forwarded: u64,
    /// Requests it answered 502, or tunnels it could not open.
    pub failed: u64,
}

impl ProxyCounts {
    /// The counts of `self` and `other` together.
    pub fn plus(self, o: ProxyCounts) -> ProxyCounts {
        ProxyCounts {
            accepted: self.accepted.saturating_add(o.accepted),
            upstream: self.upstream.saturating_add(o.upstream),
            tunnels: self.tunnels.saturating_add(o.tunnels),
            forwarded: self.forwarded.saturating_add(o.forwarded),
            failed: self.failed.saturating_add(o.failed),
        }
    }
}

/// TLS handshakes completed, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsHandshakes {
    /// Full handshakes (certificate sent and verified).
    pub full: Observed,
    /// Resumed handshakes (a session ticket or ID from an earlier one).
    pub resumed: Observed,
}

impl TlsHandshakes {
    /// Another round's handshakes, summed.
    pub fn absorb(&mut self, r: &TlsHandshakes) {
        let TlsHandshakes { full, resumed } = r;
        self.full = self.full.plus(*full);
        self.resumed = self.resumed.plus(*resumed);
    }
}

/// A count seen by both the client and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// As poolbench's client side counted it; `null` where the mode's
    /// client cannot observe it (see the mode's `unobserved`).
    #[serde(deserialize_with = "super::json::null_is_default")]
    #[schemars(with = "Option<u64>")]
    pub client: u64,
    /// As the bundled server counted it; absent for an external target.
    pub server: Option<u64>,
}

impl Observed {
    pub fn new(client: u64, server: Option<u64>) -> Observed {
        Observed { client, server }
    }

    /// Both counts summed (the server's where both have one).
    pub fn plus(self, o: Observed) -> Observed {
        Observed {
            client: self.client.saturating_add(o.client),
            server: add(self.server, o.server),
        }
    }

    /// The larger of each (peaks: each round's own).
    pub fn max(self, o: Observed) -> Observed {
        Observed {
            client: self.client.max(o.client),
            server: self.server.zip(o.server).map(|(a, b)| a.max(b)),
        }
    }
}

/// A rate seen by both the client and the server process.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedF64 {
    /// As measured for the client process.
    pub client: f64,
    /// As measured for the bundled server's process; absent for an external target.
    pub server: Option<f64>,
}

impl ObservedF64 {
    /// The mean of two per-request figures, weighed by their requests.
    pub fn weighed(self, sent: u64, o: ObservedF64, o_sent: u64) -> ObservedF64 {
        let mean =
            |a: f64, b: f64| (a * sent as f64 + b * o_sent as f64) / (sent + o_sent).max(1) as f64;
        ObservedF64 {
            client: mean(self.client, o.client),
            server: self.server.zip(o.server).map(|(a, b)| mean(a, b)),
        }
    }
}

/// Sockets that entered TIME_WAIT during the mode (OS: the kernel's socket
/// table via sock_diag, as `ss` reads it). Counted by socket, not by address
/// pair (Linux reuses pairs), and read once no socket of the mode is still
/// closing, so a client that closed first and waits in FIN_WAIT2 for the
/// server's FIN is counted once it gets it. A connection ended by a reset
/// (RST) leaves no TIME_WAIT socket on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWaitCounts {
    /// Sockets whose remote port is the one the client dials: the client
    /// closed first and its side keeps the TIME_WAIT socket.
    pub client_side: u64,
    /// Sockets whose local port is the server's: the server closed first
    /// (visible only when the server runs on this machine).
    pub server_side: u64,
    /// Sockets of the mode still closing (FIN_WAIT1/2, CLOSING, LAST_ACK)
    /// when the wait for them ran out; any that enter TIME_WAIT later are
    /// not counted.
    pub still_closing: u64,
    /// New connections whose local port the mode had already used: a
    /// TIME_WAIT socket of that address pair may have been recycled before
    /// it was seen, so when this is not 0 the counts are a lower bound.
    pub reused_ports: u64,
}

impl TimeWaitCounts {
    /// Whether the counts may miss sockets (see `still_closing`, `reused_ports`).
    pub fn lower_bound(&self) -> bool {
        self.still_closing > 0 || self.reused_ports > 0
    }

    /// Another round's sockets, summed.
    pub fn absorb(&mut self, r: &TimeWaitCounts) {
        let TimeWaitCounts {
            client_side,
            server_side,
            still_closing,
            reused_ports,
        } = r;
        self.client_side = self.client_side.saturating_add(*client_side);
        self.server_side = self.server_side.saturating_add(*server_side);
        self.still_closing = self.still_closing.saturating_add(*still_closing);
        self.reused_ports = self.reused_ports.saturating_add(*reused_ports);
    }
}

/// The warmup phase of a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarmupCounts {
    /// Requests sent during warmup.
    pub requests: u64,
    /// New TCP connections during warmup (client | server).
    pub handshakes: Observed,
}

impl WarmupCounts {
    /// Another round's warmup, summed.
    pub fn absorb(&mut self, r: &WarmupCounts) {
        let WarmupCounts {
            requests,
            handshakes,
        } = r;
        self.requests = self.requests.saturating_add(*requests);
        self.handshakes = self.handshakes.plus(*handshakes);
    }
}

/// Counters of poolbench's own pool during the measured phase.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolCounts {
    /// Checkouts served by an existing connection.
    pub reuses: u64,
    /// Checkouts that had to wait for a slot.
    pub waits: u64,
    /// Most checkouts waiting at once.
    pub peak_waiters: u64,
    /// Time spent waiting, for checkouts that waited, µs.
    pub wait_us: LatencySummary,
    /// Requests retried after a reused connection failed before sending.
    pub retries: u64,
    /// Connections closed instead of reused, by reason.
    pub discards: super::Counts<super::Discard>,
}

impl PoolCounts {
    /// Another round's counters: counts summed, the peak maxed, the waits'
    /// histograms merged.
    pub fn absorb(&mut self, r: &PoolCounts) -> anyhow::Result<()> {
        let PoolCounts {
            reuses,
            waits,
            peak_waiters,
            wait_us,
            retries,
            discards,
        } = r;
        self.reuses = self.reuses.saturating_add(*reuses);
        self.waits = self.waits.saturating_add(*waits);
        self.peak_waiters = self.peak_waiters.max(*peak_waiters);
        self.wait_us = self.wait_us.merged(wait_us)?;
        self.retries = self.retries.saturating_add(*retries);
        self.discards.merge(discards);
        Ok(())
    }
}

/// Latency by phase (µs, client), each a distribution over successful
/// requests (zeros included: a reused connection has no connect phase). A
/// phase the mode cannot observe is null. hyper_util's pool is opaque: a
/// new connection's times come back with its response, and its own
/// queueing, if any, falls into connect.
pub type Breakdown = super::PerKind<super::Phase, Option<LatencySummary>>;

impl Breakdown {
    /// The phase's distribution, if the mode observes it.
    pub fn phase(&self, phase: super::Phase) -> Option<&LatencySummary> {
        self.get(phase).as_ref()
    }

    /// Another round's phases, each merged.
    pub fn absorb(&mut self, r: &Breakdown) -> anyhow::Result<()> {
        use super::Kind;
        for phase in super::Phase::ALL {
            if let (Some(a), Some(o)) = (self.get_mut(*phase).as_mut(), r.phase(*phase)) {
                *a = a.merged(o)?;
            }
        }
        Ok(())
    }
}

/// A count both sides have: their sum, absent where either is.
fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    a.zip(b).map(|(a, b)| a.saturating_add(b))
}

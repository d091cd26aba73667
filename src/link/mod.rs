//! An emulated network link: a TCP proxy on loopback that delays every byte
//! by `rtt / 2` in each direction, optionally caps the bandwidth, and makes a
//! new connection's first byte wait one extra round trip, as a TCP handshake
//! does. netem needs root and a kernel module; this needs neither.
//!
//! Each direction is a reader that stamps every chunk with its due time
//! (arrival + rtt/2, later if the bandwidth cap or the handshake says so)
//! and a writer that sleeps until each chunk is due. Due times are computed
//! from arrival, so delays do not accumulate; chunks leave in arrival order,
//! so nothing is reordered. A reset on one side is passed on as a reset.
//!
//! `poolbench run` starts the link as its own child process (`poolbench
//! link`), so the proxy's sockets and CPU are counted neither as the
//! client's nor as the server's.

mod run;
mod schedule;
mod timer;

pub use run::{LinkSetup, run, run_child};

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use schedule::{Schedule, Wire};
use timer::PreciseTimer;

/// What the link emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkConfig {
    /// Round-trip time added between client and server.
    pub rtt: Duration,
    /// Bytes per second in each direction, shared by all connections
    /// through the link; `None` is unlimited.
    pub bandwidth: Option<u64>,
}

/// Chunks in flight per direction before the reader stops reading: the
/// emulated link's window.
const IN_FLIGHT: usize = 256;
const READ_SIZE: usize = 64 * 1024;

/// Accepts connections and relays each to `upstream` through the link;
/// under a bandwidth cap they share one wire each way.
pub async fn serve(listener: TcpListener, upstream: SocketAddr, config: LinkConfig) {
    let wires = config
        .bandwidth
        .map(|rate| (Wire::new(rate), Wire::new(rate)));
    loop {
        let Ok((client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let accepted = Instant::now();
        let wires = wires.clone();
        tokio::spawn(async move {
            if let Ok(server) = TcpStream::connect(upstream).await {
                relay(client, server, accepted, config, wires).await;
            }
        });
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    accepted: Instant,
    config: LinkConfig,
    wires: Option<(Arc<Wire>, Arc<Wire>)>,
) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // The client's first byte passes one round trip after it connected,
    // as it would after a real three-way handshake.
    let handshake = accepted + config.rtt;
    let (up_wire, down_wire) = wires.unzip();
    let up = Schedule::on(config.rtt, up_wire, Some(handshake));
    let down = Schedule::on(config.rtt, down_wire, None);
    let up = pipe(client_read, server_write, up);
    let down = pipe(server_read, client_write, down);
    // A reset either way ends both directions; dropping the halves closes
    // both sockets (the reset side with RST, see `pipe`).
    let _ = tokio::try_join!(up, down);
}

/// What the writer does with an item when it is due.
enum Item {
    Data(Bytes),
    /// The sender closed its side: pass the FIN on.
    Eof,
    /// The sender's connection was reset: pass a reset on.
    Reset,
}

/// Relays one direction; returns `Err` if the connection was reset.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut schedule: Schedule,
) -> Result<(), ()> {
    let (tx, mut rx) = mpsc::channel::<(Instant, Item)>(IN_FLIGHT);
    let reader = async move {
        let mut buf = BytesMut::with_capacity(READ_SIZE);
        loop {
            buf.reserve(READ_SIZE);
            let read = from.read_buf(&mut buf).await;
            let arrival = Instant::now();
            let (item, len) = match read {
                Ok(0) => (Item::Eof, 0),
                Ok(n) => (Item::Data(buf.split().freeze()), n),
                Err(_) => (Item::Reset, 0),
            };
            let last = !matches!(item, Item::Data(_));
            if tx.send((schedule.due(arrival, len), item)).await.is_err() || last {
                return;
            }
        }
    };
    let writer = async move {
        let mut timer = PreciseTimer::new().map_err(|_| ())?;
        while let Some((due, item)) = rx.recv().await {
            timer.sleep_until(due).await.map_err(|_| ())?;
            match item {
                Item::Data(bytes) => {
                    if to.write_all(&bytes).await.is_err() {
                        return Err(());
                    }
                }
                Item::Eof => {
                    let _ = to.shutdown().await;
                    return Ok(());
                }
                Item::Reset => {
                    let _ = crate::metrics::sockets::reset_on_close(to.as_ref().as_raw_fd());
                    return Err(());
                }
            }
        }
        Ok(())
    };
    let ((), written) = tokio::join!(reader, writer);
    written
}

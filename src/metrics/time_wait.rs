//! TIME_WAIT sockets of one mode, counted by the kernel's socket cookies
//! (see [`sockets`](super::sockets)): the sockets that *entered* TIME_WAIT
//! while the mode ran, not the address pairs that look new — Linux reuses
//! pairs, and counting pairs missed nearly all of them after a busy mode.
//!
//! The watch takes a snapshot when the measured window opens, looks again
//! every [`LOOK_EVERY`] while the mode runs (a TIME_WAIT socket lives 60 s,
//! so a long mode would otherwise lose its first ones), and a last time once
//! no socket of the mode is still closing ([`settle`]): a client that closed
//! first sits in FIN_WAIT2 until the server's FIN arrives, a round trip
//! later over a slow link, and only then enters TIME_WAIT.
//!
//! Sides: a socket whose local port is the server's is the server's (the
//! server closed first); one whose remote port is the port the client dials
//! is the client's (the client closed first). With the link emulator in
//! between the two ports differ, and the link's own sockets are neither.

use std::collections::HashSet;
use std::io;
use std::time::{Duration, Instant};

use super::sockets::{TcpSocket, TcpState, dump};

/// How often the watch looks while a mode runs.
pub const LOOK_EVERY: Duration = Duration::from_secs(10);

/// The ports that make a socket the mode's: one pair per authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// The ports the client dials (the link's, if there is one).
    pub client: PortList,
    /// The ports the server listens on.
    pub server: PortList,
}

/// A few ports (at most [`PortList::MAX`]), kept by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortList {
    ports: [u16; PortList::MAX],
    len: usize,
}

impl PortList {
    pub const MAX: usize = 16;

    /// Adds `port`; beyond [`Self::MAX`] ports it is ignored.
    pub fn push(&mut self, port: u16) {
        if self.len < Self::MAX {
            self.ports[self.len] = port;
            self.len += 1;
        }
    }

    pub fn contains(&self, port: u16) -> bool {
        self.ports[..self.len].contains(&port)
    }
}

impl From<u16> for PortList {
    fn from(port: u16) -> PortList {
        let mut list = PortList::default();
        list.push(port);
        list
    }
}

impl Ports {
    fn side(&self, s: &TcpSocket) -> Option<Side> {
        if self.server.contains(s.local_port) {
            Some(Side::Server)
        } else if self.client.contains(s.remote_port) {
            Some(Side::Client)
        } else {
            None
        }
    }

    fn touches(&self, s: &TcpSocket) -> bool {
        [s.local_port, s.remote_port]
            .iter()
            .any(|p| self.client.contains(*p) || self.server.contains(*p))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Server,
}

/// The mode's TIME_WAIT sockets, by cookie.
#[derive(Debug)]
pub struct TimeWaitWatch {
    ports: Ports,
    /// In TIME_WAIT when the window opened: not the mode's.
    before: HashSet<u64>,
    client: HashSet<u64>,
    server: HashSet<u64>,
    last_look: Instant,
}

impl TimeWaitWatch {
    /// Opens the window: what is in TIME_WAIT now does not count.
    pub fn start(ports: Ports) -> io::Result<TimeWaitWatch> {
        let before = dump(TcpState::TimeWait.bit())?
            .iter()
            .filter(|s| ports.side(s).is_some())
            .map(|s| s.cookie)
            .collect();
        Ok(TimeWaitWatch {
            ports,
            before,
            client: HashSet::new(),
            server: HashSet::new(),
            last_look: Instant::now(),
        })
    }

    /// Notes the TIME_WAIT sockets there are now.
    pub fn look(&mut self) -> io::Result<()> {
        self.last_look = Instant::now();
        for s in dump(TcpState::TimeWait.bit())? {
            if self.before.contains(&s.cookie) {
                continue;
            }
            match self.ports.side(&s) {
                Some(Side::Client) => self.client.insert(s.cookie),
                Some(Side::Server) => self.server.insert(s.cookie),
                None => false,
            };
        }
        Ok(())
    }

    /// Looks if [`LOOK_EVERY`] has passed since the last look.
    pub fn look_if_due(&mut self) -> io::Result<()> {
        if self.last_look.elapsed() >= LOOK_EVERY {
            self.look()?;
        }
        Ok(())
    }

    /// Sockets that entered TIME_WAIT since the start: (client side, server side).
    pub fn counts(&self) -> (u64, u64) {
        (self.client.len() as u64, self.server.len() as u64)
    }
}

/// Waits, at most `limit`, until no socket on `ports` is closing (FIN_WAIT1,
/// FIN_WAIT2, CLOSING, LAST_ACK) — nor, with `open_too`, still open (for a
/// client whose closes poolbench cannot follow); returns how many still
/// were at the limit.
pub async fn settle(ports: Ports, limit: Duration, open_too: bool) -> io::Result<u64> {
    let deadline = Instant::now() + limit;
    let states = match open_too {
        true => TcpState::CLOSING | TcpState::Established.bit(),
        false => TcpState::CLOSING,
    };
    loop {
        let closing = dump(states)?.iter().filter(|s| ports.touches(s)).count() as u64;
        if closing == 0 || Instant::now() >= deadline {
            return Ok(closing);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    /// Ten connections between the same two ports' worth of traffic: each
    /// closed by the client, each counted once, none before the window.
    #[tokio::test]
    async fn counts_sockets_that_entered_time_wait_in_the_window() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let ports = Ports {
            client: port.into(),
            server: port.into(),
        };
        let close_by_client = || -> io::Result<()> {
            let client = TcpStream::connect(("127.0.0.1", port))?;
            let (mut server, _) = listener.accept()?;
            drop(client);
            assert_eq!(server.read(&mut [0u8; 1])?, 0);
            Ok(())
        };
        close_by_client()?; // before the window
        assert_eq!(settle(ports, Duration::from_secs(30), false).await?, 0);
        let mut watch = TimeWaitWatch::start(ports)?;
        for _ in 0..10 {
            close_by_client()?;
        }
        assert_eq!(settle(ports, Duration::from_secs(30), false).await?, 0);
        watch.look()?;
        watch.look()?; // looking twice counts nothing twice
        assert_eq!(watch.counts(), (10, 0));
        Ok(())
    }

    /// The same address pair twice, closed by the server each time: Linux
    /// recycles the server's TIME_WAIT socket for the second connection's
    /// SYN, and a new one takes its place. Counting new pairs saw nothing
    /// new; counting sockets sees the second one.
    #[tokio::test]
    async fn a_recycled_address_pair_is_counted_again() -> io::Result<()> {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let server = listener.local_addr()?;
        let ports = Ports {
            client: server.port().into(),
            server: server.port().into(),
        };
        let mut local = None;
        let connect_and_let_the_server_close = async |local: &mut Option<std::net::SocketAddr>| {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.set_reuseaddr(true)?;
            socket.bind(local.unwrap_or("127.0.0.1:0".parse().map_err(io::Error::other)?))?;
            let mut client = socket.connect(server).await?;
            *local = Some(client.local_addr()?);
            drop(listener.accept().await?.0); // the server closes first
            assert_eq!(client.read(&mut [0u8; 1]).await?, 0);
            io::Result::Ok(())
        };
        connect_and_let_the_server_close(&mut local).await?;
        assert_eq!(settle(ports, Duration::from_secs(30), false).await?, 0);
        let mut watch = TimeWaitWatch::start(ports)?;
        assert_eq!(watch.before.len(), 1, "the first connection's TIME_WAIT");
        connect_and_let_the_server_close(&mut local).await?;
        assert_eq!(settle(ports, Duration::from_secs(30), false).await?, 0);
        watch.look()?;
        assert_eq!(watch.counts(), (0, 1));
        Ok(())
    }
}

//! How this side's close of a TCP socket ends its connection — who sends
//! the first FIN, or whether it is a reset — and how to make a close a
//! reset on purpose (a server that cuts a body short).

use std::io;

use super::sockets::TcpState;

pub use crate::results::ConnectionEnd;

/// How a client's connections end (see [`ConnectionEnd`]).
pub struct CloseKind;

impl CloseKind {
    /// How the connection of the TCP socket `fd` ends when this side
    /// starts to close it now — by a shutdown (`dropping` false) or by
    /// closing the socket (`dropping` true) — from its state (TCP_INFO) and
    /// unread bytes (FIONREAD): two system calls. Ask at this side's first
    /// close action: that is when the first FIN (or a reset) is decided.
    /// `None` if the socket cannot be asked (not TCP, already closed).
    pub fn of_socket(fd: std::os::fd::RawFd, dropping: bool) -> Option<ConnectionEnd> {
        let mut info = [0u8; 8];
        let mut len = info.len() as libc::socklen_t;
        let mut unread: libc::c_int = 0;
        // SAFETY: both calls write at most the sizes we pass into buffers
        // we own; an invalid fd makes them fail with EBADF.
        let ok = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_TCP,
                libc::TCP_INFO,
                info.as_mut_ptr().cast(),
                &mut len,
            ) == 0
                && libc::ioctl(fd, libc::FIONREAD, &mut unread) == 0
        };
        if !ok || len < 1 {
            return None;
        }
        // tcpi_state is the first byte of struct tcp_info.
        Some(CloseKind::of_state(
            TcpState::from_u8(info[0])?,
            unread > 0 && dropping,
        ))
    }

    /// The end a first close action in `state` makes; `unread` if bytes are
    /// left unread as the socket is closed.
    pub fn of_state(state: TcpState, unread: bool) -> ConnectionEnd {
        match state {
            // Only a reset brings a socket to CLOSE before this side closes.
            TcpState::Close => ConnectionEnd::ServerReset,
            _ if unread => ConnectionEnd::ClientReset,
            TcpState::CloseWait => ConnectionEnd::ServerClosedFirst,
            _ => ConnectionEnd::ClientClosedFirst,
        }
    }
}

/// Makes the socket's close send a reset (RST) instead of a FIN: SO_LINGER
/// with a zero timeout. Used to emulate connections dying mid-transfer.
pub fn reset_on_close(fd: std::os::fd::RawFd) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` outlives the call and its size is passed with it;
    // an invalid fd makes setsockopt fail with EBADF, not misbehave.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// Each way a connection can end, staged on loopback.
    #[test]
    fn tells_how_a_connection_will_end() -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let pair = || -> io::Result<(TcpStream, TcpStream)> {
            let client = TcpStream::connect(listener.local_addr()?)?;
            Ok((client, listener.accept()?.0))
        };
        let end = |s: &TcpStream, dropping| CloseKind::of_socket(s.as_raw_fd(), dropping);
        let (client, _server) = pair()?;
        assert_eq!(end(&client, true), Some(ConnectionEnd::ClientClosedFirst));
        let (mut client, server) = pair()?;
        drop(server);
        assert_eq!(client.read(&mut [0u8; 1])?, 0);
        assert_eq!(end(&client, true), Some(ConnectionEnd::ServerClosedFirst));
        let (client, mut server) = pair()?;
        server.write_all(b"unread")?;
        client.peek(&mut [0u8; 1])?; // arrived, not read
        assert_eq!(end(&client, true), Some(ConnectionEnd::ClientReset));
        assert_eq!(
            end(&client, false),
            Some(ConnectionEnd::ClientClosedFirst),
            "a shutdown sends FIN"
        );
        let (mut client, server) = pair()?;
        reset_on_close(server.as_raw_fd())?;
        drop(server);
        assert!(client.read(&mut [0u8; 1]).is_err(), "sees the reset");
        assert_eq!(end(&client, true), Some(ConnectionEnd::ServerReset));
        assert_eq!(CloseKind::of_socket(-1, true), None);
        Ok(())
    }
}

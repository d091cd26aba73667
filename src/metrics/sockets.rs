//! The kernel's table of TCP sockets, read the way `ss` reads it: a
//! sock_diag dump over netlink (`NETLINK_SOCK_DIAG`, no privileges needed).
//!
//! Every socket in the dump carries the kernel's *socket cookie*, a 64-bit
//! number unique to that socket for the life of the system and never
//! reused. That is what makes TIME_WAIT countable exactly: a socket that
//! enters TIME_WAIT is a new object with a new cookie, even when Linux
//! reuses the same address pair (the server side on a new SYN, the client
//! side with `tcp_tw_reuse`), so "sockets in TIME_WAIT now whose cookie was
//! not there before" counts entries, not pairs.

use std::io;
use std::mem::size_of;

/// TCP states as the kernel numbers them (include/net/tcp_states.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TcpState {
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
}

impl TcpState {
    /// The bit of this state in a sock_diag state mask.
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// States a socket passes through after one side has closed and before
    /// it is gone or in TIME_WAIT.
    pub const CLOSING: u32 = TcpState::FinWait1.bit()
        | TcpState::FinWait2.bit()
        | TcpState::Closing.bit()
        | TcpState::LastAck.bit();

    pub(super) fn from_u8(n: u8) -> Option<TcpState> {
        use TcpState::*;
        [
            Established,
            SynSent,
            SynRecv,
            FinWait1,
            FinWait2,
            TimeWait,
            Close,
            CloseWait,
            LastAck,
            Listen,
            Closing,
        ]
        .into_iter()
        .find(|s| *s as u8 == n)
    }
}

pub use super::closing::{CloseKind, ConnectionEnd, reset_on_close};

/// One TCP socket of the dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSocket {
    pub local_port: u16,
    pub remote_port: u16,
    pub state: TcpState,
    /// The kernel's socket cookie: unique, never reused.
    pub cookie: u64,
}

// The netlink and inet_diag ABI (linux/netlink.h, linux/inet_diag.h).
const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 0x2;
const NLMSG_DONE: u16 = 0x3;

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct NlMsgHdr {
    len: u32,
    kind: u16,
    flags: u16,
    seq: u32,
    pid: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct InetDiagSockId {
    sport: [u8; 2],
    dport: [u8; 2],
    src: [u32; 4],
    dst: [u32; 4],
    interface: u32,
    cookie: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct InetDiagReqV2 {
    family: u8,
    protocol: u8,
    ext: u8,
    pad: u8,
    states: u32,
    id: InetDiagSockId,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct InetDiagMsg {
    family: u8,
    state: u8,
    timer: u8,
    retrans: u8,
    id: InetDiagSockId,
    expires: u32,
    rqueue: u32,
    wqueue: u32,
    uid: u32,
    inode: u32,
}

#[repr(C)]
struct Request {
    header: NlMsgHdr,
    body: InetDiagReqV2,
}

/// Every TCP socket (IPv4 and IPv6) whose state is in the mask `states`
/// (see [`TcpState::bit`]).
pub fn dump(states: u32) -> io::Result<Vec<TcpSocket>> {
    let socket = NetlinkSocket::open()?;
    let mut found = Vec::new();
    for family in [libc::AF_INET, libc::AF_INET6] {
        socket.request(family as u8, states)?;
        socket.receive(&mut found)?;
    }
    Ok(found)
}

/// A sock_diag netlink socket, closed on drop.
struct NetlinkSocket(libc::c_int);

impl NetlinkSocket {
    fn open() -> io::Result<NetlinkSocket> {
        // SAFETY: plain socket(2); the fd is owned and closed in Drop.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(NetlinkSocket(fd))
    }

    fn request(&self, family: u8, states: u32) -> io::Result<()> {
        let request = Request {
            header: NlMsgHdr {
                len: size_of::<Request>() as u32,
                kind: SOCK_DIAG_BY_FAMILY,
                flags: NLM_F_REQUEST | NLM_F_DUMP,
                seq: 1,
                pid: 0,
            },
            body: InetDiagReqV2 {
                family,
                protocol: libc::IPPROTO_TCP as u8,
                states,
                ..InetDiagReqV2::default()
            },
        };
        // SAFETY: a zeroed sockaddr_nl addresses the kernel (pid 0); the
        // request is a plain repr(C) value that outlives the call.
        let sent = unsafe {
            let mut kernel: libc::sockaddr_nl = std::mem::zeroed();
            kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            libc::sendto(
                self.0,
                (&request as *const Request).cast(),
                size_of::<Request>(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reads the dump's messages until the kernel says it is done.
    fn receive(&self, found: &mut Vec<TcpSocket>) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: `buf` is writable for its whole length.
            let n = unsafe { libc::recv(self.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if parse(&buf[..n as usize], found)? {
                return Ok(());
            }
        }
    }
}

impl Drop for NetlinkSocket {
    fn drop(&mut self) {
        // SAFETY: closing the fd we opened, once.
        unsafe {
            libc::close(self.0);
        }
    }
}

/// Reads a plain-old-data value from the front of `bytes`.
fn read<T: Copy + Default>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    let mut value = T::default();
    // SAFETY: T is a repr(C) struct of integers (any bit pattern is valid)
    // and `bytes` holds at least size_of::<T>() bytes; the copy is unaligned.
    unsafe {
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (&mut value as *mut T).cast::<u8>(),
            size_of::<T>(),
        );
    }
    Some(value)
}

/// Parses one datagram of netlink messages; `true` once the dump is done.
fn parse(mut bytes: &[u8], found: &mut Vec<TcpSocket>) -> io::Result<bool> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed sock_diag message");
    while !bytes.is_empty() {
        let header: NlMsgHdr = read(bytes).ok_or_else(bad)?;
        let len = header.len as usize;
        if len < size_of::<NlMsgHdr>() || len > bytes.len() {
            return Err(bad());
        }
        let payload = &bytes[size_of::<NlMsgHdr>()..len];
        match header.kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno: i32 = read(payload).ok_or_else(bad)?;
                if errno != 0 {
                    return Err(io::Error::from_raw_os_error(-errno));
                }
            }
            SOCK_DIAG_BY_FAMILY => {
                let msg: InetDiagMsg = read(payload).ok_or_else(bad)?;
                if let Some(state) = TcpState::from_u8(msg.state) {
                    found.push(TcpSocket {
                        local_port: u16::from_be_bytes(msg.id.sport),
                        remote_port: u16::from_be_bytes(msg.id.dport),
                        state,
                        cookie: u64::from(msg.id.cookie[0]) | u64::from(msg.id.cookie[1]) << 32,
                    });
                }
            }
            _ => {}
        }
        // Messages are aligned to 4 bytes.
        let aligned = (len + 3) & !3;
        bytes = &bytes[aligned.min(bytes.len())..];
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn the_abi_structs_have_the_kernels_sizes() {
        assert_eq!(size_of::<NlMsgHdr>(), 16);
        assert_eq!(size_of::<InetDiagSockId>(), 48);
        assert_eq!(size_of::<InetDiagReqV2>(), 56);
        assert_eq!(size_of::<InetDiagMsg>(), 72);
    }

    /// A connection closed by the client first leaves the client's socket
    /// in TIME_WAIT; the dump sees it, with a cookie that stays the same
    /// from one dump to the next.
    #[test]
    fn sees_a_time_wait_socket_and_keeps_its_cookie() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let mut client = TcpStream::connect(("127.0.0.1", port))?;
        let (mut server, _) = listener.accept()?;
        let client_port = client.local_addr()?.port();
        client.write_all(b"x")?;
        server.read_exact(&mut [0u8; 1])?;
        drop(client); // FIN from the client first
        assert_eq!(server.read(&mut [0u8; 1])?, 0);
        drop(server); // then the server's FIN: the client enters TIME_WAIT
        let ours = |sockets: Vec<TcpSocket>| {
            sockets
                .into_iter()
                .filter(|s| s.local_port == client_port && s.remote_port == port)
                .collect::<Vec<_>>()
        };
        let mut first = Vec::new();
        for _ in 0..1000 {
            first = ours(dump(TcpState::TimeWait.bit())?);
            if !first.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].state, TcpState::TimeWait);
        assert_ne!(first[0].cookie, 0);
        assert_eq!(ours(dump(TcpState::TimeWait.bit())?), first);
        Ok(())
    }

    #[test]
    fn rejects_truncated_messages() {
        let header = NlMsgHdr {
            len: 200,
            kind: SOCK_DIAG_BY_FAMILY,
            ..NlMsgHdr::default()
        };
        // SAFETY: reading a repr(C) value's bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts((&header as *const NlMsgHdr).cast::<u8>(), 16) };
        assert!(parse(bytes, &mut Vec::new()).is_err());
    }
}

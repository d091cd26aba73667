//! Failed requests are data: each is counted by kind and the run goes on.

use std::error::Error as StdError;
use std::io;

pub use crate::results::ErrorKind;

/// Failed requests by kind.
pub type ErrorCounts = crate::results::Counts<ErrorKind>;

impl ErrorKind {
    /// Classifies an error by the first OS error in its source chain.
    pub fn classify(error: &(dyn StdError + 'static)) -> ErrorKind {
        let mut current: Option<&(dyn StdError + 'static)> = Some(error);
        let mut incomplete = false;
        while let Some(e) = current {
            if let Some(io) = e.downcast_ref::<io::Error>()
                && let Some(kind) = Self::from_io(io)
            {
                return kind;
            }
            if let Some(h) = e.downcast_ref::<h2::Error>() {
                let said = H2Said {
                    reason: h.reason().map(u32::from),
                    ended: h.is_reset() || h.is_go_away(),
                    by_us: h.is_library(),
                };
                if let Some(kind) = said.kind() {
                    return kind;
                }
            }
            if let Some(Classified(kind)) = e.downcast_ref::<Classified>() {
                return *kind;
            }
            if let Some(h) = e.downcast_ref::<hyper::Error>() {
                if h.is_parse() {
                    return ErrorKind::Protocol;
                }
                if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                    incomplete = true;
                }
                if h.is_timeout() {
                    return ErrorKind::Timeout;
                }
            }
            current = e.source();
        }
        if incomplete {
            ErrorKind::Reset
        } else {
            ErrorKind::Other
        }
    }

    fn from_io(e: &io::Error) -> Option<ErrorKind> {
        if let Some(Classified(kind)) = e.get_ref().and_then(|i| i.downcast_ref::<Classified>()) {
            return Some(*kind);
        }
        if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
            return Some(ErrorKind::Tls);
        }
        match e.raw_os_error() {
            Some(libc::ECONNREFUSED) => Some(ErrorKind::Refused),
            Some(libc::ECONNRESET | libc::EPIPE | libc::ECONNABORTED) => Some(ErrorKind::Reset),
            Some(libc::ETIMEDOUT) => Some(ErrorKind::Timeout),
            Some(libc::EMFILE | libc::ENFILE) => Some(ErrorKind::Emfile),
            Some(libc::EADDRNOTAVAIL) => Some(ErrorKind::AddrNotAvail),
            _ => match e.kind() {
                io::ErrorKind::ConnectionRefused => Some(ErrorKind::Refused),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => Some(ErrorKind::Reset),
                io::ErrorKind::TimedOut => Some(ErrorKind::Timeout),
                _ => None,
            },
        }
    }

    /// The kind for an HTTP status, if it is an error status.
    pub fn from_status(status: http::StatusCode) -> Option<ErrorKind> {
        if status.is_client_error() {
            Some(ErrorKind::Http4xx)
        } else if status.is_server_error() {
            Some(ErrorKind::Http5xx)
        } else {
            None
        }
    }
}

/// An error already classified (by a client whose errors carry no source
/// chain to follow), for [`ErrorKind::classify`] to read back, also inside
/// an `io::Error`.
#[derive(Debug, Clone, Copy)]
pub struct Classified(pub ErrorKind);

impl std::fmt::Display for Classified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.label())
    }
}

impl StdError for Classified {}

/// What an HTTP/2 library says of a failed stream, in terms both of h2's
/// major versions (hyper's and awc's) give.
#[derive(Debug, Clone, Copy)]
pub struct H2Said {
    /// The error code (RFC 9113 §7).
    pub reason: Option<u32>,
    /// The stream was reset, or its connection told to go away.
    pub ended: bool,
    /// This side's library raised it (it found the peer at fault).
    pub by_us: bool,
}

impl H2Said {
    /// A stream the server refused is `refused`; one ended because this
    /// side found the server breaking HTTP/2's framing (bytes that are no
    /// frame: `PROTOCOL_ERROR`, `FRAME_SIZE_ERROR`, `COMPRESSION_ERROR`)
    /// is `protocol`, as a broken HTTP/1.1 response is; any other reset or
    /// going away is `reset`.
    pub fn kind(self) -> Option<ErrorKind> {
        const PROTOCOL: u32 = 0x1;
        const REFUSED_STREAM: u32 = 0x7;
        const FRAME_SIZE: u32 = 0x6;
        const COMPRESSION: u32 = 0x9;
        match self.reason {
            Some(REFUSED_STREAM) => Some(ErrorKind::Refused),
            Some(PROTOCOL | FRAME_SIZE | COMPRESSION) if self.by_us => Some(ErrorKind::Protocol),
            _ if self.ended => Some(ErrorKind::Reset),
            _ => None,
        }
    }
}

/// What to do about the failures of kind `kind` of mode `m`: [`hint`],
/// but for HTTP/2 by prior knowledge (h2c) that never got a response —
/// a server without h2c answers the preface as HTTP/1.1 (a framing error
/// to the client) or closes (a reset), and the cause is the version.
pub fn hint_for(m: &crate::results::ModeResult, kind: ErrorKind) -> &'static str {
    use crate::results::{HttpVersion, Transport};
    let h2c = m.http == HttpVersion::Http2 && m.transport == Transport::Http;
    let no_answer = matches!(
        kind,
        ErrorKind::Protocol | ErrorKind::Reset | ErrorKind::Other
    );
    if h2c && no_answer && m.requests.ok == 0 {
        return H2C_REFUSED;
    }
    hint(kind)
}

/// Said when prior-knowledge HTTP/2 got nothing back.
pub const H2C_REFUSED: &str = "the server did not accept HTTP/2 by prior knowledge (h2c, \
     HTTP/2 without TLS): most servers speak it only over TLS or when enabled — run with \
     --http 1.1 (http = \"1.1\"), use https://, or enable h2c on the server";

/// What to do about failures of a kind.
pub fn hint(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Refused => "is the target up and listening at that address?",
        ErrorKind::Reset => "the server or something between cut connections; see its logs",
        ErrorKind::Timeout => {
            "the server is slower than load.timeout: raise it or lighten the load"
        }
        ErrorKind::Emfile => {
            "the client ran out of file descriptors: raise the open-files limit \
             (`ulimit -n`, or LimitNOFILE= for a service) or use a pool with a lower limit"
        }
        ErrorKind::AddrNotAvail => {
            "the client ran out of local ports (many sockets in TIME_WAIT): reuse connections \
             (a pool), widen net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse = 1"
        }
        ErrorKind::Tls => {
            "does the client trust the server's certificate (give its CA with --ca or [tls] ca, or \
             skip the check with --insecure), and does the server speak the TLS version asked \
             for ([tls] version, \"1.3\" unless set)?"
        }
        ErrorKind::Http4xx => "the server rejected the requests: check the URL and headers",
        ErrorKind::Http5xx => "the server failed: see its logs",
        ErrorKind::Protocol => "the server breaks HTTP framing (bytes beyond a response's length)",
        ErrorKind::Mismatched => "the responses are not what was asked for ([expect], request ids)",
        ErrorKind::Other => "see the errors row of the report",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(io::Error);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn classifies_os_errors_through_the_chain() {
        let cases = [
            (libc::ECONNREFUSED, ErrorKind::Refused),
            (libc::ECONNRESET, ErrorKind::Reset),
            (libc::EMFILE, ErrorKind::Emfile),
            (libc::EADDRNOTAVAIL, ErrorKind::AddrNotAvail),
            (libc::ETIMEDOUT, ErrorKind::Timeout),
            (libc::EINVAL, ErrorKind::Other),
        ];
        for (errno, kind) in cases {
            let e = Wrapper(io::Error::from_raw_os_error(errno));
            assert_eq!(ErrorKind::classify(&e), kind, "errno {errno}");
        }
        let tls = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(ErrorKind::classify(&Wrapper(tls)), ErrorKind::Tls);
    }

    #[test]
    fn an_http2_stream_is_protocol_only_when_we_found_the_server_breaking_framing() {
        let said = |reason, ended, by_us| {
            H2Said {
                reason: Some(reason),
                ended,
                by_us,
            }
            .kind()
        };
        // FRAME_SIZE_ERROR: bytes that are no frame ('!!!' reads as a huge one).
        assert_eq!(said(0x6, true, true), Some(ErrorKind::Protocol));
        assert_eq!(said(0x1, true, true), Some(ErrorKind::Protocol));
        // The server said we broke it, or just went away: a reset.
        assert_eq!(said(0x1, true, false), Some(ErrorKind::Reset));
        assert_eq!(said(0x0, true, false), Some(ErrorKind::Reset));
        assert_eq!(said(0x7, true, false), Some(ErrorKind::Refused));
        assert_eq!(said(0x2, false, false), None);
    }

    #[test]
    fn a_kind_already_classified_is_read_back_through_io_errors() {
        let e = io::Error::other(Classified(ErrorKind::Protocol));
        assert_eq!(ErrorKind::classify(&Wrapper(e)), ErrorKind::Protocol);
        assert_eq!(
            ErrorKind::classify(&Classified(ErrorKind::Timeout)),
            ErrorKind::Timeout
        );
    }

    #[test]
    fn counts_and_merges() {
        let mut a = ErrorCounts::default();
        a.add(ErrorKind::Reset, 1);
        let mut b = ErrorCounts::default();
        b.add(ErrorKind::Reset, 1);
        b.add(ErrorKind::Http5xx, 1);
        a.merge(&b);
        assert_eq!(a.total(), 3);
        assert_eq!(a.count(ErrorKind::Reset), 2);
        assert_eq!(
            ErrorKind::from_status(http::StatusCode::NOT_FOUND),
            Some(ErrorKind::Http4xx)
        );
        assert_eq!(ErrorKind::from_status(http::StatusCode::OK), None);
    }
}

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
                // A stream the server refused before processing it.
                if h.reason() == Some(h2::Reason::REFUSED_STREAM) {
                    return ErrorKind::Refused;
                }
                if h.is_reset() || h.is_go_away() {
                    return ErrorKind::Reset;
                }
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
            "does the client trust the server's certificate (give the CA with [tls] ca), and does \
             the server speak the TLS version asked for ([tls] version, \"1.3\" unless set)?"
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

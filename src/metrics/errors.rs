//! Failed requests are data: each is counted by kind and the run goes on.

use std::error::Error as StdError;
use std::io;

use serde::{Deserialize, Serialize};

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// ECONNREFUSED: nothing listening, or the accept backlog is full.
    Refused,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// No complete response within the scenario's timeout, or ETIMEDOUT.
    Timeout,
    /// EMFILE / ENFILE: out of file descriptors.
    Emfile,
    /// EADDRNOTAVAIL: out of ephemeral ports (often TIME_WAIT exhaustion).
    AddrNotAvail,
    /// The TLS handshake or record layer failed (e.g. an untrusted certificate).
    Tls,
    /// The server answered 4xx.
    Http4xx,
    /// The server answered 5xx.
    Http5xx,
    /// The response broke HTTP framing: bytes beyond its end (more body than
    /// its Content-Length), or a head that does not parse.
    Protocol,
    /// The response belongs to another request (the bundled server echoes
    /// each request's id), or is not what `[expect]` says.
    Mismatched,
    /// Anything else.
    Other,
}

impl ErrorKind {
    const COUNT: usize = 11;

    fn index(self) -> usize {
        self as usize
    }

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
            if let Some(body) = e.downcast_ref::<crate::pool::BodyError>()
                && matches!(body, crate::pool::BodyError::Protocol)
            {
                return ErrorKind::Protocol;
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

/// Failed requests by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorCounts([u64; ErrorKind::COUNT]);

impl ErrorCounts {
    pub fn add(&mut self, kind: ErrorKind) {
        self.0[kind.index()] += 1;
    }

    pub fn get(&self, kind: ErrorKind) -> u64 {
        self.0[kind.index()]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn merge(&mut self, other: &ErrorCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The counts as the results file reports them.
    pub fn to_report(&self) -> ErrorReport {
        ErrorReport {
            refused: self.get(ErrorKind::Refused),
            reset: self.get(ErrorKind::Reset),
            timeout: self.get(ErrorKind::Timeout),
            emfile: self.get(ErrorKind::Emfile),
            eaddrnotavail: self.get(ErrorKind::AddrNotAvail),
            tls: self.get(ErrorKind::Tls),
            http_4xx: self.get(ErrorKind::Http4xx),
            http_5xx: self.get(ErrorKind::Http5xx),
            protocol: self.get(ErrorKind::Protocol),
            mismatched: self.get(ErrorKind::Mismatched),
            other: self.get(ErrorKind::Other),
        }
    }
}

/// Failed requests by kind, as counted by the client.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ErrorReport {
    /// Connection refused (ECONNREFUSED).
    pub refused: u64,
    /// Connection reset or closed before the response was complete.
    pub reset: u64,
    /// No complete response within `load.timeout`, or ETIMEDOUT.
    pub timeout: u64,
    /// Out of file descriptors (EMFILE/ENFILE).
    pub emfile: u64,
    /// Out of local addresses/ports (EADDRNOTAVAIL).
    pub eaddrnotavail: u64,
    /// TLS failures (handshake, certificate, record layer).
    pub tls: u64,
    /// HTTP 4xx responses.
    pub http_4xx: u64,
    /// HTTP 5xx responses.
    pub http_5xx: u64,
    /// Responses that broke HTTP framing: bytes beyond their end (more body
    /// than their Content-Length), or a head that does not parse.
    pub protocol: u64,
    /// Responses that belong to another request (the bundled server echoes
    /// each request's id) or are not what the scenario's `[expect]` says.
    pub mismatched: u64,
    /// Any other failure.
    pub other: u64,
}

impl ErrorReport {
    /// (name, count) for every kind, in a fixed order, for reports.
    pub fn kinds(&self) -> [(&'static str, u64); 11] {
        [
            ("refused", self.refused),
            ("reset", self.reset),
            ("timeout", self.timeout),
            ("EMFILE", self.emfile),
            ("EADDRNOTAVAIL", self.eaddrnotavail),
            ("TLS", self.tls),
            ("4xx", self.http_4xx),
            ("5xx", self.http_5xx),
            ("protocol", self.protocol),
            ("mismatched", self.mismatched),
            ("other", self.other),
        ]
    }

    /// Adds another report's counts (rounds of one mode).
    pub fn add(&mut self, o: &ErrorReport) {
        let ErrorReport {
            refused,
            reset,
            timeout,
            emfile,
            eaddrnotavail,
            tls,
            http_4xx,
            http_5xx,
            protocol,
            mismatched,
            other,
        } = self;
        *refused += o.refused;
        *reset += o.reset;
        *timeout += o.timeout;
        *emfile += o.emfile;
        *eaddrnotavail += o.eaddrnotavail;
        *tls += o.tls;
        *http_4xx += o.http_4xx;
        *http_5xx += o.http_5xx;
        *protocol += o.protocol;
        *mismatched += o.mismatched;
        *other += o.other;
    }

    /// The kind with the most failures, and how many.
    pub fn dominant(&self) -> (&'static str, u64) {
        self.kinds()
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .unwrap_or(("other", 0))
    }

    /// "reset 2, timeout 1", or `none_text` when nothing failed.
    pub fn summary(&self, none_text: &str) -> String {
        let parts: Vec<String> = self
            .kinds()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if parts.is_empty() {
            none_text.to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// What to do about failures of a kind (named as in [`ErrorReport::kinds`]).
pub fn hint(kind: &str) -> &'static str {
    match kind {
        "refused" => "is the target up and listening at that address?",
        "reset" => "the server or something between cut connections; see its logs",
        "timeout" => "the server is slower than load.timeout: raise it or lighten the load",
        "EMFILE" => {
            "the client ran out of file descriptors: raise the open-files limit \
             (`ulimit -n`, or LimitNOFILE= for a service) or use a pool with a lower limit"
        }
        "EADDRNOTAVAIL" => {
            "the client ran out of local ports (many sockets in TIME_WAIT): reuse connections \
             (a pool), widen net.ipv4.ip_local_port_range, or set net.ipv4.tcp_tw_reuse = 1"
        }
        "TLS" => "does the client trust the server's certificate? give the CA with [tls] ca",
        "4xx" => "the server rejected the requests: check the URL and headers",
        "5xx" => "the server failed: see its logs",
        "protocol" => "the server breaks HTTP framing (bytes beyond a response's length)",
        "mismatched" => "the responses are not what was asked for ([expect], request ids)",
        _ => "see the errors row of the report",
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
        a.add(ErrorKind::Reset);
        let mut b = ErrorCounts::default();
        b.add(ErrorKind::Reset);
        b.add(ErrorKind::Http5xx);
        a.merge(&b);
        assert_eq!(a.total(), 3);
        assert_eq!(a.to_report().reset, 2);
        assert_eq!(
            ErrorKind::from_status(http::StatusCode::NOT_FOUND),
            Some(ErrorKind::Http4xx)
        );
        assert_eq!(ErrorKind::from_status(http::StatusCode::OK), None);
    }
}

//! awc's errors by kind, as every other mode's are: awc's error types
//! expose no source chain to follow, so their variants are read here — a
//! request sent on a connection the server had closed is `reset` for awc
//! as it is for hyper, not `other`.

use std::io;

use awc::error::{ConnectError, PayloadError, SendRequestError};

use crate::metrics::{Classified, ErrorKind, H2Said};

/// The kind of a request awc could not send or get a head for.
pub fn of_send(e: &SendRequestError) -> ErrorKind {
    use actix_http::error::ParseError;
    match e {
        SendRequestError::Send(io) | SendRequestError::Response(ParseError::Io(io)) => of_io(io),
        SendRequestError::Connect(c) => of_connect(c),
        // The connection ended before the response's head did.
        SendRequestError::Response(ParseError::Incomplete) => ErrorKind::Reset,
        SendRequestError::Response(ParseError::Timeout) | SendRequestError::Timeout => {
            ErrorKind::Timeout
        }
        SendRequestError::Response(_) => ErrorKind::Protocol,
        SendRequestError::H2(h) => of_h2(h),
        _ => ErrorKind::classify(e),
    }
}

fn of_connect(e: &ConnectError) -> ErrorKind {
    match e {
        ConnectError::Io(io) => of_io(io),
        ConnectError::H2(h) => of_h2(h),
        ConnectError::Timeout => ErrorKind::Timeout,
        _ => ErrorKind::classify(e),
    }
}

fn of_io(e: &io::Error) -> ErrorKind {
    ErrorKind::classify(e)
}

/// awc's HTTP/2 errors are h2 0.3's: read as hyper's h2 0.4 errors are.
fn of_h2(e: &h2_03::Error) -> ErrorKind {
    let said = H2Said {
        reason: e.reason().map(u32::from),
        ended: e.is_reset() || e.is_go_away(),
        by_us: e.is_library(),
    };
    match (said.kind(), e.get_io()) {
        (Some(kind), _) => kind,
        (None, Some(io)) => of_io(io),
        (None, None) => ErrorKind::Other,
    }
}

/// A body awc could not read, as the I/O error it stands for: a body cut
/// short is a reset, as hyper's incomplete message is.
pub fn of_payload(e: PayloadError) -> io::Error {
    match e {
        PayloadError::Io(io) | PayloadError::Incomplete(Some(io)) => io,
        PayloadError::Incomplete(None) => {
            io::Error::new(io::ErrorKind::UnexpectedEof, "the body ended early")
        }
        PayloadError::Http2Payload(h) => io::Error::other(Classified(of_h2(&h))),
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_http::error::ParseError;

    #[test]
    fn a_reset_is_a_reset_however_awc_wraps_it() {
        let reset = || io::Error::from(io::ErrorKind::ConnectionReset);
        for e in [
            SendRequestError::Send(reset()),
            SendRequestError::Response(ParseError::Io(reset())),
            SendRequestError::Response(ParseError::Incomplete),
            SendRequestError::Connect(ConnectError::Io(reset())),
        ] {
            assert_eq!(of_send(&e), ErrorKind::Reset, "{e:?}");
        }
        assert_eq!(
            of_send(&SendRequestError::Connect(ConnectError::Io(
                io::ErrorKind::ConnectionRefused.into()
            ))),
            ErrorKind::Refused
        );
        assert_eq!(of_send(&SendRequestError::Timeout), ErrorKind::Timeout);
        assert_eq!(
            of_send(&SendRequestError::Response(ParseError::Header)),
            ErrorKind::Protocol
        );
        let cut = of_payload(PayloadError::Incomplete(None));
        assert_eq!(ErrorKind::classify(&cut), ErrorKind::Reset);
    }
}

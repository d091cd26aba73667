//! Why the pool could not complete a request.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No slot or connection became free within `acquire_timeout`.
    #[error("no connection to {authority} became free within {timeout:?} (pool limit {limit})")]
    AcquireTimeout {
        authority: String,
        timeout: Duration,
        limit: usize,
    },
    /// The pool was dropped while the request waited or ran.
    #[error("the connection pool was shut down")]
    Closed,
    /// The URI has no scheme or authority the pool can key on.
    #[error("cannot send to {0:?}: the URI needs a scheme and a host")]
    BadUri(String),
    /// Dialling a new connection failed.
    #[error("connect failed")]
    Connect(#[source] std::io::Error),
    /// The HTTP/1 handshake or exchange failed.
    #[error("request failed")]
    Http(#[source] hyper::Error),
    /// The HTTP/2 handshake or stream failed.
    #[error("HTTP/2 request failed")]
    H2(#[source] ::h2::Error),
}

/// Why reading a pooled response's body failed.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The connection failed mid-body (a reset, an early close).
    #[error("reading the response body failed")]
    Http(#[source] hyper::Error),
    /// The server sent bytes beyond the response's end: its framing is
    /// broken, so the response cannot be trusted and the connection is
    /// discarded.
    #[error("the server sent bytes beyond the end of the response (more than its Content-Length)")]
    Protocol,
}

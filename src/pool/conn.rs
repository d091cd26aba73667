//! A pooled HTTP/1 connection: hyper's request sender, its ages, and the
//! watch on its I/O task (which holds the connection's slot).

use std::sync::Arc;
use std::time::Instant;

use hyper::client::conn::http1::SendRequest;

use super::authority::Poolable;
use super::stats::Discard;
use super::watch::{ConnEnd, ConnWatch};

/// A live HTTP/1 connection (its slot is held by its I/O task).
pub struct Conn<B> {
    pub sender: SendRequest<B>,
    /// When the connection was established.
    pub created: Instant,
    /// Responses completed on it so far.
    pub served: u64,
    /// When it was last put back idle.
    pub idle_since: Instant,
    /// When the request now holding it got it.
    pub acquired: Instant,
    /// When it was connected, until the first request using it takes this.
    pub dialled: Option<crate::connect::ConnectTimes>,
    /// How its I/O task is doing.
    pub watch: Arc<ConnWatch>,
    /// Its origin's key in the pool it belongs to.
    pub key: usize,
}

impl<B> Conn<B> {
    /// Why a connection whose I/O task has ended cannot be used.
    pub fn closed_reason(&self) -> Discard {
        match self.watch.end() {
            ConnEnd::Protocol => Discard::Protocol,
            ConnEnd::Failed => Discard::Error,
            ConnEnd::Closed | ConnEnd::Open => Discard::ClosedByServer,
        }
    }
}

impl<B> Poolable for Conn<B> {
    fn key(&self) -> usize {
        self.key
    }

    fn closed(&self) -> Option<Discard> {
        self.sender.is_closed().then(|| self.closed_reason())
    }

    fn created(&self) -> Instant {
        self.created
    }

    fn idle_since(&self) -> Instant {
        self.idle_since
    }

    fn set_idle_since(&mut self, at: Instant) {
        self.idle_since = at;
    }
}

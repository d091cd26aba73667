//! What the HTTP/2 pool hands a request: a stream on a connection (a
//! [`Lease`], freed when dropped) or the right to dial a connection (a
//! [`DialSlot`], given back if dropped unused).

use std::sync::{Arc, Weak};
use std::time::Instant;

use bytes::Bytes;
use h2::client::SendRequest;
use tokio::sync::oneshot;

use super::Inner;
use crate::connect::ConnectTimes;

/// What a request does next.
pub(super) enum Next {
    Ready(Lease),
    Dial,
    Wait(oneshot::Receiver<Grant>),
}

/// What a waiting request is handed.
pub(super) enum Grant {
    Stream(Lease),
    Dial(DialSlot),
}

/// A stream taken on one connection; freed when dropped.
pub(super) struct Lease {
    pub(super) pool: Weak<Inner>,
    pub(super) key: Arc<str>,
    pub(super) conn: u64,
    pub(super) send: SendRequest<Bytes>,
    pub(super) acquired: Instant,
    pub(super) dialled: Option<ConnectTimes>,
    /// Whether dropping it frees its stream (not when the pool takes it back
    /// itself).
    pub(super) armed: bool,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.armed
            && let Some(inner) = self.pool.upgrade()
        {
            inner.release(&self.key, Some(self.conn));
        }
    }
}

/// The right to dial one connection within the limit; given back if
/// dropped unused.
pub(super) struct DialSlot {
    pub(super) pool: Weak<Inner>,
    pub(super) key: Arc<str>,
    pub(super) armed: bool,
}

impl Drop for DialSlot {
    fn drop(&mut self) {
        if self.armed
            && let Some(inner) = self.pool.upgrade()
        {
            let mut map = inner.lock();
            if let Some(a) = map.get_mut(&*self.key) {
                a.dialling -= 1;
                inner.hand_over(&self.key, a);
            }
        }
    }
}

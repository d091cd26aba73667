//! How a pooled connection's I/O task is doing: whether it is in the middle
//! of a poll, and how it ended.
//!
//! hyper's HTTP/1 client hands a response's last body bytes to the caller
//! and only then, in the same poll of the connection task, looks at what
//! else came in: bytes beyond the Content-Length make it fail the connection
//! ("unexpected message"). A caller that saw its body end cannot tell from
//! the body alone whether the response was intact. The watch tells it: once
//! no poll of the connection task is running, any such failure is recorded,
//! so the response that left the stray bytes is counted as corrupted
//! (`protocol`), not as a success, and the connection is discarded for its
//! real reason.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll};

/// How a connection's I/O task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ConnEnd {
    /// Still running.
    Open = 0,
    /// Closed cleanly: the server closed it, or the client dropped it.
    Closed = 1,
    /// The server broke HTTP framing: bytes beyond a response's end, or a
    /// response that does not parse.
    Protocol = 2,
    /// An I/O error (a reset, a broken pipe) or an incomplete message.
    Failed = 3,
}

impl ConnEnd {
    fn of<T>(result: &Result<T, hyper::Error>) -> ConnEnd {
        let Err(e) = result else {
            return ConnEnd::Closed;
        };
        let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
        if e.is_parse() {
            ConnEnd::Protocol
        } else if io || e.is_incomplete_message() || e.is_timeout() || e.is_canceled() {
            ConnEnd::Failed
        } else {
            // hyper's "received unexpected message from connection": bytes
            // on a connection with no request waiting for them.
            ConnEnd::Protocol
        }
    }

    fn from_u8(n: u8) -> ConnEnd {
        match n {
            1 => ConnEnd::Closed,
            2 => ConnEnd::Protocol,
            3 => ConnEnd::Failed,
            _ => ConnEnd::Open,
        }
    }
}

/// Shared between a connection's I/O task and whoever holds the connection.
#[derive(Debug, Default)]
pub struct ConnWatch {
    /// Odd while the I/O task is inside a poll.
    polls: AtomicU64,
    end: AtomicU8,
}

impl ConnWatch {
    /// How the task ended, once no poll of it is running; `None` while one
    /// is (look again after yielding).
    pub fn settled_end(&self) -> Option<ConnEnd> {
        if self.polls.load(Ordering::Acquire) % 2 == 1 {
            return None;
        }
        Some(self.end())
    }

    /// How the task ended, as far as it has been recorded.
    pub fn end(&self) -> ConnEnd {
        ConnEnd::from_u8(self.end.load(Ordering::Acquire))
    }

    /// Drives `connection` to its end, recording each poll and the end
    /// before the connection (and with it the request channel) is dropped;
    /// what it ended with, if it ended well.
    /// (Boxed: a connection's future is large, and moved only once so.)
    pub async fn drive<F, T>(self: Arc<Self>, mut connection: Pin<Box<F>>) -> Option<T>
    where
        F: Future<Output = Result<T, hyper::Error>>,
    {
        std::future::poll_fn(|cx| self.poll_once(connection.as_mut(), cx)).await
    }

    fn poll_once<F, T>(&self, connection: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<Option<T>>
    where
        F: Future<Output = Result<T, hyper::Error>>,
    {
        self.polls.fetch_add(1, Ordering::AcqRel);
        let polled = connection.poll(cx);
        if let Poll::Ready(result) = &polled {
            self.end.store(ConnEnd::of(result) as u8, Ordering::Release);
        }
        self.polls.fetch_add(1, Ordering::AcqRel);
        polled.map(Result::ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_the_end_and_is_settled_between_polls() {
        let watch = Arc::new(ConnWatch::default());
        assert_eq!(watch.settled_end(), Some(ConnEnd::Open));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(Arc::clone(&watch).drive(Box::pin(async move {
            let _ = rx.await;
            Ok(())
        })));
        tokio::task::yield_now().await;
        assert_eq!(watch.settled_end(), Some(ConnEnd::Open));
        let _ = tx.send(());
        let _ = task.await;
        assert_eq!(watch.settled_end(), Some(ConnEnd::Closed));
    }
}

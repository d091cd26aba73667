//! One HTTP/2 exchange on a leased stream, and the response body read
//! from it with its flow-control window released as data is taken.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame};

use super::lease::Lease;

/// Whether the server turned the request away before processing it, so it
/// may go again on another connection.
pub(super) fn unprocessed(e: &h2::Error) -> bool {
    (e.is_go_away() && e.is_remote()) || e.reason() == Some(h2::Reason::REFUSED_STREAM)
}

/// An exchange that failed: before its stream was opened (the connection
/// had failed already: nothing was sent), or after.
pub(super) enum Failed {
    NotSent(h2::Error),
    Sent(h2::Error),
}

/// Sends the head (and the body, if any) on a new stream of the lease's
/// connection and waits for the response head.
pub(super) async fn exchange(
    lease: &Lease,
    req: Request<()>,
    body: Bytes,
) -> Result<Response<h2::RecvStream>, Failed> {
    let mut send = lease.send.clone().ready().await.map_err(Failed::NotSent)?;
    let (response, mut stream) = send
        .send_request(req, body.is_empty())
        .map_err(Failed::NotSent)?;
    if !body.is_empty() {
        stream.send_data(body, true).map_err(Failed::Sent)?;
    }
    response.await.map_err(Failed::Sent)
}

/// A response body read from an HTTP/2 stream, its flow-control window
/// released as data is taken; it holds the stream until dropped.
pub struct H2Body {
    pub(super) recv: h2::RecvStream,
    pub(super) _lease: Lease,
}

impl Body for H2Body {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        match ready!(self.recv.poll_data(cx)) {
            Some(Ok(data)) => {
                let _ = self.recv.flow_control().release_capacity(data.len());
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.recv.is_end_stream()
    }
}

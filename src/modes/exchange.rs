//! What every request carries beyond its shape (its id, for the bundled
//! server to echo), and what a
//! response must be to count as a success: a 1xx–3xx status, a body read
//! to the end (unless the mode drops it) — and, where the scenario knows more, its own request id
//! echoed back, an exact status, an exact body length. A response that is
//! not what was asked for is counted as `mismatched`, never as a success.

use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderValue;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;

use crate::connect::Overruns;
use crate::engine::Target;
use crate::metrics::ErrorKind;
use crate::metrics::statuses::Statuses;
use crate::pool::BodyError;
use crate::results::BodyHandling;
use crate::server::REQUEST_ID;

/// The request's extras and the response's checks.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// Send each request's id and require it back on the response.
    pub echo_id: bool,
    /// The status every response must have.
    pub status: Option<StatusCode>,
    /// The body length every response must have, bytes.
    pub body_bytes: Option<u64>,
    /// What the mode does with each body.
    pub body: BodyHandling,
    /// The responses its connections saw followed by bytes beyond their
    /// end (by echoed id): each fails as `protocol`, in every mode.
    pub overruns: Option<Arc<Overruns>>,
    /// The error responses it received, by status code.
    pub statuses: Arc<Statuses>,
}

impl Exchange {
    /// Request number `id` to `target`: its shape, its URL, its id.
    pub fn request(&self, target: &Target, id: u64) -> Request<Bytes> {
        let shape = &target.shape;
        let mut request = Request::new(shape.body.clone());
        *request.uri_mut() = target.uri(id);
        if shape.method != http::Method::GET {
            *request.method_mut() = shape.method.clone();
        }
        if !shape.headers.is_empty() {
            request.headers_mut().clone_from(&shape.headers);
        }
        self.tag(&mut request, id);
        request
    }

    /// Adds what every request carries: its id, if ids are echoed.
    pub fn tag<B>(&self, request: &mut Request<B>, id: u64) {
        if self.echo_id {
            request
                .headers_mut()
                .insert(REQUEST_ID, HeaderValue::from(id));
        }
    }

    /// Treats the body as the mode does (reads it to the end, drops it
    /// unread, or holds it, then reads it), then judges the response.
    pub async fn judge<B>(&self, response: Response<B>, id: u64) -> Result<(), ErrorKind>
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: std::error::Error + 'static,
    {
        let (parts, body) = response.into_parts();
        let length = match self.body {
            BodyHandling::Drop => {
                drop(body);
                None
            }
            BodyHandling::Hold { hold_us } => {
                tokio::time::sleep(std::time::Duration::from_micros(hold_us)).await;
                Some(self.read(body, id).await?)
            }
            BodyHandling::Read => Some(self.read(body, id).await?),
        };
        if let Some(kind) = ErrorKind::from_status(parts.status) {
            self.statuses.record(parts.status);
            return Err(kind);
        }
        let echoed = || {
            let expected = HeaderValue::from(id);
            parts.headers.get(REQUEST_ID) == Some(&expected)
        };
        // A dropped body's length is unknown: only its head is judged.
        let wrong = (self.echo_id && !echoed())
            || self.status.is_some_and(|s| s != parts.status)
            || self
                .body_bytes
                .zip(length)
                .is_some_and(|(want, got)| want != got);
        if wrong {
            Err(ErrorKind::Mismatched)
        } else {
            Ok(())
        }
    }
}

impl Exchange {
    /// Reads a body to the end; its length in bytes — or a protocol error
    /// if the connection saw bytes beyond its end (the server broke the
    /// connection's framing: a dropped body's end is never seen).
    async fn read<B>(&self, body: B, id: u64) -> Result<u64, ErrorKind>
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: std::error::Error + 'static,
    {
        let read = read(body).await;
        if self.overruns.as_ref().is_some_and(|o| o.take(id)) {
            return Err(ErrorKind::Protocol);
        }
        read
    }
}

/// Reads a body to the end; its length in bytes.
async fn read<B>(mut body: B) -> Result<u64, ErrorKind>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let mut length = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            // The pool's verdict on a response that left bytes beyond its end.
            let error: &(dyn std::error::Error + 'static) = &e;
            match error.downcast_ref::<BodyError>() {
                Some(BodyError::Protocol) => ErrorKind::Protocol,
                _ => ErrorKind::classify(&e),
            }
        })?;
        if let Some(data) = frame.data_ref() {
            length += data.len() as u64;
        }
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    fn response(status: u16, id: Option<u64>, body: &'static [u8]) -> Response<Full<Bytes>> {
        let mut r = Response::new(Full::new(Bytes::from_static(body)));
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        if let Some(id) = id {
            r.headers_mut().insert(REQUEST_ID, HeaderValue::from(id));
        }
        r
    }

    #[tokio::test]
    async fn a_response_must_be_the_one_asked_for() {
        let bundled = Exchange {
            echo_id: true,
            body_bytes: Some(2),
            ..Exchange::default()
        };
        assert_eq!(
            bundled.judge(response(200, Some(7), b"ok"), 7).await,
            Ok(())
        );
        let judge = |r, id| bundled.judge(r, id);
        assert_eq!(
            judge(response(200, Some(6), b"ok"), 7).await,
            Err(ErrorKind::Mismatched),
            "another request's response"
        );
        assert_eq!(
            judge(response(200, None, b"ok"), 7).await,
            Err(ErrorKind::Mismatched)
        );
        assert_eq!(
            judge(response(200, Some(7), b"oops"), 7).await,
            Err(ErrorKind::Mismatched),
            "wrong length"
        );
        assert_eq!(
            judge(response(503, Some(7), b"ok"), 7).await,
            Err(ErrorKind::Http5xx)
        );
        let status = Exchange {
            status: Some(StatusCode::OK),
            ..Exchange::default()
        };
        assert_eq!(
            status.judge(response(204, None, b""), 1).await,
            Err(ErrorKind::Mismatched)
        );
        let nothing = Exchange::default();
        assert_eq!(nothing.judge(response(204, None, b""), 1).await, Ok(()));
    }

    #[tokio::test]
    async fn a_dropped_body_is_judged_by_its_head() {
        let bundled = Exchange {
            echo_id: true,
            body_bytes: Some(2),
            body: BodyHandling::Drop,
            ..Exchange::default()
        };
        // Its length is unknown, so it cannot be wrong; its head still can.
        assert_eq!(
            bundled.judge(response(200, Some(7), b"oops"), 7).await,
            Ok(())
        );
        assert_eq!(
            bundled.judge(response(200, Some(6), b"ok"), 7).await,
            Err(ErrorKind::Mismatched)
        );
        assert_eq!(
            bundled.judge(response(500, Some(7), b"ok"), 7).await,
            Err(ErrorKind::Http5xx)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_body_is_read_after_the_hold() {
        let exchange = Exchange {
            body_bytes: Some(4),
            body: BodyHandling::Hold { hold_us: 50_000 },
            ..Exchange::default()
        };
        let before = tokio::time::Instant::now();
        assert_eq!(
            exchange.judge(response(200, None, b"oops"), 1).await,
            Ok(())
        );
        assert!(before.elapsed() >= std::time::Duration::from_millis(50));
        assert_eq!(
            exchange.judge(response(200, None, b"ok"), 1).await,
            Err(ErrorKind::Mismatched)
        );
    }
}

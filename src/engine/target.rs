//! One path of one authority, ready to send: its URL (with the request's
//! number in place of a counter) and what every request to it carries.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

/// The placeholder a path's counter is written as: the request's number.
pub const COUNTER: &str = "{n}";

/// What every request to one path carries.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub method: Method,
    /// Sent as they are, after the request's own (its id, `Host`).
    pub headers: HeaderMap,
    /// Sent with `Content-Length`; empty: no body.
    pub body: Bytes,
}

/// One path of one authority: its URL (or the URL's pieces around a
/// counter) and what its requests carry.
#[derive(Debug, Clone)]
pub struct Target {
    url: Url,
    pub shape: Arc<Shape>,
}

#[derive(Debug, Clone)]
enum Url {
    Fixed(Uri),
    /// The text between counters: `pieces.join(n)` is the URL.
    Counter(Vec<String>),
}

impl Target {
    /// `url` (absolute, `{n}` allowed in its path) sent with `shape`.
    pub fn new(url: &str, shape: Arc<Shape>) -> Result<Target, http::uri::InvalidUri> {
        let url = if url.contains(COUNTER) {
            // Checked once, with a number in place of the counter.
            url.replace(COUNTER, "0").parse::<Uri>()?;
            Url::Counter(url.split(COUNTER).map(str::to_string).collect())
        } else {
            Url::Fixed(url.parse()?)
        };
        Ok(Target { url, shape })
    }

    /// The URL of request number `n`.
    pub fn uri(&self, n: u64) -> Uri {
        match &self.url {
            Url::Fixed(uri) => uri.clone(),
            Url::Counter(pieces) => {
                let text = pieces.join(&n.to_string());
                // A decimal number in place of the one `new` checked.
                text.parse().unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_names_every_request_apart() {
        let t = Target::new("http://a/item/{n}?again={n}", Arc::new(Shape::default())).unwrap();
        assert_eq!(t.uri(42).to_string(), "http://a/item/42?again=42");
        assert!(Target::new("http://a/it em/{n}", Arc::new(Shape::default())).is_err());
    }
}

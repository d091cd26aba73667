//! Which request comes next: request `i` goes to an authority chosen by
//! weight, then to one of that authority's paths chosen by weight, each as
//! a fixed interleaved sequence (smooth weighted round robin) — so every
//! run sends the same requests to the same places, and a list of a
//! thousand URLs is walked in order, each once per thousand requests.
//!
//! A path may hold a counter, `/item/{n}`: `{n}` becomes the request's
//! number, so every request names a URL of its own.

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

/// Every authority's paths, and how requests are spread over them.
#[derive(Debug, Clone)]
pub struct RequestPlan {
    authorities: Spread,
    /// Per authority: its paths and their spread.
    paths: Vec<(Spread, Vec<Target>)>,
}

impl RequestPlan {
    /// `authorities`: each one's weight and its paths with theirs. An
    /// authority without paths is given none of the requests.
    pub fn new(authorities: Vec<(u32, Vec<(u32, Target)>)>) -> RequestPlan {
        let weights: Vec<u32> = authorities
            .iter()
            .map(|(w, paths)| if paths.is_empty() { 0 } else { *w })
            .collect();
        let paths = authorities
            .into_iter()
            .map(|(_, paths)| {
                let weights: Vec<u32> = paths.iter().map(|(w, _)| *w).collect();
                (
                    Spread::new(&weights),
                    paths.into_iter().map(|(_, t)| t).collect(),
                )
            })
            .collect();
        RequestPlan {
            authorities: Spread::new(&weights),
            paths,
        }
    }

    /// One URL sent with `shape`, for a run with one authority and one path.
    pub fn single(url: &str, shape: Shape) -> Result<RequestPlan, http::uri::InvalidUri> {
        let target = Target::new(url, Arc::new(shape))?;
        Ok(RequestPlan::new(vec![(1, vec![(1, target)])]))
    }

    /// Where request `i` goes: its authority's index and its path.
    pub fn pick(&self, i: u64) -> Option<(usize, &Target)> {
        let (k, nth) = self.authorities.pick_nth(i);
        let (spread, targets) = self.paths.get(k)?;
        targets.get(spread.pick_nth(nth).0).map(|t| (k, t))
    }

    /// How many authorities requests are spread over.
    pub fn authorities(&self) -> usize {
        self.paths.len()
    }
}

/// A fixed sequence of indices, each as often as its weight, interleaved.
#[derive(Debug, Clone, Default)]
pub struct Spread {
    /// Which index each slot of the sequence is; empty: always 0.
    sequence: Vec<u32>,
    /// How many earlier slots of the sequence hold the same index.
    occurrence: Vec<u32>,
    weights: Vec<u32>,
    /// Every weight alike (a URL list's lines): the sequence is the indices
    /// in order, this many, kept as a count — a list of a million lines
    /// needs no sequence built in time or memory of its square.
    uniform: usize,
}

impl Spread {
    /// The sequence for these weights (an index of weight 0 never comes).
    pub fn new(weights: &[u32]) -> Spread {
        if weights.len() < 2 {
            return Spread::default();
        }
        if weights[0] > 0 && weights.iter().all(|w| *w == weights[0]) {
            return Spread {
                uniform: weights.len(),
                ..Spread::default()
            };
        }
        let total: i64 = weights.iter().map(|w| i64::from(*w)).sum();
        let mut current = vec![0i64; weights.len()];
        let mut seen = vec![0u32; weights.len()];
        let mut occurrence = Vec::new();
        let sequence = (0..total)
            .map(|_| {
                for (c, w) in current.iter_mut().zip(weights) {
                    *c += i64::from(*w);
                }
                let (best, _) = current
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
                    .unwrap_or((0, &0));
                current[best] -= total;
                occurrence.push(seen[best]);
                seen[best] += 1;
                best as u32
            })
            .collect();
        Spread {
            sequence,
            occurrence,
            weights: weights.to_vec(),
            uniform: 0,
        }
    }

    /// The index request `i` goes to.
    pub fn pick(&self, i: u64) -> usize {
        self.pick_nth(i).0
    }

    /// The index request `i` goes to, and how many requests before it went
    /// to that index.
    pub fn pick_nth(&self, i: u64) -> (usize, u64) {
        if self.uniform > 0 {
            let n = self.uniform as u64;
            return ((i % n) as usize, i / n);
        }
        let n = self.sequence.len() as u64;
        if n == 0 {
            return (0, i);
        }
        let (round, slot) = (i / n, (i % n) as usize);
        let k = self.sequence[slot] as usize;
        let nth = round * u64::from(self.weights[k]) + u64::from(self.occurrence[slot]);
        (k, nth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spread_by_weight_and_interleaved() {
        let spread = Spread::new(&[1, 3]);
        let picks: Vec<usize> = (0..8).map(|i| spread.pick(i)).collect();
        assert_eq!(picks, [1, 0, 1, 1, 1, 0, 1, 1]);
        let one = Spread::new(&[5]);
        assert_eq!(one.pick_nth(7), (0, 7));
        let even = Spread::new(&[2, 2, 2]);
        let picks: Vec<usize> = (0..6).map(|i| even.pick(i)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
        // Alike weights take the short way, to the same sequence as the
        // general one (whose first weight differs by a hair, here 0).
        let general = Spread::new(&[0, 2, 2, 2]);
        for i in 0..12 {
            let (k, nth) = even.pick_nth(i);
            assert_eq!(general.pick_nth(i), (k + 1, nth), "{i}");
        }
    }

    #[test]
    fn each_pick_knows_how_many_went_its_way_before() {
        let spread = Spread::new(&[1, 3, 0]);
        let mut counts = [0u64; 3];
        for i in 0..40 {
            let (k, nth) = spread.pick_nth(i);
            assert_eq!(nth, counts[k], "request {i}");
            counts[k] += 1;
        }
        assert_eq!(counts, [10, 30, 0]);
    }

    fn shape() -> Arc<Shape> {
        Arc::new(Shape::default())
    }

    #[test]
    fn a_url_list_is_walked_in_order_across_its_authorities() {
        let list = |host: &str| -> Vec<(u32, Target)> {
            (0..3)
                .map(|p| {
                    (
                        1,
                        Target::new(&format!("http://{host}/{p}"), shape()).unwrap(),
                    )
                })
                .collect()
        };
        let plan = RequestPlan::new(vec![(3, list("a")), (3, list("b"))]);
        let urls: Vec<String> = (0..7)
            .map(|i| plan.pick(i).unwrap().1.uri(i).to_string())
            .collect();
        assert_eq!(
            urls,
            [
                "http://a/0",
                "http://b/0",
                "http://a/1",
                "http://b/1",
                "http://a/2",
                "http://b/2",
                "http://a/0"
            ]
        );
        assert_eq!(plan.authorities(), 2);
    }

    #[test]
    fn a_counter_names_every_request_apart() {
        let t = Target::new("http://a/item/{n}?again={n}", shape()).unwrap();
        assert_eq!(t.uri(42).to_string(), "http://a/item/42?again=42");
        assert!(Target::new("http://a/it em/{n}", shape()).is_err());
    }

    #[test]
    fn an_authority_without_paths_gets_no_requests() {
        let t = Target::new("http://b/", shape()).unwrap();
        let plan = RequestPlan::new(vec![(5, vec![]), (1, vec![(1, t)])]);
        assert!((0..10).all(|i| plan.pick(i).map(|(k, _)| k) == Some(1)));
    }
}

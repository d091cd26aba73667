//! Which request comes next: request `i` goes to an authority chosen by
//! weight, then to one of that authority's paths chosen by weight, each as
//! a fixed interleaved sequence (smooth weighted round robin) — so every
//! run sends the same requests to the same places, and a list of a
//! thousand URLs is walked in order, each once per thousand requests.
//!
//! A path may hold a counter, `/item/{n}`: `{n}` becomes the request's
//! number, so every request names a URL of its own. A URL list's lines are
//! read from its file as requests go (`list.rs`): each authority walks its
//! own lines in the list's order.

use std::borrow::Cow;
use std::sync::Arc;

use super::list::ListPaths;
use super::target::{Shape, Target};

/// Every authority's paths, and how requests are spread over them.
#[derive(Debug)]
pub struct RequestPlan {
    authorities: Spread,
    /// Per authority: its paths.
    paths: Vec<Paths>,
}

/// One authority's paths: given (each with its weight), or a URL list's
/// lines, read as requests go.
#[derive(Debug)]
pub enum Paths {
    Given(Spread, Vec<Target>),
    Listed(ListPaths),
}

impl Paths {
    /// `paths` with their weights.
    pub fn given(paths: Vec<(u32, Target)>) -> Paths {
        let weights: Vec<u32> = paths.iter().map(|(w, _)| *w).collect();
        Paths::Given(
            Spread::new(&weights),
            paths.into_iter().map(|(_, t)| t).collect(),
        )
    }

    fn is_empty(&self) -> bool {
        matches!(self, Paths::Given(_, targets) if targets.is_empty())
    }
}

impl RequestPlan {
    /// `authorities`: each one's weight and its paths. An authority without
    /// paths is given none of the requests.
    pub fn new(authorities: Vec<(u32, Paths)>) -> RequestPlan {
        let weights: Vec<u32> = authorities
            .iter()
            .map(|(w, paths)| if paths.is_empty() { 0 } else { *w })
            .collect();
        RequestPlan {
            authorities: Spread::new(&weights),
            paths: authorities.into_iter().map(|(_, p)| p).collect(),
        }
    }

    /// One URL sent with `shape`, for a run with one authority and one path.
    pub fn single(url: &str, shape: Shape) -> Result<RequestPlan, http::uri::InvalidUri> {
        let target = Target::new(url, Arc::new(shape))?;
        Ok(RequestPlan::new(vec![(1, Paths::given(vec![(1, target)]))]))
    }

    /// Where request `i` goes: its authority's index and its path (a URL
    /// list's next line, read now). `None` once a list has no line left.
    pub fn pick(&self, i: u64) -> Option<(usize, Cow<'_, Target>)> {
        let (k, nth) = self.authorities.pick_nth(i);
        match self.paths.get(k)? {
            Paths::Given(spread, targets) => targets
                .get(spread.pick_nth(nth).0)
                .map(|t| (k, Cow::Borrowed(t))),
            Paths::Listed(list) => list.next().map(|t| (k, Cow::Owned(t))),
        }
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
        let plan = RequestPlan::new(vec![
            (3, Paths::given(list("a"))),
            (3, Paths::given(list("b"))),
        ]);
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
    fn an_authority_without_paths_gets_no_requests() {
        let t = Target::new("http://b/", shape()).unwrap();
        let plan = RequestPlan::new(vec![
            (5, Paths::given(vec![])),
            (1, Paths::given(vec![(1, t)])),
        ]);
        assert!((0..10).all(|i| plan.pick(i).map(|(k, _)| k) == Some(1)));
    }
}

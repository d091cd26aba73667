//! Whether a figure got worse beyond chance, from its per-round values:
//! the exact one-sided Mann-Whitney U test.
//!
//! Why this test: rounds are few (3 to 10), their distribution unknown
//! (latency tails are skewed, throughput on a shared machine is bimodal),
//! and a slow round is an outlier that must not dominate. Mann-Whitney uses
//! only the order of the values, assumes no distribution, and with so few
//! values its exact p-value is cheap to count. Its limits, said plainly:
//! with 3 rounds a side, the smallest p possible is 1/20 = 0.05 (every new
//! round worse than every base round); with fewer than 3 a side no change
//! can reach 0.05, so `compare` judges such runs by the tolerance alone and
//! says that no significance can be claimed.

/// The p-value a change must reach to count as a regression.
pub const SIGNIFICANCE: f64 = 0.05;

/// The fewest rounds a side needs for the test to be able to reach
/// [`SIGNIFICANCE`].
pub const MIN_ROUNDS: usize = 3;

/// How far apart the lowest and highest of `values` are, relative to
/// their median (0 for fewer than two).
pub fn spread(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2].abs();
    let range = sorted[sorted.len() - 1] - sorted[0];
    if median == 0.0 { 0.0 } else { range / median }
}

/// The exact one-sided p-value that the values of `new` tend to be larger
/// than those of `base` (ties count half). `None` with an empty side.
pub fn p_larger(base: &[f64], new: &[f64]) -> Option<f64> {
    let (n, m) = (base.len(), new.len());
    if n == 0 || m == 0 {
        return None;
    }
    // U: pairs where the new value is not larger (ties half); small U means
    // new tends to be larger. Doubled to stay in integers.
    let u2: usize = new
        .iter()
        .flat_map(|y| base.iter().map(move |x| (x, y)))
        .map(|(x, y)| match y.partial_cmp(x) {
            Some(std::cmp::Ordering::Less) => 2,
            Some(std::cmp::Ordering::Equal) | None => 1,
            Some(std::cmp::Ordering::Greater) => 0,
        })
        .sum();
    let counts = u_counts(n, m);
    let total: f64 = counts.iter().sum();
    // P(U <= observed), U over all arrangements.
    let at_most: f64 = counts.iter().take(u2 / 2 + 1).sum();
    Some(at_most / total)
}

/// How many arrangements of `n` and `m` values give each U = 0..=n·m
/// (values distinct): the recurrence c(n, m, u) = c(n-1, m, u-m) + c(n, m-1, u).
fn u_counts(n: usize, m: usize) -> Vec<f64> {
    // table[j][u] for the current i, j in 0..=m.
    let mut prev: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect();
    for i in 1..=n {
        let mut cur: Vec<Vec<f64>> = vec![vec![1.0]];
        for j in 1..=m {
            let mut row = vec![0.0; i * j + 1];
            // The largest value is from the first sample: it beats all j.
            for (u, c) in prev[j].iter().enumerate() {
                row[u + j] += c;
            }
            // ...or from the second: it beats none.
            for (u, c) in cur[j - 1].iter().enumerate() {
                row[u] += c;
            }
            cur.push(row);
        }
        prev = cur;
    }
    prev.swap_remove(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_arrangement() {
        // C(6, 3) = 20 arrangements of 3 and 3, symmetric in U.
        let c = u_counts(3, 3);
        assert_eq!(c.iter().sum::<f64>(), 20.0);
        assert_eq!(c, vec![1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0, 2.0, 1.0, 1.0]);
        assert_eq!(u_counts(1, 4).iter().sum::<f64>(), 5.0);
    }

    #[test]
    fn complete_separation_is_the_smallest_p() {
        let base = [1.0, 2.0, 3.0];
        assert_eq!(p_larger(&base, &[4.0, 5.0, 6.0]), Some(0.05));
        assert_eq!(p_larger(&base, &[0.0, 0.5, 0.7]), Some(1.0));
        // One overlap: 2 of 20 arrangements are as extreme.
        assert_eq!(p_larger(&base, &[2.5, 5.0, 6.0]), Some(0.1));
        // Five a side can go well below 0.05.
        let p = p_larger(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]);
        assert!(p.is_some_and(|p| (p - 1.0 / 252.0).abs() < 1e-12));
        // Two a side can never reach 0.05.
        assert!(p_larger(&[1.0, 2.0], &[3.0, 4.0]).is_some_and(|p| p > SIGNIFICANCE));
        assert_eq!(p_larger(&[], &[1.0]), None);
    }
}

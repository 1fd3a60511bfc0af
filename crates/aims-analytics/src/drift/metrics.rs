//! The drift measures themselves, on sorted numbers or on counts per category.

use crate::gamma::chi2_sf;
use crate::ks::{KsTest, cdf_gaps, ks_test};

/// A sum that keeps the rounding error of each addition (Neumaier), so that a sum of a
/// million terms is as exact as the terms.
#[derive(Default, Clone, Copy)]
pub struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// Adds another sum, with what it kept.
    pub fn add_sum(&mut self, other: &Sum) {
        self.add(other.sum);
        self.add(other.compensation);
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// The quantile at probability `p` of sorted values by linear interpolation between the
/// closest ranks (Hyndman–Fan type 7, numpy's default), computed as numpy does: the
/// interpolation runs from the upper neighbour when the weight is at least one half.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    quantile_by(sorted.len(), p, |rank| sorted[rank])
}

/// [`quantile`] of `n` sorted values, reading the value of each rank it needs from `at`.
pub fn quantile_by(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    let (rank, gamma) = match quantile_place(n, p) {
        (rank, None) => return at(rank),
        (rank, Some(gamma)) => (rank, gamma),
    };
    let (below, above) = (at(rank), at(rank + 1));
    let diff = above - below;
    if gamma >= 0.5 {
        above - diff * (1.0 - gamma)
    } else {
        below + diff * gamma
    }
}

/// The ranks [`quantile_by`] reads for probability `p` of `n` values.
pub fn quantile_ranks(n: usize, p: f64) -> std::ops::RangeInclusive<usize> {
    match quantile_place(n, p) {
        (rank, None) => rank..=rank,
        (below, Some(_)) => below..=below + 1,
    }
}

/// Where numpy's linear quantile falls: a rank of its own at either end, else the rank
/// below and the weight of the one above (which is read even when the weight is 0).
fn quantile_place(n: usize, p: f64) -> (usize, Option<f64>) {
    let virtual_index = (n - 1) as f64 * p;
    if virtual_index >= (n - 1) as f64 {
        (n - 1, None)
    } else if virtual_index < 0.0 {
        (0, None)
    } else {
        let previous = virtual_index.floor();
        (previous as usize, Some(virtual_index - previous))
    }
}

/// Bin edges at the reference's quantiles i/bins, i = 0..=bins.
pub fn quantile_edges(sorted_reference: &[f64], bins: usize) -> Vec<f64> {
    (0..=bins)
        .map(|i| quantile(sorted_reference, i as f64 / bins as f64))
        .collect()
}

/// Counts per bin: bin j holds [e_j, e_{j+1}), the first bin open below and the last open
/// above, so only the inner edges e_1 … e_{bins−1} matter and every value has a bin.
pub fn bin_counts(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    bin_counts_by(sorted.len() as u64, edges, |e| {
        sorted.partition_point(|v| *v < e) as u64
    })
}

/// [`bin_counts`] of `n` values, of which `below(e)` are less than `e`.
pub fn bin_counts_by(n: u64, edges: &[f64], mut below: impl FnMut(f64) -> u64) -> Vec<u64> {
    let bins = edges.len() - 1;
    let inner: Vec<u64> = edges[1..bins].iter().map(|e| below(*e)).collect();
    (0..bins)
        .map(|j| {
            let low = if j == 0 { 0 } else { inner[j - 1] };
            let high = if j + 1 == bins { n } else { inner[j] };
            high - low
        })
        .collect()
}

pub fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts.iter().map(|c| *c as f64 / total as f64).collect()
}

/// Population stability index: Σ (q − p)·ln(q/p) over bins, each share first raised to
/// `floor` so that an empty bin gives a large but finite term.
pub fn psi(reference: &[f64], current: &[f64], floor: f64) -> f64 {
    let mut sum = Sum::default();
    for (p, q) in reference.iter().zip(current) {
        let (p, q) = (p.max(floor), q.max(floor));
        sum.add((q - p) * (q / p).ln());
    }
    sum.value()
}

/// Jensen–Shannon distance in bits (base 2, so within [0, 1]): the square root of the
/// mean Kullback–Leibler divergence of each distribution from their midpoint, as
/// `scipy.spatial.distance.jensenshannon(p, q, base=2)` computes it from counts.
pub fn jensen_shannon(reference: &[u64], current: &[u64]) -> f64 {
    let (tp, tq) = (
        reference.iter().sum::<u64>() as f64,
        current.iter().sum::<u64>() as f64,
    );
    let rel_entr = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let (mut left, mut right) = (Sum::default(), Sum::default());
    for (a, b) in reference.iter().zip(current) {
        let (p, q) = (*a as f64 / tp, *b as f64 / tq);
        let m = (p + q) / 2.0;
        left.add(rel_entr(p, m));
        right.add(rel_entr(q, m));
    }
    let js = (left.value() + right.value()) / std::f64::consts::LN_2;
    // Rounding can leave a divergence of −1e-17 for equal distributions.
    (js / 2.0).max(0.0).sqrt()
}

/// The first Wasserstein distance between two sorted samples: the area between their
/// empirical CDFs.
pub fn wasserstein(u: &[f64], v: &[f64]) -> f64 {
    cdf_gaps(u, v).1
}

/// Population standard deviation (numpy's `std`, ddof = 0).
pub fn std_dev(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = compensated_sum(values, |x| x) / n;
    (compensated_sum(values, |x| (x - mean) * (x - mean)) / n).sqrt()
}

/// Σ f(x) in four compensated sums side by side, which the CPU overlaps, added at the end.
fn compensated_sum(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes: [Sum; 4] = Default::default();
    let chunks = values.chunks_exact(4);
    let mut total = Sum::default();
    chunks.remainder().iter().for_each(|x| total.add(f(*x)));
    for chunk in chunks {
        for (lane, x) in lanes.iter_mut().zip(chunk) {
            lane.add(f(*x));
        }
    }
    lanes.iter().for_each(|lane| total.add_sum(lane));
    total.value()
}

/// Pearson's chi-square test of homogeneity on the 2 × k table of counts (reference and
/// current by category), without continuity correction: `scipy.stats.chi2_contingency(
/// table, correction=False)`. With one category the statistic is 0 and the p-value 1.
pub fn chi_square(reference: &[u64], current: &[u64]) -> (f64, f64, u64) {
    let k = reference.len();
    let dof = k.saturating_sub(1) as u64;
    let (r, c) = (reference.iter().sum::<u64>(), current.iter().sum::<u64>());
    let total = (r + c) as f64;
    if dof == 0 {
        return (0.0, 1.0, 0);
    }
    let mut statistic = Sum::default();
    for (a, b) in reference.iter().zip(current) {
        let column = a + b;
        for (observed, row) in [(*a, r), (*b, c)] {
            let expected = (u128::from(row) * u128::from(column)) as f64 / total;
            let diff = observed as f64 - expected;
            statistic.add(diff * diff / expected);
        }
    }
    let statistic = statistic.value();
    (statistic, chi2_sf(statistic, dof), dof)
}

/// Everything drift reports of a numeric column, from both samples sorted.
#[derive(Debug, Clone)]
pub struct NumericMeasures {
    pub edges: Vec<f64>,
    pub reference_counts: Vec<u64>,
    pub current_counts: Vec<u64>,
    pub psi: f64,
    pub ks: KsTest,
    pub wasserstein: f64,
    /// Divided by the reference's standard deviation; `None` when that is 0.
    pub wasserstein_normed: Option<f64>,
    pub js_distance: f64,
}

pub fn numeric(reference: &[f64], current: &[f64], bins: usize, floor: f64) -> NumericMeasures {
    let edges = quantile_edges(reference, bins);
    let counts = (bin_counts(reference, &edges), bin_counts(current, &edges));
    // One merge gives both the KS statistic and the Wasserstein area.
    let (d, wasserstein) = cdf_gaps(reference, current);
    NumericMeasures::assemble(edges, counts, (d, wasserstein), std_dev(reference), floor)
}

impl NumericMeasures {
    /// The measures from the bins' edges and counts (reference, current), the KS statistic
    /// and the Wasserstein distance, and the reference's standard deviation.
    pub fn assemble(
        edges: Vec<f64>,
        (reference_counts, current_counts): (Vec<u64>, Vec<u64>),
        (d, wasserstein): (f64, f64),
        sd: f64,
        floor: f64,
    ) -> NumericMeasures {
        let (n1, n2) = (reference_counts.iter().sum(), current_counts.iter().sum());
        NumericMeasures {
            psi: psi(&shares(&reference_counts), &shares(&current_counts), floor),
            ks: ks_test(d, n1, n2),
            wasserstein,
            wasserstein_normed: (sd > 0.0).then(|| wasserstein / sd),
            js_distance: jensen_shannon(&reference_counts, &current_counts),
            edges,
            reference_counts,
            current_counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&x, 0.0), 1.0);
        assert_eq!(quantile(&x, 1.0), 4.0);
        assert_eq!(quantile(&x, 0.5), 2.5);
        // (n − 1)·0.1 = 0.3: 1 + 0.3·(2 − 1).
        assert!((quantile(&x, 0.1) - 1.3).abs() < 1e-15);
        assert_eq!(quantile(&[7.0], 0.3), 7.0);
        assert_eq!(quantile_edges(&[5.0, 5.0, 5.0], 4), vec![5.0; 5]);
    }

    #[test]
    fn bins_are_closed_below_and_open_at_the_ends() {
        let edges = [0.0, 1.0, 2.0, 3.0];
        // −5 and 0.5 fall in the first bin, 1 and 1.5 in the second, 2, 3 and 9 in the last.
        let sorted = [-5.0, 0.5, 1.0, 1.5, 2.0, 3.0, 9.0];
        assert_eq!(bin_counts(&sorted, &edges), vec![2, 2, 3]);
        // Equal edges (a constant column): everything is at or above them.
        assert_eq!(bin_counts(&[4.0, 4.0], &[4.0, 4.0, 4.0]), vec![0, 2]);
    }

    #[test]
    fn psi_by_hand() {
        let p = [0.5, 0.5];
        let q = [0.25, 0.75];
        let expected = (0.25 - 0.5) * (0.25f64 / 0.5).ln() + (0.75 - 0.5) * (0.75f64 / 0.5).ln();
        assert!((psi(&p, &q, 1e-4) - expected).abs() < 1e-15);
        assert_eq!(psi(&p, &p, 1e-4), 0.0);
        // An empty bin counts as the floor.
        let with_empty = psi(&[1.0, 0.0], &[0.5, 0.5], 1e-4);
        let expected = (0.5 - 1.0) * 0.5f64.ln() + (0.5 - 1e-4) * (0.5f64 / 1e-4).ln();
        assert!((with_empty - expected).abs() < 1e-12);
    }

    #[test]
    fn jensen_shannon_extremes() {
        assert_eq!(jensen_shannon(&[3, 1], &[6, 2]), 0.0);
        // Disjoint supports are one bit apart.
        assert!((jensen_shannon(&[1, 0], &[0, 5]) - 1.0).abs() < 1e-15);
        // p = (1/2, 1/2), q = (1, 0): JSD = 1 − (3/4)·log2(4/3)… by definition.
        let m = [0.75, 0.25];
        let kl_p = 0.5 * (0.5f64 / m[0]).log2() + 0.5 * (0.5f64 / m[1]).log2();
        let kl_q = (1.0f64 / m[0]).log2();
        let expected = ((kl_p + kl_q) / 2.0).sqrt();
        assert!((jensen_shannon(&[1, 1], &[1, 0]) - expected).abs() < 1e-15);
    }

    #[test]
    fn wasserstein_is_the_area_between_cdfs() {
        assert_eq!(wasserstein(&[0.0], &[3.0]), 3.0);
        assert_eq!(wasserstein(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        // Shift by 0.5 of every value moves mass by 0.5.
        assert!((wasserstein(&[0.0, 1.0, 2.0], &[0.5, 1.5, 2.5]) - 0.5).abs() < 1e-15);
        // Different sizes: {0, 1} vs {0}: CDFs differ by 1/2 on [0, 1).
        assert_eq!(wasserstein(&[0.0, 1.0], &[0.0]), 0.5);
        assert_eq!(std_dev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), 2.0);
    }

    #[test]
    fn chi_square_by_hand() {
        // [[10, 20], [20, 10]]: every expected count is 15, each cell adds 25/15.
        let (s, p, dof) = chi_square(&[10, 20], &[20, 10]);
        assert!((s - 4.0 * 25.0 / 15.0).abs() < 1e-12);
        assert_eq!(dof, 1);
        assert!((p - 0.009_823_274_507_519_235).abs() < 1e-12, "{p}");
        assert_eq!(chi_square(&[5], &[7]), (0.0, 1.0, 0));
    }

    #[test]
    fn numeric_measures_of_a_constant_column() {
        let m = numeric(&[2.0, 2.0, 2.0], &[2.0, 3.0], 10, 1e-4);
        assert_eq!(m.edges, vec![2.0; 11]);
        assert_eq!(m.reference_counts.iter().sum::<u64>(), 3);
        assert_eq!(m.reference_counts[9], 3);
        assert_eq!(m.current_counts[9], 2);
        assert_eq!(m.psi, 0.0);
        assert_eq!(m.wasserstein_normed, None);
        assert_eq!(m.wasserstein, 0.5);
        assert_eq!(m.ks.statistic, 0.5);
    }
}

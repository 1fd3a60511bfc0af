//! The two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp` computes
//! it with its default `method='auto'`: the exact distribution when both samples have at
//! most 10,000 values, else the distribution of D_n with n = round(n₁n₂/(n₁+n₂)).

use serde::Serialize;

use crate::drift::metrics::Sum;
use crate::kolmogorov::kolmogorov_sf;

/// Up to this sample size (of the larger sample) the p-value is exact.
pub const EXACT_MAX_N: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    Exact,
    Asymptotic,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KsTest {
    pub statistic: f64,
    pub pvalue: f64,
    pub method: KsMethod,
}

/// Segments the merge of [`cdf_gaps`] is cut into: their walks are independent, so the CPU
/// overlaps them, where one walk waits on each load and comparison in turn.
const WALKS: usize = 4;
/// Below this many values one walk does.
const SPLIT_MIN: usize = 4096;
/// Steps whose area terms are added plainly before the sum joins the compensated one.
/// The terms are never negative, so a block loses at most BLOCK·2⁻⁵³ of its value.
const BLOCK: usize = 256;

/// The largest distance between the two empirical CDFs and the area between them, from
/// two sorted, non-empty samples by one merge. The gap after taking i values of `a` and j
/// of `b` is the integer i·n₂ − j·n₁ in units of 1/(n₁·n₂), so the walk needs no division
/// and no branch that depends on the data, and the statistic is exact before its one
/// division.
pub fn cdf_gaps(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (Some(&first_a), Some(&first_b)) = (a.first(), b.first()) else {
        return (0.0, 0.0);
    };
    let (n1, n2) = (a.len(), b.len());
    // Samples this large (over 3·10⁹ values each) cannot be held in memory; the division
    // form covers them all the same.
    let (Ok(w1), Ok(w2)) = (i64::try_from(n2), i64::try_from(n1)) else {
        return cdf_gaps_by_division(a, b);
    };
    if w1.checked_mul(w2).is_none() {
        return cdf_gaps_by_division(a, b);
    }
    let samples = Samples { a, b, w1, w2 };
    let first = first_a.min(first_b);
    // Each segment starts at a value of `a`, so no run of equal values is cut; the cuts
    // share the merged values out evenly.
    let mut cuts: Vec<f64> = if n1 + n2 >= SPLIT_MIN {
        (1..WALKS)
            .map(|s| a[samples.taken_before(s * (n1 + n2) / WALKS)])
            .filter(|v| *v > first)
            .collect()
    } else {
        Vec::new()
    };
    cuts.dedup();
    let mut area = Sum::default();
    let mut largest = 0i64;
    let mut walks = Vec::with_capacity(cuts.len() + 1);
    let (mut from, mut start) = ((0, 0), first);
    for cut in cuts {
        let to = (
            a.partition_point(|x| *x < cut),
            b.partition_point(|x| *x < cut),
        );
        walks.push(Walk::new(from, to, start));
        // Every value below the cut is taken: the gap holds from the last of them to it.
        let before = match to {
            (0, j) => b[j - 1],
            (i, 0) => a[i - 1],
            (i, j) => a[i - 1].max(b[j - 1]),
        };
        let gap = samples.gap(to.0, to.1);
        area.add(gap as f64 * (cut - before));
        largest = largest.max(gap);
        (from, start) = (to, cut);
    }
    walks.push(Walk::new(from, (n1, n2), start));

    // While walks have values left in both samples, they step side by side.
    loop {
        walks.sort_by_key(|w| w.steps_on_both() == 0);
        let live = walks.iter().filter(|w| w.steps_on_both() > 0).count();
        let head = &mut walks[..live];
        match live {
            0 => break,
            1 => samples.interleave::<1>(head),
            2 => samples.interleave::<2>(head),
            3 => samples.interleave::<3>(head),
            _ => samples.interleave::<WALKS>(head),
        }
    }
    for walk in &mut walks {
        samples.finish(walk);
        area.add_sum(&walk.area);
        largest = largest.max(walk.largest);
    }
    // Once every value is taken both CDFs are 1: the last gap is 0 and adds nothing.
    let scale = n1 as f64 * n2 as f64;
    (largest as f64 / scale, area.value() / scale)
}

struct Samples<'s> {
    a: &'s [f64],
    b: &'s [f64],
    /// What taking one value of `a` (of `b`) adds to (takes from) the gap: n₂ (n₁).
    w1: i64,
    w2: i64,
}

/// One segment of the merge in [`cdf_gaps`]: values of `a` from `i` to `i_end` and of `b`
/// from `j` to `j_end`.
#[derive(Clone, Copy)]
struct Walk {
    i: usize,
    j: usize,
    i_end: usize,
    j_end: usize,
    largest: i64,
    area: Sum,
    /// Area terms not yet in `area`.
    block: f64,
    previous: f64,
}

impl Walk {
    fn new(from: (usize, usize), to: (usize, usize), start: f64) -> Walk {
        Walk {
            i: from.0,
            j: from.1,
            i_end: to.0,
            j_end: to.1,
            largest: 0,
            area: Sum::default(),
            block: 0.0,
            previous: start,
        }
    }

    /// How many steps surely find values left in both samples.
    fn steps_on_both(&self) -> usize {
        (self.i_end - self.i).min(self.j_end - self.j)
    }

    fn close_block(&mut self) {
        self.area.add(self.block);
        self.block = 0.0;
    }
}

impl Samples<'_> {
    /// The gap after taking i values of `a` and j of `b`, as a count.
    #[inline(always)]
    fn gap(&self, i: usize, j: usize) -> i64 {
        (i as i64 * self.w1 - j as i64 * self.w2).abs()
    }

    /// How many values of `a` come before the `position`-th value of the merge.
    fn taken_before(&self, position: usize) -> usize {
        let (mut low, mut high) = (0, self.a.len());
        while low < high {
            let i = (low + high) / 2;
            let j = self.b.partition_point(|y| *y < self.a[i]);
            if i + j < position {
                low = i + 1;
            } else {
                high = i;
            }
        }
        low.min(self.a.len() - 1)
    }

    /// Takes the next value `x` of the merged samples. When it differs from the value
    /// before, every value up to that one has been taken: the gap is then one of the CDFs'
    /// gaps, and holds until `x`.
    #[inline(always)]
    fn take(&self, walk: &mut Walk, x: f64) {
        let gap = self.gap(walk.i, walk.j);
        walk.block += gap as f64 * (x - walk.previous);
        if x != walk.previous {
            walk.largest = walk.largest.max(gap);
        }
        walk.previous = x;
    }

    /// Takes the smaller of the next values of both samples.
    #[inline(always)]
    fn step(&self, walk: &mut Walk) {
        let (x, y) = (self.a[walk.i], self.b[walk.j]);
        // Arithmetic rather than a branch: which sample comes next is a coin toss.
        let from_a = usize::from(x <= y);
        self.take(walk, x.min(y));
        walk.i += from_a;
        walk.j += 1 - from_a;
    }

    /// Steps `N` walks side by side as long as each surely has values in both samples.
    /// The walks are copied into locals so that they live in registers.
    fn interleave<const N: usize>(&self, walks: &mut [Walk]) {
        let Ok(walks) = <&mut [Walk; N]>::try_from(walks) else {
            return;
        };
        let mut local = *walks;
        let mut rounds = local.iter().map(Walk::steps_on_both).min().unwrap_or(0);
        while rounds > 0 {
            let block = rounds.min(BLOCK);
            for _ in 0..block {
                for walk in &mut local {
                    self.step(walk);
                }
            }
            local.iter_mut().for_each(Walk::close_block);
            rounds -= block;
        }
        *walks = local;
    }

    /// Takes what is left of a walk.
    fn finish(&self, walk: &mut Walk) {
        let mut steps = 0usize;
        let mut counted = |walk: &mut Walk| {
            steps += 1;
            if steps.is_multiple_of(BLOCK) {
                walk.close_block();
            }
        };
        while walk.steps_on_both() > 0 {
            self.step(walk);
            counted(walk);
        }
        while walk.i < walk.i_end {
            self.take(walk, self.a[walk.i]);
            walk.i += 1;
            counted(walk);
        }
        while walk.j < walk.j_end {
            self.take(walk, self.b[walk.j]);
            walk.j += 1;
            counted(walk);
        }
        walk.close_block();
    }
}

/// [`cdf_gaps`] with each gap a difference of two divided counts, as SciPy computes it.
fn cdf_gaps_by_division(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut largest = 0.0f64;
    let mut area = Sum::default();
    let mut previous: Option<(f64, f64)> = None;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(p), Some(q)) => p.min(*q),
            (Some(p), None) => *p,
            (None, Some(q)) => *q,
            (None, None) => break,
        };
        if let Some((at, gap)) = previous {
            area.add(gap * (x - at));
        }
        while i < a.len() && a[i] == x {
            i += 1;
        }
        while j < b.len() && b[j] == x {
            j += 1;
        }
        let gap = (i as f64 / n1 - j as f64 / n2).abs();
        largest = largest.max(gap);
        previous = Some((x, gap));
    }
    (largest, area.value())
}

/// The largest distance between the two empirical CDFs of sorted samples.
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    cdf_gaps(a, b).0
}

/// The two-sided test on two sorted, non-empty samples.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> KsTest {
    ks_test(ks_statistic(a, b), a.len() as u64, b.len() as u64)
}

/// The test for statistic `d` between samples of sizes `n1` and `n2`.
pub fn ks_test(d: f64, n1: u64, n2: u64) -> KsTest {
    if n1.max(n2) <= EXACT_MAX_N as u64 {
        let g = gcd(n1, n2);
        let lcm = (n1 / g) * n2;
        let h = (d * lcm as f64).round_ties_even() as u64;
        let d = h as f64 / lcm as f64;
        if h == 0 {
            return KsTest {
                statistic: d,
                pvalue: 1.0,
                method: KsMethod::Exact,
            };
        }
        let p = if n1 == n2 {
            outside_square(n1, h)
        } else {
            outside_inside_method(n1, n2, g, h)
        };
        if (0.0..=1.0).contains(&p) {
            return KsTest {
                statistic: d,
                pvalue: p,
                method: KsMethod::Exact,
            };
        }
        return asymptotic(d, n1, n2);
    }
    asymptotic(d, n1, n2)
}

fn asymptotic(d: f64, n1: u64, n2: u64) -> KsTest {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = (m * n / (m + n)).round_ties_even();
    KsTest {
        statistic: d,
        pvalue: kolmogorov_sf(en as u64, d).clamp(0.0, 1.0),
        method: KsMethod::Asymptotic,
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Pr(D_{n,n} ≥ h/n) for equal sample sizes: 2 Σ_k (−1)^(k−1) C(2n, n−kh)/C(2n, n), as a
/// Horner-like product so that no large binomial is formed and nothing cancels.
fn outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = n / h;
    loop {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n as f64 - (k * h) as f64 - j as f64) * p1 / ((n + k * h + j + 1) as f64);
        }
        p = p1 * (1.0 - p);
        if k == 0 {
            break;
        }
        k -= 1;
    }
    2.0 * p
}

/// Pr(D_{m,n} ≥ h/lcm(m, n)) by counting lattice paths that leave the band between the
/// two diagonals (Hodges 1958), in the form that accumulates 1 − p directly so the result
/// keeps its digits when small (Viehmann 2021). One sliding column is kept.
fn outside_inside_method(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let mut minj = 0i64;
    let mut maxj = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    let len = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len];
    a[minj as usize..maxj as usize].fill(0.0);
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((((ng * i - h) as f64 / mg as f64).floor() as i64) + 1).max(0);
        minj = minj.min(n);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            a[from..to].fill(1.0);
        }
    }
    a[(maxj - minj - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistic_is_the_largest_cdf_gap_with_ties() {
        assert_eq!(ks_statistic(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
        // After 1: 1/2 vs 0; after 2: 1 vs 1/3.
        let d = ks_statistic(&[1.0, 2.0], &[2.0, 3.0, 4.0]);
        assert!((d - 2.0 / 3.0).abs() < 1e-15, "{d}");
        assert_eq!(ks_statistic(&[0.0], &[5.0]), 1.0);
    }

    #[test]
    fn the_counted_walk_agrees_with_divided_gaps() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |scale: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Few distinct values, so that ties within and across the samples are common.
            (state % scale) as f64 * 0.25 - 3.0
        };
        for (n1, n2, scale) in [
            (1, 1, 3),
            (5, 3, 4),
            (700, 1100, 50),
            (4000, 2500, 100_000),
            (6000, 5000, 20),
            (9000, 30, 7),
        ] {
            let mut a: Vec<f64> = (0..n1).map(|_| next(scale)).collect();
            let mut b: Vec<f64> = (0..n2).map(|_| next(scale) + 0.5).collect();
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            for (x, y) in [(&a, &b), (&b, &a)] {
                let (d, area) = cdf_gaps(x, y);
                let (expected_d, expected_area) = cdf_gaps_by_division(x, y);
                assert!(
                    (d - expected_d).abs() <= 1e-15,
                    "{n1} {n2}: {d} {expected_d}"
                );
                let tolerance = 1e-12 * expected_area.abs().max(1e-300);
                assert!(
                    (area - expected_area).abs() <= tolerance,
                    "{area} {expected_area}"
                );
            }
        }
    }

    #[test]
    fn exact_p_values_by_hand() {
        // n = m = 1, D = 1: both orders of the two values are extreme, p = 1.
        assert_eq!(ks_2samp(&[0.0], &[1.0]).pvalue, 1.0);
        // n = m = 2, D = 1: 2 of the C(4,2) = 6 orderings separate the samples fully.
        let t = ks_2samp(&[0.0, 1.0], &[2.0, 3.0]);
        assert_eq!((t.statistic, t.method), (1.0, KsMethod::Exact));
        assert!((t.pvalue - 2.0 / 6.0).abs() < 1e-15, "{}", t.pvalue);
        // m = 3, n = 2, D = 1: 2 of C(5,2) = 10 orderings.
        let t = ks_2samp(&[0.0, 1.0, 2.0], &[3.0, 4.0]);
        assert!((t.pvalue - 0.2).abs() < 1e-15, "{}", t.pvalue);
        // Identical samples: D = 0, p = 1.
        assert_eq!(ks_2samp(&[1.0, 2.0], &[1.0, 2.0]).pvalue, 1.0);
    }

    #[test]
    fn large_samples_take_the_asymptotic_path() {
        let a: Vec<f64> = (0..20_000).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..20_000).map(|i| i as f64 + 0.5).collect();
        let t = ks_2samp(&a, &b);
        assert_eq!(t.method, KsMethod::Asymptotic);
        assert!((t.statistic - 1.0 / 20_000.0).abs() < 1e-15);
        assert_eq!(t.pvalue, 1.0);
    }
}

//! The two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp` computes
//! it with its default `method='auto'`: the exact distribution when both samples have at
//! most 10,000 values, else the distribution of D_n with n = round(n₁n₂/(n₁+n₂)).

use serde::Serialize;

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

/// The largest distance between the two empirical CDFs and the area between them, from
/// sorted samples by one merge. Each CDF value is a count divided by the sample size, as
/// SciPy computes it, so the statistic is the same double.
pub fn cdf_gaps(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut largest = 0.0f64;
    let mut area = crate::drift::metrics::Sum::default();
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

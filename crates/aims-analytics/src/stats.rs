//! Interval estimates for proportions.

/// z for a two-sided 95% interval: the 0.975 quantile of the standard normal.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `successes` out of `trials` at confidence `z`; `None`
/// when there are no trials. Unlike the normal approximation it stays inside [0, 1] and
/// behaves for small groups and rates near 0 or 1, which is where fairness gaps hide.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263 at 95%: the textbook example, (0.2553, 0.3662).
        let (lo, hi) = wilson(81, 263, Z95).unwrap();
        assert!(
            (lo - 0.25530).abs() < 5e-5 && (hi - 0.36622).abs() < 5e-5,
            "{lo} {hi}"
        );
        // Extremes stay inside [0, 1] and are not degenerate.
        let (lo, hi) = wilson(0, 10, Z95).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 0.27753).abs() < 5e-5, "{hi}");
        let (lo, hi) = wilson(10, 10, Z95).unwrap();
        assert!(
            (lo - 0.72247).abs() < 5e-5 && (hi - 1.0).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0, Z95), None);
    }
}

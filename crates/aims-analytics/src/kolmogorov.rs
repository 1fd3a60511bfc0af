//! The distribution of the Kolmogorov–Smirnov statistic for a sample of size n: the
//! survival function of the two-sided statistic D_n and of the one-sided D_n⁺.
//!
//! Which algorithm serves which (n, x) follows Simard & L'Ecuyer (2011), with the same
//! cut-overs SciPy 1.15 uses in `scipy.stats.kstwo`, so that p-values agree with SciPy to
//! far better than 1e-9: Ruben–Gambino closed forms at the ends, the Durbin matrix in the
//! Marsaglia–Tsang–Wang form, Pomeranz's recursion, the Pelz–Good asymptotic series, and
//! twice the one-sided Birnbaum–Tingey sum where that is exact or as good.

use crate::dd::{Dd, ldexp};

/// exp() of anything below this is 0 in f64.
const MIN_LOG: f64 = -708.396_418_532_264_1;
/// Above this n the one-sided sum would take too long; an approximation serves.
const SMIRNOV_MAX_COMPUTE_N: u64 = 1_000_000;
const SCALE_EXPONENT: i64 = 128;

/// Pr(D_n ≥ x), the two-sided statistic of n observations against a continuous law.
pub fn kolmogorov_sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    // Below the support's lower end the statistic is certainly exceeded.
    if x <= 0.5 / n as f64 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: for 1/(2n) <= x <= 1/n the CDF is n!/n^n (2t − 1)^n.
        let cdf = if n <= 140 {
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_factorial_over_power(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= nf - 1.0 {
        return clip(2.0 * (1.0 - x).powf(nf));
    }
    if x >= 0.5 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let nx2 = t * x;
    if n <= 140 {
        if nx2 <= 0.754693 {
            return clip(1.0 - durbin_cdf(n, x));
        }
        if nx2 <= 4.0 {
            return clip(1.0 - pomeranz_cdf(n, x));
        }
        return clip(2.0 * smirnov_sf(n, x));
    }
    if nx2 >= 370.0 {
        return 0.0;
    }
    if nx2 >= 2.2 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let cdf = if nx2 >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        durbin_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    clip(1.0 - cdf)
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// log(n!/n^n) by Stirling's series.
fn log_factorial_over_power(n: f64) -> f64 {
    // The Bernoulli-number coefficients of the series, highest order first.
    const STIRLING: [f64; 8] = [
        -3617.0 / 122_400.0,
        1.0 / 156.0,
        -691.0 / 360_360.0,
        1.0 / 1188.0,
        -1.0 / 1680.0,
        1.0 / 1260.0,
        -1.0 / 360.0,
        1.0 / 12.0,
    ];
    let rn = 1.0 / n;
    let series = STIRLING.iter().fold(0.0, |acc, c| acc * (rn / n) + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * series
}

/// Pr(D_n ≤ d) by the Durbin matrix: the (k, k) entry of H^n, times n!/n^n.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|i| 1.0 - h.powi(i as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    let mut matrix = vec![0.0; m * m];
    for i in 1..m {
        for row in i - 1..m {
            matrix[row * m + i] = w[row - (i - 1)];
        }
    }
    for row in 0..m {
        matrix[row * m] = v[row];
    }
    for col in 0..m {
        matrix[(m - 1) * m + col] = v[m - 1 - col];
    }
    let mut power = identity(m);
    let mut exponent = 0i64;
    let mut matrix_exponent = 0i64;
    let mut remaining = n;
    let scale = ldexp(1.0, SCALE_EXPONENT);
    while remaining > 0 {
        if remaining % 2 == 1 {
            power = multiply(&power, &matrix, m);
            exponent += matrix_exponent;
        }
        matrix = multiply(&matrix, &matrix, m);
        matrix_exponent *= 2;
        if matrix[(k - 1) * m + (k - 1)].abs() > scale {
            matrix.iter_mut().for_each(|x| *x /= scale);
            matrix_exponent += SCALE_EXPONENT;
        }
        remaining /= 2;
    }
    let mut p = power[(k - 1) * m + (k - 1)];
    let nf = n as f64;
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < 1.0 / scale {
            p *= scale;
            exponent -= SCALE_EXPONENT;
        }
    }
    ldexp(p, exponent)
}

fn identity(m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        out[i * m + i] = 1.0;
    }
    out
}

fn multiply(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for l in 0..m {
            let x = a[i * m + l];
            if x == 0.0 {
                continue;
            }
            for j in 0..m {
                out[i * m + j] += x * b[l * m + j];
            }
        }
    }
    out
}

/// Endpoints of row i in Pomeranz's recursion.
fn pomeranz_bounds(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (half, odd) = ((i + 1) / 2, (i + 1) % 2);
        if odd == 0 {
            if half == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
            }
        } else {
            (half - 1 - ll - 1, half + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// Pr(D_n ≤ x) by Pomeranz's recursion (1974).
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let n = n as i64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let powers = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0; powers];
    let mut twogpower = vec![1.0; powers];
    let mut onem2gpower = vec![1.0; powers];
    let (g_n, two_g_n, one_minus_two_g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..powers {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_n / m as f64;
    }
    let mut v0 = vec![0.0; powers];
    let mut v1 = vec![0.0; powers];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut exponent = 0i64;
    let scale = ldexp(1.0, SCALE_EXPONENT);
    let mut j1 = pomeranz_bounds(0, n, ll, ceilf, roundf).0;
    for i in 1..(2 * n + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let j2;
        (j1, j2) = pomeranz_bounds(i, n, ll, ceilf, roundf);
        let pwrs = if i == 1 || i == 2 * n + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let ln2 = ln2 as usize;
            let from = (k1 - v0s) as usize;
            let a = &v0[from..from + ln2];
            let b = &pwrs[..ln2];
            let conv_start = (j1 - k1) as usize;
            let conv_len = (j2 - j1 + 1) as usize;
            for (out, index) in (conv_start..conv_start + conv_len).enumerate() {
                let lo = index.saturating_sub(ln2 - 1);
                let hi = index.min(ln2 - 1);
                v1[out] = (lo..=hi).map(|j| a[j] * b[index - j]).sum();
            }
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < 1.0 / scale {
                v1.iter_mut().for_each(|x| *x *= scale);
                exponent -= SCALE_EXPONENT;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut answer = v1[(n - v1s) as usize];
    for m in 1..=n {
        if answer.abs() > scale {
            answer /= scale;
            exponent += SCALE_EXPONENT;
        }
        answer *= m as f64;
    }
    ldexp(answer, exponent)
}

/// Pr(D_n ≤ x) by the Pelz–Good (1976) expansion in powers of 1/√n.
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let sqrt_2pi = (2.0 * PI).sqrt();
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf((8 * kk) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (kv, c) in k.iter_mut().zip(coeffs) {
            *kv = *kv * qpower + c;
        }
    }
    let divisors = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (kv, d) in k.iter_mut().zip(divisors) {
        *kv = *kv * q * sqrt_2pi / d;
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks = kk as f64;
        let ks2 = ks * ks;
        let qp = q.powf(ks2);
        k2extra += ks2 * qp;
        let kspi = PI * ks;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    k[2] += k2extra * (pi2 * sqrt_2pi / (-36.0 * z3));
    k[3] += k3extra * (pi2 * sqrt_2pi / (216.0 * z6));
    let nf = n as f64;
    (0..4).map(|i| k[i] / nf.powf(i as f64 / 2.0)).sum()
}

/// Pr(D_n⁺ ≥ x), the one-sided statistic: closed forms at the ends, Smirnov's
/// approximation above n = 10^6 (as SciPy), else the Birnbaum–Tingey sum.
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if n == 0 || !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    // floor(n·x) and the remainder, exactly.
    let nx = Dd::new(x) * nf;
    let nx_floor = nx.floor();
    let mut alpha = (nx - nx_floor).hi;
    let mut nxfl = nx_floor.to_f64() as i64;
    if alpha == 1.0 {
        nxfl += 1;
        alpha = 0.0;
    }
    let n_i = n as i64;
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        let (m, e) = (Dd::ONE + x).powi_scaled(n - 1);
        return 1.0 - x * m.ldexp(e).to_f64();
    }
    if -2.0 * nf * x * x < MIN_LOG {
        return 0.0;
    }
    if nxfl >= n_i - 1 {
        let (m, e) = (Dd::ONE - x).powi_scaled(n);
        return m.ldexp(e).to_f64();
    }
    if n > SMIRNOV_MAX_COMPUTE_N {
        let logp = -(6.0 * nf * x + 1.0).powi(2) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 - -logp.exp_m1()
        };
    }
    // Lower sum over v = 0 ..= n(1 − x), leaving out the last term when n·x is whole.
    let mut last = n_i - nxfl - i64::from(alpha != 0.0);
    if alpha == 0.0 {
        last -= 1;
    }
    clip(x * lower_sum(n, x, nx, last))
}

/// Σ_{v=0}^{last} A_v with A_v = C(n,v)·(1 − x − v/n)^(n−v)·(x + v/n)^(v−1), stopping once the
/// remaining terms cannot change the sum (SciPy's rule).
///
/// The terms span thousands of orders of magnitude, so they are carried as logarithms
/// and each is reached from the previous one: ln A_{v+1} − ln A_v is a sum of four
/// logarithms of moderate size, each accurate to an ulp, where the powers themselves
/// would multiply an ulp of their base by n. The logarithms are added with compensation,
/// so the error after k terms stays near k ulps of the increments.
fn lower_sum(n: u64, x: f64, nx: Dd, last: i64) -> f64 {
    let nf = n as f64;
    let n_i = n as i64;
    // ln A_0 = n·ln(1 − x) − ln x.
    let mut log_term = Dd::new(nf * (-x).ln_1p()) - x.ln();
    // The sum is kept as scale·e^(top): `top` is the largest log-term so far.
    let mut top = log_term.to_f64();
    let mut scaled = 1.0f64;
    for v in 0..last {
        // n·(1 − x − v/n) and n·(x + v/n), without cancellation near the end of the sum.
        let a = (Dd::new((n_i - v) as f64) - nx).to_f64();
        let b = (Dd::new(v as f64) + nx).to_f64();
        let step = ((n_i - v) as f64 / (v + 1) as f64).ln()
            + (n_i - v - 1) as f64 * (-1.0 / a).ln_1p()
            + v as f64 * (1.0 / b).ln_1p()
            + (b / a).ln();
        log_term = log_term + step;
        let current = log_term.to_f64();
        // The term relative to the largest, e^(current − top).
        let relative = if current > top {
            scaled = scaled * (top - current).exp() + 1.0;
            top = current;
            1.0
        } else {
            let relative = (current - top).exp();
            scaled += relative;
            relative
        };
        // SciPy's rule, 4·remaining·A_v < ε·Σ, on the scaled values: no logarithm.
        let remaining = (last - v) as f64;
        if 4.0 * remaining * relative < f64::EPSILON * scaled && v + 1 != last {
            break;
        }
    }
    (top + scaled.ln()).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn one_observation_is_uniform() {
        // D_1 = max(U, 1 − U): Pr(D_1 ≥ x) = 2(1 − x) for x ≥ 1/2.
        assert!(close(kolmogorov_sf(1, 0.75), 0.5, 1e-15));
        assert_eq!(smirnov_sf(1, 0.25), 0.75);
    }

    #[test]
    fn two_sided_values_for_small_n() {
        // Ruben–Gambino: for 1/(2n) ≤ x ≤ 1/n the CDF is n!/n^n (2nx − 1)^n; and
        // Pr(D_n ≥ x) = 2(1 − x)^n for x ≥ 1 − 1/n.
        let n = 5u64;
        let x = 0.15;
        let cdf: f64 =
            (1..=5).map(|i| i as f64 / 5.0).product::<f64>() * (2.0 * 0.75 - 1.0f64).powi(5);
        assert!(close(kolmogorov_sf(n, x), 1.0 - cdf, 1e-14));
        assert!(close(kolmogorov_sf(2, 0.6), 2.0 * 0.4 * 0.4, 1e-15));
    }

    #[test]
    fn the_algorithms_agree_where_their_ranges_meet() {
        // Durbin, Pomeranz and the Birnbaum–Tingey sum are exact methods: where two could
        // serve, they must agree.
        for (n, x) in [(40u64, 0.12), (100, 0.08), (7, 0.3)] {
            let durbin = durbin_cdf(n, x);
            let pomeranz = pomeranz_cdf(n, x);
            assert!(
                close(durbin, pomeranz, 1e-12),
                "n={n} x={x}: {durbin} {pomeranz}"
            );
        }
        // For x ≥ 1/2 the two-sided tail is exactly twice the one-sided one; the Durbin
        // CDF is close to 1 there, so 1 − CDF keeps fewer digits than the direct sum.
        let durbin = 1.0 - durbin_cdf(20, 0.55);
        let direct = 2.0 * smirnov_sf(20, 0.55);
        assert!(close(durbin, direct, 1e-9), "{durbin} {direct}");
        // SciPy 1.15: 2 * scipy.special.smirnov(20, 0.55).
        assert!(close(direct, 3.286_197_066_228_009_5e-6, 1e-13), "{direct}");
    }

    #[test]
    fn the_one_sided_sum_keeps_its_digits_for_large_n() {
        // SciPy 1.15 (scipy.special.smirnov, summed in double-double).
        for (n, x, expected) in [
            (500_000u64, 0.004, 1.122_298_924_692_573_4e-7),
            (100_000, 0.01, 2.046_639_011_774_627e-9),
            (999_999, 0.0025, 3.720_439_493_656_452_2e-6),
        ] {
            let p = smirnov_sf(n, x);
            assert!(close(p, expected, 1e-11), "n={n} x={x}: {p} {expected}");
        }
    }

    #[test]
    fn large_samples_approach_the_kolmogorov_limit() {
        // sqrt(n)·D_n → Kolmogorov's K: Pr(K ≥ 1) = 0.26999967167735456.
        let p = kolmogorov_sf(1_000_000, 1e-3);
        assert!((p - 0.269_999_671_677_354_6).abs() < 2e-3, "{p}");
    }
}

//! Double-double arithmetic: a value is `hi + lo` with `|lo| <= ulp(hi)/2`, about 32
//! significant digits. Used where a long product of factors close to 1 would lose the
//! digits a p-value needs (the one-sided Smirnov sum).

use std::ops::{Add, Div, Mul, Sub};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

impl Dd {
    pub const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

    pub fn new(hi: f64) -> Dd {
        Dd { hi, lo: 0.0 }
    }

    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    /// Splits into a mantissa in [0.5, 1) and a power of two.
    pub fn frexp(self) -> (Dd, i64) {
        let (mantissa, exponent) = frexp(self.hi);
        (
            Dd {
                hi: mantissa,
                lo: ldexp(self.lo, -exponent),
            },
            exponent,
        )
    }

    pub fn ldexp(self, exponent: i64) -> Dd {
        Dd {
            hi: ldexp(self.hi, exponent),
            lo: ldexp(self.lo, exponent),
        }
    }

    pub fn floor(self) -> Dd {
        let hi = self.hi.floor();
        if hi == self.hi {
            quick_two_sum(hi, self.lo.floor())
        } else {
            Dd::new(hi)
        }
    }

    /// `self^m` for m >= 0 as a mantissa and a power of two, so that neither overflows
    /// nor underflows whatever `m` is; binary powering keeps about 30 digits.
    pub fn powi_scaled(self, mut m: u64) -> (Dd, i64) {
        let (mut base, mut base_exp) = self.frexp();
        let mut result = Dd::ONE;
        let mut result_exp = 0i64;
        while m > 0 {
            if m & 1 == 1 {
                let (r, e) = (result * base).frexp();
                result = r;
                result_exp += e + base_exp;
            }
            m >>= 1;
            if m > 0 {
                let (b, e) = (base * base).frexp();
                base = b;
                base_exp = 2 * base_exp + e;
            }
        }
        (result, result_exp)
    }
}

impl Add for Dd {
    type Output = Dd;
    fn add(self, b: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, b.hi);
        quick_two_sum(s, e + self.lo + b.lo)
    }
}

impl Add<f64> for Dd {
    type Output = Dd;
    fn add(self, b: f64) -> Dd {
        let (s, e) = two_sum(self.hi, b);
        quick_two_sum(s, e + self.lo)
    }
}

impl Sub for Dd {
    type Output = Dd;
    fn sub(self, b: Dd) -> Dd {
        self + Dd {
            hi: -b.hi,
            lo: -b.lo,
        }
    }
}

impl Sub<f64> for Dd {
    type Output = Dd;
    fn sub(self, b: f64) -> Dd {
        self + (-b)
    }
}

impl Mul for Dd {
    type Output = Dd;
    fn mul(self, b: Dd) -> Dd {
        let p = self.hi * b.hi;
        let e = self.hi.mul_add(b.hi, -p);
        quick_two_sum(p, e + (self.hi * b.lo + self.lo * b.hi))
    }
}

impl Mul<f64> for Dd {
    type Output = Dd;
    fn mul(self, b: f64) -> Dd {
        self * Dd::new(b)
    }
}

impl Div for Dd {
    type Output = Dd;
    fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        let r = self - b * q1;
        let q2 = r.hi / b.hi;
        let r = r - b * q2;
        let q3 = r.hi / b.hi;
        quick_two_sum(q1, q2) + q3
    }
}

impl Div<f64> for Dd {
    type Output = Dd;
    fn div(self, b: f64) -> Dd {
        self / Dd::new(b)
    }
}

/// `x = m · 2^e` with `m` in [0.5, 1); zero, infinities and NaN come back unchanged with 0.
pub fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    if exponent == 0 {
        // Subnormal: normalise first.
        let (m, e) = frexp(x * f64::powi(2.0, 64));
        return (m, e - 64);
    }
    let mantissa = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (mantissa, exponent - 1022)
}

/// `x · 2^e`, in steps so that intermediate powers of two stay representable.
pub fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= f64::powi(2.0, 1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= f64::powi(2.0, -1000);
        e += 1000;
    }
    x * f64::powi(2.0, e as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_and_ldexp_round_trip() {
        for x in [1.0, 0.75, 3.0e-310, 1.0e300, -6.5] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m.abs()), "{x}: {m}");
            assert_eq!(ldexp(m, e), x);
        }
    }

    #[test]
    fn powers_keep_digits_that_f64_loses() {
        // (1 - 1e-10)^(1e10) = exp(-1 - 5e-11 - ...) to 20 digits.
        let base = Dd::ONE - 1e-10;
        let (m, e) = base.powi_scaled(10_000_000_000);
        let value = m.ldexp(e).to_f64();
        let expected = (-1.0f64 - 5.0e-11).exp();
        assert!((value / expected - 1.0).abs() < 1e-14, "{value} {expected}");
        // A third in double-double times three is one to 30 digits.
        let third = Dd::ONE / 3.0;
        let one = third * 3.0;
        assert!((one.hi - 1.0).abs() + one.lo.abs() < 1e-30);
    }
}

//! Sorting columns of finite doubles by radix: linear in the number of values, several
//! times faster than a comparison sort on the million-value columns drift works on.
//!
//! A [`Sorter`] is kept by a worker from column to column: values become sort keys as they
//! arrive, the digit counts of every pass are taken on the way, and the last pass writes
//! the doubles back, in buffers whose pages were touched by the first column.
//!
//! The passes first cover only the keys' top 42 bits (sign, exponent and 30 bits of
//! mantissa); values that share those are left in the order they came, and one scan puts
//! each such run right by a comparison sort. For values spread over a range, as columns of
//! measurements are, such runs are rare and short, and two of the six passes are saved.
//! Values closer together than one part in a billion (times to the microsecond, say) make
//! long runs: past a budget the scan gives up and every digit is sorted.

const DIGIT_BITS: u32 = 11;
const BUCKETS: usize = 1 << DIGIT_BITS;
const PASSES: usize = 64usize.div_ceil(DIGIT_BITS as usize);
/// Below this a comparison sort is faster than the counting passes.
const RADIX_MIN: usize = 4096;
/// Passes over the low digits that are left to the scan for runs.
const LOW_PASSES: usize = 2;
const LOW_BITS: u32 = LOW_PASSES as u32 * DIGIT_BITS;
/// The share of a column (1/n) that runs left by the top passes may hold.
const RUN_BUDGET: usize = 16;

/// Maps a double to an integer with the same order (negative values reversed, the sign
/// bit flipped), so that integer order is numeric order. −0 and +0 must already be one.
fn key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

fn digit(k: u64, pass: usize) -> usize {
    ((k >> (pass as u32 * DIGIT_BITS)) as usize) & (BUCKETS - 1)
}

/// Copies of the top digit's counts. Neighbouring values mostly share their sign and
/// exponent: with one counter per digit each value would wait for the last one's count.
const TOP_COPIES: usize = 4;

pub struct Sorter {
    keys: Vec<u64>,
    scratch: Vec<u64>,
    /// How many keys hold each digit, per pass: the top pass's kept in `top` until the
    /// sort, the low passes' counted only if the scan for runs gives up. (A column of
    /// more than 2³² values is sorted by comparison instead.)
    counts: Box<[[u32; BUCKETS]; PASSES]>,
    top: Box<[[u32; BUCKETS]; TOP_COPIES]>,
}

impl Default for Sorter {
    fn default() -> Self {
        Sorter {
            keys: Vec::new(),
            scratch: Vec::new(),
            counts: Box::new([[0; BUCKETS]; PASSES]),
            top: Box::new([[0; BUCKETS]; TOP_COPIES]),
        }
    }
}

impl Sorter {
    /// Forgets the values of the previous column, keeping the buffers.
    pub fn start(&mut self) {
        self.keys.clear();
        self.counts.iter_mut().for_each(|c| c.fill(0));
        self.top.iter_mut().for_each(|c| c.fill(0));
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Adds values, which must be finite; −0 is taken as 0.
    pub fn push(&mut self, values: &[f64]) {
        let (counts, top) = (&mut *self.counts, &mut *self.top);
        self.keys.extend(values.iter().enumerate().map(|(i, x)| {
            let k = key(x + 0.0);
            // Wrapping: past 2³² values the counts are not used.
            for pass in LOW_PASSES..PASSES - 1 {
                let count = &mut counts[pass][digit(k, pass)];
                *count = count.wrapping_add(1);
            }
            let count = &mut top[i % TOP_COPIES][digit(k, PASSES - 1)];
            *count = count.wrapping_add(1);
            k
        }));
    }

    /// Puts the values added since [`Sorter::start`] into `out`, ascending.
    pub fn sort_into(&mut self, out: &mut Vec<f64>) {
        let n = self.keys.len();
        if n < RADIX_MIN || u32::try_from(n).is_err() {
            self.keys.sort_unstable();
            out.clear();
            out.extend(self.keys.iter().map(|k| value(*k)));
            return;
        }
        let (counts, top) = (&mut *self.counts, &*self.top);
        for copy in top {
            for (count, part) in counts[PASSES - 1].iter_mut().zip(copy) {
                *count += part;
            }
        }
        self.radix(LOW_PASSES, out);
        if !finish_runs(out, n / RUN_BUDGET) {
            for k in &self.keys {
                for pass in 0..LOW_PASSES {
                    self.counts[pass][digit(*k, pass)] += 1;
                }
            }
            self.radix(0, out);
        }
    }

    /// Sorts the keys by their digits from pass `from` up into `out`. The keys stay a
    /// permutation of themselves, so that a second call can start over.
    fn radix(&mut self, from: usize, out: &mut Vec<f64>) {
        let n = self.keys.len();
        // A digit every key shares moves nothing.
        let passes: Vec<usize> = (from..PASSES)
            .filter(|p| !self.counts[*p].contains(&(n as u32)))
            .collect();
        let Some((&last, first)) = passes.split_last() else {
            out.clear();
            out.extend(self.keys.iter().map(|k| value(*k)));
            return;
        };
        if self.scratch.len() < n {
            self.scratch.resize(n, 0);
        }
        let mut offsets = [0usize; BUCKETS];
        for &pass in first {
            starts(&self.counts[pass], &mut offsets);
            scatter(
                &self.keys,
                &mut self.scratch[..n],
                &mut offsets,
                pass,
                |k| k,
            );
            // The buffers trade places; the keys are again the first n of theirs.
            std::mem::swap(&mut self.keys, &mut self.scratch);
            self.keys.truncate(n);
        }
        // Growing writes zeros once; a buffer kept from a longer column is written over.
        out.truncate(n);
        out.resize(n, 0.0);
        starts(&self.counts[last], &mut offsets);
        scatter(&self.keys, &mut out[..n], &mut offsets, last, value);
    }
}

/// The first position of each digit, from the counts of one pass.
fn starts(counts: &[u32; BUCKETS], offsets: &mut [usize; BUCKETS]) {
    let mut offset = 0;
    for (start, count) in offsets.iter_mut().zip(counts) {
        *start = offset;
        offset += *count as usize;
    }
}

fn scatter<T>(
    from: &[u64],
    to: &mut [T],
    offsets: &mut [usize; BUCKETS],
    pass: usize,
    convert: impl Fn(u64) -> T,
) {
    for k in from {
        let d = digit(*k, pass);
        to[offsets[d]] = convert(*k);
        offsets[d] += 1;
    }
}

/// Values sorted by the top bits of their keys: sorts each run that shares them and is
/// out of order. False, leaving the order unfinished, once the runs sorted hold more than
/// `budget` values.
fn finish_runs(values: &mut [f64], budget: usize) -> bool {
    let top = |x: &f64| key(*x) >> LOW_BITS;
    let mut sorted = 0;
    let mut i = 1;
    while i < values.len() {
        if values[i - 1] <= values[i] {
            i += 1;
            continue;
        }
        // Out of order: both share their top bits, as does the run around them.
        let shared = top(&values[i]);
        let start = values[..i]
            .iter()
            .rposition(|x| top(x) != shared)
            .map_or(0, |p| p + 1);
        let end = values[i..]
            .iter()
            .position(|x| top(x) != shared)
            .map_or(values.len(), |p| i + p);
        sorted += end - start;
        if sorted > budget {
            return false;
        }
        values[start..end].sort_unstable_by(f64::total_cmp);
        i = end;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(sorter: &mut Sorter, parts: &[&[f64]], out: &mut Vec<f64>) -> Vec<f64> {
        sorter.start();
        parts.iter().for_each(|p| sorter.push(p));
        sorter.sort_into(out);
        out.clone()
    }

    #[test]
    fn sorts_like_a_comparison_sort() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values: Vec<f64> = (0..50_000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let x = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                match i % 5 {
                    0 => x * 1e300,
                    1 => x * 1e-300,
                    2 => (x * 10.0).round(),
                    _ => x,
                }
            })
            .collect();
        values.extend([0.0, f64::MIN_POSITIVE, -f64::MAX, f64::MAX, 5e-324, -5e-324]);
        let mut expected = values.clone();
        expected.sort_by(f64::total_cmp);
        let (mut sorter, mut out) = (Sorter::default(), Vec::new());
        let parts: [&[f64]; 3] = [&values[..20_000], &[], &values[20_000..]];
        assert_eq!(sorted(&mut sorter, &parts, &mut out), expected);
        // Buffers longer than the column, as after a longer one.
        let mut few = values[..9_000].to_vec();
        let got = sorted(&mut sorter, &[&few], &mut out);
        few.sort_by(f64::total_cmp);
        assert_eq!(got, few);
        assert_eq!(sorted(&mut sorter, &[&values], &mut out), expected);
        // Below the radix threshold, and a column of one value (every pass skipped).
        assert_eq!(
            sorted(&mut sorter, &[&[2.0], &[-1.0, 0.5]], &mut out),
            [-1.0, 0.5, 2.0]
        );
        assert_eq!(sorted(&mut sorter, &[&[7.5; 5000]], &mut out), [7.5; 5000]);
        // Values that share their top bits: a few (short runs), then many (every digit).
        let close = |count: usize, step: f64| -> Vec<f64> {
            let mut v: Vec<f64> = (0..count)
                .map(|i| 1.7e9 + ((i * 7919) % count) as f64 * step)
                .collect();
            v.extend(&values[..20_000]);
            v
        };
        for (count, step) in [(300, 1e-6), (1000, 0.37), (20_000, 1e-6)] {
            let mut expected = close(count, step);
            let got = sorted(&mut sorter, &[&expected], &mut out);
            expected.sort_by(f64::total_cmp);
            assert_eq!(got, expected, "{count} {step}");
        }
        // −0 sorts as 0 and comes back as 0.
        let zeros = sorted(&mut sorter, &[&[0.0, -0.0, -1.0]], &mut out);
        assert_eq!(zeros, [-1.0, 0.0, 0.0]);
        assert!(zeros[1].is_sign_positive());
    }
}

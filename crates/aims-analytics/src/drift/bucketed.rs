//! The measures of a numeric column from its two samples as they came, without sorting
//! them: two passes over each sample, and sorts of small parts of it.
//!
//! Every measure is a function of the merged order of both samples, but only near a few
//! places must that order be known value by value. The values are cut into buckets of
//! consecutive values by the top bits of their sort keys (each bucket planned to hold
//! about `BUCKET_TARGET` values, from a count of the top 16 bits taken as values arrive),
//! and one pass counts each sample's values per bucket and adds up their offsets within
//! it. That gives the gap between the two empirical CDFs at the start of every bucket and,
//! over a bucket where the gap keeps its sign, the exact area between the CDFs. Only three
//! kinds of bucket are sorted, after a second pass takes out their values: those over which
//! the gap may change sign (its area), those where it may exceed the largest gap found at
//! a bucket's start (the KS statistic), and those holding the reference's quantiles (the
//! PSI bin edges). Within a bucket, keys differ by whole steps of one spacing of doubles,
//! so areas are integers until their one conversion.

use super::metrics::{self, NumericMeasures, Sum};

const PREFIX_BITS: u32 = 16;
const PREFIXES: usize = 1 << PREFIX_BITS;
/// Key bits below the prefix; a prefix holds one sign and exponent.
const OFFSET_BITS: u32 = 64 - PREFIX_BITS;
const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;
/// Values of both samples a bucket is planned to hold. Smaller buckets leave fewer values
/// to sort but make the counters outgrow the CPU's cache.
const BUCKET_TARGET: u64 = 128;
/// Below this many values in all, sorting both samples is as quick.
const SORT_MAX: usize = 1 << 14;
/// In a bucket's entry of the take-out plan: its values are taken out.
const TAKE: u32 = 1 << 31;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Reference = 0,
    Current = 1,
}

/// Both samples of one column, kept by a worker from column to column with its buffers.
pub struct Samples {
    values: [Vec<f64>; 2],
    /// How many values of both samples share each key prefix.
    prefixes: Box<[u32; PREFIXES]>,
    /// By prefix: its first bucket (above 8 bits) and how far its keys are shifted to give
    /// the bucket within it (low 8 bits). An empty prefix points at the next bucket.
    plan: Box<[u64; PREFIXES]>,
    /// By bucket, how many values of each sample it holds and the sum of their key
    /// offsets within it.
    tallies: [Vec<[u64; 2]>; 2],
    /// By bucket, Σ of the reference's squared key offsets in it: with the counts and
    /// sums, the exact moments its standard deviation is computed from.
    squares: Vec<u128>,
    /// By bucket, where its next value taken out goes, with `TAKE`; the slot after the
    /// last one taken for a bucket whose values stay.
    dest: [Vec<u32>; 2],
    taken: [Vec<u64>; 2],
    take: Vec<bool>,
    /// The buckets that hold values, kept for their memory.
    cells: Vec<Cell>,
}

impl Default for Samples {
    fn default() -> Self {
        Samples {
            values: Default::default(),
            prefixes: Box::new([0; PREFIXES]),
            plan: Box::new([0; PREFIXES]),
            tallies: Default::default(),
            squares: Vec::new(),
            dest: Default::default(),
            taken: Default::default(),
            take: Vec::new(),
            cells: Vec::new(),
        }
    }
}

/// A bucket that holds values.
#[derive(Debug)]
struct Cell {
    bucket: usize,
    /// Its lowest key; it spans 2^shift keys.
    low: u64,
    shift: u32,
    counts: [u64; 2],
    /// Values of each sample in earlier buckets.
    before: [u64; 2],
    /// Where its values taken out start.
    start: [usize; 2],
}

impl Cell {
    fn width(&self) -> u64 {
        1 << self.shift
    }

    /// Values of each sample up to the end of this bucket.
    fn after(&self) -> [u64; 2] {
        [0, 1].map(|s| self.before[s] + self.counts[s])
    }
}

/// The gap between the CDFs after taking `taken` values of each sample, in units of
/// 1/(n₁·n₂): i·n₂ − j·n₁.
fn gap(taken: [u64; 2], n: [u64; 2]) -> i64 {
    (taken[0] * n[1]) as i64 - (taken[1] * n[0]) as i64
}

impl Samples {
    /// Forgets the values of the previous column, keeping the buffers.
    pub fn start(&mut self) {
        self.values.iter_mut().for_each(Vec::clear);
        self.prefixes.fill(0);
    }

    pub fn len(&self, side: Side) -> usize {
        self.values[side as usize].len()
    }

    /// Makes room for `additional` more values on one side, so that a large sample is
    /// written once, not moved as it grows.
    pub fn reserve(&mut self, side: Side, additional: usize) {
        self.values[side as usize].reserve(additional);
    }

    /// Adds values, which must be finite; −0 is taken as 0.
    pub fn push(&mut self, side: Side, values: &[f64]) {
        let added = self.push_finite(side, values);
        debug_assert!(added, "only finite values are pushed");
    }

    /// Adds values if every one is finite, else adds none and returns false. One pass,
    /// where checking first would read a large row group twice.
    pub fn push_finite(&mut self, side: Side, values: &[f64]) -> bool {
        let (prefixes, kept) = (&mut *self.prefixes, &mut self.values[side as usize]);
        let start = kept.len();
        let mut finite = true;
        kept.extend(values.iter().map(|x| {
            let x = x + 0.0;
            finite &= x.is_finite();
            let count = &mut prefixes[(key(x) >> OFFSET_BITS) as usize];
            *count = count.wrapping_add(1);
            x
        }));
        if !finite {
            for x in kept.drain(start..) {
                let count = &mut prefixes[(key(x) >> OFFSET_BITS) as usize];
                *count = count.wrapping_sub(1);
            }
        }
        finite
    }

    /// The measures of the values added since [`Samples::start`]; `None` when a sample
    /// is empty.
    pub fn measure(&mut self, bins: usize, floor: f64) -> Option<NumericMeasures> {
        self.measure_from(SORT_MAX, bins, floor)
    }

    fn measure_from(
        &mut self,
        sort_max: usize,
        bins: usize,
        floor: f64,
    ) -> Option<NumericMeasures> {
        let n = [self.values[0].len(), self.values[1].len()];
        if n.contains(&0) {
            return None;
        }
        // Counts and places are u32 (and the prefix counts wrap) past 2³¹ values.
        if n[0] + n[1] < sort_max || n[0] + n[1] >= TAKE as usize {
            return Some(self.by_sorting(bins, floor));
        }
        let buckets = self.plan();
        for side in 0..2 {
            self.count(side, buckets);
        }
        let n = n.map(|n| n as u64);
        let mut cells = std::mem::take(&mut self.cells);
        self.find_cells(n, &mut cells);
        let largest_at_starts = self.choose(&cells, n, bins);
        for side in 0..2 {
            self.take_out(side, &mut cells);
        }

        let (largest, area) = self.gaps(&cells, n, largest_at_starts);
        let scale = n[0] as f64 * n[1] as f64;

        let at_rank = |rank: usize| {
            let rank = rank as u64;
            let cell = &cells[cells.partition_point(|c| c.before[0] + c.counts[0] <= rank)];
            debug_assert!(self.take[cell.bucket]);
            value(self.taken(0, cell)[(rank - cell.before[0]) as usize])
        };
        let edges: Vec<f64> = (0..=bins)
            .map(|i| metrics::quantile_by(n[0] as usize, i as f64 / bins as f64, at_rank))
            .collect();
        let counts = [0, 1]
            .map(|side| metrics::bin_counts_by(n[side], &edges, |e| self.below(side, &cells, e)));
        let [reference_counts, current_counts] = counts;
        let sd = self.std_dev(&cells, n[0]);
        self.cells = cells;
        Some(NumericMeasures::assemble(
            edges,
            (reference_counts, current_counts),
            (largest as f64 / scale, area / scale),
            sd,
            floor,
        ))
    }

    fn by_sorting(&self, bins: usize, floor: f64) -> NumericMeasures {
        let [mut reference, mut current] = self.values.clone();
        reference.sort_unstable_by(f64::total_cmp);
        current.sort_unstable_by(f64::total_cmp);
        metrics::numeric(&reference, &current, bins, floor)
    }

    /// Splits every prefix into buckets of about `BUCKET_TARGET` values, if its values
    /// spread evenly over it; returns how many buckets there are.
    fn plan(&mut self) -> usize {
        let mut buckets = 0u64;
        for (entry, count) in self.plan.iter_mut().zip(self.prefixes.iter()) {
            let count = u64::from(*count);
            let bits = if count <= BUCKET_TARGET {
                0
            } else {
                count
                    .div_ceil(BUCKET_TARGET)
                    .next_power_of_two()
                    .trailing_zeros()
                    .min(OFFSET_BITS)
            };
            *entry = buckets << 8 | u64::from(OFFSET_BITS - bits);
            if count > 0 {
                buckets += 1 << bits;
            }
        }
        buckets as usize
    }

    /// Counts one sample's values per bucket and sums their offsets in it, and for the
    /// reference their squares.
    fn count(&mut self, side: usize, buckets: usize) {
        let tallies = &mut self.tallies[side];
        tallies.clear();
        tallies.resize(buckets, [0; 2]);
        let (plan, tallies, values) = (&*self.plan, tallies.as_mut_slice(), &self.values[side]);
        if side == Side::Reference as usize {
            self.squares.clear();
            self.squares.resize(buckets, 0);
            tally(plan, values, tallies, Some(&mut self.squares));
        } else {
            tally(plan, values, tallies, None);
        }
    }

    /// The buckets that hold values, in order.
    fn find_cells(&self, n: [u64; 2], cells: &mut Vec<Cell>) {
        cells.clear();
        let mut before = [0u64; 2];
        for (prefix, entry) in self.plan.iter().enumerate() {
            if self.prefixes[prefix] == 0 {
                continue;
            }
            let (first, shift) = ((*entry >> 8) as usize, (*entry & 0xFF) as u32);
            for within in 0..1usize << (OFFSET_BITS - shift) {
                let bucket = first + within;
                let counts = [0, 1].map(|s| self.tallies[s][bucket][0]);
                if counts == [0, 0] {
                    continue;
                }
                // A bucket holds at most its prefix's values, which the plan split into
                // 2^bits buckets of at most BUCKET_TARGET values each if spread evenly:
                // count·2^shift ≤ BUCKET_TARGET·2⁴⁸, so the sums of offsets never wrap.
                debug_assert!(counts.iter().all(|c| u128::from(*c) << shift <= 1 << 63));
                cells.push(Cell {
                    bucket,
                    low: (prefix as u64) << OFFSET_BITS | (within as u64) << shift,
                    shift,
                    counts,
                    before,
                    start: [0; 2],
                });
                before = [0, 1].map(|s| before[s] + counts[s]);
            }
        }
        debug_assert_eq!(before, n);
    }

    /// Marks the buckets whose values must be sorted; returns the largest gap at the start
    /// of a bucket.
    fn choose(&mut self, cells: &[Cell], n: [u64; 2], bins: usize) -> u64 {
        self.take.clear();
        self.take.resize(self.tallies[0].len(), false);
        let largest = cells
            .iter()
            .map(|c| gap(c.before, n).abs())
            .max()
            .unwrap_or(0);
        for cell in cells {
            let start = gap(cell.before, n);
            let end = gap(cell.after(), n);
            // The gap rises n₂ with each reference value and falls n₁ with each current
            // one; from both ends, that bounds it within the bucket.
            let (rise, fall) = (
                (cell.counts[0] * n[1]) as i64,
                (cell.counts[1] * n[0]) as i64,
            );
            let high = (start + rise).min(end + fall);
            let low = (start - fall).max(end - rise);
            self.take[cell.bucket] = (low < 0 && high > 0) || high > largest || -low > largest;
        }
        // The reference's values at the ranks its quantiles read, and every bucket
        // between two such neighbours: an edge interpolated between them falls there.
        let cell_of =
            |rank: usize| cells.partition_point(|c| c.before[0] + c.counts[0] <= rank as u64);
        for i in 0..=bins {
            let ranks = metrics::quantile_ranks(n[0] as usize, i as f64 / bins as f64);
            let (first, last) = (
                cells[cell_of(*ranks.start())].bucket,
                cells[cell_of(*ranks.end())].bucket,
            );
            self.take[first..=last].fill(true);
        }
        largest as u64
    }

    /// Takes out the values of one sample in the chosen buckets, bucket after bucket.
    fn take_out(&mut self, side: usize, cells: &mut [Cell]) {
        let spare = cells
            .iter()
            .filter(|c| self.take[c.bucket])
            .map(|c| c.counts[side] as usize)
            .sum::<usize>();
        let dest = &mut self.dest[side];
        dest.clear();
        dest.resize(self.take.len(), spare as u32);
        let mut next = 0;
        for cell in cells.iter_mut().filter(|c| self.take[c.bucket]) {
            cell.start[side] = next;
            dest[cell.bucket] = next as u32 | TAKE;
            next += cell.counts[side] as usize;
        }
        let taken = &mut self.taken[side];
        // Every slot read is written first: a buffer kept from a longer column is not cleared.
        if taken.len() <= spare {
            taken.resize(spare + 1, 0);
        }
        let (plan, dest, taken) = (&*self.plan, dest.as_mut_slice(), taken.as_mut_slice());
        // Without a branch: a bucket whose values stay writes them all to the spare slot.
        for x in &self.values[side] {
            let k = key(*x);
            let (bucket, _) = locate(plan, k);
            let at = dest[bucket];
            taken[(at & !TAKE) as usize] = k;
            dest[bucket] = at + (at >> 31);
        }
        for cell in cells.iter().filter(|c| self.take[c.bucket]) {
            taken[cell.start[side]..][..cell.counts[side] as usize].sort_unstable();
        }
    }

    /// The reference's standard deviation (numpy's `std`) from its buckets' moments: exact
    /// integer sums within a bucket, added in the buckets' order, so that the result does
    /// not depend on the order the values came in. With d the distance from the mean to a
    /// bucket's lowest value and s its spacing, Σ(x − mean)² over the bucket is
    /// c·d² + 2·d·s·Σoffset + s²·Σoffset².
    fn std_dev(&self, cells: &[Cell], n: u64) -> f64 {
        let moments = |cell: &Cell| {
            let [count, offsets] = self.tallies[0][cell.bucket];
            let squares = self.squares[cell.bucket];
            (
                count as f64,
                offsets as f64,
                squares as f64,
                spacing(cell.low),
                value(cell.low),
            )
        };
        let mut sum = Sum::default();
        for (count, offsets, _, spacing, low) in cells.iter().map(moments) {
            sum.add(count * low);
            sum.add(offsets * spacing);
        }
        let mean = sum.value() / n as f64;
        let mut squares = Sum::default();
        for (count, offsets, sum_of_squares, spacing, low) in cells.iter().map(moments) {
            let d = low - mean;
            squares.add(count * d * d);
            squares.add(2.0 * d * spacing * offsets);
            squares.add(spacing * (spacing * sum_of_squares));
        }
        (squares.value().max(0.0) / n as f64).sqrt()
    }

    /// One sample's values in a bucket taken out, sorted.
    fn taken(&self, side: usize, cell: &Cell) -> &[u64] {
        &self.taken[side][cell.start[side]..][..cell.counts[side] as usize]
    }

    /// The largest gap between the CDFs, in units of 1/(n₁·n₂), and the area between them
    /// in those units times the values' own.
    fn gaps(&self, cells: &[Cell], n: [u64; 2], largest_at_starts: u64) -> (u64, f64) {
        let (mut largest, mut area) = (largest_at_starts, Sum::default());
        for (i, cell) in cells.iter().enumerate() {
            let units = if self.take[cell.bucket] {
                walk(
                    self.taken(0, cell),
                    self.taken(1, cell),
                    cell,
                    n,
                    &mut largest,
                )
            } else {
                self.area_of_counted(cell, n)
            };
            area.add(units as f64 * spacing(cell.low));
            // Up to the next bucket with values the gap holds.
            if let Some(next) = cells.get(i + 1) {
                let end = cell.low + cell.width();
                if end != next.low {
                    let after = gap(cell.after(), n);
                    area.add(after.unsigned_abs() as f64 * (value(next.low) - value(end)));
                }
            }
        }
        (largest, area.value())
    }

    /// The area between the CDFs over a bucket in which the gap keeps its sign, from the
    /// counts and offset sums alone, in units of the bucket's spacing: with G the gap at
    /// its start and W its width, ∫G = G·W + n₂·Σ(W − offset of a) − n₁·Σ(W − offset of b).
    fn area_of_counted(&self, cell: &Cell, n: [u64; 2]) -> i128 {
        let width = i128::from(cell.width());
        let rest = |side: usize| {
            i128::from(cell.counts[side]) * width - i128::from(self.tallies[side][cell.bucket][1])
        };
        let integral = i128::from(gap(cell.before, n)) * width + i128::from(n[1]) * rest(0)
            - i128::from(n[0]) * rest(1);
        integral.abs()
    }

    /// How many values of one sample are below `e`.
    fn below(&self, side: usize, cells: &[Cell], e: f64) -> u64 {
        let k = key(e + 0.0);
        let (bucket, _) = locate(&self.plan, k);
        let at = cells.partition_point(|c| c.bucket < bucket);
        let Some(cell) = cells.get(at) else {
            return self.values[side].len() as u64;
        };
        // An empty prefix's bucket is the next prefix's first: all its values are above.
        if cell.bucket != bucket || self.prefixes[(k >> OFFSET_BITS) as usize] == 0 {
            return cell.before[side];
        }
        if self.take[bucket] {
            let sorted = self.taken(side, cell);
            return cell.before[side] + sorted.partition_point(|x| *x < k) as u64;
        }
        // An edge rounded past its neighbours' buckets: count plainly.
        self.values[side].iter().filter(|x| **x < e).count() as u64
    }
}

/// Walks the sorted values of both samples in one bucket: returns the area between the
/// CDFs over it in units of its spacing, and raises `largest` to the largest gap in it.
fn walk(a: &[u64], b: &[u64], cell: &Cell, n: [u64; 2], largest: &mut u64) -> i128 {
    let (rise, fall) = (n[1] as i64, n[0] as i64);
    let mut g = gap(cell.before, n);
    let (mut i, mut j, mut at, mut area) = (0, 0, cell.low, 0i128);
    loop {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => *x.min(y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        area += i128::from(g.unsigned_abs()) * i128::from(next - at);
        at = next;
        while a.get(i) == Some(&next) {
            g += rise;
            i += 1;
        }
        while b.get(j) == Some(&next) {
            g -= fall;
            j += 1;
        }
        *largest = (*largest).max(g.unsigned_abs());
    }
    area + i128::from(g.unsigned_abs()) * i128::from(cell.low + cell.width() - at)
}

/// Counts values per bucket and sums their offsets, and their squares when asked.
fn tally(
    plan: &[u64; PREFIXES],
    values: &[f64],
    tallies: &mut [[u64; 2]],
    squares: Option<&mut Vec<u128>>,
) {
    match squares {
        Some(squares) => {
            for x in values {
                let (bucket, offset) = locate(plan, key(*x));
                let [count, sum] = &mut tallies[bucket];
                *count += 1;
                *sum += offset;
                squares[bucket] += u128::from(offset) * u128::from(offset);
            }
        }
        None => {
            for x in values {
                let (bucket, offset) = locate(plan, key(*x));
                let [count, sum] = &mut tallies[bucket];
                *count += 1;
                *sum += offset;
            }
        }
    }
}

/// The bucket of a key and its offset within it.
#[inline(always)]
fn locate(plan: &[u64; PREFIXES], k: u64) -> (usize, u64) {
    let entry = plan[(k >> OFFSET_BITS) as usize];
    let shift = (entry & 0xFF) as u32;
    let bucket = (entry >> 8) as usize + ((k & OFFSET_MASK) >> shift) as usize;
    (bucket, k & ((1 << shift) - 1))
}

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

/// The difference between neighbouring doubles of a key's sign and exponent: keys in one
/// prefix that differ by d are d times this apart.
fn spacing(k: u64) -> f64 {
    let exponent = ((value(k).to_bits() >> 52) & 0x7FF) as i32;
    let power = exponent.max(1) - 1075;
    if power >= -1022 {
        f64::from_bits(((power + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (power + 1074))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [0, 1).
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed | 1;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn normal(seed: u64, count: usize, mean: f64, sd: f64) -> Vec<f64> {
        let mut u = uniform(seed);
        (0..count)
            .map(|_| {
                let (a, b) = (u().max(1e-300), u());
                mean + sd * (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
            })
            .collect()
    }

    fn close(a: f64, b: f64, what: &str) {
        assert!(
            a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            "{what}: {a} against {b}"
        );
    }

    /// Buckets and sorting give the same measures: counts, edges and the KS statistic
    /// exactly, the rest to rounding.
    fn agree(reference: &[f64], current: &[f64]) {
        let mut samples = Samples::default();
        samples.start();
        // In parts, as row groups arrive.
        for part in reference.chunks(7_000) {
            samples.push(Side::Reference, part);
        }
        samples.push(Side::Current, current);
        let sorted = samples.by_sorting(10, 1e-4);
        let got = samples
            .measure_from(0, 10, 1e-4)
            .expect("both samples have values");
        assert_eq!(got.edges, sorted.edges);
        assert_eq!(got.reference_counts, sorted.reference_counts);
        assert_eq!(got.current_counts, sorted.current_counts);
        assert_eq!(got.ks, sorted.ks);
        close(got.psi, sorted.psi, "psi");
        close(got.js_distance, sorted.js_distance, "js");
        close(got.wasserstein, sorted.wasserstein, "wasserstein");
        match (got.wasserstein_normed, sorted.wasserstein_normed) {
            (Some(a), Some(b)) => close(a, b, "normed"),
            (a, b) => assert_eq!(a, b),
        }
    }

    #[test]
    fn agrees_with_sorting_on_drifted_and_steady_columns() {
        let reference = normal(1, 60_000, 0.0, 1.0);
        agree(&reference, &normal(2, 60_000, 0.0, 1.0));
        agree(&reference, &normal(3, 50_000, 0.1, 1.0));
        agree(&reference, &normal(4, 70_000, 0.0, 1.2));
        agree(&reference, &normal(5, 3, 5.0, 1.0));
        // Far from zero, where one prefix holds every value and offsets are large.
        agree(
            &normal(6, 40_000, 1.7e9, 1e3),
            &normal(7, 40_000, 1.7e9 + 50.0, 1e3),
        );
        // Disjoint ranges, both signs.
        agree(
            &normal(8, 20_000, -10.0, 1.0),
            &normal(9, 20_000, 10.0, 1.0),
        );
    }

    #[test]
    fn agrees_with_sorting_on_ties_and_extremes() {
        let mut u = uniform(11);
        let small: Vec<f64> = (0..50_000).map(|_| (u() * 6.0).floor()).collect();
        let shifted: Vec<f64> = small.iter().map(|x| (x + 1.0).min(5.0)).collect();
        agree(&small, &shifted);
        agree(&small, &small);
        // One value throughout, on one side or both.
        agree(&[3.5; 20_000], &[3.5; 30_000]);
        agree(&[3.5; 20_000], &normal(12, 20_000, 3.5, 0.1));
        // Values across magnitudes, subnormals and zeros of both signs.
        let mut wide: Vec<f64> = (0..40_000)
            .map(|i| {
                let x = u() - 0.5;
                match i % 4 {
                    0 => x * 1e300,
                    1 => x * 1e-310,
                    2 => x * 1e-3,
                    _ => x,
                }
            })
            .collect();
        wide.extend([0.0, -0.0, 5e-324, -5e-324]);
        let other: Vec<f64> = wide.iter().map(|x| x * 1.5).collect();
        agree(&wide, &other);
    }

    #[test]
    fn the_order_values_arrive_in_changes_nothing() {
        // Workers hand over parts of a text file in whatever order they finish.
        let reference = normal(31, 50_000, 3.0, 2.5);
        let current = normal(32, 40_000, 3.2, 2.0);
        let mut reversed = reference.clone();
        reversed.reverse();
        let mut rotated = reference.clone();
        rotated.rotate_left(12_345);
        let mut results = Vec::new();
        for order in [&reference, &reversed, &rotated] {
            let mut samples = Samples::default();
            samples.start();
            samples.push(Side::Reference, order);
            samples.push(Side::Current, &current);
            let m = samples.measure(10, 1e-4).expect("both samples have values");
            results.push(format!("{m:?}"));
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0], results[2]);
    }

    #[test]
    fn counts_below_any_value() {
        let mut samples = Samples::default();
        samples.start();
        let reference = normal(21, 30_000, 100.0, 10.0);
        samples.push(Side::Reference, &reference);
        samples.push(Side::Current, &normal(22, 30_000, 103.0, 10.0));
        let buckets = samples.plan();
        (0..2).for_each(|side| samples.count(side, buckets));
        let n = [30_000, 30_000];
        let mut cells = Vec::new();
        samples.find_cells(n, &mut cells);
        samples.choose(&cells, n, 4);
        (0..2).for_each(|side| samples.take_out(side, &mut cells));
        assert!(
            samples.take.iter().any(|t| !t),
            "some buckets are left whole"
        );
        // In taken and untaken buckets, below and above every value, in empty prefixes
        // (0, −1, 1e9) and exactly on values.
        let mut probes = vec![-1.0, 0.0, 1e9, reference[0], reference[17], 100.0];
        probes.extend((0..200).map(|i| 55.0 + i as f64 * 0.45));
        for e in probes {
            for side in 0..2 {
                let plain = samples.values[side].iter().filter(|x| **x < e).count() as u64;
                assert_eq!(samples.below(side, &cells, e), plain, "{e} {side}");
            }
        }
    }

    #[test]
    fn small_or_empty_samples() {
        let mut samples = Samples::default();
        samples.start();
        samples.push(Side::Reference, &[1.0, 2.0]);
        assert!(samples.measure(10, 1e-4).is_none());
        samples.push(Side::Current, &[2.0]);
        let m = samples.measure(10, 1e-4).expect("both have values");
        assert_eq!(m.ks.statistic, 0.5);
        assert_eq!(m.wasserstein, 0.5);
        samples.start();
        assert_eq!(samples.len(Side::Reference), 0);
        // A part with a value that is not finite is refused whole.
        samples.push(Side::Reference, &[1.0, 2.0]);
        assert!(!samples.push_finite(Side::Reference, &[3.0, f64::NAN, 4.0]));
        assert!(!samples.push_finite(Side::Reference, &[f64::INFINITY]));
        assert_eq!(samples.len(Side::Reference), 2);
        assert_eq!(
            samples.prefixes.iter().map(|c| u64::from(*c)).sum::<u64>(),
            2
        );
    }

    #[test]
    fn spacing_of_doubles() {
        assert_eq!(spacing(key(1.0)), f64::EPSILON);
        assert_eq!(spacing(key(-1.5)), f64::EPSILON);
        assert_eq!(spacing(key(5e-324)), 5e-324);
        assert_eq!(spacing(key(-3e-310)), 5e-324);
        assert_eq!(spacing(key(0.0)), 5e-324);
        let x = 1234.5678f64;
        let next = f64::from_bits(x.to_bits() + 1);
        assert_eq!(next - x, spacing(key(x)));
    }
}

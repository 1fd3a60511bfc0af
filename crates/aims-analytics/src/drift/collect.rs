//! One pass over a file, on every core, collecting what drift needs of each column: the
//! numbers as a flat vector while every value parses, the count of each distinct value
//! once one does not, and the missing values.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::input::{CsvInput, InputError, is_parquet};
use crate::parquet_input::{ParquetSource, RowGroupValues, scan_row_groups};
use crate::progress::Progress;
use crate::scan::{Counted, Splitter, scan_lines};

/// What to collect of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Numbers while every value parses; values by count from the first that does not.
    Infer,
    /// Values by count, noting whether every one is a number.
    Categories,
    /// Nothing (a second pass that needs only some columns).
    Skip,
}

/// A column of one file after the pass.
#[derive(Debug, Default)]
pub struct ColumnData {
    pub missing: u64,
    /// Parts of the numbers, in chunks from each worker, unsorted (`Plan::Infer`, no text
    /// seen).
    pub numbers: Vec<Vec<f64>>,
    pub categories: FxHashMap<Vec<u8>, u64>,
    /// The first value that is not a number: its line and text.
    pub text: Option<(u64, String)>,
    /// Numbers were collected before a text value showed the column is not numeric: the
    /// value counts are incomplete and the column must be read again as categories.
    pub incomplete: bool,
}

impl ColumnData {
    pub fn number_count(&self) -> usize {
        self.numbers.iter().map(Vec::len).sum()
    }

    pub fn category_total(&self) -> u64 {
        self.categories.values().sum()
    }
}

pub struct Collected {
    pub rows: u64,
    pub columns: Vec<ColumnData>,
}

/// Numbers are kept in chunks of this many: one vector grown by doubling would be copied,
/// and have fresh pages touched, at every step.
const CHUNK: usize = 1 << 16;

#[derive(Default)]
struct ColumnState {
    data: ColumnData,
    /// Chunks of numbers filled, and the one being filled.
    chunks: Vec<Vec<f64>>,
    numbers: Vec<f64>,
    /// Numbers collected in `Infer` mode, including any since dropped.
    numbers_seen: u64,
}

impl ColumnState {
    /// Whether the next value that parses as a number is kept as one.
    fn takes_numbers(&self, plan: Plan) -> bool {
        plan == Plan::Infer && self.data.text.is_none()
    }

    /// Takes one value, trimmed, found on `line`.
    fn take(&mut self, plan: Plan, line: u64, value: &[u8]) {
        if is_missing(value) {
            self.data.missing += 1;
            return;
        }
        let number = if self.data.text.is_some() {
            None
        } else {
            parse_number(value)
        };
        if self.takes_numbers(plan) {
            if let Some(x) = number {
                if self.numbers.len() == self.numbers.capacity() {
                    let full = std::mem::replace(&mut self.numbers, Vec::with_capacity(CHUNK));
                    self.chunks.push(full);
                }
                self.numbers.push(x);
                self.numbers_seen += 1;
                return;
            }
            // The first text value: this column is not numeric in this file.
            self.chunks = Vec::new();
            self.numbers = Vec::new();
        }
        if number.is_none() && self.data.text.is_none() {
            self.data.text = Some((line, String::from_utf8_lossy(value).into_owned()));
        }
        match self.data.categories.get_mut(value) {
            Some(count) => *count += 1,
            None => {
                self.data.categories.insert(value.to_vec(), 1);
            }
        }
    }
}

struct Partial {
    rows: u64,
    columns: Vec<ColumnState>,
    splitter: Splitter,
}

/// Values that mean "no value", compared without regard to case.
const MISSING: [&[u8]; 6] = [b"", b"na", b"n/a", b"nan", b"null", b"none"];

pub fn is_missing(value: &[u8]) -> bool {
    value.len() <= 4 && MISSING.iter().any(|m| m.eq_ignore_ascii_case(value))
}

/// A finite number, with −0 read as 0 so that it ties with 0.
pub fn parse_number(value: &[u8]) -> Option<f64> {
    if let Some(x) = parse_short_decimal(value) {
        return Some(x + 0.0);
    }
    let text = std::str::from_utf8(value).ok()?;
    let x: f64 = text.parse().ok()?;
    x.is_finite().then_some(x + 0.0)
}

/// Powers of ten that doubles hold exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Plain decimals such as `-12.375` with at most 15 digits: the digits as an integer and
/// the power of ten are both exact doubles, so one division gives the correctly rounded
/// value (Clinger's fast path) — the same double the general parser returns, several
/// times faster. Anything else (exponents, long mantissas) is left to the general parser.
fn parse_short_decimal(value: &[u8]) -> Option<f64> {
    let (negative, digits) = match value.first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    if digits.len() > 16 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut decimals = None;
    for (i, c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if decimals.is_none() => decimals = Some(digits.len() - i - 1),
            _ => return None,
        }
    }
    if count == 0 || count > 15 {
        return None;
    }
    let x = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals.unwrap_or(0)];
    Some(if negative { -x } else { x })
}

fn trim(value: &[u8]) -> &[u8] {
    value.trim_ascii()
}

/// Reads `path` once and collects the columns `names`, found at `indices`, as `plans` say.
pub fn collect(
    path: &Path,
    delimiter: u8,
    names: &[String],
    indices: &[usize],
    plans: &[Plan],
    threads: usize,
    progress: &Progress,
) -> Result<Collected, InputError> {
    let wanted: Vec<String> = names
        .iter()
        .zip(plans)
        .filter(|(_, p)| **p != Plan::Skip)
        .map(|(n, _)| n.clone())
        .collect();
    if is_parquet(path)? {
        return collect_parquet(path, &wanted, names, plans, threads, progress);
    }
    let mut input = CsvInput::open(path, delimiter)?;
    let last = indices
        .iter()
        .zip(plans)
        .filter(|(_, p)| **p != Plan::Skip)
        .map(|(i, _)| *i)
        .max()
        .unwrap_or(0);
    let init = || Partial {
        rows: 0,
        columns: indices.iter().map(|_| ColumnState::default()).collect(),
        splitter: Splitter::default(),
    };
    let work = |partial: &mut Partial, line: u64, text: &[u8]| -> Result<(), String> {
        partial.splitter.split(text, delimiter, last)?;
        for ((state, at), plan) in partial.columns.iter_mut().zip(indices).zip(plans) {
            if *plan != Plan::Skip {
                state.take(*plan, line, trim(partial.splitter.field(text, *at)));
            }
        }
        partial.rows += 1;
        Ok(())
    };
    let partials = scan_lines(
        &mut Counted {
            inner: &mut input.stream,
            bytes: progress.counter(),
        },
        2,
        threads,
        init,
        work,
    )
    .map_err(|e| InputError::Row {
        path: path.to_owned(),
        line: e.line,
        message: e.message,
    })?;
    Ok(merge(partials, indices.len()))
}

/// Parquet: the workers take row groups; a column of plain numbers goes in as decoded,
/// any other value as the text its CSV form would hold.
fn collect_parquet(
    path: &Path,
    wanted: &[String],
    names: &[String],
    plans: &[Plan],
    threads: usize,
    progress: &Progress,
) -> Result<Collected, InputError> {
    let source = ParquetSource::open_path(path, Some(wanted))?;
    // Where each collected column is among the decoded ones.
    let positions: Vec<Option<usize>> = names
        .iter()
        .zip(plans)
        .map(|(name, plan)| {
            (*plan != Plan::Skip)
                .then(|| source.decoded_position(path, name))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    let init = || Partial {
        rows: 0,
        columns: names.iter().map(|_| ColumnState::default()).collect(),
        splitter: Splitter::default(),
    };
    let work = |partial: &mut Partial, mut values: RowGroupValues, start: u64| {
        let rows = values.rows() as u64;
        let mut field = Vec::new();
        for ((state, at), plan) in partial.columns.iter_mut().zip(&positions).zip(plans) {
            let Some(i) = *at else { continue };
            let mut part = Vec::new();
            if state.takes_numbers(*plan)
                && let Some(nulls) = values.plain_numbers(i, &mut part)
            {
                state.chunks.push(part);
                state.numbers_seen += rows - nulls;
                state.data.missing += nulls;
                continue;
            }
            for line in start..start + rows {
                values.next_field(i, &mut field);
                state.take(*plan, line, trim(&field));
            }
        }
        partial.rows += rows;
        Ok(())
    };
    let partials = scan_row_groups(source, path, threads, progress, init, work)?;
    Ok(merge(partials, names.len()))
}

fn merge(partials: Vec<Partial>, width: usize) -> Collected {
    let mut rows = 0;
    let mut columns: Vec<ColumnData> = (0..width).map(|_| ColumnData::default()).collect();
    let mut numbers_seen = vec![0u64; width];
    for partial in partials {
        rows += partial.rows;
        for (i, state) in partial.columns.into_iter().enumerate() {
            let merged = &mut columns[i];
            merged.missing += state.data.missing;
            numbers_seen[i] += state.numbers_seen;
            let chunks = state.chunks.into_iter().chain([state.numbers]);
            merged.numbers.extend(chunks.filter(|c| !c.is_empty()));
            if let Some((line, value)) = state.data.text
                && merged.text.as_ref().is_none_or(|(l, _)| line < *l)
            {
                merged.text = Some((line, value));
            }
            for (value, count) in state.data.categories {
                *merged.categories.entry(value).or_default() += count;
            }
        }
    }
    for (merged, seen) in columns.iter_mut().zip(numbers_seen) {
        if merged.text.is_some() {
            merged.incomplete = seen > 0;
            merged.numbers = Vec::new();
        }
    }
    Collected { rows, columns }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn numbers_categories_and_missing_values() {
        let file = write("a,b,c\n1,x,\n2.5,y,NA\n-0,x,3\n,x,4\n");
        let got = collect(
            file.path(),
            b',',
            &["a".into(), "b".into(), "c".into()],
            &[0, 1, 2],
            &[Plan::Infer; 3],
            2,
            &Progress::default(),
        )
        .unwrap();
        assert_eq!(got.rows, 4);
        let mut a: Vec<f64> = got.columns[0].numbers.concat();
        a.sort_by(f64::total_cmp);
        assert_eq!(a, [0.0, 1.0, 2.5]);
        assert!(a[0].is_sign_positive(), "-0 reads as 0");
        assert_eq!(got.columns[0].missing, 1);
        let b = &got.columns[1];
        assert_eq!(b.text, Some((2, "x".into())));
        assert!(!b.incomplete, "text from the first value loses nothing");
        assert_eq!(b.categories[&b"x"[..]], 3);
        assert_eq!(got.columns[2].missing, 2);
        assert_eq!(got.columns[2].number_count(), 2);
    }

    #[test]
    fn text_after_numbers_marks_the_column_incomplete() {
        let file = write("a\n1\n2\nthree\n");
        let got = collect(
            file.path(),
            b',',
            &["a".into()],
            &[0],
            &[Plan::Infer],
            1,
            &Progress::default(),
        )
        .unwrap();
        let a = &got.columns[0];
        assert_eq!(a.text, Some((4, "three".into())));
        assert!(a.incomplete && a.numbers.is_empty());
        let again = collect(
            file.path(),
            b',',
            &["a".into()],
            &[0],
            &[Plan::Categories],
            1,
            &Progress::default(),
        )
        .unwrap();
        assert_eq!(again.columns[0].category_total(), 3);
        assert!(!again.columns[0].incomplete);
    }

    #[test]
    fn missing_markers() {
        for m in ["", "NA", "n/a", "NaN", "null", "None"] {
            assert!(is_missing(m.as_bytes()), "{m}");
        }
        assert!(!is_missing(b"0") && !is_missing(b"nope"));
        assert_eq!(parse_number(b"inf"), None);
        assert_eq!(parse_number(b"1e3"), Some(1000.0));
    }

    #[test]
    fn the_fast_path_reads_the_same_doubles_as_the_general_parser() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = 1 + (state % 15) as usize;
            let decimals = (state >> 8) as usize % (digits + 1);
            let number = (state >> 16) % 10u64.pow(digits as u32);
            let mut text = format!("{number:0digits$}");
            text.insert(digits - decimals, '.');
            if state & 1 == 1 {
                text.insert(0, '-');
            }
            let expected: f64 = text.parse().unwrap();
            assert_eq!(
                parse_number(text.as_bytes()),
                Some(expected + 0.0),
                "{text}"
            );
        }
        for text in ["1.", ".5", "-0.0", "+7", "007.50", "123456789012345"] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(
                parse_number(text.as_bytes()),
                Some(expected + 0.0),
                "{text}"
            );
        }
        for text in [".", "-", "1.2.3", "1,5", "--1", "0x10"] {
            assert_eq!(parse_number(text.as_bytes()), None, "{text}");
        }
    }
}

//! Two Parquet files: a column that both type as plain numbers is read on its own. Each
//! worker takes the next such column, decodes it from every row group of both files
//! straight into its samples and measures — all in buffers it keeps from column to column.
//! Only the columns being measured are in memory, and no row group is copied on the way.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{ColumnDrift, DriftError, DriftParams, Kind, Samples, Side};
use crate::input::InputError;
use crate::parquet_input::{NumberBuffers, ParquetSource, on_workers};
use crate::progress::Progress;

pub struct Measured {
    pub reference_rows: u64,
    pub current_rows: u64,
    /// By column, in the order asked; `None` for a column left to the row-by-row reading
    /// (not numbers in both files, an infinity, or no values on one side).
    pub columns: Vec<Option<ColumnDrift>>,
}

/// One column to read: its place among the names and its position in each file.
struct Column {
    index: usize,
    reference: usize,
    current: usize,
}

/// Both files, opened once per worker: the decoder reads through its own file handle.
struct Sources {
    reference: ParquetSource,
    current: ParquetSource,
}

pub fn measure_numbers(
    reference: &Path,
    current: &Path,
    names: &[String],
    params: &DriftParams,
    threads: usize,
    progress: &Progress,
) -> Result<Measured, DriftError> {
    let open = || -> Result<Sources, InputError> {
        Ok(Sources {
            reference: ParquetSource::open_path(reference, Some(&[]))?,
            current: ParquetSource::open_path(current, Some(&[]))?,
        })
    };
    let first = open()?;
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            Some(Column {
                index,
                reference: first.reference.number_column(name)?,
                current: first.current.number_column(name)?,
            })
        })
        .collect();
    let mut measured = Measured {
        reference_rows: first.reference.rows(),
        current_rows: first.current.rows(),
        columns: vec![None; names.len()],
    };
    let next = AtomicUsize::new(0);
    let worker = |sources: &Sources| -> Result<Vec<(usize, ColumnDrift)>, InputError> {
        let mut samples = Samples::default();
        let mut numbers = NumberBuffers::default();
        let mut done = Vec::new();
        while let Some(column) = columns.get(next.fetch_add(1, Ordering::Relaxed)) {
            samples.start();
            let mut read = |source: &ParquetSource, path: &Path, at: usize, side: Side| {
                read_values(source, path, at, &mut numbers, &mut samples, side, progress)
            };
            let Some(ref_missing) = read(
                &sources.reference,
                reference,
                column.reference,
                Side::Reference,
            )?
            else {
                continue;
            };
            let Some(cur_missing) = read(&sources.current, current, column.current, Side::Current)?
            else {
                continue;
            };
            let mut drift = ColumnDrift::new(
                names[column.index].clone(),
                Kind::Numeric,
                (
                    samples.len(Side::Reference) as u64,
                    samples.len(Side::Current) as u64,
                ),
                (ref_missing, cur_missing),
            );
            if let Some(m) = samples.measure(params.bins, params.psi_floor) {
                drift.set_numeric(m);
            }
            done.push((column.index, drift.settle(params)));
        }
        Ok(done)
    };
    let threads = threads.clamp(1, columns.len().max(1));
    let results = on_workers(&first, threads, open, worker, reference);
    // Of several damaged columns, report the same one whichever worker met it first: the
    // earliest line, in the reference before the current file, as rows are read.
    let rank = |error: &InputError| match error {
        InputError::Row { path, line, .. } => (path == current, *line),
        _ => (false, 0),
    };
    let mut first_error: Option<InputError> = None;
    for result in results {
        match result.and_then(|done| done) {
            Ok(done) => {
                for (index, drift) in done {
                    measured.columns[index] = Some(drift);
                }
            }
            Err(error) if first_error.as_ref().is_none_or(|e| rank(&error) < rank(e)) => {
                first_error = Some(error);
            }
            Err(_) => {}
        }
    }
    match first_error {
        Some(error) => Err(error.into()),
        None => Ok(measured),
    }
}

/// Adds every value of column `at` to one side of `samples` and returns the count of
/// missing values; `None` when there is no value, or when one is infinite: its text is not
/// a number, so the column is read row by row as text. NaN reads as missing, as its text
/// does.
fn read_values(
    source: &ParquetSource,
    path: &Path,
    at: usize,
    numbers: &mut NumberBuffers,
    samples: &mut Samples,
    side: Side,
    progress: &Progress,
) -> Result<Option<u64>, InputError> {
    samples.reserve(side, usize::try_from(source.rows()).unwrap_or(0));
    let mut missing = 0;
    let mut line = 2u64;
    for group in 0..source.row_groups() {
        // The decoder may panic on damaged pages rather than fail: an error all the same.
        let nulls =
            std::panic::catch_unwind(AssertUnwindSafe(|| source.read_numbers(group, at, numbers)))
                .unwrap_or_else(|_| {
                    Err(format!(
                        "the Parquet data is damaged in row group {group}: it cannot be decoded"
                    ))
                })
                .map_err(|message| InputError::Row {
                    path: path.to_owned(),
                    line,
                    message,
                })?;
        missing += nulls;
        let values = numbers.values();
        if !samples.push_finite(side, values) {
            if values.iter().any(|x| x.is_infinite()) {
                return Ok(None);
            }
            let present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
            missing += (values.len() - present.len()) as u64;
            samples.push(side, &present);
        }
        line += source.group_size(group).0;
        progress.add_read(source.chunk_size(group, at));
    }
    Ok((samples.len(side) > 0).then_some(missing))
}

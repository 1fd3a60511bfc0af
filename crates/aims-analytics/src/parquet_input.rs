//! Parquet input. The workers of an engine each take the next row group and decode only
//! the columns it reads. A value reaches the engine as the text its CSV form would hold
//! (numbers in their shortest round-trip form, so they parse back to the very doubles the
//! file holds), or, for columns of plain numbers, as the doubles themselves — so a file
//! gives the same result in either form.

use std::fs::File;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::SecondsFormat;
use parquet::basic::{LogicalType, TimeUnit, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, FixedLenByteArray};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use crate::input::InputError;
use crate::parquet_dictionary::{DictionaryColumn, NULL};
use crate::progress::Progress;

/// An opened Parquet file: its column names and the positions to decode.
pub struct ParquetSource {
    reader: SerializedFileReader<File>,
    pub headers: Vec<String>,
    wanted: Vec<usize>,
}

impl ParquetSource {
    /// Reads the footer (a truncated file fails here) and checks that the wanted columns
    /// are flat values aims can write as text.
    fn open(file: File, path: &Path, wanted: Option<&[String]>) -> Result<Self, InputError> {
        let invalid = |message: String| InputError::Invalid {
            path: path.to_owned(),
            message,
        };
        let reader = SerializedFileReader::new(file).map_err(|err| {
            invalid(format!(
                "not a complete Parquet file (truncated or damaged): {err}"
            ))
        })?;
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let headers: Vec<String> = schema.columns().iter().map(|c| c.path().string()).collect();
        let wanted: Vec<usize> = match wanted {
            None => (0..headers.len()).collect(),
            Some(names) => (0..headers.len())
                .filter(|i| names.contains(&headers[*i]))
                .collect(),
        };
        for i in &wanted {
            let column = schema.column(*i);
            if column.max_rep_level() > 0 {
                return Err(invalid(format!(
                    "column `{}` is a list (repeated); aims reads flat columns only",
                    headers[*i]
                )));
            }
            if column.physical_type() == PhysicalType::INT96 {
                return Err(invalid(format!(
                    "column `{}` holds INT96 timestamps, which aims does not read",
                    headers[*i]
                )));
            }
        }
        Ok(ParquetSource {
            reader,
            headers,
            wanted,
        })
    }

    /// Opens the file at `path`; see [`ParquetSource::open`].
    pub fn open_path(path: &Path, wanted: Option<&[String]>) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.to_owned(),
            source,
        })?;
        ParquetSource::open(file, path, wanted)
    }

    /// Where column `name` is among the decoded ones, or an error listing the file's
    /// columns.
    pub fn decoded_position(&self, path: &Path, name: &str) -> Result<usize, InputError> {
        self.wanted
            .iter()
            .position(|i| self.headers[*i] == name)
            .ok_or_else(|| InputError::MissingColumn {
                path: path.to_owned(),
                column: name.to_owned(),
                available: self.headers.clone(),
            })
    }

    /// Names of the columns decoded, in the order [`RowGroupValues::next_row`] fills them.
    pub fn decoded_headers(&self) -> Vec<String> {
        self.wanted
            .iter()
            .map(|i| self.headers[*i].clone())
            .collect()
    }

    pub fn row_groups(&self) -> usize {
        self.reader.num_row_groups()
    }

    /// Rows and compressed bytes of a row group.
    pub fn group_size(&self, group: usize) -> (u64, u64) {
        let meta = self.reader.metadata().row_group(group);
        (
            u64::try_from(meta.num_rows()).unwrap_or(0),
            u64::try_from(meta.compressed_size()).unwrap_or(0),
        )
    }

    pub fn rows(&self) -> u64 {
        u64::try_from(self.reader.metadata().file_metadata().num_rows()).unwrap_or(0)
    }

    /// The position of column `name` in the file when it holds plain numbers (see
    /// [`RowGroupValues::plain_numbers`]) and is not a list.
    pub fn number_column(&self, name: &str) -> Option<usize> {
        let schema = self.reader.metadata().file_metadata().schema_descr_ptr();
        let at = self.headers.iter().position(|h| h == name)?;
        let descriptor = schema.column(at);
        (descriptor.max_rep_level() == 0 && holds_plain_numbers(&descriptor)).then_some(at)
    }

    /// Compressed bytes of the decoded columns of a row group.
    pub fn decoded_size(&self, group: usize) -> u64 {
        self.wanted
            .iter()
            .map(|at| self.chunk_size(group, *at))
            .sum()
    }

    /// Compressed bytes of one column chunk.
    pub fn chunk_size(&self, group: usize, column: usize) -> u64 {
        let meta = self.reader.metadata().row_group(group).column(column);
        u64::try_from(meta.compressed_size()).unwrap_or(0)
    }

    /// Decodes column `column` (a [`ParquetSource::number_column`]) of row group `group`
    /// into `buffers` (see [`NumberBuffers::values`]) and returns its count of nulls.
    pub fn read_numbers(
        &self,
        group: usize,
        column: usize,
        buffers: &mut NumberBuffers,
    ) -> Result<u64, String> {
        self.read_numbers_into(group, column, buffers)
            .map_err(|err| format!("the Parquet data is damaged in row group {group}: {err}"))?;
        let rows = self.group_size(group).0;
        Ok(rows.saturating_sub(buffers.doubles.len() as u64))
    }

    fn read_numbers_into(
        &self,
        group: usize,
        column: usize,
        buffers: &mut NumberBuffers,
    ) -> parquet::errors::Result<()> {
        let row_group = self.reader.get_row_group(group)?;
        let rows = usize::try_from(row_group.metadata().num_rows()).unwrap_or(0);
        let optional = row_group
            .metadata()
            .column(column)
            .column_descr()
            .max_def_level()
            > 0;
        let NumberBuffers {
            doubles,
            floats,
            ints,
            longs,
            levels,
        } = buffers;
        levels.clear();
        doubles.clear();
        let levels = optional.then_some(levels);
        // `as` rounds an integer to the nearest double, as its decimal text parses.
        match row_group.get_column_reader(column)? {
            ColumnReader::DoubleColumnReader(r) => read_into(r, rows, levels, doubles)?,
            ColumnReader::FloatColumnReader(r) => {
                floats.clear();
                read_into(r, rows, levels, floats)?;
                doubles.extend(floats.iter().map(|x| f64::from(*x)));
            }
            ColumnReader::Int32ColumnReader(r) => {
                ints.clear();
                read_into(r, rows, levels, ints)?;
                doubles.extend(ints.iter().map(|x| f64::from(*x)));
            }
            ColumnReader::Int64ColumnReader(r) => {
                longs.clear();
                read_into(r, rows, levels, longs)?;
                doubles.extend(longs.iter().map(|x| *x as f64));
            }
            _ => {
                return Err(parquet::errors::ParquetError::General(
                    "the column does not hold numbers".into(),
                ));
            }
        }
        Ok(())
    }

    /// Decodes the wanted columns of one row group, for an engine that reads values
    /// directly instead of text.
    pub fn decode_group(&self, group: usize) -> Result<RowGroupValues, String> {
        let columns = self
            .read_group(group)
            .map_err(|err| format!("the Parquet data is damaged in row group {group}: {err}"))?;
        Ok(RowGroupValues {
            rows: columns.first().map_or(0, |c| c.rows),
            columns,
        })
    }

    fn read_group(&self, group: usize) -> parquet::errors::Result<Vec<Column>> {
        let row_group = self.reader.get_row_group(group)?;
        let rows = usize::try_from(row_group.metadata().num_rows()).unwrap_or(0);
        let schema = self.reader.metadata().file_metadata().schema_descr_ptr();
        let mut columns = Vec::with_capacity(self.wanted.len());
        for at in &self.wanted {
            let descriptor = schema.column(*at);
            if descriptor.physical_type() == PhysicalType::BYTE_ARRAY {
                let mut pages = row_group.get_column_page_reader(*at)?;
                let max = descriptor.max_def_level();
                if let Some(column) = DictionaryColumn::read(pages.as_mut(), max, rows)? {
                    columns.push(Column {
                        rows,
                        values: Values::Dictionary(column),
                        levels: None,
                        row: 0,
                        value: 0,
                    });
                    continue;
                }
            }
            let reader = row_group.get_column_reader(*at)?;
            columns.push(Column::read(reader, &descriptor, rows)?);
        }
        Ok(columns)
    }
}

/// Runs `work` over every row group of the file `first` was opened on, on up to `threads`
/// workers that each take the next group in file order and keep their own state from
/// `init`. `work` gets a group's decoded columns and the line of its first row (row `r` of
/// the file is line `r + 2`, as in its text form) and returns the first bad row it meets
/// as (line, message); of the bad rows the workers meet, the earliest is reported.
pub fn scan_row_groups<S, I, W>(
    first: ParquetSource,
    path: &Path,
    threads: usize,
    progress: &Progress,
    init: I,
    work: W,
) -> Result<Vec<S>, InputError>
where
    S: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, RowGroupValues, u64) -> Result<(), (u64, String)> + Sync,
{
    let groups = first.row_groups();
    let mut starts = Vec::with_capacity(groups);
    let mut line = 2u64;
    for g in 0..groups {
        starts.push(line);
        line += first.group_size(g).0;
    }
    let wanted = first.decoded_headers();
    let next = AtomicUsize::new(0);
    // After an error in a group, later groups cannot hold an earlier one: skip them.
    let failed_group = AtomicUsize::new(usize::MAX);
    let worker = |source: &ParquetSource| -> (S, Option<(u64, String)>) {
        let mut state = init();
        loop {
            let g = next.fetch_add(1, Ordering::Relaxed);
            if g >= groups || g > failed_group.load(Ordering::Relaxed) {
                return (state, None);
            }
            // The decoder may panic on damaged pages rather than fail: an error all the same.
            let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| source.decode_group(g)))
                .unwrap_or_else(|_| {
                    Err(format!(
                        "the Parquet data is damaged in row group {g}: it cannot be decoded"
                    ))
                });
            let result = decoded
                .map_err(|message| (starts[g], message))
                .and_then(|values| work(&mut state, values, starts[g]));
            if let Err(error) = result {
                failed_group.fetch_min(g, Ordering::Relaxed);
                return (state, Some(error));
            }
            progress.add_read(source.decoded_size(g));
        }
    };
    let results = on_workers(
        &first,
        threads.clamp(1, groups.max(1)),
        || ParquetSource::open_path(path, Some(&wanted)),
        worker,
        path,
    );
    let mut states = Vec::with_capacity(results.len());
    let mut first_error: Option<(u64, String)> = None;
    for result in results {
        let (state, error) = result?;
        states.push(state);
        if let Some(error) = error
            && first_error.as_ref().is_none_or(|e| error.0 < e.0)
        {
            first_error = Some(error);
        }
    }
    match first_error {
        Some((line, message)) => Err(InputError::Row {
            path: path.to_owned(),
            line,
            message,
        }),
        None => Ok(states),
    }
}

/// Runs `worker` on `threads` threads: on the calling one with `first`, on the others each
/// with its own sources from `open` (a decoder reads through its file handle, which threads
/// cannot share). A worker that stops by a panic is an error on `path`.
pub fn on_workers<S, T>(
    first: &S,
    threads: usize,
    open: impl Fn() -> Result<S, InputError> + Sync,
    worker: impl Fn(&S) -> T + Sync,
    path: &Path,
) -> Vec<Result<T, InputError>>
where
    T: Send,
{
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| open().map(|sources| worker(&sources))))
            .collect();
        let mut results = vec![Ok(worker(first))];
        results.extend(helpers.into_iter().map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(InputError::Invalid {
                    path: path.to_owned(),
                    message: "a worker stopped unexpectedly".into(),
                })
            })
        }));
        results
    })
}

/// The decoded columns of one row group, read row by row.
pub struct RowGroupValues {
    rows: usize,
    columns: Vec<Column>,
}

impl RowGroupValues {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Puts the next row's values into `fields`, one per decoded column, as text; a null
    /// is empty.
    pub fn next_row(&mut self, fields: &mut [Vec<u8>]) {
        for (field, column) in fields.iter_mut().zip(&mut self.columns) {
            field.clear();
            column.write_next(field);
        }
    }

    /// Decoded column `i` as dictionary entries and per-row indices, when it was read so;
    /// the column then reads as empty fields.
    pub fn take_dictionary(&mut self, i: usize) -> Option<DictionaryColumn> {
        let column = &mut self.columns[i];
        match std::mem::replace(&mut column.values, Values::Taken) {
            Values::Dictionary(dictionary) => Some(dictionary),
            other => {
                column.values = other;
                None
            }
        }
    }

    /// Puts the next value of decoded column `i` into `field`, as [`Self::next_row`] does.
    pub fn next_field(&mut self, i: usize, field: &mut Vec<u8>) {
        field.clear();
        self.columns[i].write_next(field);
    }

    /// Appends every value of decoded column `i` to `out` as the doubles its text form
    /// reads back as, and returns the number of nulls — when the column holds plain
    /// numbers (floating point, or integers that are not decimals) that are all finite.
    /// `None`, with `out` untouched, for any other column, which is then read as text.
    pub fn plain_numbers(&self, i: usize, out: &mut Vec<f64>) -> Option<u64> {
        let column = &self.columns[i];
        // `+ 0.0` reads −0 as 0, as the text parser does.
        fn extend_finite<T: Copy>(out: &mut Vec<f64>, values: &[T], as_f64: fn(T) -> f64) -> bool {
            out.reserve(values.len());
            for v in values {
                let x = as_f64(*v);
                if !x.is_finite() {
                    return false;
                }
                out.push(x + 0.0);
            }
            true
        }
        let start = out.len();
        // An integer's decimal text parses back to the nearest double, as `as` rounds.
        let finite = match &column.values {
            Values::Double(v) => extend_finite(out, v, |x| x),
            Values::Float(v) => extend_finite(out, v, f64::from),
            Values::Int32(v, None) => extend_finite(out, v, f64::from),
            Values::Int64(v, None) => extend_finite(out, v, |x| x as f64),
            _ => false,
        };
        if !finite {
            out.truncate(start);
            return None;
        }
        Some((column.rows - (out.len() - start)) as u64)
    }
}

/// One column of one row group, decoded.
struct Column {
    rows: usize,
    values: Values,
    /// Definition levels of an optional column: a value is present at the maximum.
    levels: Option<(Vec<i16>, i16)>,
    row: usize,
    value: usize,
}

enum Values {
    Bool(Vec<bool>),
    Int32(Vec<i32>, Option<u32>),
    Int64(Vec<i64>, Option<u32>),
    /// Times since the epoch in a unit, and whether they are UTC.
    Timestamp(Vec<i64>, TimeUnit, bool),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
    /// Strings read through the chunk's dictionary; nulls are in its indices.
    Dictionary(DictionaryColumn),
    /// Handed to an engine by [`RowGroupValues::take_dictionary`].
    Taken,
}

/// The non-null values of a column chunk, and its definition levels when it is optional.
type Decoded<T> = (Vec<T>, Option<Vec<i16>>);

fn read_all<T: DataType>(
    reader: ColumnReaderImpl<T>,
    rows: usize,
    max_level: i16,
) -> parquet::errors::Result<Decoded<T::T>> {
    let mut values = Vec::with_capacity(rows);
    let mut levels = (max_level > 0).then(|| Vec::with_capacity(rows));
    read_into(reader, rows, levels.as_mut(), &mut values)?;
    Ok((values, levels))
}

/// Appends the `rows` rows of a column chunk: its non-null values to `values`, its
/// definition levels to `levels` when it is optional.
fn read_into<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    mut levels: Option<&mut Vec<i16>>,
    values: &mut Vec<T::T>,
) -> parquet::errors::Result<()> {
    let mut read = 0;
    while read < rows {
        let (records, _, _) =
            reader.read_records(rows - read, levels.as_deref_mut(), None, values)?;
        if records == 0 {
            return Err(parquet::errors::ParquetError::General(format!(
                "the column ends after {read} of {rows} rows"
            )));
        }
        read += records;
    }
    Ok(())
}

/// Whether a column's values are plain numbers: floating point, or integers that are
/// neither decimals nor timestamps — the columns whose text form reads back as the
/// doubles themselves.
fn holds_plain_numbers(descriptor: &ColumnDescriptor) -> bool {
    let logical = descriptor.logical_type_ref();
    let decimal = matches!(logical, Some(LogicalType::Decimal(d)) if d.scale > 0);
    match descriptor.physical_type() {
        PhysicalType::DOUBLE | PhysicalType::FLOAT => true,
        PhysicalType::INT32 => !decimal,
        PhysicalType::INT64 => !decimal && !matches!(logical, Some(LogicalType::Timestamp(_))),
        _ => false,
    }
}

/// Buffers for reading a column's numbers row group by row group, kept by a worker so that
/// each row group is decoded into memory already in use.
#[derive(Default)]
pub struct NumberBuffers {
    doubles: Vec<f64>,
    floats: Vec<f32>,
    ints: Vec<i32>,
    longs: Vec<i64>,
    levels: Vec<i16>,
}

impl NumberBuffers {
    /// The non-null values of the last chunk read, as doubles, not yet checked to be
    /// finite.
    pub fn values(&self) -> &[f64] {
        &self.doubles
    }
}

impl Column {
    fn read(
        reader: ColumnReader,
        descriptor: &ColumnDescriptor,
        rows: usize,
    ) -> parquet::errors::Result<Column> {
        let max = descriptor.max_def_level();
        // Decimals stored as integers are written with their decimal point.
        let scale = match descriptor.logical_type_ref() {
            Some(LogicalType::Decimal(decimal)) => {
                u32::try_from(decimal.scale).ok().filter(|s| *s > 0)
            }
            _ => None,
        };
        let (values, levels) = match reader {
            ColumnReader::BoolColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Bool(v), l)
            }
            ColumnReader::Int32ColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Int32(v, scale), l)
            }
            ColumnReader::Int64ColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                match descriptor.logical_type_ref() {
                    Some(LogicalType::Timestamp(time)) => (
                        Values::Timestamp(v, time.unit, time.is_adjusted_to_u_t_c),
                        l,
                    ),
                    _ => (Values::Int64(v, scale), l),
                }
            }
            ColumnReader::FloatColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Float(v), l)
            }
            ColumnReader::DoubleColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Double(v), l)
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Bytes(v), l)
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                let (v, l) = read_all(r, rows, max)?;
                (Values::Fixed(v), l)
            }
            ColumnReader::Int96ColumnReader(_) => {
                return Err(parquet::errors::ParquetError::General(
                    "INT96 values are not read".into(),
                ));
            }
        };
        Ok(Column {
            rows,
            values,
            levels: levels.map(|l| (l, max)),
            row: 0,
            value: 0,
        })
    }

    /// Writes the next row's value as text, unquoted; nothing for a null.
    fn write_next(&mut self, out: &mut Vec<u8>) {
        let row = self.row;
        self.row += 1;
        if let Some((levels, max)) = &self.levels
            && levels.get(row) != Some(max)
        {
            return;
        }
        let i = self.value;
        self.value += 1;
        // `write!` into a Vec cannot fail.
        let _ = match &self.values {
            Values::Bool(v) => out.write_all(if v[i] { b"true" } else { b"false" }),
            Values::Int32(v, None) => {
                write_integer(out, i64::from(v[i]));
                Ok(())
            }
            Values::Int64(v, None) => {
                write_integer(out, v[i]);
                Ok(())
            }
            Values::Int32(v, Some(scale)) => write_decimal(out, i128::from(v[i]), *scale),
            Values::Int64(v, Some(scale)) => write_decimal(out, i128::from(v[i]), *scale),
            Values::Float(v) => write!(out, "{:?}", f64::from(v[i])),
            Values::Double(v) => write!(out, "{:?}", v[i]),
            Values::Timestamp(v, unit, utc) => {
                write_timestamp(out, v[i], *unit, *utc);
                Ok(())
            }
            Values::Bytes(v) => out.write_all(v[i].data()),
            Values::Fixed(v) => out.write_all(v[i].data()),
            // Nulls are among the indices, which count rows, not values.
            Values::Dictionary(column) => match column.indices[row] {
                NULL => Ok(()),
                index => out.write_all(column.entry(index)),
            },
            Values::Taken => Ok(()),
        };
    }
}

/// A timestamp as RFC 3339 text with the digits its unit holds (`Z` when it is UTC), as
/// the CSV form of a decision export writes it; a value out of range as its integer.
fn write_timestamp(out: &mut Vec<u8>, value: i64, unit: TimeUnit, utc: bool) {
    let (time, digits) = match unit {
        TimeUnit::MILLIS => (
            chrono::DateTime::from_timestamp_millis(value),
            SecondsFormat::Millis,
        ),
        TimeUnit::MICROS => (
            chrono::DateTime::from_timestamp_micros(value),
            SecondsFormat::Micros,
        ),
        _ => (
            Some(chrono::DateTime::from_timestamp_nanos(value)),
            SecondsFormat::Nanos,
        ),
    };
    let Some(time) = time else {
        return write_integer(out, value);
    };
    let text = time.to_rfc3339_opts(digits, true);
    match text.strip_suffix('Z').filter(|_| !utc) {
        Some(local) => out.extend_from_slice(local.as_bytes()),
        None => out.extend_from_slice(text.as_bytes()),
    }
}

/// An integer in decimal, without the formatting machinery (it runs once per cell).
fn write_integer(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    let mut magnitude = value.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// An unscaled integer with `scale` decimal places, exactly: 12345 at scale 2 is 123.45.
fn write_decimal(out: &mut Vec<u8>, unscaled: i128, scale: u32) -> std::io::Result<()> {
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    write!(out, "{sign}{whole}.{fraction}")
}

#[cfg(test)]
mod tests {
    use crate::progress::Progress;
    use std::sync::Arc;

    use parquet::basic::Compression;
    use parquet::data_type::{DoubleType, Int32Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    use super::*;
    use crate::drift::{DriftParams, evaluate_drift_observed};
    use crate::fairness::{FairnessParams, evaluate_fairness};

    /// A writer of a Parquet file at `path` with the schema `message`.
    fn parquet_writer(
        path: &Path,
        message: &str,
        props: WriterProperties,
    ) -> SerializedFileWriter<File> {
        SerializedFileWriter::new(
            File::create(path).unwrap(),
            Arc::new(parse_message_type(message).unwrap()),
            Arc::new(props),
        )
        .unwrap()
    }

    /// Rows of (label, prediction, group or null, x) written as Parquet in row groups of
    /// `group_rows`, and the same rows as CSV.
    fn both_forms(
        rows: &[(i32, i32, Option<&str>, f64)],
        group_rows: usize,
        props: WriterProperties,
    ) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let parquet_path = dir.path().join("data.parquet");
        let mut writer = parquet_writer(
            &parquet_path,
            "message eval { required int32 label; required int32 prediction; optional binary g (UTF8); required double x; }",
            props,
        );
        for chunk in rows.chunks(group_rows) {
            let mut group = writer.next_row_group().unwrap();
            let mut column = 0;
            while let Some(mut w) = group.next_column().unwrap() {
                match column {
                    0 | 1 => {
                        let values: Vec<i32> = chunk
                            .iter()
                            .map(|r| if column == 0 { r.0 } else { r.1 })
                            .collect();
                        w.typed::<Int32Type>()
                            .write_batch(&values, None, None)
                            .unwrap();
                    }
                    2 => {
                        let values: Vec<ByteArray> = chunk
                            .iter()
                            .filter_map(|r| r.2)
                            .map(ByteArray::from)
                            .collect();
                        let levels: Vec<i16> =
                            chunk.iter().map(|r| i16::from(r.2.is_some())).collect();
                        w.typed::<parquet::data_type::ByteArrayType>()
                            .write_batch(&values, Some(&levels), None)
                            .unwrap();
                    }
                    _ => {
                        let values: Vec<f64> = chunk.iter().map(|r| r.3).collect();
                        w.typed::<DoubleType>()
                            .write_batch(&values, None, None)
                            .unwrap();
                    }
                }
                w.close().unwrap();
                column += 1;
            }
            group.close().unwrap();
        }
        writer.close().unwrap();
        let csv_path = dir.path().join("data.csv");
        let text: String = "label,prediction,g,x\n".to_owned()
            + &rows
                .iter()
                .map(|r| {
                    let group = r.2.map(|g| format!("\"{g}\"")).unwrap_or_default();
                    format!("{},{},{group},{:?}\n", r.0, r.1, r.3)
                })
                .collect::<String>();
        std::fs::write(&csv_path, text).unwrap();
        (dir, parquet_path, csv_path)
    }

    fn compressed(compression: Compression) -> WriterProperties {
        WriterProperties::builder()
            .set_compression(compression)
            .build()
    }

    #[test]
    fn dictionary_plain_and_version_2_pages_read_alike() {
        use parquet::file::properties::WriterVersion;
        // 700 distinct values, so that a small dictionary overflows into plain pages.
        let names: Vec<String> = (0..700).map(|i| format!("value {i}")).collect();
        let rows: Vec<(i32, i32, Option<&str>, f64)> = (0..6000)
            .map(|i| {
                let group = (i % 13 != 0).then(|| names[(i * 7) % names.len()].as_str());
                (
                    (i % 3 == 0) as i32,
                    (i % 5 < 2) as i32,
                    group,
                    i as f64 * 0.25,
                )
            })
            .collect();
        let base = || {
            WriterProperties::builder()
                .set_data_page_row_count_limit(400)
                .set_write_batch_size(100)
        };
        let variants = [
            ("dictionary", base().build()),
            ("plain", base().set_dictionary_enabled(false).build()),
            (
                "version 2",
                base()
                    .set_writer_version(WriterVersion::PARQUET_2_0)
                    .set_compression(Compression::ZSTD(Default::default()))
                    .build(),
            ),
            (
                "dictionary overflowing",
                base().set_dictionary_page_size_limit(100).build(),
            ),
        ];
        let params = fairness_params();
        for (name, props) in variants {
            let (_dir, parquet, csv) = both_forms(&rows, 2500, props);
            let from_parquet = evaluate_fairness(&parquet, &params).unwrap();
            assert_eq!(from_parquet.rows, 6000, "{name}");
            assert_eq!(
                serde_json::to_value(&from_parquet).unwrap(),
                serde_json::to_value(evaluate_fairness(&csv, &params).unwrap()).unwrap(),
                "{name}"
            );
            let drift = DriftParams {
                columns: vec!["g".into()],
                ..DriftParams::default()
            };
            let observed = |path: &Path| {
                let report =
                    evaluate_drift_observed(path, &csv, &drift, 2, &Progress::default()).unwrap();
                serde_json::to_value(&report).unwrap()
            };
            assert_eq!(observed(&parquet), observed(&csv), "{name}");
        }
    }

    #[test]
    fn damaged_pages_are_errors_not_crashes() {
        let (_dir, parquet, _) =
            both_forms(&sample(2000), 700, compressed(Compression::UNCOMPRESSED));
        let good = std::fs::read(&parquet).unwrap();
        // The footer's length is in the 4 bytes before the closing magic.
        let footer = u32::from_le_bytes(good[good.len() - 8..good.len() - 4].try_into().unwrap());
        let data_end = good.len() - 8 - footer as usize;
        let params = fairness_params();
        let drift = DriftParams::default();
        for at in (4..data_end).step_by(11) {
            let mut bytes = good.clone();
            bytes[at] ^= 0x5a;
            std::fs::write(&parquet, &bytes).unwrap();
            let fairness = evaluate_fairness(&parquet, &params).err();
            let drift =
                evaluate_drift_observed(&parquet, &parquet, &drift, 2, &Progress::default())
                    .err()
                    .map(|e| e.to_string());
            for err in [fairness.map(|e| e.to_string()), drift]
                .into_iter()
                .flatten()
            {
                assert!(!err.contains("unexpectedly"), "byte {at}: {err}");
            }
        }
    }

    fn sample(n: usize) -> Vec<(i32, i32, Option<&'static str>, f64)> {
        (0..n)
            .map(|i| {
                let group = match i % 7 {
                    0 => None,
                    1 | 2 => Some("a, with comma"),
                    _ => Some("b"),
                };
                let x = (i as f64 * 0.37).sin() * 1e3 + 1.0 / (i as f64 + 3.0);
                ((i % 3 == 0) as i32, (i % 4 == 0) as i32, group, x)
            })
            .collect()
    }

    fn fairness_params() -> FairnessParams {
        FairnessParams {
            label: "label".into(),
            prediction: "prediction".into(),
            score: None,
            sensitive: vec!["g".into()],
            positive_label: None,
            min_group_size: 1,
            delimiter: b',',
        }
    }

    #[test]
    fn progress_reaches_the_total_planned() {
        use crate::fairness::evaluate_fairness_observed;
        let (dir, parquet, csv) = both_forms(&sample(3000), 700, compressed(Compression::SNAPPY));
        for path in [&parquet, &csv] {
            let progress = Progress::default();
            evaluate_fairness_observed(path, &fairness_params(), 2, &progress).unwrap();
            assert!(progress.read() > 0);
            assert_eq!(Some(progress.read()), progress.total(), "{path:?}");
            // Drift reads the numbers of Parquet column by column and the text by rows.
            let progress = Progress::default();
            evaluate_drift_observed(path, path, &DriftParams::default(), 2, &progress).unwrap();
            assert_eq!(Some(progress.read()), progress.total(), "{path:?}");
        }
        // Compressed text: the size after decompression is not known in advance.
        let gz = dir.path().join("data.csv.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        encoder.write_all(&std::fs::read(&csv).unwrap()).unwrap();
        encoder.finish().unwrap();
        let progress = Progress::default();
        evaluate_fairness_observed(&gz, &fairness_params(), 2, &progress).unwrap();
        assert_eq!(progress.total(), None);
        assert!(progress.read() > 0);
    }

    #[test]
    fn parquet_and_csv_give_the_same_fairness_report() {
        let (_dir, parquet, csv) = both_forms(&sample(5000), 1200, compressed(Compression::SNAPPY));
        let params = fairness_params();
        let from_parquet = evaluate_fairness(&parquet, &params).unwrap();
        let from_csv = evaluate_fairness(&csv, &params).unwrap();
        assert_eq!(from_parquet.rows, 5000);
        assert_eq!(
            serde_json::to_value(&from_parquet).unwrap(),
            serde_json::to_value(&from_csv).unwrap()
        );
    }

    #[test]
    fn parquet_and_csv_give_the_same_drift_report() {
        let (_dir, parquet, csv) = both_forms(
            &sample(3000),
            1000,
            compressed(Compression::ZSTD(Default::default())),
        );
        let shifted: Vec<_> = sample(2500)
            .into_iter()
            .map(|r| (r.1, r.0, r.2, r.3 + 40.0))
            .collect();
        let (_dir2, current, _) = both_forms(&shifted, 700, compressed(Compression::UNCOMPRESSED));
        // Numbers typed in both Parquet files are read column by column, the text column
        // row by row; the report keeps the order asked.
        for columns in [vec![], vec!["x", "g", "label"], vec!["x"]] {
            let params = DriftParams {
                columns: columns.iter().map(|c| c.to_string()).collect(),
                ..DriftParams::default()
            };
            let run = |reference: &Path| {
                evaluate_drift_observed(reference, &current, &params, 2, &Progress::default())
                    .unwrap()
            };
            let (from_parquet, from_csv) = (run(&parquet), run(&csv));
            assert_eq!(from_parquet.reference_rows, 3000);
            assert_eq!(from_parquet.current_rows, 2500);
            assert_eq!(
                serde_json::to_value(&from_parquet).unwrap(),
                serde_json::to_value(&from_csv).unwrap()
            );
            let names: Vec<&str> = from_parquet
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            if columns.is_empty() {
                assert_eq!(names, ["label", "prediction", "g", "x"]);
                let g = &from_parquet.columns[2];
                assert_eq!(g.reference_missing, 3000 / 7 + 1);
            } else {
                assert_eq!(names, columns);
            }
        }
    }

    /// Columns of numbers (`None` a null) written as Parquet in the given physical types,
    /// and as the CSV text their values read as.
    fn numeric_forms(
        dir: &Path,
        name: &str,
        columns: &[(&str, &str, Vec<Option<f64>>)],
        group_rows: usize,
    ) -> (std::path::PathBuf, std::path::PathBuf) {
        use parquet::data_type::{FloatType, Int64Type};
        let fields: String = columns
            .iter()
            .map(|(column, kind, _)| format!("optional {kind} {column}; "))
            .collect();
        let parquet_path = dir.join(format!("{name}.parquet"));
        let mut writer = parquet_writer(
            &parquet_path,
            &format!("message m {{ {fields}}}"),
            WriterProperties::builder().build(),
        );
        let rows = columns[0].2.len();
        for start in (0..rows).step_by(group_rows) {
            let end = (start + group_rows).min(rows);
            let mut group = writer.next_row_group().unwrap();
            for (_, kind, values) in columns {
                let mut w = group.next_column().unwrap().unwrap();
                let chunk = &values[start..end];
                let levels: Vec<i16> = chunk.iter().map(|v| i16::from(v.is_some())).collect();
                let present = chunk.iter().flatten();
                match *kind {
                    "double" => {
                        let v: Vec<f64> = present.copied().collect();
                        w.typed::<DoubleType>()
                            .write_batch(&v, Some(&levels), None)
                            .unwrap();
                    }
                    "float" => {
                        let v: Vec<f32> = present.map(|x| *x as f32).collect();
                        w.typed::<FloatType>()
                            .write_batch(&v, Some(&levels), None)
                            .unwrap();
                    }
                    _ => {
                        let v: Vec<i64> = present.map(|x| *x as i64).collect();
                        w.typed::<Int64Type>()
                            .write_batch(&v, Some(&levels), None)
                            .unwrap();
                    }
                };
                w.close().unwrap();
            }
            group.close().unwrap();
        }
        writer.close().unwrap();
        let mut text = columns.iter().map(|c| c.0).collect::<Vec<_>>().join(",") + "\n";
        for row in 0..rows {
            let cells: Vec<String> = columns
                .iter()
                .map(|(_, kind, values)| match (values[row], *kind) {
                    (None, _) => String::new(),
                    (Some(x), "double") => format!("{x:?}"),
                    (Some(x), "float") => format!("{:?}", f64::from(x as f32)),
                    (Some(x), _) => format!("{}", x as i64),
                })
                .collect();
            text += &(cells.join(",") + "\n");
        }
        let csv_path = dir.join(format!("{name}.csv"));
        std::fs::write(&csv_path, text).unwrap();
        (parquet_path, csv_path)
    }

    #[test]
    fn typed_numbers_drift_as_their_text_does() {
        let dir = tempfile::tempdir().unwrap();
        let wave = |n: usize, shift: f64| -> Vec<Option<f64>> {
            (0..n)
                .map(|i| Some((i as f64 * 0.61).cos() * 50.0 + shift))
                .collect()
        };
        let with_gaps = |mut v: Vec<Option<f64>>| {
            for (i, x) in v.iter_mut().enumerate() {
                match i % 11 {
                    0 => *x = None,
                    3 => *x = Some(-0.0),
                    // Only in the first row group, so the others take the typed path.
                    5 if i < 700 => *x = Some(f64::NAN),
                    _ => {}
                }
            }
            v
        };
        let with_infinity = |mut v: Vec<Option<f64>>, at: usize| {
            v[at] = Some(f64::INFINITY);
            v
        };
        let big = |n: usize, shift: f64| -> Vec<Option<f64>> {
            (0..n)
                .map(|i| {
                    Some((i as f64 * 7.3e14 + shift * 1e15).round() + 12_345_678_901_234_567.0)
                })
                .collect()
        };
        let (reference, reference_csv) = numeric_forms(
            dir.path(),
            "reference",
            &[
                ("gaps", "double", with_gaps(wave(3000, 0.0))),
                ("inf", "double", with_infinity(wave(3000, 0.0), 2345)),
                ("single", "float", wave(3000, 0.0)),
                ("whole", "int64", big(3000, 0.0)),
            ],
            700,
        );
        let (current, current_csv) = numeric_forms(
            dir.path(),
            "current",
            &[
                ("gaps", "double", with_gaps(wave(2000, 9.0))),
                ("inf", "double", wave(2000, 9.0)),
                ("single", "float", wave(2000, 9.0)),
                ("whole", "int64", big(2000, 3.0)),
            ],
            900,
        );
        let mut params = DriftParams {
            columns: vec!["gaps".into(), "single".into(), "whole".into()],
            ..DriftParams::default()
        };
        let run = |reference: &Path, current: &Path, params: &DriftParams| {
            evaluate_drift_observed(reference, current, params, 2, &Progress::default())
        };
        let from_parquet =
            serde_json::to_value(run(&reference, &current, &params).unwrap()).unwrap();
        let from_csv =
            serde_json::to_value(run(&reference_csv, &current_csv, &params).unwrap()).unwrap();
        assert_eq!(from_parquet, from_csv);
        let gaps = &from_parquet["columns"][0];
        assert_eq!(gaps["kind"], "numeric");
        // Nulls and NaN are missing; −0 is a value.
        let missing = with_gaps(wave(3000, 0.0))
            .iter()
            .filter(|x| x.is_none_or(f64::is_nan))
            .count();
        assert_eq!(gaps["reference_missing"], missing as u64);
        // An infinity is not a number to drift: the column is text, on the row it holds.
        params.columns = vec!["inf".into()];
        for (reference, current) in [(&reference, &current), (&reference_csv, &current_csv)] {
            let err = run(reference, current, &params).unwrap_err().to_string();
            assert!(err.contains("holds `inf` on line 2347"), "{err}");
        }
    }

    #[test]
    fn line_numbers_count_rows_across_row_groups() {
        let mut rows = sample(6000);
        rows[4321].0 = 5;
        let (_dir, parquet, _) = both_forms(&rows, 500, compressed(Compression::SNAPPY));
        let params = fairness_params();
        let err = evaluate_fairness(&parquet, &params)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 4323: the label column holds `5`"),
            "{err}"
        );
    }

    #[test]
    fn the_first_bad_row_is_reported_whichever_worker_meets_it() {
        let mut rows = sample(6000);
        rows[1234].1 = 7;
        rows[4321].0 = 5;
        let (_dir, parquet, _) = both_forms(&rows, 500, compressed(Compression::SNAPPY));
        let params = fairness_params();
        for threads in [1, 2, 4] {
            let err = crate::fairness::evaluate_fairness_on(&parquet, &params, threads)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("line 1236: the prediction column holds `7`"),
                "{threads} threads: {err}"
            );
        }
    }

    #[test]
    fn a_truncated_parquet_file_is_refused_with_its_name() {
        let (_dir, parquet, _) = both_forms(&sample(100), 100, compressed(Compression::SNAPPY));
        let bytes = std::fs::read(&parquet).unwrap();
        std::fs::write(&parquet, &bytes[..bytes.len() / 2]).unwrap();
        let err = crate::input::Headers::read(&parquet, b',')
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("data.parquet") && err.contains("not a complete Parquet file"),
            "{err}"
        );
    }

    #[test]
    fn columns_read_whole_as_numbers_are_those_rows_read_as_numbers() {
        use parquet::column::writer::ColumnWriter;
        let dir = tempfile::tempdir().unwrap();
        let schema = "message m { required double d; required float f; required int32 i; \
            required int64 l; required int32 day (DATE); required int32 price (DECIMAL(9,2)); \
            required int64 big (DECIMAL(18,3)); required int64 t (TIMESTAMP(MICROS,true)); \
            required boolean b; required binary s (UTF8); }";
        let path = dir.path().join("kinds.parquet");
        let mut writer = parquet_writer(&path, schema, WriterProperties::builder().build());
        let mut group = writer.next_row_group().unwrap();
        while let Some(mut w) = group.next_column().unwrap() {
            match w.untyped() {
                ColumnWriter::DoubleColumnWriter(c) => {
                    c.write_batch(&[1.5, -2.0], None, None).unwrap();
                }
                ColumnWriter::FloatColumnWriter(c) => {
                    c.write_batch(&[1.5, -2.0], None, None).unwrap();
                }
                ColumnWriter::Int32ColumnWriter(c) => {
                    c.write_batch(&[150, -200], None, None).unwrap();
                }
                ColumnWriter::Int64ColumnWriter(c) => {
                    c.write_batch(&[150, -200], None, None).unwrap();
                }
                ColumnWriter::BoolColumnWriter(c) => {
                    c.write_batch(&[true, false], None, None).unwrap();
                }
                ColumnWriter::ByteArrayColumnWriter(c) => {
                    c.write_batch(&[ByteArray::from("x"), ByteArray::from("y")], None, None)
                        .unwrap();
                }
                _ => unreachable!("no other kinds in the schema"),
            }
            w.close().unwrap();
        }
        group.close().unwrap();
        writer.close().unwrap();
        let source = ParquetSource::open_path(&path, None).unwrap();
        let values = source.decode_group(0).unwrap();
        let mut kinds = Vec::new();
        for (i, name) in source.headers.clone().iter().enumerate() {
            let mut out = Vec::new();
            let by_rows = values.plain_numbers(i, &mut out).is_some();
            let whole = source.number_column(name).is_some();
            assert_eq!(whole, by_rows, "column `{name}`");
            if whole {
                let mut buffers = NumberBuffers::default();
                assert_eq!(source.read_numbers(0, i, &mut buffers), Ok(0));
                assert_eq!(buffers.values(), out.as_slice(), "column `{name}`");
            }
            kinds.push((name.clone(), whole));
        }
        let numbers: Vec<&str> = kinds
            .iter()
            .filter(|(_, n)| *n)
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(numbers, ["d", "f", "i", "l", "day"]);
    }

    #[test]
    fn timestamps_read_as_their_rfc_3339_text() {
        use parquet::data_type::Int64Type;
        let dir = tempfile::tempdir().unwrap();
        let micros: Vec<i64> = (0..3000)
            .map(|i| 1_772_359_200_000_000 + (i % 40) * 1_000_001)
            .collect();
        let schema = "message m { required int64 time (TIMESTAMP(MICROS,true)); required int64 local (TIMESTAMP(MILLIS,false)); }";
        let path = dir.path().join("times.parquet");
        let mut writer = parquet_writer(&path, schema, WriterProperties::builder().build());
        let mut group = writer.next_row_group().unwrap();
        for values in [micros.clone(), micros.iter().map(|m| m / 1000).collect()] {
            let mut w = group.next_column().unwrap().unwrap();
            w.typed::<Int64Type>()
                .write_batch(&values, None, None)
                .unwrap();
            w.close().unwrap();
        }
        group.close().unwrap();
        writer.close().unwrap();
        let text = |m: i64| {
            let t = chrono::DateTime::from_timestamp_micros(m).unwrap();
            format!(
                "{},{}",
                t.to_rfc3339_opts(SecondsFormat::Micros, true),
                t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f")
            )
        };
        let csv = dir.path().join("times.csv");
        let lines: Vec<String> = micros.iter().map(|m| text(*m)).collect();
        std::fs::write(&csv, format!("time,local\n{}\n", lines.join("\n"))).unwrap();
        assert!(
            lines[1].starts_with("2026-03-01T10:00:01.000001Z,2026-03-01T10:00:01.000"),
            "{}",
            lines[1]
        );
        let run = |path: &Path| {
            let report = evaluate_drift_observed(
                path,
                &csv,
                &DriftParams::default(),
                2,
                &Progress::default(),
            )
            .unwrap();
            serde_json::to_value(&report).unwrap()
        };
        let from_parquet = run(&path);
        assert_eq!(from_parquet, run(&csv));
        assert_eq!(from_parquet["columns"][0]["kind"], "categorical");
        assert_eq!(from_parquet["columns"][0]["psi"], 0.0);
    }

    #[test]
    fn decimals_keep_their_scale() {
        let mut out = Vec::new();
        write_decimal(&mut out, 12345, 2).unwrap();
        out.push(b' ');
        write_decimal(&mut out, -5, 3).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "123.45 -0.005");
    }
}

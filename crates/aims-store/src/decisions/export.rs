//! A window of a system's decision events as a file for `aims eval fairness` and for
//! analysts: CSV, or Parquet with the same columns in the same order, typed.
//!
//! Both passes over the window (the first finds the group attributes and the types of the
//! open-typed columns, the second writes the rows) read one snapshot, a page at a time, so
//! the columns fit every row even while events keep arriving.

use std::io::Write;
use std::sync::Arc;

use aims_domain::decision::{
    CSV_COLUMNS, ExportLayout, ValueKind, cell_text, csv_header, csv_row, group_column,
};
use chrono::DateTime;
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::Type;
use serde_json::Value;
use uuid::Uuid;

use super::{Window, check_system, page};
use crate::Store;
use crate::db::Tx;
use crate::error::{Result, StoreError};

/// Events read per query.
const PAGE: u64 = 5_000;

/// A Parquet row group is written once it holds this many rows or about this many bytes,
/// whichever comes first: the writer holds one row group in memory.
const ROW_GROUP_ROWS: usize = 100_000;
const ROW_GROUP_BYTES: usize = 64 << 20;

/// The file formats of a decision export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row; absent values are empty fields.
    Csv,
    /// Parquet, zstd-compressed; absent values are nulls.
    Parquet,
}

impl Store {
    /// Writes a window of a system's events, oldest first, in `format`, and returns how
    /// many were written. The columns are those of [`CSV_COLUMNS`], then `group.<name>`
    /// for each group attribute found in the window, sorted by name.
    pub async fn export_decisions(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
        window: Window,
        format: ExportFormat,
        out: &mut (impl Write + Send),
    ) -> Result<u64> {
        let mut tx = self.pool.snapshot().await?;
        check_system(&mut tx, organisation_id, system_id).await?;
        let mut layout = ExportLayout::default();
        each_page(&mut tx, system_id, window, |events| {
            events.iter().for_each(|e| layout.observe(e));
            Ok(())
        })
        .await?;
        match format {
            ExportFormat::Csv => {
                let groups = layout.group_names();
                out.write_all(csv_header(&groups).as_bytes())
                    .map_err(cannot_write)?;
                each_page(&mut tx, system_id, window, |events| {
                    events
                        .iter()
                        .try_for_each(|e| out.write_all(csv_row(e, &groups).as_bytes()))
                        .map_err(cannot_write)
                })
                .await
            }
            ExportFormat::Parquet => {
                let mut file = ParquetExport::new(out, &layout, ROW_GROUP_ROWS)?;
                let rows = each_page(&mut tx, system_id, window, |events| {
                    events.iter().try_for_each(|e| file.push(e))
                })
                .await?;
                file.finish()?;
                Ok(rows)
            }
        }
    }
}

/// Hands every page of the window to `visit` and returns how many events there were.
async fn each_page(
    tx: &mut Tx,
    system_id: Uuid,
    window: Window,
    mut visit: impl FnMut(&[Value]) -> Result<()>,
) -> Result<u64> {
    let mut after = None;
    let mut rows = 0;
    loop {
        let (events, next) = page(tx, system_id, window, after, PAGE).await?;
        visit(&events)?;
        rows += events.len() as u64;
        if (events.len() as u64) < PAGE {
            return Ok(rows);
        }
        after = next;
    }
}

fn cannot_write(err: impl std::fmt::Display) -> StoreError {
    StoreError::Export(format!("cannot write the export: {err}"))
}

/// Where a column's values come from in an event's stored state.
enum Source {
    /// A top-level field, as it is.
    Field(&'static str),
    /// `time`, an RFC 3339 text, as microseconds since the epoch.
    Time,
    /// A group attribute.
    Group(String),
}

/// The values of one column in the row group being built, and their definition levels
/// when the column is optional (1 for a value, 0 for a null).
struct Buffer<T> {
    values: Vec<T>,
    levels: Option<Vec<i16>>,
}

impl<T> Buffer<T> {
    fn new(optional: bool) -> Self {
        Buffer {
            values: Vec::new(),
            levels: optional.then(Vec::new),
        }
    }

    /// Adds a row; `false` when the value is missing from a required column.
    fn push(&mut self, value: Option<T>) -> bool {
        match (value, &mut self.levels) {
            (Some(value), levels) => {
                self.values.push(value);
                if let Some(levels) = levels {
                    levels.push(1);
                }
                true
            }
            (None, Some(levels)) => {
                levels.push(0);
                true
            }
            (None, None) => false,
        }
    }

    fn clear(&mut self) {
        self.values.clear();
        if let Some(levels) = &mut self.levels {
            levels.clear();
        }
    }
}

/// A column buffer of each physical type the export writes.
enum Values {
    Bool(Buffer<bool>),
    Int64(Buffer<i64>),
    Double(Buffer<f64>),
    Text(Buffer<ByteArray>),
}

impl Values {
    /// Adds a row's value, converted to the column's type, and returns about how many
    /// bytes it takes; `Err` says what the column holds instead.
    fn push(&mut self, value: Option<&Value>) -> std::result::Result<usize, &'static str> {
        fn convert<T>(
            value: Option<&Value>,
            read: impl Fn(&Value) -> Option<T>,
            expected: &'static str,
        ) -> std::result::Result<Option<T>, &'static str> {
            value.map(|v| read(v).ok_or(expected)).transpose()
        }
        let value = value.filter(|v| !v.is_null());
        let (present, bytes) = match self {
            Values::Bool(b) => (b.push(convert(value, Value::as_bool, "true or false")?), 1),
            Values::Int64(b) => (b.push(convert(value, Value::as_i64, "a whole number")?), 8),
            Values::Double(b) => (b.push(convert(value, Value::as_f64, "a number")?), 8),
            Values::Text(b) => {
                let text = cell_text(value);
                let bytes = text.as_ref().map_or(0, String::len);
                (b.push(text.map(|t| ByteArray::from(t.into_bytes()))), bytes)
            }
        };
        if present { Ok(bytes) } else { Err("a value") }
    }

    fn write(&self, column: &mut SerializedColumnWriter<'_>) -> parquet::errors::Result<()> {
        fn typed<T: DataType>(
            column: &mut SerializedColumnWriter<'_>,
            buffer: &Buffer<T::T>,
        ) -> parquet::errors::Result<()> {
            column
                .typed::<T>()
                .write_batch(&buffer.values, buffer.levels.as_deref(), None)
                .map(|_| ())
        }
        match self {
            Values::Bool(b) => typed::<BoolType>(column, b),
            Values::Int64(b) => typed::<Int64Type>(column, b),
            Values::Double(b) => typed::<DoubleType>(column, b),
            Values::Text(b) => typed::<ByteArrayType>(column, b),
        }
    }

    fn clear(&mut self) {
        match self {
            Values::Bool(b) => b.clear(),
            Values::Int64(b) => b.clear(),
            Values::Double(b) => b.clear(),
            Values::Text(b) => b.clear(),
        }
    }
}

struct Column {
    name: String,
    source: Source,
    values: Values,
}

/// The Parquet type of a column, and an empty buffer for its values.
fn column_type(name: &str, physical: PhysicalType, optional: bool) -> Result<Arc<Type>> {
    let logical = match physical {
        PhysicalType::BYTE_ARRAY => Some(LogicalType::String),
        _ if name == "time" => Some(LogicalType::timestamp(true, TimeUnit::MICROS)),
        _ => None,
    };
    let repetition = if optional {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    };
    Type::primitive_type_builder(name, physical)
        .with_repetition(repetition)
        .with_logical_type(logical)
        .build()
        .map(Arc::new)
        .map_err(|e| StoreError::Export(format!("column `{name}`: {e}")))
}

fn kind_type(kind: ValueKind) -> PhysicalType {
    match kind {
        ValueKind::Bool => PhysicalType::BOOLEAN,
        ValueKind::Integer => PhysicalType::INT64,
        ValueKind::Float => PhysicalType::DOUBLE,
        ValueKind::Absent | ValueKind::Text => PhysicalType::BYTE_ARRAY,
    }
}

/// A Parquet file being written, a row group at a time.
struct ParquetExport<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    columns: Vec<Column>,
    rows: usize,
    bytes: usize,
    row_group_rows: usize,
}

impl<W: Write + Send> ParquetExport<W> {
    /// Starts the file with the schema of `layout`: `id` and `time` required, `time` a UTC
    /// timestamp in microseconds, `decision` and `ground_truth` of their values' common
    /// type (text when they differ), `score` a double, `human_override` a boolean, and
    /// everything else optional text.
    fn new(out: W, layout: &ExportLayout, row_group_rows: usize) -> Result<Self> {
        let mut columns = Vec::new();
        let mut fields = Vec::new();
        let mut add = |name: String, source: Source, physical, optional| -> Result<()> {
            fields.push(column_type(&name, physical, optional)?);
            let values = match physical {
                PhysicalType::BOOLEAN => Values::Bool(Buffer::new(optional)),
                PhysicalType::INT64 => Values::Int64(Buffer::new(optional)),
                PhysicalType::DOUBLE => Values::Double(Buffer::new(optional)),
                _ => Values::Text(Buffer::new(optional)),
            };
            columns.push(Column {
                name,
                source,
                values,
            });
            Ok(())
        };
        for name in CSV_COLUMNS {
            let (physical, optional) = match *name {
                "id" => (PhysicalType::BYTE_ARRAY, false),
                "time" => (PhysicalType::INT64, false),
                "decision" => (kind_type(layout.decision), false),
                "ground_truth" => (kind_type(layout.ground_truth), true),
                "score" => (PhysicalType::DOUBLE, true),
                "human_override" => (PhysicalType::BOOLEAN, false),
                _ => (PhysicalType::BYTE_ARRAY, true),
            };
            let source = if *name == "time" {
                Source::Time
            } else {
                Source::Field(name)
            };
            add((*name).to_owned(), source, physical, optional)?;
        }
        for group in &layout.groups {
            add(
                group_column(group),
                Source::Group(group.clone()),
                PhysicalType::BYTE_ARRAY,
                true,
            )?;
        }
        let schema = Type::group_type_builder("decisions")
            .with_fields(fields)
            .build()
            .map_err(|e| StoreError::Export(format!("the Parquet schema: {e}")))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(Default::default()))
            .build();
        let writer = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(properties))
            .map_err(cannot_write)?;
        Ok(ParquetExport {
            writer,
            columns,
            rows: 0,
            bytes: 0,
            row_group_rows,
        })
    }

    /// Adds an event; writes the row group when it is full.
    fn push(&mut self, state: &Value) -> Result<()> {
        for column in &mut self.columns {
            let time;
            let value = match &column.source {
                Source::Field(name) => state.get(*name),
                Source::Group(name) => state.get("groups").and_then(|g| g.get(name)),
                Source::Time => {
                    time = state
                        .get("time")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| Value::from(t.timestamp_micros()));
                    time.as_ref()
                }
            };
            let bytes = column.values.push(value).map_err(|expected| {
                let id = state.get("id").and_then(Value::as_str).unwrap_or("?");
                StoreError::Corrupt(format!(
                    "decision event `{id}`: `{}` must hold {expected}, as in the events read before",
                    column.name
                ))
            })?;
            self.bytes += bytes;
        }
        self.rows += 1;
        if self.rows >= self.row_group_rows || self.bytes >= ROW_GROUP_BYTES {
            self.write_row_group()?;
        }
        Ok(())
    }

    fn write_row_group(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(cannot_write)?;
        for column in &mut self.columns {
            let mut writer = group
                .next_column()
                .map_err(cannot_write)?
                .ok_or_else(|| cannot_write("the schema has fewer columns than the export"))?;
            column.values.write(&mut writer).map_err(cannot_write)?;
            writer.close().map_err(cannot_write)?;
            column.values.clear();
        }
        group.close().map_err(cannot_write)?;
        self.rows = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Writes the last row group and the footer.
    fn finish(mut self) -> Result<()> {
        self.write_row_group()?;
        self.writer.close().map_err(cannot_write)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use serde_json::json;

    use super::*;

    fn layout(events: &[Value]) -> ExportLayout {
        let mut layout = ExportLayout::default();
        events.iter().for_each(|e| layout.observe(e));
        layout
    }

    fn write(events: &[Value], row_group_rows: usize) -> SerializedFileReader<std::fs::File> {
        let mut out = tempfile::tempfile().unwrap();
        let mut file = ParquetExport::new(&mut out, &layout(events), row_group_rows).unwrap();
        for event in events {
            file.push(event).unwrap();
        }
        file.finish().unwrap();
        SerializedFileReader::new(out).unwrap()
    }

    fn rows(reader: &SerializedFileReader<std::fs::File>) -> Vec<parquet::record::Row> {
        let rows = reader.get_row_iter(None).unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    #[test]
    fn columns_are_typed_nullable_and_split_into_row_groups() {
        let events: Vec<Value> = (0..7)
            .map(|i| {
                let mut event = json!({
                    "id": format!("e{i}"), "time": format!("2026-03-01T10:00:0{i}.000001Z"),
                    "decision": i % 2 == 0, "human_override": i == 3,
                    "groups": {"skin_tone": if i < 4 { "light" } else { "dark, \"V\"" }},
                });
                if i != 2 {
                    event["score"] = json!(0.25 * f64::from(i));
                    event["ground_truth"] = json!(i);
                }
                if i == 5 {
                    event["groups"]["region"] = json!("north");
                }
                event
            })
            .collect();
        let reader = write(&events, 3);
        let metadata = reader.metadata();
        assert_eq!(metadata.num_row_groups(), 3);
        let schema = metadata.file_metadata().schema_descr();
        let described: Vec<String> = schema
            .columns()
            .iter()
            .map(|c| {
                format!(
                    "{} {} {:?} {}",
                    c.name(),
                    c.physical_type(),
                    c.logical_type_ref(),
                    c.self_type().is_optional()
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                "id BYTE_ARRAY Some(String) false",
                "time INT64 Some(Timestamp(TimestampType { is_adjusted_to_u_t_c: true, unit: MICROS })) false",
                "model_version BYTE_ARRAY Some(String) true",
                "decision BOOLEAN None false",
                "score DOUBLE None true",
                "ground_truth INT64 None true",
                "human_override BOOLEAN None false",
                "input_ref BYTE_ARRAY Some(String) true",
                "input_hash BYTE_ARRAY Some(String) true",
                "group.region BYTE_ARRAY Some(String) true",
                "group.skin_tone BYTE_ARRAY Some(String) true",
            ]
        );
        let rows = rows(&reader);
        assert_eq!(rows.len(), 7);
        let fields: Vec<(&String, &Field)> = rows[2].get_column_iter().collect();
        assert_eq!(fields[0].1, &Field::Str("e2".into()));
        let micros = DateTime::parse_from_rfc3339("2026-03-01T10:00:02.000001Z")
            .unwrap()
            .timestamp_micros();
        assert_eq!(fields[1].1, &Field::TimestampMicros(micros));
        assert_eq!(fields[4].1, &Field::Null, "no score");
        assert_eq!(fields[5].1, &Field::Null, "no ground truth");
        let fields: Vec<(&String, &Field)> = rows[5].get_column_iter().collect();
        assert_eq!(fields[3].1, &Field::Bool(false));
        assert_eq!(fields[4].1, &Field::Double(1.25));
        assert_eq!(fields[5].1, &Field::Long(5));
        assert_eq!(fields[9].1, &Field::Str("north".into()));
        assert_eq!(fields[10].1, &Field::Str("dark, \"V\"".into()));
    }

    #[test]
    fn values_of_different_types_become_text_as_in_the_csv() {
        let events = [
            json!({"id": "a", "time": "2026-03-01T10:00:00Z", "decision": "approve", "ground_truth": 1, "human_override": false}),
            json!({"id": "b", "time": "2026-03-01T10:00:01Z", "decision": 2.5, "ground_truth": 0.5, "human_override": false}),
        ];
        let layout = layout(&events);
        assert_eq!(
            (layout.decision, layout.ground_truth),
            (ValueKind::Text, ValueKind::Text)
        );
        let rows = rows(&write(&events, 10));
        let decision =
            |row: usize, at: usize| rows[row].get_column_iter().nth(at).unwrap().1.clone();
        assert_eq!(decision(0, 3), Field::Str("approve".into()));
        assert_eq!(decision(1, 3), Field::Str("2.5".into()));
        assert_eq!(decision(0, 5), Field::Str("1".into()));
    }

    #[test]
    fn an_empty_window_is_a_valid_file_with_the_fixed_columns() {
        let reader = write(&[], 10);
        assert_eq!(reader.metadata().num_row_groups(), 0);
        assert_eq!(
            reader
                .metadata()
                .file_metadata()
                .schema_descr()
                .num_columns(),
            CSV_COLUMNS.len()
        );
    }

    #[test]
    fn a_value_that_does_not_fit_its_column_names_the_event() {
        let first = json!({"id": "a", "time": "2026-03-01T10:00:00Z", "decision": true, "human_override": false});
        let mut out = Vec::new();
        let mut file =
            ParquetExport::new(&mut out, &layout(std::slice::from_ref(&first)), 10).unwrap();
        file.push(&first).unwrap();
        let odd = json!({"id": "b", "time": "2026-03-01T10:00:00Z", "decision": "yes", "human_override": false});
        let err = file.push(&odd).unwrap_err().to_string();
        assert!(
            err.contains("decision event `b`: `decision` must hold true or false"),
            "{err}"
        );
    }
}

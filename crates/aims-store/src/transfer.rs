//! Export and import of a whole installation: every organisation, user and record, in a
//! documented, versioned JSON Lines format (see `docs/export-format.md`). This is how an
//! installation moves from SQLite to PostgreSQL and back.

use std::io::{BufRead, Write};

use sea_query::{Expr, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Store;
use crate::db::{Engine, format_timestamp};
use crate::error::{Result, StoreError};
use crate::rows;
use crate::schema::{self, exported_tables};

pub const EXPORT_FORMAT: &str = "aims-export";
pub const EXPORT_VERSION: i64 = 2;
/// Version 1 predates the ledger: its change log carries `state_sha256` instead of the
/// chain's hashes, and an import chains it.
const EXPORT_VERSION_BEFORE_LEDGER: i64 = 1;

/// Rows are read from the database in pages of this size, so memory stays flat.
const PAGE: u64 = 2_000;

/// The first line of an export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub format: String,
    pub version: i64,
    pub exported_at: String,
    pub aims_version: String,
    pub schema_version: i64,
    pub source_engine: String,
}

/// Every other line: one row of one table.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportLine {
    table: String,
    row: Map<String, Value>,
}

/// How many rows an export or import carried, per table, in table order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TransferSummary {
    pub tables: Vec<(String, u64)>,
}

impl TransferSummary {
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, table: &str) {
        match self.tables.iter_mut().find(|(t, _)| t == table) {
            Some((_, n)) => *n += 1,
            None => self.tables.push((table.to_owned(), 1)),
        }
    }
}

impl Store {
    /// Writes the whole installation to `out`, read in one snapshot.
    pub async fn export_all(&self, out: &mut impl Write) -> Result<TransferSummary> {
        let io = |e: std::io::Error| StoreError::Import(format!("cannot write the export: {e}"));
        let header = ExportHeader {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            exported_at: format_timestamp(self.now()),
            aims_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: crate::migrate::latest_version(),
            source_engine: self.engine().name().into(),
        };
        write_line(out, &header).map_err(io)?;
        let mut summary = TransferSummary::default();
        let mut tx = self.pool.read().await?;
        for table in exported_tables() {
            summary.tables.push((table.name.to_owned(), 0));
            let mut offset = 0;
            loop {
                let mut stmt = rows::select(table.name, &table.columns);
                for key in table.order_by {
                    stmt.order_by((table.name, *key), Order::Asc);
                }
                stmt.limit(PAGE).offset(offset);
                let page = tx.fetch(&stmt, &table.columns).await?;
                for row in &page {
                    write_line(
                        out,
                        &ExportLine {
                            table: table.name.to_owned(),
                            row: row.clone(),
                        },
                    )
                    .map_err(io)?;
                    summary.add(table.name);
                }
                if (page.len() as u64) < PAGE {
                    break;
                }
                offset += PAGE;
            }
        }
        out.flush().map_err(io)?;
        Ok(summary)
    }

    /// Loads an export into this installation, which must be empty. Everything is loaded
    /// in one transaction: on any error nothing is stored, and the error names the line.
    pub async fn import_all(&self, input: impl BufRead) -> Result<TransferSummary> {
        if !self.is_empty().await? {
            return Err(StoreError::Import("the target database is not empty: import needs a fresh installation (run it before `aims init`)".into()));
        }
        let mut lines = input.lines();
        let first = lines
            .next()
            .ok_or_else(|| {
                StoreError::Import("line 1: the file is empty; expected an aims export".into())
            })?
            .map_err(|e| StoreError::Import(format!("line 1: cannot read: {e}")))?;
        let header: ExportHeader = serde_json::from_str(&first)
            .map_err(|e| StoreError::Import(format!("line 1: not an aims export header: {e}")))?;
        if header.format != EXPORT_FORMAT {
            return Err(StoreError::Import(format!(
                "line 1: format is `{}`, expected `{EXPORT_FORMAT}`",
                header.format
            )));
        }
        if header.version != EXPORT_VERSION && header.version != EXPORT_VERSION_BEFORE_LEDGER {
            return Err(StoreError::Import(format!(
                "line 1: export format version {} is not supported; this aims reads versions {EXPORT_VERSION_BEFORE_LEDGER} and {EXPORT_VERSION}",
                header.version
            )));
        }

        let mut summary = TransferSummary::default();
        let mut tx = self.pool.write().await?;
        for (index, line) in lines.enumerate() {
            let number = index + 2;
            let at = |message: String| StoreError::Import(format!("line {number}: {message}"));
            let line = line.map_err(|e| at(format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let ExportLine { table, mut row } = serde_json::from_str(&line).map_err(|e| {
                at(format!(
                    "expected {{\"table\": ..., \"row\": {{...}}}}: {e}"
                ))
            })?;
            if header.version == EXPORT_VERSION_BEFORE_LEDGER && table == "changes" {
                row.remove("state_sha256");
            }
            if header.schema_version < crate::migrate::DECISION_HASHES_VERSION
                && table == "decisions"
            {
                // Kept before as a column of its own; it is the entry hash of the row before.
                row.remove("prev_entry_hash");
            }
            let def = exported_tables()
                .find(|t| t.name == table)
                .ok_or_else(|| at(format!("unknown table `{table}`")))?;
            rows::insert(&mut tx, def, &row)
                .await
                .map_err(|e| match e {
                    StoreError::Import(message) => at(message),
                    StoreError::Database(db) => at(format!("table {table}: {db}")),
                    other => other,
                })?;
            summary.add(&table);
        }
        if tx.engine() == Engine::Postgres {
            // Identity columns do not advance on explicit values; move them past the imported ones.
            tx.raw("SELECT setval(pg_get_serial_sequence('changes', 'seq'), COALESCE((SELECT MAX(seq) FROM changes), 0) + 1, false)".into()).await?;
        }
        if header.version == EXPORT_VERSION_BEFORE_LEDGER {
            crate::ledger::chain_all(&mut tx).await?;
        } else {
            crate::ledger::adopt_chain(&mut tx).await.map_err(|e| {
                StoreError::Import(format!(
                    "the change log of this export does not verify: {e}"
                ))
            })?;
        }
        crate::decisions::adopt_chains(&mut tx).await?;
        crate::inventory::recount(&mut tx).await?;
        // Fresh statistics, so the first queries on the loaded data pick the right indexes.
        tx.raw("ANALYZE".into()).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Row counts of every exported table, for checks after a move.
    pub async fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let mut tx = self.pool.read().await?;
        let mut out = Vec::new();
        for table in schema::tables() {
            let mut stmt = Query::select();
            stmt.from(table.name).expr(Expr::cust("COUNT(*)"));
            out.push((table.name.to_owned(), tx.fetch_i64(&stmt).await?));
        }
        Ok(out)
    }
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

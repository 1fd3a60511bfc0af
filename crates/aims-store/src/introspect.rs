//! What the database says its schema is, normalised so that SQLite and PostgreSQL can be
//! compared column by column. Used by the schema tests and by `aims doctor`-style checks.

use crate::Store;
use crate::db::Engine;
use crate::error::Result;
use crate::schema::{ColType, Column};

/// One column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub table: String,
    pub column: String,
    /// `text`, `integer`, `boolean`, `timestamp`, `date` or `bytes`; anything else as the
    /// engine names it.
    pub ty: String,
    pub nullable: bool,
}

const SQLITE: &str = "SELECT m.name, p.name, lower(p.type), CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END
    FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";
const POSTGRES: &str = "SELECT table_name::text, column_name::text, data_type::text, CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END::bigint
    FROM information_schema.columns WHERE table_schema = current_schema()";

impl Store {
    /// Every column of every table, sorted, with types normalised across engines.
    pub async fn describe_schema(&self) -> Result<Vec<ColumnInfo>> {
        let text = |name| Column {
            name,
            ty: ColType::Text,
            nullable: false,
        };
        let columns = [
            text("table"),
            text("column"),
            text("type"),
            Column {
                name: "nullable",
                ty: ColType::Int,
                nullable: false,
            },
        ];
        let mut tx = self.pool.read().await?;
        let sql = match self.engine() {
            Engine::Sqlite => SQLITE,
            Engine::Postgres => POSTGRES,
        };
        let mut out: Vec<ColumnInfo> = tx
            .fetch_raw(sql, &columns)
            .await?
            .into_iter()
            .map(|row| ColumnInfo {
                table: row["table"].as_str().unwrap_or_default().to_owned(),
                column: row["column"].as_str().unwrap_or_default().to_owned(),
                ty: normalise(row["type"].as_str().unwrap_or_default()),
                nullable: row["nullable"] == 1,
            })
            .collect();
        out.sort();
        Ok(out)
    }
}

fn normalise(ty: &str) -> String {
    match ty {
        "text" => "text",
        "bigint" | "integer" => "integer",
        "boolean" => "boolean",
        "timestamp" | "timestamp with time zone" | "timestamptz" => "timestamp",
        "date" => "date",
        "blob" | "bytea" => "bytes",
        other => other,
    }
    .to_owned()
}

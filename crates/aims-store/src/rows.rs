//! Row-level helpers over the table descriptors: insert a JSON object as a row, select
//! described columns. Every write of the store goes through these, so value conversion
//! and column naming live in one place.

use sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use serde_json::{Map, Value};

use crate::db::{Tx, to_sql_value};
use crate::error::{Result, StoreError};
use crate::schema::{Column, TableDef};

/// Inserts `row` into `table`. Columns missing from `row` are left to the database
/// (an identity column); a value that does not fit its column is an error naming both.
pub(crate) async fn insert(tx: &mut Tx, table: &TableDef, row: &Map<String, Value>) -> Result<()> {
    for key in row.keys() {
        if table.column(key).is_none() {
            return Err(StoreError::Import(format!(
                "table {} has no column `{key}`",
                table.name
            )));
        }
    }
    let mut columns = Vec::with_capacity(row.len());
    let mut values = Vec::with_capacity(row.len());
    for column in &table.columns {
        match row.get(column.name) {
            Some(value) => {
                columns.push(column.name);
                values.push(
                    to_sql_value(column, value)
                        .map_err(|e| StoreError::Import(format!("table {}: {e}", table.name)))?
                        .into(),
                );
            }
            None if column.nullable || column.name == "seq" => {}
            None => {
                return Err(StoreError::Import(format!(
                    "table {}: column `{}` is missing",
                    table.name, column.name
                )));
            }
        }
    }
    let mut stmt = Query::insert();
    stmt.into_table(table.name).columns(columns);
    stmt.values(values)
        .map_err(|e| StoreError::Import(format!("table {}: {e}", table.name)))?;
    tx.execute(&stmt).await?;
    Ok(())
}

/// `SELECT <columns> FROM <table>`, ready for conditions.
pub(crate) fn select(table: &'static str, columns: &[Column]) -> SelectStatement {
    let mut stmt = Query::select();
    stmt.from(table)
        .columns(columns.iter().map(|c| (table, c.name)));
    stmt
}

/// `table.column = value`.
pub(crate) fn eq(
    table: &'static str,
    column: &'static str,
    value: impl Into<sea_query::Value>,
) -> SimpleExpr {
    Expr::col((table, column)).eq(Expr::val(value))
}

/// Takes a string field out of a decoded row.
pub(crate) fn take_string(row: &mut Map<String, Value>, key: &str) -> Result<String> {
    match row.remove(key) {
        Some(Value::String(s)) => Ok(s),
        other => Err(StoreError::Corrupt(format!(
            "column {key}: expected text, got {other:?}"
        ))),
    }
}

/// Decodes a row into a type, naming the type when stored data does not fit it.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    row: Map<String, Value>,
    what: &str,
) -> Result<T> {
    serde_json::from_value(Value::Object(row))
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// One row of an organisation's table, by id.
pub(crate) async fn fetch_in(
    tx: &mut Tx,
    table: &'static TableDef,
    organisation_id: uuid::Uuid,
    id: &str,
) -> Result<Option<Map<String, Value>>> {
    let mut stmt = select(table.name, &table.columns);
    stmt.and_where(eq(table.name, "id", id.to_owned()))
        .and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ));
    tx.fetch_optional(&stmt, &table.columns).await
}

/// Sets some columns of a row, moves it to its next revision and stamps who changed it and
/// when. The caller has checked the revision it read, in the same transaction.
pub(crate) async fn update_revision(
    tx: &mut Tx,
    table: &'static TableDef,
    id: &str,
    actor: &crate::changes::Actor,
    now: chrono::DateTime<chrono::Utc>,
    values: &Map<String, Value>,
) -> Result<()> {
    let mut stmt = Query::update();
    stmt.table(table.name);
    for (name, value) in values {
        let column = table
            .column(name)
            .ok_or_else(|| StoreError::Corrupt(format!("no column for field {name}")))?;
        stmt.value(
            column.name,
            to_sql_value(column, value).map_err(StoreError::Corrupt)?,
        );
    }
    stmt.value("revision", Expr::col("revision").add(1))
        .value("updated_at", now)
        .value("updated_by", actor.label.as_str())
        .and_where(eq(table.name, "id", id.to_owned()));
    tx.execute(&stmt).await?;
    Ok(())
}

/// Logs a row exactly as it reads back after a write (the state `aims verify` compares
/// with), and returns it decoded as `T`.
#[allow(clippy::too_many_arguments)] // the entry's columns
pub(crate) async fn log_row<T: serde::de::DeserializeOwned>(
    tx: &mut Tx,
    table: &'static TableDef,
    now: chrono::DateTime<chrono::Utc>,
    organisation_id: uuid::Uuid,
    actor: &crate::changes::Actor,
    action: crate::changes::Action,
    kind: &str,
    id: &str,
) -> Result<T> {
    let row = fetch_in(tx, table, organisation_id, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("{kind} {id} vanished after writing")))?;
    crate::changes::record(
        tx,
        now,
        Some(organisation_id),
        actor,
        action,
        kind,
        id,
        &Value::Object(row.clone()),
    )
    .await?;
    decode(row, kind)
}

/// A record of an organisation's table, decoded as `T`, if it is still at the revision the
/// caller read; else a conflict carrying the record as it is now.
pub(crate) async fn at_revision<T: serde::de::DeserializeOwned>(
    tx: &mut Tx,
    table: &'static TableDef,
    organisation_id: uuid::Uuid,
    id: uuid::Uuid,
    expected_revision: i64,
    kind: &'static str,
) -> Result<T> {
    let row = fetch_in(tx, table, organisation_id, &id.to_string())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            kind,
            id: id.to_string(),
        })?;
    let revision = row.get("revision").and_then(Value::as_i64).unwrap_or(0);
    if revision != expected_revision {
        return Err(StoreError::Conflict {
            revision,
            current: Value::Object(row),
        });
    }
    decode(row, kind)
}

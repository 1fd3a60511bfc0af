//! The two engines behind one interface. Queries are built once with sea-query and
//! rendered per engine here; this file and the migrations are the only places that know
//! which engine is in use.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, Value as SqlValue};
use sea_query_sqlx::SqlxBinder;
use serde_json::{Map, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ColumnIndex, Decode, Postgres, Row, Sqlite, Transaction, Type};

use crate::error::{Result, StoreError};
use crate::schema::{ColType, Column};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A database URL with any password masked, safe for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Pool {
    pub(crate) async fn connect(url: &str) -> Result<Pool> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Self::connect_sqlite(path).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await
        } else {
            Err(StoreError::Open(format!(
                "unsupported database URL `{}`: expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
                redact_url(url)
            )))
        }
    }

    async fn connect_sqlite(path: &str) -> Result<Pool> {
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(StoreError::Open(
                "SQLite URL names no file: expected sqlite://PATH".into(),
            ));
        }
        let file = std::path::Path::new(path);
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Open(format!(
                    "cannot create the database directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged write survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot open the SQLite database {}: {e}",
                    file.display()
                ))
            })?;
        Ok(Pool::Sqlite(pool))
    }

    async fn connect_postgres(url: &str) -> Result<Pool> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!("invalid PostgreSQL URL `{}`: {e}", redact_url(url)))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Open(format!(
                    "cannot reach PostgreSQL at {}: {e}",
                    redact_url(url)
                ))
            })?;
        Ok(Pool::Postgres(pool))
    }

    pub(crate) fn engine(&self) -> Engine {
        match self {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// A transaction for reading: a consistent snapshot, so a page and its total agree.
    pub(crate) async fn read(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read transaction that sees one snapshot throughout, for reads that span many
    /// statements and must agree with each other (verification, exports). SQLite's read
    /// transactions already do; PostgreSQL needs REPEATABLE READ.
    pub(crate) async fn snapshot(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
    }

    /// A transaction for writing. SQLite takes the write lock up front (`BEGIN IMMEDIATE`)
    /// so that two writers queue on the busy timeout instead of failing on lock upgrade.
    pub(crate) async fn write(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash,
/// prev_entry_hash, entry_hash, state.
pub(crate) type DecisionRow = (
    i64,
    DateTime<Utc>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Runs an insert, update or delete; returns the number of rows it touched.
    pub(crate) async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
        })
    }

    /// Runs a select and decodes each row into a JSON object by the column descriptors,
    /// which must name the selected columns in order.
    pub(crate) async fn fetch<S: SqlxBinder>(
        &mut self,
        stmt: &S,
        columns: &[Column],
    ) -> Result<Vec<Map<String, Value>>> {
        match self {
            Tx::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let rows: Vec<SqliteRow> = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(|r| decode_row(r, columns)).collect()
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                let rows: Vec<PgRow> = sqlx::query_with(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(|r| decode_row(r, columns)).collect()
            }
        }
    }

    pub(crate) async fn fetch_optional<S: SqlxBinder>(
        &mut self,
        stmt: &S,
        columns: &[Column],
    ) -> Result<Option<Map<String, Value>>> {
        Ok(self.fetch(stmt, columns).await?.into_iter().next())
    }

    /// Runs a select of one integer (a count, a sequence number).
    pub(crate) async fn fetch_i64<S: SqlxBinder>(&mut self, stmt: &S) -> Result<i64> {
        Ok(match self {
            Tx::Sqlite(tx) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), values)
                    .fetch_one(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), values)
                    .fetch_one(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs a fixed select (catalogue queries that differ per engine) and decodes it by `columns`.
    pub(crate) async fn fetch_raw(
        &mut self,
        sql: &'static str,
        columns: &[Column],
    ) -> Result<Vec<Map<String, Value>>> {
        match self {
            Tx::Sqlite(tx) => sqlx::query(sql)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode_row(r, columns))
                .collect(),
            Tx::Postgres(tx) => sqlx::query(sql)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode_row(r, columns))
                .collect(),
        }
    }

    /// A page of one system's decision log in seq order, decoded straight into tuples:
    /// verification reads every entry, and a JSON map per row would cost more than the
    /// hashing it serves.
    pub(crate) async fn decision_entries(
        &mut self,
        system_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<DecisionRow>> {
        const SQLITE: &str = "SELECT seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash, prev_entry_hash, entry_hash, state FROM decisions WHERE system_id = ? AND seq > ? ORDER BY seq LIMIT ?";
        const POSTGRES: &str = "SELECT seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash, prev_entry_hash, entry_hash, state FROM decisions WHERE system_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
        Ok(match self {
            Tx::Sqlite(tx) => {
                sqlx::query_as(SQLITE)
                    .bind(system_id)
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                sqlx::query_as(POSTGRES)
                    .bind(system_id)
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs SQL text as it is (migrations, engine-specific maintenance).
    pub(crate) async fn raw(&mut self, sql: String) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }
}

fn decode_row<R>(row: &R, columns: &[Column]) -> Result<Map<String, Value>>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut map = Map::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let corrupt = |e: sqlx::Error| StoreError::Corrupt(format!("column {}: {e}", column.name));
        let value = match column.ty {
            ColType::Text => row
                .try_get::<Option<String>, _>(i)
                .map_err(corrupt)?
                .map(Value::String),
            ColType::Int => row
                .try_get::<Option<i64>, _>(i)
                .map_err(corrupt)?
                .map(Value::from),
            ColType::Bool => row
                .try_get::<Option<bool>, _>(i)
                .map_err(corrupt)?
                .map(Value::Bool),
            ColType::Timestamp => row
                .try_get::<Option<DateTime<Utc>>, _>(i)
                .map_err(corrupt)?
                .map(|t| Value::String(format_timestamp(t))),
            ColType::Date => row
                .try_get::<Option<NaiveDate>, _>(i)
                .map_err(corrupt)?
                .map(|d| Value::String(d.to_string())),
            ColType::Json => match row.try_get::<Option<String>, _>(i).map_err(corrupt)? {
                Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                    StoreError::Corrupt(format!("column {} holds invalid JSON: {e}", column.name))
                })?),
                None => None,
            },
        };
        map.insert(column.name.to_owned(), value.unwrap_or(Value::Null));
    }
    Ok(map)
}

/// The one text form of a timestamp in exports and API answers: RFC 3339, UTC, microseconds.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Converts a JSON value to the SQL value of a column, naming the column when it does not fit.
pub(crate) fn to_sql_value(column: &Column, value: &Value) -> Result<SqlValue, String> {
    if value.is_null() {
        if !column.nullable {
            return Err(format!("{} must not be null", column.name));
        }
        return Ok(match column.ty {
            ColType::Text | ColType::Json => SqlValue::String(None),
            ColType::Int => SqlValue::BigInt(None),
            ColType::Bool => SqlValue::Bool(None),
            ColType::Timestamp => SqlValue::ChronoDateTimeUtc(None),
            ColType::Date => SqlValue::ChronoDate(None),
        });
    }
    let expected = |what: &str| format!("{} must be {what}, got {value}", column.name);
    Ok(match column.ty {
        ColType::Text => SqlValue::String(Some(
            value
                .as_str()
                .ok_or_else(|| expected("a string"))?
                .to_owned(),
        )),
        ColType::Json => SqlValue::String(Some(value.to_string())),
        ColType::Int => {
            SqlValue::BigInt(Some(value.as_i64().ok_or_else(|| expected("an integer"))?))
        }
        ColType::Bool => SqlValue::Bool(Some(
            value.as_bool().ok_or_else(|| expected("true or false"))?,
        )),
        ColType::Timestamp => {
            let text = value
                .as_str()
                .ok_or_else(|| expected("an RFC 3339 timestamp"))?;
            let t = DateTime::parse_from_rfc3339(text)
                .map_err(|_| expected("an RFC 3339 timestamp"))?;
            SqlValue::ChronoDateTimeUtc(Some(t.with_timezone(&Utc)))
        }
        ColType::Date => {
            let text = value
                .as_str()
                .ok_or_else(|| expected("a date YYYY-MM-DD"))?;
            SqlValue::ChronoDate(Some(
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| expected("a date YYYY-MM-DD"))?,
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://aims:s3cret@db:5432/aims"),
            "postgres://aims:***@db:5432/aims"
        );
        assert_eq!(
            redact_url("postgres://aims@db/aims"),
            "postgres://aims@db/aims"
        );
        assert_eq!(
            redact_url("sqlite://./aims-data/aims.db"),
            "sqlite://./aims-data/aims.db"
        );
    }

    #[test]
    fn json_to_sql_names_the_column() {
        let column = Column {
            name: "collection_start",
            ty: ColType::Date,
            nullable: false,
        };
        let err = to_sql_value(&column, &Value::String("May 2024".into())).unwrap_err();
        assert_eq!(
            err,
            "collection_start must be a date YYYY-MM-DD, got \"May 2024\""
        );
        assert!(
            to_sql_value(&column, &Value::Null)
                .unwrap_err()
                .contains("must not be null")
        );
    }
}

//! The two engines behind one interface. Queries are built once with sea-query and
//! rendered per engine here; this file and the migrations are the only places that know
//! which engine is in use.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use aims_ledger::Hash;
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
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Result, StoreError};
use crate::schema::{ColType, Column};

mod sqlite_direct;
mod sqlite_writer;

pub(crate) use sqlite_direct::DirectTx;
pub(crate) use sqlite_writer::LazyWriter;

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
    /// SQLite takes one writer at a time; the mutex queues this process's writers in
    /// order, instead of each polling the database lock on the busy timeout. Batches of
    /// decision events are written by the [`LazyWriter`]'s thread, started by the first
    /// batch, which takes its turn at the mutex.
    Sqlite(SqlitePool, Arc<Mutex<()>>, Arc<LazyWriter>),
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
        let turn = Arc::new(Mutex::new(()));
        let writer = Arc::new(LazyWriter::new(file, turn.clone()));
        Ok(Pool::Sqlite(pool, turn, writer))
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
            Pool::Sqlite(..) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// A transaction for reading: a consistent snapshot, so a page and its total agree.
    pub(crate) async fn read(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p, ..) => Tx::Sqlite(p.begin().await?, None),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read transaction that sees one snapshot throughout, for reads that span many
    /// statements and must agree with each other (verification, exports). SQLite's read
    /// transactions already do; PostgreSQL needs REPEATABLE READ.
    pub(crate) async fn snapshot(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p, ..) => Tx::Sqlite(p.begin().await?, None),
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
            Pool::Sqlite(p, turn, _) => {
                let turn = turn.clone().lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// SQLite's own writer thread for decision batches; none on PostgreSQL.
    pub(crate) fn decision_writer(&self) -> Option<&LazyWriter> {
        match self {
            Pool::Sqlite(_, _, writer) => Some(writer),
            Pool::Postgres(_) => None,
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p, _, writer) => {
                writer.stop().await;
                p.close().await
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// One entry of a decision log as stored, with its time already in the ledger's form.
/// A hash column that holds no hash reads as `None`, so that verification reports the
/// entry as edited rather than the database as unreadable. The previous entry's hash is
/// not stored: it is the entry hash of the row before.
pub(crate) struct DecisionRow {
    pub seq: i64,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub event_id: String,
    pub new_state_hash: Option<Hash>,
    pub prev_state_hash: Option<Hash>,
    pub entry_hash: Option<Hash>,
    pub state: String,
}

/// A stored hash column's value, if it holds a hash (32 bytes).
pub(crate) fn stored_hash(bytes: Option<&[u8]>) -> Option<Hash> {
    bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()).map(Hash)
}

/// One entry of a decision log to store.
pub(crate) struct NewDecisionRow<'a> {
    pub system_id: &'a str,
    pub seq: i64,
    pub organisation_id: &'a str,
    pub action: &'static str,
    pub event_id: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: &'a str,
    pub state: &'a str,
    pub new_state_hash: Option<Hash>,
    pub prev_state_hash: Option<Hash>,
    pub entry_hash: Hash,
}

/// Rows per INSERT statement on PostgreSQL: 12 values each stays well under its limit on
/// bound parameters, and few statements per batch keep the per-statement cost low.
const DECISIONS_PER_INSERT: usize = 500;

pub(crate) enum Tx {
    /// A transaction and, for a writer, its turn at the writer mutex.
    Sqlite(Transaction<'static, Sqlite>, Option<OwnedMutexGuard<()>>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(..) => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx, turn) => {
                tx.commit().await?;
                // The next writer may start only once this one's commit is durable.
                drop(turn);
            }
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Runs an insert, update or delete; returns the number of rows it touched.
    pub(crate) async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
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
            Tx::Sqlite(tx, _) => {
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
            Tx::Sqlite(tx, _) => {
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
            Tx::Sqlite(tx, _) => sqlx::query(sql)
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

    /// Stores entries of decision logs.
    pub(crate) async fn insert_decisions(&mut self, rows: &[NewDecisionRow<'_>]) -> Result<()> {
        match self {
            Tx::Sqlite(tx, _) => {
                sqlite_direct::with_handle(tx, |c| sqlite_direct::insert_decisions(c, rows)).await
            }
            Tx::Postgres(_) => {
                for chunk in rows.chunks(DECISIONS_PER_INSERT) {
                    let mut stmt = sea_query::Query::insert();
                    stmt.into_table("decisions").columns([
                        "system_id",
                        "seq",
                        "organisation_id",
                        "action",
                        "event_id",
                        "occurred_at",
                        "recorded_at",
                        "actor",
                        "state",
                        "new_state_hash",
                        "prev_state_hash",
                        "entry_hash",
                    ]);
                    for row in chunk {
                        stmt.values([
                            row.system_id.into(),
                            row.seq.into(),
                            row.organisation_id.into(),
                            row.action.into(),
                            row.event_id.into(),
                            row.occurred_at.into(),
                            row.recorded_at.into(),
                            row.actor.into(),
                            row.state.into(),
                            row.new_state_hash.map(|h| h.0.to_vec()).into(),
                            row.prev_state_hash.map(|h| h.0.to_vec()).into(),
                            row.entry_hash.0.to_vec().into(),
                        ])
                        .map_err(|e| StoreError::Corrupt(format!("decision row: {e}")))?;
                    }
                    self.execute(&stmt).await?;
                }
                Ok(())
            }
        }
    }

    /// Reads one system's decision log in seq order and hands each entry to `consume` on
    /// another thread than the one reading, so reading and hashing each take a core.
    /// Stops early when `consume` returns `false`; returns `state` as `consume` left it.
    pub(crate) async fn scan_decisions<S, F>(
        &mut self,
        system_id: &str,
        state: S,
        consume: F,
    ) -> Result<S>
    where
        S: Send + 'static,
        F: FnMut(&mut S, &DecisionRow) -> Result<bool> + Send + 'static,
    {
        match self {
            Tx::Sqlite(tx, _) => {
                sqlite_direct::with_handle(tx, |c| {
                    sqlite_direct::scan_decisions(c, system_id, state, consume)
                })
                .await
            }
            Tx::Postgres(tx) => scan_decisions_postgres(tx, system_id, state, consume).await,
        }
    }

    /// Runs SQL text as it is (migrations, engine-specific maintenance).
    pub(crate) async fn raw(&mut self, sql: String) -> Result<()> {
        match self {
            Tx::Sqlite(tx, _) => {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }
}

/// [`Tx::scan_decisions`] on PostgreSQL: pages of rows, each handed to a blocking thread
/// while the next is read.
///
/// A page is a range of seqs, not "the next N after": right after a bulk ingest, before
/// the table's statistics catch up, PostgreSQL plans `seq > $2 ORDER BY seq LIMIT N` as a
/// scan of every later row and a sort on disk, so reading a log took time growing with the
/// square of its length. A bounded range costs at most a page whatever the plan. A range
/// with no rows (entries deleted) jumps to the next seq there is.
async fn scan_decisions_postgres<S, F>(
    tx: &mut Transaction<'static, Postgres>,
    system_id: &str,
    state: S,
    consume: F,
) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &DecisionRow) -> Result<bool> + Send + 'static,
{
    const PAGE: i64 = 20_000;
    const SELECT: &str = "SELECT seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash, entry_hash, state FROM decisions WHERE system_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq";
    const NEXT: &str = "SELECT min(seq) FROM decisions WHERE system_id = $1 AND seq > $2";
    type Stored = (
        i64,
        DateTime<Utc>,
        String,
        String,
        String,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        String,
    );
    async fn range(
        tx: &mut Transaction<'static, Postgres>,
        system_id: &str,
        after: i64,
    ) -> Result<Vec<Stored>> {
        Ok(sqlx::query_as(SELECT)
            .bind(system_id)
            .bind(after)
            .bind(after.saturating_add(PAGE))
            .fetch_all(&mut **tx)
            .await?)
    }
    type Task<S, F> = tokio::task::JoinHandle<(S, F, Result<bool>)>;
    async fn join<S, F>(task: Task<S, F>) -> Result<(S, F, bool)> {
        let (state, consume, go_on) = task
            .await
            .map_err(|e| StoreError::Corrupt(format!("verification task failed: {e}")))?;
        Ok((state, consume, go_on?))
    }
    let mut idle = Some((state, consume));
    let mut running: Option<Task<S, F>> = None;
    let mut after = 0i64;
    loop {
        let mut page = range(tx, system_id, after).await?;
        if page.is_empty() {
            let next: Option<i64> = sqlx::query_scalar(NEXT)
                .bind(system_id)
                .bind(after)
                .fetch_one(&mut **tx)
                .await?;
            if let Some(next) = next {
                after = next - 1;
                page = range(tx, system_id, after).await?;
            }
        }
        if let Some(task) = running.take() {
            let (state, consume, go_on) = join(task).await?;
            if !go_on {
                return Ok(state);
            }
            idle = Some((state, consume));
        }
        let Some((mut state, mut consume)) = idle.take() else {
            return Err(StoreError::Corrupt("verification lost its state".into()));
        };
        if page.is_empty() {
            return Ok(state);
        }
        after = after.saturating_add(PAGE);
        running = Some(tokio::task::spawn_blocking(move || {
            for stored in page {
                let row = DecisionRow {
                    seq: stored.0,
                    time: format_timestamp(stored.1),
                    actor: stored.2,
                    action: stored.3,
                    event_id: stored.4,
                    new_state_hash: stored_hash(stored.5.as_deref()),
                    prev_state_hash: stored_hash(stored.6.as_deref()),
                    entry_hash: stored_hash(stored.7.as_deref()),
                    state: stored.8,
                };
                match consume(&mut state, &row) {
                    Ok(true) => {}
                    other => return (state, consume, other),
                }
            }
            (state, consume, Ok(true))
        }));
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
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
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
            ColType::Hash => row
                .try_get::<Option<Vec<u8>>, _>(i)
                .map_err(corrupt)?
                .map(|bytes| Value::String(aims_ledger::encode_hex(&bytes))),
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
            ColType::Hash => SqlValue::Bytes(None),
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
        ColType::Hash => SqlValue::Bytes(Some(
            value
                .as_str()
                .and_then(|text| aims_ledger::decode_hex(text).ok())
                .ok_or_else(|| expected("a hash in hex digits"))?,
        )),
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

//! Storage of aims: one schema, one set of queries, for SQLite (the embedded default) and
//! PostgreSQL (the scale-out path).
//!
//! Queries are built with sea-query and rendered for the engine in use; only the
//! migrations and a few catalogue queries are written per engine. Every write runs in a
//! transaction that also appends its entry to the change log (see [`changes`]), so no
//! write can skip it.

mod accounts;
mod assessments;
pub mod changes;
mod classification;
mod db;
pub mod decisions;
mod error;
mod evaluations;
mod introspect;
mod inventory;
mod ledger;
mod migrate;
mod risks;
mod rows;
pub mod schema;
mod soa;
mod transfer;
mod verify;

use chrono::{DateTime, SubsecRound, Utc};

pub use accounts::{
    Credentials, MemberUpdate, NewSession, NewToken, NewUser, Principal, SessionAuth, TokenAuth,
};
pub use assessments::AssessmentContent;
pub use changes::Actor;
pub use classification::CLASSIFICATION_KIND;
pub use db::{Engine, format_timestamp, redact_url};
pub use error::{Result, StoreError};
pub use introspect::ColumnInfo;
pub use migrate::latest_version;
pub use risks::StoredCriteria;
pub use soa::ItemUpdate;
pub use transfer::{EXPORT_FORMAT, EXPORT_VERSION, ExportHeader, TransferSummary};
pub use verify::{LedgerFailure, LedgerReport, Problem};

/// The storage of one installation. Cheap to clone: clones share the connection pool.
#[derive(Clone)]
pub struct Store {
    pool: db::Pool,
}

impl Store {
    /// Opens (creating when needed) the database at `url` and brings its schema up to date.
    /// `url` is `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
    pub async fn open(url: &str) -> Result<Store> {
        let pool = db::Pool::connect(url).await?;
        migrate::run(&pool).await?;
        let store = Store { pool };
        store.optimize().await?;
        Ok(store)
    }

    /// Refreshes the query planner's statistics where they are stale, so that filters on
    /// selective columns use their indexes. Cheap; run at start and periodically.
    pub async fn optimize(&self) -> Result<()> {
        let mut tx = self.pool.write().await?;
        match self.engine() {
            // 0x10002: look at every table, analysing only those whose statistics are stale,
            // each on a bounded sample.
            Engine::Sqlite => {
                tx.raw("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002".into())
                    .await?
            }
            // Autovacuum keeps statistics on PostgreSQL; nothing to do between imports.
            Engine::Postgres => {}
        }
        tx.commit().await
    }

    pub fn engine(&self) -> Engine {
        self.pool.engine()
    }

    /// Whether the database answers; for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        let mut tx = self.pool.read().await?;
        let mut stmt = sea_query::Query::select();
        stmt.expr(sea_query::Expr::val(1i64));
        tx.fetch_i64(&stmt).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The current time at the precision both engines keep (microseconds), so a value
    /// reads back exactly as it was written on either engine.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

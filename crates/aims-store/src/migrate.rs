//! Schema migrations for both engines, applied in order inside one transaction.
//!
//! Each migration exists once per engine and is recorded with a checksum; a migration
//! changed after it was applied stops the start instead of silently diverging.

use sea_query::{Expr, Query};
use sha2::{Digest, Sha256};

use crate::db::{Engine, Pool};
use crate::error::{Result, StoreError};
use crate::schema::{ColType, Column};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0002_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        name: "decisions",
        sqlite: include_str!("../migrations/sqlite/0003_decisions.sql"),
        postgres: include_str!("../migrations/postgres/0003_decisions.sql"),
    },
    Migration {
        version: 4,
        name: "soa",
        sqlite: include_str!("../migrations/sqlite/0004_soa.sql"),
        postgres: include_str!("../migrations/postgres/0004_soa.sql"),
    },
    Migration {
        version: 5,
        name: "risks",
        sqlite: include_str!("../migrations/sqlite/0005_risks.sql"),
        postgres: include_str!("../migrations/postgres/0005_risks.sql"),
    },
    Migration {
        version: 6,
        name: "eu_ai_act_classifications",
        sqlite: include_str!("../migrations/sqlite/0006_eu_ai_act_classifications.sql"),
        postgres: include_str!("../migrations/postgres/0006_eu_ai_act_classifications.sql"),
    },
    Migration {
        version: 7,
        name: "impact_assessments",
        sqlite: include_str!("../migrations/sqlite/0007_impact_assessments.sql"),
        postgres: include_str!("../migrations/postgres/0007_impact_assessments.sql"),
    },
    Migration {
        version: 8,
        name: "evaluations",
        sqlite: include_str!("../migrations/sqlite/0008_evaluations.sql"),
        postgres: include_str!("../migrations/postgres/0008_evaluations.sql"),
    },
    Migration {
        version: 9,
        name: "decision_hashes",
        sqlite: include_str!("../migrations/sqlite/0009_decision_hashes.sql"),
        postgres: include_str!("../migrations/postgres/0009_decision_hashes.sql"),
    },
];

/// The migration after which decision rows hold their hashes as bytes and no longer store
/// the previous entry's hash.
pub(crate) const DECISION_HASHES_VERSION: i64 = 9;

/// The migration after which the change log is a hash chain: applying it chains the
/// entries already there.
const LEDGER_VERSION: i64 = 2;

const LEDGER_COLUMNS: [Column; 2] = [
    Column {
        name: "version",
        ty: ColType::Int,
        nullable: false,
    },
    Column {
        name: "checksum",
        ty: ColType::Text,
        nullable: false,
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub(crate) async fn run(pool: &Pool) -> Result<()> {
    let mut tx = pool.write().await?;
    let create = match tx.engine() {
        // Several instances may start at once against one PostgreSQL; one migrates, the others wait.
        Engine::Postgres => "SELECT pg_advisory_xact_lock(424201);
            CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        Engine::Sqlite => "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    };
    tx.raw(create.to_owned()).await?;
    let mut select = Query::select();
    select
        .from("schema_migrations")
        .columns(["version", "checksum"])
        .order_by("version", sea_query::Order::Asc);
    let applied = tx.fetch(&select, &LEDGER_COLUMNS).await?;

    if let Some(newest) = applied.iter().filter_map(|r| r["version"].as_i64()).max()
        && newest > latest_version()
    {
        return Err(StoreError::Migration {
            version: newest,
            name: "unknown".into(),
            problem: format!(
                "is newer than this build of aims, which knows up to version {}: upgrade aims",
                latest_version()
            ),
        });
    }
    for migration in MIGRATIONS {
        let sql = match tx.engine() {
            Engine::Sqlite => migration.sqlite,
            Engine::Postgres => migration.postgres,
        };
        let checksum = aims_ledger::encode_hex(&Sha256::digest(sql.as_bytes()));
        let recorded = applied
            .iter()
            .find(|r| r["version"].as_i64() == Some(migration.version));
        match recorded.and_then(|r| r["checksum"].as_str()) {
            Some(c) if c == checksum => continue,
            Some(_) => {
                return Err(StoreError::Migration {
                    version: migration.version,
                    name: migration.name.into(),
                    problem: "was changed after it was applied to this database".into(),
                });
            }
            None => {}
        }
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applying migration"
        );
        tx.raw(sql.to_owned())
            .await
            .map_err(|e| StoreError::Migration {
                version: migration.version,
                name: migration.name.into(),
                problem: format!("failed: {e}"),
            })?;
        let mut insert = Query::insert();
        insert
            .into_table("schema_migrations")
            .columns(["version", "name", "checksum"])
            .values_panic([
                Expr::val(migration.version),
                Expr::val(migration.name),
                Expr::val(checksum),
            ]);
        tx.execute(&insert).await?;
        if migration.version == LEDGER_VERSION {
            let entries = crate::ledger::chain_all(&mut tx).await?;
            tracing::info!(entries, "chained the change log");
        }
    }
    tx.commit().await
}

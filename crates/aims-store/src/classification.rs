//! EU AI Act classifications of AI systems: one row per version, each written once.
//!
//! The rules live in `aims_domain::eu_ai_act`; the store runs them on the answers it is
//! given, so a stored outcome is always what the rules say for the stored answers. Saving a
//! version also sets the system's `eu_ai_act_tier`, through a logged update of the system in
//! the same transaction. Every row is logged exactly as it reads back, so `aims verify`
//! compares it with its entry (see `verify.rs`).

use std::collections::BTreeMap;

use aims_domain::ValidationErrors;
use aims_domain::eu_ai_act::{self, Answers, MAX_NOTE, SystemClassification};
use aims_domain::inventory::{EuAiActTier, RecordKind};
use aims_domain::validation::check_text;
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Store;
use crate::changes::{self, Action, Actor};
use crate::db::{Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{TableDef, table};

/// Change-log kind of a classification version.
pub const CLASSIFICATION_KIND: &str = "eu_ai_act_classification";

const TABLE: &str = "eu_ai_act_classifications";

/// What a classification is called in messages.
const NOUN: &str = "EU AI Act classification";

fn classifications_table() -> &'static TableDef {
    table(TABLE).expect("the classification table is described")
}

fn systems_table() -> &'static TableDef {
    table(RecordKind::System.table()).expect("the AI system table is described")
}

fn no_system(id: Uuid) -> StoreError {
    StoreError::NotFound {
        kind: RecordKind::System.singular(),
        id: id.to_string(),
    }
}

impl Store {
    /// Classifies an AI system of the organisation from `answers` and saves the outcome as
    /// the system's next version, setting the system's `eu_ai_act_tier` to its tier in the
    /// same transaction. Invalid answers, a note over 2,000 characters or a date after today
    /// are refused, each error naming its field (`answers.<question id>`, `note`,
    /// `assessed_on`), and nothing is saved.
    pub async fn classify_system(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        answers: Answers,
        note: &str,
        assessed_on: NaiveDate,
    ) -> Result<SystemClassification> {
        let now = self.now();
        let mut errors = ValidationErrors::new();
        let result = eu_ai_act::classify(&answers)
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        check_text(&mut errors, "note", note, false, MAX_NOTE);
        // A day ahead of the server's date is still today somewhere.
        if now
            .date_naive()
            .checked_add_days(Days::new(1))
            .is_some_and(|latest| assessed_on > latest)
        {
            errors.add("assessed_on", "must not be later than today");
        }
        errors.into_result()?;
        let Some(result) = result else {
            return Err(StoreError::Corrupt(
                "the classification failed without saying why".into(),
            ));
        };

        let mut tx = self.pool.write().await?;
        let system = rows::fetch_in(
            &mut tx,
            systems_table(),
            organisation_id,
            &system_id.to_string(),
        )
        .await?
        .ok_or_else(|| no_system(system_id))?;
        let table = classifications_table();
        let mut last = Query::select();
        last.from(table.name)
            .expr(Expr::col("version").max().if_null(0))
            .and_where(eq(table.name, "system_id", system_id.to_string()));
        let version = tx.fetch_i64(&last).await? + 1;
        let tier = result.tier.inventory_tier();
        let record = SystemClassification {
            id: Uuid::new_v4(),
            organisation_id,
            system_id,
            version,
            assessed_at: now,
            assessed_by: actor.label.clone(),
            assessed_on,
            answers,
            result,
            note: note.trim().to_owned(),
        };
        let mut row = to_object(&record)?;
        row.insert("assessed_at".into(), Value::String(format_timestamp(now)));
        rows::insert(&mut tx, table, &row)
            .await
            .map_err(|e| taken(e, version))?;
        let stored: SystemClassification = rows::log_row(
            &mut tx,
            table,
            now,
            organisation_id,
            actor,
            Action::Create,
            CLASSIFICATION_KIND,
            &record.id.to_string(),
        )
        .await?;
        if system.get("eu_ai_act_tier").and_then(Value::as_str) != Some(tier.as_str()) {
            set_system_tier(&mut tx, actor, organisation_id, system_id, tier, now).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Every version of a system's classification, newest first. The system must belong to
    /// the organisation.
    pub async fn classifications(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
    ) -> Result<Vec<SystemClassification>> {
        let mut tx = self.pool.read().await?;
        rows::fetch_in(
            &mut tx,
            systems_table(),
            organisation_id,
            &system_id.to_string(),
        )
        .await?
        .ok_or_else(|| no_system(system_id))?;
        let table = classifications_table();
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .and_where(eq(table.name, "system_id", system_id.to_string()))
        .order_by((table.name, "version"), Order::Desc);
        tx.fetch(&stmt, &table.columns)
            .await?
            .into_iter()
            .map(|row| rows::decode(row, NOUN))
            .collect()
    }

    /// One version of a system's classification.
    pub async fn classification(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
        version: i64,
    ) -> Result<SystemClassification> {
        let table = classifications_table();
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .and_where(eq(table.name, "system_id", system_id.to_string()))
        .and_where(eq(table.name, "version", version));
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(&stmt, &table.columns)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: NOUN,
                id: format!("version {version} of AI system {system_id}"),
            })?;
        rows::decode(row, NOUN)
    }

    /// The latest version of each classified system of the organisation, by system id.
    pub async fn latest_classifications(
        &self,
        organisation_id: Uuid,
    ) -> Result<BTreeMap<Uuid, SystemClassification>> {
        let table = classifications_table();
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .order_by((table.name, "system_id"), Order::Asc)
        .order_by((table.name, "version"), Order::Asc);
        let mut tx = self.pool.read().await?;
        let mut latest = BTreeMap::new();
        // Ordered by version, so each system's last row is its latest.
        for row in tx.fetch(&stmt, &table.columns).await? {
            let c: SystemClassification = rows::decode(row, NOUN)?;
            latest.insert(c.system_id, c);
        }
        Ok(latest)
    }
}

fn to_object(value: &SystemClassification) -> Result<Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Corrupt("expected an object".into())),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

/// Two classifications of one system saved at the same moment both take the next version;
/// the one that comes second is told so instead of failing with a database error.
fn taken(error: StoreError, version: i64) -> StoreError {
    match error {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            StoreError::Duplicate {
                field: "version",
                value: version.to_string(),
            }
        }
        other => other,
    }
}

/// Sets the system's tier as any update of the system does: next revision, who and when,
/// and an update entry in the change log with the system as it reads back.
async fn set_system_tier(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    system_id: Uuid,
    tier: EuAiActTier,
    now: DateTime<Utc>,
) -> Result<()> {
    let table = systems_table();
    let mut stmt = Query::update();
    stmt.table(table.name)
        .value("eu_ai_act_tier", tier.as_str())
        .value("revision", Expr::col("revision").add(1))
        .value("updated_at", now)
        .value("updated_by", actor.label.as_str())
        .and_where(eq(table.name, "id", system_id.to_string()))
        .and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ));
    tx.execute(&stmt).await?;
    let row = rows::fetch_in(tx, systems_table(), organisation_id, &system_id.to_string())
        .await?
        .ok_or_else(|| no_system(system_id))?;
    let state = crate::inventory::logged_state(RecordKind::System, row)?;
    changes::record(
        tx,
        now,
        Some(organisation_id),
        actor,
        Action::Update,
        RecordKind::System.path(),
        &system_id.to_string(),
        &state,
    )
    .await
}

/// Kinds whose stored rows are exactly their logged state: (kind, table).
pub(crate) const CHECKED: [(&str, &str); 1] = [(CLASSIFICATION_KIND, TABLE)];

/// How many classification versions the system has; a system with any cannot be deleted.
pub(crate) async fn count_for_system(tx: &mut Tx, system_id: Uuid) -> Result<i64> {
    let mut stmt = Query::select();
    stmt.from(TABLE).expr(Expr::cust("COUNT(*)")).and_where(eq(
        TABLE,
        "system_id",
        system_id.to_string(),
    ));
    tx.fetch_i64(&stmt).await
}

//! The risk register and the organisation's risk criteria.
//!
//! Like the SoA, every write logs the row exactly as it reads back, in the same transaction.
//! A risk's treatment actions link controls; the SoA entries of those controls (of the
//! adopted framework) list the risk among their `risk_ids`, kept in step here in the same
//! transaction, so an approved SoA version shows which risks each control treats.

use std::collections::BTreeSet;

use aims_domain::ValidationErrors;
use aims_domain::risk::{AcceptRisk, Risk, RiskCriteria, RiskFields};
use aims_domain::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Store;
use crate::changes::{self, Action, Actor};
use crate::db::{Tx, format_timestamp, to_sql_value};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{TableDef, table};

/// Change-log kinds.
pub const RISK_KIND: &str = "risk";
pub const CRITERIA_KIND: &str = "risk_criteria";

/// The organisation's criteria as stored, or the default ones before anyone saved them.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCriteria {
    pub criteria: RiskCriteria,
    /// 0 while the default criteria apply.
    pub revision: i64,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

fn described(name: &str) -> &'static TableDef {
    table(name).expect("the risk tables are described")
}

fn risks_table() -> &'static TableDef {
    described("risks")
}

fn to_object<T: Serialize>(value: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Corrupt("expected an object".into())),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        kind: "risk",
        id: id.to_string(),
    }
}

impl Store {
    pub async fn risk_criteria(&self, organisation_id: Uuid) -> Result<StoredCriteria> {
        let mut tx = self.pool.read().await?;
        read_criteria(&mut tx, organisation_id).await
    }

    /// Saves new criteria read at `expected_revision` (0: the defaults). Refused while a risk
    /// is rated off the new matrix, naming the risk, so that no rating loses its meaning.
    pub async fn set_risk_criteria(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        criteria: RiskCriteria,
        expected_revision: i64,
    ) -> Result<StoredCriteria> {
        criteria.validate()?;
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let current = read_criteria(&mut tx, organisation_id).await?;
        if current.revision != expected_revision {
            return Err(StoreError::Conflict {
                revision: current.revision,
                current: serde_json::to_value(&current)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            });
        }
        let mut errors = ValidationErrors::new();
        for risk in read_risks(&mut tx, organisation_id).await? {
            let ratings = [Some(risk.fields.inherent), risk.fields.residual];
            if ratings
                .into_iter()
                .flatten()
                .any(|r| criteria.level_of(r, "").is_err())
            {
                errors.add(
                    "cells",
                    format!(
                        "risk {} ({}) is rated off the new matrix: re-rate it first",
                        risk.id, risk.fields.title
                    ),
                );
            }
        }
        errors.into_result()?;
        let table = described("risk_criteria");
        let id = organisation_id.to_string();
        let mut row = Map::new();
        row.insert("id".into(), Value::String(id.clone()));
        row.insert("organisation_id".into(), Value::String(id.clone()));
        row.insert("revision".into(), Value::from(expected_revision + 1));
        row.insert("updated_at".into(), Value::String(format_timestamp(now)));
        row.insert("updated_by".into(), Value::String(actor.label.clone()));
        row.insert("criteria".into(), Value::Object(to_object(&criteria)?));
        let action = if expected_revision == 0 {
            rows::insert(&mut tx, table, &row).await?;
            Action::Create
        } else {
            let mut stmt = Query::update();
            stmt.table(table.name);
            for column in &table.columns {
                if column.name != "id" && column.name != "organisation_id" {
                    stmt.value(
                        column.name,
                        to_sql_value(column, &row[column.name]).map_err(StoreError::Corrupt)?,
                    );
                }
            }
            stmt.and_where(eq(table.name, "id", id.clone()));
            tx.execute(&stmt).await?;
            Action::Update
        };
        let stored = rows::fetch_in(&mut tx, table, organisation_id, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("risk criteria vanished after writing".into()))?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            action,
            CRITERIA_KIND,
            &id,
            &Value::Object(stored),
        )
        .await?;
        let saved = read_criteria(&mut tx, organisation_id).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The whole register, oldest first. Registers hold hundreds of risks, not millions, so
    /// filters and sorting by level (which depends on the criteria) happen in the caller.
    pub async fn risks(&self, organisation_id: Uuid) -> Result<Vec<Risk>> {
        let mut tx = self.pool.read().await?;
        read_risks(&mut tx, organisation_id).await
    }

    pub async fn risk(&self, organisation_id: Uuid, id: Uuid) -> Result<Risk> {
        let mut tx = self.pool.read().await?;
        read_risk(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Adds a risk. The caller has checked what needs the library (risk sources, control
    /// links); the criteria and the AI systems are checked here, in the transaction.
    pub async fn create_risk(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        fields: RiskFields,
    ) -> Result<Risk> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let risk = insert_risk(&mut tx, actor, organisation_id, now, fields).await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// Replaces a risk's fields, read at `expected_revision`. The acceptance stays only if the
    /// accepted residual rating stays and no treatment action was reopened.
    pub async fn update_risk(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
        fields: RiskFields,
    ) -> Result<Risk> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let before = rows::at_revision::<Risk>(
            &mut tx,
            risks_table(),
            organisation_id,
            id,
            expected_revision,
            "risk",
        )
        .await?;
        check_fields(&mut tx, organisation_id, &fields).await?;
        let keep = before.acceptance_survives(&fields);
        let mut values = to_object(&fields)?;
        if !keep {
            values.insert("acceptance".into(), Value::Null);
        }
        rows::update_revision(&mut tx, risks_table(), &id.to_string(), actor, now, &values).await?;
        let stored = log_risk(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        sync_soa_links(&mut tx, actor, organisation_id, now, &stored, Some(&before)).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Records that the acting user, holding `role`, accepts the risk at its residual rating.
    #[allow(clippy::too_many_arguments)] // who, what, when, which revision
    pub async fn accept_risk(
        &self,
        actor: &Actor,
        role: Role,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
        request: &AcceptRisk,
        today: NaiveDate,
    ) -> Result<Risk> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let risk = rows::at_revision::<Risk>(
            &mut tx,
            risks_table(),
            organisation_id,
            id,
            expected_revision,
            "risk",
        )
        .await?;
        let criteria = read_criteria(&mut tx, organisation_id).await?.criteria;
        let acceptance = request.decide(&risk.fields, &criteria, &actor.label, role, today)?;
        let mut values = Map::new();
        values.insert("acceptance".into(), Value::Object(to_object(&acceptance)?));
        rows::update_revision(&mut tx, risks_table(), &id.to_string(), actor, now, &values).await?;
        let stored = log_risk(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Withdraws the acceptance of a risk.
    pub async fn revoke_risk_acceptance(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
    ) -> Result<Risk> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let risk = rows::at_revision::<Risk>(
            &mut tx,
            risks_table(),
            organisation_id,
            id,
            expected_revision,
            "risk",
        )
        .await?;
        if risk.acceptance.is_none() {
            return Err(ValidationErrors::single("acceptance", "the risk is not accepted").into());
        }
        let mut values = Map::new();
        values.insert("acceptance".into(), Value::Null);
        rows::update_revision(&mut tx, risks_table(), &id.to_string(), actor, now, &values).await?;
        let stored = log_risk(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Deletes a risk and takes it off every SoA entry that lists it. `expected_revision`
    /// guards against deleting a newer version than the caller saw.
    pub async fn delete_risk(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: Option<i64>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let row = rows::fetch_in(&mut tx, risks_table(), organisation_id, &id.to_string())
            .await?
            .ok_or_else(|| not_found(id))?;
        if let Some(revision) = expected_revision {
            rows::at_revision::<Risk>(
                &mut tx,
                risks_table(),
                organisation_id,
                id,
                revision,
                "risk",
            )
            .await?;
        }
        let mut stmt = Query::delete();
        stmt.from_table(risks_table().name)
            .and_where(eq("risks", "id", id.to_string()));
        tx.execute(&stmt).await?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Delete,
            RISK_KIND,
            &id.to_string(),
            &Value::Object(row),
        )
        .await?;
        crate::soa::unlink_risk_everywhere(&mut tx, actor, organisation_id, now, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Inserts a risk within the caller's transaction: checks, insert, log, SoA links.
pub(crate) async fn insert_risk(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    fields: RiskFields,
) -> Result<Risk> {
    check_fields(tx, organisation_id, &fields).await?;
    let risk = Risk {
        id: Uuid::new_v4(),
        organisation_id,
        revision: 1,
        created_at: now,
        updated_at: now,
        created_by: actor.label.clone(),
        updated_by: actor.label.clone(),
        fields,
        acceptance: None,
    };
    let mut row = to_object(&risk)?;
    for key in ["created_at", "updated_at"] {
        row.insert(key.into(), Value::String(format_timestamp(now)));
    }
    rows::insert(tx, risks_table(), &row).await?;
    let stored = log_risk(tx, now, organisation_id, actor, Action::Create, risk.id).await?;
    sync_soa_links(tx, actor, organisation_id, now, &stored, None).await?;
    Ok(stored)
}

async fn read_criteria(tx: &mut Tx, organisation_id: Uuid) -> Result<StoredCriteria> {
    let table = described("risk_criteria");
    let id = organisation_id.to_string();
    let Some(mut row) = rows::fetch_in(tx, table, organisation_id, &id).await? else {
        return Ok(StoredCriteria {
            criteria: RiskCriteria::default_5x5(),
            revision: 0,
            updated_at: None,
            updated_by: None,
        });
    };
    let criteria = row.remove("criteria").unwrap_or(Value::Null);
    Ok(StoredCriteria {
        criteria: serde_json::from_value(criteria)
            .map_err(|e| StoreError::Corrupt(format!("risk criteria: {e}")))?,
        revision: row.get("revision").and_then(Value::as_i64).unwrap_or(0),
        updated_at: row
            .get("updated_at")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        updated_by: row
            .get("updated_by")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

async fn read_risk(tx: &mut Tx, organisation_id: Uuid, id: Uuid) -> Result<Option<Risk>> {
    rows::fetch_in(tx, risks_table(), organisation_id, &id.to_string())
        .await?
        .map(|row| rows::decode(row, "risk"))
        .transpose()
}

pub(crate) async fn read_risks(tx: &mut Tx, organisation_id: Uuid) -> Result<Vec<Risk>> {
    let table = risks_table();
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(
        table.name,
        "organisation_id",
        organisation_id.to_string(),
    ))
    .order_by((table.name, "created_at"), Order::Asc)
    .order_by((table.name, "id"), Order::Asc);
    tx.fetch(&stmt, &table.columns)
        .await?
        .into_iter()
        .map(|row| rows::decode(row, "risk"))
        .collect()
}

/// The checks that need stored data: the criteria, and AI systems of this organisation.
async fn check_fields(tx: &mut Tx, organisation_id: Uuid, fields: &RiskFields) -> Result<()> {
    fields.validate()?;
    let criteria = read_criteria(tx, organisation_id).await?.criteria;
    let mut errors = match fields.check_criteria(&criteria) {
        Ok(()) => ValidationErrors::new(),
        Err(e) => e,
    };
    for (i, id) in fields.system_ids.iter().enumerate() {
        let mut stmt = Query::select();
        stmt.from("ai_systems")
            .expr(Expr::col("id").count())
            .and_where(eq("ai_systems", "id", id.to_string()))
            .and_where(eq(
                "ai_systems",
                "organisation_id",
                organisation_id.to_string(),
            ));
        if tx.fetch_i64(&stmt).await? == 0 {
            errors.add(
                format!("system_ids[{i}]"),
                format!("{id} is not an AI system of this organisation"),
            );
        }
    }
    Ok(errors.into_result()?)
}

/// Logs the risk's row as it reads back and returns it as a risk.
async fn log_risk(
    tx: &mut Tx,
    now: DateTime<Utc>,
    organisation_id: Uuid,
    actor: &Actor,
    action: Action,
    id: Uuid,
) -> Result<Risk> {
    rows::log_row(
        tx,
        risks_table(),
        now,
        organisation_id,
        actor,
        action,
        RISK_KIND,
        &id.to_string(),
    )
    .await
}

/// Brings the SoA's `risk_ids` in step with the controls the risk links now and linked
/// before. Links to frameworks other than the adopted one have no SoA entry to update.
async fn sync_soa_links(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    risk: &Risk,
    before: Option<&Risk>,
) -> Result<()> {
    let Some(framework_id) = crate::soa::adopted_framework(tx, organisation_id).await? else {
        return Ok(());
    };
    let refs = |r: &Risk| -> BTreeSet<String> {
        r.fields
            .linked_controls()
            .into_iter()
            .filter(|l| l.framework_id == framework_id)
            .map(|l| l.control_ref.clone())
            .collect()
    };
    let now_linked = refs(risk);
    let was_linked = before.map(refs).unwrap_or_default();
    crate::soa::link_risk(
        tx,
        actor,
        organisation_id,
        now,
        risk.id,
        now_linked.difference(&was_linked),
        was_linked.difference(&now_linked),
    )
    .await
}

/// Kinds of the register whose stored rows are exactly their logged state: (kind, table).
pub(crate) const CHECKED: [(&str, &str); 2] =
    [(RISK_KIND, "risks"), (CRITERIA_KIND, "risk_criteria")];

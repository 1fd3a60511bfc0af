//! The Statement of Applicability: adoption of a framework, its control and requirement
//! entries, and approved versions.
//!
//! Every write logs the row exactly as it reads back, in the same transaction, so `aims
//! verify` compares live entries with their last ledger entry (see `verify.rs`).

use aims_domain::ValidationErrors;
use aims_domain::soa::{
    ControlFields, ItemFields, ItemType, RequirementFields, Snapshot, Soa, SoaItem, SoaVersion,
    compare_refs,
};
use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Store;
use crate::changes::{self, Action, Actor};
use crate::db::{Tx, format_timestamp, to_sql_value};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{TableDef, table};

/// Change-log kinds of the SoA's records.
pub const SOA_KIND: &str = "soa";
pub const VERSION_KIND: &str = "soa_version";

/// A change of one entry, read at `expected_revision`.
#[derive(Debug, Clone)]
pub struct ItemUpdate<F> {
    pub item_ref: String,
    pub expected_revision: i64,
    pub fields: F,
}

fn described(name: &str) -> &'static TableDef {
    table(name).expect("the SoA tables are described")
}

fn item_noun(t: ItemType) -> &'static str {
    match t {
        ItemType::Control => "SoA control",
        ItemType::Requirement => "SoA requirement",
    }
}

fn object(value: Value) -> Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(StoreError::Corrupt("expected an object".into())),
    }
}

/// A value as a row: timestamps in the one text form both engines read back exactly.
fn to_row<T: serde::Serialize>(
    value: &T,
    times: &[(&str, DateTime<Utc>)],
) -> Result<Map<String, Value>> {
    let mut map =
        object(serde_json::to_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))?)?;
    for (key, t) in times {
        map.insert((*key).to_owned(), Value::String(format_timestamp(*t)));
    }
    Ok(map)
}

/// Reads one row of `table` by a column's value, within the organisation.
async fn fetch_row(
    tx: &mut Tx,
    table: &'static TableDef,
    organisation_id: Uuid,
    column: &'static str,
    value: &str,
) -> Result<Option<Map<String, Value>>> {
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(
        table.name,
        "organisation_id",
        organisation_id.to_string(),
    ))
    .and_where(eq(table.name, column, value.to_owned()));
    tx.fetch_optional(&stmt, &table.columns).await
}

/// Inserts a row and logs it as it reads back: the state `aims verify` will compare with.
#[allow(clippy::too_many_arguments)] // the entry's columns
async fn insert_logged(
    tx: &mut Tx,
    table: &'static TableDef,
    at: DateTime<Utc>,
    organisation_id: Uuid,
    actor: &Actor,
    kind: &str,
    id: Uuid,
    row: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    rows::insert(tx, table, row).await?;
    let stored = fetch_row(tx, table, organisation_id, "id", &id.to_string())
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("{kind} {id} vanished after insert")))?;
    changes::record(
        tx,
        at,
        Some(organisation_id),
        actor,
        Action::Create,
        kind,
        &id.to_string(),
        &Value::Object(stored.clone()),
    )
    .await?;
    Ok(stored)
}

impl Store {
    /// The organisation's SoA, if it has adopted a framework.
    pub async fn soa(&self, organisation_id: Uuid) -> Result<Option<Soa>> {
        let mut tx = self.pool.read().await?;
        read_soa(&mut tx, organisation_id).await
    }

    /// Adopts a framework: creates the SoA and one entry per control and requirement, all in
    /// one transaction. An organisation adopts one framework.
    pub async fn adopt_framework(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        framework_id: &str,
        control_refs: &[String],
        requirement_refs: &[String],
    ) -> Result<Soa> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        if let Some(existing) = read_soa(&mut tx, organisation_id).await? {
            return Err(ValidationErrors::single(
                "framework_id",
                format!(
                    "the organisation has already adopted `{}`; it keeps one Statement of Applicability",
                    existing.framework_id
                ),
            )
            .into());
        }
        let soa = Soa {
            id: Uuid::new_v4(),
            organisation_id,
            framework_id: framework_id.to_owned(),
            created_at: now,
            created_by: actor.label.clone(),
        };
        let row = to_row(&soa, &[("created_at", now)])?;
        insert_logged(
            &mut tx,
            described("soas"),
            now,
            organisation_id,
            actor,
            SOA_KIND,
            soa.id,
            &row,
        )
        .await?;
        insert_items(
            &mut tx,
            actor,
            organisation_id,
            now,
            control_refs,
            ControlFields::default(),
        )
        .await?;
        insert_items(
            &mut tx,
            actor,
            organisation_id,
            now,
            requirement_refs,
            RequirementFields::default(),
        )
        .await?;
        tx.commit().await?;
        Ok(soa)
    }

    /// Every entry of one kind, in the framework's order.
    pub async fn soa_items<F: ItemFields>(&self, organisation_id: Uuid) -> Result<Vec<SoaItem<F>>> {
        let mut tx = self.pool.read().await?;
        read_items(&mut tx, organisation_id).await
    }

    pub async fn soa_item<F: ItemFields>(
        &self,
        organisation_id: Uuid,
        item_ref: &str,
    ) -> Result<SoaItem<F>> {
        let mut tx = self.pool.read().await?;
        read_item(&mut tx, organisation_id, item_ref)
            .await?
            .ok_or_else(|| not_found(F::TYPE, item_ref))
    }

    /// Changes entries, each read at its revision, all or nothing: when one was changed by
    /// someone else since, nothing is written and that entry comes back in the error.
    pub async fn update_soa_items<F: ItemFields>(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        updates: Vec<ItemUpdate<F>>,
    ) -> Result<Vec<SoaItem<F>>> {
        let mut errors = ValidationErrors::new();
        for update in &updates {
            if let Err(e) = update.fields.validate() {
                for fe in e.0 {
                    let field = if updates.len() == 1 {
                        fe.field
                    } else {
                        F::TYPE.field_name(&update.item_ref, &fe.field)
                    };
                    errors.add(field, fe.message);
                }
            }
        }
        errors.into_result()?;
        let now = self.now();
        let table = described(F::TYPE.table());
        let mut tx = self.pool.write().await?;
        let mut out = Vec::with_capacity(updates.len());
        for update in updates {
            let values = object(
                serde_json::to_value(&update.fields)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )?;
            let mut stmt = Query::update();
            stmt.table(table.name);
            for (name, value) in &values {
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
                .and_where(eq(
                    table.name,
                    "organisation_id",
                    organisation_id.to_string(),
                ))
                .and_where(eq(table.name, "item_ref", update.item_ref.clone()))
                .and_where(eq(table.name, "revision", update.expected_revision));
            if tx.execute(&stmt).await? == 0 {
                return Err(
                    match read_item::<F>(&mut tx, organisation_id, &update.item_ref).await? {
                        Some(current) => StoreError::Conflict {
                            revision: current.revision,
                            current: serde_json::to_value(&current)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        },
                        None => not_found(F::TYPE, &update.item_ref),
                    },
                );
            }
            let row = fetch_row(
                &mut tx,
                table,
                organisation_id,
                "item_ref",
                &update.item_ref,
            )
            .await?
            .ok_or_else(|| not_found(F::TYPE, &update.item_ref))?;
            let item: SoaItem<F> = rows::decode(row.clone(), item_noun(F::TYPE))?;
            changes::record(
                &mut tx,
                now,
                Some(organisation_id),
                actor,
                Action::Update,
                F::TYPE.record_kind(),
                &item.id.to_string(),
                &Value::Object(row),
            )
            .await?;
            out.push(item);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The fields of every entry as they are now.
    pub async fn soa_snapshot(&self, organisation_id: Uuid) -> Result<Snapshot> {
        let mut tx = self.pool.read().await?;
        snapshot(&mut tx, organisation_id).await
    }

    /// Approves the SoA as it is now: freezes every entry as the next version. Refused while
    /// an entry breaks its rules (a control without justification); the error names each.
    pub async fn approve_soa(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        note: &str,
    ) -> Result<SoaVersion> {
        let mut errors = ValidationErrors::new();
        aims_domain::validation::check_text(&mut errors, "note", note, false, 2_000);
        errors.into_result()?;
        let now = self.now();
        let mut tx = self.pool.write().await?;
        if read_soa(&mut tx, organisation_id).await?.is_none() {
            return Err(no_soa());
        }
        let snapshot = snapshot(&mut tx, organisation_id).await?;
        snapshot.approval_problems().into_result()?;
        let mut last = Query::select();
        last.from("soa_versions")
            .expr(Expr::col("version").max().if_null(0))
            .and_where(eq(
                "soa_versions",
                "organisation_id",
                organisation_id.to_string(),
            ));
        let version = SoaVersion {
            id: Uuid::new_v4(),
            organisation_id,
            version: tx.fetch_i64(&last).await? + 1,
            approved_at: now,
            approved_by: actor.label.clone(),
            note: note.trim().to_owned(),
            snapshot,
        };
        let row = to_row(&version, &[("approved_at", now)])?;
        insert_logged(
            &mut tx,
            described("soa_versions"),
            now,
            organisation_id,
            actor,
            VERSION_KIND,
            version.id,
            &row,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Every approved version, oldest first.
    pub async fn soa_versions(&self, organisation_id: Uuid) -> Result<Vec<SoaVersion>> {
        let table = described("soa_versions");
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .order_by((table.name, "version"), Order::Asc);
        let mut tx = self.pool.read().await?;
        tx.fetch(&stmt, &table.columns)
            .await?
            .into_iter()
            .map(|row| rows::decode(row, "SoA version"))
            .collect()
    }

    pub async fn soa_version(&self, organisation_id: Uuid, version: i64) -> Result<SoaVersion> {
        let table = described("soa_versions");
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .and_where(eq(table.name, "version", version));
        let mut tx = self.pool.read().await?;
        let row = tx
            .fetch_optional(&stmt, &table.columns)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: "SoA version",
                id: version.to_string(),
            })?;
        rows::decode(row, "SoA version")
    }
}

fn not_found(t: ItemType, item_ref: &str) -> StoreError {
    StoreError::NotFound {
        kind: item_noun(t),
        id: item_ref.to_owned(),
    }
}

fn no_soa() -> StoreError {
    StoreError::NotFound {
        kind: "Statement of Applicability",
        id: "(none: adopt a framework first)".into(),
    }
}

async fn read_soa(tx: &mut Tx, organisation_id: Uuid) -> Result<Option<Soa>> {
    let table = described("soas");
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(
        table.name,
        "organisation_id",
        organisation_id.to_string(),
    ));
    tx.fetch_optional(&stmt, &table.columns)
        .await?
        .map(|row| rows::decode(row, "SoA"))
        .transpose()
}

async fn insert_items<F: ItemFields>(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    refs: &[String],
    fields: F,
) -> Result<()> {
    let table = described(F::TYPE.table());
    for item_ref in refs {
        let item = SoaItem {
            id: Uuid::new_v4(),
            organisation_id,
            item_ref: item_ref.clone(),
            revision: 1,
            created_at: now,
            updated_at: now,
            created_by: actor.label.clone(),
            updated_by: actor.label.clone(),
            fields: fields.clone(),
        };
        let row = to_row(&item, &[("created_at", now), ("updated_at", now)])?;
        insert_logged(
            tx,
            table,
            now,
            organisation_id,
            actor,
            F::TYPE.record_kind(),
            item.id,
            &row,
        )
        .await?;
    }
    Ok(())
}

async fn read_item<F: ItemFields>(
    tx: &mut Tx,
    organisation_id: Uuid,
    item_ref: &str,
) -> Result<Option<SoaItem<F>>> {
    fetch_row(
        tx,
        described(F::TYPE.table()),
        organisation_id,
        "item_ref",
        item_ref,
    )
    .await?
    .map(|row| rows::decode(row, item_noun(F::TYPE)))
    .transpose()
}

async fn read_items<F: ItemFields>(tx: &mut Tx, organisation_id: Uuid) -> Result<Vec<SoaItem<F>>> {
    let table = described(F::TYPE.table());
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(
        table.name,
        "organisation_id",
        organisation_id.to_string(),
    ));
    let mut items = tx
        .fetch(&stmt, &table.columns)
        .await?
        .into_iter()
        .map(|row| rows::decode::<SoaItem<F>>(row, item_noun(F::TYPE)))
        .collect::<Result<Vec<_>>>()?;
    items.sort_by(|a, b| compare_refs(&a.item_ref, &b.item_ref));
    Ok(items)
}

async fn snapshot(tx: &mut Tx, organisation_id: Uuid) -> Result<Snapshot> {
    let controls = read_items::<ControlFields>(tx, organisation_id).await?;
    let requirements = read_items::<RequirementFields>(tx, organisation_id).await?;
    Ok(Snapshot {
        controls: controls
            .into_iter()
            .map(|i| (i.item_ref, i.fields))
            .collect(),
        requirements: requirements
            .into_iter()
            .map(|i| (i.item_ref, i.fields))
            .collect(),
    })
}

/// The framework the organisation adopted, if any.
pub(crate) async fn adopted_framework(
    tx: &mut Tx,
    organisation_id: Uuid,
) -> Result<Option<String>> {
    Ok(read_soa(tx, organisation_id).await?.map(|s| s.framework_id))
}

/// Adds `risk_id` to the `risk_ids` of the controls in `add` and takes it off those in
/// `remove`, logging each changed entry. Refs without an SoA entry are skipped: the caller
/// has checked them against the library, and a control can only lack an entry if it is not
/// in the adopted framework's control list.
pub(crate) async fn link_risk<'a>(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    risk_id: Uuid,
    add: impl Iterator<Item = &'a String>,
    remove: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let changes = add.map(|r| (r, true)).chain(remove.map(|r| (r, false)));
    for (item_ref, linked) in changes {
        let Some(mut item) = read_item::<ControlFields>(tx, organisation_id, item_ref).await?
        else {
            continue;
        };
        let listed = item.fields.risk_ids.contains(&risk_id);
        if listed == linked {
            continue;
        }
        if linked {
            item.fields.risk_ids.push(risk_id);
        } else {
            item.fields.risk_ids.retain(|id| *id != risk_id);
        }
        write_risk_ids(tx, actor, organisation_id, now, &item).await?;
    }
    Ok(())
}

/// Takes a deleted risk off every SoA entry that lists it, linked by the register or by hand.
pub(crate) async fn unlink_risk_everywhere(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    risk_id: Uuid,
) -> Result<()> {
    for mut item in read_items::<ControlFields>(tx, organisation_id).await? {
        if item.fields.risk_ids.contains(&risk_id) {
            item.fields.risk_ids.retain(|id| *id != risk_id);
            write_risk_ids(tx, actor, organisation_id, now, &item).await?;
        }
    }
    Ok(())
}

async fn write_risk_ids(
    tx: &mut Tx,
    actor: &Actor,
    organisation_id: Uuid,
    now: DateTime<Utc>,
    item: &SoaItem<ControlFields>,
) -> Result<()> {
    let table = described(ItemType::Control.table());
    let column = table
        .column("risk_ids")
        .ok_or_else(|| StoreError::Corrupt("soa_controls has no risk_ids".into()))?;
    let ids = serde_json::to_value(&item.fields.risk_ids)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut stmt = Query::update();
    stmt.table(table.name)
        .value(
            "risk_ids",
            to_sql_value(column, &ids).map_err(StoreError::Corrupt)?,
        )
        .value("revision", Expr::col("revision").add(1))
        .value("updated_at", now)
        .value("updated_by", actor.label.as_str())
        .and_where(eq(table.name, "id", item.id.to_string()));
    tx.execute(&stmt).await?;
    let row = fetch_row(tx, table, organisation_id, "id", &item.id.to_string())
        .await?
        .ok_or_else(|| not_found(ItemType::Control, &item.item_ref))?;
    changes::record(
        tx,
        now,
        Some(organisation_id),
        actor,
        Action::Update,
        ItemType::Control.record_kind(),
        &item.id.to_string(),
        &Value::Object(row),
    )
    .await
}

/// Kinds of the SoA whose stored rows are exactly their logged state: (kind, table).
pub(crate) const CHECKED: [(&str, &str); 4] = [
    (SOA_KIND, "soas"),
    ("soa_control", "soa_controls"),
    ("soa_requirement", "soa_requirements"),
    (VERSION_KIND, "soa_versions"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_kinds_name_the_item_types() {
        assert_eq!(
            CHECKED[1],
            (ItemType::Control.record_kind(), ItemType::Control.table())
        );
        assert_eq!(
            CHECKED[2],
            (
                ItemType::Requirement.record_kind(),
                ItemType::Requirement.table()
            )
        );
    }
}

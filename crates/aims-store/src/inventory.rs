//! Create, read, update, delete and list for every inventory kind, written once over
//! the kind's descriptors.

use aims_domain::ValidationErrors;
use aims_domain::inventory::{FieldKind, Record, RecordFields, RecordKind, references};
use aims_domain::listing::{ListQuery, Page, SortOrder};
use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Func, LikeExpr, OnConflict, Order, Query, SelectStatement};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Store;
use crate::accounts::parse_uuid;
use crate::changes::{self, Action, Actor};
use crate::db::{Tx, format_timestamp, to_sql_value};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{ColType, TableDef, table};

fn table_of(kind: RecordKind) -> &'static TableDef {
    table(kind.table()).expect("every record kind has a described table")
}

impl Store {
    pub async fn create_record<F: RecordFields>(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        fields: F,
    ) -> Result<Record<F>> {
        let now = self.now();
        let record = Record {
            id: Uuid::new_v4(),
            organisation_id,
            revision: 1,
            created_at: now,
            updated_at: now,
            created_by: actor.label.clone(),
            updated_by: actor.label.clone(),
            fields,
        };
        let mut tx = self.pool.write().await?;
        check_references(&mut tx, organisation_id, &record.fields).await?;
        let row = record_row(&record)?;
        rows::insert(&mut tx, table_of(F::KIND), &row).await?;
        adjust_count(&mut tx, organisation_id, F::KIND, 1).await?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Create,
            F::KIND.path(),
            &record.id.to_string(),
            &Value::Object(row),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn record<F: RecordFields>(
        &self,
        organisation_id: Uuid,
        id: Uuid,
    ) -> Result<Record<F>> {
        let mut tx = self.pool.read().await?;
        fetch_record(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(F::KIND, id))
    }

    /// Replaces the fields of a record read at `expected_revision`. When someone else
    /// changed it since, nothing is written and the current record comes back in the error.
    pub async fn update_record<F: RecordFields>(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
        fields: F,
    ) -> Result<Record<F>> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        check_references(&mut tx, organisation_id, &fields).await?;
        let table = table_of(F::KIND);
        let Value::Object(values) =
            serde_json::to_value(&fields).map_err(|e| StoreError::Corrupt(e.to_string()))?
        else {
            return Err(StoreError::Corrupt(
                "fields did not serialise to an object".into(),
            ));
        };
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
            .and_where(eq(table.name, "id", id.to_string()))
            .and_where(eq(
                table.name,
                "organisation_id",
                organisation_id.to_string(),
            ))
            .and_where(eq(table.name, "revision", expected_revision));
        if tx.execute(&stmt).await? == 0 {
            return Err(conflict_or_missing::<F>(&mut tx, organisation_id, id).await);
        }
        let record: Record<F> = fetch_record(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(F::KIND, id))?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Update,
            F::KIND.path(),
            &id.to_string(),
            &Value::Object(record_row(&record)?),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Deletes a record read at `expected_revision` (any revision when `None`). A record
    /// that others still point at is not deleted: the error names who points at it.
    pub async fn delete_record<F: RecordFields>(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: Option<i64>,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let current: Record<F> = fetch_record(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(F::KIND, id))?;
        if expected_revision.is_some_and(|r| r != current.revision) {
            return Err(conflict_or_missing::<F>(&mut tx, organisation_id, id).await);
        }
        check_not_referenced(&mut tx, organisation_id, F::KIND, id).await?;
        let table = table_of(F::KIND);
        let mut stmt = Query::delete();
        stmt.from_table(table.name)
            .and_where(eq(table.name, "id", id.to_string()))
            .and_where(eq(table.name, "revision", current.revision));
        if tx.execute(&stmt).await? == 0 {
            return Err(conflict_or_missing::<F>(&mut tx, organisation_id, id).await);
        }
        adjust_count(&mut tx, organisation_id, F::KIND, -1).await?;
        changes::record(
            &mut tx,
            now,
            Some(organisation_id),
            actor,
            Action::Delete,
            F::KIND.path(),
            &id.to_string(),
            &Value::Object(record_row(&current)?),
        )
        .await?;
        tx.commit().await
    }

    /// Ids and names of every record of a kind, by name: for pickers and for showing the
    /// names behind ids.
    pub async fn record_names(
        &self,
        organisation_id: Uuid,
        kind: RecordKind,
    ) -> Result<Vec<(Uuid, String)>> {
        let columns = [
            crate::schema::Column {
                name: "id",
                ty: ColType::Text,
                nullable: false,
            },
            crate::schema::Column {
                name: "name",
                ty: ColType::Text,
                nullable: false,
            },
        ];
        let mut stmt = rows::select(kind.table(), &columns);
        stmt.and_where(eq(
            kind.table(),
            "organisation_id",
            organisation_id.to_string(),
        ))
        .order_by((kind.table(), "name"), Order::Asc);
        let mut tx = self.pool.read().await?;
        tx.fetch(&stmt, &columns)
            .await?
            .into_iter()
            .map(|mut row| {
                Ok((
                    parse_uuid(&rows::take_string(&mut row, "id")?)?,
                    rows::take_string(&mut row, "name")?,
                ))
            })
            .collect()
    }

    pub async fn list_records<F: RecordFields>(
        &self,
        organisation_id: Uuid,
        query: &ListQuery,
    ) -> Result<Page<Record<F>>> {
        let table = table_of(F::KIND);
        let mut filter = Query::select();
        filter.from(table.name).and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ));
        apply_filters(&mut filter, table, query)?;

        let mut count = filter.clone();
        // COUNT(*) lets the engine count on its smallest index.
        count.expr(Expr::cust("COUNT(*)"));
        let mut page = filter;
        page.columns(table.columns.iter().map(|c| (table.name, c.name)));
        let order = match query.order {
            SortOrder::Asc => Order::Asc,
            SortOrder::Desc => Order::Desc,
        };
        page.order_by((table.name, query.sort), order.clone())
            .order_by((table.name, "id"), order)
            .limit(query.limit)
            .offset(query.offset);

        let mut tx = self.pool.read().await?;
        let items = tx
            .fetch(&page, &table.columns)
            .await?
            .into_iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>>>()?;
        // A first page that is not full is everything there is; an unfiltered list takes
        // the kept count; only a filtered list beyond its first page counts rows.
        let total = if query.offset == 0 && (items.len() as u64) < query.limit {
            items.len() as i64
        } else if query.filters.is_empty() && query.search.is_none() {
            let mut kept = Query::select();
            kept.from("record_counts")
                .column("count")
                .and_where(eq(
                    "record_counts",
                    "organisation_id",
                    organisation_id.to_string(),
                ))
                .and_where(eq("record_counts", "record_kind", F::KIND.path()));
            tx.fetch_optional(&kept, &COUNT_COLUMN)
                .await?
                .and_then(|row| row["count"].as_i64())
                .unwrap_or(0)
        } else {
            tx.fetch_i64(&count).await?
        };
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: query.limit,
            offset: query.offset,
        })
    }
}

const COUNT_COLUMN: [crate::schema::Column; 1] = [crate::schema::Column {
    name: "count",
    ty: ColType::Int,
    nullable: false,
}];

/// Moves the kept count of a kind in an organisation by `delta`, in the writing transaction.
async fn adjust_count(
    tx: &mut Tx,
    organisation_id: Uuid,
    kind: RecordKind,
    delta: i64,
) -> Result<()> {
    let mut stmt = Query::insert();
    stmt.into_table("record_counts")
        .columns(["organisation_id", "record_kind", "count"])
        .values_panic([
            organisation_id.to_string().into(),
            kind.path().into(),
            delta.into(),
        ])
        .on_conflict(
            OnConflict::columns(["organisation_id", "record_kind"])
                .value("count", Expr::col(("record_counts", "count")).add(delta))
                .to_owned(),
        );
    tx.execute(&stmt).await?;
    Ok(())
}

/// Recomputes every kept count from the records, after records arrived in bulk.
pub(crate) async fn recount(tx: &mut Tx) -> Result<()> {
    tx.raw("DELETE FROM record_counts".into()).await?;
    for kind in RecordKind::ALL {
        tx.raw(format!(
            "INSERT INTO record_counts (organisation_id, record_kind, count) SELECT organisation_id, '{}', COUNT(*) FROM {} GROUP BY organisation_id",
            kind.path(),
            kind.table()
        ))
        .await?;
    }
    Ok(())
}

fn apply_filters(stmt: &mut SelectStatement, table: &TableDef, query: &ListQuery) -> Result<()> {
    for (column, value) in &query.filters {
        let def = table
            .column(column)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {column}")))?;
        let sql_value = match def.ty {
            ColType::Bool => match value.as_str() {
                "true" => true.into(),
                "false" => false.into(),
                _ => return Err(ValidationErrors::single(*column, "must be true or false").into()),
            },
            _ => sea_query::Value::from(value.clone()),
        };
        stmt.and_where(Expr::col((table.name, *column)).eq(Expr::val(sql_value)));
    }
    if let Some(search) = &query.search {
        let escaped: String = search
            .to_lowercase()
            .chars()
            .flat_map(|c| {
                if matches!(c, '%' | '_' | '\\') {
                    vec!['\\', c]
                } else {
                    vec![c]
                }
            })
            .collect();
        let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
        stmt.and_where(Expr::expr(Func::lower(Expr::col((table.name, "name")))).like(pattern));
    }
    Ok(())
}

fn not_found(kind: RecordKind, id: Uuid) -> StoreError {
    StoreError::NotFound {
        kind: kind.singular(),
        id: id.to_string(),
    }
}

async fn conflict_or_missing<F: RecordFields>(
    tx: &mut Tx,
    organisation_id: Uuid,
    id: Uuid,
) -> StoreError {
    match fetch_record::<F>(tx, organisation_id, id).await {
        Ok(Some(current)) => match serde_json::to_value(&current) {
            Ok(value) => StoreError::Conflict {
                revision: current.revision,
                current: value,
            },
            Err(e) => StoreError::Corrupt(e.to_string()),
        },
        Ok(None) => not_found(F::KIND, id),
        Err(e) => e,
    }
}

async fn fetch_record<F: RecordFields>(
    tx: &mut Tx,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Option<Record<F>>> {
    let table = table_of(F::KIND);
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(table.name, "id", id.to_string()))
        .and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ));
    tx.fetch_optional(&stmt, &table.columns)
        .await?
        .map(record_from_row)
        .transpose()
}

/// Every record a record points at must exist in the same organisation.
async fn check_references<F: RecordFields>(
    tx: &mut Tx,
    organisation_id: Uuid,
    fields: &F,
) -> Result<()> {
    let mut errors = ValidationErrors::new();
    for (field, kind, id) in references(fields) {
        let mut stmt = Query::select();
        stmt.from(kind.table())
            .expr(Expr::col("id").count())
            .and_where(eq(kind.table(), "id", id.to_string()))
            .and_where(eq(
                kind.table(),
                "organisation_id",
                organisation_id.to_string(),
            ));
        if tx.fetch_i64(&stmt).await? == 0 {
            errors.add(
                field,
                format!("{id} is not a {} of this organisation", kind.singular()),
            );
        }
    }
    Ok(errors.into_result()?)
}

/// Refuses to delete a record that another record of the organisation points at.
async fn check_not_referenced(
    tx: &mut Tx,
    organisation_id: Uuid,
    target: RecordKind,
    id: Uuid,
) -> Result<()> {
    if target == RecordKind::System {
        let mut stmt = Query::select();
        stmt.from("impact_assessments")
            .expr(Expr::col("id").count())
            .and_where(eq("impact_assessments", "system_id", id.to_string()));
        let n = tx.fetch_i64(&stmt).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system has {n} impact assessment version(s), which are kept as evidence"
            )));
        }
        let mut stmt = Query::select();
        stmt.from("risks")
            .expr(Expr::col("id").count())
            .and_where(eq("risks", "organisation_id", organisation_id.to_string()))
            .and_where(Expr::col("system_ids").like(format!("%\"{id}\"%")));
        let n = tx.fetch_i64(&stmt).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system is still named by {n} risk(s) of the register (field system_ids); change those first"
            )));
        }
    }
    for kind in RecordKind::ALL {
        for field in kind.fields() {
            let condition = match field.kind {
                FieldKind::Reference(k) if k == target => Expr::col(field.name).eq(id.to_string()),
                // Ids are hex and dashes, so they cannot contain LIKE wildcards.
                FieldKind::References(k) if k == target => {
                    Expr::col(field.name).like(format!("%\"{id}\"%"))
                }
                _ => continue,
            };
            let mut stmt = Query::select();
            stmt.from(kind.table())
                .expr(Expr::col("id").count())
                .and_where(eq(
                    kind.table(),
                    "organisation_id",
                    organisation_id.to_string(),
                ))
                .and_where(condition);
            let n = tx.fetch_i64(&stmt).await?;
            if n > 0 {
                return Err(StoreError::InUse(format!(
                    "this {} is still referenced by {n} {} (field {}); change those first",
                    target.singular(),
                    if n == 1 {
                        kind.singular().to_owned()
                    } else {
                        kind.plural().to_lowercase()
                    },
                    field.name
                )));
            }
        }
    }
    if target == RecordKind::System {
        let n = crate::evaluations::count_for_system(tx, id).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system has {n} evaluation(s) kept as evidence; it cannot be deleted (set its life-cycle stage to retired instead)"
            )));
        }
        let n = crate::classification::count_for_system(tx, id).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system has {n} EU AI Act classification version(s), which are kept as evidence; it cannot be deleted (set its life-cycle stage to retired instead)"
            )));
        }
        let mut stmt = Query::select();
        stmt.from("impact_assessments")
            .expr(Expr::col("id").count())
            .and_where(eq("impact_assessments", "system_id", id.to_string()));
        let n = tx.fetch_i64(&stmt).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system has {n} impact assessment version(s), which are kept as evidence"
            )));
        }
        let mut stmt = Query::select();
        stmt.from("decisions")
            .expr(Expr::cust("COUNT(*)"))
            .and_where(eq("decisions", "system_id", id.to_string()));
        let n = tx.fetch_i64(&stmt).await?;
        if n > 0 {
            return Err(StoreError::InUse(format!(
                "this AI system has {n} decision log entries, which are kept as evidence; it cannot be deleted (set its life-cycle stage to retired instead)"
            )));
        }
    }
    Ok(())
}

/// A record as a row: meta columns plus fields.
fn record_row<F: RecordFields>(record: &Record<F>) -> Result<Map<String, Value>> {
    match serde_json::to_value(record) {
        Ok(Value::Object(mut map)) => {
            for key in ["created_at", "updated_at"] {
                let t = if key == "created_at" {
                    record.created_at
                } else {
                    record.updated_at
                };
                map.insert(key.into(), Value::String(format_timestamp(t)));
            }
            Ok(map)
        }
        Ok(_) => Err(StoreError::Corrupt(
            "record did not serialise to an object".into(),
        )),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

fn record_from_row<F: RecordFields>(mut row: Map<String, Value>) -> Result<Record<F>> {
    let time = |row: &mut Map<String, Value>, key: &str| -> Result<DateTime<Utc>> {
        let s = rows::take_string(row, key)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
    };
    let revision = row
        .remove("revision")
        .and_then(|v| v.as_i64())
        .ok_or_else(|| StoreError::Corrupt("revision".into()))?;
    Ok(Record {
        id: parse_uuid(&rows::take_string(&mut row, "id")?)?,
        organisation_id: parse_uuid(&rows::take_string(&mut row, "organisation_id")?)?,
        revision,
        created_at: time(&mut row, "created_at")?,
        updated_at: time(&mut row, "updated_at")?,
        created_by: rows::take_string(&mut row, "created_by")?,
        updated_by: rows::take_string(&mut row, "updated_by")?,
        fields: rows::decode(row, F::KIND.singular())?,
    })
}

/// The state the change log holds for a stored row of `kind`: the row read back as its
/// record, exactly as a write logs it.
pub(crate) fn logged_state(kind: RecordKind, row: Map<String, Value>) -> Result<Value> {
    use aims_domain::inventory::{DatasetFields, ModelFields, SupplierFields, SystemFields};
    fn state<F: RecordFields>(row: Map<String, Value>) -> Result<Value> {
        record_row(&record_from_row::<F>(row)?).map(Value::Object)
    }
    match kind {
        RecordKind::System => state::<SystemFields>(row),
        RecordKind::Model => state::<ModelFields>(row),
        RecordKind::Dataset => state::<DatasetFields>(row),
        RecordKind::Supplier => state::<SupplierFields>(row),
    }
}

//! Evaluations kept as evidence on an AI system: added, never changed, logged as they read
//! back like every record.

use aims_domain::evaluation::{Evaluation, NewEvaluation};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::Value;
use uuid::Uuid;

use crate::Store;
use crate::changes::{Action, Actor};
use crate::db::{Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{TableDef, table};

pub const EVALUATION_KIND: &str = "evaluation";

fn evaluations_table() -> &'static TableDef {
    table("evaluations").expect("the evaluation table is described")
}

impl Store {
    /// Keeps an evaluation of one of the organisation's AI systems.
    pub async fn create_evaluation(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        fields: NewEvaluation,
    ) -> Result<Evaluation> {
        fields.validate()?;
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let mut stmt = Query::select();
        stmt.from("ai_systems")
            .expr(Expr::col("id").count())
            .and_where(eq("ai_systems", "id", system_id.to_string()))
            .and_where(eq(
                "ai_systems",
                "organisation_id",
                organisation_id.to_string(),
            ));
        if tx.fetch_i64(&stmt).await? == 0 {
            return Err(StoreError::NotFound {
                kind: "AI system",
                id: system_id.to_string(),
            });
        }
        let evaluation = Evaluation {
            id: Uuid::new_v4(),
            organisation_id,
            system_id,
            created_at: now,
            created_by: actor.label.clone(),
            fields,
        };
        let Value::Object(mut row) =
            serde_json::to_value(&evaluation).map_err(|e| StoreError::Corrupt(e.to_string()))?
        else {
            return Err(StoreError::Corrupt("an evaluation is an object".into()));
        };
        row.insert("created_at".into(), Value::String(format_timestamp(now)));
        let table = evaluations_table();
        rows::insert(&mut tx, table, &row).await?;
        let stored: Evaluation = rows::log_row(
            &mut tx,
            table,
            now,
            organisation_id,
            actor,
            Action::Create,
            EVALUATION_KIND,
            &evaluation.id.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// A system's evaluations, newest first.
    pub async fn evaluations(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
    ) -> Result<Vec<Evaluation>> {
        let table = evaluations_table();
        let mut stmt = rows::select(table.name, &table.columns);
        stmt.and_where(eq(
            table.name,
            "organisation_id",
            organisation_id.to_string(),
        ))
        .and_where(eq(table.name, "system_id", system_id.to_string()))
        .order_by((table.name, "created_at"), Order::Desc)
        .order_by((table.name, "id"), Order::Asc);
        let mut tx = self.pool.read().await?;
        tx.fetch(&stmt, &table.columns)
            .await?
            .into_iter()
            .map(|row| rows::decode(row, "evaluation"))
            .collect()
    }

    pub async fn evaluation(&self, organisation_id: Uuid, id: Uuid) -> Result<Evaluation> {
        let mut tx = self.pool.read().await?;
        rows::fetch_in(
            &mut tx,
            evaluations_table(),
            organisation_id,
            &id.to_string(),
        )
        .await?
        .map(|row| rows::decode(row, "evaluation"))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            kind: "evaluation",
            id: id.to_string(),
        })
    }
}

/// How many evaluations a system has; a system with any cannot be deleted.
pub(crate) async fn count_for_system(tx: &mut Tx, system_id: Uuid) -> Result<i64> {
    let mut stmt = Query::select();
    stmt.from("evaluations")
        .expr(Expr::col("id").count())
        .and_where(eq("evaluations", "system_id", system_id.to_string()));
    tx.fetch_i64(&stmt).await
}

/// Kinds whose stored rows are exactly their logged state: (kind, table).
pub(crate) const CHECKED: [(&str, &str); 1] = [(EVALUATION_KIND, "evaluations")];

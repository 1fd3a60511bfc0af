//! AI system impact assessments: versions per system and template, drafts that change and
//! approved versions that do not, and risks raised from an assessment in one step.
//!
//! The caller evaluates answers against the library template (the store knows no templates)
//! and passes the level and reasons; every write logs the row as it reads back.

use aims_domain::ValidationErrors;
use aims_domain::assessment::{
    Answers, AssessmentStatus, ImpactAssessment, LevelReason, check_note,
};
use aims_domain::risk::RiskFields;
use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Store;
use crate::changes::{Action, Actor};
use crate::db::{Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::rows::{self, eq};
use crate::schema::{TableDef, table};

pub const ASSESSMENT_KIND: &str = "impact_assessment";

/// What a save of a draft holds: the answers and what the template made of them.
#[derive(Debug, Clone)]
pub struct AssessmentContent {
    pub template_version: String,
    pub answers: Answers,
    pub level: String,
    pub reasons: Vec<LevelReason>,
    pub review_due: Option<NaiveDate>,
}

fn assessments_table() -> &'static TableDef {
    table("impact_assessments").expect("the assessment table is described")
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        kind: "impact assessment",
        id: id.to_string(),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Starts a new version of the system's assessment with a template, as a draft. Refused
    /// while a draft of that template exists: finish or approve it first.
    pub async fn create_assessment(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        template_id: &str,
        content: AssessmentContent,
    ) -> Result<ImpactAssessment> {
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
        let versions = read_versions(&mut tx, organisation_id, Some(system_id)).await?;
        let same: Vec<&ImpactAssessment> = versions
            .iter()
            .filter(|a| a.template_id == template_id)
            .collect();
        if let Some(draft) = same.iter().find(|a| a.is_draft()) {
            return Err(ValidationErrors::single(
                "template_id",
                format!(
                    "version {} of this assessment is still a draft ({}): change or approve it before starting another",
                    draft.version, draft.id
                ),
            )
            .into());
        }
        let assessment = ImpactAssessment {
            id: Uuid::new_v4(),
            organisation_id,
            system_id,
            template_id: template_id.to_owned(),
            template_version: content.template_version,
            version: same.iter().map(|a| a.version).max().unwrap_or(0) + 1,
            status: AssessmentStatus::Draft,
            revision: 1,
            created_at: now,
            updated_at: now,
            created_by: actor.label.clone(),
            updated_by: actor.label.clone(),
            answers: content.answers,
            level: content.level,
            reasons: content.reasons,
            review_due: content.review_due,
            approved_at: None,
            approved_by: None,
            approval_note: String::new(),
            risk_ids: Vec::new(),
        };
        let Value::Object(mut row) = json(&assessment)? else {
            return Err(StoreError::Corrupt("an assessment is an object".into()));
        };
        for key in ["created_at", "updated_at"] {
            row.insert(key.into(), Value::String(format_timestamp(now)));
        }
        rows::insert(&mut tx, assessments_table(), &row).await?;
        let stored = log(
            &mut tx,
            now,
            organisation_id,
            actor,
            Action::Create,
            assessment.id,
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Every assessment of the organisation (or of one system), newest version first within
    /// each system and template.
    pub async fn assessments(
        &self,
        organisation_id: Uuid,
        system_id: Option<Uuid>,
    ) -> Result<Vec<ImpactAssessment>> {
        let mut tx = self.pool.read().await?;
        read_versions(&mut tx, organisation_id, system_id).await
    }

    pub async fn assessment(&self, organisation_id: Uuid, id: Uuid) -> Result<ImpactAssessment> {
        let mut tx = self.pool.read().await?;
        read_one(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Saves new answers of a draft read at `expected_revision`.
    pub async fn update_assessment(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
        content: AssessmentContent,
    ) -> Result<ImpactAssessment> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let current = rows::at_revision::<ImpactAssessment>(
            &mut tx,
            assessments_table(),
            organisation_id,
            id,
            expected_revision,
            "impact assessment",
        )
        .await?;
        current.check_editable()?;
        let mut values = Map::new();
        values.insert(
            "template_version".into(),
            Value::String(content.template_version),
        );
        values.insert("answers".into(), json(&content.answers)?);
        values.insert("level".into(), Value::String(content.level));
        values.insert("reasons".into(), json(&content.reasons)?);
        values.insert("review_due".into(), json(&content.review_due)?);
        rows::update_revision(
            &mut tx,
            assessments_table(),
            &id.to_string(),
            actor,
            now,
            &values,
        )
        .await?;
        let stored = log(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Approves a draft read at `expected_revision`. The caller has checked that every
    /// required question is answered; from here on the version does not change.
    pub async fn approve_assessment(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        expected_revision: i64,
        note: &str,
    ) -> Result<ImpactAssessment> {
        check_note(note)?;
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let current = rows::at_revision::<ImpactAssessment>(
            &mut tx,
            assessments_table(),
            organisation_id,
            id,
            expected_revision,
            "impact assessment",
        )
        .await?;
        current.check_editable()?;
        let mut values = Map::new();
        values.insert("status".into(), json(&AssessmentStatus::Approved)?);
        values.insert("approved_at".into(), Value::String(format_timestamp(now)));
        values.insert("approved_by".into(), Value::String(actor.label.clone()));
        values.insert(
            "approval_note".into(),
            Value::String(note.trim().to_owned()),
        );
        rows::update_revision(
            &mut tx,
            assessments_table(),
            &id.to_string(),
            actor,
            now,
            &values,
        )
        .await?;
        let stored = log(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Adds a risk to the register and links it to the assessment it was identified in, in
    /// one transaction. Allowed on approved versions too: the link records what followed
    /// from the assessment, not a change of its answers.
    pub async fn raise_risk_from_assessment(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        id: Uuid,
        fields: RiskFields,
    ) -> Result<(aims_domain::risk::Risk, ImpactAssessment)> {
        let now = self.now();
        let mut tx = self.pool.write().await?;
        let mut assessment = read_one(&mut tx, organisation_id, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let risk = crate::risks::insert_risk(&mut tx, actor, organisation_id, now, fields).await?;
        assessment.risk_ids.push(risk.id);
        let mut values = Map::new();
        values.insert("risk_ids".into(), json(&assessment.risk_ids)?);
        rows::update_revision(
            &mut tx,
            assessments_table(),
            &id.to_string(),
            actor,
            now,
            &values,
        )
        .await?;
        let stored = log(&mut tx, now, organisation_id, actor, Action::Update, id).await?;
        tx.commit().await?;
        Ok((risk, stored))
    }
}

async fn read_one(
    tx: &mut Tx,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Option<ImpactAssessment>> {
    rows::fetch_in(tx, assessments_table(), organisation_id, &id.to_string())
        .await?
        .map(|row| rows::decode(row, "impact assessment"))
        .transpose()
}

async fn read_versions(
    tx: &mut Tx,
    organisation_id: Uuid,
    system_id: Option<Uuid>,
) -> Result<Vec<ImpactAssessment>> {
    let table = assessments_table();
    let mut stmt = rows::select(table.name, &table.columns);
    stmt.and_where(eq(
        table.name,
        "organisation_id",
        organisation_id.to_string(),
    ));
    if let Some(system_id) = system_id {
        stmt.and_where(eq(table.name, "system_id", system_id.to_string()));
    }
    stmt.order_by((table.name, "system_id"), Order::Asc)
        .order_by((table.name, "template_id"), Order::Asc)
        .order_by((table.name, "version"), Order::Desc);
    tx.fetch(&stmt, &table.columns)
        .await?
        .into_iter()
        .map(|row| rows::decode(row, "impact assessment"))
        .collect()
}

async fn log(
    tx: &mut Tx,
    now: DateTime<Utc>,
    organisation_id: Uuid,
    actor: &Actor,
    action: Action,
    id: Uuid,
) -> Result<ImpactAssessment> {
    rows::log_row(
        tx,
        assessments_table(),
        now,
        organisation_id,
        actor,
        action,
        ASSESSMENT_KIND,
        &id.to_string(),
    )
    .await
}

/// Kinds whose stored rows are exactly their logged state: (kind, table).
pub(crate) const CHECKED: [(&str, &str); 1] = [(ASSESSMENT_KIND, "impact_assessments")];

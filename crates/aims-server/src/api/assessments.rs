//! AI system impact assessments: the library's templates, assessments per system drafted
//! and approved, comparison of versions, risks raised from an answer, and the report.

use aims_domain::Permission;
use aims_domain::ValidationErrors;
use aims_domain::assessment::{AnswerChange, Answers, ImpactAssessment, compare_answers};
use aims_domain::risk::{Rating, RiskFields};
use aims_domain::validation::deserialize;
use aims_library::AssessmentTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::soa::revision_of;
use super::{ApiRoute, doc, route};
use crate::auth::{Auth, AuthContext};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonValue, QueryParams, parse_id};
use crate::risks::{RiskView, check_library};
use crate::state::AppState;

pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::GET, "/assessment-templates", Some(Read), doc("listAssessmentTemplates", "impact-assessments", "The impact assessment templates of the library").ok(200, "TemplateList"), get(list_templates)),
        route(Method::GET, "/assessment-templates/{template_id}", Some(Read), doc("getAssessmentTemplate", "impact-assessments", "One template: sections, questions with their kinds, options, guidance, and the rules that derive the impact level").ids(&["template_id"]).ok(200, "AssessmentTemplateDocument"), get(get_template)),
        route(
            Method::GET,
            "/impact-assessments",
            Some(Read),
            doc("listImpactAssessments", "impact-assessments", "Impact assessments, newest version first per system and template").ok(200, "ImpactAssessmentList").query(&[
                ("system_id", "Only assessments of this AI system"),
                ("status", "`draft` or `approved`"),
            ]),
            get(list),
        ),
        route(Method::POST, "/impact-assessments", Some(Edit), doc("createImpactAssessment", "impact-assessments", "Start a new version of a system's assessment with a template, as a draft; without `answers`, the latest version's answers are copied").request("NewImpactAssessment").ok(201, "ImpactAssessment"), post(create)),
        route(Method::GET, "/impact-assessments/{id}", Some(Read), doc("getImpactAssessment", "impact-assessments", "One assessment version with its answers, level and reasons").ids(&["id"]).ok(200, "ImpactAssessment"), get(get_one)),
        route(
            Method::PATCH,
            "/impact-assessments/{id}",
            Some(Edit),
            doc("updateImpactAssessment", "impact-assessments", "Change a draft: the answers given replace those of the same questions (`null` clears one), and the level is derived again. Send the `revision` you read").ids(&["id"]).request("ImpactAssessmentPatch").ok(200, "ImpactAssessment"),
            patch(update),
        ),
        route(
            Method::POST,
            "/impact-assessments/{id}/approval",
            Some(Approve),
            doc("approveImpactAssessment", "impact-assessments", "Approve a draft (managers and admins); refused while a required question is unanswered. Approved versions do not change").ids(&["id"]).request("ApproveImpactAssessment").ok(200, "ImpactAssessment"),
            post(approve),
        ),
        route(
            Method::GET,
            "/impact-assessments/{id}/compare",
            Some(Read),
            doc("compareImpactAssessments", "impact-assessments", "The answers that differ between this version and another of the same system and template").ids(&["id"]).query(&[("with", "Id of the other version")]).ok(200, "AssessmentComparison"),
            get(compare),
        ),
        route(
            Method::POST,
            "/impact-assessments/{id}/risks",
            Some(Edit),
            doc("raiseRiskFromAssessment", "impact-assessments", "Add a risk to the register from an answer of the assessment, linked to it, in one step").ids(&["id"]).request("RaiseRisk").ok(201, "RaisedRisk"),
            post(raise_risk),
        ),
        route(
            Method::GET,
            "/impact-assessments/{id}/report",
            Some(Read),
            doc("impactAssessmentReport", "impact-assessments", "The assessment as a standalone HTML document to keep, print or send").ids(&["id"]).download(&["text/html"]),
            get(report),
        ),
    ]
}

/// A template as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSummary {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub applies_to: Option<String>,
    /// Impact levels, lowest first.
    pub levels: Vec<String>,
    pub questions: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateSummary>,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactAssessmentList {
    pub items: Vec<ImpactAssessment>,
    pub total: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImpactAssessment {
    pub system_id: Uuid,
    pub template_id: String,
    /// Answers by question id; absent: copied from the latest version.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<Answers>,
    pub review_due: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactAssessmentPatch {
    pub revision: i64,
    #[schema(value_type = Option<Object>)]
    pub answers: Option<Answers>,
    /// `null` clears the review date; absent keeps it.
    #[serde(default, deserialize_with = "present")]
    pub review_due: Option<Option<NaiveDate>>,
}

/// Tells an explicit `null` (clear) from an absent key (keep).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    Option::<NaiveDate>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveImpactAssessment {
    pub revision: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentComparison {
    pub from_version: i64,
    pub to_version: i64,
    pub from_level: String,
    pub to_level: String,
    pub changes: Vec<AnswerChange>,
}

/// A risk identified in an assessment: the question it comes from and its rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseRisk {
    pub question_id: String,
    /// Default: the question and its answer.
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    pub inherent: Rating,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RaisedRisk {
    pub risk: RiskView,
    pub assessment: ImpactAssessment,
}

pub(crate) fn template(id: &str, field: &str) -> ApiResult<&'static AssessmentTemplate> {
    let library = crate::library::get()?;
    library.template(id).ok_or_else(|| {
        ApiError::validation(
            field,
            format!(
                "`{id}` is not an assessment template of the library; known: {}",
                library
                    .templates
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

async fn list_templates(Auth(_auth): Auth) -> ApiResult<Json<TemplateList>> {
    let items: Vec<TemplateSummary> = crate::library::get()?
        .templates
        .iter()
        .map(|t| TemplateSummary {
            id: t.id.clone(),
            name: t.name.clone(),
            version: t.version.clone(),
            description: t.description.clone(),
            applies_to: t.applies_to.clone(),
            levels: t.levels.clone(),
            questions: t.questions().count(),
        })
        .collect();
    Ok(Json(TemplateList {
        total: items.len() as u64,
        items,
    }))
}

async fn get_template(Auth(_auth): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let library = crate::library::get()?;
    let found = library
        .template(&id)
        .ok_or_else(|| ApiError::NotFound(format!("assessment template {id} was not found")))?;
    Ok(Json(
        serde_json::to_value(found).map_err(ApiError::internal)?,
    ))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    system_id: Option<String>,
    status: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<ImpactAssessmentList>> {
    let system = match params
        .system_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(parse_id(id, "system_id")?),
        None => None,
    };
    let status = match params
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s @ ("draft" | "approved")) => Some(s.to_owned()),
        Some(other) => {
            return Err(ApiError::validation(
                "status",
                format!("must be draft or approved, got `{other}`"),
            ));
        }
    };
    let items: Vec<ImpactAssessment> = state
        .store
        .assessments(auth.organisation_id(), system)
        .await?
        .into_iter()
        .filter(|a| status.as_deref().is_none_or(|s| a.status.as_str() == s))
        .collect();
    Ok(Json(ImpactAssessmentList {
        total: items.len() as u64,
        items,
    }))
}

pub(crate) async fn create_assessment(
    state: &AppState,
    auth: &AuthContext,
    body: Value,
) -> ApiResult<ImpactAssessment> {
    let body: NewImpactAssessment = deserialize(body)?;
    let template = template(&body.template_id, "template_id")?;
    let org = auth.organisation_id();
    let answers = match body.answers {
        Some(answers) => answers,
        None => state
            .store
            .assessments(org, Some(body.system_id))
            .await?
            .into_iter()
            .find(|a| a.template_id == body.template_id)
            .map(|latest| latest.answers)
            .unwrap_or_default(),
    };
    let content = crate::assessments::evaluate(template, answers, body.review_due)?;
    Ok(state
        .store
        .create_assessment(&auth.actor(), org, body.system_id, &template.id, content)
        .await?)
}

async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let created = create_assessment(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn get_one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ImpactAssessment>> {
    let id = parse_id(&id, "id")?;
    Ok(Json(
        state.store.assessment(auth.organisation_id(), id).await?,
    ))
}

pub(crate) async fn update_assessment(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    body: Value,
) -> ApiResult<ImpactAssessment> {
    let patch: ImpactAssessmentPatch = deserialize(body)?;
    let org = auth.organisation_id();
    let current = state.store.assessment(org, id).await?;
    current.check_editable()?;
    let template = template(&current.template_id, "template_id")?;
    let mut answers = current.answers.clone();
    for (question, answer) in patch.answers.unwrap_or_default() {
        if answer.is_null() {
            answers.remove(&question);
        } else {
            answers.insert(question, answer);
        }
    }
    let review_due = patch.review_due.unwrap_or(current.review_due);
    let content = crate::assessments::evaluate(template, answers, review_due)?;
    Ok(state
        .store
        .update_assessment(&auth.actor(), org, id, patch.revision, content)
        .await?)
}

async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonValue(mut body): JsonValue,
) -> ApiResult<Json<ImpactAssessment>> {
    let id = parse_id(&id, "id")?;
    let Value::Object(map) = &mut body else {
        return Err(ApiError::validation("", "expected a JSON object"));
    };
    let revision = revision_of(&headers, map.get("revision"))?;
    map.insert("revision".into(), Value::from(revision));
    Ok(Json(update_assessment(&state, &auth, id, body).await?))
}

pub(crate) async fn approve_assessment(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    body: Value,
) -> ApiResult<ImpactAssessment> {
    let body: ApproveImpactAssessment = deserialize(body)?;
    let org = auth.organisation_id();
    let current = state.store.assessment(org, id).await?;
    current.check_editable()?;
    let template = template(&current.template_id, "template_id")?;
    let missing = template.missing_required(&current.answers);
    if !missing.is_empty() {
        let mut errors = ValidationErrors::new();
        for q in missing {
            errors.add(
                format!("answers.{}", q.id),
                format!("is required before approval: {}", q.text),
            );
        }
        return Err(errors.into());
    }
    Ok(state
        .store
        .approve_assessment(&auth.actor(), org, id, body.revision, &body.note)
        .await?)
}

async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<ImpactAssessment>> {
    let id = parse_id(&id, "id")?;
    Ok(Json(approve_assessment(&state, &auth, id, body).await?))
}

#[derive(Debug, Deserialize)]
struct CompareParams {
    with: Option<String>,
}

pub(crate) async fn comparison(
    state: &AppState,
    org: Uuid,
    id: Uuid,
    other: Uuid,
) -> ApiResult<AssessmentComparison> {
    let this = state.store.assessment(org, id).await?;
    let other = state.store.assessment(org, other).await?;
    if (this.system_id, &this.template_id) != (other.system_id, &other.template_id) {
        return Err(ApiError::validation(
            "with",
            "must be a version of the same system's assessment with the same template",
        ));
    }
    let (from, to) = if other.version <= this.version {
        (other, this)
    } else {
        (this, other)
    };
    Ok(AssessmentComparison {
        changes: compare_answers(&from.answers, &to.answers),
        from_version: from.version,
        to_version: to.version,
        from_level: from.level,
        to_level: to.level,
    })
}

async fn compare(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<CompareParams>,
) -> ApiResult<Json<AssessmentComparison>> {
    let id = parse_id(&id, "id")?;
    let Some(with) = params.with.as_deref().filter(|w| !w.trim().is_empty()) else {
        return Err(ApiError::validation(
            "with",
            "is required: the id of the other version",
        ));
    };
    let other = parse_id(with, "with")?;
    Ok(Json(
        comparison(&state, auth.organisation_id(), id, other).await?,
    ))
}

/// An answer as people read it: option labels, yes/no, the scale value.
pub(crate) fn answer_text(
    template: &AssessmentTemplate,
    question_id: &str,
    answer: &Value,
) -> String {
    let Some(question) = template.question(question_id) else {
        return answer.to_string();
    };
    let label = |value: &str| {
        question
            .option(value)
            .map_or_else(|| value.to_owned(), |o| o.label.clone())
    };
    match answer {
        Value::Bool(true) => "Yes".to_owned(),
        Value::Bool(false) => "No".to_owned(),
        Value::String(s) if !question.options.is_empty() => label(s),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), label))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Number(n) => {
            let scale_label = question.scale.as_ref().and_then(|s| {
                s.labels
                    .iter()
                    .find(|l| Some(l.value) == n.as_i64())
                    .map(|l| l.label.clone())
            });
            match scale_label {
                Some(l) => format!("{n} ({l})"),
                None => n.to_string(),
            }
        }
        other => other.to_string(),
    }
}

pub(crate) async fn raise(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    body: Value,
) -> ApiResult<RaisedRisk> {
    let body: RaiseRisk = deserialize(body)?;
    let org = auth.organisation_id();
    let assessment = state.store.assessment(org, id).await?;
    let template = template(&assessment.template_id, "template_id")?;
    let Some(question) = template.question(&body.question_id) else {
        return Err(ApiError::validation(
            "question_id",
            format!(
                "`{}` is not a question of {}",
                body.question_id, template.name
            ),
        ));
    };
    let answer = assessment
        .answers
        .get(&question.id)
        .map(|a| answer_text(template, &question.id, a));
    let title = body.title.unwrap_or_else(|| match &answer {
        Some(a) => format!("{} — {}", question.text, a),
        None => question.text.clone(),
    });
    let title: String = title.chars().take(aims_domain::risk::MAX_TITLE).collect();
    let mut description = body.description;
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "Identified in version {} of the {} of this system (question {}{}).",
        assessment.version,
        template.name,
        question.id,
        answer
            .map(|a| format!(", answered: {a}"))
            .unwrap_or_default()
    ));
    let fields = RiskFields {
        title,
        description,
        system_ids: vec![assessment.system_id],
        sources: body.sources,
        affected_parties: Vec::new(),
        inherent: body.inherent,
        owner: body.owner,
        treatment: None,
        actions: Vec::new(),
        residual: None,
        review_due: None,
    };
    fields.validate()?;
    check_library(&fields, crate::library::get()?)?;
    let (risk, assessment) = state
        .store
        .raise_risk_from_assessment(&auth.actor(), org, id, fields)
        .await?;
    let criteria = state.store.risk_criteria(org).await?.criteria;
    Ok(RaisedRisk {
        risk: RiskView::new(risk, &criteria, super::soa::today()),
        assessment,
    })
}

async fn raise_risk(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id")?;
    let raised = raise(&state, &auth, id, body).await?;
    Ok((StatusCode::CREATED, Json(raised)).into_response())
}

async fn report(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id")?;
    let org = auth.organisation_id();
    let assessment = state.store.assessment(org, id).await?;
    let template = template(&assessment.template_id, "template_id")?;
    let system = state
        .store
        .record::<aims_domain::inventory::SystemFields>(org, assessment.system_id)
        .await?;
    let organisation = state.store.organisation(org).await?;
    let html = crate::assessments::standalone(
        &organisation.name,
        &system.fields.name,
        template,
        &assessment,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"impact-assessment-{}-v{}.html\"",
                    assessment.template_id, assessment.version
                ),
            ),
        ],
        html,
    )
        .into_response())
}

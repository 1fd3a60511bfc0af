//! The EU AI Act classification of AI systems: the questionnaire, classifying a system into
//! a new version, the versions, and the latest version's obligations as a checklist linked
//! to the ISO/IEC 42001 controls and clauses that help meet them, with their SoA status.
//!
//! The rules are `aims_domain::eu_ai_act` (docs/eu-ai-act.md); nothing here decides a tier.

use std::cmp::Ordering;

use aims_domain::Permission;
use aims_domain::eu_ai_act::{
    self, Answers, Classification, FRAMEWORK_ID, Question, SystemClassification, Tier,
};
use aims_domain::soa::{
    ConformityStatus, ControlFields, EvidenceState, ImplementationStatus, ItemType,
    RequirementFields, SoaItem, compare_refs, evidence_state,
};
use aims_library::{Library, NodeKind};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::soa::today;
use super::{ApiRoute, doc, route};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, parse_id};
use crate::state::AppState;

/// The crosswalk that links ISO/IEC 42001 to the obligations of the Act.
pub const CROSSWALK_ID: &str = "iso-42001-to-eu-ai-act";

/// The framework whose SoA status the checklist shows.
pub const ISO_FRAMEWORK_ID: &str = "iso-iec-42001-2023";

const TAG: &str = "eu-ai-act";

pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::GET, "/eu-ai-act/questionnaire", Some(Read), doc("getEuAiActQuestionnaire", TAG, "The questions of the EU AI Act classification in order, with their kinds, options, help and the conditions under which each is asked").ok(200, "EuAiActQuestionnaire"), get(questionnaire)),
        route(
            Method::POST,
            "/systems/{id}/eu-ai-act",
            Some(Edit),
            doc("classifySystem", TAG, "Classify an AI system from answers to the questionnaire: saves the outcome as the system's next version and sets its `eu_ai_act_tier`. Answers that are wrong, missing or not asked get 400 naming `answers.<question id>`; nothing is saved").ids(&["id"]).request("ClassifySystem").ok(201, "SystemClassification"),
            axum::routing::post(classify),
        ),
        route(Method::GET, "/systems/{id}/eu-ai-act", Some(Read), doc("listSystemClassifications", TAG, "Every version of the system's EU AI Act classification, newest first").ids(&["id"]).ok(200, "SystemClassificationList"), get(list)),
        route(
            Method::GET,
            "/systems/{id}/eu-ai-act/obligations",
            Some(Read),
            doc("getSystemObligations", TAG, "The obligations of the latest classification as a checklist: each with its articles, the ISO/IEC 42001 controls and clauses mapped to it, and their status in the organisation's SoA when it adopted ISO/IEC 42001").ids(&["id"]).ok(200, "ObligationChecklist"),
            get(obligations),
        ),
        route(Method::GET, "/systems/{id}/eu-ai-act/{version}", Some(Read), doc("getSystemClassification", TAG, "One version of the system's EU AI Act classification").ids(&["id", "version"]).ok(200, "SystemClassification"), get(one)),
    ]
}

/// The questionnaire, in the order a form asks it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EuAiActQuestionnaire {
    /// The framework whose obligation refs a classification lists.
    pub framework_id: String,
    pub items: Vec<Question>,
    pub total: u64,
}

async fn questionnaire() -> Json<EuAiActQuestionnaire> {
    let items = eu_ai_act::questionnaire().to_vec();
    Json(EuAiActQuestionnaire {
        framework_id: FRAMEWORK_ID.to_owned(),
        total: items.len() as u64,
        items,
    })
}

/// Answers to classify a system with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifySystem {
    /// Question id → answer: `true`/`false` for a yes/no question, the option's value for a
    /// single choice, a list of option values for a multiple choice. Only the questions that
    /// are asked given the other answers (see `shown_when`) may be answered, and each of them
    /// must be.
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// What the assessor adds, such as sources consulted or doubts (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
    /// The date of the assessment; absent: today. Not later than today.
    #[serde(default)]
    pub assessed_on: Option<NaiveDate>,
}

/// Classifies a system and saves the version; shared with the web form.
pub(crate) async fn classify_and_save(
    state: &AppState,
    auth: &crate::auth::AuthContext,
    system_id: Uuid,
    body: ClassifySystem,
) -> ApiResult<SystemClassification> {
    Ok(state
        .store
        .classify_system(
            &auth.actor(),
            auth.organisation_id(),
            system_id,
            body.answers,
            &body.note,
            body.assessed_on.unwrap_or_else(today),
        )
        .await?)
}

async fn classify(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ClassifySystem>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id")?;
    let saved = classify_and_save(&state, &auth, id, body).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SystemClassificationList {
    pub items: Vec<SystemClassification>,
    pub total: u64,
}

async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SystemClassificationList>> {
    let id = parse_id(&id, "id")?;
    let items = state
        .store
        .classifications(auth.organisation_id(), id)
        .await?;
    Ok(Json(SystemClassificationList {
        total: items.len() as u64,
        items,
    }))
}

/// A version number from the path: a whole number from 1.
pub(crate) fn parse_version(text: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::validation(
            "version",
            format!("must be a version number such as 1, got `{text}`"),
        )
    })
}

async fn one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<SystemClassification>> {
    let id = parse_id(&id, "id")?;
    let version = parse_version(&version)?;
    Ok(Json(
        state
            .store
            .classification(auth.organisation_id(), id, version)
            .await?,
    ))
}

// ------------------------------------------------------------------ the checklist

/// The obligations of a system's latest classification, each linked to ISO/IEC 42001.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationChecklist {
    pub system_id: Uuid,
    /// The classification version the obligations come from.
    pub version: i64,
    pub tier: Tier,
    pub assessed_on: NaiveDate,
    /// The framework of the obligations (`eu-ai-act-2024`).
    pub framework_id: String,
    /// The crosswalk the ISO/IEC 42001 links come from.
    pub crosswalk_id: String,
    /// The framework the organisation adopted in its SoA, if any. SoA status is given only
    /// when it is ISO/IEC 42001.
    pub soa_framework_id: Option<String>,
    pub items: Vec<ObligationItem>,
    pub total: u64,
}

/// One obligation that falls on the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationItem {
    /// The obligation's ref in the framework, for example `provider.risk-management`.
    pub obligation_ref: String,
    pub title: String,
    /// The articles it rests on, for example `Art. 9`.
    pub articles: Vec<String>,
    pub description: Option<String>,
    /// ISO/IEC 42001 clauses and controls whose work helps meet it: clauses first, each
    /// group in the standard's order. Empty when nothing in the standard corresponds.
    pub iso_links: Vec<IsoLink>,
}

/// A clause or control of ISO/IEC 42001 mapped to an obligation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IsoLink {
    pub framework_id: String,
    /// The control's or clause's ref, for example `A.6.2.4` or `6.1.2`.
    pub item_ref: String,
    pub title: String,
    pub item_type: ItemType,
    /// How the ISO item relates to the obligation, read "the ISO item is … of it": `intersect`
    /// (largely the same outcome) or `related` (supports it without covering it); `equal`,
    /// `subset` and `superset` in a crosswalk of one's own.
    pub relation: String,
    pub rationale: Option<String>,
    /// The item's entry in the organisation's SoA, when it adopted ISO/IEC 42001.
    pub soa: Option<SoaEntryState>,
}

/// Where an SoA entry stands today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SoaEntryState {
    /// False when the control is excluded from the SoA (clauses always apply).
    pub applicable: bool,
    /// A control's implementation status.
    pub implementation_status: Option<ImplementationStatus>,
    /// A clause requirement's conformity status.
    pub conformity_status: Option<ConformityStatus>,
    pub owner: String,
    pub evidence_state: EvidenceState,
}

impl SoaEntryState {
    /// The status in words.
    pub fn label(&self) -> &'static str {
        match (self.implementation_status, self.conformity_status) {
            (Some(s), _) => s.label(),
            (None, Some(s)) => s.label(),
            (None, None) => "Not recorded",
        }
    }
}

/// The organisation's ISO/IEC 42001 SoA entries, when it adopted that framework.
pub(crate) struct IsoSoa {
    pub controls: Vec<SoaItem<ControlFields>>,
    pub requirements: Vec<SoaItem<RequirementFields>>,
}

impl IsoSoa {
    fn entry(&self, item_type: ItemType, r: &str, today: NaiveDate) -> Option<SoaEntryState> {
        match item_type {
            ItemType::Control => {
                self.controls
                    .iter()
                    .find(|i| i.item_ref == r)
                    .map(|i| SoaEntryState {
                        applicable: i.fields.applicable,
                        implementation_status: Some(i.fields.status),
                        conformity_status: None,
                        owner: i.fields.owner.clone(),
                        evidence_state: evidence_state(&i.fields.evidence, today),
                    })
            }
            ItemType::Requirement => {
                self.requirements
                    .iter()
                    .find(|i| i.item_ref == r)
                    .map(|i| SoaEntryState {
                        applicable: true,
                        implementation_status: None,
                        conformity_status: Some(i.fields.status),
                        owner: i.fields.owner.clone(),
                        evidence_state: evidence_state(&i.fields.evidence, today),
                    })
            }
        }
    }
}

/// The checklist of one classification, from the library and, when given, the SoA.
pub(crate) fn checklist(
    library: &Library,
    classification: &SystemClassification,
    soa_framework_id: Option<String>,
    soa: Option<&IsoSoa>,
    today: NaiveDate,
) -> ObligationChecklist {
    let result: &Classification = &classification.result;
    let items: Vec<ObligationItem> = result
        .obligations
        .iter()
        .map(|r| {
            let node = library.node(FRAMEWORK_ID, r);
            let mut iso_links: Vec<IsoLink> = library
                .mappings_for(FRAMEWORK_ID, r)
                .into_iter()
                .filter(|m| m.crosswalk.id == CROSSWALK_ID)
                .filter_map(|m| {
                    let iso = library.node(m.other_framework, m.other_ref)?;
                    let item_type = match iso.kind {
                        NodeKind::Control => ItemType::Control,
                        _ => ItemType::Requirement,
                    };
                    Some(IsoLink {
                        framework_id: m.other_framework.to_owned(),
                        item_ref: m.other_ref.to_owned(),
                        title: iso.title.clone(),
                        item_type,
                        relation: m.relation.as_str().to_owned(),
                        rationale: m.mapping.rationale.clone(),
                        soa: soa.and_then(|s| s.entry(item_type, m.other_ref, today)),
                    })
                })
                .collect();
            iso_links.sort_by(|a, b| {
                let rank = |t: ItemType| matches!(t, ItemType::Control);
                match rank(a.item_type).cmp(&rank(b.item_type)) {
                    Ordering::Equal => compare_refs(&a.item_ref, &b.item_ref),
                    other => other,
                }
            });
            iso_links.dedup_by(|a, b| a.item_ref == b.item_ref);
            ObligationItem {
                obligation_ref: r.clone(),
                title: node.map(|n| n.title.clone()).unwrap_or_else(|| r.clone()),
                articles: node.map(|n| n.articles.clone()).unwrap_or_default(),
                description: node.and_then(|n| n.description.clone()),
                iso_links,
            }
        })
        .collect();
    ObligationChecklist {
        system_id: classification.system_id,
        version: classification.version,
        tier: result.tier,
        assessed_on: classification.assessed_on,
        framework_id: FRAMEWORK_ID.to_owned(),
        crosswalk_id: CROSSWALK_ID.to_owned(),
        soa_framework_id,
        total: items.len() as u64,
        items,
    }
}

/// The checklist of a classification for the organisation, with its SoA status.
pub(crate) async fn checklist_of(
    state: &AppState,
    organisation_id: Uuid,
    classification: &SystemClassification,
) -> ApiResult<ObligationChecklist> {
    let library = crate::library::get()?;
    let soa_framework = state
        .store
        .soa(organisation_id)
        .await?
        .map(|s| s.framework_id);
    let iso = match soa_framework.as_deref() {
        Some(ISO_FRAMEWORK_ID) => Some(IsoSoa {
            controls: state.store.soa_items(organisation_id).await?,
            requirements: state.store.soa_items(organisation_id).await?,
        }),
        _ => None,
    };
    Ok(checklist(
        library,
        classification,
        soa_framework,
        iso.as_ref(),
        today(),
    ))
}

/// The latest classification of a system, or 404 saying there is none yet.
pub(crate) async fn latest(
    state: &AppState,
    organisation_id: Uuid,
    system_id: Uuid,
) -> ApiResult<SystemClassification> {
    state
        .store
        .classifications(organisation_id, system_id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "AI system {system_id} has no EU AI Act classification yet: classify it with POST /api/v1/systems/{system_id}/eu-ai-act"
            ))
        })
}

async fn obligations(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ObligationChecklist>> {
    let id = parse_id(&id, "id")?;
    let org = auth.organisation_id();
    let classification = latest(&state, org, id).await?;
    Ok(Json(checklist_of(&state, org, &classification).await?))
}

/// The schemas of these routes, for the OpenAPI document.
pub(super) fn schemas(s: &mut Map<String, Value>) {
    use super::openapi::add;
    add::<Question>(s);
    add::<EuAiActQuestionnaire>(s);
    add::<ClassifySystem>(s);
    add::<Classification>(s);
    add::<SystemClassification>(s);
    add::<SystemClassificationList>(s);
    add::<SoaEntryState>(s);
    add::<IsoLink>(s);
    add::<ObligationItem>(s);
    add::<ObligationChecklist>(s);
    // Answers: question id → true/false, an option value, or a list of option values.
    let answers = json!({
        "type": "object",
        "description": "Question id → answer: `true`/`false`, an option value, or a list of option values",
        "additionalProperties": {"anyOf": [
            {"type": "boolean"},
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}}
        ]}
    });
    for name in ["ClassifySystem", "SystemClassification"] {
        if let Some(props) = s
            .get_mut(name)
            .and_then(|schema| schema["properties"].as_object_mut())
        {
            props.insert("answers".into(), answers.clone());
        }
    }
}

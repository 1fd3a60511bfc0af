//! The risk register and the risk criteria: list with filters, create, read, partial
//! update, delete, acceptance and its withdrawal, history, the heat map and the downloads.

use aims_domain::risk::{AcceptRisk, Basis, Risk, RiskCriteria, RiskFields};
use aims_domain::validation::{deserialize, merge_patch};
use aims_domain::{Permission, ValidationErrors};
use aims_store::StoredCriteria;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::inventory::History;
use super::soa::{CSV, XLSX, revision_of, today};
use super::{ApiRoute, doc, route};
use crate::auth::{Auth, AuthContext};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonValue, QueryParams, page_params, parse_id};
use crate::risks::{FileFormat, RiskFilter, RiskView, check_library};
use crate::state::AppState;

pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::GET, "/risk-sources", Some(Read), doc("listRiskSources", "risks", "The library's taxonomy of AI risk sources: the ids a risk's `sources` may hold").ok(200, "RiskSourceList"), get(risk_sources)),
        route(Method::GET, "/risk-criteria", Some(Read), doc("getRiskCriteria", "risks", "The organisation's risk criteria: likelihood and impact scales, levels and their colours, the treatment threshold and who may accept each level (defaults until saved, revision 0)").ok(200, "RiskCriteriaInfo"), get(get_criteria)),
        route(
            Method::PUT,
            "/risk-criteria",
            Some(Approve),
            doc("setRiskCriteria", "risks", "Replace the risk criteria (managers and admins). Send the revision you read; refused while a risk is rated off the new matrix").request("SetRiskCriteria").ok(200, "RiskCriteriaInfo"),
            put(set_criteria),
        ),
        route(
            Method::GET,
            "/risks",
            Some(Read),
            doc("listRisks", "risks", "The risk register, highest residual level first, with each risk's levels, overdue flags and acceptance state").ok(200, "RiskList").query(&[
                ("system_id", "Only risks concerning this AI system"),
                ("source", "Only risks with this risk source id"),
                ("owner", "Only risks with this owner (exact)"),
                ("level", "Only risks whose residual level has this name"),
                ("treatment", "Only risks with this treatment: modify, avoid, share or retain"),
                ("overdue", "`true`: only risks with an overdue review or overdue actions"),
                ("acceptance", "`none`, `current` or `expired`"),
                ("q", "Case-insensitive text in title or description"),
                ("limit", "Page size, 1 to 500 (default 50)"),
                ("offset", "Risks to skip"),
            ]),
            get(list),
        ),
        route(Method::POST, "/risks", Some(Edit), doc("createRisk", "risks", "Add a risk to the register; its treatment actions' control links list it on the SoA").request("RiskFields").ok(201, "RiskView"), post(create)),
        route(
            Method::GET,
            "/risks/heat-map",
            Some(Read),
            doc("getRiskHeatMap", "risks", "The heat map of the register as an SVG image: risks per likelihood × impact cell, coloured by level").download(&[SVG]).query(&[("basis", "`inherent` or `residual` (default)")]),
            get(heat_map),
        ),
        route(
            Method::GET,
            "/risks/export",
            Some(Read),
            doc("exportRisks", "risks", "The risk register as a file: one row per risk; XLSX adds the criteria as a second sheet").download(&[CSV, XLSX]).query(&[("format", "`csv` or `xlsx`")]),
            get(export),
        ),
        route(Method::GET, "/risks/{id}", Some(Read), doc("getRisk", "risks", "One risk").ids(&["id"]).ok(200, "RiskView"), get(get_one)),
        route(
            Method::PATCH,
            "/risks/{id}",
            Some(Edit),
            doc("updateRisk", "risks", "Change some fields of a risk. Send the `revision` you read (or `If-Match`); a stale one gets 409 with the current risk. A new residual rating withdraws the acceptance").ids(&["id"]).request("RiskPatch").ok(200, "RiskView"),
            patch(update),
        ),
        route(
            Method::DELETE,
            "/risks/{id}",
            Some(Edit),
            doc("deleteRisk", "risks", "Delete a risk; it leaves every SoA entry that lists it").ids(&["id"]).query(&[("revision", "Delete only if the risk is still at this revision")]).no_content(),
            delete(remove),
        ),
        route(
            Method::POST,
            "/risks/{id}/acceptance",
            Some(Edit),
            doc("acceptRisk", "risks", "Accept the risk at its residual rating as the signed-in user; the criteria decide which roles may accept each level").ids(&["id"]).request("AcceptRiskRequest").ok(200, "RiskView"),
            post(accept),
        ),
        route(
            Method::DELETE,
            "/risks/{id}/acceptance",
            Some(Edit),
            doc("withdrawRiskAcceptance", "risks", "Withdraw the acceptance of a risk").ids(&["id"]).query(&[("revision", "The revision you read; or send If-Match")]).ok(200, "RiskView"),
            delete(withdraw),
        ),
        route(Method::GET, "/risks/{id}/history", Some(Read), doc("riskHistory", "risks", "Every change of a risk, oldest first: who, when, and each field before and after").ids(&["id"]).ok(200, "History"), get(history_of)),
    ]
}

const SVG: &str = "image/svg+xml";

/// The criteria with their revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskCriteriaInfo {
    pub criteria: RiskCriteria,
    /// 0 while the defaults apply; send it back when replacing the criteria.
    pub revision: i64,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

impl From<StoredCriteria> for RiskCriteriaInfo {
    fn from(s: StoredCriteria) -> Self {
        Self {
            criteria: s.criteria,
            revision: s.revision,
            updated_at: s.updated_at,
            updated_by: s.updated_by,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRiskCriteria {
    /// The revision read; 0 when replacing the defaults.
    pub revision: i64,
    pub criteria: RiskCriteria,
}

/// One source of AI risk from the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskSourceInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub examples: Vec<String>,
    /// The ISO/IEC 42001 Annex C item it relates to, such as `C.3.4`.
    pub annex_c: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskSourceList {
    pub items: Vec<RiskSourceInfo>,
    pub total: u64,
}

async fn risk_sources(Auth(_auth): Auth) -> ApiResult<Json<RiskSourceList>> {
    let library = crate::library::get()?;
    let items: Vec<RiskSourceInfo> = library
        .all_risk_sources()
        .map(|s| RiskSourceInfo {
            id: s.id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            category: s.category.clone(),
            examples: s.examples.clone(),
            annex_c: s.annex_c.clone(),
        })
        .collect();
    Ok(Json(RiskSourceList {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskList {
    /// One page of the register, in its order.
    pub items: Vec<RiskView>,
    /// Risks that pass the filters, on every page.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

/// The page of the register asked for.
#[derive(Debug, Default, Deserialize)]
pub struct RiskPage {
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// An acceptance as the API takes it: the revision read, then what the user states.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRiskRequest {
    /// The revision of the risk read.
    pub revision: i64,
    /// Why keeping the risk at its residual level is acceptable.
    pub rationale: String,
    /// The last day the acceptance holds: after today, at most three years ahead.
    pub expires_on: chrono::NaiveDate,
}

async fn get_criteria(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> ApiResult<Json<RiskCriteriaInfo>> {
    Ok(Json(
        state
            .store
            .risk_criteria(auth.organisation_id())
            .await?
            .into(),
    ))
}

async fn set_criteria(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<RiskCriteriaInfo>> {
    let body: SetRiskCriteria = deserialize(body)?;
    if body.revision < 0 {
        return Err(ApiError::validation("revision", "must be 0 or more"));
    }
    let stored = state
        .store
        .set_risk_criteria(
            &auth.actor(),
            auth.organisation_id(),
            body.criteria,
            body.revision,
        )
        .await
        .map_err(|e| prefix_fields(e, "criteria"))?;
    Ok(Json(stored.into()))
}

/// Names the fields of a nested body's validation errors from its root.
fn prefix_fields(error: aims_store::StoreError, prefix: &str) -> ApiError {
    match error {
        aims_store::StoreError::Invalid(mut e) => {
            for f in &mut e.0 {
                f.field = format!("{prefix}.{}", f.field);
            }
            e.into()
        }
        other => other.into(),
    }
}

/// The whole register as views, filtered and in severity order, with the criteria.
pub(crate) async fn register(
    state: &AppState,
    org: Uuid,
    filter: &RiskFilter,
) -> ApiResult<(RiskCriteria, Vec<RiskView>)> {
    crate::risks::load_register(&state.store, org, filter, today()).await
}

async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(filter): QueryParams<RiskFilter>,
    QueryParams(page): QueryParams<RiskPage>,
) -> ApiResult<Json<RiskList>> {
    let mut errors = ValidationErrors::new();
    let (limit, offset) = page_params(&mut errors, page.limit.as_deref(), page.offset.as_deref());
    errors.into_result()?;
    let (_, items) = register(&state, auth.organisation_id(), &filter).await?;
    let total = items.len() as u64;
    let items = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok(Json(RiskList {
        items,
        total,
        limit,
        offset,
    }))
}

async fn view_of(state: &AppState, org: Uuid, risk: Risk) -> ApiResult<RiskView> {
    let criteria = state.store.risk_criteria(org).await?.criteria;
    Ok(RiskView::new(risk, &criteria, today()))
}

/// The rules only the library knows, then the fields' own.
fn checked(fields: RiskFields) -> ApiResult<RiskFields> {
    let library = crate::library::get()?;
    let mut errors = fields.validate().err().unwrap_or_default();
    if let Err(e) = check_library(&fields, library) {
        errors.0.extend(e.0);
    }
    errors.into_result()?;
    Ok(fields)
}

pub(crate) async fn create_risk(
    state: &AppState,
    auth: &AuthContext,
    body: Value,
) -> ApiResult<RiskView> {
    let fields: RiskFields = deserialize(body)?;
    let risk = state
        .store
        .create_risk(&auth.actor(), auth.organisation_id(), checked(fields)?)
        .await?;
    view_of(state, auth.organisation_id(), risk).await
}

async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let view = create_risk(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn get_one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RiskView>> {
    let org = auth.organisation_id();
    let risk = state.store.risk(org, parse_id(&id, "id")?).await?;
    Ok(Json(view_of(&state, org, risk).await?))
}

/// Applies a partial update (with the revision read) to a risk and saves it.
pub(crate) async fn update_risk(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    patch: serde_json::Map<String, Value>,
) -> ApiResult<RiskView> {
    let org = auth.organisation_id();
    let revision = revision_of(&HeaderMap::new(), patch.get("revision"))?;
    let current = state.store.risk(org, id).await?;
    let fields: RiskFields = merge_patch(&current.fields, &patch, &["revision"])?;
    let risk = state
        .store
        .update_risk(&auth.actor(), org, id, revision, checked(fields)?)
        .await?;
    view_of(state, org, risk).await
}

async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<RiskView>> {
    let id = parse_id(&id, "id")?;
    let Value::Object(mut patch) = body else {
        return Err(ApiError::validation(
            "",
            "expected a JSON object of the fields to change",
        ));
    };
    let revision = revision_of(&headers, patch.get("revision"))?;
    patch.insert("revision".into(), Value::from(revision));
    Ok(Json(update_risk(&state, &auth, id, patch).await?))
}

#[derive(Debug, Deserialize)]
struct RevisionParam {
    revision: Option<String>,
}

fn revision_param(headers: &HeaderMap, param: Option<String>) -> ApiResult<Option<i64>> {
    match param {
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|r| *r > 0)
            .map(Some)
            .ok_or_else(|| ApiError::validation("revision", "must be a positive whole number")),
        None if headers.contains_key(header::IF_MATCH) => revision_of(headers, None).map(Some),
        None => Ok(None),
    }
}

async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    QueryParams(params): QueryParams<RevisionParam>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, "id")?;
    let revision = revision_param(&headers, params.revision)?;
    state
        .store
        .delete_risk(&auth.actor(), auth.organisation_id(), id, revision)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn accept_risk(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    body: Value,
) -> ApiResult<RiskView> {
    let request: AcceptRiskRequest = deserialize(body)?;
    let org = auth.organisation_id();
    let risk = state
        .store
        .accept_risk(
            &auth.actor(),
            auth.role(),
            org,
            id,
            request.revision,
            &AcceptRisk {
                rationale: request.rationale,
                expires_on: request.expires_on,
            },
            today(),
        )
        .await?;
    view_of(state, org, risk).await
}

async fn accept(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<RiskView>> {
    let id = parse_id(&id, "id")?;
    Ok(Json(accept_risk(&state, &auth, id, body).await?))
}

async fn withdraw(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    QueryParams(params): QueryParams<RevisionParam>,
) -> ApiResult<Json<RiskView>> {
    let id = parse_id(&id, "id")?;
    let org = auth.organisation_id();
    let Some(revision) = revision_param(&headers, params.revision)? else {
        return Err(ApiError::validation(
            "revision",
            "is required: send the revision you read (or an If-Match header)",
        ));
    };
    let risk = state
        .store
        .revoke_risk_acceptance(&auth.actor(), org, id, revision)
        .await?;
    Ok(Json(view_of(&state, org, risk).await?))
}

async fn history_of(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<History>> {
    let id = parse_id(&id, "id")?;
    let items = state
        .store
        .history(auth.organisation_id(), "risk", &id.to_string())
        .await?;
    if items.is_empty() {
        return Err(ApiError::NotFound(format!("risk {id} was not found")));
    }
    Ok(Json(History {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct HeatMapParams {
    pub basis: Option<String>,
}

pub(crate) fn basis_param(value: Option<&str>) -> ApiResult<Basis> {
    match value.map(str::trim) {
        None | Some("") | Some("residual") => Ok(Basis::Residual),
        Some("inherent") => Ok(Basis::Inherent),
        Some(other) => Err(ApiError::validation(
            "basis",
            format!("must be inherent or residual, got `{other}`"),
        )),
    }
}

async fn heat_map(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<HeatMapParams>,
) -> ApiResult<Response> {
    let basis = basis_param(params.basis.as_deref())?;
    let org = auth.organisation_id();
    let criteria = state.store.risk_criteria(org).await?.criteria;
    let risks = state.store.risks(org).await?;
    let svg = crate::risks::heat_map_svg(&criteria, &risks, basis);
    Ok(([(header::CONTENT_TYPE, SVG)], svg).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExportParams {
    pub format: Option<String>,
}

/// The register file as a download.
pub(crate) async fn register_file(
    state: &AppState,
    org: Uuid,
    format: Option<&str>,
) -> ApiResult<Response> {
    let (format, extension, media) = match format.map(str::trim) {
        Some("csv") => (FileFormat::Csv, "csv", CSV),
        Some("xlsx") => (FileFormat::Xlsx, "xlsx", XLSX),
        other => {
            return Err(ApiError::validation(
                "format",
                format!("must be csv or xlsx, got `{}`", other.unwrap_or("")),
            ));
        }
    };
    let bytes = crate::risks::register_file(&state.store, org, format, today()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"risk-register-{}.{extension}\"",
                    today()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn export(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<ExportParams>,
) -> ApiResult<Response> {
    register_file(&state, auth.organisation_id(), params.format.as_deref()).await
}

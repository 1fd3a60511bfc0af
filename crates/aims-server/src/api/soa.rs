//! The Statement of Applicability: adoption of a framework, the control and requirement
//! entries (read, partial update, bulk edit), approval into versions, comparison of
//! versions, readiness and the downloads.

use aims_domain::Permission;
use aims_domain::ValidationErrors;
use aims_domain::soa::{
    self, ConformityStatus, ControlFields, EvidenceState, ImplementationStatus, ItemChange,
    ItemFields, ItemType, RequirementFields, Snapshot, Soa, SoaItem, SoaVersion, evidence_state,
};
use aims_library::{Framework, Library};
use aims_store::ItemUpdate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiRoute, doc, route};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, JsonValue, QueryParams};
use crate::soa::{control_nodes, readiness_report, requirement_nodes};
use crate::state::AppState;

pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::GET, "/soa", Some(Read), doc("getSoa", "soa", "The organisation's Statement of Applicability: adopted framework, latest approved version, and whether it changed since").errors(SOA_STATE).ok(200, "SoaOverview"), get(overview)),
        route(
            Method::POST,
            "/soa",
            Some(Edit),
            doc("adoptFramework", "soa", "Adopt a framework of the library: creates one SoA entry per control and per clause requirement").request("AdoptFramework").ok(201, "SoaOverview"),
            post(adopt),
        ),
        route(
            Method::GET,
            "/soa/controls",
            Some(Read),
            doc("listSoaControls", "soa", "Every control of the SoA in the framework's order, optionally filtered").errors(SOA_STATE).ok(200, "SoaControlList").query(&[
                ("status", "Only controls with this implementation status"),
                ("owner", "Only controls with this owner (exact; empty: no filter)"),
                ("applicable", "`true` or `false`: only included or excluded controls"),
            ]),
            get(list_controls),
        ),
        route(
            Method::POST,
            "/soa/controls/bulk",
            Some(Edit),
            doc("bulkEditSoaControls", "soa", "Set the status and/or owner of several controls at once; all or nothing").errors(SOA_STATE).request("BulkEdit").ok(200, "SoaControlList"),
            post(bulk_controls),
        ),
        route(Method::GET, "/soa/controls/{ref}", Some(Read), doc("getSoaControl", "soa", "One control of the SoA").errors(SOA_STATE).ids(&["ref"]).ok(200, "SoaControl"), get(get_control)),
        route(
            Method::PATCH,
            "/soa/controls/{ref}",
            Some(Edit),
            doc("updateSoaControl", "soa", "Change some fields of a control's entry. Send the `revision` you read; a stale one gets 409 with the current entry").errors(SOA_STATE).ids(&["ref"]).request("SoaControlPatch").ok(200, "SoaControl"),
            patch(update_control),
        ),
        route(
            Method::GET,
            "/soa/requirements",
            Some(Read),
            doc("listSoaRequirements", "soa", "Every clause requirement with its conformity status, in the framework's order").errors(SOA_STATE).ok(200, "SoaRequirementList").query(&[
                ("status", "Only requirements with this conformity status"),
                ("owner", "Only requirements with this owner (exact; empty: no filter)"),
            ]),
            get(list_requirements),
        ),
        route(Method::GET, "/soa/requirements/{ref}", Some(Read), doc("getSoaRequirement", "soa", "One clause requirement").errors(SOA_STATE).ids(&["ref"]).ok(200, "SoaRequirement"), get(get_requirement)),
        route(
            Method::PATCH,
            "/soa/requirements/{ref}",
            Some(Edit),
            doc("updateSoaRequirement", "soa", "Change some fields of a requirement's entry. Send the `revision` you read; a stale one gets 409 with the current entry").errors(SOA_STATE).ids(&["ref"]).request("SoaRequirementPatch").ok(200, "SoaRequirement"),
            patch(update_requirement),
        ),
        route(Method::GET, "/soa/versions", Some(Read), doc("listSoaVersions", "soa", "Approved versions of the SoA, oldest first").errors(SOA_STATE).ok(200, "SoaVersionList"), get(list_versions)),
        route(
            Method::POST,
            "/soa/versions",
            Some(Approve),
            doc("approveSoa", "soa", "Approve the SoA as it is now as its next version (managers and admins). Refused while a control has no justification").errors(SOA_STATE).request("ApproveSoa").ok(201, "SoaVersionInfo"),
            post(approve),
        ),
        route(
            Method::GET,
            "/soa/compare",
            Some(Read),
            doc("compareSoaVersions", "soa", "What changed between two approved versions, or from one to the current draft, per entry and field").errors(SOA_STATE).ok(200, "SoaComparison").query(&[
                ("from_version", "The earlier approved version number"),
                ("to_version", "The later approved version number; absent: the current draft"),
            ]),
            get(compare),
        ),
        route(
            Method::GET,
            "/soa/export",
            Some(Read),
            doc("exportSoa", "soa", "The SoA as a file for auditors: one row per control (XLSX adds a cover sheet with organisation, framework, version and approval), or as OSCAL JSON over the framework's catalog").errors(SOA_STATE).download(&[CSV, XLSX, JSON]).query(&[
                ("format", "`csv`, `xlsx`, `oscal-profile` (the applicable selection as an OSCAL 1.2 profile) or `oscal-assessment-results` (implementation status as OSCAL 1.2 assessment results)"),
                ("version", "An approved version number; absent: the entries as they are now"),
            ]),
            get(export),
        ),
        route(Method::GET, "/soa/readiness", Some(Read), doc("getSoaReadiness", "soa", "Readiness per clause, Annex A objective, framework and overall (docs/readiness.md), with the crosswalk views of other frameworks").errors(SOA_STATE).ok(200, "ReadinessReport"), get(readiness)),
    ]
}

/// What the SoA's routes answer besides their own errors: 404 before a framework is
/// adopted, 409 when the adopted framework is no longer in the library.
const SOA_STATE: &[u16] = &[404, 409];

/// The library and the adopted framework of an organisation's SoA.
pub(crate) struct Adopted {
    pub soa: Soa,
    pub library: &'static Library,
    pub framework: &'static Framework,
}

pub(crate) async fn adopted(state: &AppState, organisation_id: Uuid) -> ApiResult<Adopted> {
    let soa = state.store.soa(organisation_id).await?.ok_or_else(|| {
        ApiError::NotFound(
            "this organisation has no Statement of Applicability yet: adopt a framework with POST /api/v1/soa".into(),
        )
    })?;
    let library = crate::library::get()?;
    let framework = library
        .framework(&soa.framework_id)
        .ok_or_else(|| ApiError::Conflict {
            message: format!(
                "this organisation's Statement of Applicability follows the framework `{}`, which the installed library no longer holds; put the framework back into the library to work with it",
                soa.framework_id
            ),
            current: None,
        })?;
    Ok(Adopted {
        soa,
        library,
        framework,
    })
}

/// The latest approval of the SoA.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SoaVersionInfo {
    pub version: i64,
    pub approved_at: DateTime<Utc>,
    pub approved_by: String,
    pub note: String,
}

impl From<&SoaVersion> for SoaVersionInfo {
    fn from(v: &SoaVersion) -> Self {
        Self {
            version: v.version,
            approved_at: v.approved_at,
            approved_by: v.approved_by.clone(),
            note: v.note.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SoaOverview {
    pub framework_id: String,
    pub framework_name: String,
    pub adopted_at: DateTime<Utc>,
    pub adopted_by: String,
    pub controls: u32,
    pub requirements: u32,
    /// The latest approved version; none before the first approval.
    pub approved: Option<SoaVersionInfo>,
    /// Whether the entries differ from the latest approved version (always true before it).
    pub changed_since_approval: bool,
}

pub(crate) async fn overview_of(state: &AppState, org: Uuid) -> ApiResult<SoaOverview> {
    let adopted = adopted(state, org).await?;
    let versions = state.store.soa_versions(org).await?;
    let current = state.store.soa_snapshot(org).await?;
    let latest = versions.last();
    Ok(SoaOverview {
        framework_id: adopted.framework.id.clone(),
        framework_name: adopted.framework.name.clone(),
        adopted_at: adopted.soa.created_at,
        adopted_by: adopted.soa.created_by,
        controls: u32::try_from(current.controls.len()).unwrap_or(u32::MAX),
        requirements: u32::try_from(current.requirements.len()).unwrap_or(u32::MAX),
        approved: latest.map(SoaVersionInfo::from),
        changed_since_approval: latest.is_none_or(|v| v.snapshot != current),
    })
}

async fn overview(State(state): State<AppState>, Auth(auth): Auth) -> ApiResult<Json<SoaOverview>> {
    Ok(Json(overview_of(&state, auth.organisation_id()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptFramework {
    /// Id of a framework of the library with controls or requirements, for example
    /// `iso-iec-42001-2023`.
    pub framework_id: String,
}

async fn adopt(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<AdoptFramework>,
) -> ApiResult<Response> {
    adopt_framework(&state, &auth, &body.framework_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(overview_of(&state, auth.organisation_id()).await?),
    )
        .into_response())
}

/// Adopts a framework of the library for the organisation of `auth`: the API's and the
/// SoA page's way in, so that both refuse the same frameworks with the same messages.
pub(crate) async fn adopt_framework(
    state: &AppState,
    auth: &crate::auth::AuthContext,
    framework_id: &str,
) -> ApiResult<()> {
    let library = crate::library::get()?;
    let fw = library.framework(framework_id.trim()).ok_or_else(|| {
        let mut ids: Vec<&str> = library.frameworks.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        ApiError::validation(
            "framework_id",
            format!(
                "must be a framework of the library ({}), got `{}`",
                ids.join(", "),
                framework_id
            ),
        )
    })?;
    let controls: Vec<String> = control_nodes(fw).map(|n| n.ref_.clone()).collect();
    let requirements: Vec<String> = requirement_nodes(fw).map(|n| n.ref_.clone()).collect();
    if controls.is_empty() && requirements.is_empty() {
        return Err(ApiError::validation(
            "framework_id",
            format!(
                "`{}` has no assessable controls or requirements to put in a Statement of Applicability",
                fw.id
            ),
        ));
    }
    state
        .store
        .adopt_framework(
            &auth.actor(),
            auth.organisation_id(),
            &fw.id,
            &controls,
            &requirements,
        )
        .await?;
    Ok(())
}

/// A control of the SoA: its entry, its title, and whether its evidence is current today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SoaControl {
    pub id: Uuid,
    /// The control's ref, for example `A.6.2.4`.
    pub item_ref: String,
    pub title: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[serde(flatten)]
    pub fields: ControlFields,
    pub evidence_state: EvidenceState,
}

/// A clause requirement: its entry, its title, and whether its evidence is current today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SoaRequirement {
    pub id: Uuid,
    /// The requirement's ref, for example `6.1.2`.
    pub item_ref: String,
    pub title: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[serde(flatten)]
    pub fields: RequirementFields,
    pub evidence_state: EvidenceState,
}

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn title(fw: &Framework, r: &str) -> String {
    fw.node(r).map(|n| n.title.clone()).unwrap_or_default()
}

pub(crate) fn control_view(fw: &Framework, item: SoaItem<ControlFields>) -> SoaControl {
    SoaControl {
        title: title(fw, &item.item_ref),
        evidence_state: evidence_state(&item.fields.evidence, today()),
        id: item.id,
        item_ref: item.item_ref,
        revision: item.revision,
        created_at: item.created_at,
        updated_at: item.updated_at,
        created_by: item.created_by,
        updated_by: item.updated_by,
        fields: item.fields,
    }
}

pub(crate) fn requirement_view(fw: &Framework, item: SoaItem<RequirementFields>) -> SoaRequirement {
    SoaRequirement {
        title: title(fw, &item.item_ref),
        evidence_state: evidence_state(&item.fields.evidence, today()),
        id: item.id,
        item_ref: item.item_ref,
        revision: item.revision,
        created_at: item.created_at,
        updated_at: item.updated_at,
        created_by: item.created_by,
        updated_by: item.updated_by,
        fields: item.fields,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SoaControlList {
    pub items: Vec<SoaControl>,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SoaRequirementList {
    pub items: Vec<SoaRequirement>,
    pub total: u64,
}

/// Filters of the control and requirement lists, as they arrive.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFilter {
    pub status: Option<String>,
    pub owner: Option<String>,
    pub applicable: Option<String>,
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Controls matching a filter; every value is checked and named when wrong.
pub(crate) fn filter_controls(
    items: Vec<SoaItem<ControlFields>>,
    filter: &ItemFilter,
) -> Result<Vec<SoaItem<ControlFields>>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let status = text(&filter.status).and_then(|s| {
        ImplementationStatus::parse(s)
            .map_err(|m| errors.add("status", m))
            .ok()
    });
    let applicable = match text(&filter.applicable) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            errors.add(
                "applicable",
                format!("must be true or false, got `{other}`"),
            );
            None
        }
    };
    errors.into_result()?;
    let owner = text(&filter.owner);
    Ok(items
        .into_iter()
        .filter(|i| status.is_none_or(|s| i.fields.status == s))
        .filter(|i| applicable.is_none_or(|a| i.fields.applicable == a))
        .filter(|i| owner.is_none_or(|o| i.fields.owner == o))
        .collect())
}

async fn list_controls(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(filter): QueryParams<ItemFilter>,
) -> ApiResult<Json<SoaControlList>> {
    let org = auth.organisation_id();
    let adopted = adopted(&state, org).await?;
    let items = filter_controls(state.store.soa_items(org).await?, &filter)?;
    let items: Vec<SoaControl> = items
        .into_iter()
        .map(|i| control_view(adopted.framework, i))
        .collect();
    Ok(Json(SoaControlList {
        total: items.len() as u64,
        items,
    }))
}

async fn list_requirements(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(filter): QueryParams<ItemFilter>,
) -> ApiResult<Json<SoaRequirementList>> {
    let org = auth.organisation_id();
    let adopted = adopted(&state, org).await?;
    let mut errors = ValidationErrors::new();
    let status = text(&filter.status).and_then(|s| {
        ConformityStatus::parse(s)
            .map_err(|m| errors.add("status", m))
            .ok()
    });
    if filter.applicable.is_some() {
        errors.add("applicable", "is a filter of controls only");
    }
    errors.into_result()?;
    let owner = text(&filter.owner);
    let items: Vec<SoaRequirement> = state
        .store
        .soa_items::<RequirementFields>(org)
        .await?
        .into_iter()
        .filter(|i| status.is_none_or(|s| i.fields.status == s))
        .filter(|i| owner.is_none_or(|o| i.fields.owner == o))
        .map(|i| requirement_view(adopted.framework, i))
        .collect();
    Ok(Json(SoaRequirementList {
        total: items.len() as u64,
        items,
    }))
}

/// Checks that `r` names an entry of this kind in the adopted framework.
pub(crate) fn check_ref(
    fw: &Framework,
    item_type: ItemType,
    field: &str,
    r: &str,
) -> Result<(), ValidationErrors> {
    let known: Vec<&str> = match item_type {
        ItemType::Control => control_nodes(fw).map(|n| n.ref_.as_str()).collect(),
        ItemType::Requirement => requirement_nodes(fw).map(|n| n.ref_.as_str()).collect(),
    };
    if known.contains(&r) {
        return Ok(());
    }
    let what = match item_type {
        ItemType::Control => "control",
        ItemType::Requirement => "clause requirement",
    };
    let sample: Vec<&str> = known.iter().take(4).copied().collect();
    Err(ValidationErrors::single(
        field,
        format!(
            "`{r}` is not a {what} of {}; {what}s are {}, …",
            fw.short_name,
            sample.join(", ")
        ),
    ))
}

async fn get_control(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
) -> ApiResult<Json<SoaControl>> {
    let org = auth.organisation_id();
    let adopted = adopted(&state, org).await?;
    check_ref(adopted.framework, ItemType::Control, "ref", &r)?;
    let item = state.store.soa_item(org, &r).await?;
    Ok(Json(control_view(adopted.framework, item)))
}

async fn get_requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
) -> ApiResult<Json<SoaRequirement>> {
    let org = auth.organisation_id();
    let adopted = adopted(&state, org).await?;
    check_ref(adopted.framework, ItemType::Requirement, "ref", &r)?;
    let item = state.store.soa_item(org, &r).await?;
    Ok(Json(requirement_view(adopted.framework, item)))
}

/// The revision a client read: from the body, else from `If-Match`.
pub(crate) fn revision_of(headers: &HeaderMap, body: Option<&Value>) -> ApiResult<i64> {
    if let Some(value) = body {
        return value
            .as_i64()
            .filter(|r| *r > 0)
            .ok_or_else(|| ApiError::validation("revision", "must be a positive whole number"));
    }
    let header = headers
        .get(axum::http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_owned()
        });
    match header {
        Some(text) => text.parse().map_err(|_| {
            ApiError::validation("If-Match", "must be an ETag of this API, such as \"3\"")
        }),
        None => Err(ApiError::validation(
            "revision",
            "is required: send the revision you read (or an If-Match header) so that no one else's change is overwritten",
        )),
    }
}

/// Applies a partial update to one entry and saves it.
pub(crate) async fn update_item<F: ItemFields>(
    state: &AppState,
    auth: &crate::auth::AuthContext,
    r: &str,
    headers: &HeaderMap,
    body: Value,
) -> ApiResult<(Adopted, SoaItem<F>)> {
    let org = auth.organisation_id();
    let adopted = adopted(state, org).await?;
    check_ref(adopted.framework, F::TYPE, "ref", r)?;
    let Value::Object(patch) = body else {
        return Err(ApiError::validation(
            "",
            "expected a JSON object of the fields to change",
        ));
    };
    let revision = revision_of(headers, patch.get("revision"))?;
    let current: SoaItem<F> = state.store.soa_item(org, r).await?;
    let fields = soa::apply_patch(&current.fields, &patch, &["revision"])?;
    let mut saved = state
        .store
        .update_soa_items(
            &auth.actor(),
            org,
            vec![ItemUpdate {
                item_ref: r.to_owned(),
                expected_revision: revision,
                fields,
            }],
        )
        .await?;
    let item = saved
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an update saved nothing")))?;
    Ok((adopted, item))
}

async fn update_control(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    headers: HeaderMap,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<SoaControl>> {
    let (adopted, item) = update_item::<ControlFields>(&state, &auth, &r, &headers, body).await?;
    Ok(Json(control_view(adopted.framework, item)))
}

async fn update_requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    headers: HeaderMap,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<SoaRequirement>> {
    let (adopted, item) =
        update_item::<RequirementFields>(&state, &auth, &r, &headers, body).await?;
    Ok(Json(requirement_view(adopted.framework, item)))
}

/// A change of several controls at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEdit {
    /// The controls to change, by ref.
    pub item_refs: Vec<String>,
    /// The new implementation status of each; absent: unchanged.
    #[serde(default)]
    pub status: Option<ImplementationStatus>,
    /// The new owner of each; absent: unchanged.
    #[serde(default)]
    pub owner: Option<String>,
}

/// Applies a bulk edit: every control is checked first, then all are saved in one
/// transaction at the revisions just read.
pub(crate) async fn apply_bulk(
    state: &AppState,
    auth: &crate::auth::AuthContext,
    edit: &BulkEdit,
) -> ApiResult<Vec<SoaItem<ControlFields>>> {
    let org = auth.organisation_id();
    let adopted = adopted(state, org).await?;
    let mut errors = ValidationErrors::new();
    if edit.item_refs.is_empty() {
        errors.add("item_refs", "must name at least one control");
    }
    if edit.status.is_none() && edit.owner.is_none() {
        errors.add("", "set status, owner or both");
    }
    for (i, r) in edit.item_refs.iter().enumerate() {
        if let Err(e) = check_ref(
            adopted.framework,
            ItemType::Control,
            &format!("item_refs[{i}]"),
            r,
        ) {
            errors.0.extend(e.0);
        } else if edit.item_refs[..i].contains(r) {
            errors.add(format!("item_refs[{i}]"), format!("`{r}` is listed twice"));
        }
    }
    errors.into_result()?;
    let current: Vec<SoaItem<ControlFields>> = state.store.soa_items(org).await?;
    let mut updates = Vec::with_capacity(edit.item_refs.len());
    for r in &edit.item_refs {
        let item = current
            .iter()
            .find(|i| &i.item_ref == r)
            .ok_or_else(|| ApiError::NotFound(format!("SoA control {r} was not found")))?;
        let mut fields = item.fields.clone();
        if let Some(status) = edit.status {
            fields.status = status;
        }
        if let Some(owner) = &edit.owner {
            fields.owner = owner.trim().to_owned();
        }
        updates.push(ItemUpdate {
            item_ref: r.clone(),
            expected_revision: item.revision,
            fields,
        });
    }
    Ok(state
        .store
        .update_soa_items(&auth.actor(), org, updates)
        .await?)
}

async fn bulk_controls(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(edit): JsonBody<BulkEdit>,
) -> ApiResult<Json<SoaControlList>> {
    let saved = apply_bulk(&state, &auth, &edit).await?;
    let adopted = adopted(&state, auth.organisation_id()).await?;
    let items: Vec<SoaControl> = saved
        .into_iter()
        .map(|i| control_view(adopted.framework, i))
        .collect();
    Ok(Json(SoaControlList {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SoaVersionList {
    pub items: Vec<SoaVersionInfo>,
    pub total: u64,
}

async fn list_versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> ApiResult<Json<SoaVersionList>> {
    let org = auth.organisation_id();
    adopted(&state, org).await?;
    let items: Vec<SoaVersionInfo> = state
        .store
        .soa_versions(org)
        .await?
        .iter()
        .map(SoaVersionInfo::from)
        .collect();
    Ok(Json(SoaVersionList {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveSoa {
    /// What the approver says about this version (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
}

async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<ApproveSoa>,
) -> ApiResult<Response> {
    let org = auth.organisation_id();
    adopted(&state, org).await?;
    let version = state
        .store
        .approve_soa(&auth.actor(), org, &body.note)
        .await?;
    Ok((StatusCode::CREATED, Json(SoaVersionInfo::from(&version))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareParams {
    pub from_version: Option<String>,
    pub to_version: Option<String>,
}

/// The changes from one version to another (or to the current draft).
#[derive(Debug, Serialize, ToSchema)]
pub struct SoaComparison {
    pub from: i64,
    /// None: the current draft.
    pub to: Option<i64>,
    pub items: Vec<ItemChange>,
    pub total: u64,
}

pub(crate) fn version_param(
    name: &str,
    value: &Option<String>,
) -> Result<Option<i64>, ValidationErrors> {
    match text(value) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                ValidationErrors::single(
                    name,
                    format!("must be an approved version number such as 1, got `{v}`"),
                )
            }),
    }
}

pub(crate) async fn comparison(
    state: &AppState,
    org: Uuid,
    from: Option<i64>,
    to: Option<i64>,
) -> ApiResult<SoaComparison> {
    adopted(state, org).await?;
    let Some(from) = from else {
        return Err(ApiError::validation(
            "from_version",
            "is required: the earlier approved version number",
        ));
    };
    let version = |n: i64, field: &'static str| async move {
        state.store.soa_version(org, n).await.map_err(|e| match e {
            aims_store::StoreError::NotFound { .. } => {
                ApiError::validation(field, format!("version {n} has not been approved"))
            }
            other => other.into(),
        })
    };
    let before: Snapshot = version(from, "from_version").await?.snapshot;
    let after = match to {
        Some(n) => version(n, "to_version").await?.snapshot,
        None => state.store.soa_snapshot(org).await?,
    };
    let items = soa::compare(&before, &after);
    Ok(SoaComparison {
        from,
        to,
        total: items.len() as u64,
        items,
    })
}

async fn compare(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<CompareParams>,
) -> ApiResult<Json<SoaComparison>> {
    let mut errors = ValidationErrors::new();
    let from = version_param("from_version", &params.from_version).unwrap_or_else(|e| {
        errors.0.extend(e.0);
        None
    });
    let to = version_param("to_version", &params.to_version).unwrap_or_else(|e| {
        errors.0.extend(e.0);
        None
    });
    errors.into_result()?;
    Ok(Json(
        comparison(&state, auth.organisation_id(), from, to).await?,
    ))
}

pub(crate) async fn readiness_of(
    state: &AppState,
    org: Uuid,
) -> ApiResult<crate::soa::ReadinessReport> {
    let adopted = adopted(state, org).await?;
    let controls = state.store.soa_items::<ControlFields>(org).await?;
    let requirements = state.store.soa_items::<RequirementFields>(org).await?;
    Ok(readiness_report(
        adopted.library,
        adopted.framework,
        &controls,
        &requirements,
        today(),
    ))
}

async fn readiness(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> ApiResult<Json<crate::soa::ReadinessReport>> {
    Ok(Json(readiness_of(&state, auth.organisation_id()).await?))
}

pub(crate) const CSV: &str = "text/csv; charset=utf-8";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const JSON: &str = "application/json";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    pub format: Option<String>,
    pub version: Option<String>,
}

/// The SoA as a CSV or XLSX download.
pub(crate) async fn export_file(
    state: &AppState,
    org: Uuid,
    format: Option<&str>,
    version: Option<&str>,
) -> ApiResult<Response> {
    let mut errors = ValidationErrors::new();
    let format = match format.map(str::trim) {
        Some(f @ ("csv" | "xlsx" | "oscal-profile" | "oscal-assessment-results")) => f,
        other => {
            errors.add(
                "format",
                format!(
                    "must be csv, xlsx, oscal-profile or oscal-assessment-results, got `{}`",
                    other.unwrap_or("")
                ),
            );
            ""
        }
    };
    let version = version_param("version", &version.map(str::to_owned)).unwrap_or_else(|e| {
        errors.0.extend(e.0);
        None
    });
    errors.into_result()?;
    let adopted = adopted(state, org).await?;
    let organisation = state.store.organisation(org).await?;
    let (edition, controls) = crate::soa_export::load(&state.store, org, version)
        .await
        .map_err(|e| match e {
            aims_store::StoreError::NotFound { .. } => ApiError::validation(
                "version",
                format!(
                    "version {} has not been approved",
                    version.unwrap_or_default()
                ),
            ),
            other => other.into(),
        })?;
    let risk_titles = crate::soa_export::risk_titles(&state.store, org).await?;
    let input = crate::soa_export::SheetInput {
        organisation: &organisation.name,
        framework: adopted.framework,
        edition,
        generated_at: Utc::now(),
        controls: &controls,
        risk_titles: &risk_titles,
    };
    let (bytes, media, extension) = match format {
        "csv" => (crate::soa_export::csv(&input), CSV, "csv"),
        "xlsx" => (
            crate::soa_export::xlsx(&input).map_err(ApiError::internal)?,
            XLSX,
            "xlsx",
        ),
        oscal => {
            let last_modified = match &input.edition {
                crate::soa_export::Edition::Approved { approved_at, .. } if version.is_some() => {
                    *approved_at
                }
                _ => crate::soa_export::last_modified(&state.store, org).await?,
            };
            let meta = crate::soa_export::oscal_metadata(&input, last_modified);
            let document = if oscal == "oscal-profile" {
                crate::soa_export::oscal_profile(&input, &meta)
            } else {
                crate::soa_export::oscal_assessment_results(&input, &meta)
            }
            .map_err(ApiError::internal)?;
            let mut bytes = serde_json::to_vec_pretty(&document).map_err(ApiError::internal)?;
            bytes.push(b'\n');
            (
                bytes,
                JSON,
                if oscal == "oscal-profile" {
                    "oscal-profile.json"
                } else {
                    "oscal-assessment-results.json"
                },
            )
        }
    };
    let name = format!("soa-{}.{extension}", input.edition.tag());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, media.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
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
    export_file(
        &state,
        auth.organisation_id(),
        params.format.as_deref(),
        params.version.as_deref(),
    )
    .await
}

//! The inventory routes, written once for every record kind: list, create, read, partial
//! update with optimistic concurrency, delete.

use aims_domain::Permission;
use aims_domain::history::HistoryEntry;
use aims_domain::inventory::{Record, RecordFields, apply_patch, parse_new};
use aims_domain::listing::Page;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiRoute, doc, route};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonValue, ListParams, QueryParams, parse_id};
use crate::state::AppState;

pub(super) fn routes<F: RecordFields>() -> Vec<ApiRoute> {
    let kind = F::KIND;
    // Paths are `&'static str` for the router; one arm per kind keeps them literal.
    let (path, one, history) = match kind.path() {
        "systems" => ("/systems", "/systems/{id}", "/systems/{id}/history"),
        "models" => ("/models", "/models/{id}", "/models/{id}/history"),
        "datasets" => ("/datasets", "/datasets/{id}", "/datasets/{id}/history"),
        _ => ("/suppliers", "/suppliers/{id}", "/suppliers/{id}/history"),
    };
    let noun = kind.singular();
    let plural = kind.plural().to_lowercase();
    let schema = kind.schema_name();
    let record = format!("{}Record", schema.trim_end_matches("Fields"));
    let page = format!("{}Page", schema.trim_end_matches("Fields"));
    let op = |verb: &str| format!("{verb}{}", schema.trim_end_matches("Fields"));
    let mut list_doc = doc(
        &format!("{}s", op("list")),
        kind.path(),
        &format!("List {plural}: paged, sorted, filtered, searched by name"),
    )
    .ok(200, &page);
    list_doc.list_of = Some(kind);
    vec![
        route(Method::GET, path, Some(Permission::Read), list_doc, get(list::<F>)),
        route(Method::POST, path, Some(Permission::Edit), doc(&op("create"), kind.path(), &format!("Create a {noun}")).request(schema).ok(201, &record), post(create::<F>)),
        route(Method::GET, one, Some(Permission::Read), doc(&op("get"), kind.path(), &format!("Read a {noun}")).ids(&["id"]).ok(200, &record), get(get_one::<F>)),
        route(
            Method::PATCH,
            one,
            Some(Permission::Edit),
            doc(&op("update"), kind.path(), &format!("Change some fields of a {noun}. Send the `revision` you read (or `If-Match`); a stale one gets 409 with the current record"))
                .ids(&["id"])
                .request(&format!("{}Patch", schema.trim_end_matches("Fields")))
                .ok(200, &record),
            patch(update::<F>),
        ),
        route(
            Method::DELETE,
            one,
            Some(Permission::Edit),
            doc(&op("delete"), kind.path(), &format!("Delete a {noun} that nothing refers to; `revision` (or `If-Match`) guards against deleting a newer version"))
                .ids(&["id"])
                .query(&[("revision", "Delete only if the record is still at this revision")])
                .no_content(),
            delete(remove::<F>),
        ),
        route(
            Method::GET,
            history,
            Some(Permission::Read),
            doc(&op("history"), kind.path(), &format!("Every change of a {noun}, oldest first: who, when, and each field's value before and after (also after a delete)"))
                .ids(&["id"])
                .ok(200, "History"),
            get(history_of::<F>),
        ),
    ]
}

fn with_etag(
    status: StatusCode,
    revision: i64,
    body: impl serde::Serialize,
) -> ApiResult<Response> {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(&format!("\"{revision}\"")).map_err(ApiError::internal)?,
    );
    Ok(response)
}

async fn list<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    params: ListParams,
) -> ApiResult<Json<Page<Record<F>>>> {
    let query = params.to_query(F::KIND)?;
    Ok(Json(
        state
            .store
            .list_records::<F>(auth.organisation_id(), &query)
            .await?,
    ))
}

async fn create<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let fields: F = parse_new(body)?;
    let record = state
        .store
        .create_record(&auth.actor(), auth.organisation_id(), fields)
        .await?;
    with_etag(StatusCode::CREATED, record.revision, &record)
}

async fn get_one<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let record = state
        .store
        .record::<F>(auth.organisation_id(), parse_id(&id, "id")?)
        .await?;
    with_etag(StatusCode::OK, record.revision, &record)
}

/// The revision a client read, from the body's `revision` or the `If-Match` header.
fn expected_revision(headers: &HeaderMap, body_revision: Option<&Value>) -> ApiResult<Option<i64>> {
    if let Some(value) = body_revision {
        return value
            .as_i64()
            .filter(|r| *r > 0)
            .map(Some)
            .ok_or_else(|| ApiError::validation("revision", "must be a positive whole number"));
    }
    match headers.get(header::IF_MATCH) {
        None => Ok(None),
        Some(value) => {
            let text = value
                .to_str()
                .unwrap_or("")
                .trim()
                .trim_start_matches("W/")
                .trim_matches('"');
            text.parse().map(Some).map_err(|_| {
                ApiError::validation("If-Match", "must be an ETag of this API, such as \"3\"")
            })
        }
    }
}

async fn update<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id")?;
    let Value::Object(patch) = body else {
        return Err(ApiError::validation(
            "",
            "expected a JSON object of the fields to change",
        ));
    };
    let Some(revision) = expected_revision(&headers, patch.get("revision"))? else {
        return Err(ApiError::validation(
            "revision",
            "is required: send the revision you read (or an If-Match header) so that no one else's change is overwritten",
        ));
    };
    let current = state.store.record::<F>(auth.organisation_id(), id).await?;
    let fields = apply_patch(&current.fields, &patch, &["revision"])?;
    let record = state
        .store
        .update_record(&auth.actor(), auth.organisation_id(), id, revision, fields)
        .await?;
    with_etag(StatusCode::OK, record.revision, &record)
}

/// Every change of one record, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub items: Vec<HistoryEntry>,
    pub total: u64,
}

async fn history_of<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<History>> {
    let id = parse_id(&id, "id")?;
    let items = state
        .store
        .history(auth.organisation_id(), F::KIND.path(), &id.to_string())
        .await?;
    if items.is_empty() {
        return Err(ApiError::NotFound(format!(
            "{} {id} was not found",
            F::KIND.singular()
        )));
    }
    Ok(Json(History {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Deserialize)]
struct DeleteParams {
    revision: Option<String>,
}

async fn remove<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    QueryParams(params): QueryParams<DeleteParams>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, "id")?;
    let from_query = params
        .revision
        .map(|r| Value::from(r.parse::<i64>().unwrap_or(-1)));
    let revision = expected_revision(&headers, from_query.as_ref())?;
    state
        .store
        .delete_record::<F>(&auth.actor(), auth.organisation_id(), id, revision)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Evaluations kept as evidence on an AI system: `aims eval … --system` and CI pipelines add
//! them; the system's page and auditors read them.

use aims_domain::Permission;
use aims_domain::evaluation::{Evaluation, NewEvaluation};
use aims_domain::validation::deserialize;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiRoute, doc, route};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{JsonValue, parse_id};
use crate::state::AppState;

pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::POST, "/systems/{id}/evaluations", Some(Edit), doc("createEvaluation", "evaluations", "Keep a fairness or drift evaluation of the system as evidence: the full result, the input files' SHA-256 and size, the parameters and the tool version").ids(&["id"]).request("NewEvaluation").ok(201, "Evaluation"), post(create)),
        route(Method::GET, "/systems/{id}/evaluations", Some(Read), doc("listEvaluations", "evaluations", "The system's evaluations, newest first").ids(&["id"]).ok(200, "EvaluationList"), get(list)),
        route(Method::GET, "/evaluations/{id}", Some(Read), doc("getEvaluation", "evaluations", "One evaluation with its full result").ids(&["id"]).ok(200, "Evaluation"), get(get_one)),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationList {
    pub items: Vec<Evaluation>,
    pub total: u64,
}

async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonValue(body): JsonValue,
) -> ApiResult<Response> {
    let system = parse_id(&id, "id")?;
    let fields: NewEvaluation = deserialize(body)?;
    let stored = state
        .store
        .create_evaluation(&auth.actor(), auth.organisation_id(), system, fields)
        .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<EvaluationList>> {
    let system = parse_id(&id, "id")?;
    let org = auth.organisation_id();
    // A system of another organisation, or none, is a 404 rather than an empty list.
    state
        .store
        .record::<aims_domain::inventory::SystemFields>(org, system)
        .await?;
    let items = state.store.evaluations(org, system).await?;
    Ok(Json(EvaluationList {
        total: items.len() as u64,
        items,
    }))
}

async fn get_one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Evaluation>> {
    let id = parse_id(&id, "id")?;
    Ok(Json(
        state.store.evaluation(auth.organisation_id(), id).await?,
    ))
}

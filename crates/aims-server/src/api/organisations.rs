//! Organisations hosted by the installation.

use aims_domain::Role;
use aims_domain::account::Organisation;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationList {
    pub items: Vec<Organisation>,
    pub total: u64,
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> ApiResult<Json<OrganisationList>> {
    let items: Vec<Organisation> = state
        .store
        .organisations_of(auth.principal.user_id)
        .await?
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    Ok(Json(OrganisationList {
        total: items.len() as u64,
        items,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<CreateOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    let actor = auth.actor();
    let organisation = state.store.create_organisation(&actor, &body.name).await?;
    state
        .store
        .add_member(&actor, organisation.id, auth.principal.user_id, Role::Admin)
        .await?;
    Ok((StatusCode::CREATED, Json(organisation)))
}

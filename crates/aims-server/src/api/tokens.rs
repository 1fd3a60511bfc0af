//! API tokens: created by a user for scripts and pipelines, shown once, stored hashed,
//! bound to one organisation, with an expiry.

use aims_domain::Permission;
use aims_domain::ValidationErrors;
use aims_domain::account::ApiTokenInfo;
use aims_domain::validation::check_text;
use aims_store::NewToken;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryParams, parse_id};
use crate::state::AppState;

/// Prefix of every API token, so that one is recognisable wherever it is pasted.
pub const TOKEN_PREFIX: &str = "aims_";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, for example `ci-pipeline`.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// Days until the token expires; the server's default when omitted. At most the
    /// server's `token_max_days` (365 by default).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token itself: send it as `Authorization: Bearer <token>`. It is not shown again.
    pub token: String,
    pub id: uuid::Uuid,
    pub name: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<ApiTokenInfo>,
    pub total: u64,
}

#[derive(Debug, Deserialize)]
pub struct ListTokens {
    #[serde(default)]
    all: Option<bool>,
}

pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let created = create_token(&state, &auth, &body.name, body.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Shared with the web page.
pub async fn create_token(
    state: &AppState,
    auth: &crate::auth::AuthContext,
    name: &str,
    days: Option<u32>,
) -> ApiResult<CreatedToken> {
    let mut errors = ValidationErrors::new();
    check_text(&mut errors, "name", name, true, 100);
    let max = state.config.token_max_days;
    let days = days.unwrap_or(state.config.token_default_days);
    if !(1..=max).contains(&days) {
        errors.add("expires_in_days", format!("must be between 1 and {max}"));
    }
    errors.into_result()?;
    let token = auth::new_secret(TOKEN_PREFIX);
    let info = state
        .store
        .create_token(
            &auth.actor(),
            &NewToken {
                token_hash: auth::sha256_hex(&token),
                name: name.trim().to_owned(),
                user_id: auth.principal.user_id,
                organisation_id: auth.organisation_id(),
                expires_at: Utc::now() + chrono::Duration::days(i64::from(days)),
            },
        )
        .await?;
    Ok(CreatedToken {
        token,
        id: info.id,
        name: info.name,
        expires_at: info.expires_at,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(query): QueryParams<ListTokens>,
) -> ApiResult<Json<TokenList>> {
    let everyone = query.all.unwrap_or(false);
    if everyone && !auth.can(Permission::ManageUsers) {
        return Err(ApiError::Forbidden(
            "only admins can list everyone's tokens".into(),
        ));
    }
    let items = state
        .store
        .tokens(
            auth.organisation_id(),
            (!everyone).then_some(auth.principal.user_id),
        )
        .await?;
    Ok(Json(TokenList {
        total: items.len() as u64,
        items,
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiTokenInfo>> {
    let id = parse_id(&id, "id")?;
    let owner = (!auth.can(Permission::ManageUsers)).then_some(auth.principal.user_id);
    Ok(Json(
        state
            .store
            .revoke_token(&auth.actor(), auth.organisation_id(), id, owner)
            .await?,
    ))
}

//! Members of the organisation: listing for everyone, creation and changes for admins.

use aims_domain::account::{Member, Username, check_new_password};
use aims_domain::validation::{check_email, check_text};
use aims_domain::{Role, ValidationErrors};
use aims_store::{MemberUpdate, NewUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Auth, AuthContext};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, parse_id};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(pattern = "^[a-z][a-z0-9._-]{2,63}$")]
    pub username: String,
    /// Shown in the UI; the user name when empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub display_name: String,
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = "^$|^[^@\\s]+@[^@\\s.][^@\\s]*\\.[^@\\s]*[^@\\s.]$"
    )]
    pub email: String,
    pub role: Role,
    /// The first password: 12 to 256 characters, not containing the user name.
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default)]
    pub role: Option<Role>,
    /// `false` stops the user from signing in to this organisation at once.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub display_name: Option<String>,
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = "^$|^[^@\\s]+@[^@\\s.][^@\\s]*\\.[^@\\s]*[^@\\s.]$"
    )]
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
    pub total: u64,
}

pub async fn list(State(state): State<AppState>, Auth(auth): Auth) -> ApiResult<Json<MemberList>> {
    let items = state.store.members(auth.organisation_id()).await?;
    Ok(Json(MemberList {
        total: items.len() as u64,
        items,
    }))
}

pub async fn get_one(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        state
            .store
            .member(auth.organisation_id(), parse_id(&id, "id")?)
            .await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    Ok((
        StatusCode::CREATED,
        Json(create_user(&state, &auth, body).await?),
    ))
}

/// Shared with the web form.
pub async fn create_user(
    state: &AppState,
    auth: &AuthContext,
    body: CreateUser,
) -> ApiResult<Member> {
    let mut errors = ValidationErrors::new();
    let username = Username::parse(body.username.trim());
    if let Err(message) = &username {
        errors.add("username", message.clone());
    }
    let display_name = if body.display_name.trim().is_empty() {
        body.username.trim().to_owned()
    } else {
        body.display_name.trim().to_owned()
    };
    check_text(&mut errors, "display_name", &display_name, true, 200);
    check_email(&mut errors, "email", body.email.trim());
    check_new_password(
        &mut errors,
        "password",
        &body.password,
        body.username.trim(),
    );
    errors.into_result()?;
    let username = username.map_err(|m| ApiError::validation("username", m))?;
    let password = body.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::Internal)?;
    let new = NewUser {
        username: username.as_str().to_owned(),
        display_name,
        email: body.email.trim().to_owned(),
        password_hash: hash,
        role: body.role,
    };
    Ok(state
        .store
        .create_user(&auth.actor(), auth.organisation_id(), new)
        .await?)
}

pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        update_user(&state, &auth, parse_id(&id, "id")?, body).await?,
    ))
}

pub async fn update_user(
    state: &AppState,
    auth: &AuthContext,
    id: uuid::Uuid,
    body: UpdateUser,
) -> ApiResult<Member> {
    let mut errors = ValidationErrors::new();
    if let Some(name) = &body.display_name {
        check_text(&mut errors, "display_name", name, true, 200);
    }
    if let Some(email) = &body.email {
        check_email(&mut errors, "email", email.trim());
    }
    errors.into_result()?;
    let update = MemberUpdate {
        role: body.role,
        active: body.active,
        display_name: body.display_name.map(|s| s.trim().to_owned()),
        email: body.email.map(|s| s.trim().to_owned()),
    };
    Ok(state
        .store
        .update_member(&auth.actor(), auth.organisation_id(), id, update)
        .await?)
}

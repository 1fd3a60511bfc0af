//! Sign-in, sign-out, the current session, switching organisation and changing one's password.

use aims_domain::ValidationErrors;
use aims_domain::account::{Organisation, check_new_password};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{self, Auth, AuthContext, SignInError};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
    /// The organisation to act for; the first one the user belongs to when omitted.
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: SessionUser,
    pub organisation: Organisation,
    pub role: aims_domain::Role,
    /// Send as `X-CSRF-Token` with every change made through the session cookie.
    /// Empty when authenticated by an API token, which needs none.
    pub csrf_token: String,
    /// When the session ends if unused (absent for API tokens).
    pub expires_at: Option<DateTime<Utc>>,
    /// Every organisation the user can switch to.
    pub organisations: Vec<Organisation>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchOrganisation {
    pub organisation_id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// 12 to 256 characters, not containing the user name.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

async fn session_info(
    state: &AppState,
    auth: &AuthContext,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<SessionInfo> {
    let p = &auth.principal;
    let organisations: Vec<Organisation> = state
        .store
        .organisations_of(p.user_id)
        .await?
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    let organisation = organisations
        .iter()
        .find(|o| o.id == p.organisation_id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound("organisation not found".into()))?;
    Ok(SessionInfo {
        user: SessionUser {
            id: p.user_id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
        },
        organisation,
        role: p.role,
        csrf_token: auth.csrf_token().to_owned(),
        expires_at,
        organisations,
    })
}

pub async fn sign_in(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SignInRequest>,
) -> ApiResult<Response> {
    let signed_in = auth::sign_in(&state, &body.username, &body.password, body.organisation_id)
        .await
        .map_err(|e| match e {
            SignInError::WrongCredentials | SignInError::NoMembership => ApiError::Unauthenticated,
            SignInError::Locked(_) => ApiError::TooManyRequests(e.to_string()),
            SignInError::Store(e) => e.into(),
        })?;
    let context = AuthContext {
        principal: signed_in.session.principal.clone(),
        via: auth::Via::Session {
            id_hash: String::new(),
            csrf_token: signed_in.session.csrf_token.clone(),
        },
    };
    let info = session_info(&state, &context, Some(signed_in.session.expires_at)).await?;
    let cookie = auth::session_cookie(
        &signed_in.secret,
        state.config.session_ttl.as_secs(),
        state.config.secure_cookies,
    );
    let mut response = Json(info).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok(response)
}

pub async fn current(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> ApiResult<Json<SessionInfo>> {
    let expires_at = match auth.session_id_hash() {
        Some(hash) => state.store.session(hash).await?.map(|s| s.expires_at),
        None => None,
    };
    Ok(Json(session_info(&state, &auth, expires_at).await?))
}

pub async fn sign_out(State(state): State<AppState>, Auth(auth): Auth) -> ApiResult<Response> {
    if let Some(hash) = auth.session_id_hash() {
        state.store.delete_session(hash).await?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::clear_session_cookie(state.config.secure_cookies))
            .map_err(ApiError::internal)?,
    );
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

pub async fn switch_organisation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<SwitchOrganisation>,
) -> ApiResult<Json<SessionInfo>> {
    let Some(hash) = auth.session_id_hash() else {
        return Err(ApiError::validation(
            "organisation_id",
            "an API token is bound to its organisation; create a token in the other organisation instead",
        ));
    };
    state
        .store
        .switch_session_organisation(hash, auth.principal.user_id, body.organisation_id)
        .await?;
    let session = state
        .store
        .session(hash)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let context = AuthContext {
        principal: session.principal,
        via: auth.via.clone(),
    };
    Ok(Json(
        session_info(&state, &context, Some(session.expires_at)).await?,
    ))
}

pub async fn change_password(
    State(state): State<AppState>,
    Auth(auth): Auth,
    JsonBody(body): JsonBody<ChangePassword>,
) -> ApiResult<StatusCode> {
    change_own_password(&state, &auth, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shared with the web form: checks the current password and the policy, then stores the new hash.
pub async fn change_own_password(
    state: &AppState,
    auth: &AuthContext,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    let credentials = state
        .store
        .credentials_by_id(auth.principal.user_id)
        .await?;
    let (current_owned, hash) = (current.to_owned(), credentials.password_hash.clone());
    let valid = tokio::task::spawn_blocking(move || auth::verify_password(&current_owned, &hash))
        .await
        .unwrap_or(false);
    let mut errors = ValidationErrors::new();
    if !valid {
        errors.add("current_password", "is not your current password");
    }
    check_new_password(&mut errors, "new_password", new, &credentials.username);
    errors.into_result()?;
    let new_owned = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new_owned))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::Internal)?;
    state
        .store
        .set_password(
            &auth.actor(),
            auth.organisation_id(),
            auth.principal.user_id,
            &hash,
            auth.session_id_hash(),
        )
        .await?;
    Ok(())
}

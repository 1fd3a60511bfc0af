//! Two layers: `resolve` runs on every request and works out who sends it (API token or
//! session cookie), enforcing CSRF on cookie-authenticated changes; `require` sits on
//! each route and checks the permission that route declares, before any handler code or
//! body parsing runs.

use aims_domain::Permission;
use axum::body::{Body, to_bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use chrono::Utc;

use super::context::{AuthContext, Via};
use super::secrets::{constant_time_eq, sha256_hex};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::error_page;

pub const SESSION_COOKIE: &str = "aims_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A session is extended at most this often, so reads do not turn into writes.
const TOUCH_AFTER_SECS: i64 = 300;

pub async fn resolve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match authenticate(&state, request).await {
        Ok(request) => next.run(request).await,
        Err((is_api, err)) => {
            if is_api {
                err.into_response()
            } else {
                error_page(err.status(), &err.to_string(), None)
            }
        }
    }
}

async fn authenticate(state: &AppState, mut request: Request) -> Result<Request, (bool, ApiError)> {
    let is_api = request.uri().path().starts_with("/api/");
    let fail = |err: ApiError| (is_api, err);
    if let Some(token) = bearer_token(request.headers()) {
        // A token that is sent but not valid is an error, never a fall-back to the cookie.
        let auth = state
            .store
            .token(&sha256_hex(&token))
            .await
            .map_err(|e| fail(e.into()))?
            .ok_or(fail(ApiError::Unauthenticated))?;
        if auth
            .last_used_at
            .is_none_or(|t| (Utc::now() - t).num_seconds() > 60)
        {
            state
                .store
                .touch_token(auth.token_id)
                .await
                .map_err(|e| fail(e.into()))?;
        }
        request.extensions_mut().insert(AuthContext {
            principal: auth.principal,
            via: Via::Token {
                id: auth.token_id,
                name: auth.token_name,
            },
        });
        return Ok(request);
    }
    let Some(secret) = cookie(request.headers(), SESSION_COOKIE) else {
        return Ok(request);
    };
    let id_hash = sha256_hex(&secret);
    let Some(session) = state
        .store
        .session(&id_hash)
        .await
        .map_err(|e| fail(e.into()))?
    else {
        return Ok(request);
    };
    if (Utc::now() - session.last_seen_at).num_seconds() > TOUCH_AFTER_SECS {
        let expires = Utc::now()
            + chrono::Duration::from_std(state.config.session_ttl)
                .unwrap_or(chrono::Duration::hours(8));
        state
            .store
            .touch_session(&id_hash, expires)
            .await
            .map_err(|e| fail(e.into()))?;
    }
    let context = AuthContext {
        principal: session.principal,
        via: Via::Session {
            id_hash,
            csrf_token: session.csrf_token.clone(),
        },
    };
    if is_unsafe(request.method()) {
        request = check_csrf(request, &session.csrf_token, state.config.body_limit_bytes)
            .await
            .map_err(fail)?;
    }
    request.extensions_mut().insert(context);
    Ok(request)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Accepts the CSRF token from the `X-CSRF-Token` header, or from the `csrf_token` field
/// of a form body (which is then handed on unchanged).
async fn check_csrf(request: Request, expected: &str, limit: usize) -> Result<Request, ApiError> {
    if let Some(sent) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(sent, expected) {
            Ok(request)
        } else {
            Err(ApiError::CsrfFailed)
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(ApiError::CsrfFailed);
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let sent = fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !constant_time_eq(sent, expected) {
        return Err(ApiError::CsrfFailed);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A route's handler behind the permission it declares (`None`: public).
pub fn guarded(
    handler: MethodRouter<AppState>,
    permission: Option<Permission>,
) -> MethodRouter<AppState> {
    match permission {
        Some(permission) => {
            handler.route_layer(from_fn(move |req, next| require(permission, req, next)))
        }
        None => handler,
    }
}

/// The permission layer of one route.
pub async fn require(permission: Permission, request: Request, next: Next) -> Response {
    // Inside a nested router the URI has lost its prefix; the original one has not.
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().clone(), |o| o.0.clone());
    let is_api = uri.path().starts_with("/api/");
    match request.extensions().get::<AuthContext>() {
        None if is_api => ApiError::Unauthenticated.into_response(),
        None => {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next_param: String =
                serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
            Redirect::to(&format!("/sign-in?{next_param}")).into_response()
        }
        Some(auth) if !auth.can(permission) => {
            let message = format!(
                "your role in {} ({}) does not allow this",
                auth.principal.organisation_name,
                auth.role()
            );
            if is_api {
                ApiError::Forbidden(message).into_response()
            } else {
                error_page(StatusCode::FORBIDDEN, &message, Some(auth))
            }
        }
        Some(_) => next.run(request).await,
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// `Set-Cookie` for a new session: HttpOnly so scripts cannot read it, SameSite=Lax so
/// other sites cannot send it with their forms.
pub fn session_cookie(secret: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_tokens_and_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer  aims_abc ".parse().unwrap());
        headers.insert(
            header::COOKIE,
            "a=1; aims_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(bearer_token(&headers).as_deref(), Some("aims_abc"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("xyz"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        assert!(session_cookie("s", 60, true).ends_with("; Secure"));
    }
}

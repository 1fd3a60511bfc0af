//! The one error type of the REST API: a stable code per case, the HTTP status that goes
//! with it, and a JSON body `{code, message, fields?, current?}` documented in the OpenAPI
//! document. Internal errors are logged with their cause and answered with an opaque 500.

use aims_domain::{FieldError, ValidationErrors};
use aims_store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable code, for example `validation_failed`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// For `validation_failed`: every field in error, as a JSON path, with what was expected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For `conflict`: the record as it is now, so the client can merge and retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("{0}")]
    Validation(ValidationErrors),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("sign in, or send an API token as `Authorization: Bearer <token>`")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "the CSRF token is missing or wrong: send the csrf_token from sign-in as the X-CSRF-Token header"
    )]
    CsrfFailed,
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict {
        message: String,
        current: Option<serde_json::Value>,
    },
    #[error(
        "the request body is larger than this server accepts (see `body_limit_bytes` in the configuration)"
    )]
    PayloadTooLarge,
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("the server could not complete the request")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(ValidationErrors::single(field, message))
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) | ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::CsrfFailed => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Validation(_) => "validation_failed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict {
                current: Some(_), ..
            } => "revision_conflict",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            fields: match self {
                ApiError::Validation(errors) => errors.0.clone(),
                _ => Vec::new(),
            },
            current: match self {
                ApiError::Conflict { current, .. } => current.clone(),
                _ => None,
            },
        }
    }

    /// Logs what the client will not see: the cause chain of an internal error.
    pub fn log(&self) {
        if let ApiError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        }
    }
}

/// Every status and code the API can answer with, for the OpenAPI document.
pub const ERROR_CODES: &[(u16, &str, &str)] = &[
    (400, "invalid_json", "The body is not valid JSON."),
    (
        400,
        "validation_failed",
        "A field is missing, unknown, of the wrong type or breaks a rule; `fields` names each.",
    ),
    (401, "unauthenticated", "No valid session or API token."),
    (
        403,
        "forbidden",
        "The role held in the organisation does not allow this.",
    ),
    (
        403,
        "csrf_failed",
        "A cookie-authenticated change without the CSRF token.",
    ),
    (404, "not_found", "No such record in this organisation."),
    (
        405,
        "method_not_allowed",
        "The path exists but not with this method.",
    ),
    (
        409,
        "revision_conflict",
        "The record changed since it was read; `current` holds it as it is now.",
    ),
    (
        409,
        "conflict",
        "A unique value is taken, the record is still referenced, or it depends on something no longer installed (an SoA whose framework left the library).",
    ),
    (413, "payload_too_large", "The body is over the size limit."),
    (
        415,
        "unsupported_media_type",
        "The body is not sent as application/json.",
    ),
    (
        429,
        "too_many_requests",
        "Too many failed sign-ins for this user name; wait and retry.",
    ),
    (
        500,
        "internal",
        "An unexpected failure; its cause is in the server log.",
    ),
];

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if matches!(self, ApiError::Unauthenticated) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"aims\""),
            );
        }
        response
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { kind, id } => {
                ApiError::NotFound(format!("{kind} {id} was not found"))
            }
            StoreError::Conflict { revision, current } => ApiError::Conflict {
                message: format!(
                    "the record was changed by someone else and is now at revision {revision}; merge with `current` and retry with that revision"
                ),
                current: Some(current),
            },
            StoreError::Duplicate { field, value } => ApiError::Conflict {
                message: format!("{field} `{value}` is already taken"),
                current: None,
            },
            StoreError::InUse(message) => ApiError::Conflict {
                message,
                current: None,
            },
            StoreError::Invalid(errors) => ApiError::Validation(errors),
            other => ApiError::Internal(other.into()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

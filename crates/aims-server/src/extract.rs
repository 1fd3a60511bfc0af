//! Request extractors that answer bad input with the API's own error body: JSON bodies
//! whose errors name the field path, list parameters checked against the record kind, and
//! ids that must be UUIDs.

use aims_domain::ValidationErrors;
use aims_domain::inventory::RecordKind;
use aims_domain::listing::{self, ListQuery, RawListParams};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::ApiError;

/// A JSON body. Unlike `axum::Json`, every failure is an [`ApiError`] that names the field.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return ApiError::InvalidJson(inner.to_string());
            }
            let message = inner.to_string();
            match message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
            {
                Some(field) => ApiError::validation(field, "is required"),
                None => {
                    ApiError::validation(if path == "." { String::new() } else { path }, message)
                }
            }
        })?;
        de.end().map_err(|e| ApiError::InvalidJson(e.to_string()))?;
        Ok(JsonBody(value))
    }
}

/// The body as raw JSON, for handlers that check keys themselves (partial updates).
pub struct JsonValue(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonValue {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonValue)
            .map_err(|e| ApiError::InvalidJson(e.to_string()))
    }
}

async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !(mime == "application/json"
        || (mime.starts_with("application/") && mime.ends_with("+json")))
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the body as JSON with `Content-Type: application/json` (got `{}`)",
            if content_type.is_empty() {
                "none"
            } else {
                content_type
            }
        )));
    }
    body_bytes(req, state).await
}

/// The whole body; over the route's size limit it is a 413.
pub(crate) async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(err) if is_length_limit(&err) => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::InvalidJson(other.body_text()),
        })
}

fn is_length_limit(err: &dyn std::error::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        if e.to_string().contains("length limit") {
            return true;
        }
        source = e.source();
    }
    false
}

/// Query-string parameters deserialised into `T`; a bad value is a `validation_failed`
/// error naming the parameter, like every other input error.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(|err| {
                let path = err.path().to_string();
                ApiError::validation(
                    if path == "." {
                        "query".to_owned()
                    } else {
                        path
                    },
                    err.into_inner().to_string(),
                )
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// List parameters: paging, sort, search and the filters the kind allows.
pub struct ListParams {
    pub raw: RawListParams,
    pub filters: Vec<(String, String)>,
}

impl ListParams {
    /// Validates the parameters for a kind of record, filter values included.
    pub fn to_query(&self, kind: RecordKind) -> Result<ListQuery, ApiError> {
        kind.list_query(&self.raw, &self.filters)
            .map_err(ApiError::Validation)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parse_list_params(parts.uri.query().unwrap_or("")))
    }
}

/// Splits a query string into the common list parameters and the rest (filters).
pub fn parse_list_params(query: &str) -> ListParams {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut raw = RawListParams::default();
    let mut filters = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "limit" => raw.limit = Some(value),
            "offset" => raw.offset = Some(value),
            "sort" => raw.sort = Some(value),
            "order" => raw.order = Some(value),
            "q" => raw.q = Some(value),
            _ => filters.push((key, value)),
        }
    }
    ListParams { raw, filters }
}

/// Parses a path segment that must be a UUID, naming the parameter when it is not.
pub fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::Validation(ValidationErrors::single(
            name,
            format!("must be a UUID, got `{raw}`"),
        ))
    })
}

/// An optional RFC 3339 time from a query parameter (empty means absent); a bad value is
/// added to `errors` under the parameter's name.
pub fn time_param(
    errors: &mut ValidationErrors,
    name: &str,
    value: Option<&str>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    match chrono::DateTime::parse_from_rfc3339(value) {
        Ok(t) => Some(t.with_timezone(&chrono::Utc)),
        Err(_) => {
            errors.add(
                name,
                format!("must be an RFC 3339 time such as 2026-01-31T09:00:00Z, got `{value}`"),
            );
            None
        }
    }
}

/// `limit` and `offset` of a paged list from query parameters (empty means absent): the
/// first 50 by default, at most 500 at once. A bad value is added to `errors` under the
/// parameter's name.
pub fn page_params(
    errors: &mut ValidationErrors,
    limit: Option<&str>,
    offset: Option<&str>,
) -> (u64, u64) {
    (
        listing::parse_limit(errors, limit, listing::DEFAULT_LIMIT, listing::MAX_LIMIT),
        listing::parse_offset(errors, offset),
    )
}

//! Decision events of an AI system: batches in (JSON array or NDJSON), ground truth later
//! by event id, and a time window out as JSON pages, CSV or Parquet.

use std::io::Seek;

use aims_domain::decision::{AppendedBatch, BatchFormat, parse_batch, parse_ground_truth};
use aims_domain::{ValidationErrors, listing};
use aims_store::decisions::{ExportFormat, Window};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonValue, QueryParams, body_bytes, parse_id, time_param};
use crate::state::AppState;

/// Largest decision batch body: room for the largest batch of events.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;
const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1_000;
/// The media type registered for Parquet files.
pub(crate) const PARQUET: &str = "application/vnd.apache.parquet";

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionList {
    /// Events oldest first, each as it now is (ground truth given later included).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// Events in the window.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundTruth {
    /// The true outcome: text, number or true/false.
    #[schema(value_type = Object)]
    pub ground_truth: Value,
}

#[derive(Debug, Default, Deserialize)]
pub struct WindowParams {
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    /// Of the export: `csv` (default) or `parquet`.
    format: Option<String>,
}

impl WindowParams {
    fn window(&self) -> Result<Window, ApiError> {
        let mut errors = aims_domain::ValidationErrors::new();
        let window = Window {
            from: time_param(&mut errors, "from", self.from.as_deref()),
            to: time_param(&mut errors, "to", self.to.as_deref()),
        };
        errors.into_result()?;
        Ok(window)
    }

    fn limit(&self) -> Result<u64, ApiError> {
        let mut errors = ValidationErrors::new();
        let limit =
            listing::parse_limit(&mut errors, self.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT);
        errors.into_result()?;
        Ok(limit)
    }

    /// The export's format, its file name extension and media type.
    fn format(&self) -> Result<(ExportFormat, &'static str, &'static str), ApiError> {
        match self.format.as_deref().map(str::trim) {
            None | Some("") | Some("csv") => Ok((ExportFormat::Csv, "csv", super::soa::CSV)),
            Some("parquet") => Ok((ExportFormat::Parquet, "parquet", PARQUET)),
            Some(other) => Err(ApiError::validation(
                "format",
                format!("must be csv or parquet, got `{other}`"),
            )),
        }
    }

    fn cursor(&self) -> Result<Option<(DateTime<Utc>, i64)>, ApiError> {
        let Some(text) = self.cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let parsed = text.split_once('~').and_then(|(t, seq)| {
            let t = DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc);
            Some((t, seq.parse().ok()?))
        });
        parsed
            .map(Some)
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor from a previous page"))
    }
}

fn cursor_text((at, seq): (DateTime<Utc>, i64)) -> String {
    format!("{}~{seq}", aims_store::format_timestamp(at))
}

/// The body of a batch, with the format its content type names.
pub struct Batch(Bytes, BatchFormat);

impl<S: Send + Sync> FromRequest<S> for Batch {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mime = content_type.split(';').next().unwrap_or("").trim();
        let format = match mime {
            "application/json" => BatchFormat::JsonArray,
            "application/x-ndjson" | "application/jsonl" => BatchFormat::NdJson,
            _ => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "send decision events as a JSON array (`Content-Type: application/json`) or one per line (`application/x-ndjson`), not `{}`",
                    if content_type.is_empty() {
                        "none"
                    } else {
                        &content_type
                    }
                )));
            }
        };
        let bytes = body_bytes(req, state).await?;
        Ok(Batch(bytes, format))
    }
}

pub async fn append(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    Batch(body, format): Batch,
) -> ApiResult<(StatusCode, Json<AppendedBatch>)> {
    let system_id = parse_id(&id, "id")?;
    // Assigned ids are time-ordered (UUIDv7): new ids land at the end of the event-id
    // index instead of on a random page of it, which keeps ingest fast as the log grows.
    let events = parse_batch(&body, format, &mut || uuid::Uuid::now_v7().to_string())?;
    let appended = state
        .store
        .append_decisions(&auth.actor(), auth.organisation_id(), system_id, &events)
        .await?;
    Ok((StatusCode::CREATED, Json(appended)))
}

pub async fn set_ground_truth(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, event_id)): Path<(String, String)>,
    JsonValue(body): JsonValue,
) -> ApiResult<Json<Value>> {
    let system_id = parse_id(&id, "id")?;
    let body: GroundTruth = serde_json::from_value(body).map_err(|e| {
        ApiError::validation(
            "ground_truth",
            format!("expected {{\"ground_truth\": value}}: {e}"),
        )
    })?;
    let truth = parse_ground_truth(&body.ground_truth)?;
    let event = state
        .store
        .set_ground_truth(
            &auth.actor(),
            auth.organisation_id(),
            system_id,
            &event_id,
            truth,
        )
        .await?;
    Ok(Json(event))
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<WindowParams>,
) -> ApiResult<Json<DecisionList>> {
    let system_id = parse_id(&id, "id")?;
    let window = params.window()?;
    let limit = params.limit()?;
    let cursor = params.cursor()?;
    let org = auth.organisation_id();
    let total = state.store.count_decisions(org, system_id, window).await?;
    let (items, next) = state
        .store
        .decisions_page(org, system_id, window, cursor, limit)
        .await?;
    let next_cursor = (items.len() as u64 == limit)
        .then_some(next)
        .flatten()
        .map(cursor_text);
    Ok(Json(DecisionList {
        items,
        total,
        next_cursor,
    }))
}

/// The window as CSV or Parquet, ready for `aims eval fairness`: one column per group
/// attribute.
pub async fn export(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<WindowParams>,
) -> ApiResult<Response> {
    let system_id = parse_id(&id, "id")?;
    let window = params.window()?;
    let (format, extension, media_type) = params.format()?;
    // A window can hold millions of events: the file is written to an unnamed temporary
    // file, so that a failure is still an error response, and then streamed from it.
    let spool = |err: std::io::Error| ApiError::Internal(anyhow::anyhow!("spool file: {err}"));
    let mut file = std::io::BufWriter::new(tempfile::tempfile().map_err(spool)?);
    state
        .store
        .export_decisions(auth.organisation_id(), system_id, window, format, &mut file)
        .await?;
    let mut file = file.into_inner().map_err(|e| spool(e.into_error()))?;
    file.rewind().map_err(spool)?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"decisions-{system_id}.{extension}\""),
            ),
        ],
        Body::from_stream(chunks(tokio::fs::File::from_std(file))),
    )
        .into_response())
}

/// A file's bytes as a stream of chunks.
fn chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    const CHUNK: usize = 256 * 1024;
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut chunk = vec![0; CHUNK];
        let read = file.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        chunk.truncate(read);
        Ok(Some((Bytes::from(chunk), file)))
    })
}

//! The change ledger for auditors: its entries (filtered by record, actor and time) and
//! the current tree head, signed with the installation's key.

use aims_domain::ValidationErrors;
use aims_domain::history::{LedgerEntry, LedgerFilter};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{QueryParams, page_params, time_param};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryList {
    /// Newest first.
    pub items: Vec<LedgerEntry>,
    pub total: u64,
}

/// The ledger's current size and Merkle root, and the signature that lets an auditor
/// keep it as a checkpoint (`aims ledger verify-proof`, `aims verify --tree-head`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHeadInfo {
    pub tree_size: u64,
    /// Hex SHA-256 Merkle root (RFC 6962) over the entries' hashes.
    pub root_hash: String,
    pub timestamp: String,
    /// Key id of the signing key (first 8 bytes of SHA-256 of the public key, hex).
    pub key_id: Option<String>,
    /// Base64 Ed25519 signature over the tree head; absent when the server has no key.
    pub signature: Option<String>,
    /// Base64 Ed25519 public key that verifies the signature.
    pub public_key: Option<String>,
}

/// Raw query parameters, checked by [`LedgerQuery::parse`] so errors name the parameter.
#[derive(Debug, Default, Deserialize)]
pub struct LedgerParams {
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

pub struct LedgerQuery {
    pub filter: LedgerFilter,
    pub limit: u64,
    pub offset: u64,
}

impl LedgerParams {
    pub fn parse(&self) -> Result<LedgerQuery, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let from = time_param(&mut errors, "from", self.from.as_deref());
        let to = time_param(&mut errors, "to", self.to.as_deref());
        let (limit, offset) =
            page_params(&mut errors, self.limit.as_deref(), self.offset.as_deref());
        errors.into_result()?;
        Ok(LedgerQuery {
            filter: LedgerFilter {
                record_kind: text(&self.record_kind),
                record_id: text(&self.record_id),
                actor: text(&self.actor),
                from,
                to,
            },
            limit,
            offset,
        })
    }
}

pub async fn entries(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<LedgerParams>,
) -> ApiResult<Json<LedgerEntryList>> {
    let query = params.parse()?;
    let (items, total) = state
        .store
        .ledger_entries(
            auth.organisation_id(),
            &query.filter,
            query.limit,
            query.offset,
        )
        .await?;
    Ok(Json(LedgerEntryList { items, total }))
}

pub async fn tree_head(
    State(state): State<AppState>,
    Auth(_): Auth,
) -> ApiResult<Json<TreeHeadInfo>> {
    Ok(Json(current_tree_head(&state).await?))
}

/// The current head, signed when the server holds the installation's key.
pub async fn current_tree_head(state: &AppState) -> ApiResult<TreeHeadInfo> {
    let head = state.store.tree_head().await?;
    let signed = match &state.config.signing_key {
        Some(key) => Some((
            key.sign(&head)
                .map_err(|e| crate::error::ApiError::Internal(e.into()))?,
            key.public_key(),
        )),
        None => None,
    };
    Ok(TreeHeadInfo {
        tree_size: head.tree_size,
        root_hash: head.root_hash.to_hex(),
        timestamp: head.timestamp,
        key_id: signed.as_ref().map(|(s, _)| s.key_id.to_string()),
        signature: signed.as_ref().and_then(|(s, _)| {
            serde_json::to_value(s).ok()?["signature"]
                .as_str()
                .map(str::to_owned)
        }),
        public_key: signed.as_ref().map(|(_, k)| k.to_base64()),
    })
}

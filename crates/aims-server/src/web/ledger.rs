//! The auditor view of the change ledger: entries filtered by record, actor and time, the
//! current signed tree head, and a checkpoint to download and keep.

use aims_domain::inventory::RecordKind;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use maud::{Markup, html};

use super::inventory::when;
use super::{Page, PageResult, WebError};
use crate::api::ledger::{LedgerParams, current_tree_head};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;

/// Kinds an auditor can filter by, with their labels.
const KINDS: &[(&str, &str)] = &[
    ("systems", "AI systems"),
    ("models", "Models"),
    ("datasets", "Datasets"),
    ("suppliers", "Suppliers"),
    ("soa_control", "SoA controls"),
    ("soa_requirement", "SoA requirements"),
    ("soa_version", "SoA versions"),
    ("risk", "Risks"),
    ("risk_criteria", "Risk criteria"),
    ("impact_assessment", "Impact assessments"),
    ("eu_ai_act_classification", "EU AI Act classifications"),
    ("organisation", "Organisation"),
    ("user", "Users"),
    ("member", "Memberships"),
    ("api_token", "API tokens"),
];

pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    QueryParams(params): QueryParams<LedgerParams>,
) -> PageResult {
    let query = params
        .parse()
        .map_err(|e| WebError(ApiError::Validation(e)).page(Some(&auth)))?;
    let (entries, total) = state
        .store
        .ledger_entries(
            auth.organisation_id(),
            &query.filter,
            query.limit,
            query.offset,
        )
        .await
        .map_err(|e| WebError::from(e).page(Some(&auth)))?;
    let head = current_tree_head(&state)
        .await
        .map_err(|e| WebError(e).page(Some(&auth)))?;
    let first = query.offset + 1;
    let last = query.offset + entries.len() as u64;
    let page_href = |offset: u64| {
        let mut pairs: Vec<(&str, String)> = [
            ("record_kind", &params.record_kind),
            ("record_id", &params.record_id),
            ("actor", &params.actor),
            ("from", &params.from),
            ("to", &params.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        pairs.push(("offset", offset.to_string()));
        format!(
            "/ledger?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let body = html! {
        span.caption { "ISO/IEC 42001 · 7.5, 9.2" }
        h1 { "Audit trail" }
        p.lead { "Every change to a record is an entry of a hash chain, in the same transaction as the change. The Merkle root below covers every entry; keep a signed checkpoint and check it later with " code { "aims verify --tree-head" } ", offline, with only the public key." }
        section.inset aria-labelledby="tree-head" {
            h2 #tree-head { "Current tree head" }
            dl.details {
                dt { "Entries" } dd { (head.tree_size) }
                dt { "Merkle root" } dd { code.hash { (head.root_hash) } }
                dt { "As of" } dd { (head.timestamp) }
                @if let (Some(key_id), Some(public_key)) = (&head.key_id, &head.public_key) {
                    dt { "Signing key" } dd { code { (key_id) } }
                    dt { "Public key" } dd { code.hash { (public_key) } }
                }
            }
            @if head.signature.is_some() {
                p { a.button href="/ledger/checkpoint.json" download { "Download signed checkpoint" } }
            } @else {
                p.hint { "This server has no signing key, so the head is not signed. Run " code { "aims ledger init-key" } " and restart." }
            }
        }
        (filter_form(&params))
        @if entries.is_empty() {
            p { "No entries match these filters." }
        } @else {
            p.meta role="status" { "Showing " (first) "–" (last) " of " (total) " entries, newest first" }
            div.table-wrap {
                table.data {
                    thead { tr { th { "Seq" } th { "When" } th { "Who" } th { "Action" } th { "Record" } th { "Entry hash" } } }
                    tbody {
                        @for entry in &entries {
                            tr {
                                td { (entry.seq) }
                                td { time datetime=(entry.at.to_rfc3339()) { (when(entry.at)) } }
                                td { (entry.actor) }
                                td { (entry.action) }
                                td { (record_link(&entry.record_kind, &entry.record_id)) }
                                td { code.hash title=(entry.entry_hash.as_deref().unwrap_or("")) { (short(entry.entry_hash.as_deref())) } }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label="Pages" {
                @if query.offset > 0 {
                    a rel="prev" href=(page_href(query.offset.saturating_sub(query.limit))) { "← Newer" }
                }
                @if last < total {
                    a rel="next" href=(page_href(last)) { "Older →" }
                }
            }
        }
    };
    Ok(Page {
        title: "Audit trail".into(),
        auth: Some(&auth),
        section: Some("performance"),
        body,
    }
    .into_response())
}

/// The signed tree head as a file to keep.
pub async fn checkpoint(State(state): State<AppState>, Auth(auth): Auth) -> PageResult {
    let Some(key) = &state.config.signing_key else {
        return Err(WebError(ApiError::NotFound(
            "this server has no signing key, so it cannot sign a checkpoint".into(),
        ))
        .page(Some(&auth)));
    };
    let head = state
        .store
        .tree_head()
        .await
        .map_err(|e| WebError::from(e).page(Some(&auth)))?;
    let signed = key
        .sign(&head)
        .map_err(|e| WebError(ApiError::Internal(e.into())).page(Some(&auth)))?;
    let name = format!(
        "attachment; filename=\"aims-tree-head-{}.json\"",
        signed.tree_size
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        format!("{}\n", signed.to_json()),
    )
        .into_response())
}

fn filter_form(params: &LedgerParams) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let kind = value(&params.record_kind);
    html! {
        form.filters method="get" action="/ledger" role="search" aria-label="Filter the audit trail" {
            div.field {
                label for="ledger-kind" { "Record kind" }
                select #ledger-kind name="record_kind" {
                    option value="" { "Any" }
                    @for (value, label) in KINDS {
                        option value=(value) selected[*value == kind] { (label) }
                    }
                }
            }
            div.field {
                label for="ledger-record" { "Record id" }
                input #ledger-record type="text" name="record_id" value=(value(&params.record_id));
            }
            div.field {
                label for="ledger-actor" { "Who" }
                input #ledger-actor type="text" name="actor" value=(value(&params.actor));
            }
            div.field {
                label for="ledger-from" { "From (RFC 3339)" }
                input #ledger-from type="text" name="from" placeholder="2026-01-31T00:00:00Z" value=(value(&params.from));
            }
            div.field {
                label for="ledger-to" { "Before (RFC 3339)" }
                input #ledger-to type="text" name="to" placeholder="2026-02-01T00:00:00Z" value=(value(&params.to));
            }
            div.actions { button type="submit" { "Filter" } }
        }
    }
}

fn record_link(kind: &str, id: &str) -> Markup {
    let inventory = RecordKind::ALL.into_iter().find(|k| k.path() == kind);
    html! {
        @match inventory {
            Some(k) => { a href=(format!("/{}/{}/history", k.path(), id)) { (k.singular()) " " code { (short(Some(id))) } } }
            None => { (kind.replace('_', " ")) " " code { (short(Some(id))) } }
        }
    }
}

/// The first 12 characters of a hash or id: enough to tell entries apart on screen.
fn short(value: Option<&str>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| v.chars().take(12).collect())
}

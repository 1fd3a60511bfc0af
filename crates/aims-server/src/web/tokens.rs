//! The signed-in user's API tokens: the list, a form that creates one and shows it once
//! (the API's `create_token`), and revocation.

use aims_domain::account::ApiTokenInfo;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use maud::{Markup, html};

use super::forms::{Field, FormData, FormErrors, csrf, error_summary};
use super::inventory::when;
use super::{OrPage, Page, PageResult, WebError, notice};
use crate::api::tokens::{CreatedToken, create_token};
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::state::AppState;

const LABELS: &[(&str, &str)] = &[("name", "Name"), ("expires_in_days", "Valid for")];

fn status(token: &ApiTokenInfo) -> Markup {
    html! {
        @if token.revoked_at.is_some() {
            span.label.rejected { "Revoked" }
        } @else if token.expires_at <= Utc::now() {
            span.label { "Expired" }
        } @else {
            span.label.approved { "Active" }
        }
    }
}

struct TokensPage<'a> {
    status: StatusCode,
    notice: Option<&'a str>,
    form: &'a FormData,
    errors: &'a FormErrors,
    created: Option<&'a CreatedToken>,
}

async fn tokens_page(state: &AppState, auth: &AuthContext, page: TokensPage<'_>) -> PageResult {
    let tokens = state
        .store
        .tokens(auth.organisation_id(), Some(auth.principal.user_id))
        .await
        .or_page(auth)?;
    let days = page
        .form
        .get("expires_in_days")
        .map(str::to_owned)
        .unwrap_or_else(|| state.config.token_default_days.to_string());
    let body = html! {
        h1 { "API tokens" }
        (notice(page.notice))
        @if let Some(created) = page.created {
            div.secret-panel role="status" {
                h2 { "Your new token “" (created.name) "”" }
                p.warning { strong { "Copy it now: it is shown only this once." } " aims keeps only a fingerprint of it and cannot show it again." }
                p.secret #new-token { (created.token) }
                p { "Send it as " code { "Authorization: Bearer <token>" } ". It expires on " (when(created.expires_at)) "." }
            }
        }
        p.lead {
            "A token lets a script or pipeline use the API as you, in " (auth.principal.organisation_name)
            ", with your role (" (auth.role().label().to_lowercase()) ")."
        }
        h2 { "Create a token" }
        (error_summary(page.errors))
        form method="post" action="/tokens" novalidate {
            (csrf(auth))
            (Field { name: "name", label: "Name", hint: "What the token is for, for example ci-pipeline.", optional: false }
                .input(page.errors, "text", page.form.text("name"), Some("off")))
            (Field { name: "expires_in_days", label: "Valid for", hint: &format!("Days until it expires, 1 to {}.", state.config.token_max_days), optional: false }
                .input(page.errors, "number", &days, None))
            div.actions { button.button type="submit" { "Create token" } }
        }
        h2 { "Your tokens" }
        @if tokens.is_empty() {
            p { "You have no API tokens." }
        } @else {
            table.data {
                thead { tr {
                    th scope="col" { "Name" }
                    th scope="col" { "Created" }
                    th scope="col" { "Expires" }
                    th scope="col" { "Last used" }
                    th scope="col" { "Status" }
                    th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for token in &tokens {
                        tr {
                            th scope="row" { (token.name) }
                            td { (when(token.created_at)) }
                            td { (when(token.expires_at)) }
                            td { @if let Some(t) = token.last_used_at { (when(t)) } @else { span.muted { "Never" } } }
                            td { (status(token)) }
                            td {
                                @if token.revoked_at.is_none() {
                                    form.inline method="post" action=(format!("/tokens/{}/revoke", token.id))
                                        data-confirm=(format!("Revoke the token “{}”? Anything using it stops working.", token.name)) {
                                        (csrf(auth))
                                        button.button.danger.small type="submit" { "Revoke" span.visually-hidden { " " (token.name) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut response = (
        page.status,
        Page {
            title: if page.errors.is_empty() {
                "API tokens".into()
            } else {
                "Error: API tokens".into()
            },
            auth: Some(auth),
            section: Some("support"),
            body,
        },
    )
        .into_response();
    if page.created.is_some() {
        // The page holds a secret: keep it out of every cache.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let code = FormData::from_query(raw.as_deref())
        .get("notice")
        .map(str::to_owned);
    let page = TokensPage {
        status: StatusCode::OK,
        notice: code.as_deref(),
        form: &FormData::default(),
        errors: &FormErrors::default(),
        created: None,
    };
    tokens_page(&state, &auth, page).await
}

pub async fn create(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut errors = FormErrors::default();
    let raw_days = form.text("expires_in_days").trim();
    let days = match raw_days {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => {
                errors.add(
                    "expires_in_days",
                    "Valid for must be a whole number of days",
                );
                None
            }
        },
    };
    let mut created = None;
    if errors.is_empty() {
        match create_token(&state, &auth, form.text("name"), days).await {
            Ok(token) => created = Some(token),
            Err(ApiError::Validation(invalid)) => errors.extend(&invalid, LABELS),
            Err(other) => return Err(WebError(other).page(Some(&auth))),
        }
    }
    let page = TokensPage {
        status: if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        },
        notice: None,
        // After success the form starts empty again.
        form: if created.is_some() {
            &FormData::default()
        } else {
            &form
        },
        errors: &errors,
        created: created.as_ref(),
    };
    tokens_page(&state, &auth, page).await
}

pub async fn revoke(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    state
        .store
        .revoke_token(
            &auth.actor(),
            auth.organisation_id(),
            id,
            Some(auth.principal.user_id),
        )
        .await
        .or_page(&auth)?;
    Ok(Redirect::to("/tokens?notice=revoked").into_response())
}

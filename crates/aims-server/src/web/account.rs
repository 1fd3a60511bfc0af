//! The signed-in user's own account: who they are, changing their password (the API's
//! `change_own_password`), switching to another organisation they belong to, and the way
//! to their API tokens.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;

use super::forms::{Field, FormData, FormErrors, csrf, error_summary};
use super::{OrPage, Page, PageResult, WebError, notice};
use crate::api::session::change_own_password;
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::state::AppState;

const LABELS: &[(&str, &str)] = &[
    ("current_password", "Current password"),
    ("new_password", "New password"),
    ("organisation_id", "Organisation"),
];

async fn account_page(
    state: &AppState,
    auth: &AuthContext,
    status: StatusCode,
    notice_code: Option<&str>,
    errors: &FormErrors,
) -> PageResult {
    let p = &auth.principal;
    let organisations = state
        .store
        .organisations_of(p.user_id)
        .await
        .or_page(auth)?;
    let body = html! {
        h1 { "Your account" }
        (notice(notice_code))
        (error_summary(errors))
        dl.details {
            dt { "Name" } dd { (p.display_name) }
            dt { "User name" } dd { code { (p.username) } }
            dt { "Organisation" } dd { (p.organisation_name) }
            dt { "Role" } dd { (p.role.label()) }
        }
        section aria-labelledby="password-heading" {
            h2 #password-heading { "Change your password" }
            form method="post" action="/account/password" novalidate {
                (csrf(auth))
                (Field { name: "current_password", label: "Current password", hint: "", optional: false }
                    .input(errors, "password", "", Some("current-password")))
                (Field { name: "new_password", label: "New password", hint: "At least 12 characters, not containing your user name. Your other sessions are signed out.", optional: false }
                    .input(errors, "password", "", Some("new-password")))
                div.actions { button.button type="submit" { "Change password" } }
            }
        }
        @if organisations.len() > 1 {
            section aria-labelledby="organisation-heading" {
                h2 #organisation-heading { "Switch organisation" }
                form method="post" action="/account/organisation" novalidate {
                    (csrf(auth))
                    @let options: Vec<(String, String, &str)> = organisations
                        .iter()
                        .map(|(o, role)| (o.id.to_string(), format!("{} ({})", o.name, role.label().to_lowercase()), ""))
                        .collect();
                    (Field { name: "organisation_id", label: "Act for", hint: "Everything you see and change belongs to one organisation at a time.", optional: false }
                        .choices(errors, false, &options, &[p.organisation_id.to_string().as_str()], ""))
                    div.actions { button.button.secondary type="submit" { "Switch organisation" } }
                }
            }
        }
        section aria-labelledby="tokens-heading" {
            h2 #tokens-heading { "API tokens" }
            p { "Scripts and pipelines use API tokens to act as you. " a href="/tokens" { "Manage your API tokens" } "." }
        }
    };
    Ok((
        status,
        Page {
            title: if errors.is_empty() {
                "Your account".into()
            } else {
                "Error: Your account".into()
            },
            auth: Some(auth),
            section: None,
            body,
        },
    )
        .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let code = FormData::from_query(raw.as_deref())
        .get("notice")
        .map(str::to_owned);
    account_page(
        &state,
        &auth,
        StatusCode::OK,
        code.as_deref(),
        &FormErrors::default(),
    )
    .await
}

pub async fn change_password(
    State(state): State<AppState>,
    Auth(auth): Auth,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let result = change_own_password(
        &state,
        &auth,
        form.text("current_password"),
        form.text("new_password"),
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/account?notice=password").into_response()),
        Err(ApiError::Validation(invalid)) => {
            let errors = FormErrors::from_validation(&invalid, LABELS);
            account_page(&state, &auth, StatusCode::BAD_REQUEST, None, &errors).await
        }
        Err(other) => Err(WebError(other).page(Some(&auth))),
    }
}

pub async fn switch_organisation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let organisation = parse_id(form.text("organisation_id"), "organisation_id").or_page(&auth)?;
    let Some(hash) = auth.session_id_hash() else {
        let err = ApiError::validation(
            "organisation_id",
            "an API token is bound to its organisation; sign in to switch",
        );
        return Err(WebError(err).page(Some(&auth)));
    };
    state
        .store
        .switch_session_organisation(hash, auth.principal.user_id, organisation)
        .await
        .or_page(&auth)?;
    Ok(Redirect::to("/account?notice=organisation").into_response())
}

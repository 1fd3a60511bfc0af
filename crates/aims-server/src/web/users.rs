//! Members of the organisation: everyone sees who holds which role; admins create users
//! and change a member's role, activity, name and e-mail. The checks are the API's own
//! (`api::users::{create_user, update_user}`).

use aims_domain::account::{MIN_PASSWORD_CHARS, Member};
use aims_domain::{Permission, Role};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::forms::{Field, FormData, FormErrors, csrf, error_summary};
use super::{OrPage, Page, PageResult, WebError, notice};
use crate::api::users::{CreateUser, UpdateUser, create_user, update_user};
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::state::AppState;

const LABELS: &[(&str, &str)] = &[
    ("username", "User name"),
    ("display_name", "Full name"),
    ("email", "E-mail address"),
    ("role", "Role"),
    ("password", "First password"),
    ("active", "Active"),
];

fn status_label(active: bool) -> Markup {
    html! {
        @if active { span.label.approved { "Active" } } @else { span.label { "Inactive" } }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let members = state
        .store
        .members(auth.organisation_id())
        .await
        .or_page(&auth)?;
    let admin = auth.can(Permission::ManageUsers);
    let code = FormData::from_query(raw.as_deref())
        .get("notice")
        .map(str::to_owned);
    let body = html! {
        div.page-header {
            h1 { "Users and roles" }
            @if admin { a.button href="/users/new" { "New user" } }
        }
        (notice(code.as_deref()))
        p.lead { "The people who can sign in to " (auth.principal.organisation_name) ", and what their role lets them do." }
        table.data {
            thead { tr {
                th scope="col" { "Name" }
                th scope="col" { "User name" }
                th scope="col" { "E-mail" }
                th scope="col" { "Role" }
                th scope="col" { "Status" }
                @if admin { th scope="col" { span.visually-hidden { "Actions" } } }
            } }
            tbody {
                @for m in &members {
                    tr {
                        th scope="row" { (m.display_name) }
                        td { code { (m.username) } }
                        td { (m.email) }
                        td { (m.role.label()) }
                        td { (status_label(m.active)) }
                        @if admin {
                            td { a href=(format!("/users/{}/edit", m.user_id)) { "Edit" span.visually-hidden { " " (m.display_name) } } }
                        }
                    }
                }
            }
        }
        h2 { "What each role may do" }
        dl.details {
            @for role in Role::ALL {
                dt { (role.label()) }
                dd { (Role::description(role)) }
            }
        }
    };
    Ok(Page {
        title: "Users and roles".into(),
        auth: Some(&auth),
        section: Some("leadership"),
        body,
    }
    .into_response())
}

fn role_field(errors: &FormErrors, selected: &str) -> Markup {
    let options: Vec<(String, String, &str)> = Role::ALL
        .into_iter()
        .map(|r| {
            (
                r.as_str().to_owned(),
                r.label().to_owned(),
                Role::description(r),
            )
        })
        .collect();
    Field {
        name: "role",
        label: "Role",
        hint: "",
        optional: false,
    }
    .choices(errors, false, &options, &[selected], "")
}

fn page_response(
    auth: &AuthContext,
    status: StatusCode,
    title: &str,
    errors: &FormErrors,
    body: Markup,
) -> Response {
    let prefix = if errors.is_empty() { "" } else { "Error: " };
    (
        status,
        Page {
            title: format!("{prefix}{title}"),
            auth: Some(auth),
            section: Some("leadership"),
            body,
        },
    )
        .into_response()
}

fn new_user_page(
    auth: &AuthContext,
    status: StatusCode,
    form: &FormData,
    errors: &FormErrors,
) -> Response {
    let body = html! {
        h1 { "New user" }
        (error_summary(errors))
        form method="post" action="/users/new" novalidate {
            (csrf(auth))
            (Field { name: "username", label: "User name", hint: "What they sign in with: 3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter.", optional: false }
                .input(errors, "text", form.text("username"), Some("off")))
            (Field { name: "display_name", label: "Full name", hint: "As shown to others; the user name when left empty.", optional: true }
                .input(errors, "text", form.text("display_name"), Some("off")))
            (Field { name: "email", label: "E-mail address", hint: "", optional: true }
                .input(errors, "email", form.text("email"), Some("off")))
            (role_field(errors, form.get("role").unwrap_or(Role::Contributor.as_str())))
            (Field { name: "password", label: "First password", hint: &format!("At least {MIN_PASSWORD_CHARS} characters. Give it to them through a safe channel; they can change it under Account."), optional: false }
                .input(errors, "password", "", Some("new-password")))
            div.actions {
                button.button type="submit" { "Create user" }
                a href="/users" { "Cancel" }
            }
        }
    };
    page_response(auth, status, "New user", errors, body)
}

pub async fn new_form(Auth(auth): Auth) -> Response {
    new_user_page(
        &auth,
        StatusCode::OK,
        &FormData::default(),
        &FormErrors::default(),
    )
}

/// The role chosen in a form; radios always send one, so anything else was tampered with.
fn read_role(form: &FormData, errors: &mut FormErrors) -> Option<Role> {
    let role = form.text("role").parse::<Role>().ok();
    if role.is_none() {
        errors.add("role", "Choose a role");
    }
    role
}

pub async fn create(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut errors = FormErrors::default();
    if let Some(role) = read_role(&form, &mut errors) {
        let new = CreateUser {
            username: form.text("username").to_owned(),
            display_name: form.text("display_name").to_owned(),
            email: form.text("email").to_owned(),
            role,
            password: form.text("password").to_owned(),
        };
        match create_user(&state, &auth, new).await {
            Ok(_) => return Ok(Redirect::to("/users?notice=user-created").into_response()),
            Err(ApiError::Validation(invalid)) => errors.extend(&invalid, LABELS),
            // The only unique value of a user is the user name.
            Err(ApiError::Conflict { current: None, .. }) => errors.add(
                "username",
                format!(
                    "User name “{}” is already taken",
                    form.text("username").trim()
                ),
            ),
            Err(other) => return Err(WebError(other).page(Some(&auth))),
        }
    }
    Ok(new_user_page(
        &auth,
        StatusCode::BAD_REQUEST,
        &form,
        &errors,
    ))
}

fn edit_user_page(
    auth: &AuthContext,
    status: StatusCode,
    member: &Member,
    form: &FormData,
    errors: &FormErrors,
) -> Response {
    let title = format!("Edit {}", member.display_name);
    let body = html! {
        span.caption { "Edit user" }
        h1 { (member.display_name) }
        (error_summary(errors))
        dl.details {
            dt { "User name" } dd { code { (member.username) } }
        }
        form method="post" action=(format!("/users/{}/edit", member.user_id)) novalidate {
            (csrf(auth))
            (Field { name: "display_name", label: "Full name", hint: "", optional: false }
                .input(errors, "text", form.text("display_name"), Some("off")))
            (Field { name: "email", label: "E-mail address", hint: "", optional: true }
                .input(errors, "email", form.text("email"), Some("off")))
            (role_field(errors, form.text("role")))
            (Field { name: "active", label: "Active: may sign in to this organisation", hint: "Untick to stop them signing in at once; their records and history stay.", optional: false }
                .checkbox(errors, form.get("active").is_some()))
            div.actions {
                button.button type="submit" { "Save changes" }
                a href="/users" { "Cancel" }
            }
        }
    };
    page_response(auth, status, &title, errors, body)
}

pub async fn edit_form(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let member = state
        .store
        .member(auth.organisation_id(), id)
        .await
        .or_page(&auth)?;
    let mut form = FormData::default();
    form.push("display_name", member.display_name.as_str());
    form.push("email", member.email.as_str());
    form.push("role", member.role.as_str());
    if member.active {
        form.push("active", "true");
    }
    Ok(edit_user_page(
        &auth,
        StatusCode::OK,
        &member,
        &form,
        &FormErrors::default(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let member = state
        .store
        .member(auth.organisation_id(), id)
        .await
        .or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut errors = FormErrors::default();
    if let Some(role) = read_role(&form, &mut errors) {
        let update = UpdateUser {
            role: Some(role),
            active: Some(form.get("active").is_some()),
            display_name: Some(form.text("display_name").to_owned()),
            email: Some(form.text("email").to_owned()),
        };
        match update_user(&state, &auth, id, update).await {
            Ok(_) => return Ok(Redirect::to("/users?notice=user-saved").into_response()),
            Err(ApiError::Validation(invalid)) => errors.extend(&invalid, LABELS),
            Err(other) => return Err(WebError(other).page(Some(&auth))),
        }
    }
    Ok(edit_user_page(
        &auth,
        StatusCode::BAD_REQUEST,
        &member,
        &form,
        &errors,
    ))
}

//! The sign-in form and sign-out.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::Page;
use crate::auth::{self, Auth, SignInError};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only local paths: an open redirect would let a link send people elsewhere after sign-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

fn render(form: &SignInForm, error: Option<&str>, field: Option<&str>) -> Page<'static> {
    let body = html! {
        div.narrow {
            h1 { "Sign in" }
            @if let Some(error) = error {
                div.error-summary role="alert" tabindex="-1" {
                    h2 { "There is a problem" }
                    ul { li { a href=(format!("#{}", field.unwrap_or("username"))) { (error) } } }
                }
            }
            form method="post" action="/sign-in" novalidate {
                input type="hidden" name="next" value=(safe_next(&form.next));
                div.field.error[field == Some("username")] {
                    label for="username" { "User name" }
                    input #username name="username" type="text" autocomplete="username" value=(form.username) required autofocus;
                }
                div.field.error[field == Some("password")] {
                    label for="password" { "Password" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                }
                button.button type="submit" { "Sign in" }
            }
        }
    };
    Page {
        title: "Sign in".into(),
        auth: None,
        section: None,
        body,
    }
}

pub async fn form(Query(next): Query<Next>) -> Response {
    let form = SignInForm {
        next: next.next.unwrap_or_default(),
        ..Default::default()
    };
    render(&form, None, None).into_response()
}

pub async fn submit(State(state): State<AppState>, Form(form): Form<SignInForm>) -> Response {
    if form.username.trim().is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            render(&form, Some("Enter your user name"), Some("username")),
        )
            .into_response();
    }
    if form.password.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            render(&form, Some("Enter your password"), Some("password")),
        )
            .into_response();
    }
    match auth::sign_in(&state, &form.username, &form.password, None).await {
        Ok(signed_in) => {
            let cookie = auth::session_cookie(
                &signed_in.secret,
                state.config.session_ttl.as_secs(),
                state.config.secure_cookies,
            );
            let mut response = Redirect::to(safe_next(&form.next)).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(SignInError::Store(err)) => super::WebError::from(err).into_response(),
        Err(err @ SignInError::Locked(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            render(&form, Some(&err.to_string()), Some("username")),
        )
            .into_response(),
        Err(err) => (
            StatusCode::UNAUTHORIZED,
            render(&form, Some(&err.to_string()), Some("password")),
        )
            .into_response(),
    }
}

pub async fn sign_out(State(state): State<AppState>, Auth(auth): Auth) -> Response {
    if let Some(hash) = auth.session_id_hash()
        && let Err(err) = state.store.delete_session(hash).await
    {
        return super::WebError::from(err).page(Some(&auth));
    }
    let mut response = Redirect::to("/sign-in").into_response();
    if let Ok(value) =
        HeaderValue::from_str(&auth::clear_session_cookie(state.config.secure_cookies))
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_redirects() {
        assert_eq!(super::safe_next("/systems?q=x"), "/systems?q=x");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(super::safe_next(bad), "/");
        }
    }
}

//! The web UI: server-rendered HTML with plain CSS and a little JavaScript, embedded in
//! the binary. Every form works without JavaScript.

mod account;
mod assessments;
mod assets;
mod classification;
mod evaluations;
mod forms;
mod frameworks;
mod inventory;
mod layout;
mod ledger;
mod record_form;
mod risk_criteria;
mod risks;
mod sections;
mod signin;
mod soa;
pub(crate) use soa::segment;
mod tokens;
mod users;

use aims_domain::Permission;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use maud::{Markup, html};

pub use layout::{Page, error_page};

use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::state::AppState;

/// One page route with the permission it needs (`None`: public), as for the API.
pub struct WebRoute {
    pub method: axum::http::Method,
    pub path: &'static str,
    pub permission: Option<Permission>,
    handler: MethodRouter<AppState>,
}

fn page(
    method: axum::http::Method,
    path: &'static str,
    permission: Option<Permission>,
    handler: MethodRouter<AppState>,
) -> WebRoute {
    WebRoute {
        method,
        path,
        permission,
        handler,
    }
}

/// Every page route.
pub fn routes() -> Vec<WebRoute> {
    use Permission::*;
    use axum::http::Method;
    use axum::routing::post;
    let mut routes = vec![
        page(Method::GET, "/assets/{file}", None, get(assets::serve)),
        page(Method::GET, "/sign-in", None, get(signin::form)),
        page(Method::POST, "/sign-in", None, post(signin::submit)),
        page(
            Method::POST,
            "/sign-out",
            Some(Read),
            post(signin::sign_out),
        ),
        page(Method::GET, "/", Some(Read), get(layout::home)),
        page(
            Method::GET,
            "/sections/{slug}",
            Some(Read),
            get(sections::show),
        ),
    ];
    routes.extend(inventory::all_routes());
    routes.extend(classification::routes());
    routes.extend([
        page(Method::GET, "/users", Some(Read), get(users::list)),
        page(
            Method::GET,
            "/users/new",
            Some(ManageUsers),
            get(users::new_form),
        ),
        page(
            Method::POST,
            "/users/new",
            Some(ManageUsers),
            post(users::create),
        ),
        page(
            Method::GET,
            "/users/{id}/edit",
            Some(ManageUsers),
            get(users::edit_form),
        ),
        page(
            Method::POST,
            "/users/{id}/edit",
            Some(ManageUsers),
            post(users::update),
        ),
        page(Method::GET, "/account", Some(Read), get(account::show)),
        page(
            Method::POST,
            "/account/password",
            Some(Read),
            post(account::change_password),
        ),
        page(
            Method::POST,
            "/account/organisation",
            Some(Read),
            post(account::switch_organisation),
        ),
        page(
            Method::GET,
            "/systems/{id}/evaluations",
            Some(Read),
            get(evaluations::list),
        ),
        page(
            Method::GET,
            "/evaluations/{id}",
            Some(Read),
            get(evaluations::show),
        ),
        page(Method::GET, "/ledger", Some(Read), get(ledger::show)),
        page(
            Method::GET,
            "/ledger/checkpoint.json",
            Some(Read),
            get(ledger::checkpoint),
        ),
        page(Method::GET, "/risks", Some(Read), get(risks::list)),
        page(Method::GET, "/risks/new", Some(Edit), get(risks::new_form)),
        page(Method::POST, "/risks/new", Some(Edit), post(risks::create)),
        page(Method::GET, "/risks/{id}", Some(Read), get(risks::show)),
        page(
            Method::GET,
            "/risks/{id}/edit",
            Some(Edit),
            get(risks::edit_form),
        ),
        page(
            Method::POST,
            "/risks/{id}/edit",
            Some(Edit),
            post(risks::update),
        ),
        page(
            Method::POST,
            "/risks/{id}/accept",
            Some(Edit),
            post(risks::accept),
        ),
        page(
            Method::POST,
            "/risks/{id}/withdraw",
            Some(Edit),
            post(risks::withdraw),
        ),
        page(
            Method::POST,
            "/risks/{id}/delete",
            Some(Edit),
            post(risks::remove),
        ),
        page(
            Method::GET,
            "/risk-criteria",
            Some(Read),
            get(risks::criteria),
        ),
        page(
            Method::GET,
            "/risk-criteria/edit",
            Some(Approve),
            get(risk_criteria::edit_form),
        ),
        page(
            Method::POST,
            "/risk-criteria/edit",
            Some(Approve),
            post(risk_criteria::update),
        ),
        page(
            Method::GET,
            "/impact-assessments",
            Some(Read),
            get(assessments::list),
        ),
        page(
            Method::GET,
            "/impact-assessments/new",
            Some(Edit),
            get(assessments::new_form),
        ),
        page(
            Method::POST,
            "/impact-assessments/new",
            Some(Edit),
            post(assessments::create),
        ),
        page(
            Method::GET,
            "/impact-assessments/{id}",
            Some(Read),
            get(assessments::show),
        ),
        page(
            Method::GET,
            "/impact-assessments/{id}/edit",
            Some(Edit),
            get(assessments::edit_form),
        ),
        page(
            Method::POST,
            "/impact-assessments/{id}/edit",
            Some(Edit),
            post(assessments::update),
        ),
        page(
            Method::POST,
            "/impact-assessments/{id}/approve",
            Some(Approve),
            post(assessments::approve),
        ),
        page(
            Method::POST,
            "/impact-assessments/{id}/raise-risk",
            Some(Edit),
            post(assessments::raise_risk),
        ),
        page(
            Method::GET,
            "/impact-assessments/{id}/compare",
            Some(Read),
            get(assessments::compare),
        ),
        page(Method::GET, "/soa", Some(Read), get(soa::editor)),
        page(Method::POST, "/soa", Some(Edit), post(soa::adopt)),
        page(Method::POST, "/soa/bulk", Some(Edit), post(soa::bulk)),
        page(
            Method::GET,
            "/soa/controls/{ref}",
            Some(Read),
            get(soa::control),
        ),
        page(
            Method::POST,
            "/soa/controls/{ref}",
            Some(Edit),
            post(soa::update_control),
        ),
        page(
            Method::GET,
            "/soa/requirements",
            Some(Read),
            get(soa::requirements),
        ),
        page(
            Method::GET,
            "/soa/requirements/{ref}",
            Some(Read),
            get(soa::requirement),
        ),
        page(
            Method::POST,
            "/soa/requirements/{ref}",
            Some(Edit),
            post(soa::update_requirement),
        ),
        page(Method::GET, "/soa/versions", Some(Read), get(soa::versions)),
        page(
            Method::POST,
            "/soa/versions",
            Some(Approve),
            post(soa::approve),
        ),
        page(
            Method::GET,
            "/soa/readiness",
            Some(Read),
            get(soa::readiness),
        ),
        page(
            Method::GET,
            "/frameworks",
            Some(Read),
            get(frameworks::list),
        ),
        page(
            Method::GET,
            "/frameworks/{id}",
            Some(Read),
            get(frameworks::show),
        ),
        page(
            Method::GET,
            "/frameworks/{id}/nodes/{ref}",
            Some(Read),
            get(frameworks::node),
        ),
        page(
            Method::GET,
            "/crosswalks",
            Some(Read),
            get(frameworks::crosswalks),
        ),
        page(Method::GET, "/tokens", Some(Read), get(tokens::list)),
        page(Method::POST, "/tokens", Some(Read), post(tokens::create)),
        page(
            Method::POST,
            "/tokens/{id}/revoke",
            Some(Read),
            post(tokens::revoke),
        ),
    ]);
    routes
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for route in routes() {
        router = router.route(
            route.path,
            crate::auth::guarded(route.handler, route.permission),
        );
    }
    router.fallback(|| async {
        error_page(
            StatusCode::NOT_FOUND,
            "There is no page at this address.",
            None,
        )
    })
}

/// An error shown as a page: the web UI's counterpart of the API error body.
pub struct WebError(pub crate::error::ApiError);

impl<E: Into<crate::error::ApiError>> From<E> for WebError {
    fn from(err: E) -> Self {
        WebError(err.into())
    }
}

impl WebError {
    /// The error page, inside the shell of the signed-in user when there is one.
    pub fn page(self, auth: Option<&AuthContext>) -> Response {
        self.0.log();
        let message = match &self.0 {
            ApiError::Internal(_) => {
                "Something went wrong on the server. The cause has been logged.".to_owned()
            }
            other => forms::capitalise(&other.to_string()),
        };
        error_page(self.0.status(), &message, auth)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.page(None)
    }
}

/// What a page handler returns: the page, or an error page (both are responses). The
/// error is as large as the page it replaces, and short-lived: boxing it would only add
/// an allocation, hence `result_large_err` is allowed where clippy asks.
pub(crate) type PageResult = Result<Response, Response>;

/// Turns any error into the error page of the signed-in user, for `?` in page handlers.
pub(crate) trait OrPage<T> {
    #[allow(clippy::result_large_err, reason = "see PageResult")]
    fn or_page(self, auth: &AuthContext) -> Result<T, Response>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, auth: &AuthContext) -> Result<T, Response> {
        self.map_err(|e| WebError(e.into()).page(Some(auth)))
    }
}

/// A page of a navigation section with its status (400 for a form shown again).
pub(crate) fn section_page(
    section: &'static str,
    title: String,
    auth: &AuthContext,
    body: Markup,
    status: StatusCode,
) -> Response {
    Page {
        title,
        auth: Some(auth),
        section: Some(section),
        body,
    }
    .with_status(status)
}

/// A page of the Planning section (SoA, risks, impact assessments, frameworks).
pub(crate) fn planning_page(
    title: String,
    auth: &AuthContext,
    body: Markup,
    status: StatusCode,
) -> Response {
    section_page("planning", title, auth, body, status)
}

/// What a form shows for a failed save: the validation errors as `to_form` maps them to
/// inputs, or, for a stale revision, one message naming `what` was changed meanwhile.
/// Anything else is the error page.
#[allow(clippy::result_large_err, reason = "see PageResult")]
pub(crate) fn form_or_page(
    err: ApiError,
    auth: &AuthContext,
    what: &str,
    to_form: impl FnOnce(&aims_domain::ValidationErrors) -> forms::FormErrors,
) -> Result<forms::FormErrors, Response> {
    match err {
        ApiError::Validation(e) => Ok(to_form(&e)),
        ApiError::Conflict { .. } => {
            let mut e = forms::FormErrors::default();
            e.add(
                "",
                format!("Someone else changed this {what} since you opened the form. Open it again to see their changes, then make yours."),
            );
            Ok(e)
        }
        other => Err(WebError(other).page(Some(auth))),
    }
}

/// The confirmation after a redirect (`?notice=code`). Only fixed texts, never text from
/// the address, so a link cannot make the page say anything else.
/// A link to `path` with the query `params`, where each of `changes` replaces its
/// parameter (`None` drops it).
pub(crate) fn href_with(
    path: &str,
    params: &[(String, String)],
    changes: &[(&str, Option<String>)],
) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    for (key, value) in changes {
        if let Some(value) = value {
            pairs.push(((*key).to_owned(), value.clone()));
        }
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

pub(crate) fn notice(code: Option<&str>) -> Markup {
    let text = match code {
        Some("created") => "The record has been created.",
        Some("saved") => "Your changes have been saved.",
        Some("deleted") => "The record has been deleted.",
        Some("user-created") => {
            "The user has been created. Give them their first password through a safe channel."
        }
        Some("user-saved") => "The user's changes have been saved.",
        Some("password") => {
            "Your password has been changed. Your other sessions have been signed out."
        }
        Some("organisation") => "You now act for this organisation.",
        Some("revoked") => "The token has been revoked. It no longer works.",
        Some("adopted") => {
            "The framework has been adopted: every control and requirement now has an entry."
        }
        Some("approved") => "The Statement of Applicability has been approved as a new version.",
        _ => return html! {},
    };
    html! { div.notice role="status" { (text) } }
}

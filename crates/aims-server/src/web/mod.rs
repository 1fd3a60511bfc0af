//! The web UI: server-rendered HTML with plain CSS and a little JavaScript, embedded in
//! the binary. Every form works without JavaScript.

mod assets;
mod layout;
mod signin;

use aims_domain::Permission;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

pub use layout::{Page, error_page};

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
    vec![
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
    ]
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for route in routes() {
        let handler = match route.permission {
            Some(permission) => route.handler.route_layer(from_fn(move |req, next| {
                crate::auth::require(permission, req, next)
            })),
            None => route.handler,
        };
        router = router.route(route.path, handler);
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

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.0.log();
        let message = match &self.0 {
            crate::error::ApiError::Internal(_) => {
                "Something went wrong on the server. The cause has been logged.".to_owned()
            }
            other => other.to_string(),
        };
        error_page(self.0.status(), &message, None)
    }
}

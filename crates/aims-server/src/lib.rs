//! The HTTP server of aims: the REST API under `/api/v1` with its OpenAPI document, the
//! server-rendered web UI, authentication and health checks.
//!
//! [`Application::bind`] binds the listener first and reports the real address, so tests
//! can bind port 0 and drive the real server.

pub mod api;
pub mod assessments;
pub mod auth;
pub mod config;
pub mod error;
pub mod evaluation_charts;
pub mod extract;
pub mod library;
pub mod risks;
pub mod soa;
pub mod soa_export;
pub mod state;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use aims_store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::ServerConfig;
use error::ApiError;
pub use state::AppState;

/// The whole application as one router, without a socket (for in-process tests).
pub fn router(store: Store, config: ServerConfig) -> Router {
    let state = AppState {
        store,
        config: Arc::new(config),
    };
    let api = api::router()
        .fallback(|| async {
            ApiError::NotFound(
                "no such API route; the routes are listed in /api/v1/openapi.json".into(),
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed(
                "this API route does not take this method; see /api/v1/openapi.json".into(),
            )
        });
    Router::new()
        .nest("/api/v1", api)
        .merge(web::router())
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
        .layer(from_fn_with_state(state.clone(), auth::resolve))
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(TraceLayer::new_for_http())
        // A bug must not take a connection down silently: log it, answer the opaque 500.
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            let detail = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("(no message)");
            ApiError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
        }))
        .with_state(state)
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

/// A bound, not yet serving, application.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Application {
    pub async fn bind(
        addr: &str,
        store: Store,
        config: ServerConfig,
    ) -> std::io::Result<Application> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            router: router(store, config),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

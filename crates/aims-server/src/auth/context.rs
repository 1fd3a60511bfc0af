//! Who is making a request, as resolved by the auth middleware.

use aims_domain::{Permission, Role};
use aims_store::{Actor, Principal};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub enum Via {
    Session { id_hash: String, csrf_token: String },
    Token { id: Uuid, name: String },
}

#[derive(Debug, Clone)]
pub struct AuthContext {
    pub principal: Principal,
    pub via: Via,
}

impl AuthContext {
    pub fn organisation_id(&self) -> Uuid {
        self.principal.organisation_id
    }

    pub fn role(&self) -> Role {
        self.principal.role
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.principal.role.allows(permission)
    }

    /// How the change log names this requester.
    pub fn actor(&self) -> Actor {
        let mut actor = Actor::user(self.principal.user_id, &self.principal.username);
        if let Via::Token { name, .. } = &self.via {
            actor.label = format!("{} (token {name})", self.principal.username);
        }
        actor
    }

    pub fn csrf_token(&self) -> &str {
        match &self.via {
            Via::Session { csrf_token, .. } => csrf_token,
            Via::Token { .. } => "",
        }
    }

    pub fn session_id_hash(&self) -> Option<&str> {
        match &self.via {
            Via::Session { id_hash, .. } => Some(id_hash),
            Via::Token { .. } => None,
        }
    }
}

/// The signed-in requester. Routes behind a permission layer always have one.
pub struct Auth(pub AuthContext);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthContext>()
            .cloned()
            .map(Auth)
            .ok_or(ApiError::Unauthenticated)
    }
}

//! Authentication and authorisation: password hashing, secrets for sessions and tokens,
//! resolving who sends a request, CSRF protection, and the permission each route needs.

mod context;
mod middleware;
mod password;
mod secrets;
mod signin;

pub use context::{Auth, AuthContext, Via};
pub use middleware::{
    SESSION_COOKIE, clear_session_cookie, guarded, require, resolve, session_cookie,
};
pub use password::{hash_password, verify_password};
pub use secrets::{new_secret, sha256_hex};
pub use signin::{SignInError, SignedIn, sign_in};

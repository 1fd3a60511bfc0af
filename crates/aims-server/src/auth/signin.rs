//! Sign-in, shared by the API and the web form: throttling, password check and the
//! creation of a session.

use aims_domain::account::Throttle;
use aims_store::{NewSession, SessionAuth, StoreError};
use chrono::Utc;
use uuid::Uuid;

use super::password::{decoy_hash, verify_password};
use super::secrets::{new_secret, sha256_hex};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the user name or password is wrong")]
    WrongCredentials,
    #[error("too many failed sign-ins for this user name: try again after {0} UTC")]
    Locked(String),
    #[error("this user is not an active member of any organisation")]
    NoMembership,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct SignedIn {
    /// The cookie value; only its hash is stored.
    pub secret: String,
    pub session: SessionAuth,
}

pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    organisation: Option<Uuid>,
) -> Result<SignedIn, SignInError> {
    let store = &state.store;
    let key = username.trim().to_lowercase();
    let throttle = store.throttle(&key).await?;
    let now = Utc::now();
    if let Some(t) = throttle.filter(|t| t.is_locked(now)) {
        let until = t.locked_until.unwrap_or(now).format("%H:%M").to_string();
        return Err(SignInError::Locked(until));
    }
    let credentials = store.credentials(&key).await?;
    let hash = credentials
        .as_ref()
        .map_or(decoy_hash(), |c| c.password_hash.as_str())
        .to_owned();
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU; keep it off the async workers.
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(credentials) = credentials.filter(|_| valid) else {
        store
            .set_throttle(&key, Some(Throttle::after_failure(throttle, now)))
            .await?;
        tracing::info!(username = %key, "sign-in failed");
        return Err(SignInError::WrongCredentials);
    };
    if throttle.is_some() {
        store.set_throttle(&key, None).await?;
    }
    let memberships = store.organisations_of(credentials.user_id).await?;
    let organisation_id = match organisation {
        Some(id) => memberships
            .iter()
            .find(|(o, _)| o.id == id)
            .map(|(o, _)| o.id)
            .ok_or(SignInError::NoMembership)?,
        None => memberships
            .first()
            .map(|(o, _)| o.id)
            .ok_or(SignInError::NoMembership)?,
    };
    let secret = new_secret("");
    let ttl =
        chrono::Duration::from_std(state.config.session_ttl).unwrap_or(chrono::Duration::hours(8));
    let new = NewSession {
        id_hash: sha256_hex(&secret),
        user_id: credentials.user_id,
        organisation_id,
        csrf_token: new_secret(""),
        expires_at: now + ttl,
    };
    store.create_session(&new).await?;
    let session = store
        .session(&new.id_hash)
        .await?
        .ok_or(SignInError::NoMembership)?;
    tracing::info!(username = %key, "signed in");
    Ok(SignedIn { secret, session })
}

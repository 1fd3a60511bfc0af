//! The change log: every create, update and delete of a record, appended in the same
//! transaction as the write itself. All writes of the store call [`record`]; there is no
//! other way to change a record, so the log is complete by construction.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{Tx, format_timestamp};
use crate::error::Result;
use crate::migrate::hex;
use crate::rows;
use crate::schema;

/// Who made a change: a signed-in user, or a user acting through an API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// How the change log names the actor, for example `alice` or `alice (token ci-pipeline)`.
    pub label: String,
}

impl Actor {
    pub fn user(user_id: Uuid, username: &str) -> Self {
        Self {
            user_id: Some(user_id),
            label: username.to_owned(),
        }
    }

    /// The installation itself, for changes made by `aims init` or the demo loader.
    pub fn system(label: &str) -> Self {
        Self {
            user_id: None,
            label: label.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// Appends one entry. `state` is the record after the change (before it, for a delete).
#[allow(clippy::too_many_arguments)] // one argument per column of the entry
pub(crate) async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    organisation_id: Option<Uuid>,
    actor: &Actor,
    action: Action,
    record_kind: &str,
    record_id: &str,
    state: &Value,
) -> Result<()> {
    // serde_json keeps object keys sorted, so equal states hash equally.
    let text = state.to_string();
    let digest = hex(&Sha256::digest(text.as_bytes()));
    let Value::Object(row) = json!({
        "organisation_id": organisation_id.map(|id| id.to_string()),
        "at": format_timestamp(at),
        "actor": actor.label,
        "action": action.as_str(),
        "record_kind": record_kind,
        "record_id": record_id,
        "state": state,
        "state_sha256": digest,
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    let table = schema::table("changes").expect("the changes table is described");
    rows::insert(tx, table, &row).await
}

/// Removes secrets from a state before it is logged: the log must never hold a password hash.
pub(crate) fn without_secrets(mut state: Map<String, Value>) -> Value {
    for secret in ["password_hash", "token_hash", "id_hash", "csrf_token"] {
        if state.contains_key(secret) {
            state.insert(secret.to_owned(), Value::String("(redacted)".into()));
        }
    }
    Value::Object(state)
}

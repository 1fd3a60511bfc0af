//! The change log: every create, update and delete of a record, appended in the same
//! transaction as the write itself. All writes of the store call [`record`]; there is no
//! other way to change a record, so the log is complete by construction.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::db::{Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::{ledger, rows, schema};

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

/// Appends one entry, chained to the one before it. `state` is the record after the
/// change (before it, for a delete).
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
    let state_hash = ledger::hash_state(state)?;
    let (ledger_action, new_state_hash, prev_state_hash) = match action {
        Action::Create => (aims_ledger::Action::Create, Some(state_hash), None),
        Action::Update => {
            let previous = ledger::last_state_hash(tx, record_kind, record_id, None).await?;
            (aims_ledger::Action::Update, Some(state_hash), previous)
        }
        Action::Delete => (aims_ledger::Action::Delete, None, Some(state_hash)),
    };
    let mut head = ledger::read_head(tx, ledger::RECORD_LOG, true).await?;
    let entry = head
        .tip
        .append(aims_ledger::Change {
            time: format_timestamp(at),
            actor: actor.label.clone(),
            action: ledger_action,
            entity_type: record_kind.to_owned(),
            entity_id: record_id.to_owned(),
            new_state_hash,
            prev_state_hash,
        })
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "ledger entry for {record_kind} {record_id}: {e} (is the record's history intact? run `aims verify`)"
            ))
        })?;
    let seq = i64::try_from(entry.seq)
        .map_err(|_| StoreError::Corrupt("the change log is too long".into()))?;
    let Value::Object(row) = json!({
        "seq": seq,
        "organisation_id": organisation_id.map(|id| id.to_string()),
        "at": format_timestamp(at),
        "actor": actor.label,
        "action": action.as_str(),
        "record_kind": record_kind,
        "record_id": record_id,
        "state": state,
        "new_state_hash": entry.new_state_hash.map(|h| h.to_hex()),
        "prev_state_hash": entry.prev_state_hash.map(|h| h.to_hex()),
        "prev_entry_hash": entry.prev_entry_hash.to_hex(),
        "entry_hash": entry.entry_hash.to_hex(),
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    let table = schema::table("changes").expect("the changes table is described");
    rows::insert(tx, table, &row).await?;
    head.advance(&entry)?;
    ledger::write_head(tx, ledger::RECORD_LOG, &head).await
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

impl crate::Store {
    /// The changes of one record, oldest first, with the fields each changed. Kept after the
    /// record is deleted, so the history of a deleted record stays readable.
    pub async fn history(
        &self,
        organisation_id: uuid::Uuid,
        record_kind: &str,
        record_id: &str,
    ) -> Result<Vec<aims_domain::history::HistoryEntry>> {
        use sea_query::{Order, Query};

        use crate::schema::{ColType, Column};
        const COLUMNS: [Column; 5] = [
            Column {
                name: "seq",
                ty: ColType::Int,
                nullable: false,
            },
            Column {
                name: "at",
                ty: ColType::Timestamp,
                nullable: false,
            },
            Column {
                name: "actor",
                ty: ColType::Text,
                nullable: false,
            },
            Column {
                name: "action",
                ty: ColType::Text,
                nullable: false,
            },
            Column {
                name: "state",
                ty: ColType::Json,
                nullable: true,
            },
        ];
        let mut stmt = Query::select();
        stmt.from("changes")
            .columns(COLUMNS.iter().map(|c| c.name))
            .and_where(rows::eq(
                "changes",
                "organisation_id",
                organisation_id.to_string(),
            ))
            .and_where(rows::eq("changes", "record_kind", record_kind.to_owned()))
            .and_where(rows::eq("changes", "record_id", record_id.to_owned()))
            .order_by("seq", Order::Asc);
        let mut tx = self.pool.read().await?;
        let mut previous: Option<Map<String, Value>> = None;
        let mut entries = Vec::new();
        for row in tx.fetch(&stmt, &COLUMNS).await? {
            let action = row["action"].as_str().unwrap_or_default().to_owned();
            let state = row["state"].as_object().cloned();
            let changes = if action == "delete" {
                aims_domain::history::field_changes(previous.as_ref(), None)
            } else {
                aims_domain::history::field_changes(previous.as_ref(), state.as_ref())
            };
            let at = row["at"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            entries.push(aims_domain::history::HistoryEntry {
                seq: row["seq"].as_i64().unwrap_or_default(),
                at: at.ok_or_else(|| {
                    crate::StoreError::Corrupt(format!("change {}: bad time", row["seq"]))
                })?,
                actor: row["actor"].as_str().unwrap_or_default().to_owned(),
                revision: state
                    .as_ref()
                    .and_then(|s| s.get("revision"))
                    .and_then(Value::as_i64),
                action,
                changes,
            });
            previous = state;
        }
        Ok(entries)
    }
}

//! Record history: what each change did, field by field, computed from the states the
//! change log keeps.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Keys of a stored state that every change touches or that never change; a diff of
/// them says nothing to a reader.
const BOOKKEEPING: &[&str] = &[
    "id",
    "organisation_id",
    "revision",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// One field's value before and after a change (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One change of a record: who, when, what, and the fields it changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// Position in the installation's change log.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The revision the record had after this change (before it, for a delete).
    pub revision: Option<i64>,
    pub changes: Vec<FieldChange>,
}

/// The fields that differ between two states, in the order of the newer state's keys
/// (then keys only the older one has). A create compares with nothing, a delete with nothing.
pub fn field_changes(
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> Vec<FieldChange> {
    let empty = Map::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let keys = after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)));
    keys.filter(|k| !BOOKKEEPING.contains(&k.as_str()))
        .filter_map(|k| {
            let (old, new) = (
                before.get(k).unwrap_or(&Value::Null),
                after.get(k).unwrap_or(&Value::Null),
            );
            (old != new).then(|| FieldChange {
                field: k.clone(),
                before: old.clone(),
                after: new.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_change_lists_only_the_fields_it_changed() {
        let before = map(
            json!({"name": "Detector", "owner": "A", "revision": 1, "updated_at": "t1", "affected_stakeholders": ["x"]}),
        );
        let after = map(
            json!({"name": "Detector", "owner": "B", "revision": 2, "updated_at": "t2", "affected_stakeholders": ["x", "y"]}),
        );
        assert_eq!(
            field_changes(Some(&before), Some(&after)),
            vec![
                FieldChange {
                    field: "affected_stakeholders".into(),
                    before: json!(["x"]),
                    after: json!(["x", "y"])
                },
                FieldChange {
                    field: "owner".into(),
                    before: json!("A"),
                    after: json!("B")
                },
            ]
        );
    }

    #[test]
    fn creates_and_deletes_compare_with_nothing() {
        let state = map(json!({"name": "Detector", "id": "1", "criticality": null}));
        let created = field_changes(None, Some(&state));
        assert_eq!(
            created,
            vec![FieldChange {
                field: "name".into(),
                before: Value::Null,
                after: json!("Detector")
            }],
            "null fields and bookkeeping are not news"
        );
        let deleted = field_changes(Some(&state), None);
        assert_eq!(deleted[0].after, Value::Null);
    }
}

/// One entry of the change ledger as auditors browse it: the entry's fields and hashes,
/// without the logged state.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The kind of record, as in the API path (`systems`, `models`, …) or an account kind
    /// (`organisation`, `user`, `member`, `api_token`).
    pub record_kind: String,
    pub record_id: String,
    /// SHA-256 of the record's canonical JSON after the change (absent for a delete).
    pub new_state_hash: Option<String>,
    /// SHA-256 of the record's canonical JSON before the change (absent for a create).
    pub prev_state_hash: Option<String>,
    pub prev_entry_hash: Option<String>,
    pub entry_hash: Option<String>,
}

/// Which ledger entries to list; every part optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerFilter {
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub actor: Option<String>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
}

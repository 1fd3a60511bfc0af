//! The tables of an installation, described once as data.
//!
//! The migrations create these tables; the descriptors here say how each column maps to
//! JSON, which lets export, import and the inventory queries work over every table with
//! one piece of code. A test checks that both engines' migrated schemas match them.

use std::sync::OnceLock;

use aims_domain::inventory::{FieldKind, RecordKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Bool,
    Timestamp,
    Date,
    /// JSON kept as text, so that both engines store it the same way.
    Json,
    /// A hash kept as its bytes (BLOB, BYTEA); hex digits in JSON.
    Hash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: &'static str,
    pub columns: Vec<Column>,
    /// Columns that order rows for export, so that two exports of the same data are identical.
    pub order_by: &'static [&'static str],
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

const fn opt(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}

use ColType::*;

/// Columns every inventory record has before its own fields.
pub const RECORD_META: [Column; 7] = [
    col("id", Text),
    col("organisation_id", Text),
    col("revision", Int),
    col("created_at", Timestamp),
    col("updated_at", Timestamp),
    col("created_by", Text),
    col("updated_by", Text),
];

fn inventory_table(kind: RecordKind) -> TableDef {
    let mut columns = RECORD_META.to_vec();
    for field in kind.fields() {
        let ty = match field.kind {
            FieldKind::Bool => Bool,
            FieldKind::Date => Date,
            _ if field.is_json() => Json,
            _ => Text,
        };
        columns.push(Column {
            name: field.name,
            ty,
            nullable: field.is_nullable(),
        });
    }
    TableDef {
        name: kind.table(),
        columns,
        order_by: &["id"],
    }
}

/// An entry of the Statement of Applicability: bookkeeping, then the fields of its kind
/// (`aims_domain::soa::ControlFields` or `RequirementFields`).
fn soa_item_table(name: &'static str, fields: &[Column]) -> TableDef {
    let mut columns = vec![
        col("id", Text),
        col("organisation_id", Text),
        col("item_ref", Text),
        col("revision", Int),
        col("created_at", Timestamp),
        col("updated_at", Timestamp),
        col("created_by", Text),
        col("updated_by", Text),
    ];
    columns.extend_from_slice(fields);
    TableDef {
        name,
        columns,
        order_by: &["id"],
    }
}

/// Every table, parents before children, in the order import must load them.
pub fn tables() -> &'static [TableDef] {
    static TABLES: OnceLock<Vec<TableDef>> = OnceLock::new();
    TABLES.get_or_init(|| {
        vec![
            TableDef {
                name: "organisations",
                columns: vec![
                    col("id", Text),
                    col("name", Text),
                    col("created_at", Timestamp),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "users",
                columns: vec![
                    col("id", Text),
                    col("username", Text),
                    col("display_name", Text),
                    col("email", Text),
                    col("password_hash", Text),
                    col("password_changed_at", Timestamp),
                    col("created_at", Timestamp),
                    col("updated_at", Timestamp),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "memberships",
                columns: vec![
                    col("organisation_id", Text),
                    col("user_id", Text),
                    col("role", Text),
                    col("active", Bool),
                    col("created_at", Timestamp),
                    col("updated_at", Timestamp),
                ],
                order_by: &["organisation_id", "user_id"],
            },
            TableDef {
                name: "sessions",
                columns: vec![
                    col("id_hash", Text),
                    col("user_id", Text),
                    col("organisation_id", Text),
                    col("csrf_token", Text),
                    col("created_at", Timestamp),
                    col("expires_at", Timestamp),
                    col("last_seen_at", Timestamp),
                ],
                order_by: &["id_hash"],
            },
            TableDef {
                name: "login_throttle",
                columns: vec![
                    col("key", Text),
                    col("failures", Int),
                    col("window_start", Timestamp),
                    opt("locked_until", Timestamp),
                ],
                order_by: &["key"],
            },
            TableDef {
                name: "api_tokens",
                columns: vec![
                    col("id", Text),
                    col("token_hash", Text),
                    col("name", Text),
                    col("user_id", Text),
                    col("organisation_id", Text),
                    col("created_at", Timestamp),
                    col("expires_at", Timestamp),
                    opt("last_used_at", Timestamp),
                    opt("revoked_at", Timestamp),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "changes",
                columns: vec![
                    col("seq", Int),
                    opt("organisation_id", Text),
                    col("at", Timestamp),
                    col("actor", Text),
                    col("action", Text),
                    col("record_kind", Text),
                    col("record_id", Text),
                    opt("state", Json),
                    opt("new_state_hash", Text),
                    opt("prev_state_hash", Text),
                    opt("prev_entry_hash", Text),
                    opt("entry_hash", Text),
                ],
                order_by: &["seq"],
            },
            TableDef {
                name: "ledger_heads",
                columns: vec![
                    col("log", Text),
                    col("seq", Int),
                    col("entry_hash", Text),
                    col("subtree_roots", Text),
                ],
                order_by: &["log"],
            },
            TableDef {
                name: "record_counts",
                columns: vec![
                    col("organisation_id", Text),
                    col("record_kind", Text),
                    col("count", Int),
                ],
                order_by: &["organisation_id", "record_kind"],
            },
            inventory_table(RecordKind::Supplier),
            inventory_table(RecordKind::System),
            inventory_table(RecordKind::Dataset),
            inventory_table(RecordKind::Model),
            TableDef {
                name: "soas",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("framework_id", Text),
                    col("created_at", Timestamp),
                    col("created_by", Text),
                ],
                order_by: &["id"],
            },
            soa_item_table(
                "soa_controls",
                &[
                    col("applicable", Bool),
                    col("justification", Text),
                    col("status", Text),
                    col("owner", Text),
                    opt("target_date", Date),
                    col("risk_ids", Json),
                    col("evidence", Json),
                ],
            ),
            soa_item_table(
                "soa_requirements",
                &[
                    col("status", Text),
                    col("owner", Text),
                    col("notes", Text),
                    col("evidence", Json),
                ],
            ),
            TableDef {
                name: "soa_versions",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("version", Int),
                    col("approved_at", Timestamp),
                    col("approved_by", Text),
                    col("note", Text),
                    col("snapshot", Json),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "risk_criteria",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("revision", Int),
                    col("updated_at", Timestamp),
                    col("updated_by", Text),
                    col("criteria", Json),
                ],
                order_by: &["id"],
            },
            {
                let mut columns = RECORD_META.to_vec();
                columns.extend([
                    col("title", Text),
                    col("description", Text),
                    col("system_ids", Json),
                    col("sources", Json),
                    col("affected_parties", Json),
                    col("inherent", Json),
                    col("owner", Text),
                    opt("treatment", Text),
                    col("actions", Json),
                    opt("residual", Json),
                    opt("review_due", Date),
                    opt("acceptance", Json),
                ]);
                TableDef {
                    name: "risks",
                    columns,
                    order_by: &["id"],
                }
            },
            TableDef {
                name: "impact_assessments",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("system_id", Text),
                    col("template_id", Text),
                    col("template_version", Text),
                    col("version", Int),
                    col("status", Text),
                    col("revision", Int),
                    col("created_at", Timestamp),
                    col("updated_at", Timestamp),
                    col("created_by", Text),
                    col("updated_by", Text),
                    col("answers", Json),
                    col("level", Text),
                    col("reasons", Json),
                    opt("review_due", Date),
                    opt("approved_at", Timestamp),
                    opt("approved_by", Text),
                    col("approval_note", Text),
                    col("risk_ids", Json),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "evaluations",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("system_id", Text),
                    col("created_at", Timestamp),
                    col("created_by", Text),
                    col("kind", Text),
                    col("inputs", Json),
                    col("parameters", Json),
                    col("tool_version", Text),
                    col("result", Json),
                    opt("verdict", Text),
                ],
                order_by: &["id"],
            },
            TableDef {
                name: "decisions",
                columns: vec![
                    col("system_id", Text),
                    col("seq", Int),
                    col("organisation_id", Text),
                    col("action", Text),
                    col("event_id", Text),
                    col("occurred_at", Timestamp),
                    col("recorded_at", Timestamp),
                    col("actor", Text),
                    col("state", Json),
                    col("new_state_hash", Hash),
                    opt("prev_state_hash", Hash),
                    col("entry_hash", Hash),
                ],
                order_by: &["system_id", "seq"],
            },
            TableDef {
                name: "eu_ai_act_classifications",
                columns: vec![
                    col("id", Text),
                    col("organisation_id", Text),
                    col("system_id", Text),
                    col("version", Int),
                    col("assessed_at", Timestamp),
                    col("assessed_by", Text),
                    col("assessed_on", Date),
                    col("answers", Json),
                    col("result", Json),
                    col("note", Text),
                ],
                order_by: &["id"],
            },
        ]
    })
}

pub fn table(name: &str) -> Option<&'static TableDef> {
    tables().iter().find(|t| t.name == name)
}

/// Tables that a move between installations carries. Sessions and sign-in throttling
/// stay behind: they are operational state of the installation that made them. Record
/// counts and ledger heads are derived, and an import recomputes them.
pub fn exported_tables() -> impl Iterator<Item = &'static TableDef> {
    tables().iter().filter(|t| {
        ![
            "sessions",
            "login_throttle",
            "record_counts",
            "ledger_heads",
        ]
        .contains(&t.name)
    })
}

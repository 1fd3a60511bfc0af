//! The AI system inventory (Annex A.4, A.6, A.7, A.9, A.10 records): AI systems, models,
//! datasets and suppliers.
//!
//! Each kind is described once, as a table of [`FieldDef`]s. Storage derives its columns,
//! the API its input checks and the web UI its forms from that table, so a field added
//! here appears everywhere with the same name, rules and help text.

mod choices;
mod dataset;
mod fields;
mod model;
mod supplier;
mod system;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::listing::{ListQuery, RawListParams};
use crate::validation::ValidationErrors;

pub use choices::*;
pub use dataset::DatasetFields;
pub use fields::{Choice, FieldDef, FieldKind};
pub use model::ModelFields;
pub use supplier::SupplierFields;
pub use system::SystemFields;

/// The kinds of inventory record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    System,
    Model,
    Dataset,
    Supplier,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::System,
        RecordKind::Model,
        RecordKind::Dataset,
        RecordKind::Supplier,
    ];

    /// The table that holds this kind.
    pub fn table(self) -> &'static str {
        match self {
            RecordKind::System => "ai_systems",
            RecordKind::Model => "models",
            RecordKind::Dataset => "datasets",
            RecordKind::Supplier => "suppliers",
        }
    }

    /// The path segment under `/api/v1` and in the web UI.
    pub fn path(self) -> &'static str {
        match self {
            RecordKind::System => "systems",
            RecordKind::Model => "models",
            RecordKind::Dataset => "datasets",
            RecordKind::Supplier => "suppliers",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            RecordKind::System => "AI system",
            RecordKind::Model => "model",
            RecordKind::Dataset => "dataset",
            RecordKind::Supplier => "supplier",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::System => "AI systems",
            RecordKind::Model => "Models",
            RecordKind::Dataset => "Datasets",
            RecordKind::Supplier => "Suppliers",
        }
    }

    /// Name of the JSON schema of the editable fields in the OpenAPI document.
    pub fn schema_name(self) -> &'static str {
        match self {
            RecordKind::System => "SystemFields",
            RecordKind::Model => "ModelFields",
            RecordKind::Dataset => "DatasetFields",
            RecordKind::Supplier => "SupplierFields",
        }
    }

    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            RecordKind::System => system::FIELDS,
            RecordKind::Model => model::FIELDS,
            RecordKind::Dataset => dataset::FIELDS,
            RecordKind::Supplier => supplier::FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Columns a list may be sorted by; the first is the default.
    pub fn sortable(self) -> &'static [&'static str] {
        match self {
            RecordKind::System => &[
                "name",
                "created_at",
                "updated_at",
                "lifecycle_stage",
                "criticality",
                "owner",
            ],
            RecordKind::Model => &["name", "created_at", "updated_at", "version", "model_type"],
            RecordKind::Dataset => &["name", "created_at", "updated_at", "collection_start"],
            RecordKind::Supplier => &["name", "created_at", "updated_at", "due_diligence_status"],
        }
    }

    /// Columns a list may be filtered on by exact value.
    pub fn filterable(self) -> &'static [&'static str] {
        match self {
            RecordKind::System => &[
                "lifecycle_stage",
                "criticality",
                "ai_role",
                "eu_ai_act_tier",
                "owner",
            ],
            RecordKind::Model => &["system_id", "supplier_id", "model_type", "framework"],
            RecordKind::Dataset => &["supplier_id", "personal_data", "special_category_data"],
            RecordKind::Supplier => &["due_diligence_status"],
        }
    }

    /// Validates list parameters for this kind: the common ones, and each filter's value
    /// against its field (a choice, a boolean, a record id).
    pub fn list_query(
        self,
        raw: &RawListParams,
        filters: &[(String, String)],
    ) -> Result<ListQuery, ValidationErrors> {
        let query = ListQuery::parse(raw, filters, self.sortable(), self.filterable())?;
        let mut errors = ValidationErrors::new();
        for (i, (column, value)) in query.filters.iter().enumerate() {
            if query.filters[..i].iter().any(|(c, _)| c == column) {
                errors.add(*column, "is given more than once");
                continue;
            }
            let Some(def) = self.field(column) else {
                continue;
            };
            let problem = match def.kind {
                FieldKind::Choice(choices) if !choices.iter().any(|c| c.value == value) => {
                    Some(format!(
                        "must be one of {}",
                        choices
                            .iter()
                            .map(|c| c.value)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
                FieldKind::Bool if value != "true" && value != "false" => {
                    Some("must be true or false".to_owned())
                }
                FieldKind::Reference(_) if Uuid::parse_str(value).is_err() => {
                    Some("must be a record id (UUID)".to_owned())
                }
                _ if value.chars().count() > 200 => {
                    Some("must be at most 200 characters".to_owned())
                }
                _ => None,
            };
            if let Some(problem) = problem {
                errors.add(*column, problem);
            }
        }
        errors.into_result()?;
        Ok(query)
    }

    pub fn from_path(path: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.path() == path)
    }
}

/// The editable fields of one kind of inventory record.
pub trait RecordFields: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: RecordKind;

    /// Rules beyond types: required fields, lengths, consistent dates.
    fn validate(&self) -> Result<(), ValidationErrors>;
}

/// A stored inventory record: who and when, the revision used for optimistic
/// concurrency, and the fields of its kind.
#[derive(Debug, Clone, Serialize)]
pub struct Record<F> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// Starts at 1 and grows by one on every update; an update names the revision it read.
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[serde(flatten)]
    pub fields: F,
}

/// Parses the body of a create request: a JSON object of the kind's editable fields.
pub fn parse_new<F: RecordFields>(input: Value) -> Result<F, ValidationErrors> {
    let Value::Object(map) = input else {
        return Err(ValidationErrors::single("", "expected a JSON object"));
    };
    check_keys(F::KIND, &map, &[])?;
    deserialize_and_validate(Value::Object(map))
}

/// Applies a partial update to `current`. `allowed_extra` names keys that the caller
/// handles itself (for example `revision`).
pub fn apply_patch<F: RecordFields>(
    current: &F,
    patch: &Map<String, Value>,
    allowed_extra: &[&str],
) -> Result<F, ValidationErrors> {
    check_keys(F::KIND, patch, allowed_extra)?;
    let mut merged = match serde_json::to_value(current) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(ValidationErrors::single(
                "",
                "the stored record could not be read",
            ));
        }
    };
    for (key, value) in patch {
        if !allowed_extra.contains(&key.as_str()) {
            merged.insert(key.clone(), value.clone());
        }
    }
    deserialize_and_validate(Value::Object(merged))
}

/// Reports every key that is not an editable field of the kind.
fn check_keys(
    kind: RecordKind,
    map: &Map<String, Value>,
    allowed_extra: &[&str],
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for key in map.keys() {
        match kind.field(key) {
            Some(def) if def.read_only => errors.add(
                key.clone(),
                "is read-only: it is set by its own assessment, not by editing the record",
            ),
            Some(_) => {}
            None if allowed_extra.contains(&key.as_str()) => {}
            None => {
                let known: Vec<_> = kind
                    .fields()
                    .iter()
                    .filter(|f| !f.read_only)
                    .map(|f| f.name)
                    .collect();
                errors.add(
                    key.clone(),
                    format!(
                        "is not a field of {}; expected one of {}",
                        kind.singular(),
                        known.join(", ")
                    ),
                );
            }
        }
    }
    errors.into_result()
}

fn deserialize_and_validate<F: RecordFields>(value: Value) -> Result<F, ValidationErrors> {
    let fields: F = serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let message = err.into_inner().to_string();
        // serde names a missing field in the message but not in the path.
        match message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            Some(field) => ValidationErrors::single(field, "is required"),
            None => ValidationErrors::single(path, message),
        }
    })?;
    fields.validate()?;
    Ok(fields)
}

/// The records a record points at, read off its fields: `(field, kind, id)`.
pub fn references<F: RecordFields>(fields: &F) -> Vec<(&'static str, RecordKind, Uuid)> {
    let Ok(Value::Object(map)) = serde_json::to_value(fields) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for def in F::KIND.fields() {
        let (target, values): (RecordKind, Vec<&Value>) = match (def.kind, map.get(def.name)) {
            (FieldKind::Reference(target), Some(v)) => (target, vec![v]),
            (FieldKind::References(target), Some(Value::Array(items))) => {
                (target, items.iter().collect())
            }
            _ => continue,
        };
        for id in values
            .into_iter()
            .filter_map(Value::as_str)
            .filter_map(|s| Uuid::parse_str(s).ok())
        {
            out.push((def.name, target, id));
        }
    }
    out
}

#[cfg(test)]
mod tests;

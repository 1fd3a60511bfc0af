//! The Statement of Applicability (ISO/IEC 42001 6.1.3 d–f, Annex A) and the assessment of
//! the management-system requirements (clauses 4 to 10).
//!
//! An organisation adopts one framework. Every Annex A control then has an entry saying
//! whether it applies, why (for inclusion and exclusion alike), how far it is implemented,
//! who owns it, by when, which risks it treats and which evidence shows it. Every clause
//! requirement has an entry with its conformity status, owner, notes and evidence.
//!
//! Approving the SoA freezes its entries as a numbered version ([`Snapshot`]); two versions
//! (or a version and the current draft) are compared control by control and field by field
//! with [`compare`].

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::history::{FieldChange, field_changes};
use crate::validation::{ValidationErrors, check_text};

/// Longest justification, notes or owner accepted, in characters.
pub const MAX_JUSTIFICATION: usize = 4_000;
pub const MAX_NOTES: usize = 10_000;
pub const MAX_OWNER: usize = 200;
pub const MAX_EVIDENCE: usize = 100;
pub const MAX_EVIDENCE_REFERENCE: usize = 1_000;
pub const MAX_RISKS: usize = 100;

/// How far an applicable control is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatus {
    NotStarted,
    Planned,
    PartiallyImplemented,
    Implemented,
    /// The control is excluded from the SoA.
    NotApplicable,
}

impl ImplementationStatus {
    pub const ALL: [ImplementationStatus; 5] = [
        ImplementationStatus::NotStarted,
        ImplementationStatus::Planned,
        ImplementationStatus::PartiallyImplemented,
        ImplementationStatus::Implemented,
        ImplementationStatus::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImplementationStatus::NotStarted => "not_started",
            ImplementationStatus::Planned => "planned",
            ImplementationStatus::PartiallyImplemented => "partially_implemented",
            ImplementationStatus::Implemented => "implemented",
            ImplementationStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImplementationStatus::NotStarted => "Not started",
            ImplementationStatus::Planned => "Planned",
            ImplementationStatus::PartiallyImplemented => "Partially implemented",
            ImplementationStatus::Implemented => "Implemented",
            ImplementationStatus::NotApplicable => "Not applicable",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| expected_one_of(&Self::ALL.map(Self::as_str), text))
    }
}

/// How far the organisation conforms to a management-system requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConformityStatus {
    NotAssessed,
    NotConforming,
    PartiallyConforming,
    Conforming,
}

impl ConformityStatus {
    pub const ALL: [ConformityStatus; 4] = [
        ConformityStatus::NotAssessed,
        ConformityStatus::NotConforming,
        ConformityStatus::PartiallyConforming,
        ConformityStatus::Conforming,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConformityStatus::NotAssessed => "not_assessed",
            ConformityStatus::NotConforming => "not_conforming",
            ConformityStatus::PartiallyConforming => "partially_conforming",
            ConformityStatus::Conforming => "conforming",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConformityStatus::NotAssessed => "Not assessed",
            ConformityStatus::NotConforming => "Not conforming",
            ConformityStatus::PartiallyConforming => "Partially conforming",
            ConformityStatus::Conforming => "Conforming",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| expected_one_of(&Self::ALL.map(Self::as_str), text))
    }
}

fn expected_one_of(values: &[&str], got: &str) -> String {
    format!("must be one of {}, got `{got}`", values.join(", "))
}

/// A reference to a piece of evidence: a document name, a URL, a ticket. Evidence with an
/// expiry date stops counting the day after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    /// What and where the evidence is, for example a URL or "Board minutes 2026-01-12".
    pub reference: String,
    /// Last day on which the evidence is current; none: it does not expire.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

impl EvidenceRef {
    /// Current on `today`: no expiry, or an expiry today or later.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.expires_on.is_none_or(|d| d >= today)
    }
}

/// Whether a set of evidence supports an entry on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceState {
    /// At least one reference is current.
    Current,
    /// No reference at all.
    Missing,
    /// References exist, but every one has expired.
    Expired,
}

pub fn evidence_state(evidence: &[EvidenceRef], today: NaiveDate) -> EvidenceState {
    if evidence.is_empty() {
        EvidenceState::Missing
    } else if evidence.iter().any(|e| e.is_current(today)) {
        EvidenceState::Current
    } else {
        EvidenceState::Expired
    }
}

/// The editable fields of an Annex A control in the SoA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlFields {
    /// Whether the control is included in the SoA.
    pub applicable: bool,
    /// Why the control is included or excluded; required in both cases.
    pub justification: String,
    /// Must be `not_applicable` exactly when the control is excluded.
    pub status: ImplementationStatus,
    /// Who is accountable for the control: a person or a role.
    pub owner: String,
    /// When the control is to be implemented.
    pub target_date: Option<NaiveDate>,
    /// Ids of the risks the control treats.
    pub risk_ids: Vec<Uuid>,
    pub evidence: Vec<EvidenceRef>,
}

impl Default for ControlFields {
    /// The entry of a control just adopted: included, nothing done, nothing justified yet.
    fn default() -> Self {
        Self {
            applicable: true,
            justification: String::new(),
            status: ImplementationStatus::NotStarted,
            owner: String::new(),
            target_date: None,
            risk_ids: Vec::new(),
            evidence: Vec::new(),
        }
    }
}

impl ControlFields {
    /// The rules an entry must meet whenever someone saves it.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        check_text(
            &mut errors,
            "justification",
            &self.justification,
            true,
            MAX_JUSTIFICATION,
        );
        if errors.for_field("justification").is_some() && self.justification.trim().is_empty() {
            errors.0.retain(|e| e.field != "justification");
            errors.add(
                "justification",
                if self.applicable {
                    "is required: say why the control is included"
                } else {
                    "is required: say why the control is excluded"
                },
            );
        }
        match (self.applicable, self.status) {
            (false, s) if s != ImplementationStatus::NotApplicable => errors.add(
                "status",
                format!(
                    "must be not_applicable for an excluded control (applicable is false), got `{}`",
                    s.as_str()
                ),
            ),
            (true, ImplementationStatus::NotApplicable) => errors.add(
                "status",
                "not_applicable is only for excluded controls: set applicable to false, or choose another status",
            ),
            _ => {}
        }
        check_text(&mut errors, "owner", &self.owner, false, MAX_OWNER);
        if self.risk_ids.len() > MAX_RISKS {
            errors.add("risk_ids", format!("must have at most {MAX_RISKS} items"));
        }
        for (i, id) in self.risk_ids.iter().enumerate() {
            if self.risk_ids[..i].contains(id) {
                errors.add(format!("risk_ids[{i}]"), format!("{id} is listed twice"));
            }
        }
        check_evidence(&mut errors, &self.evidence);
        errors.into_result()
    }
}

/// The editable fields of a management-system requirement (clauses 4 to 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementFields {
    pub status: ConformityStatus,
    /// Who is accountable for meeting the requirement.
    pub owner: String,
    pub notes: String,
    pub evidence: Vec<EvidenceRef>,
}

impl Default for RequirementFields {
    fn default() -> Self {
        Self {
            status: ConformityStatus::NotAssessed,
            owner: String::new(),
            notes: String::new(),
            evidence: Vec::new(),
        }
    }
}

impl RequirementFields {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        check_text(&mut errors, "owner", &self.owner, false, MAX_OWNER);
        check_text(&mut errors, "notes", &self.notes, false, MAX_NOTES);
        check_evidence(&mut errors, &self.evidence);
        errors.into_result()
    }
}

fn check_evidence(errors: &mut ValidationErrors, evidence: &[EvidenceRef]) {
    if evidence.len() > MAX_EVIDENCE {
        errors.add(
            "evidence",
            format!("must have at most {MAX_EVIDENCE} items"),
        );
        return;
    }
    for (i, item) in evidence.iter().enumerate() {
        check_text(
            errors,
            &format!("evidence[{i}].reference"),
            &item.reference,
            true,
            MAX_EVIDENCE_REFERENCE,
        );
    }
}

/// The two kinds of entry of a SoA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Control,
    Requirement,
}

impl ItemType {
    /// The record kind in the change log.
    pub fn record_kind(self) -> &'static str {
        match self {
            ItemType::Control => "soa_control",
            ItemType::Requirement => "soa_requirement",
        }
    }

    pub fn table(self) -> &'static str {
        match self {
            ItemType::Control => "soa_controls",
            ItemType::Requirement => "soa_requirements",
        }
    }

    /// How a field of one entry is named in errors: `controls[A.2.2].justification`.
    pub fn field_name(self, item_ref: &str, field: &str) -> String {
        let entries = match self {
            ItemType::Control => "controls",
            ItemType::Requirement => "requirements",
        };
        format!("{entries}[{item_ref}].{field}")
    }
}

/// Fields of one kind of entry: what the store and the API need to know about them.
pub trait ItemFields:
    Serialize + DeserializeOwned + Clone + Default + PartialEq + Send + Sync + 'static
{
    const TYPE: ItemType;
    fn validate(&self) -> Result<(), ValidationErrors>;
}

impl ItemFields for ControlFields {
    const TYPE: ItemType = ItemType::Control;
    fn validate(&self) -> Result<(), ValidationErrors> {
        ControlFields::validate(self)
    }
}

impl ItemFields for RequirementFields {
    const TYPE: ItemType = ItemType::Requirement;
    fn validate(&self) -> Result<(), ValidationErrors> {
        RequirementFields::validate(self)
    }
}

/// One stored entry of a SoA: bookkeeping and the fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoaItem<F> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// The control's or requirement's ref in the framework, for example `A.6.2.4` or `6.1.2`.
    pub item_ref: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[serde(flatten)]
    pub fields: F,
}

/// The SoA of an organisation: which framework it adopted, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Soa {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// Id of the adopted framework in the library, for example `iso-iec-42001-2023`.
    pub framework_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// An approved version of the SoA: who approved it, when, and what it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SoaVersion {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// 1 for the first approval, then one more for each.
    pub version: i64,
    pub approved_at: DateTime<Utc>,
    pub approved_by: String,
    /// What the approver said about this version.
    pub note: String,
    #[schema(value_type = Object)]
    pub snapshot: Snapshot,
}

/// The fields of every entry, keyed by ref: what a version freezes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub controls: BTreeMap<String, ControlFields>,
    pub requirements: BTreeMap<String, RequirementFields>,
}

impl Snapshot {
    /// What stops this state from being approved: every entry must meet its rules (an
    /// adopted control has no justification until someone writes one). Fields are named
    /// `controls[A.2.2].justification`.
    pub fn approval_problems(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        if self.controls.is_empty() && self.requirements.is_empty() {
            errors.add("", "the SoA has no entries to approve");
        }
        let mut refs: Vec<&String> = self.requirements.keys().collect();
        refs.sort_by(|a, b| compare_refs(a, b));
        for r in refs {
            if let Err(e) = self.requirements[r].validate() {
                for fe in e.0 {
                    errors.add(ItemType::Requirement.field_name(r, &fe.field), fe.message);
                }
            }
        }
        let mut refs: Vec<&String> = self.controls.keys().collect();
        refs.sort_by(|a, b| compare_refs(a, b));
        for r in refs {
            if let Err(e) = self.controls[r].validate() {
                for fe in e.0 {
                    errors.add(ItemType::Control.field_name(r, &fe.field), fe.message);
                }
            }
        }
        errors
    }
}

/// Applies a partial update (a JSON object of some fields) to `current` and checks the
/// result. `allowed_extra` names keys the caller handles itself (`revision`).
pub fn apply_patch<F: ItemFields>(
    current: &F,
    patch: &Map<String, Value>,
    allowed_extra: &[&str],
) -> Result<F, ValidationErrors> {
    let fields: F = crate::validation::merge_patch(current, patch, allowed_extra)?;
    fields.validate()?;
    Ok(fields)
}

pub use crate::validation::deserialize;

/// One entry that differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemChange {
    pub item_type: ItemType,
    pub item_ref: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// The fields that differ, with their values before and after.
    pub fields: Vec<FieldChange>,
}

/// What changed from `before` to `after`, control by control and field by field, in the
/// framework's order.
pub fn compare(before: &Snapshot, after: &Snapshot) -> Vec<ItemChange> {
    let mut out = diff_maps(
        ItemType::Requirement,
        &before.requirements,
        &after.requirements,
    );
    out.extend(diff_maps(
        ItemType::Control,
        &before.controls,
        &after.controls,
    ));
    out
}

fn diff_maps<F: Serialize>(
    item_type: ItemType,
    before: &BTreeMap<String, F>,
    after: &BTreeMap<String, F>,
) -> Vec<ItemChange> {
    let mut refs: Vec<&String> = before.keys().chain(after.keys()).collect();
    refs.sort_by(|a, b| compare_refs(a, b));
    refs.dedup();
    let as_map = |f: Option<&F>| -> Option<Map<String, Value>> {
        f.and_then(|f| match serde_json::to_value(f) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        })
    };
    refs.into_iter()
        .filter_map(|r| {
            let (old, new) = (as_map(before.get(r)), as_map(after.get(r)));
            let change = match (&old, &new) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            let fields = field_changes(old.as_ref(), new.as_ref());
            (!fields.is_empty()).then(|| ItemChange {
                item_type,
                item_ref: r.clone(),
                change: change.to_owned(),
                fields,
            })
        })
        .collect()
}

/// Orders refs the way a standard numbers them: `A.2.2` < `A.10.2`, `4.1` < `10.1`.
pub fn compare_refs(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<(u8, u64, String)> {
        s.split(['.', ' '])
            .map(|p| match p.parse::<u64>() {
                Ok(n) => (0, n, String::new()),
                Err(_) => (1, 0, p.to_owned()),
            })
            .collect()
    };
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn justification_is_required_for_inclusion_and_exclusion() {
        let included = ControlFields::default();
        let err = included.validate().unwrap_err();
        assert_eq!(err.0[0].field, "justification");
        assert!(err.0[0].message.contains("included"), "{err}");

        let excluded = ControlFields {
            applicable: false,
            status: ImplementationStatus::NotApplicable,
            justification: "  ".into(),
            ..ControlFields::default()
        };
        let err = excluded.validate().unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(err.0[0].message.contains("excluded"), "{err}");

        let ok = ControlFields {
            justification: "We train models in house.".into(),
            ..ControlFields::default()
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn status_must_agree_with_applicability() {
        let base = ControlFields {
            justification: "why".into(),
            ..ControlFields::default()
        };
        let excluded_but_implemented = ControlFields {
            applicable: false,
            status: ImplementationStatus::Implemented,
            ..base.clone()
        };
        assert_eq!(
            excluded_but_implemented.validate().unwrap_err().0[0].field,
            "status"
        );
        let included_but_not_applicable = ControlFields {
            status: ImplementationStatus::NotApplicable,
            ..base
        };
        assert_eq!(
            included_but_not_applicable.validate().unwrap_err().0[0].field,
            "status"
        );
    }

    #[test]
    fn patch_names_the_field_and_the_expected_values() {
        let current = ControlFields::default();
        let patch = json!({"status": "done", "revision": 1});
        let err = apply_patch(&current, patch.as_object().unwrap(), &["revision"]).unwrap_err();
        assert_eq!(err.0[0].field, "status");
        assert!(err.0[0].message.contains("implemented"), "{err}");

        let patch = json!({"colour": "red"});
        let err = apply_patch(&current, patch.as_object().unwrap(), &[]).unwrap_err();
        assert_eq!(err.0[0].field, "colour");

        let patch = json!({"risk_ids": ["not-a-uuid"], "justification": "x"});
        let err = apply_patch(&current, patch.as_object().unwrap(), &[]).unwrap_err();
        assert_eq!(err.0[0].field, "risk_ids[0]");

        let patch = json!({"evidence": [{"reference": "policy", "expires_on": "soon"}], "justification": "x"});
        let err = apply_patch(&current, patch.as_object().unwrap(), &[]).unwrap_err();
        assert_eq!(err.0[0].field, "evidence[0].expires_on");

        let patch =
            json!({"justification": "Policy in place", "status": "implemented", "owner": "CISO"});
        let fields = apply_patch(&current, patch.as_object().unwrap(), &[]).unwrap();
        assert_eq!(fields.status, ImplementationStatus::Implemented);
        assert_eq!(fields.owner, "CISO");
    }

    #[test]
    fn duplicate_risks_and_blank_evidence_are_refused() {
        let id = Uuid::new_v4();
        let fields = ControlFields {
            justification: "why".into(),
            risk_ids: vec![id, id],
            evidence: vec![EvidenceRef {
                reference: " ".into(),
                expires_on: None,
            }],
            ..ControlFields::default()
        };
        let err = fields.validate().unwrap_err();
        let names: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["risk_ids[1]", "evidence[0].reference"]);
    }

    #[test]
    fn evidence_expires_after_its_last_day() {
        let e = |expires: Option<&str>| EvidenceRef {
            reference: "r".into(),
            expires_on: expires.map(date),
        };
        let today = date("2026-03-01");
        assert_eq!(evidence_state(&[], today), EvidenceState::Missing);
        assert_eq!(
            evidence_state(&[e(Some("2026-03-01"))], today),
            EvidenceState::Current
        );
        assert_eq!(
            evidence_state(&[e(Some("2026-02-28"))], today),
            EvidenceState::Expired
        );
        assert_eq!(
            evidence_state(&[e(Some("2026-02-28")), e(None)], today),
            EvidenceState::Current
        );
    }

    #[test]
    fn refs_sort_numerically() {
        let mut refs = vec![
            "A.10.2", "A.2.2", "10.1", "4.1", "A.6.2.4", "A.6.1.2", "9.2.1",
        ];
        refs.sort_by(|a, b| compare_refs(a, b));
        assert_eq!(
            refs,
            [
                "4.1", "9.2.1", "10.1", "A.2.2", "A.6.1.2", "A.6.2.4", "A.10.2"
            ]
        );
    }

    #[test]
    fn versions_compare_per_control_and_field() {
        let mut before = Snapshot::default();
        before.controls.insert(
            "A.2.2".into(),
            ControlFields {
                justification: "policy".into(),
                ..ControlFields::default()
            },
        );
        before
            .controls
            .insert("A.10.4".into(), ControlFields::default());
        let mut after = before.clone();
        if let Some(c) = after.controls.get_mut("A.2.2") {
            c.status = ImplementationStatus::Implemented;
            c.owner = "CISO".into();
        }
        after
            .requirements
            .insert("4.1".into(), RequirementFields::default());
        let changes = compare(&before, &after);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].item_ref, "4.1");
        assert_eq!(changes[0].change, "added");
        assert_eq!(changes[1].item_ref, "A.2.2");
        assert_eq!(changes[1].change, "changed");
        let mut fields: Vec<&str> = changes[1].fields.iter().map(|f| f.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["owner", "status"]);
        let status = changes[1]
            .fields
            .iter()
            .find(|f| f.field == "status")
            .unwrap();
        assert_eq!(status.before, json!("not_started"));
        assert_eq!(status.after, json!("implemented"));
        assert!(compare(&after, &after).is_empty());

        let problems = after.approval_problems();
        let fields: Vec<&str> = problems.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["controls[A.10.4].justification"]);
        assert!(!Snapshot::default().approval_problems().is_empty());
    }
}

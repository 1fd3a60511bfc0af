//! Suppliers of AI components: models, data, services (Annex A.10).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DueDiligenceStatus, FieldDef, FieldKind as K, RecordFields, RecordKind, SupplyKind};
use crate::validation::{ValidationErrors, check_email, check_text};

pub(super) const FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "name",
        "Name",
        K::Text(200),
        "The supplier's legal or trading name.",
    )
    .required(),
    FieldDef::new(
        "supplies",
        "Supplies",
        K::MultiChoice(SupplyKind::CHOICES),
        "What the organisation obtains from this supplier.",
    ),
    FieldDef::new(
        "description",
        "Description",
        K::LongText,
        "What is bought, under which contract, for which systems.",
    ),
    FieldDef::new(
        "contact_name",
        "Contact",
        K::Text(200),
        "The person to talk to at the supplier.",
    ),
    FieldDef::new(
        "contact_email",
        "Contact e-mail",
        K::Email,
        "Where to reach the contact.",
    ),
    FieldDef::new(
        "due_diligence_status",
        "Due diligence",
        K::Choice(DueDiligenceStatus::CHOICES),
        "Where the assessment of this supplier stands.",
    )
    .required(),
];

/// The editable fields of a supplier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierFields {
    pub name: String,
    #[serde(default)]
    pub supplies: Vec<SupplyKind>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub due_diligence_status: DueDiligenceStatus,
}

impl RecordFields for SupplierFields {
    const KIND: RecordKind = RecordKind::Supplier;

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, 200);
        check_text(&mut e, "description", &self.description, false, 10_000);
        check_text(&mut e, "contact_name", &self.contact_name, false, 200);
        check_email(&mut e, "contact_email", &self.contact_email);
        let mut seen = Vec::new();
        for (i, kind) in self.supplies.iter().enumerate() {
            if seen.contains(kind) {
                e.add(format!("supplies[{i}]"), "is listed twice");
            }
            seen.push(*kind);
        }
        e.into_result()
    }
}

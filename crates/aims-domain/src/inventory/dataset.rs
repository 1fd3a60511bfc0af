//! Datasets: where data came from, what it holds and what is known to be wrong with it (Annex A.7).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{FieldDef, FieldKind as K, RecordFields, RecordKind};
use crate::validation::{ValidationErrors, check_text};

pub(super) const FIELDS: &[FieldDef] = &[
    FieldDef::new("name", "Name", K::Text(200), "The dataset's name.").required(),
    FieldDef::new(
        "description",
        "Description",
        K::LongText,
        "What the data is and what it is used for.",
    ),
    FieldDef::new(
        "source",
        "Source",
        K::Text(500),
        "Where the data comes from: a system, a vendor, a public corpus.",
    ),
    FieldDef::new(
        "provenance",
        "Provenance",
        K::LongText,
        "How the data was collected, labelled and transformed, and by whom.",
    ),
    FieldDef::new(
        "collection_start",
        "Collection start",
        K::Date,
        "First day of the collection period (YYYY-MM-DD).",
    ),
    FieldDef::new(
        "collection_end",
        "Collection end",
        K::Date,
        "Last day of the collection period (YYYY-MM-DD).",
    ),
    FieldDef::new(
        "personal_data",
        "Holds personal data",
        K::Bool,
        "Whether any record relates to an identifiable person.",
    ),
    FieldDef::new(
        "special_category_data",
        "Holds special-category data",
        K::Bool,
        "Health, biometric, ethnic origin, beliefs and other data that needs extra protection.",
    ),
    FieldDef::new(
        "licence",
        "Licence",
        K::Text(200),
        "The terms the data may be used under.",
    ),
    FieldDef::new(
        "known_quality_issues",
        "Known quality issues",
        K::LongText,
        "Gaps, imbalance, label noise or bias known so far.",
    ),
    FieldDef::new(
        "supplier_id",
        "Supplier",
        K::Reference(RecordKind::Supplier),
        "Who supplies the data, when it is bought or licensed.",
    ),
];

/// The editable fields of a dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub provenance: String,
    #[serde(default)]
    pub collection_start: Option<NaiveDate>,
    #[serde(default)]
    pub collection_end: Option<NaiveDate>,
    #[serde(default)]
    pub personal_data: bool,
    #[serde(default)]
    pub special_category_data: bool,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub known_quality_issues: String,
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
}

impl RecordFields for DatasetFields {
    const KIND: RecordKind = RecordKind::Dataset;

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, 200);
        check_text(&mut e, "description", &self.description, false, 10_000);
        check_text(&mut e, "source", &self.source, false, 500);
        check_text(&mut e, "provenance", &self.provenance, false, 10_000);
        check_text(&mut e, "licence", &self.licence, false, 200);
        check_text(
            &mut e,
            "known_quality_issues",
            &self.known_quality_issues,
            false,
            10_000,
        );
        if let (Some(start), Some(end)) = (self.collection_start, self.collection_end)
            && end < start
        {
            e.add("collection_end", "must not be before collection_start");
        }
        if self.special_category_data && !self.personal_data {
            e.add("personal_data", "must be true when special_category_data is true: special-category data is personal data");
        }
        e.into_result()
    }
}

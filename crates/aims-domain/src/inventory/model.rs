//! Models: the trained artefacts inside AI systems, with the data they learnt from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{FieldDef, FieldKind as K, RecordFields, RecordKind};
use crate::validation::{ValidationErrors, check_text};

pub(super) const FIELDS: &[FieldDef] = &[
    FieldDef::new("name", "Name", K::Text(200), "The model's name.").required(),
    FieldDef::new(
        "version",
        "Version",
        K::Text(100),
        "The version in use, as your registry names it.",
    ),
    FieldDef::new(
        "model_type",
        "Type",
        K::Text(200),
        "For example object detector, gradient-boosted classifier, large language model.",
    ),
    FieldDef::new(
        "framework",
        "Framework",
        K::Text(200),
        "Training framework or runtime, for example PyTorch 2.3.",
    ),
    FieldDef::new(
        "system_id",
        "AI system",
        K::Reference(RecordKind::System),
        "The AI system this model is part of.",
    ),
    FieldDef::new(
        "supplier_id",
        "Supplier",
        K::Reference(RecordKind::Supplier),
        "Who supplies the model, when it is bought or licensed.",
    ),
    FieldDef::new(
        "training_dataset_ids",
        "Training datasets",
        K::References(RecordKind::Dataset),
        "Datasets the model was trained or fine-tuned on.",
    ),
    FieldDef::new(
        "evaluation_dataset_ids",
        "Evaluation datasets",
        K::References(RecordKind::Dataset),
        "Datasets the model was verified and validated on.",
    ),
    FieldDef::new(
        "headline_metrics",
        "Headline metrics",
        K::Metrics,
        "Named figures from the latest evaluation, one `name = value` per line.",
    ),
];

/// The editable fields of a model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelFields {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub model_type: String,
    #[serde(default)]
    pub framework: String,
    #[serde(default)]
    pub system_id: Option<Uuid>,
    #[serde(default)]
    pub supplier_id: Option<Uuid>,
    #[serde(default)]
    pub training_dataset_ids: Vec<Uuid>,
    #[serde(default)]
    pub evaluation_dataset_ids: Vec<Uuid>,
    #[serde(default)]
    pub headline_metrics: BTreeMap<String, f64>,
}

impl RecordFields for ModelFields {
    const KIND: RecordKind = RecordKind::Model;

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, 200);
        check_text(&mut e, "version", &self.version, false, 100);
        check_text(&mut e, "model_type", &self.model_type, false, 200);
        check_text(&mut e, "framework", &self.framework, false, 200);
        for field in ["training_dataset_ids", "evaluation_dataset_ids"] {
            let ids = if field == "training_dataset_ids" {
                &self.training_dataset_ids
            } else {
                &self.evaluation_dataset_ids
            };
            if ids.len() > 100 {
                e.add(field, "must have at most 100 items");
            }
        }
        if self.headline_metrics.len() > 50 {
            e.add("headline_metrics", "must have at most 50 metrics");
        }
        for (name, value) in &self.headline_metrics {
            if name.trim().is_empty() || name.chars().count() > 100 {
                e.add(
                    format!("headline_metrics.{name}"),
                    "metric names must be 1 to 100 characters",
                );
            }
            if !value.is_finite() {
                e.add(
                    format!("headline_metrics.{name}"),
                    "must be a finite number",
                );
            }
        }
        e.into_result()
    }
}

//! AI systems: what the organisation builds, buys or uses, and how it is governed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    AiRole, Criticality, EuAiActTier, FieldDef, FieldKind as K, LifecycleStage, RecordFields,
    RecordKind,
};
use crate::validation::{ValidationErrors, check_list, check_text};

pub(super) const FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "name",
        "Name",
        K::Text(200),
        "A name people in the organisation recognise.",
    )
    .required(),
    FieldDef::new(
        "description",
        "Description",
        K::LongText,
        "What the system does, in a few sentences.",
    ),
    FieldDef::new(
        "intended_purpose",
        "Intended purpose",
        K::LongText,
        "The use the system is designed and approved for, and uses it must not be put to.",
    ),
    FieldDef::new(
        "owner",
        "Owner",
        K::Text(200),
        "The person or team accountable for the system.",
    ),
    FieldDef::new(
        "ai_role",
        "Organisation's role",
        K::Choice(AiRole::CHOICES),
        "Whether the organisation develops, provides, deploys or uses the system.",
    ),
    FieldDef::new(
        "lifecycle_stage",
        "Life-cycle stage",
        K::Choice(LifecycleStage::CHOICES),
        "Where the system is in its life cycle.",
    )
    .required(),
    FieldDef::new(
        "deployment_context",
        "Deployment context",
        K::LongText,
        "Where and how the system runs: setting, users, scale, connected systems.",
    ),
    FieldDef::new(
        "affected_stakeholders",
        "Affected stakeholders",
        K::List,
        "Groups of people the system's outputs affect, one per line.",
    ),
    FieldDef::new(
        "human_oversight",
        "Human oversight",
        K::LongText,
        "Who can monitor, override or stop the system, and how.",
    ),
    FieldDef::new(
        "criticality",
        "Criticality",
        K::Choice(Criticality::CHOICES),
        "How much harm a failure could do.",
    ),
    FieldDef::new(
        "eu_ai_act_tier",
        "EU AI Act tier",
        K::Choice(EuAiActTier::CHOICES),
        "Set by the EU AI Act classification.",
    )
    .required()
    .read_only(),
];

/// The editable fields of an AI system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub intended_purpose: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub ai_role: Option<AiRole>,
    #[serde(default)]
    pub lifecycle_stage: LifecycleStage,
    #[serde(default)]
    pub deployment_context: String,
    #[serde(default)]
    pub affected_stakeholders: Vec<String>,
    #[serde(default)]
    pub human_oversight: String,
    #[serde(default)]
    pub criticality: Option<Criticality>,
    /// Read-only: set by the EU AI Act classification.
    #[serde(default)]
    #[schema(read_only)]
    pub eu_ai_act_tier: EuAiActTier,
}

impl RecordFields for SystemFields {
    const KIND: RecordKind = RecordKind::System;

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, 200);
        check_text(&mut e, "description", &self.description, false, 10_000);
        check_text(
            &mut e,
            "intended_purpose",
            &self.intended_purpose,
            false,
            10_000,
        );
        check_text(&mut e, "owner", &self.owner, false, 200);
        check_text(
            &mut e,
            "deployment_context",
            &self.deployment_context,
            false,
            10_000,
        );
        check_list(
            &mut e,
            "affected_stakeholders",
            &self.affected_stakeholders,
            100,
        );
        check_text(
            &mut e,
            "human_oversight",
            &self.human_oversight,
            false,
            10_000,
        );
        e.into_result()
    }
}

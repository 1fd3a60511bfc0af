//! Closed value sets of inventory fields. Each is an enum for code and a [`Choice`] list
//! for forms and the OpenAPI document, generated together so they cannot drift apart.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Choice;

macro_rules! choice_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        // The wire names are the snake_case variant names; a test checks they equal the
        // choice values. (Per-variant renames from a macro are invisible to the OpenAPI derive.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const CHOICES: &'static [Choice] = &[$(Choice { value: $value, label: $label }),+];

            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }
        }
    };
}

choice_enum!(
    /// The organisation's role towards an AI system (ISO/IEC 22989 AI roles, as used by the EU AI Act).
    AiRole {
        Developer = "developer": "Developer",
        Provider = "provider": "Provider",
        Deployer = "deployer": "Deployer",
        User = "user": "User",
    }
);

choice_enum!(
    /// Life-cycle stage of an AI system (Annex A.6).
    LifecycleStage {
        Concept = "concept": "Concept",
        Design = "design": "Design",
        Development = "development": "Development",
        Verification = "verification": "Verification and validation",
        Deployment = "deployment": "Deployment",
        Operation = "operation": "Operation and monitoring",
        Retired = "retired": "Retired",
    }
);

choice_enum!(
    /// How much harm a failure of the system could do; drives review depth and frequency.
    Criticality {
        Low = "low": "Low",
        Medium = "medium": "Medium",
        High = "high": "High",
        Critical = "critical": "Critical",
    }
);

choice_enum!(
    /// The EU AI Act risk tier, set by the EU AI Act classification, never by hand.
    EuAiActTier {
        Unassessed = "unassessed": "Not yet assessed",
        Prohibited = "prohibited": "Prohibited practice",
        HighRisk = "high_risk": "High-risk",
        Transparency = "transparency": "Transparency obligations",
        Minimal = "minimal": "Minimal risk",
        OutOfScope = "out_of_scope": "Out of scope",
    }
);

choice_enum!(
    /// What a supplier provides (Annex A.10).
    SupplyKind {
        Models = "models": "Models",
        Data = "data": "Data",
        Services = "services": "Services",
        Software = "software": "Software and tooling",
        Infrastructure = "infrastructure": "Compute and infrastructure",
    }
);

choice_enum!(
    /// Where the due diligence on a supplier stands.
    DueDiligenceStatus {
        NotStarted = "not_started": "Not started",
        InProgress = "in_progress": "In progress",
        Approved = "approved": "Approved",
        ApprovedWithConditions = "approved_with_conditions": "Approved with conditions",
        Rejected = "rejected": "Rejected",
    }
);

// The enums come from a macro, which cannot place `#[default]` on one variant.
#[allow(clippy::derivable_impls)]
impl Default for LifecycleStage {
    fn default() -> Self {
        LifecycleStage::Concept
    }
}

#[allow(clippy::derivable_impls)]
impl Default for EuAiActTier {
    fn default() -> Self {
        EuAiActTier::Unassessed
    }
}

#[allow(clippy::derivable_impls)]
impl Default for DueDiligenceStatus {
    fn default() -> Self {
        DueDiligenceStatus::NotStarted
    }
}

//! The risk register: one entry per identified AI risk, rated before and after treatment on
//! the organisation's matrix, with its treatment plan and, when it is retained, who accepted
//! it and until when.
//!
//! The rules that need the criteria (ratings on the matrix, which levels must be treated,
//! who may accept) live here too, so API, web forms and import apply the same ones.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::criteria::{Rating, RiskCriteria};
use crate::role::Role;
use crate::validation::{ValidationErrors, check_list, check_text};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_OWNER: usize = 200;
pub const MAX_SYSTEMS: usize = 50;
pub const MAX_SOURCES: usize = 20;
pub const MAX_PARTIES: usize = 30;
pub const MAX_ACTIONS: usize = 50;
pub const MAX_CONTROLS: usize = 30;
pub const MAX_RATIONALE: usize = 4_000;
/// How long an acceptance may run before someone has to look again.
pub const MAX_ACCEPTANCE_DAYS: i64 = 3 * 366;

/// How a risk is dealt with (ISO 31000 treatment options as ISO/IEC 23894 uses them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Change likelihood or impact with controls.
    Modify,
    /// Stop the activity that gives rise to the risk.
    Avoid,
    /// Transfer part of it: insurance, contracts, a supplier.
    Share,
    /// Keep it as it is, by an informed decision.
    Retain,
}

impl Treatment {
    pub const ALL: [Treatment; 4] = [
        Treatment::Modify,
        Treatment::Avoid,
        Treatment::Share,
        Treatment::Retain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Modify => "modify",
            Treatment::Avoid => "avoid",
            Treatment::Share => "share",
            Treatment::Retain => "retain",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Treatment::Modify => "Modify",
            Treatment::Avoid => "Avoid",
            Treatment::Share => "Share",
            Treatment::Retain => "Retain",
        }
    }
}

/// Where a treatment action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Planned,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Planned => "Planned",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Done",
            ActionStatus::Cancelled => "Cancelled",
        }
    }

    /// Still to be done: counts towards overdue.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

/// A control of a library framework that a treatment action implements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlLink {
    /// A framework id of the library, such as `iso-iec-42001-2023`.
    pub framework_id: String,
    /// The control's identifier in that framework, such as `A.7.4`.
    #[serde(rename = "ref")]
    pub control_ref: String,
}

/// One step of a risk's treatment plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TreatmentAction {
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    /// Controls this action implements; they list the risk as one they treat in the SoA.
    #[serde(default)]
    pub controls: Vec<ControlLink>,
}

/// The editable fields of a risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskFields {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The AI systems the risk concerns.
    #[serde(default)]
    pub system_ids: Vec<Uuid>,
    /// Ids from the library's risk source taxonomy, such as `fairness`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Who would be harmed, such as "Applicants for credit".
    #[serde(default)]
    pub affected_parties: Vec<String>,
    /// Likelihood and impact before treatment.
    pub inherent: Rating,
    /// Who answers for the risk: a person or a role.
    #[serde(default)]
    pub owner: String,
    /// None while the treatment is not yet decided.
    #[serde(default)]
    pub treatment: Option<Treatment>,
    #[serde(default)]
    pub actions: Vec<TreatmentAction>,
    /// Likelihood and impact expected after the treatment; none: as inherent.
    #[serde(default)]
    pub residual: Option<Rating>,
    /// When the risk is to be looked at again.
    #[serde(default)]
    pub review_due: Option<NaiveDate>,
}

/// The informed decision to keep a risk at its residual level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// The user who accepted, as the change log names them.
    pub accepted_by: String,
    /// Their role when they accepted, which the criteria allowed.
    pub role: Role,
    pub accepted_on: NaiveDate,
    pub rationale: String,
    /// The last day the acceptance holds; after it the risk needs a new decision.
    pub expires_on: NaiveDate,
    /// The residual rating that was accepted. A later change of rating voids the acceptance.
    pub rating: Rating,
}

/// A stored risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Risk {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[serde(flatten)]
    pub fields: RiskFields,
    pub acceptance: Option<Acceptance>,
}

/// Where an acceptance stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceState {
    None,
    Current,
    Expired,
}

/// A level of the matrix as the register shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LevelInfo {
    /// Index into the criteria's levels, lowest 0.
    pub index: usize,
    pub name: String,
    pub colour: String,
}

/// What the criteria and today's date say about a risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RiskStatus {
    pub inherent_level: LevelInfo,
    pub residual_level: LevelInfo,
    /// The inherent level is at or above the treatment threshold.
    pub must_treat: bool,
    pub review_overdue: bool,
    /// Open actions past their due date.
    pub overdue_actions: usize,
    pub acceptance: AcceptanceState,
}

impl RiskFields {
    /// The residual rating, or the inherent one when no residual rating was given.
    pub fn effective_residual(&self) -> Rating {
        self.residual.unwrap_or(self.inherent)
    }

    /// Every control the treatment plan links, once each, sorted.
    pub fn linked_controls(&self) -> Vec<&ControlLink> {
        let mut links: Vec<&ControlLink> = self.actions.iter().flat_map(|a| &a.controls).collect();
        links.sort();
        links.dedup();
        links
    }

    /// Rules that need no criteria: lengths, required texts, duplicates.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, true, MAX_TITLE);
        check_text(
            &mut e,
            "description",
            &self.description,
            false,
            MAX_DESCRIPTION,
        );
        check_text(&mut e, "owner", &self.owner, false, MAX_OWNER);
        if self.system_ids.len() > MAX_SYSTEMS {
            e.add(
                "system_ids",
                format!("must have at most {MAX_SYSTEMS} items"),
            );
        }
        for (i, id) in self.system_ids.iter().enumerate() {
            if self.system_ids[..i].contains(id) {
                e.add(format!("system_ids[{i}]"), format!("{id} is listed twice"));
            }
        }
        check_list(&mut e, "sources", &self.sources, MAX_SOURCES);
        for (i, source) in self.sources.iter().enumerate() {
            if self.sources[..i].contains(source) {
                e.add(
                    format!("sources[{i}]"),
                    format!("`{source}` is listed twice"),
                );
            }
        }
        check_list(
            &mut e,
            "affected_parties",
            &self.affected_parties,
            MAX_PARTIES,
        );
        if self.actions.len() > MAX_ACTIONS {
            e.add("actions", format!("must have at most {MAX_ACTIONS} items"));
        }
        for (i, action) in self.actions.iter().enumerate() {
            let field = format!("actions[{i}]");
            check_text(
                &mut e,
                &format!("{field}.title"),
                &action.title,
                true,
                MAX_TITLE,
            );
            check_text(
                &mut e,
                &format!("{field}.owner"),
                &action.owner,
                false,
                MAX_OWNER,
            );
            if action.controls.len() > MAX_CONTROLS {
                e.add(
                    format!("{field}.controls"),
                    format!("must have at most {MAX_CONTROLS} items"),
                );
            }
            for (j, link) in action.controls.iter().enumerate() {
                if action.controls[..j].contains(link) {
                    e.add(
                        format!("{field}.controls[{j}]"),
                        format!("{} {} is listed twice", link.framework_id, link.control_ref),
                    );
                }
            }
        }
        if self.treatment == Some(Treatment::Retain)
            && self.actions.iter().any(|a| a.status.is_open())
        {
            e.add(
                "treatment",
                "is retain, but open treatment actions remain: choose modify, avoid or share, or close the actions",
            );
        }
        e.into_result()
    }

    /// Rules that need the organisation's criteria: both ratings on the matrix, and a risk
    /// at or above the treatment threshold is not simply retained.
    pub fn check_criteria(&self, criteria: &RiskCriteria) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let inherent = criteria.level_of(self.inherent, "inherent");
        if let Err(errors) = &inherent {
            e.0.extend(errors.0.iter().cloned());
        }
        if let Some(residual) = self.residual {
            if let Err(errors) = criteria.level_of(residual, "residual") {
                e.0.extend(errors.0);
            } else if let Ok(inherent_level) = &inherent {
                let residual_level = criteria.cells[usize::from(residual.likelihood) - 1]
                    [usize::from(residual.impact) - 1];
                if residual_level > *inherent_level {
                    e.add(
                        "residual",
                        format!(
                            "is rated {} but the inherent risk is {}: treatment does not make a risk worse; raise the inherent rating instead",
                            criteria.levels[residual_level].name,
                            criteria.levels[*inherent_level].name
                        ),
                    );
                }
            }
        }
        if let Ok(level) = inherent
            && criteria.must_treat(level)
            && self.treatment == Some(Treatment::Retain)
        {
            e.add(
                "treatment",
                format!(
                    "a risk at level {} must be treated: choose modify, avoid or share",
                    criteria.levels[level].name
                ),
            );
        }
        e.into_result()
    }

    /// Both sets of rules, the criteria's only when the fields' own rules pass.
    pub fn check(&self, criteria: &RiskCriteria) -> Result<(), ValidationErrors> {
        self.validate()?;
        self.check_criteria(criteria)
    }
}

/// The body of an acceptance: what the accepting user states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRisk {
    pub rationale: String,
    /// The last day the acceptance holds: after today, at most three years ahead.
    pub expires_on: NaiveDate,
}

impl AcceptRisk {
    /// The acceptance `who` (holding `role`) may record today, or why not.
    pub fn decide(
        &self,
        fields: &RiskFields,
        criteria: &RiskCriteria,
        who: &str,
        role: Role,
        today: NaiveDate,
    ) -> Result<Acceptance, ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "rationale", &self.rationale, true, MAX_RATIONALE);
        if self.expires_on <= today {
            e.add("expires_on", format!("must be after today ({today})"));
        } else if (self.expires_on - today).num_days() > MAX_ACCEPTANCE_DAYS {
            e.add(
                "expires_on",
                "must be at most three years ahead: accepted risks are looked at again",
            );
        }
        if fields.actions.iter().any(|a| a.status.is_open()) {
            e.add(
                "actions",
                "open treatment actions remain: a risk is accepted once its treatment is done",
            );
        }
        let rating = fields.effective_residual();
        if let Err(errors) = criteria.check_acceptance(rating, role) {
            e.0.extend(errors.0);
        }
        e.into_result()?;
        Ok(Acceptance {
            accepted_by: who.to_owned(),
            role,
            accepted_on: today,
            rationale: self.rationale.trim().to_owned(),
            expires_on: self.expires_on,
            rating,
        })
    }
}

impl Risk {
    /// Levels, thresholds and dates as they stand on `today`. Ratings off the matrix (the
    /// criteria shrank after the risk was rated) are clamped to its edge.
    pub fn status(&self, criteria: &RiskCriteria, today: NaiveDate) -> RiskStatus {
        let level = |rating: Rating| {
            let l = usize::from(rating.likelihood.max(1)).min(criteria.cells.len()) - 1;
            let row = &criteria.cells[l];
            let i = usize::from(rating.impact.max(1)).min(row.len()) - 1;
            let index = row[i];
            let level = &criteria.levels[index];
            LevelInfo {
                index,
                name: level.name.clone(),
                colour: level.colour.clone(),
            }
        };
        let inherent_level = level(self.fields.inherent);
        RiskStatus {
            must_treat: criteria.must_treat(inherent_level.index),
            residual_level: level(self.fields.effective_residual()),
            inherent_level,
            review_overdue: self.fields.review_due.is_some_and(|d| d < today),
            overdue_actions: self
                .fields
                .actions
                .iter()
                .filter(|a| a.status.is_open() && a.due_date.is_some_and(|d| d < today))
                .count(),
            acceptance: match &self.acceptance {
                None => AcceptanceState::None,
                Some(a) if a.expires_on < today => AcceptanceState::Expired,
                Some(_) => AcceptanceState::Current,
            },
        }
    }

    /// Whether an update of the fields keeps the acceptance: only when the accepted residual
    /// rating stays and the treatment is still complete.
    pub fn acceptance_survives(&self, new: &RiskFields) -> bool {
        self.acceptance.as_ref().is_some_and(|a| {
            a.rating == new.effective_residual() && !new.actions.iter().any(|x| x.status.is_open())
        })
    }
}

/// Which rating a heat map counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Inherent,
    Residual,
}

/// Risks per cell: `counts[l][i]` for likelihood step `l` and impact step `i`, 0-based.
/// Ratings off the matrix are left out.
pub fn heat_map(criteria: &RiskCriteria, risks: &[Risk], basis: Basis) -> Vec<Vec<usize>> {
    let mut counts = vec![vec![0; criteria.impact.len()]; criteria.likelihood.len()];
    for risk in risks {
        let rating = match basis {
            Basis::Inherent => risk.fields.inherent,
            Basis::Residual => risk.fields.effective_residual(),
        };
        let (l, i) = (usize::from(rating.likelihood), usize::from(rating.impact));
        if let Some(cell) = l
            .checked_sub(1)
            .and_then(|l| counts.get_mut(l))
            .and_then(|row| i.checked_sub(1).and_then(|i| row.get_mut(i)))
        {
            *cell += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests;

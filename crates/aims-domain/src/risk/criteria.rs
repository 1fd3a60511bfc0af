//! Risk criteria (clause 6.1.1) and the pure rules of AI risk scoring: a likelihood ×
//! impact matrix of 3×3 up to 5×5, the level of each cell, the level from which a risk
//! must be treated, and which roles may accept a risk at each level.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::role::Role;
use crate::validation::{ValidationErrors, check_text};

/// One step of the likelihood or impact scale, such as "Likely" or "Severe".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleStep {
    pub label: String,
    /// What the step means in this organisation, so that two assessors pick the same one.
    #[serde(default)]
    pub description: String,
}

/// A risk level, such as "High", with the colour the heat map uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskLevel {
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// Roles that may accept a risk at this level. Empty below the treatment threshold
    /// means any role that may edit; at or above it, it must name at least one role.
    #[serde(default)]
    pub accepted_by: Vec<Role>,
}

/// An organisation's risk criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskCriteria {
    /// Lowest first.
    pub likelihood: Vec<ScaleStep>,
    /// Lowest first.
    pub impact: Vec<ScaleStep>,
    /// Lowest first.
    pub levels: Vec<RiskLevel>,
    /// `cells[l][i]` is the index into `levels` of likelihood step `l` and impact step `i`.
    pub cells: Vec<Vec<usize>>,
    /// Index into `levels`: risks at or above it must be treated, not simply retained.
    pub treat_from: usize,
}

/// A position on the matrix, 1-based as people count: likelihood 1..=n, impact 1..=m.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rating {
    pub likelihood: u8,
    pub impact: u8,
}

impl RiskCriteria {
    /// A common 5×5 matrix with four levels; what a new organisation starts from.
    pub fn default_5x5() -> RiskCriteria {
        let step = |label: &str, description: &str| ScaleStep {
            label: label.into(),
            description: description.into(),
        };
        let level = |name: &str, colour: &str, accepted_by: Vec<Role>| RiskLevel {
            name: name.into(),
            colour: colour.into(),
            accepted_by,
        };
        RiskCriteria {
            likelihood: vec![
                step("Rare", "Not expected in the system's lifetime"),
                step("Unlikely", "Could happen, has not happened here"),
                step("Possible", "Has happened in similar systems"),
                step("Likely", "Expected to happen within a year"),
                step("Almost certain", "Happens repeatedly or is happening"),
            ],
            impact: vec![
                step(
                    "Negligible",
                    "No noticeable effect on people or the organisation",
                ),
                step("Minor", "Short, easily reversed effect on a few people"),
                step("Moderate", "Reversible harm to individuals or groups"),
                step("Major", "Serious or lasting harm, or a breach of law"),
                step("Severe", "Irreversible harm to people, or harm to many"),
            ],
            levels: vec![
                level("Low", "#2da44e", vec![]),
                level("Medium", "#d4a72c", vec![]),
                level("High", "#e16f24", vec![Role::Manager, Role::Admin]),
                level("Critical", "#cf222e", vec![Role::Admin]),
            ],
            // Level grows with likelihood + impact, and severe impacts are never low.
            cells: vec![
                vec![0, 0, 1, 1, 2],
                vec![0, 1, 1, 2, 2],
                vec![1, 1, 2, 2, 3],
                vec![1, 2, 2, 3, 3],
                vec![1, 2, 3, 3, 3],
            ],
            treat_from: 2,
        }
    }

    /// Every problem with the criteria, each naming its field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        for (field, scale) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            if !(3..=5).contains(&scale.len()) {
                e.add(
                    field,
                    format!("must have 3 to 5 steps, has {}", scale.len()),
                );
            }
            for (i, step) in scale.iter().enumerate() {
                check_text(
                    &mut e,
                    &format!("{field}[{i}].label"),
                    &step.label,
                    true,
                    60,
                );
                check_text(
                    &mut e,
                    &format!("{field}[{i}].description"),
                    &step.description,
                    false,
                    500,
                );
            }
        }
        if !(2..=6).contains(&self.levels.len()) {
            e.add(
                "levels",
                format!("must have 2 to 6 levels, has {}", self.levels.len()),
            );
        }
        for (i, level) in self.levels.iter().enumerate() {
            check_text(&mut e, &format!("levels[{i}].name"), &level.name, true, 40);
            if !is_hex_colour(&level.colour) {
                e.add(
                    format!("levels[{i}].colour"),
                    "must be a colour such as #cf222e",
                );
            }
            if level.accepted_by.contains(&Role::Auditor) {
                e.add(
                    format!("levels[{i}].accepted_by"),
                    "auditors read and never change, so they cannot accept risks",
                );
            }
            if i >= self.treat_from && level.accepted_by.is_empty() {
                e.add(format!("levels[{i}].accepted_by"), "must name the roles that may accept a risk at or above the treatment threshold");
            }
        }
        if self.treat_from >= self.levels.len() {
            e.add(
                "treat_from",
                format!(
                    "must be the index of a level, 0 to {}",
                    self.levels.len().saturating_sub(1)
                ),
            );
        }
        if self.cells.len() != self.likelihood.len() {
            e.add(
                "cells",
                format!(
                    "must have one row per likelihood step ({}), has {}",
                    self.likelihood.len(),
                    self.cells.len()
                ),
            );
        }
        for (l, row) in self.cells.iter().enumerate() {
            if row.len() != self.impact.len() {
                e.add(
                    format!("cells[{l}]"),
                    format!(
                        "must have one cell per impact step ({}), has {}",
                        self.impact.len(),
                        row.len()
                    ),
                );
            }
            for (i, level) in row.iter().enumerate() {
                if *level >= self.levels.len() {
                    e.add(
                        format!("cells[{l}][{i}]"),
                        format!(
                            "must be the index of a level, 0 to {}",
                            self.levels.len().saturating_sub(1)
                        ),
                    );
                }
                // A higher likelihood or impact must never give a lower level.
                let below = l
                    .checked_sub(1)
                    .and_then(|p| self.cells.get(p))
                    .and_then(|r| r.get(i));
                let left = i.checked_sub(1).and_then(|p| row.get(p));
                if below.is_some_and(|b| b > level) || left.is_some_and(|b| b > level) {
                    e.add(
                        format!("cells[{l}][{i}]"),
                        "must not be lower than the cell of a lower likelihood or impact",
                    );
                }
            }
        }
        e.into_result()
    }

    /// The level index of a rating, or an error naming the axis that is off the matrix.
    pub fn level_of(&self, rating: Rating, field: &str) -> Result<usize, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if !(1..=self.likelihood.len()).contains(&usize::from(rating.likelihood)) {
            e.add(
                format!("{field}.likelihood"),
                format!(
                    "must be 1 to {} on this organisation's matrix",
                    self.likelihood.len()
                ),
            );
        }
        if !(1..=self.impact.len()).contains(&usize::from(rating.impact)) {
            e.add(
                format!("{field}.impact"),
                format!(
                    "must be 1 to {} on this organisation's matrix",
                    self.impact.len()
                ),
            );
        }
        e.into_result()?;
        Ok(self.cells[usize::from(rating.likelihood) - 1][usize::from(rating.impact) - 1])
    }

    /// Whether a risk at this level must be treated (modified, avoided or shared) rather
    /// than simply retained.
    pub fn must_treat(&self, level: usize) -> bool {
        level >= self.treat_from
    }

    /// Checks that `role` may accept a risk whose residual rating is `residual`.
    pub fn check_acceptance(&self, residual: Rating, role: Role) -> Result<(), ValidationErrors> {
        let level = self.level_of(residual, "residual")?;
        let allowed = &self.levels[level].accepted_by;
        let permitted = if allowed.is_empty() {
            role.allows(crate::Permission::Edit)
        } else {
            allowed.contains(&role)
        };
        if permitted {
            Ok(())
        } else {
            let who = if allowed.is_empty() {
                "a role that may edit".to_owned()
            } else {
                allowed
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            Err(ValidationErrors::single(
                "acceptance.role",
                format!(
                    "a risk at level {} may only be accepted by {who}; {} may not",
                    self.levels[level].name,
                    role.as_str()
                ),
            ))
        }
    }
}

fn is_hex_colour(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(likelihood: u8, impact: u8) -> Rating {
        Rating { likelihood, impact }
    }

    #[test]
    fn the_default_matrix_is_valid_and_scores_its_corners() {
        let m = RiskCriteria::default_5x5();
        m.validate().unwrap();
        assert_eq!(
            m.levels[m.level_of(rating(1, 1), "inherent").unwrap()].name,
            "Low"
        );
        assert_eq!(
            m.levels[m.level_of(rating(5, 5), "inherent").unwrap()].name,
            "Critical"
        );
        assert_eq!(
            m.levels[m.level_of(rating(1, 5), "inherent").unwrap()].name,
            "High",
            "a severe impact is never low, however rare"
        );
        assert!(m.must_treat(m.level_of(rating(3, 3), "inherent").unwrap()));
        assert!(!m.must_treat(m.level_of(rating(2, 2), "inherent").unwrap()));
    }

    #[test]
    fn ratings_off_the_matrix_name_the_axis() {
        let m = RiskCriteria::default_5x5();
        let err = m.level_of(rating(6, 0), "inherent").unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["inherent.likelihood", "inherent.impact"]);
        assert!(err.0[0].message.contains("1 to 5"));
    }

    #[test]
    fn acceptance_follows_the_level_of_the_residual_risk() {
        let m = RiskCriteria::default_5x5();
        // Medium: anyone who may edit.
        m.check_acceptance(rating(2, 3), Role::Contributor).unwrap();
        assert!(m.check_acceptance(rating(2, 3), Role::Auditor).is_err());
        // High: managers and admins.
        m.check_acceptance(rating(3, 3), Role::Manager).unwrap();
        let err = m
            .check_acceptance(rating(3, 3), Role::Contributor)
            .unwrap_err();
        assert_eq!(err.0[0].field, "acceptance.role");
        assert_eq!(
            err.0[0].message,
            "a risk at level High may only be accepted by manager or admin; contributor may not"
        );
        // Critical: admins only.
        assert!(m.check_acceptance(rating(5, 5), Role::Manager).is_err());
        m.check_acceptance(rating(5, 5), Role::Admin).unwrap();
    }

    #[test]
    fn a_3x3_matrix_works_and_bad_criteria_report_every_problem() {
        let mut m = RiskCriteria::default_5x5();
        m.likelihood.truncate(3);
        m.impact.truncate(3);
        m.cells = vec![vec![0, 0, 1], vec![0, 1, 2], vec![1, 2, 3]];
        m.validate().unwrap();
        assert_eq!(m.level_of(rating(3, 3), "r").unwrap(), 3);
        assert!(m.level_of(rating(4, 1), "r").is_err());

        let mut bad = RiskCriteria::default_5x5();
        bad.likelihood.truncate(2);
        bad.levels[1].colour = "yellow".into();
        bad.levels[3].accepted_by = vec![];
        bad.levels[0].accepted_by = vec![Role::Auditor];
        bad.cells[4][4] = 0;
        let err = bad.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "likelihood",
            "levels[1].colour",
            "levels[3].accepted_by",
            "levels[0].accepted_by",
            "cells",
            "cells[4][4]",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
        let mut threshold = RiskCriteria::default_5x5();
        threshold.treat_from = 9;
        assert_eq!(threshold.validate().unwrap_err().0[0].field, "treat_from");
    }
}

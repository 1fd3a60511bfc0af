//! AI system impact assessments (ISO/IEC 42001 6.1.4, 8.4, A.5.2–A.5.5): one assessment per
//! AI system and template version, drafted by a contributor and approved by a manager.
//!
//! The questions, the answer checks and the level the answers indicate come from the
//! library's templates (`aims_library::AssessmentTemplate`); this module holds the record,
//! its life cycle and the comparison of versions, which need no template.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::validation::{ValidationErrors, check_text};

/// Answers by question id.
pub type Answers = BTreeMap<String, Value>;

pub const MAX_NOTE: usize = 4_000;

/// Where an assessment is in its life: a draft is edited, an approved one is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Approved,
}

impl AssessmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "Draft",
            AssessmentStatus::Approved => "Approved",
        }
    }
}

/// One answer or rule that indicated an impact level, as the template explained it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelReason {
    pub question_id: String,
    pub level: String,
    pub text: String,
}

/// A stored impact assessment: one version for one AI system and template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImpactAssessment {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub system_id: Uuid,
    pub template_id: String,
    /// The template's own version when the assessment was last saved.
    pub template_version: String,
    /// 1 for the first assessment of the system with this template, then 2, 3…
    pub version: i64,
    pub status: AssessmentStatus,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// The impact level the answers indicate, by the template's rules.
    pub level: String,
    /// Why: every indication, highest level first.
    pub reasons: Vec<LevelReason>,
    /// When the assessment is to be repeated.
    pub review_due: Option<NaiveDate>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub approval_note: String,
    /// Risks raised from this assessment.
    pub risk_ids: Vec<Uuid>,
}

impl ImpactAssessment {
    pub fn is_draft(&self) -> bool {
        self.status == AssessmentStatus::Draft
    }

    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        self.review_due.is_some_and(|d| d < today)
    }

    /// Refuses a change of an approved assessment: re-assessing makes a new version.
    pub fn check_editable(&self) -> Result<(), ValidationErrors> {
        if self.is_draft() {
            Ok(())
        } else {
            Err(ValidationErrors::single(
                "status",
                format!(
                    "version {} is approved and cannot change; start a new version to re-assess",
                    self.version
                ),
            ))
        }
    }
}

/// An approval note's rules.
pub fn check_note(note: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    check_text(&mut errors, "note", note, false, MAX_NOTE);
    errors.into_result()
}

/// One question whose answer differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AnswerChange {
    pub question_id: String,
    /// Absent: not answered in that version.
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The answers that differ from `before` to `after`, by question id. An answer of `null`
/// counts as not answered.
pub fn compare_answers(before: &Answers, after: &Answers) -> Vec<AnswerChange> {
    let answered = |answers: &Answers, id: &str| answers.get(id).filter(|v| !v.is_null()).cloned();
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let (b, a) = (answered(before, id), answered(after, id));
            (b != a).then(|| AnswerChange {
                question_id: id.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answers(value: Value) -> Answers {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn comparison_lists_changed_added_and_removed_answers() {
        let before = answers(json!({"a": "yes", "b": 3, "c": ["x"], "d": null}));
        let after = answers(json!({"a": "yes", "b": 4, "d": "now", "e": true}));
        let changes = compare_answers(&before, &after);
        let ids: Vec<_> = changes.iter().map(|c| c.question_id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "d", "e"]);
        assert_eq!(changes[0].before, Some(json!(3)));
        assert_eq!(changes[0].after, Some(json!(4)));
        assert_eq!(changes[1].after, None);
        assert_eq!(changes[2].before, None, "null counts as not answered");
    }

    #[test]
    fn approved_versions_are_frozen_and_reviews_fall_due() {
        let now = Utc::now();
        let mut a = ImpactAssessment {
            id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            system_id: Uuid::new_v4(),
            template_id: "impact-individuals-groups".into(),
            template_version: "1".into(),
            version: 2,
            status: AssessmentStatus::Draft,
            revision: 1,
            created_at: now,
            updated_at: now,
            created_by: "sam".into(),
            updated_by: "sam".into(),
            answers: Answers::new(),
            level: "low".into(),
            reasons: vec![],
            review_due: Some("2026-01-31".parse().unwrap()),
            approved_at: None,
            approved_by: None,
            approval_note: String::new(),
            risk_ids: vec![],
        };
        a.check_editable().unwrap();
        a.status = AssessmentStatus::Approved;
        let err = a.check_editable().unwrap_err();
        assert_eq!(err.0[0].field, "status");
        assert!(err.0[0].message.contains("version 2 is approved"));
        assert!(a.review_overdue("2026-02-01".parse().unwrap()));
        assert!(!a.review_overdue("2026-01-31".parse().unwrap()));
        assert!(check_note(&"x".repeat(MAX_NOTE + 1)).is_err());
    }
}

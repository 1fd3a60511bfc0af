//! The `aims-assessment-template/1` format: the questionnaire of an AI system impact
//! assessment (ISO/IEC 42001 6.1.4, 8.4 and A.5), and the pure functions that check a set of
//! answers against it and derive the impact level the answers indicate.
//!
//! A template declares its impact levels, lowest first. Options, scale thresholds, yes/no
//! questions and rules may each indicate a level; the level of an assessment is the highest
//! one indicated, and every indication is returned as a [`Reason`] so that the result can be
//! explained. See `docs/library-format.md`.

pub(crate) mod decode;

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decode::MAX_TEXT;

pub const TEMPLATE_FORMAT: &str = "aims-assessment-template/1";
/// Most questions in one template, over all its sections.
pub const MAX_QUESTIONS: usize = 500;
/// Most options of one choice question.
pub const MAX_OPTIONS: usize = 50;
/// Most impact levels a template declares.
pub const MAX_LEVELS: usize = 10;
/// Most rules in one template.
pub const MAX_RULES: usize = 500;
/// Largest `max - min` of a scale: more steps than this cannot be told apart by people.
pub const MAX_SCALE_SPAN: i64 = 10;

/// Answers to a template: question id → answer. A text or single-choice answer is a string,
/// a yes/no answer a boolean, a multiple-choice answer a list of option values, a scale
/// answer an integer. `null` counts as not answered.
pub type Answers = BTreeMap<String, serde_json::Value>;

/// An impact assessment questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentTemplate {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// Which systems or situations the template is meant for, in a few words.
    pub applies_to: Option<String>,
    /// Impact level names, lowest first.
    pub levels: Vec<String>,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The name the answer-checking functions are usually called by.
pub type Template = AssessmentTemplate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique in the template, across sections.
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
    /// Help for the person answering: what to consider, what a good answer holds.
    pub guidance: Option<String>,
    /// Whether the assessment is incomplete without an answer.
    pub required: bool,
    /// The choices of a `single_choice` or `multiple_choice` question; empty otherwise.
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// The range of a `scale` question; `None` otherwise.
    pub scale: Option<Scale>,
    /// For a `yes_no` question: the level a "yes" indicates.
    pub level_if_yes: Option<String>,
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    SingleChoice,
    MultipleChoice,
    Scale,
    YesNo,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 5] = [
        QuestionKind::Text,
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
        QuestionKind::Scale,
        QuestionKind::YesNo,
    ];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::Scale => "scale",
            QuestionKind::YesNo => "yes_no",
        }
    }

    pub fn parse(text: &str) -> Option<QuestionKind> {
        QuestionKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// "text, single_choice, …": for messages that list the allowed values.
    pub fn allowed() -> String {
        QuestionKind::ALL.map(QuestionKind::as_str).join(", ")
    }

    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }
}

impl fmt::Display for QuestionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One choice of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// What an answer holds: a slug, unique in the question.
    pub value: String,
    /// What people read.
    pub label: String,
    /// The impact level choosing this option indicates.
    pub level: Option<String>,
}

/// The range of a scale question, and the levels its values indicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    /// Names of some or all values, in increasing order of value.
    #[serde(default)]
    pub labels: Vec<ScaleLabel>,
    /// An answer of at least `at_least` indicates `level`.
    #[serde(default)]
    pub level_from: Vec<Threshold>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleLabel {
    pub value: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub at_least: i64,
    pub level: String,
}

/// When every condition holds, the assessment is at least at `level`, for `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub when: Vec<Condition>,
    pub level: String,
    pub reason: String,
}

/// A test of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question: String,
    #[serde(flatten)]
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// A single-choice answer is this option value, or a yes/no answer is this boolean.
    Equals(Expected),
    /// A multiple-choice answer lists this option value.
    Includes(String),
    /// A scale answer is at least this.
    AtLeast(i64),
}

/// What an `equals` test compares with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expected {
    Bool(bool),
    Value(String),
}

/// One answer that does not fit its question, or a key that names no question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerProblem {
    /// The question id, or the unknown key.
    pub question: String,
    /// What was expected, and what was found.
    pub message: String,
}

impl fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.question, self.message)
    }
}

/// The impact level that a set of answers indicates, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The highest level indicated, or the template's lowest when none is.
    pub level: String,
    /// Every indication, highest level first, then in template order (questions, then
    /// rules): the reasons at `level` are the ones that decided it.
    pub reasons: Vec<Reason>,
}

/// One answer, or one rule, that indicates a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The question answered; for a rule, the question of its first condition.
    pub question_id: String,
    pub level: String,
    /// The answer that indicated the level, or the rule's reason.
    pub text: String,
    /// The position of the rule in `rules`, when a rule gave this reason.
    pub rule: Option<usize>,
}

impl AssessmentTemplate {
    /// Every question, section after section.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// 0 for the lowest level; `None` for a name that is not a level of this template.
    pub fn level_rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == level)
    }

    /// The level of an assessment that nothing raised.
    pub fn lowest_level(&self) -> &str {
        self.levels.first().map(String::as_str).unwrap_or_default()
    }

    /// Every answer that does not fit its question (wrong type, unknown option value, scale
    /// value out of range) and every key that names no question: questions in template
    /// order, then unknown keys in key order. Unanswered questions are not problems here;
    /// see [`missing_required`](Self::missing_required).
    pub fn check_answers(&self, answers: &Answers) -> Vec<AnswerProblem> {
        let mut problems = Vec::new();
        for question in self.questions() {
            if let Some(answer) = answers.get(&question.id)
                && let Err(message) = question.check_answer(answer)
            {
                problems.push(AnswerProblem {
                    question: question.id.clone(),
                    message,
                });
            }
        }
        // Answers come from outside and may hold many keys: look ids up in a set.
        let ids: HashSet<&str> = self.questions().map(|q| q.id.as_str()).collect();
        for key in answers.keys() {
            if !ids.contains(key.as_str()) {
                problems.push(AnswerProblem {
                    question: key.clone(),
                    message: format!("no question of template `{}` has this id", self.id),
                });
            }
        }
        problems
    }

    /// Required questions without an answer: missing, `null`, a blank string or an empty
    /// list. `false` is an answer.
    pub fn missing_required(&self, answers: &Answers) -> Vec<&Question> {
        self.questions()
            .filter(|q| q.required && answers.get(&q.id).is_none_or(is_blank))
            .collect()
    }

    /// The impact level the answers indicate, and the reasons. Answers that
    /// [`check_answers`](Self::check_answers) would refuse are ignored.
    pub fn evaluate(&self, answers: &Answers) -> Outcome {
        let valid: BTreeMap<&str, &serde_json::Value> = self
            .questions()
            .filter_map(|q| {
                let answer = answers.get(&q.id)?;
                (!is_blank(answer) && q.check_answer(answer).is_ok())
                    .then_some((q.id.as_str(), answer))
            })
            .collect();
        let mut reasons = Vec::new();
        for question in self.questions() {
            if let Some(answer) = valid.get(question.id.as_str()) {
                question.indications(answer, &self.levels, &mut reasons);
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let holds = |c: &Condition| c.holds(valid.get(c.question.as_str()).copied());
            if let Some(first) = rule.when.first()
                && rule.when.iter().all(holds)
            {
                reasons.push(Reason {
                    question_id: first.question.clone(),
                    level: rule.level.clone(),
                    text: rule.reason.clone(),
                    rule: Some(i),
                });
            }
        }
        // A level the template does not declare cannot come from a loaded template, only from
        // one built by hand: drop it rather than guess where it ranks.
        reasons.retain(|r| self.level_rank(&r.level).is_some());
        reasons.sort_by_key(|r| std::cmp::Reverse(self.level_rank(&r.level)));
        let level = reasons
            .first()
            .map(|r| r.level.clone())
            .unwrap_or_else(|| self.lowest_level().to_owned());
        Outcome { level, reasons }
    }
}

impl Condition {
    /// Whether an answer passes the test; no answer passes none.
    fn holds(&self, answer: Option<&serde_json::Value>) -> bool {
        let Some(answer) = answer else {
            return false;
        };
        match &self.test {
            Test::Equals(Expected::Bool(expected)) => answer.as_bool() == Some(*expected),
            Test::Equals(Expected::Value(expected)) => answer.as_str() == Some(expected),
            Test::Includes(expected) => answer
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(expected))),
            Test::AtLeast(min) => answer.as_i64().is_some_and(|n| n >= *min),
        }
    }
}

/// Not an answer: `null`, a blank string, an empty list.
fn is_blank(answer: &serde_json::Value) -> bool {
    match answer {
        serde_json::Value::Null => true,
        serde_json::Value::String(text) => text.trim().is_empty(),
        serde_json::Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// "a string", "a list"…: what a JSON value is, for "expected X, found Y".
fn describe(answer: &serde_json::Value) -> &'static str {
    match answer {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

impl Question {
    pub fn option(&self, value: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.value == value)
    }

    /// "a, b, c": the option values, for messages.
    fn values(&self) -> String {
        self.options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether an answer fits this question; the error says what was expected. `null` fits
    /// every question: it means "not answered".
    pub fn check_answer(&self, answer: &serde_json::Value) -> Result<(), String> {
        if answer.is_null() {
            return Ok(());
        }
        let found = describe(answer);
        match self.kind {
            QuestionKind::Text => match answer.as_str() {
                Some(text) => {
                    let chars = text.chars().count();
                    if chars > MAX_TEXT {
                        Err(format!(
                            "expected at most {MAX_TEXT} characters, found {chars}"
                        ))
                    } else {
                        Ok(())
                    }
                }
                None => Err(format!("expected a string, found {found}")),
            },
            QuestionKind::SingleChoice => match answer.as_str() {
                Some(value) if self.option(value).is_some() => Ok(()),
                Some(value) => Err(format!(
                    "`{value}` is not an option; expected one of: {}",
                    self.values()
                )),
                None => Err(format!("expected one of: {}; found {found}", self.values())),
            },
            QuestionKind::MultipleChoice => {
                let Some(items) = answer.as_array() else {
                    return Err(format!(
                        "expected a list of values from: {}; found {found}",
                        self.values()
                    ));
                };
                let mut seen = Vec::new();
                for item in items {
                    let Some(value) = item.as_str() else {
                        return Err(format!(
                            "expected a list of values from: {}; found {} in the list",
                            self.values(),
                            describe(item)
                        ));
                    };
                    if self.option(value).is_none() {
                        return Err(format!(
                            "`{value}` is not an option; expected values from: {}",
                            self.values()
                        ));
                    }
                    if seen.contains(&value) {
                        return Err(format!("`{value}` is listed twice"));
                    }
                    seen.push(value);
                }
                Ok(())
            }
            QuestionKind::Scale => {
                let (min, max) = self.scale.as_ref().map_or((0, 0), |s| (s.min, s.max));
                match answer.as_i64() {
                    Some(n) if (min..=max).contains(&n) => Ok(()),
                    Some(n) => Err(format!(
                        "expected an integer from {min} to {max}, found {n}"
                    )),
                    None => Err(format!(
                        "expected an integer from {min} to {max}, found {found}"
                    )),
                }
            }
            QuestionKind::YesNo => match answer {
                serde_json::Value::Bool(_) => Ok(()),
                _ => Err(format!("expected true (yes) or false (no), found {found}")),
            },
        }
    }

    /// The levels a valid, non-blank answer indicates; `levels` are the template's.
    fn indications(&self, answer: &serde_json::Value, levels: &[String], out: &mut Vec<Reason>) {
        let mut push = |level: &str, text: String| {
            out.push(Reason {
                question_id: self.id.clone(),
                level: level.to_owned(),
                text,
                rule: None,
            });
        };
        match self.kind {
            QuestionKind::Text => {}
            QuestionKind::SingleChoice => {
                if let Some(option) = answer.as_str().and_then(|v| self.option(v))
                    && let Some(level) = &option.level
                {
                    push(level, format!("answered “{}”", option.label));
                }
            }
            QuestionKind::MultipleChoice => {
                for value in answer.as_array().into_iter().flatten() {
                    if let Some(option) = value.as_str().and_then(|v| self.option(v))
                        && let Some(level) = &option.level
                    {
                        push(level, format!("selected “{}”", option.label));
                    }
                }
            }
            QuestionKind::Scale => {
                if let (Some(scale), Some(n)) = (&self.scale, answer.as_i64()) {
                    // The reached threshold with the highest level; the first one on a tie.
                    let rank = |level: &str| levels.iter().position(|l| l == level);
                    let mut reached: Option<&Threshold> = None;
                    for threshold in scale.level_from.iter().filter(|t| n >= t.at_least) {
                        if reached.is_none_or(|r| rank(&threshold.level) > rank(&r.level)) {
                            reached = Some(threshold);
                        }
                    }
                    if let Some(threshold) = reached {
                        let label = scale
                            .labels
                            .iter()
                            .find(|l| l.value == n)
                            .map(|l| format!(" ({})", l.label))
                            .unwrap_or_default();
                        push(
                            &threshold.level,
                            format!("answered {n}{label}, at least {}", threshold.at_least),
                        );
                    }
                }
            }
            QuestionKind::YesNo => {
                if answer.as_bool() == Some(true)
                    && let Some(level) = &self.level_if_yes
                {
                    push(level, "answered yes".to_owned());
                }
            }
        }
    }
}

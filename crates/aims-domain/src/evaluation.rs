//! Evaluations kept as evidence (A.6.2.4 verification and validation, A.7.4 data quality,
//! 9.1 monitoring): the full result of a fairness or drift evaluation of an AI system, with
//! the SHA-256 and size of each input file, the parameters and the tool version, so that
//! anyone holding the same files can re-run it and compare.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::validation::{ValidationErrors, check_text};

/// Largest result kept, as JSON text: a drift report of a few hundred columns fits easily.
pub const MAX_RESULT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    Fairness,
    Drift,
}

impl EvaluationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationKind::Fairness => "fairness",
            EvaluationKind::Drift => "drift",
        }
    }
}

/// The outcome an evaluation's thresholds gave, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Warn,
    Alarm,
}

/// One input file, identified by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// The file's name as given, for people; the hash identifies it.
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// What is stored of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluation {
    pub kind: EvaluationKind,
    pub inputs: Vec<InputFile>,
    /// The parameters the evaluation ran with (columns, thresholds, bins…).
    #[schema(value_type = Object)]
    pub parameters: Value,
    /// The tool and version that computed the result, such as `aims 0.1.0`.
    pub tool_version: String,
    /// The full result as the tool printed it with `--format json`.
    #[schema(value_type = Object)]
    pub result: Value,
    /// The worst verdict of the result, where its thresholds give one.
    #[serde(default)]
    pub verdict: Option<Verdict>,
}

/// A stored evaluation. Evaluations are evidence: they are added, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub system_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(flatten)]
    pub fields: NewEvaluation,
}

impl NewEvaluation {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.inputs.is_empty() {
            e.add("inputs", "must name at least one input file");
        }
        let inputs_expected = match self.kind {
            EvaluationKind::Fairness => 1,
            EvaluationKind::Drift => 2,
        };
        if !self.inputs.is_empty() && self.inputs.len() != inputs_expected {
            e.add(
                "inputs",
                format!(
                    "a {} evaluation has {inputs_expected} input file(s), got {}",
                    self.kind.as_str(),
                    self.inputs.len()
                ),
            );
        }
        for (i, input) in self.inputs.iter().enumerate() {
            check_text(&mut e, &format!("inputs[{i}].name"), &input.name, true, 500);
            let hex = input.sha256.len() == 64
                && input
                    .sha256
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if !hex {
                e.add(
                    format!("inputs[{i}].sha256"),
                    "must be 64 lower-case hexadecimal characters",
                );
            }
        }
        if !self.parameters.is_object() {
            e.add("parameters", "must be a JSON object");
        }
        check_text(&mut e, "tool_version", &self.tool_version, true, 100);
        match &self.result {
            Value::Object(_) => {
                if self.result.to_string().len() > MAX_RESULT_BYTES {
                    e.add(
                        "result",
                        format!("must be at most {MAX_RESULT_BYTES} bytes of JSON"),
                    );
                }
            }
            _ => e.add("result", "must be a JSON object"),
        }
        e.into_result()
    }
}

/// The worst verdict of a drift report's columns (`columns[].verdict`).
pub fn drift_verdict(result: &Value) -> Option<Verdict> {
    result["columns"]
        .as_array()?
        .iter()
        .filter_map(|c| serde_json::from_value::<Verdict>(c["verdict"].clone()).ok())
        .max()
}

/// A fairness report's verdict from its four-fifths rule: `fail` is an alarm, `pass` ok.
pub fn fairness_verdict(result: &Value) -> Option<Verdict> {
    match result["four_fifths"]["verdict"].as_str()? {
        "pass" => Some(Verdict::Ok),
        "fail" => Some(Verdict::Alarm),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn drift() -> NewEvaluation {
        NewEvaluation {
            kind: EvaluationKind::Drift,
            inputs: vec![
                InputFile {
                    name: "train.csv".into(),
                    sha256: "a".repeat(64),
                    bytes: 10,
                },
                InputFile {
                    name: "today.csv".into(),
                    sha256: "b".repeat(64),
                    bytes: 12,
                },
            ],
            parameters: json!({"bins": 10}),
            tool_version: "aims 0.1.0".into(),
            result: json!({"columns": [{"verdict": "ok"}, {"verdict": "alarm"}, {"verdict": "warn"}]}),
            verdict: None,
        }
    }

    #[test]
    fn the_worst_column_gives_the_verdict() {
        assert_eq!(drift_verdict(&drift().result), Some(Verdict::Alarm));
        assert_eq!(drift_verdict(&json!({"columns": []})), None);
        let fairness = |v: &str| fairness_verdict(&json!({"four_fifths": {"verdict": v}}));
        assert_eq!(fairness("fail"), Some(Verdict::Alarm));
        assert_eq!(fairness("pass"), Some(Verdict::Ok));
        assert_eq!(fairness("undefined"), None);
        drift().validate().unwrap();
    }

    #[test]
    fn inputs_hashes_and_results_are_checked() {
        let mut bad = drift();
        bad.inputs.pop();
        bad.inputs[0].sha256 = "XYZ".into();
        bad.result = json!([1, 2]);
        bad.parameters = json!("bins=10");
        let err = bad.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["inputs", "inputs[0].sha256", "parameters", "result"]
        );
    }
}

//! AI decision events (A.6.2.8 event logs): what a system decided, when, with which model
//! version and score, for which groups, and — later — what the truth turned out to be.
//!
//! Events arrive in batches, as a JSON array or as NDJSON. A batch is all or nothing:
//! every problem is reported with the event's position (`[3].score`, or `line 4: score`
//! for NDJSON) and nothing of a bad batch is stored.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::validation::ValidationErrors;

/// Most events one batch may hold.
pub const MAX_BATCH: usize = 10_000;
/// Longest text of an id, model version, input reference or hash.
const MAX_TEXT: usize = 200;
/// Most group attributes one event may carry.
const MAX_GROUPS: usize = 16;

/// The fields an event may have; anything else is refused so a typo is not silently lost.
const FIELDS: &[&str] = &[
    "id",
    "time",
    "model_version",
    "decision",
    "score",
    "ground_truth",
    "groups",
    "input_ref",
    "input_hash",
    "human_override",
];

/// One decision event, checked. Its JSON form ([`DecisionEvent::state`]) is what the
/// ledger hashes and the API returns.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionEvent {
    /// The caller's id for the event, unique per system; assigned when absent (the server
    /// assigns time-ordered UUIDs, version 7).
    pub id: String,
    /// The id was assigned by `new_id` (a fresh UUID), not given: it cannot already be in
    /// the log, so the store need not look for it.
    pub id_assigned: bool,
    pub time: DateTime<Utc>,
    pub model_version: Option<String>,
    /// The output or decision: text, number or boolean.
    pub decision: Value,
    pub score: Option<f64>,
    pub ground_truth: Option<Value>,
    /// Attributes of the person or case for fairness monitoring, such as `skin_tone`.
    pub groups: Map<String, Value>,
    /// A reference to the input (never the personal data itself).
    pub input_ref: Option<String>,
    pub input_hash: Option<String>,
    pub human_override: bool,
}

impl DecisionEvent {
    /// The canonical JSON of the event: absent optional fields are left out, times are
    /// RFC 3339 UTC with microseconds.
    pub fn state(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(self.id.clone()));
        map.insert(
            "time".into(),
            Value::String(self.time.to_rfc3339_opts(SecondsFormat::Micros, true)),
        );
        if let Some(v) = &self.model_version {
            map.insert("model_version".into(), Value::String(v.clone()));
        }
        map.insert("decision".into(), self.decision.clone());
        if let Some(score) = self.score {
            map.insert("score".into(), Value::from(score));
        }
        if let Some(truth) = &self.ground_truth {
            map.insert("ground_truth".into(), truth.clone());
        }
        if !self.groups.is_empty() {
            map.insert("groups".into(), Value::Object(self.groups.clone()));
        }
        if let Some(v) = &self.input_ref {
            map.insert("input_ref".into(), Value::String(v.clone()));
        }
        if let Some(v) = &self.input_hash {
            map.insert("input_hash".into(), Value::String(v.clone()));
        }
        map.insert("human_override".into(), Value::Bool(self.human_override));
        Value::Object(map)
    }

    /// Reads an event back from its stored state.
    pub fn from_state(state: &Value) -> Result<DecisionEvent, ValidationErrors> {
        parse_event(state, "", &mut || String::new())
    }
}

/// What an accepted batch added to the system's log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppendedBatch {
    pub accepted: usize,
    /// Seq of the first and last entry written, in the system's decision log.
    pub first_seq: u64,
    pub last_seq: u64,
    /// The events' ids, in the order given (assigned ones included).
    pub ids: Vec<String>,
    /// The log's size and Merkle root after the batch.
    pub tree_size: u64,
    pub root_hash: String,
}

/// Where an event sits in its batch, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    /// A JSON array: errors say `[index].field`.
    JsonArray,
    /// One event per line: errors say `line N: field`.
    NdJson,
}

/// Parses a batch body. `new_id` assigns ids to events that have none.
pub fn parse_batch(
    body: &[u8],
    format: BatchFormat,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Vec<DecisionEvent>, ValidationErrors> {
    let values: Vec<(String, Value)> = match format {
        BatchFormat::JsonArray => {
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                ValidationErrors::single(
                    "body",
                    format!(
                        "is not valid JSON (line {}, column {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            let Value::Array(items) = value else {
                return Err(ValidationErrors::single(
                    "body",
                    "must be a JSON array of decision events (or NDJSON with Content-Type application/x-ndjson)",
                ));
            };
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("[{i}]."), v))
                .collect()
        }
        BatchFormat::NdJson => {
            let text = std::str::from_utf8(body)
                .map_err(|e| ValidationErrors::single("body", format!("is not UTF-8: {e}")))?;
            let mut values = Vec::new();
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(line).map_err(|e| {
                    ValidationErrors::single(
                        format!("line {}", index + 1),
                        format!(
                            "is not valid JSON (column {}): {e}; nothing of the batch was stored",
                            e.column()
                        ),
                    )
                })?;
                values.push((format!("line {}: ", index + 1), value));
            }
            values
        }
    };
    if values.is_empty() {
        return Err(ValidationErrors::single("body", "holds no decision events"));
    }
    if values.len() > MAX_BATCH {
        return Err(ValidationErrors::single(
            "body",
            format!(
                "holds {} events; a batch may hold at most {MAX_BATCH}",
                values.len()
            ),
        ));
    }
    let mut errors = ValidationErrors::new();
    let mut events = Vec::with_capacity(values.len());
    let mut seen = std::collections::HashSet::new();
    for (prefix, value) in &values {
        let given_id = value.get("id").and_then(Value::as_str);
        let parsed = parse_event(value, prefix, new_id);
        if let Some(id) = given_id
            && !seen.insert(id.to_owned())
        {
            errors.add(
                format!("{prefix}id"),
                format!("`{id}` appears twice in this batch"),
            );
        }
        match parsed {
            Ok(event) => events.push(event),
            Err(e) => errors.0.extend(e.0),
        }
        // A thousand bad events need not be listed one by one.
        if errors.0.len() >= 100 {
            break;
        }
    }
    errors.into_result()?;
    Ok(events)
}

fn parse_event(
    value: &Value,
    prefix: &str,
    new_id: &mut dyn FnMut() -> String,
) -> Result<DecisionEvent, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let field = |name: &str| format!("{prefix}{name}");
    let Value::Object(map) = value else {
        return Err(ValidationErrors::single(
            prefix.trim_end_matches(['.', ' ', ':']),
            "must be a JSON object (a decision event)",
        ));
    };
    for key in map.keys() {
        if !FIELDS.contains(&key.as_str()) {
            errors.add(
                field(key),
                format!(
                    "is not a field of a decision event (expected one of {})",
                    FIELDS.join(", ")
                ),
            );
        }
    }
    let text = |errors: &mut ValidationErrors, name: &str| -> Option<String> {
        match map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                errors.add(field(name), "must not be empty");
                None
            }
            Some(Value::String(s)) if s.chars().count() > MAX_TEXT => {
                errors.add(
                    field(name),
                    format!("must be at most {MAX_TEXT} characters"),
                );
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.add(field(name), "must be a string");
                None
            }
        }
    };
    let id = text(&mut errors, "id");
    let model_version = text(&mut errors, "model_version");
    let input_ref = text(&mut errors, "input_ref");
    let input_hash = text(&mut errors, "input_hash");
    let time = match map.get("time") {
        Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                errors.add(
                    field("time"),
                    format!("must be an RFC 3339 time with a zone, such as 2026-01-31T09:30:00Z, got `{s}`"),
                );
                None
            }
        },
        None | Some(Value::Null) => {
            errors.add(field("time"), "is required");
            None
        }
        Some(_) => {
            errors.add(field("time"), "must be a string (an RFC 3339 time)");
            None
        }
    };
    let mut scalar = |name: &str, required: bool| -> Option<Value> {
        match map.get(name) {
            None | Some(Value::Null) => {
                if required {
                    errors.add(field(name), "is required");
                }
                None
            }
            Some(v @ (Value::String(_) | Value::Bool(_))) => Some(v.clone()),
            Some(Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => {
                Some(Value::Number(n.clone()))
            }
            Some(_) => {
                errors.add(field(name), "must be a string, a number or true/false");
                None
            }
        }
    };
    let decision = scalar("decision", true);
    let ground_truth = scalar("ground_truth", false);
    let score = match map.get("score") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        Some(_) => {
            errors.add(field("score"), "must be a number");
            None
        }
    };
    let human_override = match map.get("human_override") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.add(field("human_override"), "must be true or false");
            false
        }
    };
    let groups = match map.get("groups") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(groups)) => {
            if groups.len() > MAX_GROUPS {
                errors.add(
                    field("groups"),
                    format!("may hold at most {MAX_GROUPS} attributes"),
                );
            }
            for (name, value) in groups {
                let ok_name = !name.is_empty() && name.chars().count() <= 100;
                let ok_value = matches!(value, Value::String(s) if s.chars().count() <= MAX_TEXT);
                if !ok_name || !ok_value {
                    errors.add(
                        field(&format!("groups.{name}")),
                        "group attributes map a name (1 to 100 characters) to a string of at most 200 characters",
                    );
                }
            }
            groups.clone()
        }
        Some(_) => {
            errors.add(
                field("groups"),
                "must be an object such as {\"skin_tone\": \"V\"}",
            );
            Map::new()
        }
    };
    errors.into_result()?;
    Ok(DecisionEvent {
        id_assigned: id.is_none(),
        id: id.unwrap_or_else(new_id),
        time: time.expect("checked above"),
        model_version,
        decision: decision.expect("checked above"),
        score,
        ground_truth,
        groups,
        input_ref,
        input_hash,
        human_override,
    })
}

/// Checks a ground truth given later (`PATCH`): the same rules as in an event.
pub fn parse_ground_truth(value: &Value) -> Result<Value, ValidationErrors> {
    match value {
        Value::String(_) | Value::Bool(_) => Ok(value.clone()),
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(value.clone()),
        _ => Err(ValidationErrors::single(
            "ground_truth",
            "must be a string, a number or true/false",
        )),
    }
}

/// The fixed columns of a decision export, before one `group.<name>` column per group
/// attribute found in the exported events.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "time",
    "model_version",
    "decision",
    "score",
    "ground_truth",
    "human_override",
    "input_ref",
    "input_hash",
];

/// The JSON type shared by every value of a column whose values may be text, numbers or
/// booleans (`decision`, `ground_truth`): a typed export gives the column that type, and
/// falls back to text when the values differ in type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ValueKind {
    /// No value seen (an empty window, or no ground truth yet).
    #[default]
    Absent,
    Bool,
    /// Whole numbers that fit in 64 bits. Stored events hold a whole number without a
    /// fraction, so `1.0` sent by a caller counts here.
    Integer,
    /// Numbers with a fraction.
    Float,
    /// Text, or values of different types: each as its text in the CSV export.
    Text,
}

impl ValueKind {
    /// The kind of one value; `None` for a null.
    pub fn of(value: &Value) -> Option<ValueKind> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(_) => ValueKind::Bool,
            Value::Number(n) if n.is_i64() => ValueKind::Integer,
            Value::Number(n) if n.is_f64() => ValueKind::Float,
            _ => ValueKind::Text,
        })
    }

    /// The kind of a column that holds values of both kinds.
    pub fn merge(self, other: ValueKind) -> ValueKind {
        match (self, other) {
            (ValueKind::Absent, kind) | (kind, ValueKind::Absent) => kind,
            (a, b) if a == b => a,
            _ => ValueKind::Text,
        }
    }
}

/// What a decision export's columns are, found in a first pass over the events: the group
/// attributes (a column each, sorted by name) and the kinds of the open-typed columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportLayout {
    pub groups: std::collections::BTreeSet<String>,
    pub decision: ValueKind,
    pub ground_truth: ValueKind,
}

impl ExportLayout {
    /// Takes one event's stored state into account.
    pub fn observe(&mut self, state: &Value) {
        if let Some(map) = state.get("groups").and_then(Value::as_object) {
            self.groups.extend(map.keys().cloned());
        }
        let kind = |name: &str| state.get(name).and_then(ValueKind::of);
        if let Some(kind) = kind("decision") {
            self.decision = self.decision.merge(kind);
        }
        if let Some(kind) = kind("ground_truth") {
            self.ground_truth = self.ground_truth.merge(kind);
        }
    }

    /// The group attribute names, in column order.
    pub fn group_names(&self) -> Vec<String> {
        self.groups.iter().cloned().collect()
    }
}

/// The header line of a decision export (with its line break).
pub fn csv_header(groups: &[String]) -> String {
    let mut fields: Vec<String> = CSV_COLUMNS.iter().map(|c| csv_field(c)).collect();
    fields.extend(groups.iter().map(|g| csv_field(&group_column(g))));
    fields.join(",") + "\n"
}

/// The export column of a group attribute.
pub fn group_column(name: &str) -> String {
    format!("group.{name}")
}

/// A value as the text a decision export holds for it; `None` for an absent value.
pub fn cell_text(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// One event as a line of a decision export (RFC 4180 quoting; absent values empty).
pub fn csv_row(state: &Value, groups: &[String]) -> String {
    let cell = |value: Option<&Value>| cell_text(value).map_or_else(String::new, |t| csv_field(&t));
    let mut fields: Vec<String> = CSV_COLUMNS.iter().map(|c| cell(state.get(*c))).collect();
    fields.extend(
        groups
            .iter()
            .map(|g| cell(state.get("groups").and_then(|m| m.get(g)))),
    );
    fields.join(",") + "\n"
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("gen-{n}")
        }
    }

    #[test]
    fn a_json_array_batch_is_parsed_and_ids_are_assigned() {
        let body = json!([
            {"time": "2026-03-01T10:00:00+01:00", "decision": "person", "score": 0.91,
             "groups": {"skin_tone": "V"}, "model_version": "3.1"},
            {"id": "e-2", "time": "2026-03-01T09:00:01Z", "decision": true, "human_override": true},
        ])
        .to_string();
        let events = parse_batch(body.as_bytes(), BatchFormat::JsonArray, &mut ids()).unwrap();
        assert_eq!(events[0].id, "gen-1");
        assert_eq!(events[1].id, "e-2");
        assert!(events[0].id_assigned && !events[1].id_assigned);
        assert_eq!(
            events[0].state(),
            json!({"id": "gen-1", "time": "2026-03-01T09:00:00.000000Z", "model_version": "3.1",
                   "decision": "person", "score": 0.91, "groups": {"skin_tone": "V"},
                   "human_override": false})
        );
        // Read back from the log, the id is a given one.
        assert_eq!(
            DecisionEvent::from_state(&events[0].state()).unwrap(),
            DecisionEvent {
                id_assigned: false,
                ..events[0].clone()
            }
        );
    }

    #[test]
    fn csv_rows_quote_what_needs_quoting_and_leave_absent_values_empty() {
        let groups = vec!["skin_tone".to_owned(), "region".to_owned()];
        assert_eq!(
            csv_header(&groups),
            "id,time,model_version,decision,score,ground_truth,human_override,input_ref,input_hash,group.skin_tone,group.region\n"
        );
        let state = json!({"id": "a,1", "time": "2026-03-01T09:00:00.000000Z", "decision": "say \"hi\"",
                           "score": 0.5, "human_override": false, "groups": {"skin_tone": "V"}});
        assert_eq!(
            csv_row(&state, &groups),
            "\"a,1\",2026-03-01T09:00:00.000000Z,,\"say \"\"hi\"\"\",0.5,,false,,,V,\n"
        );
    }

    #[test]
    fn an_export_layout_finds_groups_and_the_common_type_of_open_columns() {
        let mut layout = ExportLayout::default();
        layout.observe(&json!({"decision": true, "ground_truth": 1, "groups": {"b": "x"}}));
        layout.observe(&json!({"decision": false, "groups": {"a": "y"}}));
        assert_eq!(layout.group_names(), ["a", "b"]);
        assert_eq!(
            (layout.decision, layout.ground_truth),
            (ValueKind::Bool, ValueKind::Integer)
        );
        layout.observe(&json!({"decision": "maybe", "ground_truth": 0.5}));
        assert_eq!(
            (layout.decision, layout.ground_truth),
            (ValueKind::Text, ValueKind::Text),
            "values of different types are text"
        );
        assert_eq!(ValueKind::of(&json!(null)), None);
        assert_eq!(ValueKind::of(&json!(u64::MAX)), Some(ValueKind::Text));
    }

    #[test]
    fn a_bad_ndjson_line_rejects_the_batch_naming_the_line() {
        let body = "{\"time\": \"2026-03-01T10:00:00Z\", \"decision\": 1}\n\n{\"time\": oops}\n";
        let err = parse_batch(body.as_bytes(), BatchFormat::NdJson, &mut ids()).unwrap_err();
        assert_eq!(err.0[0].field, "line 3");
        assert!(err.0[0].message.contains("not valid JSON"));
    }

    #[test]
    fn every_problem_is_named_with_its_position() {
        let body = json!([
            {"time": "yesterday", "decision": [1], "score": "high", "colour": "red"},
            {"id": "a", "time": "2026-03-01T10:00:00Z", "decision": "x", "groups": {"age": 41}},
            {"id": "a", "time": "2026-03-01T10:00:00Z", "decision": "x"},
        ])
        .to_string();
        let err = parse_batch(body.as_bytes(), BatchFormat::JsonArray, &mut ids()).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "[0].colour",
                "[0].time",
                "[0].decision",
                "[0].score",
                "[1].groups.age",
                "[2].id"
            ]
        );
    }

    #[test]
    fn empty_oversized_and_non_array_bodies_are_refused() {
        for (body, expected) in [
            ("[]", "holds no decision events"),
            ("{\"time\": 1}", "must be a JSON array"),
            ("[1", "is not valid JSON"),
        ] {
            let err = parse_batch(body.as_bytes(), BatchFormat::JsonArray, &mut ids()).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        let many = format!(
            "[{}]",
            vec!["{\"time\": \"2026-03-01T10:00:00Z\", \"decision\": 1}"; MAX_BATCH + 1].join(",")
        );
        let err = parse_batch(many.as_bytes(), BatchFormat::JsonArray, &mut ids()).unwrap_err();
        assert!(err.to_string().contains("at most 10000"), "{err}");
    }
}

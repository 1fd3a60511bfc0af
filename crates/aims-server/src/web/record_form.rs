//! Inventory forms, driven by the kind's field table: one input per editable
//! [`FieldDef`], and the conversion of a submitted form into the JSON object that the
//! domain parses (`parse_new`, `apply_patch`), so that the web UI applies exactly the
//! rules of the API. Only what a form cannot express as JSON is read here: checkbox
//! presence, one list item per line, `name = value` metrics, empty means "not set".

use std::collections::{BTreeMap, HashMap};

use aims_domain::ValidationErrors;
use aims_domain::inventory::{Choice, FieldDef, FieldKind, RecordKind};
use maud::{Markup, html};
use serde_json::{Map, Number, Value};
use uuid::Uuid;

use super::forms::{Field, FormData, FormErrors, mid_sentence};

/// Names of the records of some kinds, for reference selects and for showing a
/// reference as a link with the record's name.
#[derive(Debug, Default)]
pub struct Names {
    /// Every record of each loaded kind, ordered by name.
    pub by_kind: HashMap<RecordKind, Vec<(Uuid, String)>>,
    index: HashMap<Uuid, String>,
}

impl Names {
    pub fn insert(&mut self, kind: RecordKind, names: Vec<(Uuid, String)>) {
        for (id, name) in &names {
            self.index.insert(*id, name.clone());
        }
        self.by_kind.insert(kind, names);
    }

    pub fn name(&self, id: Uuid) -> Option<&str> {
        self.index.get(&id).map(String::as_str)
    }

    /// `(value, label)` pairs for a select or checkboxes of `kind`'s records.
    pub fn options(&self, kind: RecordKind) -> Vec<(String, String)> {
        self.by_kind
            .get(&kind)
            .map(|names| {
                names
                    .iter()
                    .map(|(id, name)| (id.to_string(), name.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The fields a form edits: everything but what another process sets.
pub fn editable(kind: RecordKind) -> impl Iterator<Item = &'static FieldDef> {
    kind.fields().iter().filter(|f| !f.read_only)
}

/// Input names and labels of a kind, for error messages.
pub fn labels(kind: RecordKind) -> Vec<(&'static str, &'static str)> {
    kind.fields().iter().map(|f| (f.name, f.label)).collect()
}

/// The kinds a form or page of `kind` needs names of.
pub fn referenced_kinds(fields: &[FieldDef]) -> Vec<RecordKind> {
    let mut kinds = Vec::new();
    for def in fields {
        if let FieldKind::Reference(k) | FieldKind::References(k) = def.kind
            && !kinds.contains(&k)
        {
            kinds.push(k);
        }
    }
    kinds
}

fn choice_options(choices: &[Choice]) -> Vec<(String, String)> {
    choices
        .iter()
        .map(|c| (c.value.to_owned(), c.label.to_owned()))
        .collect()
}

/// Converts a submitted form into the JSON object of every editable field of `kind`.
/// What cannot be read (a metrics line, a date) is reported and left out, so that the
/// domain still checks the rest.
pub fn form_to_json(kind: RecordKind, form: &FormData) -> (Map<String, Value>, ValidationErrors) {
    let mut map = Map::new();
    let mut errors = ValidationErrors::new();
    for def in editable(kind) {
        let raw = form.text(def.name);
        let value = match def.kind {
            FieldKind::Text(_) | FieldKind::Email => Value::from(raw),
            FieldKind::LongText => Value::from(raw.replace("\r\n", "\n")),
            FieldKind::Choice(_) | FieldKind::Reference(_) if raw.is_empty() => {
                if def.required {
                    errors.add(def.name, "must be chosen");
                    continue;
                }
                Value::Null
            }
            FieldKind::Choice(_) | FieldKind::Reference(_) => Value::from(raw),
            FieldKind::MultiChoice(_) | FieldKind::References(_) => Value::Array(
                form.all(def.name)
                    .into_iter()
                    .filter(|v| !v.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
            FieldKind::Bool => Value::Bool(!raw.is_empty()),
            FieldKind::Date if raw.trim().is_empty() => Value::Null,
            FieldKind::Date => {
                let raw = raw.trim();
                if chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_err() {
                    errors.add(def.name, "must be a real date, written like 2024-03-31");
                    continue;
                }
                Value::from(raw)
            }
            FieldKind::List => Value::Array(
                raw.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
            FieldKind::Metrics => match parse_metrics(raw) {
                Ok(metrics) => Value::Object(metrics),
                Err(message) => {
                    errors.add(def.name, message);
                    continue;
                }
            },
        };
        map.insert(def.name.to_owned(), value);
    }
    (map, errors)
}

/// Reads `name = value` lines; the error names the first line that does not parse.
fn parse_metrics(text: &str) -> Result<Map<String, Value>, String> {
    let mut metrics = Map::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line.rsplit_once('=').and_then(|(name, value)| {
            let number = value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_owned(), number))
        });
        match parsed {
            Some((name, _)) if metrics.contains_key(&name) => {
                return Err(format!(
                    "must name each metric once; line {} repeats “{name}”",
                    i + 1
                ));
            }
            Some((name, number)) => {
                metrics.insert(name, Value::Number(number));
            }
            None => {
                return Err(format!(
                    "must have one “name = number” per line; line {} (“{line}”) is not",
                    i + 1
                ));
            }
        }
    }
    Ok(metrics)
}

/// A stored record's editable fields as the form would send them, to fill in the form.
pub fn json_to_form(kind: RecordKind, fields: &Map<String, Value>) -> FormData {
    let mut form = FormData::default();
    for def in editable(kind) {
        let Some(value) = fields.get(def.name) else {
            continue;
        };
        match (def.kind, value) {
            (_, Value::Null) => {}
            (FieldKind::Bool, Value::Bool(b)) => {
                if *b {
                    form.push(def.name, "true");
                }
            }
            (FieldKind::List, Value::Array(items)) => form.push(
                def.name,
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (_, Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_str) {
                    form.push(def.name, item);
                }
            }
            (FieldKind::Metrics, Value::Object(metrics)) => form.push(
                def.name,
                metrics
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (_, Value::String(s)) => form.push(def.name, s.as_str()),
            (_, other) => form.push(def.name, other.to_string()),
        }
    }
    form
}

/// The inputs of every editable field of `kind`, filled with `values`.
pub fn render_inputs(
    kind: RecordKind,
    values: &FormData,
    errors: &FormErrors,
    names: &Names,
) -> Markup {
    html! {
        @for def in editable(kind) {
            (render_input(def, values, errors, names))
        }
    }
}

fn render_input(def: &FieldDef, values: &FormData, errors: &FormErrors, names: &Names) -> Markup {
    let optional = !def.required
        && !matches!(
            def.kind,
            FieldKind::Bool | FieldKind::MultiChoice(_) | FieldKind::References(_)
        );
    let field = Field {
        name: def.name,
        label: def.label,
        hint: def.hint,
        optional,
    };
    let value = values.text(def.name);
    match def.kind {
        FieldKind::Text(_) => field.input(errors, "text", value, None),
        FieldKind::Email => field.input(errors, "email", value, Some("off")),
        FieldKind::Date => field.input(errors, "date", value, None),
        FieldKind::LongText => field.textarea(errors, value, 4),
        FieldKind::List | FieldKind::Metrics => field.textarea(errors, value, 4),
        FieldKind::Choice(choices) => field.select(
            errors,
            &choice_options(choices),
            value,
            (!def.required).then_some("Not set"),
        ),
        FieldKind::Reference(kind) => field.select(
            errors,
            &names.options(kind),
            value,
            (!def.required).then_some("None"),
        ),
        FieldKind::MultiChoice(choices) => {
            let options: Vec<_> = choices
                .iter()
                .map(|c| (c.value.to_owned(), c.label.to_owned(), ""))
                .collect();
            field.choices(errors, true, &options, &values.all(def.name), "")
        }
        FieldKind::References(kind) => {
            let options: Vec<_> = names
                .options(kind)
                .into_iter()
                .map(|(v, l)| (v, l, ""))
                .collect();
            field.choices(
                errors,
                true,
                &options,
                &values.all(def.name),
                &format!(
                    "There are no {} to choose from yet.",
                    mid_sentence(kind.plural())
                ),
            )
        }
        FieldKind::Bool => field.checkbox(errors, !value.is_empty()),
    }
}

/// Which editable fields differ between two versions of a record (for the conflict
/// message), in the order of the form.
pub fn changed_fields(
    kind: RecordKind,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) -> Vec<&'static FieldDef> {
    editable(kind)
        .filter(|def| a.get(def.name) != b.get(def.name))
        .collect()
}

/// Metrics in a stable order for display.
pub fn metrics_of(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aims_domain::inventory::{
        DatasetFields, ModelFields, SupplierFields, SystemFields, parse_new,
    };

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_system_form_reads_as_the_api_body() {
        let (map, errors) = form_to_json(
            RecordKind::System,
            &form(&[
                ("name", "Detector"),
                ("lifecycle_stage", "operation"),
                ("criticality", ""),
                ("affected_stakeholders", "Drivers\r\n\r\n  Pedestrians \r\n"),
                ("description", "a\r\nb"),
            ]),
        );
        assert!(errors.is_empty());
        assert_eq!(map["criticality"], Value::Null);
        assert_eq!(
            map["affected_stakeholders"],
            serde_json::json!(["Drivers", "Pedestrians"])
        );
        assert_eq!(map["description"], "a\nb");
        assert!(
            !map.contains_key("eu_ai_act_tier"),
            "read-only fields are not sent"
        );
        let fields: SystemFields = parse_new(Value::Object(map)).unwrap();
        assert_eq!(fields.name, "Detector");
    }

    #[test]
    fn checkboxes_dates_and_metrics() {
        let (map, errors) = form_to_json(
            RecordKind::Dataset,
            &form(&[
                ("name", "D"),
                ("personal_data", "true"),
                ("collection_start", "2024-02-30"),
            ]),
        );
        assert_eq!(map["personal_data"], true);
        assert_eq!(map["special_category_data"], false);
        assert_eq!(errors.0[0].field, "collection_start");
        assert!(!map.contains_key("collection_start"));
        parse_new::<DatasetFields>(Value::Object(map)).unwrap();

        let (map, errors) = form_to_json(
            RecordKind::Model,
            &form(&[
                ("name", "M"),
                ("headline_metrics", "mAP@0.5 = 0.81\nrecall=0.7"),
            ]),
        );
        assert!(errors.is_empty());
        let model: ModelFields = parse_new(Value::Object(map)).unwrap();
        assert_eq!(model.headline_metrics["mAP@0.5"], 0.81);

        let (_, errors) = form_to_json(
            RecordKind::Model,
            &form(&[("name", "M"), ("headline_metrics", "a = 1\nno value here")]),
        );
        assert!(
            errors.0[0].message.contains("line 2 (“no value here”)"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_record_fills_the_form_it_came_from() {
        let (map, _) = form_to_json(
            RecordKind::Supplier,
            &form(&[
                ("name", "S"),
                ("supplies", "models"),
                ("supplies", "data"),
                ("due_diligence_status", "approved"),
            ]),
        );
        let supplier: SupplierFields = parse_new(Value::Object(map.clone())).unwrap();
        let Value::Object(stored) = serde_json::to_value(&supplier).unwrap() else {
            panic!()
        };
        let again = json_to_form(RecordKind::Supplier, &stored);
        assert_eq!(again.all("supplies"), ["models", "data"]);
        assert_eq!(form_to_json(RecordKind::Supplier, &again).0, map);
    }
}

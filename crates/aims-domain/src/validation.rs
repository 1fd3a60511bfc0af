//! Validation errors that name the field (as a JSON path) and say what was expected.

use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the input, for example `name` or `affected_stakeholders[2]`.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem found in an input, not just the first, so a form can show them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was added, so a validator can end with `errors.into_result()`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
    }
}

/// Checks a text's length in characters (not bytes) and, when `required`, that it is not blank.
pub fn check_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        errors.add(field, "is required and must not be blank");
    } else if value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
}

/// Checks a list of short texts: at most `max_items`, none blank, each at most 200 characters.
pub fn check_list(errors: &mut ValidationErrors, field: &str, items: &[String], max_items: usize) {
    if items.len() > max_items {
        errors.add(field, format!("must have at most {max_items} items"));
        return;
    }
    for (i, item) in items.iter().enumerate() {
        check_text(errors, &format!("{field}[{i}]"), item, true, 200);
    }
}

/// A deliberately loose e-mail check: one `@` with text on both sides and no spaces.
pub fn check_email(errors: &mut ValidationErrors, field: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let valid = match value.split_once('@') {
        Some((local, domain)) if !domain.contains('@') => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        _ => false,
    };
    if !valid || value.contains(char::is_whitespace) || value.len() > 254 {
        errors.add(field, "must be an e-mail address such as name@example.org");
    }
}

/// Applies a partial update (a JSON object of some fields) to `current`: every key must
/// be a field of `current` or one of `allowed_extra` (keys the caller handles itself, such
/// as `revision`). The caller checks the result's own rules.
pub fn merge_patch<F: serde::Serialize + serde::de::DeserializeOwned>(
    current: &F,
    patch: &serde_json::Map<String, serde_json::Value>,
    allowed_extra: &[&str],
) -> Result<F, ValidationErrors> {
    let Ok(serde_json::Value::Object(mut merged)) = serde_json::to_value(current) else {
        return Err(ValidationErrors::single(
            "",
            "the stored record could not be read",
        ));
    };
    let mut errors = ValidationErrors::new();
    for (key, value) in patch {
        if allowed_extra.contains(&key.as_str()) {
            continue;
        }
        if !merged.contains_key(key) {
            let known: Vec<&str> = merged
                .keys()
                .map(String::as_str)
                .chain(allowed_extra.iter().copied())
                .collect();
            errors.add(
                key.clone(),
                format!("is not a field; known fields: {}", known.join(", ")),
            );
            continue;
        }
        merged.insert(key.clone(), value.clone());
    }
    errors.into_result()?;
    deserialize(serde_json::Value::Object(merged))
}

/// Deserialises fields, naming the failing path (`evidence[1].expires_on`) and what it
/// expected.
pub fn deserialize<F: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<F, ValidationErrors> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let message = message
            .replace("unknown variant", "unknown value")
            .replace("variant", "value");
        ValidationErrors::single(if path == "." { String::new() } else { path }, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", "  ", true, 10);
        check_text(&mut e, "description", "ééééééééééé", false, 10);
        check_text(&mut e, "owner", "", false, 10);
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.0[0].field, "name");
        assert_eq!(e.0[1].message, "must be at most 10 characters");
    }

    #[test]
    fn list_items_are_named_by_index() {
        let mut e = ValidationErrors::new();
        check_list(&mut e, "tags", &["ok".into(), " ".into()], 5);
        assert_eq!(
            e.0,
            vec![FieldError {
                field: "tags[1]".into(),
                message: "is required and must not be blank".into()
            }]
        );
    }

    #[test]
    fn emails() {
        for good in ["a@b.co", "first.last@example.org"] {
            let mut e = ValidationErrors::new();
            check_email(&mut e, "email", good);
            assert!(e.is_empty(), "{good}");
        }
        for bad in [
            "a", "a@b", "@b.co", "a b@c.de", "a@.co", "a@co.", "a@b@c.de",
        ] {
            let mut e = ValidationErrors::new();
            check_email(&mut e, "email", bad);
            assert!(!e.is_empty(), "{bad}");
        }
    }
}

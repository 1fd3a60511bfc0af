//! Form plumbing shared by every page, after the GOV.UK Design System: reading a
//! urlencoded body (keys may repeat, for checkboxes), errors keyed by input name, the
//! error summary that links to each field in error, and inputs with their label, hint and
//! error message tied together by `aria-describedby`.
//!
//! Every input of a field named `x` has the id `field-x` (the first one, for a group), so
//! that the summary's `#field-x` links move focus to it.

use aims_domain::ValidationErrors;
use maud::{Markup, html};

use crate::error::ApiError;

/// A submitted form or a query string, in order, keys possibly repeated.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// Reads an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        serde_urlencoded::from_bytes(body)
            .map(FormData)
            .map_err(|e| ApiError::validation("", format!("the form could not be read: {e}")))
    }

    /// Reads a query string; a malformed one reads as empty, like a form with nothing filled in.
    pub fn from_query(query: Option<&str>) -> Self {
        FormData(serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default())
    }

    /// The first value sent for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value sent for `name`, or the empty string.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every value sent for `name` (checkboxes, multiple selects).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }
}

/// One problem to show: the input it belongs to (empty: the form as a whole) and a
/// sentence that names the field by its label.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: String,
    pub text: String,
}

/// The problems of one submitted form, in the order of the form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FormError>);

impl FormErrors {
    pub fn add(&mut self, field: &str, text: impl Into<String>) {
        self.0.push(FormError {
            field: field.to_owned(),
            text: text.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// The first message of a field.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.text.as_str())
    }

    /// Turns the domain's errors (JSON paths and sentence fragments such as
    /// `name: is required`) into sentences that name the field by its label. `labels`
    /// maps input names to labels; other field names inside a message are replaced too,
    /// so that people never read `collection_start`.
    pub fn from_validation(errors: &ValidationErrors, labels: &[(&str, &str)]) -> FormErrors {
        let mut out = FormErrors::default();
        out.extend(errors, labels);
        out
    }

    /// Adds the domain's errors, skipping fields that already have a message (a problem
    /// found while reading the form explains the field better than what follows from it).
    pub fn extend(&mut self, errors: &ValidationErrors, labels: &[(&str, &str)]) {
        let mut seen: Vec<String> = self.0.iter().map(|e| e.field.clone()).collect();
        for error in &errors.0 {
            let field = top_level(&error.field);
            if seen.iter().any(|s| s == field) && !field.is_empty() {
                continue;
            }
            seen.push(field.to_owned());
            let label = labels
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, label)| *label);
            let message = humanize(&error.message, labels);
            let text = match label {
                Some(label) => format!("{label} {message}"),
                None if field.is_empty() => capitalise(&message),
                None => format!("{field}: {message}"),
            };
            self.add(if label.is_some() { field } else { "" }, text);
        }
    }
}

/// `affected_stakeholders[2]` and `headline_metrics.mAP` belong to the inputs
/// `affected_stakeholders` and `headline_metrics`.
fn top_level(path: &str) -> &str {
    path.split(['[', '.']).next().unwrap_or(path)
}

/// Replaces field names (those with an underscore: plain words such as `name` are left
/// alone) by their labels, written as they read mid-sentence.
pub fn humanize(message: &str, labels: &[(&str, &str)]) -> String {
    let mut out = message.to_owned();
    let mut names: Vec<&(&str, &str)> = labels.iter().filter(|(n, _)| n.contains('_')).collect();
    // Longest first, so `special_category_data` is not half-replaced by a shorter name.
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for (name, label) in names {
        out = out.replace(name, &mid_sentence(label));
    }
    out
}

/// `Collection start` → `collection start`, but `AI system` and `EU AI Act tier` stay.
pub fn mid_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_owned(),
    }
}

/// `must be…` → `Must be…`.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The id of a field's (first) input: the target of the error summary's links.
pub fn input_id(name: &str) -> String {
    format!("field-{name}")
}

/// Options of a select from `(value, label)` pairs.
pub fn options<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    pairs.map(|(v, l)| (v.to_owned(), l.to_owned())).collect()
}

/// GOV.UK error summary: at the top of the form, focused by app.js, one link per problem.
pub fn error_summary(errors: &FormErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" aria-labelledby="error-summary-title" {
                h2 #error-summary-title { "There is a problem" }
                ul {
                    @for error in &errors.0 {
                        li {
                            @if error.field.is_empty() {
                                (error.text)
                            } @else {
                                a href=(format!("#{}", input_id(&error.field))) { (error.text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The label, hint and error of one field; `control` renders the input(s), given the
/// value for `aria-describedby`.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: &'a str,
    /// Adds "(optional)" to the label, as GOV.UK does instead of marking required fields.
    pub optional: bool,
}

impl Field<'_> {
    fn describedby(&self, errors: &FormErrors) -> Option<String> {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", input_id(self.name)));
        }
        if errors.has(self.name) {
            ids.push(format!("{}-error", input_id(self.name)));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn label_text(&self) -> Markup {
        html! {
            (self.label)
            @if self.optional { span.optional { " (optional)" } }
        }
    }

    fn hint_and_error(&self, errors: &FormErrors) -> Markup {
        let id = input_id(self.name);
        html! {
            @if !self.hint.is_empty() {
                p.hint id=(format!("{id}-hint")) { (hint_text(self.hint)) }
            }
            @if let Some(message) = errors.for_field(self.name) {
                p.error-message id=(format!("{id}-error")) {
                    span.visually-hidden { "Error: " } (message)
                }
            }
        }
    }

    /// A single-line input of `kind` (`text`, `email`, `password`, `date`, `number`).
    pub fn input(
        &self,
        errors: &FormErrors,
        kind: &str,
        value: &str,
        autocomplete: Option<&str>,
    ) -> Markup {
        let id = input_id(self.name);
        let invalid = errors.has(self.name);
        html! {
            div.field.error[invalid] {
                label for=(id) { (self.label_text()) }
                (self.hint_and_error(errors))
                input id=(id) name=(self.name) type=(kind) value=(value)
                    autocomplete=[autocomplete] spellcheck=[(kind == "email").then_some("false")]
                    aria-describedby=[self.describedby(errors)] aria-invalid=[invalid.then_some("true")];
            }
        }
    }

    pub fn textarea(&self, errors: &FormErrors, value: &str, rows: u32) -> Markup {
        let id = input_id(self.name);
        let invalid = errors.has(self.name);
        html! {
            div.field.error[invalid] {
                label for=(id) { (self.label_text()) }
                (self.hint_and_error(errors))
                textarea id=(id) name=(self.name) rows=(rows)
                    aria-describedby=[self.describedby(errors)] aria-invalid=[invalid.then_some("true")] { (value) }
            }
        }
    }

    /// A select; `empty` is the label of a first option with the empty value.
    pub fn select(
        &self,
        errors: &FormErrors,
        options: &[(String, String)],
        selected: &str,
        empty: Option<&str>,
    ) -> Markup {
        let id = input_id(self.name);
        let invalid = errors.has(self.name);
        html! {
            div.field.error[invalid] {
                label for=(id) { (self.label_text()) }
                (self.hint_and_error(errors))
                select id=(id) name=(self.name)
                    aria-describedby=[self.describedby(errors)] aria-invalid=[invalid.then_some("true")] {
                    @if let Some(empty) = empty {
                        option value="" selected[selected.is_empty()] { (empty) }
                    }
                    @for (value, label) in options {
                        option value=(value) selected[value == selected] { (label) }
                    }
                }
            }
        }
    }

    /// A group of checkboxes (`multiple`) or radios, in a fieldset whose legend is the label.
    /// Each option may carry a hint of its own.
    pub fn choices(
        &self,
        errors: &FormErrors,
        multiple: bool,
        options: &[(String, String, &str)],
        checked: &[&str],
        none_text: &str,
    ) -> Markup {
        let id = input_id(self.name);
        let invalid = errors.has(self.name);
        let kind = if multiple { "checkbox" } else { "radio" };
        html! {
            fieldset.field.error[invalid] aria-describedby=[self.describedby(errors)] {
                legend { (self.label_text()) }
                (self.hint_and_error(errors))
                @if options.is_empty() {
                    p.empty #(id) tabindex="-1" { (none_text) }
                }
                div.choices {
                    @for (i, (value, label, hint)) in options.iter().enumerate() {
                        @let option_id = if i == 0 { id.clone() } else { format!("{id}-{}", i + 1) };
                        div.choice {
                            input id=(option_id) name=(self.name) type=(kind) value=(value)
                                checked[checked.contains(&value.as_str())]
                                aria-describedby=[(!hint.is_empty()).then(|| format!("{option_id}-hint"))];
                            label for=(option_id) { (label) }
                            @if !hint.is_empty() {
                                p.hint id=(format!("{option_id}-hint")) { (hint) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One checkbox that sends `true` when ticked; the label sits next to it.
    pub fn checkbox(&self, errors: &FormErrors, checked: bool) -> Markup {
        let id = input_id(self.name);
        let invalid = errors.has(self.name);
        html! {
            div.field.error[invalid] {
                (self.hint_and_error(errors))
                div.choice {
                    input id=(id) name=(self.name) type="checkbox" value="true" checked[checked]
                        aria-describedby=[self.describedby(errors)] aria-invalid=[invalid.then_some("true")];
                    label for=(id) { (self.label) }
                }
            }
        }
    }
}

/// A hint as text, with `backticked` parts (the field tables are also written for the
/// OpenAPI document, which reads Markdown) shown as code.
pub fn hint_text(hint: &str) -> Markup {
    html! {
        @for (i, part) in hint.split('`').enumerate() {
            @if i % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

/// The hidden CSRF field every POST form carries.
pub fn csrf(auth: &crate::auth::AuthContext) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(auth.csrf_token()); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_fields_by_label() {
        let mut errors = ValidationErrors::new();
        errors.add("collection_end", "must not be before collection_start");
        errors.add(
            "affected_stakeholders[1]",
            "is required and must not be blank",
        );
        errors.add(
            "affected_stakeholders[2]",
            "is required and must not be blank",
        );
        errors.add("", "expected a JSON object");
        let labels = [
            ("collection_start", "Collection start"),
            ("collection_end", "Collection end"),
            ("affected_stakeholders", "Affected stakeholders"),
        ];
        let form = FormErrors::from_validation(&errors, &labels);
        let texts: Vec<_> = form
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "collection_end",
                    "Collection end must not be before collection start"
                ),
                (
                    "affected_stakeholders",
                    "Affected stakeholders is required and must not be blank"
                ),
                ("", "Expected a JSON object"),
            ]
        );
    }

    #[test]
    fn acronyms_keep_their_capitals() {
        assert_eq!(mid_sentence("AI system"), "AI system");
        assert_eq!(mid_sentence("Owner"), "owner");
    }

    #[test]
    fn repeated_keys_are_kept() {
        let form = FormData::parse(b"supplies=models&supplies=data&name=A+b").unwrap();
        assert_eq!(form.all("supplies"), ["models", "data"]);
        assert_eq!(form.text("name"), "A b");
        assert_eq!(form.text("missing"), "");
    }
}

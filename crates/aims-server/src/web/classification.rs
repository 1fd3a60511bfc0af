//! The EU AI Act pages of an AI system: the latest classification with its reasons, the
//! obligations checklist linked to ISO/IEC 42001 and the SoA, the versions, one version with
//! its answers, and the questionnaire form.
//!
//! The form shows every question at once so that it works without JavaScript; each
//! question carries its `shown_when` condition as a data attribute, and app.js hides the
//! questions that do not apply. Since a page without JavaScript posts answers to questions
//! that do not apply, the answers of this form pass through
//! [`aims_domain::eu_ai_act::shown_answers`] before they are checked.

use aims_domain::Permission;
use aims_domain::eu_ai_act::{
    self, Answers, Classification, HighRiskBasis, ProhibitedPractice, Question, QuestionKind,
    SystemClassification, Tier, TransparencyDuty,
};
use aims_domain::inventory::SystemFields;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde_json::Value;
use uuid::Uuid;

use super::forms::{Field, FormData, FormErrors, capitalise, csrf, error_summary};
use super::inventory::when;
use super::{OrPage, Page, PageResult, WebError, WebRoute, page};
use crate::api::classification::{
    ClassifySystem, ObligationChecklist, checklist_of, classify_and_save, parse_version,
};
use crate::api::soa::today;
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::state::AppState;

pub(super) fn routes() -> Vec<WebRoute> {
    use Permission::*;
    vec![
        page(
            Method::GET,
            "/systems/{id}/eu-ai-act",
            Some(Read),
            get(overview),
        ),
        page(
            Method::GET,
            "/systems/{id}/eu-ai-act/new",
            Some(Edit),
            get(new_form),
        ),
        page(
            Method::POST,
            "/systems/{id}/eu-ai-act/new",
            Some(Edit),
            post(create),
        ),
        page(
            Method::GET,
            "/systems/{id}/eu-ai-act/{version}",
            Some(Read),
            get(version_page),
        ),
    ]
}

/// The link on an AI system's page.
pub(super) fn system_link(system_id: Uuid) -> Markup {
    html! {
        p.classification-link {
            a href=(format!("/systems/{system_id}/eu-ai-act")) { "EU AI Act classification" }
        }
    }
}

fn base(system_id: Uuid) -> String {
    format!("/systems/{system_id}/eu-ai-act")
}

const DISCLAIMER: &str = "A structured summary of Regulation (EU) 2024/1689, not legal advice: borderline cases need someone who has read the articles.";

// ------------------------------------------------------------------- the result

fn tier_label(tier: Tier) -> Markup {
    html! { span class=(format!("label {}", tier.as_str())) { (tier.label()) } }
}

/// The label of an option of a choice question, or the value itself.
fn option_label(question: &str, value: &str) -> String {
    let options = match eu_ai_act::question(question).map(|q| q.kind) {
        Some(QuestionKind::SingleChoice(o) | QuestionKind::MultipleChoice(o)) => o,
        _ => &[],
    };
    options
        .iter()
        .find(|o| o.value == value)
        .map_or_else(|| value.to_owned(), |o| o.label.to_owned())
}

fn basis_label(basis: &HighRiskBasis) -> String {
    match basis {
        HighRiskBasis::AnnexI => {
            "Product or safety component under Annex I legislation (Art. 6(1))".to_owned()
        }
        HighRiskBasis::AnnexIII(area) => {
            let label = option_label("annex_iii_areas", area.as_str());
            let name = label.split(" (point").next().unwrap_or(&label);
            format!("Annex III point {}: {name} (Art. 6(2))", area.point())
        }
    }
}

fn duty_label(duty: TransparencyDuty) -> &'static str {
    match duty {
        TransparencyDuty::Interaction => "Interacts with people (Art. 50(1))",
        TransparencyDuty::SyntheticContent => "Generates synthetic content (Art. 50(2))",
        TransparencyDuty::EmotionOrBiometricCategorisation => {
            "Emotion recognition or biometric categorisation (Art. 50(3))"
        }
        TransparencyDuty::DeepFake => "Deep fakes (Art. 50(4))",
        TransparencyDuty::PublicInterestText => "Text on matters of public interest (Art. 50(4))",
    }
}

fn practice_label(practice: ProhibitedPractice) -> String {
    let letter = ProhibitedPractice::ALL
        .iter()
        .position(|p| *p == practice)
        .and_then(|i| "abcdefgh".chars().nth(i))
        .unwrap_or('?');
    format!(
        "Art. 5(1)({letter}): {}",
        practice.as_str().replace('_', " ")
    )
}

fn list_or_none(items: &[String]) -> Markup {
    html! {
        @if items.is_empty() {
            span.muted { "None" }
        } @else {
            ul.plain { @for item in items { li { (item) } } }
        }
    }
}

/// What a classification decided, and why.
fn result_details(c: &SystemClassification) -> Markup {
    let r: &Classification = &c.result;
    let roles: Vec<String> = r
        .roles
        .iter()
        .map(|role| option_label("roles", role.as_str()))
        .collect();
    let bases: Vec<String> = r.high_risk_basis.iter().map(basis_label).collect();
    let duties: Vec<String> = r
        .transparency
        .iter()
        .map(|d| duty_label(*d).to_owned())
        .collect();
    let practices: Vec<String> = r
        .prohibited_practices
        .iter()
        .map(|p| practice_label(*p))
        .collect();
    html! {
        dl.details.result {
            dt { "Tier" } dd { (tier_label(r.tier)) }
            dt { "Roles of the organisation" } dd { (list_or_none(&roles)) }
            @if !practices.is_empty() {
                dt { "Prohibited practices" } dd { (list_or_none(&practices)) }
            }
            dt { "High-risk basis" } dd { (list_or_none(&bases)) }
            @if let Some(exception) = &r.exception_6_3 {
                dt { "Art. 6(3) exception" }
                dd {
                    ul.plain {
                        @for condition in &exception.conditions {
                            li { (option_label("exception_6_3", condition.as_str())) }
                        }
                    }
                    @if exception.documented_reason_required {
                        p.hint { "As provider, document this assessment before placing the system on the market and register the system (Art. 6(4), Art. 49(2))." }
                    }
                }
            }
            dt { "Transparency duties" } dd { (list_or_none(&duties)) }
            @if let Some(gpai) = &r.gpai {
                dt { "General-purpose AI model" }
                dd {
                    @if gpai.systemic_risk { "Provided by the organisation, with systemic risk (Art. 51)" }
                    @else { "Provided by the organisation, without systemic risk" }
                }
            }
            dt { "Assessed on" } dd { (c.assessed_on.format("%-d %B %Y")) }
            dt { "Assessed by" } dd { (c.assessed_by) span.meta { " · saved " (when(c.assessed_at)) } }
            @if !c.note.is_empty() {
                dt { "Note" } dd { (c.note) }
            }
        }
        h3 { "Why" }
        ol.rationale { @for sentence in &r.rationale { li { (sentence) } } }
        p.hint { (DISCLAIMER) }
    }
}

fn soa_cell(link: &crate::api::classification::IsoLink) -> Markup {
    html! {
        @match &link.soa {
            None => { span.muted { "—" } }
            Some(entry) => {
                @if entry.applicable {
                    span.label { (entry.label()) }
                } @else {
                    span.label { "Excluded" }
                }
                " "
                span.meta {
                    @match entry.evidence_state {
                        aims_domain::soa::EvidenceState::Current => "evidence current",
                        aims_domain::soa::EvidenceState::Expired => "evidence expired",
                        aims_domain::soa::EvidenceState::Missing => "no evidence",
                    }
                }
            }
        }
    }
}

fn checklist_table(list: &ObligationChecklist) -> Markup {
    let with_soa =
        list.soa_framework_id.as_deref() == Some(crate::api::classification::ISO_FRAMEWORK_ID);
    html! {
        @if list.items.is_empty() {
            p { "No obligation of the EU AI Act falls on the organisation for this system." }
        } @else {
            @if with_soa {
                p.hint { "The status is that of each control or clause in the organisation's Statement of Applicability today." }
            } @else {
                p.hint { "The organisation has not adopted ISO/IEC 42001 in a Statement of Applicability, so no status is shown." }
            }
            div.table-wrap {
                table.data.obligations {
                    thead { tr {
                        th scope="col" { "Obligation" }
                        th scope="col" { "Articles" }
                        th scope="col" { "ISO/IEC 42001 clauses and controls" }
                        @if with_soa { th scope="col" { "SoA status" } }
                    } }
                    tbody {
                        @for item in &list.items {
                            @let rows = item.iso_links.len().max(1);
                            tr id=(format!("obligation-{}", item.obligation_ref)) {
                                th scope="row" rowspan=(rows) { (item.title) br; code.meta { (item.obligation_ref) } }
                                td rowspan=(rows) { (item.articles.join(", ")) }
                                @match item.iso_links.first() {
                                    None => {
                                        td { span.muted { "Nothing in ISO/IEC 42001 corresponds" } }
                                        @if with_soa { td { span.muted { "—" } } }
                                    }
                                    Some(link) => {
                                        td { (iso_cell(link)) }
                                        @if with_soa { td { (soa_cell(link)) } }
                                    }
                                }
                            }
                            @for link in item.iso_links.iter().skip(1) {
                                tr {
                                    td { (iso_cell(link)) }
                                    @if with_soa { td { (soa_cell(link)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn iso_cell(link: &crate::api::classification::IsoLink) -> Markup {
    html! {
        span.iso-ref { (link.item_ref) } " " (link.title)
        " " span.meta { "(" (link.relation) ")" }
    }
}

async fn system_name(state: &AppState, auth: &AuthContext, id: Uuid) -> Result<String, ApiError> {
    Ok(state
        .store
        .record::<SystemFields>(auth.organisation_id(), id)
        .await?
        .fields
        .name)
}

// ------------------------------------------------------------------- the pages

pub async fn overview(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let org = auth.organisation_id();
    let name = system_name(&state, &auth, id).await.or_page(&auth)?;
    let versions = state.store.classifications(org, id).await.or_page(&auth)?;
    let checklist = match versions.first() {
        Some(latest) => Some(checklist_of(&state, org, latest).await.or_page(&auth)?),
        None => None,
    };
    let classified = FormData::from_query(raw.as_deref()).get("notice") == Some("classified");
    let body = html! {
        span.caption { "AI system · " a href=(format!("/systems/{id}")) { (name) } }
        h1 { "EU AI Act classification" }
        @if classified {
            div.notice role="status" { "The classification has been saved as a new version." }
        }
        @if auth.can(Permission::Edit) {
            div.actions {
                a.button href=(format!("{}/new", base(id))) {
                    @if versions.is_empty() { "Classify this system" } @else { "Classify again" }
                }
            }
        }
        @match (versions.first(), &checklist) {
            (Some(latest), Some(list)) => {
                h2 { "Latest classification (version " (latest.version) ")" }
                (result_details(latest))
                h2 #obligations { "Obligations" }
                p { "What the EU AI Act asks of the organisation for this system, given its roles, and the ISO/IEC 42001 work that helps meet each obligation (crosswalk " code { (list.crosswalk_id) } ")." }
                (checklist_table(list))
                h2 #versions { "Versions" }
                (versions_table(id, &versions))
            }
            _ => {
                p.lead { "This AI system has not been classified yet." }
                p { "The classification asks about the organisation's roles, the scope of the Regulation, prohibited practices, high-risk uses and transparency duties, and lists the obligations that follow." }
            }
        }
        p { a href=(format!("/systems/{id}")) { "Back to the AI system" } }
    };
    Ok(Page {
        title: format!("EU AI Act · {name}"),
        auth: Some(&auth),
        section: Some("inventory"),
        body,
    }
    .into_response())
}

fn versions_table(system_id: Uuid, versions: &[SystemClassification]) -> Markup {
    html! {
        table.data.versions {
            thead { tr {
                th scope="col" { "Version" }
                th scope="col" { "Assessed on" }
                th scope="col" { "Tier" }
                th scope="col" { "By" }
                th scope="col" { "Note" }
            } }
            tbody {
                @for v in versions {
                    tr {
                        th scope="row" { a href=(format!("{}/{}", base(system_id), v.version)) { "Version " (v.version) } }
                        td { (v.assessed_on) }
                        td { (tier_label(v.result.tier)) }
                        td { (v.assessed_by) }
                        td { (v.note) }
                    }
                }
            }
        }
    }
}

/// An answer in words.
fn answer_text(q: &Question, value: &Value) -> String {
    match (q.kind, value) {
        (QuestionKind::YesNo, Value::Bool(true)) => "Yes".to_owned(),
        (QuestionKind::YesNo, Value::Bool(false)) => "No".to_owned(),
        (_, Value::String(s)) => option_label(q.id, s),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| option_label(q.id, i.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; "),
        (_, other) => other.to_string(),
    }
}

pub async fn version_page(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, version)): Path<(String, String)>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let version = parse_version(&version).or_page(&auth)?;
    let name = system_name(&state, &auth, id).await.or_page(&auth)?;
    let c = state
        .store
        .classification(auth.organisation_id(), id, version)
        .await
        .or_page(&auth)?;
    let body = html! {
        span.caption { "AI system · " a href=(format!("/systems/{id}")) { (name) } }
        h1 { "EU AI Act classification, version " (c.version) }
        (result_details(&c))
        h2 { "Answers" }
        table.data.answers {
            thead { tr { th scope="col" { "Question" } th scope="col" { "Answer" } } }
            tbody {
                @for q in eu_ai_act::questionnaire() {
                    @if let Some(value) = c.answers.get(q.id) {
                        tr { th scope="row" { (q.text) } td { (answer_text(q, value)) } }
                    }
                }
            }
        }
        p { a href=(base(id)) { "All versions and the obligations" } }
    };
    Ok(Page {
        title: format!("EU AI Act version {} · {name}", c.version),
        auth: Some(&auth),
        section: Some("inventory"),
        body,
    }
    .into_response())
}

// -------------------------------------------------------------------- the form

/// Headings before the first question of each step.
const STEPS: &[(&str, &str)] = &[
    ("roles", "Roles and scope"),
    ("prohibited_manipulation", "Prohibited practices (Art. 5)"),
    ("annex_i_product", "High-risk uses (Art. 6)"),
    ("interacts_with_people", "Transparency (Art. 50)"),
];

const NOTE_LABEL: &str = "Note";
const DATE_LABEL: &str = "Date of the assessment";

/// The form's values from stored answers, to start a re-classification from the last one.
fn answers_to_form(answers: &Answers) -> FormData {
    let mut form = FormData::default();
    for (id, value) in answers {
        match value {
            Value::Bool(b) => form.push(id, b.to_string()),
            Value::String(s) => form.push(id, s.clone()),
            Value::Array(items) => {
                for item in items.iter().filter_map(Value::as_str) {
                    form.push(id, item);
                }
            }
            _ => {}
        }
    }
    form
}

/// The answers a form sent, in the questionnaire's terms (empty values are no answer).
fn form_to_answers(form: &FormData) -> Answers {
    let mut answers = Answers::new();
    for q in eu_ai_act::questionnaire() {
        let values: Vec<&str> = form
            .all(q.id)
            .into_iter()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let Some(first) = values.first() else {
            continue;
        };
        let value = match q.kind {
            QuestionKind::YesNo => match *first {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::String(other.to_owned()),
            },
            QuestionKind::SingleChoice(_) => Value::String((*first).to_owned()),
            QuestionKind::MultipleChoice(_) => Value::Array(
                values
                    .iter()
                    .map(|v| Value::String((*v).to_owned()))
                    .collect(),
            ),
        };
        answers.insert(q.id.to_owned(), value);
    }
    answers
}

/// The domain's errors as sentences on the inputs: `answers.<id>` and `answers.<id>[i]`
/// belong to the question `<id>`.
fn form_errors(errors: &aims_domain::ValidationErrors) -> FormErrors {
    let mut out = FormErrors::default();
    for error in &errors.0 {
        let (field, text) = match error.field.strip_prefix("answers.") {
            Some(rest) => {
                let id = rest.split('[').next().unwrap_or(rest);
                let text = match eu_ai_act::question(id) {
                    Some(q) if error.message == "is required" => match q.kind {
                        QuestionKind::YesNo => format!("Select yes or no for “{}”", q.text),
                        QuestionKind::SingleChoice(_) => {
                            format!("Select an answer for “{}”", q.text)
                        }
                        QuestionKind::MultipleChoice(_) => {
                            format!("Select at least one answer for “{}”", q.text)
                        }
                    },
                    Some(q) => format!("“{}” {}", q.text, error.message),
                    None => format!("{id}: {}", error.message),
                };
                (id.to_owned(), text)
            }
            None => {
                let label = match error.field.as_str() {
                    "note" => NOTE_LABEL,
                    "assessed_on" => DATE_LABEL,
                    other => other,
                };
                (
                    error.field.clone(),
                    capitalise(&format!("{label} {}", error.message)),
                )
            }
        };
        if !out.has(&field) || field.is_empty() {
            out.add(&field, text);
        }
    }
    out
}

fn question_markup(q: &Question, form: &FormData, errors: &FormErrors) -> Markup {
    let (kind, multiple, options): (&str, bool, Vec<(String, String, &str)>) = match q.kind {
        QuestionKind::YesNo => (
            "yes_no",
            false,
            vec![
                ("true".into(), "Yes".into(), ""),
                ("false".into(), "No".into(), ""),
            ],
        ),
        QuestionKind::SingleChoice(o) => (
            "single_choice",
            false,
            o.iter()
                .map(|o| (o.value.to_owned(), o.label.to_owned(), o.help))
                .collect(),
        ),
        QuestionKind::MultipleChoice(o) => (
            "multiple_choice",
            true,
            o.iter()
                .map(|o| (o.value.to_owned(), o.label.to_owned(), o.help))
                .collect(),
        ),
    };
    let condition = q
        .shown_when
        .as_ref()
        .and_then(|c| serde_json::to_string(c).ok());
    let checked = form.all(q.id);
    html! {
        div.question data-question=(q.id) data-kind=(kind) data-shown-when=[condition] {
            (Field { name: q.id, label: q.text, hint: q.help, optional: false }
                .choices(errors, multiple, &options, &checked, ""))
        }
    }
}

struct FormPage<'a> {
    system_id: Uuid,
    name: &'a str,
    form: &'a FormData,
    errors: &'a FormErrors,
    /// The version the answers were filled in from.
    prefilled_from: Option<i64>,
}

fn form_page(auth: &AuthContext, status: StatusCode, p: FormPage<'_>) -> Response {
    let action = format!("{}/new", base(p.system_id));
    let date = p
        .form
        .get("assessed_on")
        .map_or_else(|| today().to_string(), str::to_owned);
    let body = html! {
        span.caption { "AI system · " a href=(format!("/systems/{}", p.system_id)) { (p.name) } }
        h1 { "Classify under the EU AI Act" }
        (error_summary(p.errors))
        p.lead { "Answer for this AI system as it is intended to be used. Saving adds a new version; earlier versions stay as they were." }
        @if let Some(v) = p.prefilled_from {
            p { "The answers of version " (v) " are filled in: change what has changed." }
        }
        p.hint { "Some questions are only asked given earlier answers. Without JavaScript every question is shown: answer those that apply; answers to questions that do not apply are left out when you save. " (DISCLAIMER) }
        form.classification-form method="post" action=(action) novalidate data-eu-ai-act="" {
            (csrf(auth))
            @for q in eu_ai_act::questionnaire() {
                @if let Some((_, heading)) = STEPS.iter().find(|(first, _)| *first == q.id) {
                    h2 { (heading) }
                }
                (question_markup(q, p.form, p.errors))
            }
            h2 { "About this assessment" }
            (Field { name: "assessed_on", label: DATE_LABEL, hint: "The day the answers were settled: today, unless you record an earlier assessment.", optional: false }
                .input(p.errors, "date", &date, None))
            (Field { name: "note", label: NOTE_LABEL, hint: "Sources consulted, people involved, doubts. At most 2,000 characters.", optional: true }
                .textarea(p.errors, p.form.text("note"), 4))
            div.actions {
                button.button type="submit" { "Save classification" }
                a href=(base(p.system_id)) { "Cancel" }
            }
        }
    };
    (
        status,
        Page {
            title: if p.errors.is_empty() {
                format!("Classify · {}", p.name)
            } else {
                format!("Error: Classify · {}", p.name)
            },
            auth: Some(auth),
            section: Some("inventory"),
            body,
        },
    )
        .into_response()
}

pub async fn new_form(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let name = system_name(&state, &auth, id).await.or_page(&auth)?;
    let latest = state
        .store
        .classifications(auth.organisation_id(), id)
        .await
        .or_page(&auth)?
        .into_iter()
        .next();
    let form = latest
        .as_ref()
        .map(|c| answers_to_form(&c.answers))
        .unwrap_or_default();
    Ok(form_page(
        &auth,
        StatusCode::OK,
        FormPage {
            system_id: id,
            name: &name,
            form: &form,
            errors: &FormErrors::default(),
            prefilled_from: latest.map(|c| c.version),
        },
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let name = system_name(&state, &auth, id).await.or_page(&auth)?;
    let mut errors = FormErrors::default();
    let assessed_on = match form.text("assessed_on").trim() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                errors.add(
                    "assessed_on",
                    format!("{DATE_LABEL} must be a real date, such as 2025-09-15"),
                );
                None
            }
        },
    };
    if errors.is_empty() {
        let request = ClassifySystem {
            answers: eu_ai_act::shown_answers(&form_to_answers(&form)),
            note: form.text("note").to_owned(),
            assessed_on,
        };
        match classify_and_save(&state, &auth, id, request).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("{}?notice=classified", base(id))).into_response());
            }
            Err(ApiError::Validation(invalid)) => errors = form_errors(&invalid),
            Err(other) => return Err(WebError(other).page(Some(&auth))),
        }
    }
    Ok(form_page(
        &auth,
        StatusCode::BAD_REQUEST,
        FormPage {
            system_id: id,
            name: &name,
            form: &form,
            errors: &errors,
            prefilled_from: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aims_domain::ValidationErrors;

    #[test]
    fn form_values_become_answers_and_back() {
        let mut form = FormData::default();
        form.push("roles", "provider");
        form.push("roles", "deployer");
        form.push("ai_system", "true");
        form.push("scope_exclusion", "none");
        form.push("gpai_model", "");
        form.push("csrf_token", "x");
        let answers = form_to_answers(&form);
        assert_eq!(
            serde_json::to_value(&answers).unwrap(),
            serde_json::json!({"roles": ["provider", "deployer"], "ai_system": true, "scope_exclusion": "none"})
        );
        assert_eq!(form_to_answers(&answers_to_form(&answers)), answers);
    }

    #[test]
    fn errors_land_on_the_question_with_its_text() {
        let mut errors = ValidationErrors::new();
        errors.add("answers.ai_system", "is required");
        errors.add("answers.roles[1]", "must be one of provider, deployer");
        errors.add(
            "answers.roles",
            "none cannot be combined with other options",
        );
        errors.add("note", "must be at most 2000 characters");
        let form = form_errors(&errors);
        let fields: Vec<&str> = form.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ai_system", "roles", "note"]);
        assert!(
            form.0[0]
                .text
                .starts_with("Select yes or no for “Is it an AI system")
        );
        assert!(form.0[1].text.contains("must be one of"));
        assert_eq!(form.0[2].text, "Note must be at most 2000 characters");
    }
}

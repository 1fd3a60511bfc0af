//! The impact assessment pages: every assessment, starting one, answering a draft one
//! question group at a time, approving it, raising a risk from an answer, comparing versions.
//! The rules are the API's; the pages translate forms to its bodies.

use aims_domain::Permission;
use aims_domain::ValidationErrors;
use aims_domain::assessment::Answers;
use aims_domain::inventory::RecordKind;
use aims_library::{AssessmentTemplate, QuestionKind};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde_json::{Value, json};
use uuid::Uuid;

use super::forms::{Field, FormData, FormErrors, capitalise, csrf, error_summary};
use super::{OrPage, PageResult, form_or_page, notice, planning_page as page};
use crate::api::assessments::{
    answer_text, approve_assessment, comparison, create_assessment, raise, template,
    update_assessment,
};
use crate::auth::{Auth, AuthContext};
use crate::extract::parse_id;
use crate::state::AppState;

/// Errors as the form shows them: `answers.<id>` belongs to the input `q-<id>`.
fn form_errors(errors: &ValidationErrors, template: Option<&AssessmentTemplate>) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        match e.field.strip_prefix("answers.") {
            Some(id) => {
                let question = template
                    .and_then(|t| t.question(id))
                    .map_or(id.to_owned(), |q| q.text.clone());
                out.add(&format!("q-{id}"), format!("{question}: {}", e.message));
            }
            None => out.add(&e.field, capitalise(&e.message)),
        }
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let org = auth.organisation_id();
    let systems = state
        .store
        .record_names(org, RecordKind::System)
        .await
        .or_page(&auth)?;
    let system = match query.get("system_id").filter(|s| !s.is_empty()) {
        Some(id) => Some(parse_id(id, "system_id").or_page(&auth)?),
        None => None,
    };
    let assessments = state.store.assessments(org, system).await.or_page(&auth)?;
    let today = crate::api::soa::today();
    let library = crate::library::current();
    let system_name = |id: &Uuid| {
        systems
            .iter()
            .find(|(s, _)| s == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let template_name = |id: &str| {
        library
            .and_then(|l| l.template(id))
            .map_or_else(|| id.to_owned(), |t| t.name.clone())
    };
    let none = FormErrors::default();
    let system_options: Vec<(String, String)> = systems
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    let body = html! {
        div.page-header {
            div {
                span.caption { "ISO/IEC 42001 · 6.1.4, 8.4, A.5" }
                h1 { "Impact assessments" }
            }
            @if auth.can(Permission::Edit) { a.button href="/impact-assessments/new" { "New assessment" } }
        }
        (notice(query.get("notice")))
        p.lead { "How each AI system may affect individuals, groups and society, assessed with the library's templates, approved by a manager and repeated when due." }
        form.filters method="get" action="/impact-assessments" {
            (Field { name: "system_id", label: "AI system", hint: "", optional: false }.select(&none, &system_options, query.text("system_id"), Some("Any")))
            div.filter-actions { button.button type="submit" { "Filter" } }
        }
        @if assessments.is_empty() {
            p { "No impact assessments have been recorded yet." }
        } @else {
            div.table-wrap {
                table.data {
                    thead { tr {
                        th scope="col" { "AI system" } th scope="col" { "Template" } th scope="col" { "Version" }
                        th scope="col" { "Status" } th scope="col" { "Impact level" } th scope="col" { "Review due" }
                    } }
                    tbody {
                        @for a in &assessments {
                            tr {
                                th scope="row" { a href=(format!("/impact-assessments/{}", a.id)) { (system_name(&a.system_id)) } }
                                td { (template_name(&a.template_id)) }
                                td { (a.version) }
                                td { span.label.(a.status.as_str()) { (a.status.label()) } }
                                td { (a.level) }
                                td {
                                    @if let Some(d) = a.review_due { (d) }
                                    @if a.review_overdue(today) { " " span.label.high { "overdue" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        "Impact assessments".into(),
        &auth,
        body,
        StatusCode::OK,
    ))
}

async fn new_page(
    state: &AppState,
    auth: &AuthContext,
    values: &FormData,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let systems = state
        .store
        .record_names(auth.organisation_id(), RecordKind::System)
        .await
        .or_page(auth)?;
    let system_options: Vec<(String, String)> = systems
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    let templates: Vec<(String, String, &str)> = crate::library::current()
        .iter()
        .flat_map(|l| l.templates.iter())
        .map(|t| (t.id.clone(), t.name.clone(), t.description.as_str()))
        .collect();
    let body = html! {
        span.caption { a href="/impact-assessments" { "Impact assessments" } }
        h1 { "New impact assessment" }
        form.record-form method="post" action="/impact-assessments/new" novalidate {
            (error_summary(errors))
            (csrf(auth))
            (Field { name: "system_id", label: "AI system", hint: "", optional: false }.select(errors, &system_options, values.text("system_id"), Some("Choose")))
            (Field { name: "template_id", label: "Template", hint: "A new version of an earlier assessment starts from its answers.", optional: false }.choices(errors, false, &templates, &values.all("template_id"), "The library has no templates."))
            (Field { name: "review_due", label: "Review due", hint: "When the assessment is to be repeated.", optional: true }.input(errors, "date", values.text("review_due"), None))
            div.actions { button.button type="submit" { "Start the assessment" } a href="/impact-assessments" { "Cancel" } }
        }
    };
    Ok(page("New impact assessment".into(), auth, body, status))
}

pub async fn new_form(State(state): State<AppState>, Auth(auth): Auth) -> PageResult {
    let none = FormErrors::default();
    new_page(&state, &auth, &FormData::default(), &none, StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut errors = FormErrors::default();
    let system = form.text("system_id");
    if Uuid::parse_str(system).is_err() {
        errors.add("system_id", "Choose the AI system to assess");
    }
    if form.text("template_id").is_empty() {
        errors.add("template_id", "Choose a template");
    }
    if errors.is_empty() {
        let review = form.text("review_due");
        let request = json!({
            "system_id": system,
            "template_id": form.text("template_id"),
            "review_due": if review.is_empty() { Value::Null } else { json!(review) },
        });
        match create_assessment(&state, &auth, request).await {
            Ok(a) => {
                return Ok(
                    Redirect::to(&format!("/impact-assessments/{}/edit", a.id)).into_response()
                );
            }
            Err(err) => errors = form_or_page(err, &auth, "assessment", |e| form_errors(e, None))?,
        }
    }
    new_page(&state, &auth, &form, &errors, StatusCode::BAD_REQUEST).await
}

/// The input of one question, named `q-<id>`, showing `value`.
fn question_input(
    q: &aims_library::Question,
    value: Option<&Value>,
    errors: &FormErrors,
) -> Markup {
    let name = format!("q-{}", q.id);
    let field = Field {
        name: &name,
        label: &q.text,
        hint: q.guidance.as_deref().unwrap_or(""),
        optional: !q.required,
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    match q.kind {
        QuestionKind::Text => field.textarea(errors, &text(value), 3),
        QuestionKind::SingleChoice => {
            let options: Vec<(String, String, &str)> = q
                .options
                .iter()
                .map(|o| (o.value.clone(), o.label.clone(), ""))
                .collect();
            let current = text(value);
            field.choices(errors, false, &options, &[current.as_str()], "")
        }
        QuestionKind::MultipleChoice => {
            let options: Vec<(String, String, &str)> = q
                .options
                .iter()
                .map(|o| (o.value.clone(), o.label.clone(), ""))
                .collect();
            let checked: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            field.choices(errors, true, &options, &checked, "")
        }
        QuestionKind::YesNo => {
            let options = vec![
                ("true".to_owned(), "Yes".to_owned(), ""),
                ("false".to_owned(), "No".to_owned(), ""),
            ];
            let current = text(value);
            field.choices(errors, false, &options, &[current.as_str()], "")
        }
        QuestionKind::Scale => {
            let options: Vec<(String, String, &str)> = q
                .scale
                .iter()
                .flat_map(|s| {
                    (s.min..=s.max).map(|v| {
                        let label = s
                            .labels
                            .iter()
                            .find(|l| l.value == v)
                            .map_or_else(|| v.to_string(), |l| format!("{v} — {}", l.label));
                        (v.to_string(), label, "")
                    })
                })
                .collect();
            let current = text(value);
            field.choices(errors, false, &options, &[current.as_str()], "")
        }
    }
}

/// The answers a form holds, one per question of the template; `null` for none given.
fn form_answers(template: &AssessmentTemplate, form: &FormData) -> Answers {
    template
        .questions()
        .map(|q| {
            let name = format!("q-{}", q.id);
            let value = match q.kind {
                QuestionKind::MultipleChoice => {
                    let all = form.all(&name);
                    if all.is_empty() {
                        Value::Null
                    } else {
                        json!(all)
                    }
                }
                _ => match form.text(&name).trim() {
                    "" => Value::Null,
                    text => match q.kind {
                        QuestionKind::YesNo => match text {
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            other => json!(other),
                        },
                        QuestionKind::Scale => text
                            .parse::<i64>()
                            .map_or_else(|_| json!(text), |n| json!(n)),
                        _ => json!(text),
                    },
                },
            };
            (q.id.clone(), value)
        })
        .collect()
}

async fn edit_page(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    submitted: Option<(&Answers, &FormData)>,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let a = state
        .store
        .assessment(auth.organisation_id(), id)
        .await
        .or_page(auth)?;
    let t = template(&a.template_id, "template_id").or_page(auth)?;
    let answers = submitted.map_or(&a.answers, |(answers, _)| answers);
    let review = submitted.map_or_else(
        || a.review_due.map(|d| d.to_string()).unwrap_or_default(),
        |(_, form)| form.text("review_due").to_owned(),
    );
    let body = html! {
        span.caption { a href=(format!("/impact-assessments/{id}")) { (t.name) ", version " (a.version) } }
        h1 { "Answer the assessment" }
        p.lead { (t.description) }
        form.record-form method="post" action=(format!("/impact-assessments/{id}/edit")) novalidate {
            (error_summary(errors))
            (csrf(auth))
            input type="hidden" name="revision" value=(a.revision);
            @for section in &t.sections {
                fieldset.field {
                    legend { h2 { (section.title) } }
                    @if let Some(d) = &section.description { p.hint { (d) } }
                    @for q in &section.questions { (question_input(q, answers.get(&q.id), errors)) }
                }
            }
            (Field { name: "review_due", label: "Review due", hint: "", optional: true }.input(errors, "date", &review, None))
            div.actions {
                button.button type="submit" { "Save" }
                a href=(format!("/impact-assessments/{id}")) { "Cancel" }
            }
        }
    };
    Ok(page(format!("Answer: {}", t.name), auth, body, status))
}

pub async fn edit_form(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let none = FormErrors::default();
    edit_page(&state, &auth, id, None, &none, StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let current = state
        .store
        .assessment(auth.organisation_id(), id)
        .await
        .or_page(&auth)?;
    let t = template(&current.template_id, "template_id").or_page(&auth)?;
    let answers = form_answers(t, &form);
    let review = form.text("review_due");
    let request = json!({
        "revision": form.text("revision").parse::<i64>().unwrap_or(0),
        "answers": answers,
        "review_due": if review.is_empty() { Value::Null } else { json!(review) },
    });
    let errors = match update_assessment(&state, &auth, id, request).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/impact-assessments/{id}?notice=saved")).into_response(),
            );
        }
        Err(err) => form_or_page(err, &auth, "assessment", |e| form_errors(e, Some(t)))?,
    };
    let kept: Answers = answers.into_iter().filter(|(_, v)| !v.is_null()).collect();
    edit_page(
        &state,
        &auth,
        id,
        Some((&kept, &form)),
        &errors,
        StatusCode::BAD_REQUEST,
    )
    .await
}

pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let id = parse_id(&id, "id").or_page(&auth)?;
    let none = FormErrors::default();
    details(
        &state,
        &auth,
        id,
        query.get("notice"),
        &none,
        StatusCode::OK,
    )
    .await
}

async fn details(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    notice_code: Option<&str>,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    let a = state.store.assessment(org, id).await.or_page(auth)?;
    let t = template(&a.template_id, "template_id").or_page(auth)?;
    let system = state
        .store
        .record::<aims_domain::inventory::SystemFields>(org, a.system_id)
        .await
        .or_page(auth)?;
    let versions: Vec<_> = state
        .store
        .assessments(org, Some(a.system_id))
        .await
        .or_page(auth)?
        .into_iter()
        .filter(|v| v.template_id == a.template_id)
        .collect();
    let previous = versions.iter().find(|v| v.version == a.version - 1);
    let criteria = state.store.risk_criteria(org).await.or_page(auth)?.criteria;
    let scale = |steps: &[aims_domain::risk::ScaleStep]| -> Vec<(String, String)> {
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| ((i + 1).to_string(), format!("{} — {}", i + 1, s.label)))
            .collect()
    };
    // Answers that indicate a level are where risks come from; offer those first.
    let raisable: Vec<(String, String)> = t
        .questions()
        .filter(|q| a.answers.contains_key(&q.id))
        .map(|q| {
            let answer = answer_text(t, &q.id, &a.answers[&q.id]);
            let flagged = a.reasons.iter().any(|r| r.question_id == q.id);
            let mark = if flagged { "⚑ " } else { "" };
            (q.id.clone(), format!("{mark}{} — {answer}", q.text))
        })
        .collect();
    let can_edit = auth.can(Permission::Edit);
    let body = html! {
        div.page-header {
            div {
                span.caption { a href="/impact-assessments" { "Impact assessments" } }
                h1 { (t.name) }
            }
            div.actions {
                @if can_edit && a.is_draft() { a.button href=(format!("/impact-assessments/{id}/edit")) { "Answer" } }
                a href=(format!("/api/v1/impact-assessments/{id}/report")) download { "Download the report" }
            }
        }
        (notice(notice_code))
        (error_summary(errors))
        (crate::assessments::body(&system.fields.name, t, &a))
        h2 { "Versions" }
        ul {
            @for v in &versions {
                li {
                    @if v.id == a.id { strong { "Version " (v.version) } } @else { a href=(format!("/impact-assessments/{}", v.id)) { "Version " (v.version) } }
                    " · " (v.status.label()) " · " (v.level)
                }
            }
        }
        @if let Some(p) = previous {
            p { a href=(format!("/impact-assessments/{id}/compare?with={}", p.id)) { "What changed since version " (p.version) } }
        }
        @if !a.risk_ids.is_empty() {
            h2 { "Risks raised from this assessment" }
            ul { @for r in &a.risk_ids { li { a href=(format!("/risks/{r}")) { (r) } } } }
        }
        @if a.is_draft() && auth.can(Permission::Approve) {
            h2 { "Approve" }
            form.record-form method="post" action=(format!("/impact-assessments/{id}/approve")) {
                (csrf(auth))
                input type="hidden" name="revision" value=(a.revision);
                (Field { name: "note", label: "Approval note", hint: "", optional: true }.textarea(errors, "", 2))
                button.button type="submit" { "Approve version " (a.version) }
            }
        } @else if !a.is_draft() && can_edit {
            form method="post" action="/impact-assessments/new" {
                (csrf(auth))
                input type="hidden" name="system_id" value=(a.system_id);
                input type="hidden" name="template_id" value=(a.template_id);
                button.button type="submit" { "Re-assess: start version " (versions.iter().map(|v| v.version).max().unwrap_or(0) + 1) }
            }
        }
        @if can_edit && !raisable.is_empty() {
            h2 { "Raise a risk" }
            form.record-form method="post" action=(format!("/impact-assessments/{id}/raise-risk")) {
                (csrf(auth))
                p.hint { "Adds a risk for " (system.fields.name) " to the register, linked to this assessment. Answers marked ⚑ raised the impact level." }
                (Field { name: "question_id", label: "From the answer", hint: "", optional: false }.select(errors, &raisable, "", None))
                (Field { name: "inherent_likelihood", label: "Likelihood", hint: "", optional: false }.select(errors, &scale(&criteria.likelihood), "", Some("Choose")))
                (Field { name: "inherent_impact", label: "Impact", hint: "", optional: false }.select(errors, &scale(&criteria.impact), "", Some("Choose")))
                button.button type="submit" { "Raise the risk" }
            }
        }
    };
    Ok(page(
        format!("{} — {}", t.name, system.fields.name),
        auth,
        body,
        status,
    ))
}

pub async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let request = json!({
        "revision": form.text("revision").parse::<i64>().unwrap_or(0),
        "note": form.text("note"),
    });
    match approve_assessment(&state, &auth, id, request).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/impact-assessments/{id}?notice=saved")).into_response())
        }
        Err(err) => {
            let current = state
                .store
                .assessment(auth.organisation_id(), id)
                .await
                .ok();
            let t = current.and_then(|a| template(&a.template_id, "").ok());
            let errors = form_or_page(err, &auth, "assessment", |e| form_errors(e, t))?;
            // Unanswered questions are fixed on the questionnaire: show it with the summary.
            edit_page(&state, &auth, id, None, &errors, StatusCode::BAD_REQUEST).await
        }
    }
}

pub async fn raise_risk(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let request = json!({
        "question_id": form.text("question_id"),
        "inherent": {
            "likelihood": form.text("inherent_likelihood").parse::<u8>().unwrap_or(0),
            "impact": form.text("inherent_impact").parse::<u8>().unwrap_or(0),
        },
    });
    match raise(&state, &auth, id, request).await {
        Ok(raised) => Ok(
            Redirect::to(&format!("/risks/{}?notice=created", raised.risk.risk.id)).into_response(),
        ),
        Err(err) => {
            let mut errors = form_or_page(err, &auth, "assessment", |e| form_errors(e, None))?;
            for e in &mut errors.0 {
                e.field = e.field.replace("inherent.", "inherent_");
            }
            details(&state, &auth, id, None, &errors, StatusCode::BAD_REQUEST).await
        }
    }
}

pub async fn compare(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let id = parse_id(&id, "id").or_page(&auth)?;
    let other = parse_id(query.text("with"), "with").or_page(&auth)?;
    let org = auth.organisation_id();
    let c = comparison(&state, org, id, other).await.or_page(&auth)?;
    let a = state.store.assessment(org, id).await.or_page(&auth)?;
    let t = template(&a.template_id, "template_id").or_page(&auth)?;
    let show = |q: &str, v: &Option<Value>| match v {
        Some(v) => answer_text(t, q, v),
        None => "Not answered".to_owned(),
    };
    let body = html! {
        span.caption { a href=(format!("/impact-assessments/{id}")) { (t.name) } }
        h1 { "Version " (c.from_version) " → version " (c.to_version) }
        p { "Impact level: " strong { (c.from_level) } " → " strong { (c.to_level) } }
        @if c.changes.is_empty() {
            p { "No answer changed." }
        } @else {
            table.data {
                thead { tr { th scope="col" { "Question" } th scope="col" { "Version " (c.from_version) } th scope="col" { "Version " (c.to_version) } } }
                tbody {
                    @for change in &c.changes {
                        tr {
                            th scope="row" { (t.question(&change.question_id).map_or(change.question_id.as_str(), |q| q.text.as_str())) }
                            td { (show(&change.question_id, &change.before)) }
                            td { (show(&change.question_id, &change.after)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Compare versions".into(), &auth, body, StatusCode::OK))
}

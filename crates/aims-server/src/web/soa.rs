//! The Statement of Applicability pages: adoption of a framework, the controls grouped by
//! Annex A objective with filters and bulk edit, one control or clause requirement with its
//! framework text and its entry, approved versions with their comparison, and readiness.
//! Every rule is the API's (`crate::api::soa`); these pages only translate forms to its
//! bodies and show its answers.

use aims_domain::readiness::{GroupScore, Score};
use aims_domain::soa::{
    ConformityStatus, ControlFields, EvidenceRef, EvidenceState, ImplementationStatus, ItemType,
    RequirementFields, SoaItem,
};
use aims_domain::{Permission, ValidationErrors};
use aims_library::{Framework, NodeKind};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::forms::{Field, FormData, FormErrors, capitalise, csrf, error_summary, options};
use super::inventory::when;
use super::{OrPage, PageResult, WebError, form_or_page, notice, planning_page as page};
use crate::api::soa::{
    BulkEdit, ItemFilter, SoaControl, SoaRequirement, adopt_framework, adopted, apply_bulk,
    check_ref, comparison, control_view, filter_controls, overview_of, readiness_of,
    requirement_view, update_item, version_param,
};
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::soa::{control_nodes, group_of, requirement_nodes};
use crate::state::AppState;

const CONTROL_LABELS: &[(&str, &str)] = &[
    ("applicable", "Applicable"),
    ("justification", "Justification"),
    ("status", "Status"),
    ("owner", "Owner"),
    ("target_date", "Target date"),
    ("evidence", "Evidence"),
    ("risk_ids", "Linked risks"),
    ("revision", "Revision"),
];

const REQUIREMENT_LABELS: &[(&str, &str)] = &[
    ("status", "Status"),
    ("owner", "Owner"),
    ("notes", "Notes"),
    ("evidence", "Evidence"),
    ("revision", "Revision"),
];

const FILTER_LABELS: &[(&str, &str)] = &[
    ("status", "Status"),
    ("owner", "Owner"),
    ("applicable", "Applicable"),
];

const EVIDENCE_HINT: &str = "One reference per line: a document, a URL, a ticket. Add ` | YYYY-MM-DD` after a reference for the last day it is current, for example `Access review Q1 | 2026-06-30`; without a date it does not expire.";

/// A ref as one path segment of an address: `A.6.2.4` stays as it is, anything else is
/// percent-encoded.
pub(crate) fn segment(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    for b in r.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn field<'a>(name: &'a str, label: &'a str, hint: &'a str, optional: bool) -> Field<'a> {
    Field {
        name,
        label,
        hint,
        optional,
    }
}

fn evidence_label(state: EvidenceState) -> Markup {
    match state {
        EvidenceState::Current => html! { span.label.low { "current" } },
        EvidenceState::Missing => html! { span.label.medium { "missing" } },
        EvidenceState::Expired => html! { span.label.high { "expired" } },
    }
}

fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_owned(), |p| format!("{p:.1} %"))
}

/// A bar of 0 to 100 % drawn with SVG attributes (the CSP forbids inline styles).
fn bar(p: Option<f64>) -> Markup {
    let width = p.unwrap_or(0.0).clamp(0.0, 100.0);
    html! {
        svg.bar width="100" height="10" viewBox="0 0 100 10" aria-hidden="true" {
            rect.bar-track width="100" height="10" {}
            rect.bar-fill width=(format!("{width:.1}")) height="10" {}
        }
    }
}

/// Evidence as the form's text: one reference a line, ` | date` when it expires.
fn evidence_text(evidence: &[EvidenceRef]) -> String {
    evidence
        .iter()
        .map(|e| match e.expires_on {
            Some(d) => format!("{} | {d}", e.reference),
            None => e.reference.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form's evidence text as the API's list. The part after the last `|` is the expiry
/// date when it starts with a digit; the API checks the date.
fn evidence_json(text: &str) -> Value {
    let items: Vec<Value> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.rsplit_once('|') {
            Some((reference, date)) if date.trim().starts_with(|c: char| c.is_ascii_digit()) => {
                json!({"reference": reference.trim(), "expires_on": date.trim()})
            }
            _ => json!({"reference": line}),
        })
        .collect();
    Value::Array(items)
}

fn optional_date(text: &str) -> Value {
    match text.trim() {
        "" => Value::Null,
        d => json!(d),
    }
}

// ---------------------------------------------------------------------------------------
// The editor: adoption, overview, filters, controls by objective, bulk edit.

pub async fn editor(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    editor_page(
        &state,
        &auth,
        &query,
        &FormData::default(),
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn adopt_page(
    auth: &AuthContext,
    query: &FormData,
    values: &FormData,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let library = crate::library::current();
    let choices: Vec<(String, String, String)> = library
        .iter()
        .flat_map(|l| l.frameworks.iter())
        .filter(|fw| control_nodes(fw).next().is_some() || requirement_nodes(fw).next().is_some())
        .map(|fw| {
            (
                fw.id.clone(),
                fw.name.clone(),
                format!(
                    "{} controls, {} requirements · {}",
                    control_nodes(fw).count(),
                    requirement_nodes(fw).count(),
                    fw.publisher
                ),
            )
        })
        .collect();
    let choice_refs: Vec<(String, String, &str)> = choices
        .iter()
        .map(|(v, l, h)| (v.clone(), l.clone(), h.as_str()))
        .collect();
    let selected = values.get("framework_id").unwrap_or("iso-iec-42001-2023");
    let body = html! {
        span.caption { "ISO/IEC 42001 · 6.1.3 d–f, Annex A" }
        h1 { "Statement of Applicability" }
        (notice(query.get("notice")))
        p.lead { "No framework has been adopted yet. Adopting one creates an entry for each of its controls and clause requirements, to be filled in and approved." }
        @if auth.can(Permission::Edit) {
            form.record-form method="post" action="/soa" novalidate {
                (error_summary(errors))
                (csrf(auth))
                (field("framework_id", "Framework", "The framework whose controls and requirements the SoA lists. Browse them under Frameworks.", false)
                    .choices(errors, false, &choice_refs, &[selected], "The library has no framework with controls or requirements."))
                div.actions { button.button type="submit" { "Adopt this framework" } }
            }
        } @else {
            p { "Ask a contributor or a manager to adopt a framework." }
        }
        p { a href="/frameworks" { "Browse the frameworks of the library" } }
    };
    Ok(page(
        "Statement of Applicability".into(),
        auth,
        body,
        status,
    ))
}

pub async fn adopt(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let errors = match adopt_framework(&state, &auth, form.text("framework_id")).await {
        Ok(()) => return Ok(Redirect::to("/soa?notice=adopted").into_response()),
        Err(err) => form_or_page(err, &auth, "SoA", |e| {
            FormErrors::from_validation(e, &[("framework_id", "Framework")])
        })?,
    };
    adopt_page(
        &auth,
        &FormData::default(),
        &form,
        &errors,
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// Controls in the framework's order, grouped by their Annex A objective.
fn by_objective(fw: &Framework, items: Vec<SoaControl>) -> Vec<(String, String, Vec<SoaControl>)> {
    let mut groups: Vec<(String, String, Vec<SoaControl>)> = Vec::new();
    for item in items {
        let (r, title) = group_of(fw, &item.item_ref, NodeKind::Objective)
            .map(|g| (g.ref_.clone(), g.title.clone()))
            .unwrap_or_default();
        match groups.iter_mut().find(|(g, _, _)| *g == r) {
            Some((_, _, members)) => members.push(item),
            None => groups.push((r, title, vec![item])),
        }
    }
    groups
}

async fn editor_page(
    state: &AppState,
    auth: &AuthContext,
    query: &FormData,
    bulk: &FormData,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    if state.store.soa(org).await.or_page(auth)?.is_none() {
        return adopt_page(auth, query, &FormData::default(), errors, status).await;
    }
    let overview = overview_of(state, org).await.or_page(auth)?;
    let adopted = adopted(state, org).await.or_page(auth)?;
    let fw = adopted.framework;
    let given = |name: &str| query.get(name).map(str::to_owned);
    let filter = ItemFilter {
        status: given("status"),
        owner: given("owner"),
        applicable: given("applicable"),
    };
    let all: Vec<SoaItem<ControlFields>> = state.store.soa_items(org).await.or_page(auth)?;
    let total = all.len();
    let (shown, filter_errors) = match filter_controls(all, &filter) {
        Ok(items) => (items, FormErrors::default()),
        Err(e) => (Vec::new(), FormErrors::from_validation(&e, FILTER_LABELS)),
    };
    let status = if filter_errors.is_empty() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let views: Vec<SoaControl> = shown.into_iter().map(|i| control_view(fw, i)).collect();
    let count = views.len();
    let groups = by_objective(fw, views);
    let risks = state.store.risks(org).await.or_page(auth)?;
    let risk_title = |id: &Uuid| {
        risks
            .iter()
            .find(|r| r.id == *id)
            .map_or_else(|| id.to_string(), |r| r.fields.title.clone())
    };
    let can_edit = auth.can(Permission::Edit);
    let statuses = options(
        ImplementationStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label())),
    );
    let applicable_options = options([("true", "Included"), ("false", "Excluded")].into_iter());
    let filtered = ["status", "owner", "applicable"]
        .iter()
        .any(|n| !query.text(n).is_empty());
    let ticked = bulk.all("item_refs");
    let offsets: Vec<usize> = groups
        .iter()
        .scan(0, |start, (_, _, items)| {
            let first = *start;
            *start += items.len();
            Some(first)
        })
        .collect();
    let body = html! {
        div.page-header {
            div {
                span.caption { "ISO/IEC 42001 · 6.1.3 d–f, Annex A" }
                h1 { "Statement of Applicability" }
            }
            a.button.secondary href="/soa/readiness" { "Readiness" }
        }
        (notice(query.get("notice")))
        dl.details.meta-list {
            dt { "Framework" } dd { a href=(format!("/frameworks/{}", segment(&overview.framework_id))) { (overview.framework_name) } }
            dt { "Adopted" } dd { (when(overview.adopted_at)) " by " (overview.adopted_by) }
            dt { "Entries" } dd { (overview.controls) " controls · " a href="/soa/requirements" { (overview.requirements) " clause requirements" } }
            dt { "Latest approved version" }
            dd {
                @match &overview.approved {
                    Some(v) => { "Version " (v.version) ", " (when(v.approved_at)) " by " (v.approved_by) }
                    None => { "None yet" }
                }
                " · " a href="/soa/versions" { "Versions and approval" }
            }
            dt { "Changed since approval" }
            dd { @if overview.changed_since_approval { span.label.medium { "yes" } } @else { span.label.low { "no" } } }
        }
        p {
            "Download the SoA: "
            a href="/api/v1/soa/export?format=xlsx" download { "Excel workbook" } " · "
            a href="/api/v1/soa/export?format=csv" download { "CSV" } " · "
            a href="/api/v1/soa/export?format=oscal-profile" download { "OSCAL profile" } " · "
            a href="/api/v1/soa/export?format=oscal-assessment-results" download { "OSCAL assessment results" }
        }
        (error_summary(&filter_errors))
        form.filters method="get" action="/soa" {
            (field("status", "Status", "", false).select(&filter_errors, &statuses, query.text("status"), Some("Any")))
            (field("owner", "Owner", "", false).input(&filter_errors, "search", query.text("owner"), None))
            (field("applicable", "Applicable", "", false).select(&filter_errors, &applicable_options, query.text("applicable"), Some("Any")))
            div.filter-actions {
                button.button type="submit" { "Filter" }
                @if filtered { a href="/soa" { "Clear filters" } }
            }
        }
        p.meta #list-count role="status" { (count) " of " (total) " controls" }
        form method="post" action="/soa/bulk" novalidate {
            (error_summary(errors))
            @if can_edit {
                (csrf(auth))
                fieldset.bulk-edit {
                    legend { "Change the selected controls" }
                    p.hint { "Tick controls in the table, then set a status, an owner (or remove it) or both. Every selected control is checked before any is saved." }
                    div.filters {
                        (field("bulk_status", "New status", "", false).select(errors, &statuses, bulk.text("bulk_status"), Some("Keep each status")))
                        (field("bulk_owner", "New owner", "Leave empty to keep each owner.", false).input(errors, "text", bulk.text("bulk_owner"), None))
                        (field("bulk_clear_owner", "Remove the owner", "Leaves the selected controls without an owner.", false).checkbox(errors, bulk.text("bulk_clear_owner") == "true"))
                        div.filter-actions { button.button type="submit" { "Apply to selected controls" } }
                    }
                }
            }
            @for ((group_ref, group_title, items), first) in groups.iter().zip(&offsets) {
                h2 { span.iso-ref { (group_ref) } " " (group_title) }
                div.table-wrap {
                    table.data {
                        caption.visually-hidden { "Controls of " (group_ref) " " (group_title) }
                        thead { tr {
                            @if can_edit { th scope="col" { span.visually-hidden { "Select" } } }
                            th scope="col" { "Control" } th scope="col" { "Applicable" } th scope="col" { "Status" }
                            th scope="col" { "Owner" } th scope="col" { "Target date" } th scope="col" { "Evidence" } th scope="col" { "Risks" }
                        } }
                        tbody {
                            @for (i, c) in items.iter().enumerate() {
                                @let row = first + i;
                                @let id = if row == 0 { "field-item_refs".to_owned() } else { format!("select-{row}") };
                                tr {
                                    @if can_edit {
                                        td {
                                            input id=(id) type="checkbox" name="item_refs" value=(c.item_ref) checked[ticked.contains(&c.item_ref.as_str())];
                                            label.visually-hidden for=(id) { "Select " (c.item_ref) }
                                        }
                                    }
                                    th scope="row" { a href=(format!("/soa/controls/{}", segment(&c.item_ref))) { span.iso-ref { (c.item_ref) } " " (c.title) } }
                                    td { @if c.fields.applicable { "Yes" } @else { "No" } }
                                    td { (c.fields.status.label()) }
                                    td { (c.fields.owner) }
                                    td { @if let Some(d) = c.fields.target_date { (d) } }
                                    td { (evidence_label(c.evidence_state)) }
                                    td {
                                        @for (i, id) in c.fields.risk_ids.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            a href=(format!("/risks/{id}")) { (risk_title(id)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if groups.is_empty() {
                p { @if filtered { "No controls match these filters." } @else { "The adopted framework has no controls." } }
            }
        }
    };
    Ok(page(
        "Statement of Applicability".into(),
        auth,
        body,
        status,
    ))
}

pub async fn bulk(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut errors = FormErrors::default();
    let status = match form.text("bulk_status").trim() {
        "" => None,
        s => ImplementationStatus::parse(s)
            .map_err(|m| errors.add("bulk_status", format!("New status {m}")))
            .ok(),
    };
    let new_owner = form.text("bulk_owner").trim();
    let owner = match (new_owner, form.text("bulk_clear_owner") == "true") {
        ("", false) => None,
        ("", true) => Some(String::new()),
        (_, true) => {
            errors.add(
                "bulk_clear_owner",
                "Either name a new owner or remove the owner, not both",
            );
            None
        }
        (name, false) => Some(name.to_owned()),
    };
    if errors.is_empty() {
        let edit = BulkEdit {
            item_refs: form
                .all("item_refs")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            status,
            owner,
        };
        match apply_bulk(&state, &auth, &edit).await {
            Ok(_) => return Ok(Redirect::to("/soa?notice=saved").into_response()),
            Err(ApiError::Validation(e)) => errors = bulk_errors(&e, &edit.item_refs),
            Err(err) => {
                errors = form_or_page(err, &auth, "control", |e| {
                    FormErrors::from_validation(e, &[])
                })?
            }
        }
    }
    editor_page(
        &state,
        &auth,
        &FormData::default(),
        &form,
        &errors,
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// The bulk edit's problems: those of the selection name its input; those of a control's
/// entry (`controls[A.2.2].justification`, or `justification` when one control is
/// selected) say which control to open.
fn bulk_errors(errors: &ValidationErrors, refs: &[String]) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        if e.field.starts_with("item_refs") {
            if !out.has("item_refs") {
                out.add("item_refs", format!("Selected controls {}", e.message));
            }
            continue;
        }
        if e.field.is_empty() {
            out.add("", capitalise(&e.message));
            continue;
        }
        let entry = refs
            .iter()
            .find_map(|r| {
                let entry = ItemType::Control.field_name(r, "");
                Some((r.as_str(), e.field.strip_prefix(entry.as_str())?))
            })
            .or_else(|| (refs.len() == 1).then(|| (refs[0].as_str(), e.field.as_str())));
        let text = match entry {
            Some((r, f)) => format!("Control {r}: {} {}", f.replace('_', " "), e.message),
            None => format!("{}: {}", e.field, e.message),
        };
        out.add("", text);
    }
    out
}

// ---------------------------------------------------------------------------------------
// One control.

fn node_text(fw: &Framework, r: &str) -> Markup {
    let Some(node) = fw.node(r) else {
        return html! {};
    };
    html! {
        section.inset {
            h2 { "What " (fw.short_name) " asks" }
            @if let Some(d) = &node.description { p { (d) } }
            @if let Some(g) = &node.guidance { h3 { "Guidance" } p { (g) } }
            @if !node.evidence.is_empty() {
                h3 { "Evidence expected" }
                ul.plain { @for e in &node.evidence { li { (e) } } }
            }
            p { a href=(format!("/frameworks/{}/nodes/{}", segment(&fw.id), segment(r))) { "Crosswalk to other frameworks" } }
        }
    }
}

fn control_to_form(c: &SoaControl) -> FormData {
    let f = &c.fields;
    let mut form = FormData::default();
    form.push("revision", c.revision.to_string());
    form.push("applicable", if f.applicable { "true" } else { "false" });
    form.push("justification", f.justification.clone());
    form.push("status", f.status.as_str());
    form.push("owner", f.owner.clone());
    form.push(
        "target_date",
        f.target_date.map(|d| d.to_string()).unwrap_or_default(),
    );
    form.push("evidence", evidence_text(&f.evidence));
    form
}

/// The form as the API's partial update; `risk_ids` is left out, so it stays as it is.
fn control_patch(form: &FormData) -> Map<String, Value> {
    let mut patch = Map::new();
    patch.insert(
        "revision".into(),
        json!(form.text("revision").parse::<i64>().unwrap_or(0)),
    );
    patch.insert(
        "applicable".into(),
        match form.text("applicable") {
            "true" => json!(true),
            "false" => json!(false),
            other => json!(other),
        },
    );
    patch.insert("justification".into(), json!(form.text("justification")));
    patch.insert("status".into(), json!(form.text("status")));
    patch.insert("owner".into(), json!(form.text("owner").trim()));
    patch.insert(
        "target_date".into(),
        optional_date(form.text("target_date")),
    );
    patch.insert("evidence".into(), evidence_json(form.text("evidence")));
    patch
}

async fn control_page(
    state: &AppState,
    auth: &AuthContext,
    r: &str,
    values: Option<&FormData>,
    errors: &FormErrors,
    notice_code: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    let adopted = adopted(state, org).await.or_page(auth)?;
    let fw = adopted.framework;
    check_ref(fw, ItemType::Control, "ref", r).or_page(auth)?;
    let item = state.store.soa_item(org, r).await.or_page(auth)?;
    let c = control_view(fw, item);
    let stored = control_to_form(&c);
    let values = values.unwrap_or(&stored);
    let risks = state.store.risks(org).await.or_page(auth)?;
    let statuses = options(
        ImplementationStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label())),
    );
    let applicable: Vec<(String, String, &str)> = vec![
        (
            "true".into(),
            "Included".into(),
            "The control applies and is (to be) implemented.",
        ),
        (
            "false".into(),
            "Excluded".into(),
            "The control does not apply; its status is then Not applicable.",
        ),
    ];
    let objective = group_of(fw, r, NodeKind::Objective);
    let body = html! {
        span.caption {
            a href="/soa" { "Statement of Applicability" }
            @if let Some(o) = objective { " · " (o.ref_) " " (o.title) }
        }
        h1 { span.iso-ref { (c.item_ref) } " " (c.title) }
        (notice(notice_code))
        (node_text(fw, r))
        h2 { "Entry" }
        dl.details.meta-list {
            dt { "Evidence" } dd { (evidence_label(c.evidence_state)) }
            dt { "Linked risks" }
            dd {
                @if c.fields.risk_ids.is_empty() { "None. Risks link controls from their treatment actions." }
                @for (i, id) in c.fields.risk_ids.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href=(format!("/risks/{id}")) { (risks.iter().find(|x| x.id == *id).map_or_else(|| id.to_string(), |x| x.fields.title.clone())) }
                }
            }
            dt { "Last changed" } dd { (when(c.updated_at)) " by " (c.updated_by) " (revision " (c.revision) ")" }
        }
        @if auth.can(Permission::Edit) {
            form.record-form method="post" action=(format!("/soa/controls/{}", segment(r))) novalidate {
                (error_summary(errors))
                (csrf(auth))
                input type="hidden" name="revision" value=(values.text("revision"));
                (field("applicable", "Applicable", "", false).choices(errors, false, &applicable, &[values.text("applicable")], ""))
                (field("justification", "Justification", "Why the control is included or excluded; required either way.", false).textarea(errors, values.text("justification"), 4))
                (field("status", "Status", "", false).select(errors, &statuses, values.text("status"), None))
                (field("owner", "Owner", "A person or a role.", true).input(errors, "text", values.text("owner"), None))
                (field("target_date", "Target date", "When the control is to be implemented.", true).input(errors, "date", values.text("target_date"), None))
                (field("evidence", "Evidence", EVIDENCE_HINT, true).textarea(errors, values.text("evidence"), 4))
                div.actions {
                    button.button type="submit" { "Save" }
                    a href="/soa" { "Back to the SoA" }
                }
            }
        } @else {
            dl.details {
                dt { "Applicable" } dd { @if c.fields.applicable { "Yes" } @else { "No" } }
                dt { "Justification" } dd { (c.fields.justification) }
                dt { "Status" } dd { (c.fields.status.label()) }
                dt { "Owner" } dd { (c.fields.owner) }
                dt { "Target date" } dd { @if let Some(d) = c.fields.target_date { (d) } }
                dt { "Evidence" } dd { (evidence_text(&c.fields.evidence)) }
            }
        }
    };
    Ok(page(
        format!("{} {}", c.item_ref, c.title),
        auth,
        body,
        status,
    ))
}

pub async fn control(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    control_page(
        &state,
        &auth,
        &r,
        None,
        &FormErrors::default(),
        query.get("notice"),
        StatusCode::OK,
    )
    .await
}

pub async fn update_control(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let patch = Value::Object(control_patch(&form));
    let errors =
        match update_item::<ControlFields>(&state, &auth, &r, &HeaderMap::new(), patch).await {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/soa/controls/{}?notice=saved", segment(&r)))
                        .into_response(),
                );
            }
            Err(err) => form_or_page(err, &auth, "control", |e| {
                FormErrors::from_validation(e, CONTROL_LABELS)
            })?,
        };
    control_page(
        &state,
        &auth,
        &r,
        Some(&form),
        &errors,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Clause requirements.

pub async fn requirements(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let org = auth.organisation_id();
    let adopted = adopted(&state, org).await.or_page(&auth)?;
    let fw = adopted.framework;
    let items: Vec<SoaItem<RequirementFields>> = state.store.soa_items(org).await.or_page(&auth)?;
    let mut groups: Vec<(String, String, Vec<SoaRequirement>)> = Vec::new();
    for item in items {
        let view = requirement_view(fw, item);
        let (r, title) = group_of(fw, &view.item_ref, NodeKind::Clause)
            .map(|g| (g.ref_.clone(), g.title.clone()))
            .unwrap_or_default();
        match groups.iter_mut().find(|(g, _, _)| *g == r) {
            Some((_, _, members)) => members.push(view),
            None => groups.push((r, title, vec![view])),
        }
    }
    let body = html! {
        span.caption { a href="/soa" { "Statement of Applicability" } }
        h1 { "Clause requirements" }
        (notice(query.get("notice")))
        p.lead { "The requirements of clauses 4 to 10 of " (fw.short_name) ", each with its conformity status, owner, notes and evidence." }
        @for (group_ref, group_title, items) in &groups {
            h2 { "Clause " (group_ref) " " (group_title) }
            div.table-wrap {
                table.data {
                    caption.visually-hidden { "Requirements of clause " (group_ref) }
                    thead { tr {
                        th scope="col" { "Requirement" } th scope="col" { "Status" } th scope="col" { "Owner" } th scope="col" { "Evidence" }
                    } }
                    tbody {
                        @for r in items {
                            tr {
                                th scope="row" { a href=(format!("/soa/requirements/{}", segment(&r.item_ref))) { span.iso-ref { (r.item_ref) } " " (r.title) } }
                                td { (r.fields.status.label()) }
                                td { (r.fields.owner) }
                                td { (evidence_label(r.evidence_state)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        "Clause requirements".into(),
        &auth,
        body,
        StatusCode::OK,
    ))
}

fn requirement_to_form(r: &SoaRequirement) -> FormData {
    let mut form = FormData::default();
    form.push("revision", r.revision.to_string());
    form.push("status", r.fields.status.as_str());
    form.push("owner", r.fields.owner.clone());
    form.push("notes", r.fields.notes.clone());
    form.push("evidence", evidence_text(&r.fields.evidence));
    form
}

fn requirement_patch(form: &FormData) -> Map<String, Value> {
    let mut patch = Map::new();
    patch.insert(
        "revision".into(),
        json!(form.text("revision").parse::<i64>().unwrap_or(0)),
    );
    patch.insert("status".into(), json!(form.text("status")));
    patch.insert("owner".into(), json!(form.text("owner").trim()));
    patch.insert("notes".into(), json!(form.text("notes")));
    patch.insert("evidence".into(), evidence_json(form.text("evidence")));
    patch
}

async fn requirement_page(
    state: &AppState,
    auth: &AuthContext,
    r: &str,
    values: Option<&FormData>,
    errors: &FormErrors,
    notice_code: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    let adopted = adopted(state, org).await.or_page(auth)?;
    let fw = adopted.framework;
    check_ref(fw, ItemType::Requirement, "ref", r).or_page(auth)?;
    let item = state.store.soa_item(org, r).await.or_page(auth)?;
    let req = requirement_view(fw, item);
    let stored = requirement_to_form(&req);
    let values = values.unwrap_or(&stored);
    let statuses = options(
        ConformityStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label())),
    );
    let clause = group_of(fw, r, NodeKind::Clause);
    let body = html! {
        span.caption {
            a href="/soa/requirements" { "Clause requirements" }
            @if let Some(c) = clause { " · " (c.ref_) " " (c.title) }
        }
        h1 { span.iso-ref { (req.item_ref) } " " (req.title) }
        (notice(notice_code))
        (node_text(fw, r))
        h2 { "Entry" }
        dl.details.meta-list {
            dt { "Evidence" } dd { (evidence_label(req.evidence_state)) }
            dt { "Last changed" } dd { (when(req.updated_at)) " by " (req.updated_by) " (revision " (req.revision) ")" }
        }
        @if auth.can(Permission::Edit) {
            form.record-form method="post" action=(format!("/soa/requirements/{}", segment(r))) novalidate {
                (error_summary(errors))
                (csrf(auth))
                input type="hidden" name="revision" value=(values.text("revision"));
                (field("status", "Status", "", false).select(errors, &statuses, values.text("status"), None))
                (field("owner", "Owner", "Who is accountable for meeting the requirement.", true).input(errors, "text", values.text("owner"), None))
                (field("notes", "Notes", "How the organisation meets the requirement, or what is missing.", true).textarea(errors, values.text("notes"), 5))
                (field("evidence", "Evidence", EVIDENCE_HINT, true).textarea(errors, values.text("evidence"), 4))
                div.actions {
                    button.button type="submit" { "Save" }
                    a href="/soa/requirements" { "Back to the requirements" }
                }
            }
        } @else {
            dl.details {
                dt { "Status" } dd { (req.fields.status.label()) }
                dt { "Owner" } dd { (req.fields.owner) }
                dt { "Notes" } dd { (req.fields.notes) }
                dt { "Evidence" } dd { (evidence_text(&req.fields.evidence)) }
            }
        }
    };
    Ok(page(
        format!("{} {}", req.item_ref, req.title),
        auth,
        body,
        status,
    ))
}

pub async fn requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let none = FormErrors::default();
    requirement_page(
        &state,
        &auth,
        &r,
        None,
        &none,
        query.get("notice"),
        StatusCode::OK,
    )
    .await
}

pub async fn update_requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(r): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let patch = Value::Object(requirement_patch(&form));
    let errors = match update_item::<RequirementFields>(&state, &auth, &r, &HeaderMap::new(), patch)
        .await
    {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/soa/requirements/{}?notice=saved", segment(&r)))
                    .into_response(),
            );
        }
        Err(err) => form_or_page(err, &auth, "requirement", |e| {
            FormErrors::from_validation(e, REQUIREMENT_LABELS)
        })?,
    };
    requirement_page(
        &state,
        &auth,
        &r,
        Some(&form),
        &errors,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Versions: approval and comparison.

/// Approval problems name entries as `controls[A.2.2].justification`: shown as sentences
/// that say which control or requirement to open.
fn approval_errors(errors: &ValidationErrors) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        let entry = ["controls", "requirements"].iter().find_map(|kind| {
            let rest = e.field.strip_prefix(kind)?.strip_prefix('[')?;
            let (r, field) = rest.split_once("].")?;
            Some((*kind, r, field))
        });
        let text = match entry {
            Some((kind, r, f)) => {
                let what = if kind == "controls" {
                    "Control"
                } else {
                    "Requirement"
                };
                let f = f.split(['[', '.']).next().unwrap_or(f).replace('_', " ");
                format!("{what} {r}: {f} {}", e.message)
            }
            None if e.field == "note" => format!("Note {}", e.message),
            None => capitalise(&e.message),
        };
        out.add(if e.field == "note" { "note" } else { "" }, text);
    }
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(m) => match (m.get("reference"), m.get("expires_on")) {
                    (Some(Value::String(r)), Some(Value::String(d))) => format!("{r} | {d}"),
                    (Some(Value::String(r)), _) => r.clone(),
                    _ => i.to_string(),
                },
                other => value_text(other),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

async fn versions_page(
    state: &AppState,
    auth: &AuthContext,
    query: &FormData,
    values: &FormData,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    adopted(state, org).await.or_page(auth)?;
    let overview = overview_of(state, org).await.or_page(auth)?;
    let versions = state.store.soa_versions(org).await.or_page(auth)?;
    let next = versions.last().map_or(1, |v| v.version + 1);
    // The comparison asked for in the address, checked as the API checks it.
    let mut compare_errors = ValidationErrors::new();
    let asked = query.get("from_version").is_some();
    let param = |name: &str| query.get(name).map(str::to_owned);
    let from = version_param("from_version", &param("from_version")).unwrap_or_else(|e| {
        compare_errors.0.extend(e.0);
        None
    });
    let to = version_param("to_version", &param("to_version")).unwrap_or_else(|e| {
        compare_errors.0.extend(e.0);
        None
    });
    let mut result = None;
    if asked && compare_errors.is_empty() {
        match comparison(state, org, from, to).await {
            Ok(c) => result = Some(c),
            Err(ApiError::Validation(e)) => compare_errors = e,
            Err(other) => return Err(WebError(other).page(Some(auth))),
        }
    }
    let compare_labels = [("from_version", "From"), ("to_version", "To")];
    let compare_form_errors = FormErrors::from_validation(&compare_errors, &compare_labels);
    let status = if compare_form_errors.is_empty() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let version_options: Vec<(String, String)> = versions
        .iter()
        .map(|v| (v.version.to_string(), format!("Version {}", v.version)))
        .collect();
    let body = html! {
        span.caption { a href="/soa" { "Statement of Applicability" } }
        h1 { "Versions and approval" }
        (notice(query.get("notice")))
        @if versions.is_empty() {
            p { "The SoA has not been approved yet." }
        } @else {
            div.table-wrap {
                table.data {
                    caption.visually-hidden { "Approved versions, oldest first" }
                    thead { tr { th scope="col" { "Version" } th scope="col" { "Approved" } th scope="col" { "By" } th scope="col" { "Note" } th scope="col" { "Download" } } }
                    tbody {
                        @for v in &versions {
                            tr {
                                th scope="row" { (v.version) }
                                td { (when(v.approved_at)) }
                                td { (v.approved_by) }
                                td { (v.note) }
                                td {
                                    a href=(format!("/api/v1/soa/export?format=xlsx&version={}", v.version)) download { "Excel" } " · "
                                    a href=(format!("/api/v1/soa/export?format=csv&version={}", v.version)) download { "CSV" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if auth.can(Permission::Approve) {
            h2 { "Approve" }
            @if !overview.changed_since_approval {
                p { "Nothing has changed since version " (next - 1) "." }
            }
            form.record-form method="post" action="/soa/versions" novalidate {
                (error_summary(errors))
                (csrf(auth))
                (field("note", "Note", "What the approver says about this version, for example the review it follows.", true).textarea(errors, values.text("note"), 3))
                div.actions { button.button type="submit" { "Approve as version " (next) } }
            }
        }
        @if !versions.is_empty() {
            h2 #compare { "Compare" }
            (error_summary(&compare_form_errors))
            form.filters method="get" action="/soa/versions#compare" {
                (field("from_version", "From", "", false).select(&compare_form_errors, &version_options, query.text("from_version"), None))
                (field("to_version", "To", "", false).select(&compare_form_errors, &version_options, query.text("to_version"), Some("Current draft")))
                div.filter-actions { button.button type="submit" { "Compare" } }
            }
            @if let Some(c) = &result {
                h3 {
                    "Version " (c.from) " → "
                    @match c.to { Some(n) => { "version " (n) }, None => { "current draft" } }
                }
                @if c.items.is_empty() {
                    p { "No entry changed." }
                } @else {
                    p.meta { (c.total) " entries changed" }
                    div.table-wrap {
                        table.data {
                            thead { tr { th scope="col" { "Entry" } th scope="col" { "Field" } th scope="col" { "Before" } th scope="col" { "After" } } }
                            tbody {
                                @for item in &c.items {
                                    @for (i, f) in item.fields.iter().enumerate() {
                                        tr {
                                            @if i == 0 {
                                                th scope="row" rowspan=(item.fields.len()) {
                                                    span.iso-ref { (item.item_ref) } " "
                                                    span.label { (item.change) }
                                                }
                                            }
                                            td { (f.field.replace('_', " ")) }
                                            td { (value_text(&f.before)) }
                                            td { (value_text(&f.after)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("SoA versions".into(), auth, body, status))
}

pub async fn versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    versions_page(
        &state,
        &auth,
        &query,
        &FormData::default(),
        &FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn approve(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let org = auth.organisation_id();
    adopted(&state, org).await.or_page(&auth)?;
    let errors = match state
        .store
        .approve_soa(&auth.actor(), org, form.text("note"))
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => return Ok(Redirect::to("/soa/versions?notice=approved").into_response()),
        Err(ApiError::Validation(e)) => approval_errors(&e),
        Err(other) => return Err(WebError(other).page(Some(&auth))),
    };
    versions_page(
        &state,
        &auth,
        &FormData::default(),
        &form,
        &errors,
        StatusCode::BAD_REQUEST,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Readiness.

fn score_cells(score: &Score) -> Markup {
    html! {
        td.num { (score.done) " of " (score.items) }
        td.num { (percent_text(score.percent)) }
        td { (bar(score.percent)) }
        td.num { (score.evidence_missing) }
        td.num { (score.evidence_expired) }
    }
}

fn group_table(caption: &str, first: &str, groups: &[GroupScore], link: Option<&str>) -> Markup {
    html! {
        div.table-wrap {
            table.data.readiness {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (first) } th scope="col" { "Done" } th scope="col" { "Readiness" } th scope="col" { span.visually-hidden { "Bar" } }
                    th scope="col" { "Evidence missing" } th scope="col" { "Evidence expired" } th scope="col" { "Excluded" }
                } }
                tbody {
                    @for g in groups {
                        tr {
                            th scope="row" {
                                @match link {
                                    Some(base) => { a href=(base) { span.iso-ref { (g.group_ref) } " " (g.title) } }
                                    None => { span.iso-ref { (g.group_ref) } " " (g.title) }
                                }
                            }
                            (score_cells(&g.score))
                            td.num { (g.score.excluded) }
                        }
                    }
                }
            }
        }
    }
}

pub async fn readiness(State(state): State<AppState>, Auth(auth): Auth) -> PageResult {
    let org = auth.organisation_id();
    if state.store.soa(org).await.or_page(&auth)?.is_none() {
        let body = html! {
            h1 { "Readiness" }
            p { "Readiness is computed from the Statement of Applicability. " a href="/soa" { "Adopt a framework" } " first." }
        };
        return Ok(page("Readiness".into(), &auth, body, StatusCode::OK));
    }
    let report = readiness_of(&state, org).await.or_page(&auth)?;
    let r = &report.readiness;
    let body = html! {
        span.caption { a href="/soa" { "Statement of Applicability" } " · ISO/IEC 42001 9.1" }
        h1 { "Readiness" }
        p.lead {
            (report.framework_name) " as of " (r.as_of) ": "
            strong { (percent_text(r.overall.percent)) }
            " (" (r.overall.done) " of " (r.overall.items) " entries done). A status only counts while at least one of its evidence references is current; excluded controls are out of scope."
        }
        div.table-wrap {
            table.data.readiness {
                caption { "Overall" }
                thead { tr {
                    th scope="col" { "Entries" } th scope="col" { "Done" } th scope="col" { "Readiness" } th scope="col" { span.visually-hidden { "Bar" } }
                    th scope="col" { "Evidence missing" } th scope="col" { "Evidence expired" } th scope="col" { "Excluded" }
                } }
                tbody {
                    tr { th scope="row" { a href="/soa/requirements" { "Clause requirements" } } (score_cells(&r.requirements)) td.num { (r.requirements.excluded) } }
                    tr { th scope="row" { a href="/soa" { "Annex A controls" } } (score_cells(&r.controls)) td.num { (r.controls.excluded) } }
                    tr { th scope="row" { "Overall" } (score_cells(&r.overall)) td.num { (r.overall.excluded) } }
                }
            }
        }
        h2 { "Per clause" }
        (group_table("Requirements by clause", "Clause", &r.by_clause, Some("/soa/requirements")))
        h2 { "Per Annex A objective" }
        (group_table("Controls by Annex A objective", "Objective", &r.by_objective, None))
        h2 { "Other frameworks through crosswalks" }
        p { "A computed view of the same work in another framework's terms, never added into the figures above. High coverage does not by itself show that the other framework's own requirements are met." }
        @for c in &report.crosswalks {
            section.coverage {
                h3 { a href=(format!("/frameworks/{}", segment(&c.framework_id))) { (c.name) } ": " (percent_text(c.percent)) }
                div.table-wrap {
                    table.data.readiness {
                        caption.visually-hidden { "Coverage of " (c.name) " by group" }
                        thead { tr { th scope="col" { "Group" } th scope="col" { "Nodes" } th scope="col" { "Coverage" } th scope="col" { span.visually-hidden { "Bar" } } } }
                        tbody {
                            @for g in &c.by_group {
                                tr {
                                    th scope="row" { span.iso-ref { (g.group_ref) } " " (g.title) }
                                    td.num { (g.targets) }
                                    td.num { (percent_text(g.percent)) }
                                    td { (bar(g.percent)) }
                                }
                            }
                        }
                    }
                }
                @if !c.uncovered.is_empty() {
                    details {
                        summary { (c.uncovered.len()) " of " (c.targets) " nodes not covered by any entry in scope" }
                        ul.plain {
                            @for u in &c.uncovered {
                                li { a href=(format!("/frameworks/{}/nodes/{}", segment(&c.framework_id), segment(u))) { (u) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Readiness".into(), &auth, body, StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_errors_name_the_control_to_open() {
        let mut errors = ValidationErrors::new();
        errors.add("controls[A.2.10].owner_role", "is too long");
        errors.add("item_refs[1]", "`A.2.2` is listed twice");
        errors.add("item_refs[2]", "`A.2.3` is listed twice");
        let refs = ["A.2.1".to_owned(), "A.2.10".to_owned()];
        let texts: Vec<String> = bulk_errors(&errors, &refs)
            .0
            .into_iter()
            .map(|e| e.text)
            .collect();
        assert_eq!(
            texts,
            [
                "Control A.2.10: owner role is too long",
                "Selected controls `A.2.2` is listed twice"
            ]
        );
        // One control selected: its entry's fields come unprefixed.
        let mut errors = ValidationErrors::new();
        errors.add("justification", "is required");
        let one = bulk_errors(&errors, &refs[..1]);
        assert_eq!(one.0[0].text, "Control A.2.1: justification is required");
    }

    #[test]
    fn evidence_round_trips_through_the_form() {
        let v = evidence_json("Policy v2\n\n Access review | 2026-06-30 \nhttps://x/a|b");
        assert_eq!(
            v,
            json!([
                {"reference": "Policy v2"},
                {"reference": "Access review", "expires_on": "2026-06-30"},
                {"reference": "https://x/a|b"},
            ])
        );
        let refs: Vec<EvidenceRef> = serde_json::from_value(json!([
            {"reference": "Policy v2"},
            {"reference": "Access review", "expires_on": "2026-06-30"},
        ]))
        .unwrap();
        assert_eq!(
            evidence_text(&refs),
            "Policy v2\nAccess review | 2026-06-30"
        );
    }

    #[test]
    fn refs_become_path_segments() {
        assert_eq!(segment("A.6.2.4"), "A.6.2.4");
        assert_eq!(segment("Art 9/1"), "Art%209%2F1");
    }
}

//! The risk register pages: the register with its heat maps and filters, one risk with its
//! treatment plan and acceptance, the form to add or change a risk, and the risk criteria.
//! Every rule is the API's; these pages only translate forms to its bodies.

use aims_domain::inventory::RecordKind;
use aims_domain::risk::{ActionStatus, Basis, LevelInfo, Rating, ScaleStep, Treatment};
use aims_domain::{Permission, ValidationErrors};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, PreEscaped, html};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::forms::{Field, FormData, FormErrors, capitalise, csrf, error_summary, options};
use super::inventory::when;
use super::{OrPage, PageResult, WebError, form_or_page, notice, planning_page as page};
use crate::api::risks::{accept_risk, create_risk, register, update_risk};
use crate::api::soa::today;
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::risks::{RiskFilter, RiskView, heat_map_svg};
use crate::state::AppState;

/// Empty treatment-action rows the form offers beyond the existing ones.
const SPARE_ACTIONS: usize = 2;

const LABELS: &[(&str, &str)] = &[
    ("title", "Title"),
    ("description", "Description"),
    ("system_ids", "AI systems"),
    ("sources", "Risk sources"),
    ("affected_parties", "Affected parties"),
    ("inherent_likelihood", "Inherent likelihood"),
    ("inherent_impact", "Inherent impact"),
    ("owner", "Owner"),
    ("treatment", "Treatment"),
    ("residual_likelihood", "Residual likelihood"),
    ("residual_impact", "Residual impact"),
    ("review_due", "Review due"),
    ("rationale", "Rationale"),
    ("expires_on", "Accepted until"),
];

fn level_badge(level: &LevelInfo) -> Markup {
    html! {
        span.level {
            svg width="10" height="10" aria-hidden="true" { rect width="10" height="10" fill=(level.colour) {} }
            " " (level.name)
        }
    }
}

fn acceptance_label(v: &RiskView) -> Markup {
    use aims_domain::risk::AcceptanceState::{Current, Expired};
    html! {
        @match (&v.risk.acceptance, v.status.acceptance) {
            (Some(a), Current) => { span.label.low { "accepted" } " until " (a.expires_on) }
            (Some(a), Expired) => { span.label.high { "expired" } " " (a.expires_on) }
            _ => { span.muted { "—" } }
        }
    }
}

/// Risks per page of the register's table.
const REGISTER_PAGE: usize = 100;

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let given = |name: &str| Some(query.text(name).to_owned()).filter(|v| !v.is_empty());
    let filter = RiskFilter {
        system_id: given("system_id"),
        source: given("source"),
        owner: given("owner"),
        level: given("level"),
        treatment: given("treatment"),
        overdue: given("overdue"),
        acceptance: given("acceptance"),
        q: given("q"),
    };
    let org = auth.organisation_id();
    // One read of the register: the heat maps show all of it, the table the filtered part.
    let (criteria, everything) = register(&state, org, &RiskFilter::default())
        .await
        .or_page(&auth)?;
    let views = filter
        .apply(everything.clone(), &criteria)
        .map_err(ApiError::from)
        .or_page(&auth)?;
    let all: Vec<_> = everything.into_iter().map(|v| v.risk).collect();
    let systems = state
        .store
        .record_names(org, RecordKind::System)
        .await
        .or_page(&auth)?;
    let system_name = |id: &Uuid| {
        systems
            .iter()
            .find(|(s, _)| s == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let filtered = query
        .0
        .iter()
        .any(|(k, v)| k != "notice" && k != "offset" && !v.is_empty());
    // The heat maps need the whole register; the table shows a page of it.
    let offset = query.text("offset").parse::<usize>().unwrap_or(0);
    let offset = if offset < views.len() { offset } else { 0 };
    let shown = &views[offset..views.len().min(offset + REGISTER_PAGE)];
    let kept: Vec<(String, String)> = query
        .0
        .iter()
        .filter(|(k, v)| k != "notice" && !v.is_empty())
        .cloned()
        .collect();
    let page_href = |offset: usize| {
        let offset = (offset > 0).then(|| offset.to_string());
        super::href_with("/risks", &kept, &[("offset", offset)])
    };
    let none = FormErrors::default();
    let filter_field = |name, label| Field {
        name,
        label,
        hint: "",
        optional: false,
    };
    let system_options: Vec<(String, String)> = systems
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    let level_options = options(
        criteria
            .levels
            .iter()
            .map(|l| (l.name.as_str(), l.name.as_str())),
    );
    let treatment_options = options(Treatment::ALL.iter().map(|t| (t.as_str(), t.label())));
    let acceptance_options = options(
        [
            ("none", "Not accepted"),
            ("current", "Accepted"),
            ("expired", "Acceptance expired"),
        ]
        .into_iter(),
    );
    let overdue_options = options([("true", "Only overdue")].into_iter());
    let body = html! {
        div.page-header {
            div {
                span.caption { "ISO/IEC 42001 · 6.1.2, 6.1.3, 8.2, 8.3" }
                h1 { "Risk register" }
            }
            @if auth.can(Permission::Edit) {
                a.button href="/risks/new" { "New risk" }
            }
        }
        (notice(query.get("notice")))
        p.lead { "Each AI risk rated before and after treatment on the organisation's " a href="/risk-criteria" { "risk criteria" } ", with its treatment plan and, when it is kept, who accepted it and until when." }
        div.heat-maps {
            figure { (PreEscaped(heat_map_svg(&criteria, &all, Basis::Inherent))) }
            figure { (PreEscaped(heat_map_svg(&criteria, &all, Basis::Residual))) }
        }
        p {
            "Download the register: "
            a href="/api/v1/risks/export?format=xlsx" download { "Excel workbook" } " · "
            a href="/api/v1/risks/export?format=csv" download { "CSV" }
        }
        form.filters method="get" action="/risks" {
            (filter_field("q", "Search").input(&none, "search", query.text("q"), None))
            (filter_field("system_id", "AI system").select(&none, &system_options, query.text("system_id"), Some("Any")))
            (filter_field("level", "Residual level").select(&none, &level_options, query.text("level"), Some("Any")))
            (filter_field("treatment", "Treatment").select(&none, &treatment_options, query.text("treatment"), Some("Any")))
            (filter_field("acceptance", "Acceptance").select(&none, &acceptance_options, query.text("acceptance"), Some("Any")))
            (filter_field("overdue", "Overdue").select(&none, &overdue_options, query.text("overdue"), Some("Any")))
            div.filter-actions {
                button.button type="submit" { "Filter" }
                @if filtered { a href="/risks" { "Clear filters" } }
            }
        }
        @if views.is_empty() {
            p { @if filtered { "No risks match these filters." } @else { "No risks have been recorded yet." } }
        } @else {
            p.meta #list-count role="status" {
                (views.len()) " of " (all.len()) " risks, highest residual level first"
                @if views.len() > REGISTER_PAGE { "; " (offset + 1) "–" (offset + shown.len()) " shown" }
            }
            div.table-wrap {
                table.data {
                    caption.visually-hidden { "Risks, highest residual level first" }
                    thead { tr {
                        th scope="col" { "Risk" } th scope="col" { "AI systems" } th scope="col" { "Inherent" }
                        th scope="col" { "Treatment" } th scope="col" { "Residual" } th scope="col" { "Owner" }
                        th scope="col" { "Review due" } th scope="col" { "Acceptance" }
                    } }
                    tbody {
                        @for v in shown {
                            @let f = &v.risk.fields;
                            tr {
                                th scope="row" { a href=(format!("/risks/{}", v.risk.id)) { (f.title) } }
                                td { @for (i, id) in f.system_ids.iter().enumerate() { @if i > 0 { ", " } (system_name(id)) } }
                                td { (level_badge(&v.status.inherent_level)) }
                                td { (f.treatment.map_or("Not decided", |t| t.label())) }
                                td { (level_badge(&v.status.residual_level)) }
                                td { (f.owner) }
                                td {
                                    @if let Some(d) = f.review_due { (d) }
                                    @if v.status.review_overdue { " " span.label.high { "overdue" } }
                                    @if v.status.overdue_actions > 0 { " " span.label.high { (v.status.overdue_actions) " action(s) overdue" } }
                                }
                                td { (acceptance_label(v)) }
                            }
                        }
                    }
                }
            }
            @if views.len() > REGISTER_PAGE {
                nav.pager aria-label="Pages" {
                    @if offset > 0 {
                        a rel="prev" href=(page_href(offset.saturating_sub(REGISTER_PAGE))) { "← Previous" }
                    }
                    @if offset + shown.len() < views.len() {
                        a rel="next" href=(page_href(offset + shown.len())) { "Next →" }
                    }
                }
            }
        }
    };
    Ok(page("Risk register".into(), &auth, body, StatusCode::OK))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let id = parse_id(&id, "id").or_page(&auth)?;
    let accept = AcceptForm {
        values: &FormData::default(),
        errors: &FormErrors::default(),
    };
    details(
        &state,
        &auth,
        id,
        query.get("notice"),
        accept,
        StatusCode::OK,
    )
    .await
}

/// The acceptance form as last submitted.
struct AcceptForm<'a> {
    values: &'a FormData,
    errors: &'a FormErrors,
}

async fn details(
    state: &AppState,
    auth: &AuthContext,
    id: Uuid,
    notice_code: Option<&str>,
    accept: AcceptForm<'_>,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    let risk = state.store.risk(org, id).await.or_page(auth)?;
    let criteria = state.store.risk_criteria(org).await.or_page(auth)?.criteria;
    let view = RiskView::new(risk, &criteria, today());
    let systems = state
        .store
        .record_names(org, RecordKind::System)
        .await
        .or_page(auth)?;
    let f = &view.risk.fields;
    let label_of = |steps: &[ScaleStep], n: u8| {
        steps
            .get(usize::from(n).wrapping_sub(1))
            .map_or("?", |s| s.label.as_str())
            .to_owned()
    };
    let rating = |r: Rating| {
        format!(
            "likelihood {} {} × impact {} {}",
            r.likelihood,
            label_of(&criteria.likelihood, r.likelihood),
            r.impact,
            label_of(&criteria.impact, r.impact)
        )
    };
    let library = crate::library::current();
    let source_titles: Vec<String> = f
        .sources
        .iter()
        .map(|id| {
            library
                .and_then(|l| l.risk_source(id))
                .map_or_else(|| id.clone(), |s| s.title.clone())
        })
        .collect();
    let can_edit = auth.can(Permission::Edit);
    let body = html! {
        div.page-header {
            div {
                span.caption { a href="/risks" { "Risk register" } }
                h1 { (f.title) }
            }
            @if can_edit { a.button href=(format!("/risks/{id}/edit")) { "Change" } }
        }
        (notice(notice_code))
        dl.details {
            dt { "Description" } dd { (f.description) }
            dt { "AI systems" } dd {
                @for sid in &f.system_ids {
                    @let name = systems.iter().find(|(s, _)| s == sid).map_or_else(|| sid.to_string(), |(_, n)| n.clone());
                    a href=(format!("/systems/{sid}")) { (name) } " "
                }
            }
            dt { "Risk sources" } dd { (source_titles.join(", ")) }
            dt { "Affected parties" } dd { (f.affected_parties.join(", ")) }
            dt { "Owner" } dd { (f.owner) }
            dt { "Inherent risk" } dd { (level_badge(&view.status.inherent_level)) " — " (rating(f.inherent))
                @if view.status.must_treat { " " span.label.high { "must be treated" } } }
            dt { "Treatment" } dd { (f.treatment.map_or("Not decided", |t| t.label())) }
            dt { "Residual risk" } dd { (level_badge(&view.status.residual_level)) " — " (rating(f.effective_residual()))
                @if f.residual.is_none() { span.muted { " (as inherent: no residual rating given)" } } }
            dt { "Review due" } dd { @if let Some(d) = f.review_due { (d) } @if view.status.review_overdue { " " span.label.high { "overdue" } } }
            dt { "Last changed" } dd { (when(view.risk.updated_at)) " by " (view.risk.updated_by) " · revision " (view.risk.revision)
                " · " a href=(format!("/ledger?record_kind=risk&record_id={id}")) { "audit trail" } }
        }
        h2 { "Treatment actions" }
        @if f.actions.is_empty() {
            p { "No treatment actions." }
        } @else {
            table.data {
                thead { tr { th scope="col" { "Action" } th scope="col" { "Owner" } th scope="col" { "Due" } th scope="col" { "Status" } th scope="col" { "Controls" } } }
                tbody {
                    @for a in &f.actions {
                        tr {
                            th scope="row" { (a.title) }
                            td { (a.owner) }
                            td { @if let Some(d) = a.due_date { (d) } }
                            td { (a.status.label()) }
                            td { @for (i, c) in a.controls.iter().enumerate() { @if i > 0 { ", " } (c.control_ref) span.muted { " (" (c.framework_id) ")" } } }
                        }
                    }
                }
            }
        }
        h2 #acceptance { "Acceptance" }
        @match &view.risk.acceptance {
            Some(a) => {
                p { (acceptance_label(&view)) }
                dl.details {
                    dt { "Accepted by" } dd { (a.accepted_by) " (" (a.role.as_str()) ") on " (a.accepted_on) }
                    dt { "Until" } dd { (a.expires_on) }
                    dt { "Rationale" } dd { (a.rationale) }
                }
                @if can_edit {
                    form method="post" action=(format!("/risks/{id}/withdraw")) {
                        (csrf(auth))
                        input type="hidden" name="revision" value=(view.risk.revision);
                        button.button type="submit" { "Withdraw the acceptance" }
                    }
                }
            }
            None => {
                p { "Not accepted." }
                @if can_edit {
                    form.record-form method="post" action=(format!("/risks/{id}/accept")) novalidate {
                        (error_summary(accept.errors))
                        (csrf(auth))
                        input type="hidden" name="revision" value=(view.risk.revision);
                        p.hint { "You accept the residual risk (" (view.status.residual_level.name) ") as " (auth.role().as_str()) ". The " a href="/risk-criteria" { "risk criteria" } " say which roles may accept each level." }
                        (Field { name: "rationale", label: "Rationale", hint: "Why keeping the risk at this level is acceptable.", optional: false }.textarea(accept.errors, accept.values.text("rationale"), 3))
                        (Field { name: "expires_on", label: "Accepted until", hint: "The last day; at most three years ahead.", optional: false }.input(accept.errors, "date", accept.values.text("expires_on"), None))
                        button.button type="submit" { "Accept the risk" }
                    }
                }
            }
        }
        @if can_edit {
            h2 { "Delete" }
            form method="post" action=(format!("/risks/{id}/delete")) {
                (csrf(auth))
                input type="hidden" name="revision" value=(view.risk.revision);
                p.hint { "Deleting takes the risk off every SoA control that lists it. The audit trail keeps its history." }
                button.button type="submit" { "Delete this risk" }
            }
        }
    };
    Ok(page(f.title.clone(), auth, body, status))
}

/// Maps the API's field paths to the form's input names: `inherent.likelihood` is the
/// input `inherent_likelihood`, `actions[1].title` is `action-1-title`.
fn input_name(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("actions[")
        && let Some((index, field)) = rest.split_once("].")
    {
        let field = field.split(['[', '.']).next().unwrap_or(field);
        let field = if field == "due_date" { "due" } else { field };
        return format!("action-{index}-{field}");
    }
    let top = path.split('[').next().unwrap_or(path);
    match top {
        "inherent.likelihood" | "inherent.impact" | "residual.likelihood" | "residual.impact" => {
            top.replace('.', "_")
        }
        "inherent" => "inherent_likelihood".into(),
        "residual" => "residual_likelihood".into(),
        "acceptance.role" => String::new(),
        other => other.to_owned(),
    }
}

/// The API's errors as the form shows them, each naming its input by label.
fn form_errors(errors: &ValidationErrors) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        let name = input_name(&e.field);
        if !name.is_empty() && out.has(&name) {
            continue;
        }
        let label = LABELS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| (*l).to_owned())
            .or_else(|| {
                let rest = name.strip_prefix("action-")?;
                let (index, field) = rest.split_once('-')?;
                let n: usize = index.parse().ok()?;
                Some(format!(
                    "Action {} {}",
                    n + 1,
                    field.replace("due", "due date")
                ))
            });
        let text = match label {
            Some(label) => format!("{label} {}", e.message),
            None => capitalise(&e.message),
        };
        out.add(&name, text);
    }
    out
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn action_rows(form: &FormData) -> usize {
    (0..)
        .take_while(|i| form.get(&format!("action-{i}-title")).is_some())
        .count()
}

/// The form as the API's risk body. Control links are written one per line as
/// `framework-id REF`, or just `REF` for ISO/IEC 42001; blank action rows are skipped.
fn form_to_body(form: &FormData) -> Map<String, Value> {
    let rating = |prefix: &str| -> Value {
        let l = form.text(&format!("{prefix}_likelihood"));
        let i = form.text(&format!("{prefix}_impact"));
        if l.is_empty() && i.is_empty() {
            return Value::Null;
        }
        json!({"likelihood": l.parse::<u8>().unwrap_or(0), "impact": i.parse::<u8>().unwrap_or(0)})
    };
    let optional = |text: &str| {
        if text.is_empty() {
            Value::Null
        } else {
            json!(text)
        }
    };
    let mut actions = Vec::new();
    for i in 0..action_rows(form) {
        let get = |f: &str| form.text(&format!("action-{i}-{f}")).trim().to_owned();
        let (title, owner, due, controls) =
            (get("title"), get("owner"), get("due"), get("controls"));
        if title.is_empty() && owner.is_empty() && due.is_empty() && controls.is_empty() {
            continue;
        }
        let links: Vec<Value> = lines(&controls)
            .iter()
            .map(|line| match line.split_once(char::is_whitespace) {
                Some((fw, r)) => json!({"framework_id": fw, "ref": r.trim()}),
                None => json!({"framework_id": "iso-iec-42001-2023", "ref": line}),
            })
            .collect();
        actions.push(json!({
            "title": title,
            "owner": owner,
            "due_date": optional(&due),
            "status": get("status"),
            "controls": links,
        }));
    }
    let mut body = Map::new();
    body.insert("title".into(), json!(form.text("title")));
    body.insert("description".into(), json!(form.text("description")));
    body.insert("system_ids".into(), json!(form.all("system_ids")));
    body.insert("sources".into(), json!(form.all("sources")));
    body.insert(
        "affected_parties".into(),
        json!(lines(form.text("affected_parties"))),
    );
    body.insert("inherent".into(), rating("inherent"));
    body.insert("owner".into(), json!(form.text("owner")));
    body.insert("treatment".into(), optional(form.text("treatment")));
    body.insert("actions".into(), Value::Array(actions));
    body.insert("residual".into(), rating("residual"));
    body.insert("review_due".into(), optional(form.text("review_due")));
    body
}

/// A stored risk as the form's values.
fn risk_to_form(view: &RiskView) -> FormData {
    let f = &view.risk.fields;
    let mut form = FormData::default();
    form.push("title", f.title.clone());
    form.push("description", f.description.clone());
    for id in &f.system_ids {
        form.push("system_ids", id.to_string());
    }
    for source in &f.sources {
        form.push("sources", source.clone());
    }
    form.push("affected_parties", f.affected_parties.join("\n"));
    form.push("inherent_likelihood", f.inherent.likelihood.to_string());
    form.push("inherent_impact", f.inherent.impact.to_string());
    form.push("owner", f.owner.clone());
    form.push("treatment", f.treatment.map_or("", |t| t.as_str()));
    if let Some(r) = f.residual {
        form.push("residual_likelihood", r.likelihood.to_string());
        form.push("residual_impact", r.impact.to_string());
    }
    form.push(
        "review_due",
        f.review_due.map(|d| d.to_string()).unwrap_or_default(),
    );
    for (i, a) in f.actions.iter().enumerate() {
        let links: Vec<String> = a
            .controls
            .iter()
            .map(|c| format!("{} {}", c.framework_id, c.control_ref))
            .collect();
        form.push(&format!("action-{i}-title"), a.title.clone());
        form.push(&format!("action-{i}-owner"), a.owner.clone());
        form.push(
            &format!("action-{i}-due"),
            a.due_date.map(|d| d.to_string()).unwrap_or_default(),
        );
        form.push(&format!("action-{i}-status"), a.status.as_str());
        form.push(&format!("action-{i}-controls"), links.join("\n"));
    }
    form.push("revision", view.risk.revision.to_string());
    form
}

async fn form_page(
    state: &AppState,
    auth: &AuthContext,
    id: Option<Uuid>,
    values: &FormData,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let org = auth.organisation_id();
    let criteria = state.store.risk_criteria(org).await.or_page(auth)?.criteria;
    let systems = state
        .store
        .record_names(org, RecordKind::System)
        .await
        .or_page(auth)?;
    let scale = |steps: &[ScaleStep]| -> Vec<(String, String)> {
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| ((i + 1).to_string(), format!("{} — {}", i + 1, s.label)))
            .collect()
    };
    let rows = action_rows(values);
    let (title, action) = match id {
        Some(id) => ("Change the risk".to_owned(), format!("/risks/{id}/edit")),
        None => ("New risk".to_owned(), "/risks/new".to_owned()),
    };
    let system_options: Vec<(String, String, &str)> = systems
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone(), ""))
        .collect();
    let library = crate::library::current();
    let source_options: Vec<(String, String, &str)> = library
        .iter()
        .flat_map(|l| l.all_risk_sources())
        .map(|s| (s.id.clone(), s.title.clone(), s.description.as_str()))
        .collect();
    let treatments = options(Treatment::ALL.iter().map(|t| (t.as_str(), t.label())));
    let statuses = options(ActionStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    let field =
        |name: &'static str, label: &'static str, hint: &'static str, optional: bool| Field {
            name,
            label,
            hint,
            optional,
        };
    let body = html! {
        span.caption { a href="/risks" { "Risk register" } }
        h1 { (title) }
        form.record-form method="post" action=(action) novalidate {
            (error_summary(errors))
            (csrf(auth))
            @if let Some(revision) = values.get("revision") { input type="hidden" name="revision" value=(revision); }
            (field("title", "Title", "What could go wrong, in one line.", false).input(errors, "text", values.text("title"), None))
            (field("description", "Description", "Cause, event and consequence.", true).textarea(errors, values.text("description"), 4))
            (field("system_ids", "AI systems", "The systems the risk concerns.", true).choices(errors, true, &system_options, &values.all("system_ids"), "No AI systems have been recorded yet."))
            (field("sources", "Risk sources", "Where the risk comes from, after the library's taxonomy.", true).choices(errors, true, &source_options, &values.all("sources"), "The library has no risk sources."))
            (field("affected_parties", "Affected parties", "One per line.", true).textarea(errors, values.text("affected_parties"), 3))
            (field("inherent_likelihood", "Inherent likelihood", "Before treatment.", false).select(errors, &scale(&criteria.likelihood), values.text("inherent_likelihood"), Some("Choose")))
            (field("inherent_impact", "Inherent impact", "", false).select(errors, &scale(&criteria.impact), values.text("inherent_impact"), Some("Choose")))
            (field("owner", "Owner", "A person or a role.", true).input(errors, "text", values.text("owner"), None))
            (field("treatment", "Treatment", "Risks at or above the treatment threshold cannot simply be retained.", true).select(errors, &treatments, values.text("treatment"), Some("Not decided")))
            fieldset.field {
                legend { "Treatment actions" }
                p.hint { "Controls one per line as " code { "framework-id REF" } ", or just the ISO/IEC 42001 identifier such as " code { "A.7.4" } ". Linked controls list the risk in the Statement of Applicability." }
                @for i in 0..(rows + SPARE_ACTIONS) {
                    @let name = |f: &str| format!("action-{i}-{f}");
                    @let (n_title, n_owner, n_due, n_status, n_controls) = (name("title"), name("owner"), name("due"), name("status"), name("controls"));
                    @let label = format!("Action {} title", i + 1);
                    div.action-row {
                        (Field { name: &n_title, label: &label, hint: "", optional: i >= rows }.input(errors, "text", values.text(&n_title), None))
                        (Field { name: &n_owner, label: "Owner", hint: "", optional: true }.input(errors, "text", values.text(&n_owner), None))
                        (Field { name: &n_due, label: "Due", hint: "", optional: true }.input(errors, "date", values.text(&n_due), None))
                        (Field { name: &n_status, label: "Status", hint: "", optional: false }.select(errors, &statuses, values.get(&n_status).unwrap_or("planned"), None))
                        (Field { name: &n_controls, label: "Controls", hint: "", optional: true }.textarea(errors, values.text(&n_controls), 2))
                    }
                }
            }
            (field("residual_likelihood", "Residual likelihood", "Expected after treatment; leave empty while it is the same as inherent.", true).select(errors, &scale(&criteria.likelihood), values.text("residual_likelihood"), Some("Same as inherent")))
            (field("residual_impact", "Residual impact", "", true).select(errors, &scale(&criteria.impact), values.text("residual_impact"), Some("Same as inherent")))
            (field("review_due", "Review due", "", true).input(errors, "date", values.text("review_due"), None))
            div.actions {
                button.button type="submit" { "Save" }
                a href=(id.map_or("/risks".to_owned(), |id| format!("/risks/{id}"))) { "Cancel" }
            }
        }
    };
    Ok(page(title, auth, body, status))
}

pub async fn new_form(State(state): State<AppState>, Auth(auth): Auth) -> PageResult {
    let none = FormErrors::default();
    form_page(
        &state,
        &auth,
        None,
        &FormData::default(),
        &none,
        StatusCode::OK,
    )
    .await
}

pub async fn create(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let errors = match create_risk(&state, &auth, Value::Object(form_to_body(&form))).await {
        Ok(view) => {
            return Ok(
                Redirect::to(&format!("/risks/{}?notice=created", view.risk.id)).into_response(),
            );
        }
        Err(err) => form_or_page(err, &auth, "risk", form_errors)?,
    };
    form_page(&state, &auth, None, &form, &errors, StatusCode::BAD_REQUEST).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let org = auth.organisation_id();
    let id = parse_id(&id, "id").or_page(&auth)?;
    let risk = state.store.risk(org, id).await.or_page(&auth)?;
    let criteria = state
        .store
        .risk_criteria(org)
        .await
        .or_page(&auth)?
        .criteria;
    let values = risk_to_form(&RiskView::new(risk, &criteria, today()));
    let none = FormErrors::default();
    form_page(&state, &auth, Some(id), &values, &none, StatusCode::OK).await
}

fn revision_of(form: &FormData) -> Option<i64> {
    form.text("revision").parse().ok()
}

pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let mut patch = form_to_body(&form);
    patch.insert("revision".into(), json!(revision_of(&form).unwrap_or(0)));
    let errors = match update_risk(&state, &auth, id, patch).await {
        Ok(_) => return Ok(Redirect::to(&format!("/risks/{id}?notice=saved")).into_response()),
        Err(err) => form_or_page(err, &auth, "risk", form_errors)?,
    };
    form_page(
        &state,
        &auth,
        Some(id),
        &form,
        &errors,
        StatusCode::BAD_REQUEST,
    )
    .await
}

pub async fn accept(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let request = json!({
        "revision": revision_of(&form).unwrap_or(0),
        "rationale": form.text("rationale"),
        "expires_on": form.text("expires_on"),
    });
    match accept_risk(&state, &auth, id, request).await {
        Ok(_) => Ok(Redirect::to(&format!("/risks/{id}?notice=saved")).into_response()),
        Err(ApiError::Validation(e)) => {
            let errors = form_errors(&e);
            let accept = AcceptForm {
                values: &form,
                errors: &errors,
            };
            details(&state, &auth, id, None, accept, StatusCode::BAD_REQUEST).await
        }
        Err(err) => Err(WebError(err).page(Some(&auth))),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    state
        .store
        .revoke_risk_acceptance(
            &auth.actor(),
            auth.organisation_id(),
            id,
            revision_of(&form).unwrap_or(0),
        )
        .await
        .or_page(&auth)?;
    Ok(Redirect::to(&format!("/risks/{id}?notice=saved")).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    state
        .store
        .delete_risk(
            &auth.actor(),
            auth.organisation_id(),
            id,
            revision_of(&form),
        )
        .await
        .or_page(&auth)?;
    Ok(Redirect::to("/risks?notice=deleted").into_response())
}

/// The criteria as a matrix of levels, with the scales and who may accept each level.
pub async fn criteria(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let stored = state
        .store
        .risk_criteria(auth.organisation_id())
        .await
        .or_page(&auth)?;
    let c = &stored.criteria;
    let body = html! {
        span.caption { "ISO/IEC 42001 · 6.1.1" }
        h1 { "Risk criteria" }
        p.lead { "How this organisation rates AI risks: the scales, the level of each likelihood × impact cell, from which level risks must be treated, and who may accept a risk at each level." }
        p.meta {
            @match (&stored.updated_at, &stored.updated_by) {
                (Some(at), Some(by)) => { "Revision " (stored.revision) ", changed " (when(*at)) " by " (by) "." }
                _ => { "These are the default criteria; no one has changed them yet." }
            }
            " Managers and admins change them here or through " code { "PUT /api/v1/risk-criteria" } "."
        }
        (notice(query.get("notice")))
        @if auth.can(Permission::Approve) { p { a.button href="/risk-criteria/edit" { "Change the criteria" } } }
        figure { (PreEscaped(heat_map_svg(c, &[], Basis::Inherent))) }
        h2 { "Levels" }
        table.data {
            thead { tr { th scope="col" { "Level" } th scope="col" { "Must be treated" } th scope="col" { "May be accepted by" } } }
            tbody {
                @for (i, level) in c.levels.iter().enumerate() {
                    tr {
                        th scope="row" { (level_badge(&LevelInfo { index: i, name: level.name.clone(), colour: level.colour.clone() })) }
                        td { @if c.must_treat(i) { "Yes" } @else { "No" } }
                        td { @if level.accepted_by.is_empty() { "Anyone who may edit" } @else { (level.accepted_by.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) } }
                    }
                }
            }
        }
        h2 { "Scales" }
        @for (name, steps) in [("Likelihood", &c.likelihood), ("Impact", &c.impact)] {
            h3 { (name) }
            ol { @for s in steps.iter() { li { strong { (s.label) } @if !s.description.is_empty() { " — " (s.description) } } } }
        }
    };
    Ok(page("Risk criteria".into(), &auth, body, StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_map_to_inputs() {
        assert_eq!(input_name("inherent.likelihood"), "inherent_likelihood");
        assert_eq!(input_name("actions[2].due_date"), "action-2-due");
        assert_eq!(
            input_name("actions[0].controls[1].ref"),
            "action-0-controls"
        );
        assert_eq!(input_name("system_ids[0]"), "system_ids");
        assert_eq!(input_name("acceptance.role"), "");
    }

    #[test]
    fn the_form_becomes_the_api_body_and_skips_blank_action_rows() {
        let form = FormData::parse(
            b"title=Bias&inherent_likelihood=4&inherent_impact=3&treatment=modify&sources=fairness&sources=data-quality\
              &action-0-title=Rebalance&action-0-status=done&action-0-controls=A.7.4%0Anist-ai-rmf-1.0+MEASURE+2.11\
              &action-1-title=&action-1-owner=&action-1-due=&action-1-status=planned&action-1-controls=",
        )
        .unwrap();
        let body = form_to_body(&form);
        assert_eq!(body["inherent"], json!({"likelihood": 4, "impact": 3}));
        assert_eq!(body["residual"], Value::Null);
        assert_eq!(body["sources"], json!(["fairness", "data-quality"]));
        assert_eq!(body["actions"].as_array().unwrap().len(), 1);
        assert_eq!(
            body["actions"][0]["controls"],
            json!([
                {"framework_id": "iso-iec-42001-2023", "ref": "A.7.4"},
                {"framework_id": "nist-ai-rmf-1.0", "ref": "MEASURE 2.11"}
            ])
        );
        let errors = form_errors(&ValidationErrors::single("actions[0].title", "is required"));
        assert_eq!(errors.0[0].field, "action-0-title");
        assert_eq!(errors.0[0].text, "Action 1 title is required");
    }
}

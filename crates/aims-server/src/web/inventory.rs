//! The inventory pages, written once for every record kind and driven by its field
//! table: a dense sortable, filterable list; a details page with what refers to the
//! record; create and edit forms with the GOV.UK error pattern and a conflict page that
//! keeps the user's input when someone else saved first; delete.

use aims_domain::Permission;
use aims_domain::inventory::{
    DatasetFields, FieldDef, FieldKind, ModelFields, Record, RecordFields, RecordKind,
    SupplierFields, SystemFields, apply_patch, parse_new,
};
use aims_domain::listing::{ListQuery, MAX_LIMIT, SortOrder};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::forms::{
    FormData, FormErrors, capitalise, csrf, error_summary, hint_text, humanize, mid_sentence,
};
use super::record_form::{
    Names, changed_fields, editable, form_to_json, json_to_form, labels, metrics_of,
    referenced_kinds, render_inputs,
};
use super::{OrPage, Page, PageResult, WebError, WebRoute, notice, page};
use aims_store::StoreError;

use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::extract::{parse_id, parse_list_params};
use crate::state::AppState;

/// The addresses of one kind's pages. Literal strings, because routes are `'static`.
struct Paths {
    list: &'static str,
    new: &'static str,
    one: &'static str,
    edit: &'static str,
    delete: &'static str,
    history: &'static str,
}

macro_rules! paths {
    ($p:literal) => {
        Paths {
            list: concat!("/", $p),
            new: concat!("/", $p, "/new"),
            one: concat!("/", $p, "/{id}"),
            edit: concat!("/", $p, "/{id}/edit"),
            delete: concat!("/", $p, "/{id}/delete"),
            history: concat!("/", $p, "/{id}/history"),
        }
    };
}

fn paths(kind: RecordKind) -> Paths {
    match kind {
        RecordKind::System => paths!("systems"),
        RecordKind::Model => paths!("models"),
        RecordKind::Dataset => paths!("datasets"),
        RecordKind::Supplier => paths!("suppliers"),
    }
}

/// The page routes of one kind.
pub(super) fn routes<F: RecordFields>() -> Vec<WebRoute> {
    use Permission::*;
    let p = paths(F::KIND);
    vec![
        page(Method::GET, p.list, Some(Read), get(list::<F>)),
        page(Method::GET, p.new, Some(Edit), get(new_form::<F>)),
        page(Method::POST, p.new, Some(Edit), post(create::<F>)),
        page(Method::GET, p.one, Some(Read), get(show::<F>)),
        page(Method::GET, p.edit, Some(Edit), get(edit_form::<F>)),
        page(Method::POST, p.edit, Some(Edit), post(update::<F>)),
        page(Method::POST, p.delete, Some(Edit), post(remove::<F>)),
        page(Method::GET, p.history, Some(Read), get(history::<F>)),
    ]
}

/// Every kind's routes.
pub(super) fn all_routes() -> Vec<WebRoute> {
    let mut all = routes::<SystemFields>();
    all.extend(routes::<ModelFields>());
    all.extend(routes::<DatasetFields>());
    all.extend(routes::<SupplierFields>());
    all
}

/// The columns of a kind's list after the name: fields, or `updated_at`.
fn list_columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::System => &[
            "lifecycle_stage",
            "criticality",
            "eu_ai_act_tier",
            "owner",
            "updated_at",
        ],
        RecordKind::Model => &["version", "model_type", "system_id", "updated_at"],
        RecordKind::Dataset => &[
            "personal_data",
            "special_category_data",
            "source",
            "updated_at",
        ],
        RecordKind::Supplier => &[
            "supplies",
            "due_diligence_status",
            "contact_name",
            "updated_at",
        ],
    }
}

fn record_path(kind: RecordKind, id: Uuid) -> String {
    format!("/{}/{id}", kind.path())
}

/// "a model", "an AI system".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

pub(super) fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

fn fields_json<F: RecordFields>(fields: &F) -> Map<String, Value> {
    match serde_json::to_value(fields) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn name_of<F: RecordFields>(fields: &F) -> String {
    fields_json(fields)
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Every record of `F` matching `filters`, as `(id, name)` ordered by name.
async fn names_of<F: RecordFields>(
    state: &AppState,
    organisation: Uuid,
    filters: Vec<(&'static str, String)>,
) -> Result<Vec<(Uuid, String)>, ApiError> {
    let mut out = Vec::new();
    let mut query = ListQuery {
        limit: MAX_LIMIT,
        offset: 0,
        sort: "name",
        order: SortOrder::Asc,
        search: None,
        filters,
    };
    loop {
        let page = state.store.list_records::<F>(organisation, &query).await?;
        out.extend(page.items.iter().map(|r| (r.id, name_of(&r.fields))));
        query.offset += MAX_LIMIT;
        if query.offset >= page.total {
            return Ok(out);
        }
    }
}

/// [`names_of`] for a kind known only at run time.
async fn names_of_kind(
    state: &AppState,
    organisation: Uuid,
    kind: RecordKind,
    filters: Vec<(&'static str, String)>,
) -> Result<Vec<(Uuid, String)>, ApiError> {
    match kind {
        RecordKind::System => names_of::<SystemFields>(state, organisation, filters).await,
        RecordKind::Model => names_of::<ModelFields>(state, organisation, filters).await,
        RecordKind::Dataset => names_of::<DatasetFields>(state, organisation, filters).await,
        RecordKind::Supplier => names_of::<SupplierFields>(state, organisation, filters).await,
    }
}

async fn load_names(
    state: &AppState,
    organisation: Uuid,
    kinds: &[RecordKind],
) -> Result<Names, ApiError> {
    let mut names = Names::default();
    for kind in kinds {
        names.insert(
            *kind,
            names_of_kind(state, organisation, *kind, Vec::new()).await?,
        );
    }
    Ok(names)
}

// --- showing values -------------------------------------------------------------------

fn choice_label(def: &FieldDef, value: &str) -> Option<&'static str> {
    match def.kind {
        FieldKind::Choice(choices) | FieldKind::MultiChoice(choices) => {
            choices.iter().find(|c| c.value == value).map(|c| c.label)
        }
        _ => None,
    }
}

fn not_set() -> Markup {
    html! { span.muted { "Not set" } }
}

/// A field's value for people: labels for choices, links for references.
fn show_value(def: &FieldDef, value: Option<&Value>, names: &Names) -> Markup {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return not_set();
    };
    let link = |kind: RecordKind, id: &str| -> Markup {
        let Ok(id) = Uuid::parse_str(id) else {
            return html! { (id) };
        };
        html! {
            a href=(record_path(kind, id)) { (names.name(id).unwrap_or("(unnamed)")) }
        }
    };
    match (def.kind, value) {
        (FieldKind::Choice(_), Value::String(s)) => html! {
            span class=(format!("label {s}")) { (choice_label(def, s).unwrap_or(s)) }
        },
        (FieldKind::MultiChoice(_), Value::Array(items)) if !items.is_empty() => html! {
            @for item in items.iter().filter_map(Value::as_str) {
                span.label { (choice_label(def, item).unwrap_or(item)) } " "
            }
        },
        (FieldKind::Bool, Value::Bool(b)) => html! { (if *b { "Yes" } else { "No" }) },
        (FieldKind::Date, Value::String(s)) => html! {
            (chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.format("%-d %B %Y").to_string())
                .unwrap_or_else(|_| s.clone()))
        },
        (FieldKind::Email, Value::String(s)) if !s.is_empty() => html! {
            a href=(format!("mailto:{s}")) { (s) }
        },
        (FieldKind::Reference(kind), Value::String(id)) => link(kind, id),
        (FieldKind::References(kind), Value::Array(ids)) if !ids.is_empty() => html! {
            ul.plain { @for id in ids.iter().filter_map(Value::as_str) { li { (link(kind, id)) } } }
        },
        (FieldKind::List, Value::Array(items)) if !items.is_empty() => html! {
            ul.plain { @for item in items.iter().filter_map(Value::as_str) { li { (item) } } }
        },
        (FieldKind::Metrics, Value::Object(m)) if !m.is_empty() => html! {
            table.metrics {
                @for (name, number) in metrics_of(value) {
                    tr { th scope="row" { (name) } td { (number) } }
                }
            }
        },
        (_, Value::String(s)) if !s.is_empty() => html! { (s) },
        (_, Value::String(_) | Value::Array(_) | Value::Object(_)) => not_set(),
        (_, other) => html! { (other.to_string()) },
    }
}

/// A value in a dense table: as [`show_value`], but a quiet dash when there is none.
fn show_cell(def: &FieldDef, value: Option<&Value>, names: &Names) -> Markup {
    let blank = match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    };
    if blank {
        return html! { span.muted { span aria-hidden="true" { "—" } span.visually-hidden { "Not set" } } };
    }
    show_value(def, value, names)
}

// --- list -----------------------------------------------------------------------------

/// A list address with `changes` applied to the current parameters (`None` removes one).
fn list_href(
    kind: RecordKind,
    params: &[(String, String)],
    changes: &[(&str, Option<String>)],
) -> String {
    super::href_with(&format!("/{}", kind.path()), params, changes)
}

async fn list<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let kind = F::KIND;
    let mut params = parse_list_params(raw.as_deref().unwrap_or(""));
    let notice_code = params
        .filters
        .iter()
        .find(|(k, _)| k == "notice")
        .map(|(_, v)| v.clone());
    params.filters.retain(|(k, _)| k != "notice");
    // The API's own checks, filter values included.
    let query = params.to_query(kind).or_page(&auth)?;
    let org = auth.organisation_id();
    let page_of = state
        .store
        .list_records::<F>(org, &query)
        .await
        .or_page(&auth)?;
    let shown: Vec<&FieldDef> = list_columns(kind)
        .iter()
        .chain(kind.filterable())
        .filter_map(|c| kind.field(c))
        .collect();
    let needs: Vec<FieldDef> = shown.iter().map(|d| **d).collect();
    let names = load_names(&state, org, &referenced_kinds(&needs))
        .await
        .or_page(&auth)?;

    // The parameters that define the current view, kept by sorting, filtering and paging.
    let mut current: Vec<(String, String)> = Vec::new();
    if let Some(q) = &query.search {
        current.push(("q".into(), q.clone()));
    }
    for (k, v) in &query.filters {
        current.push(((*k).to_owned(), v.clone()));
    }
    let mut view = current.clone();
    if params.raw.sort.is_some() {
        view.push(("sort".into(), query.sort.to_owned()));
        view.push((
            "order".into(),
            if query.order == SortOrder::Desc {
                "desc"
            } else {
                "asc"
            }
            .into(),
        ));
    }
    if query.limit != aims_domain::listing::DEFAULT_LIMIT {
        view.push(("limit".into(), query.limit.to_string()));
    }

    let filtered = !current.is_empty();
    let first = query.offset + 1;
    let last = (query.offset + page_of.items.len() as u64).max(query.offset);
    let noun_plural = mid_sentence(kind.plural());
    let can_edit = auth.can(Permission::Edit);
    let p = paths(kind);

    let body = html! {
        div.page-header {
            h1 { (kind.plural()) }
            @if can_edit {
                a.button href=(p.new) { "New " (kind.singular()) }
            }
        }
        (notice(notice_code.as_deref()))
        (filter_form(kind, &query, &names))
        @if page_of.total == 0 {
            @if filtered {
                p { "No " (noun_plural) " match these filters. " a href=(p.list) { "Show all " (noun_plural) } }
            } @else {
                p { "No " (noun_plural) " have been recorded yet." }
            }
        } @else if page_of.items.is_empty() {
            p { "There are no " (noun_plural) " on this page. " a href=(list_href(kind, &view, &[("offset", None)])) { "Go to the first page" } }
        } @else {
            p.meta #list-count role="status" {
                "Showing " (first) "–" (last) " of " (page_of.total) " "
                (if page_of.total == 1 { kind.singular().to_owned() } else { noun_plural.clone() })
            }
            div.table-wrap {
                table.data {
                    caption.visually-hidden { (kind.plural()) ", sorted by " (sort_label(kind, query.sort)) }
                    thead { tr {
                        (sort_header(kind, "name", "Name", &query, &view))
                        @for column in list_columns(kind) {
                            @let label = kind.field(column).map_or("Updated", |d| d.label);
                            (sort_header(kind, column, label, &query, &view))
                        }
                    } }
                    tbody {
                        @for record in &page_of.items {
                            @let values = fields_json(&record.fields);
                            tr {
                                th scope="row" {
                                    a href=(record_path(kind, record.id)) { (name_of(&record.fields)) }
                                }
                                @for column in list_columns(kind) {
                                    td {
                                        @if let Some(def) = kind.field(column) {
                                            (show_cell(def, values.get(*column), &names))
                                        } @else {
                                            time datetime=(record.updated_at.to_rfc3339()) { (record.updated_at.format("%-d %b %Y")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav.pager aria-label="Pages" {
                @if query.offset > 0 {
                    a rel="prev" href=(list_href(kind, &view, &[("offset", Some(query.offset.saturating_sub(query.limit).to_string()))])) { "← Previous" }
                }
                @if last < page_of.total {
                    a rel="next" href=(list_href(kind, &view, &[("offset", Some(last.to_string()))])) { "Next →" }
                }
            }
        }
    };
    Ok(Page {
        title: kind.plural().into(),
        auth: Some(&auth),
        section: Some("inventory"),
        body,
    }
    .into_response())
}

fn sort_label(kind: RecordKind, column: &str) -> String {
    match column {
        "name" => "name".into(),
        "created_at" => "creation".into(),
        "updated_at" => "last update".into(),
        other => kind
            .field(other)
            .map_or(other.to_owned(), |d| mid_sentence(d.label)),
    }
}

/// A column header: a link that sorts by the column (and reverses an existing sort).
fn sort_header(
    kind: RecordKind,
    column: &'static str,
    label: &str,
    query: &ListQuery,
    view: &[(String, String)],
) -> Markup {
    if !kind.sortable().contains(&column) {
        return html! { th scope="col" { (label) } };
    }
    let active = query.sort == column;
    let next_order = if active && query.order == SortOrder::Asc {
        "desc"
    } else {
        "asc"
    };
    let href = list_href(
        kind,
        view,
        &[
            ("sort", Some(column.to_owned())),
            ("order", Some(next_order.to_owned())),
            ("offset", None),
        ],
    );
    let aria = active.then(|| {
        if query.order == SortOrder::Asc {
            "ascending"
        } else {
            "descending"
        }
    });
    html! {
        th scope="col" aria-sort=[aria] {
            a href=(href) {
                (label)
                @if let Some(dir) = aria {
                    span.sort-indicator aria-hidden="true" { (if dir == "ascending" { " ▲" } else { " ▼" }) }
                }
            }
        }
    }
}

/// The GET form of search and filters; works without JavaScript.
fn filter_form(kind: RecordKind, query: &ListQuery, names: &Names) -> Markup {
    let value_of = |column: &str| {
        query
            .filters
            .iter()
            .find(|(k, _)| *k == column)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    html! {
        form.filters method="get" action=(format!("/{}", kind.path())) role="search" aria-label=(format!("Filter {}", mid_sentence(kind.plural()))) {
            div.field {
                label for="filter-q" { "Name contains" }
                input #filter-q type="search" name="q" value=(query.search.as_deref().unwrap_or(""));
            }
            @for column in kind.filterable() {
                @if let Some(def) = kind.field(column) {
                    @let id = format!("filter-{column}");
                    @let current = value_of(column);
                    div.field {
                        label for=(id) { (def.label) }
                        @match def.kind {
                            FieldKind::Choice(choices) => {
                                select id=(id) name=(column) {
                                    option value="" { "Any" }
                                    @for c in choices { option value=(c.value) selected[c.value == current] { (c.label) } }
                                }
                            }
                            FieldKind::Bool => {
                                select id=(id) name=(column) {
                                    option value="" { "Any" }
                                    option value="true" selected[current == "true"] { "Yes" }
                                    option value="false" selected[current == "false"] { "No" }
                                }
                            }
                            FieldKind::Reference(target) => {
                                select id=(id) name=(column) {
                                    option value="" { "Any" }
                                    @for (value, label) in names.options(target) {
                                        option value=(value) selected[value == current] { (label) }
                                    }
                                }
                            }
                            _ => {
                                input id=(id) type="text" name=(column) value=(current) aria-describedby=(format!("{id}-hint"));
                                span.visually-hidden id=(format!("{id}-hint")) { "Exact match" }
                            }
                        }
                    }
                }
            }
            @if query.sort != kind.sortable()[0] || query.order == SortOrder::Desc {
                input type="hidden" name="sort" value=(query.sort);
                input type="hidden" name="order" value=(if query.order == SortOrder::Desc { "desc" } else { "asc" });
            }
            div.filter-actions {
                button.button.secondary type="submit" { "Apply" }
                @if query.search.is_some() || !query.filters.is_empty() {
                    a href=(format!("/{}", kind.path())) { "Clear filters" }
                }
            }
        }
    }
}

// --- details --------------------------------------------------------------------------

async fn show<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let record = state
        .store
        .record::<F>(auth.organisation_id(), id)
        .await
        .or_page(&auth)?;
    let code = FormData::from_query(raw.as_deref())
        .get("notice")
        .map(str::to_owned);
    details_page(
        &state,
        &auth,
        &record,
        StatusCode::OK,
        code.as_deref(),
        &FormErrors::default(),
    )
    .await
}

/// Every change of a record, field by field; readable after the record is deleted.
async fn history<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let kind = F::KIND;
    let id = parse_id(&id, "id").or_page(&auth)?;
    let entries = state
        .store
        .history(auth.organisation_id(), kind.path(), &id.to_string())
        .await
        .or_page(&auth)?;
    if entries.is_empty() {
        return Err(WebError(ApiError::NotFound(format!(
            "{} {id} was not found",
            kind.singular()
        )))
        .page(Some(&auth)));
    }
    let current = state
        .store
        .record::<F>(auth.organisation_id(), id)
        .await
        .ok();
    let name = current
        .as_ref()
        .map(|r| name_of(&r.fields))
        .unwrap_or_else(|| format!("Deleted {}", kind.singular()));
    let label = |field: &str| {
        kind.field(field)
            .map_or(field.to_owned(), |d| d.label.to_owned())
    };
    let show = |value: &Value| -> String {
        match value {
            Value::Null => "—".to_owned(),
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "—".to_owned(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    };
    let body = html! {
        h1 { (name) }
        p.lead { "History of changes, newest first. Each change is kept in the change log in the same transaction as the change itself." }
        table.data {
            thead { tr { th { "When" } th { "Who" } th { "What" } th { "Field" } th { "Before" } th { "After" } } }
            tbody {
                @for entry in entries.iter().rev() {
                    @let rows = entry.changes.len().max(1);
                    tr {
                        td rowspan=(rows) { (when(entry.at)) }
                        td rowspan=(rows) { (entry.actor) }
                        td rowspan=(rows) {
                            (match entry.action.as_str() { "create" => "Created", "update" => "Changed", "delete" => "Deleted", other => other })
                            @if let Some(revision) = entry.revision { br; span.meta { "revision " (revision) } }
                        }
                        @match entry.changes.first() {
                            Some(change) => { td { (label(&change.field)) } td { (show(&change.before)) } td { (show(&change.after)) } }
                            None => { td colspan="3" { span.meta { "No field changed" } } }
                        }
                    }
                    @for change in entry.changes.iter().skip(1) {
                        tr { td { (label(&change.field)) } td { (show(&change.before)) } td { (show(&change.after)) } }
                    }
                }
            }
        }
        @if current.is_some() {
            p { a href=(record_path(kind, id)) { "Back to the " (kind.singular()) } }
        }
    };
    Ok(Page {
        title: format!("History · {name}"),
        auth: Some(&auth),
        section: Some("inventory"),
        body,
    }
    .into_response())
}

/// Records of other kinds that point at this one through a filterable reference, such
/// as the models of an AI system: `(kind, field, records)`.
async fn referred_by(
    state: &AppState,
    organisation: Uuid,
    target: RecordKind,
    id: Uuid,
) -> Result<Vec<(RecordKind, &'static FieldDef, Vec<(Uuid, String)>)>, ApiError> {
    let mut out = Vec::new();
    for kind in RecordKind::ALL {
        for def in kind.fields() {
            if def.kind == FieldKind::Reference(target) && kind.filterable().contains(&def.name) {
                let names =
                    names_of_kind(state, organisation, kind, vec![(def.name, id.to_string())])
                        .await?;
                out.push((kind, def, names));
            }
        }
    }
    Ok(out)
}

async fn details_page<F: RecordFields>(
    state: &AppState,
    auth: &AuthContext,
    record: &Record<F>,
    status: StatusCode,
    notice_code: Option<&str>,
    errors: &FormErrors,
) -> PageResult {
    let kind = F::KIND;
    let org = auth.organisation_id();
    let names = load_names(state, org, &referenced_kinds(kind.fields()))
        .await
        .or_page(auth)?;
    let related = referred_by(state, org, kind, record.id)
        .await
        .or_page(auth)?;
    let values = fields_json(&record.fields);
    let name = name_of(&record.fields);
    let here = record_path(kind, record.id);
    // An AI system's decision log (A.6.2.8): how many events, and the way out as CSV.
    let decisions = if kind == RecordKind::System {
        Some(
            state
                .store
                .count_decisions(org, record.id, Default::default())
                .await
                .or_page(auth)?,
        )
    } else {
        None
    };
    let body = html! {
        span.caption { (capitalise(kind.singular())) }
        h1 { (name) }
        (notice(notice_code))
        (error_summary(errors))
        @if auth.can(Permission::Edit) {
            div.actions {
                a.button href=(format!("{here}/edit")) { "Edit" }
                form method="post" action=(format!("{here}/delete"))
                    data-confirm=(format!("Delete {} “{name}”? This cannot be undone.", kind.singular())) {
                    (csrf(auth))
                    input type="hidden" name="revision" value=(record.revision);
                    button.button.danger type="submit" { "Delete" }
                }
            }
        }
        dl.details {
            @for def in kind.fields() {
                dt { (def.label) }
                dd {
                    (show_value(def, values.get(def.name), &names))
                    @if def.read_only { p.hint { (hint_text(def.hint)) } }
                }
            }
        }
        @if kind == RecordKind::System {
            (super::classification::system_link(record.id))
            (super::evaluations::system_link(record.id))
        }
        h2 { "Record" }
        dl.details.meta-list {
            dt { "Created" } dd { (when(record.created_at)) " by " (record.created_by) }
            dt { "Last changed" } dd { (when(record.updated_at)) " by " (record.updated_by) }
            dt { "Revision" } dd { (record.revision) " · " a href=(format!("{}/history", record_path(kind, record.id))) { "History of changes" } }
        }
        @if let Some(count) = decisions {
            h2 { "Decision log" }
            @if count == 0 {
                p { "No decision events yet. The system sends them to " code { "POST /api/v1/systems/" (record.id) "/decisions" } "." }
            } @else {
                p {
                    (count) " decision events, each in this system's tamper-evident log. "
                    a href=(format!("/api/v1/systems/{}/decisions/export", record.id)) download { "Download as CSV" }
                    " (ready for " code { "aims eval fairness" } ")."
                }
            }
        }
        @for (other, def, items) in &related {
            h2 { (other.plural()) }
            p.hint { (other.plural()) " whose " (mid_sentence(def.label)) " is this " (kind.singular()) "." }
            @if items.is_empty() {
                p { "None." }
            } @else {
                ul {
                    @for (id, item) in items { li { a href=(record_path(*other, *id)) { (item) } } }
                }
            }
            @if auth.can(Permission::Edit) {
                p { a href=(format!("/{}/new?{}={}", other.path(), def.name, record.id)) { "Add " (with_article(other.singular())) " to this " (kind.singular()) } }
            }
        }
        p { a href=(format!("/{}", kind.path())) { "All " (mid_sentence(kind.plural())) } }
    };
    Ok((
        status,
        Page {
            title: format!("{name} · {}", capitalise(kind.singular())),
            auth: Some(auth),
            section: Some("inventory"),
            body,
        },
    )
        .into_response())
}

// --- create and edit ------------------------------------------------------------------

/// What a form page shows besides the fields.
struct FormPage<'a> {
    /// `None`: a new record.
    record: Option<(Uuid, &'a str, i64)>,
    values: &'a FormData,
    errors: &'a FormErrors,
    /// Someone else's version, when saving ran into it.
    conflict: Option<Conflict>,
}

struct Conflict {
    updated_by: String,
    updated_at: DateTime<Utc>,
    /// `(field, theirs, yours)` for each field that differs.
    differences: Vec<(&'static FieldDef, Option<Value>, Option<Value>)>,
}

async fn form_page<F: RecordFields>(
    state: &AppState,
    auth: &AuthContext,
    status: StatusCode,
    form: FormPage<'_>,
) -> PageResult {
    let kind = F::KIND;
    let names = load_names(
        state,
        auth.organisation_id(),
        &referenced_kinds(kind.fields()),
    )
    .await
    .or_page(auth)?;
    let p = paths(kind);
    let (title, action, cancel) = match form.record {
        None => (
            format!("New {}", kind.singular()),
            p.new.to_owned(),
            p.list.to_owned(),
        ),
        Some((id, name, _)) => (
            format!("Edit {name}"),
            format!("{}/edit", record_path(kind, id)),
            record_path(kind, id),
        ),
    };
    let body = html! {
        @if let Some((_, name, _)) = form.record {
            span.caption { "Edit " (kind.singular()) }
            h1 { (name) }
        } @else {
            h1 { (title) }
        }
        @if let Some(conflict) = &form.conflict {
            div.conflict role="alert" {
                h2 { "Someone else changed this record while you were editing it" }
                p {
                    (conflict.updated_by) " saved a newer version at " (when(conflict.updated_at)) ". "
                    strong { "Your changes have not been saved." }
                    " The form below still holds your version. Check the differences, then save again to replace their version with yours, or "
                    a href=(cancel) { "discard your changes" } "."
                }
                @if conflict.differences.is_empty() {
                    p { "Their version has the same values as yours in the fields of this form." }
                } @else {
                    table.data {
                        caption { "Fields that differ" }
                        thead { tr { th scope="col" { "Field" } th scope="col" { "Saved now" } th scope="col" { "Your version" } } }
                        tbody {
                            @for (def, theirs, yours) in &conflict.differences {
                                tr {
                                    th scope="row" { (def.label) }
                                    td { (show_value(def, theirs.as_ref(), &names)) }
                                    td { (show_value(def, yours.as_ref(), &names)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        (error_summary(form.errors))
        form.record-form method="post" action=(action) novalidate {
            (csrf(auth))
            @if let Some((_, _, revision)) = form.record {
                input type="hidden" name="revision" value=(revision);
            }
            (render_inputs(kind, form.values, form.errors, &names))
            div.actions {
                button.button type="submit" {
                    @if form.record.is_some() { "Save changes" } @else { "Create " (kind.singular()) }
                }
                a href=(cancel) { "Cancel" }
            }
        }
    };
    let prefix = if form.errors.is_empty() && form.conflict.is_none() {
        ""
    } else {
        "Error: "
    };
    Ok((
        status,
        Page {
            title: format!("{prefix}{title}"),
            auth: Some(auth),
            section: Some("inventory"),
            body,
        },
    )
        .into_response())
}

/// The empty form; editable fields named in the query string are filled in (links such
/// as "Add a model to this AI system" use that).
async fn new_form<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let values = FormData(
        query
            .0
            .into_iter()
            .filter(|(k, _)| editable(F::KIND).any(|d| d.name == k))
            .collect(),
    );
    let form = FormPage {
        record: None,
        values: &values,
        errors: &FormErrors::default(),
        conflict: None,
    };
    form_page::<F>(&state, &auth, StatusCode::OK, form).await
}

/// Reads the form into fields of `F`, through `parse` (`parse_new` or `apply_patch`).
fn read_fields<F: RecordFields>(
    form: &FormData,
    parse: impl FnOnce(Map<String, Value>) -> Result<F, aims_domain::ValidationErrors>,
) -> Result<F, FormErrors> {
    let labels = labels(F::KIND);
    let (map, unreadable) = form_to_json(F::KIND, form);
    let mut errors = FormErrors::from_validation(&unreadable, &labels);
    match parse(map) {
        Ok(fields) if errors.is_empty() => Ok(fields),
        Ok(_) => Err(errors),
        Err(invalid) => {
            errors.extend(&invalid, &labels);
            Err(errors)
        }
    }
}

async fn create<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    body: Bytes,
) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let errors = match read_fields::<F>(&form, |map| parse_new(Value::Object(map))) {
        Ok(fields) => {
            let created = state
                .store
                .create_record(&auth.actor(), auth.organisation_id(), fields)
                .await;
            match created {
                Ok(record) => return Ok(saved(F::KIND, record.id, "created")),
                Err(err) => invalid_or_page::<F>(err, &auth)?,
            }
        }
        Err(errors) => errors,
    };
    let page = FormPage {
        record: None,
        values: &form,
        errors: &errors,
        conflict: None,
    };
    form_page::<F>(&state, &auth, StatusCode::BAD_REQUEST, page).await
}

/// After a successful change: 303 to the details page, which confirms it.
fn saved(kind: RecordKind, id: Uuid, notice_code: &str) -> Response {
    Redirect::to(&format!("{}?notice={notice_code}", record_path(kind, id))).into_response()
}

/// A store error that the form can show (a reference the store refused), or the error page.
#[allow(clippy::result_large_err, reason = "see PageResult")]
fn invalid_or_page<F: RecordFields>(
    err: StoreError,
    auth: &AuthContext,
) -> Result<FormErrors, Response> {
    match ApiError::from(err) {
        ApiError::Validation(invalid) => {
            Ok(FormErrors::from_validation(&invalid, &labels(F::KIND)))
        }
        other => Err(WebError(other).page(Some(auth))),
    }
}

async fn edit_form<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id, "id").or_page(&auth)?;
    let record = state
        .store
        .record::<F>(auth.organisation_id(), id)
        .await
        .or_page(&auth)?;
    let values = json_to_form(F::KIND, &fields_json(&record.fields));
    let name = name_of(&record.fields);
    let page = FormPage {
        record: Some((id, &name, record.revision)),
        values: &values,
        errors: &FormErrors::default(),
        conflict: None,
    };
    form_page::<F>(&state, &auth, StatusCode::OK, page).await
}

/// The revision the form was filled from.
fn form_revision(form: &FormData) -> Result<i64, ApiError> {
    form.text("revision")
        .parse::<i64>()
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| {
            ApiError::validation(
                "revision",
                "is missing from the form: open the edit page again",
            )
        })
}

async fn update<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let kind = F::KIND;
    let org = auth.organisation_id();
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let revision = form_revision(&form).or_page(&auth)?;
    let current = state.store.record::<F>(org, id).await.or_page(&auth)?;
    let errors = match read_fields::<F>(&form, |map| apply_patch(&current.fields, &map, &[])) {
        Ok(fields) => {
            let attempted = fields_json(&fields);
            let result = state
                .store
                .update_record(&auth.actor(), org, id, revision, fields)
                .await;
            match result {
                Ok(record) => return Ok(saved(kind, record.id, "saved")),
                Err(StoreError::Conflict { .. }) => {
                    // Show their version next to the user's, and offer to save over it
                    // knowingly: the form now carries their revision.
                    let now = state.store.record::<F>(org, id).await.or_page(&auth)?;
                    let theirs = fields_json(&now.fields);
                    let differences = changed_fields(kind, &theirs, &attempted)
                        .into_iter()
                        .map(|d| {
                            (
                                d,
                                theirs.get(d.name).cloned(),
                                attempted.get(d.name).cloned(),
                            )
                        })
                        .collect();
                    let name = name_of(&now.fields);
                    let page = FormPage {
                        record: Some((id, &name, now.revision)),
                        values: &form,
                        errors: &FormErrors::default(),
                        conflict: Some(Conflict {
                            updated_by: now.updated_by.clone(),
                            updated_at: now.updated_at,
                            differences,
                        }),
                    };
                    return form_page::<F>(&state, &auth, StatusCode::CONFLICT, page).await;
                }
                Err(err) => invalid_or_page::<F>(err, &auth)?,
            }
        }
        Err(errors) => errors,
    };
    let name = name_of(&current.fields);
    let page = FormPage {
        // The revision the user read, not the current one: a change by someone else in
        // the meantime must still be noticed when the corrected form is saved.
        record: Some((id, &name, revision)),
        values: &form,
        errors: &errors,
        conflict: None,
    };
    form_page::<F>(&state, &auth, StatusCode::BAD_REQUEST, page).await
}

async fn remove<F: RecordFields>(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let kind = F::KIND;
    let org = auth.organisation_id();
    let id = parse_id(&id, "id").or_page(&auth)?;
    let form = FormData::parse(&body).or_page(&auth)?;
    let revision = form_revision(&form).or_page(&auth)?;
    let message = match state
        .store
        .delete_record::<F>(&auth.actor(), org, id, Some(revision))
        .await
    {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/{}?notice=deleted", kind.path())).into_response());
        }
        Err(StoreError::InUse(message)) => {
            let all_labels: Vec<(&str, &str)> =
                RecordKind::ALL.iter().flat_map(|k| labels(*k)).collect();
            // The store says "this supplier is still referenced by 2 models (field …); …".
            let message = humanize(&message, &all_labels);
            let message = message
                .strip_prefix(&format!("this {} ", kind.singular()))
                .map_or(message.clone(), |rest| format!("it {rest}"));
            format!("This {} cannot be deleted: {message}.", kind.singular())
        }
        Err(StoreError::Conflict { .. }) => format!(
            "This {} was changed by someone else after you opened it, so it has not been deleted. Check the current version below, then delete it again if you still mean to.",
            kind.singular()
        ),
        Err(other) => return Err(WebError::from(other).page(Some(&auth))),
    };
    let record = state.store.record::<F>(org, id).await.or_page(&auth)?;
    let mut errors = FormErrors::default();
    errors.add("", message);
    details_page(&state, &auth, &record, StatusCode::CONFLICT, None, &errors).await
}

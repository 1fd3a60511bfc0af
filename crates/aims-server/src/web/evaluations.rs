//! Evaluations of an AI system kept as evidence: the list on the system, and one evaluation
//! with its inputs, parameters, verdict and charts.

use aims_domain::evaluation::{Evaluation, EvaluationKind, Verdict};
use aims_domain::inventory::SystemFields;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{Markup, PreEscaped, html};
use serde_json::Value;
use uuid::Uuid;

use super::inventory::when;
use super::{OrPage, PageResult, section_page};
use crate::auth::Auth;
use crate::evaluation_charts::{drift_chart, fairness_chart};
use crate::extract::parse_id;
use crate::state::AppState;

/// The link on an AI system's page.
pub fn system_link(system_id: Uuid) -> Markup {
    html! {
        p { a href=(format!("/systems/{system_id}/evaluations")) { "Fairness and drift evaluations" } }
    }
}

fn verdict_label(verdict: Option<Verdict>) -> Markup {
    html! {
        @match verdict {
            Some(Verdict::Ok) => span.label.low { "ok" },
            Some(Verdict::Warn) => span.label.medium { "warn" },
            Some(Verdict::Alarm) => span.label.high { "alarm" },
            None => span.muted { "—" },
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let org = auth.organisation_id();
    let id = parse_id(&id, "id").or_page(&auth)?;
    let system = state
        .store
        .record::<SystemFields>(org, id)
        .await
        .or_page(&auth)?;
    let evaluations = state.store.evaluations(org, id).await.or_page(&auth)?;
    let body = html! {
        span.caption { a href=(format!("/systems/{id}")) { (system.fields.name) } " · ISO/IEC 42001 A.6.2.4, A.7.4, 9.1" }
        h1 { "Evaluations" }
        p.lead { "Fairness and drift evaluations kept as evidence, each with the SHA-256 of its input files, so that anyone holding the same files can run it again. Add one with " code { "aims eval … --system " (id) } "." }
        @if evaluations.is_empty() {
            p { "No evaluations have been kept for this system yet." }
        } @else {
            table.data {
                thead { tr { th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "Verdict" } th scope="col" { "Inputs" } th scope="col" { "By" } } }
                tbody {
                    @for e in &evaluations {
                        tr {
                            th scope="row" { a href=(format!("/evaluations/{}", e.id)) { (when(e.created_at)) } }
                            td { (e.fields.kind.as_str()) }
                            td { (verdict_label(e.fields.verdict)) }
                            td { @for (i, f) in e.fields.inputs.iter().enumerate() { @if i > 0 { ", " } (f.name) } }
                            td { (e.created_by) }
                        }
                    }
                }
            }
            @if let Some(latest) = evaluations.iter().find(|e| e.fields.kind == EvaluationKind::Fairness) {
                h2 { "Latest fairness evaluation" }
                (charts(latest))
            }
            @if let Some(latest) = evaluations.iter().find(|e| e.fields.kind == EvaluationKind::Drift) {
                h2 { "Latest drift evaluation" }
                (charts(latest))
            }
        }
    };
    Ok(section_page(
        "operation",
        format!("Evaluations — {}", system.fields.name),
        &auth,
        body,
        StatusCode::OK,
    ))
}

/// Above this many intersectional groups the charts would be pages long.
const MAX_CHARTED_GROUPS: usize = 24;

/// The selection rate, true and false positive rates of `groups`, a chart each.
fn fairness_charts(groups: &[Value], by: &str) -> Markup {
    html! {
        div.heat-maps {
            @for (metric, name) in [("selection_rate", "selection rate"), ("tpr", "true positive rate"), ("fpr", "false positive rate")] {
                @if let Some(svg) = fairness_chart(groups, metric, &format!("{name} by {by}")) { figure { (PreEscaped(svg)) } }
            }
        }
    }
}

fn charts(e: &Evaluation) -> Markup {
    let result = &e.fields.result;
    html! {
        @match e.fields.kind {
            EvaluationKind::Fairness => {
                p {
                    "Four-fifths rule: " strong { (result["four_fifths"]["verdict"].as_str().unwrap_or("undefined")) }
                    @if let Some(ratio) = result["four_fifths"]["selection_rate_ratio"].as_f64() { " (selection rate ratio " (format!("{ratio:.3}")) ")" }
                }
                @for (attribute, groups) in result["by_attribute"].as_object().into_iter().flatten() {
                    h3 { "By " (attribute) }
                    (fairness_charts(groups.as_array().map_or(&[][..], Vec::as_slice), attribute))
                }
                @let groups = result["groups"].as_array().map_or(&[][..], Vec::as_slice);
                @let attributes = result["by_attribute"].as_object().map_or(0, |a| a.len());
                @if attributes != 1 {
                    h3 { "Intersectional groups" }
                    @if groups.len() <= MAX_CHARTED_GROUPS {
                        (fairness_charts(groups, "group"))
                    } @else {
                        p { (groups.len()) " groups: too many to chart; the figures of each are in the evaluation's result." }
                    }
                }
            }
            EvaluationKind::Drift => {
                @if let Some(share) = result["drifted_share"].as_f64() { p { "Drifted columns: " strong { (format!("{:.0}%", share * 100.0)) } } }
                div.heat-maps {
                    @for column in result["columns"].as_array().into_iter().flatten() {
                        @if let Some(svg) = drift_chart(column) { figure { (PreEscaped(svg)) } }
                    }
                }
            }
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(id): Path<String>,
) -> PageResult {
    let org = auth.organisation_id();
    let id = parse_id(&id, "id").or_page(&auth)?;
    let e = state.store.evaluation(org, id).await.or_page(&auth)?;
    let system = state
        .store
        .record::<SystemFields>(org, e.system_id)
        .await
        .or_page(&auth)?;
    let parameters = serde_json::to_string_pretty(&e.fields.parameters).unwrap_or_default();
    let body = html! {
        span.caption { a href=(format!("/systems/{}/evaluations", e.system_id)) { "Evaluations of " (system.fields.name) } }
        h1 { (e.fields.kind.as_str()) " evaluation" }
        dl.details {
            dt { "Kept" } dd { (when(e.created_at)) " by " (e.created_by) }
            dt { "Verdict" } dd { (verdict_label(e.fields.verdict)) }
            dt { "Tool" } dd { (e.fields.tool_version) }
            dt { "Inputs" } dd {
                ul.plain { @for f in &e.fields.inputs { li { (f.name) " · " (f.bytes) " bytes · SHA-256 " code.hash { (f.sha256) } } } }
            }
            dt { "Parameters" } dd { pre { (parameters) } }
            dt { "Full result" } dd { a href=(format!("/api/v1/evaluations/{id}")) { "JSON" } }
        }
        (charts(&e))
        @if e.fields.kind == EvaluationKind::Drift {
            h2 { "Columns" }
            table.data {
                thead { tr { th scope="col" { "Column" } th scope="col" { "Kind" } th scope="col" { "PSI" } th scope="col" { "KS p" } th scope="col" { "Verdict" } } }
                tbody {
                    @for c in e.fields.result["columns"].as_array().into_iter().flatten() {
                        tr {
                            th scope="row" { (c["name"].as_str().unwrap_or_default()) }
                            td { (c["kind"].as_str().unwrap_or_default()) }
                            td { @if let Some(p) = c["psi"].as_f64() { (format!("{p:.4}")) } }
                            td { @if let Some(p) = c["ks_pvalue"].as_f64() { (format!("{p:.2e}")) } }
                            td { (c["verdict"].as_str().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    Ok(section_page(
        "operation",
        format!("Evaluation — {}", system.fields.name),
        &auth,
        body,
        StatusCode::OK,
    ))
}

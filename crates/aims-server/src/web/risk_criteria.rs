//! The risk criteria form (managers and admins): the labels of both scales, the levels with
//! their colours and accepting roles, the level of each cell and the treatment threshold.
//! The matrix size is chosen first (a GET that redraws the form), so the form works without
//! JavaScript.

use aims_domain::risk::{RiskCriteria, RiskLevel, ScaleStep};
use aims_domain::{Role, ValidationErrors};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;

use super::forms::{Field, FormData, FormErrors, capitalise, csrf, error_summary};
use super::{OrPage, PageResult, WebError, planning_page as page};
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::state::AppState;

/// Roles that may be named to accept risks (auditors never change anything).
const ACCEPTING: [Role; 3] = [Role::Admin, Role::Manager, Role::Contributor];

/// The criteria resized to `likelihood` × `impact` steps and `levels` levels: new steps and
/// levels get placeholder names, new rows and columns repeat the last ones, so the matrix
/// stays monotone.
pub fn resized(c: &RiskCriteria, likelihood: usize, impact: usize, levels: usize) -> RiskCriteria {
    let steps = |old: &[ScaleStep], n: usize| -> Vec<ScaleStep> {
        (0..n)
            .map(|i| {
                old.get(i).cloned().unwrap_or(ScaleStep {
                    label: format!("Step {}", i + 1),
                    description: String::new(),
                })
            })
            .collect()
    };
    let new_levels: Vec<RiskLevel> = (0..levels)
        .map(|i| {
            c.levels.get(i).cloned().unwrap_or(RiskLevel {
                name: format!("Level {}", i + 1),
                colour: "#8c959f".into(),
                accepted_by: vec![Role::Admin],
            })
        })
        .collect();
    let top = levels.saturating_sub(1);
    let cells = (0..likelihood)
        .map(|l| {
            let row = c.cells.get(l).or(c.cells.last());
            (0..impact)
                .map(|i| {
                    row.and_then(|r| r.get(i).or(r.last()))
                        .copied()
                        .unwrap_or(0)
                        .min(top)
                })
                .collect()
        })
        .collect();
    RiskCriteria {
        likelihood: steps(&c.likelihood, likelihood),
        impact: steps(&c.impact, impact),
        levels: new_levels,
        cells,
        treat_from: c.treat_from.min(top),
    }
}

/// The form's values as criteria. Numbers that do not parse become out-of-range values that
/// validation then names.
fn read_form(form: &FormData) -> RiskCriteria {
    let count = |prefix: &str| {
        (0..)
            .take_while(|i| {
                form.get(&format!("{prefix}-{i}-label")).is_some()
                    || form.get(&format!("{prefix}-{i}-name")).is_some()
            })
            .count()
    };
    let steps = |prefix: &str| -> Vec<ScaleStep> {
        (0..count(prefix))
            .map(|i| ScaleStep {
                label: form.text(&format!("{prefix}-{i}-label")).trim().to_owned(),
                description: form
                    .text(&format!("{prefix}-{i}-description"))
                    .trim()
                    .to_owned(),
            })
            .collect()
    };
    let likelihood = steps("likelihood");
    let impact = steps("impact");
    let levels: Vec<RiskLevel> = (0..count("level"))
        .map(|k| RiskLevel {
            name: form.text(&format!("level-{k}-name")).trim().to_owned(),
            colour: form.text(&format!("level-{k}-colour")).trim().to_owned(),
            accepted_by: form
                .all(&format!("level-{k}-accepted_by"))
                .into_iter()
                .filter_map(|r| ACCEPTING.into_iter().find(|role| role.as_str() == r))
                .collect(),
        })
        .collect();
    let cells = (0..likelihood.len())
        .map(|l| {
            (0..impact.len())
                .map(|i| {
                    form.text(&format!("cell-{l}-{i}"))
                        .parse()
                        .unwrap_or(usize::MAX)
                })
                .collect()
        })
        .collect();
    RiskCriteria {
        likelihood,
        impact,
        levels,
        cells,
        treat_from: form.text("treat_from").parse().unwrap_or(usize::MAX),
    }
}

/// `likelihood[2].label` is the input `likelihood-2-label`, `levels[1].colour` is
/// `level-1-colour`, `cells[4][3]` is `cell-4-3`.
fn input_name(path: &str) -> String {
    let path = path.strip_prefix("criteria.").unwrap_or(path);
    let parts: Vec<&str> = path
        .split(['[', ']', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        ["likelihood" | "impact", i, field] => format!("{}-{i}-{field}", parts[0]),
        ["levels", k, field] => format!("level-{k}-{field}"),
        ["cells", l, i] => format!("cell-{l}-{i}"),
        ["treat_from"] => "treat_from".into(),
        _ => String::new(),
    }
}

fn form_errors(errors: &ValidationErrors) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        let name = input_name(&e.field);
        let what = e.field.strip_prefix("criteria.").unwrap_or(&e.field);
        out.add(&name, capitalise(&format!("{what}: {}", e.message)));
    }
    out
}

async fn form_page(
    auth: &AuthContext,
    c: &RiskCriteria,
    revision: i64,
    errors: &FormErrors,
    status: StatusCode,
) -> PageResult {
    let level_options: Vec<(String, String)> = c
        .levels
        .iter()
        .enumerate()
        .map(|(k, l)| (k.to_string(), l.name.clone()))
        .collect();
    let sizes = |range: std::ops::RangeInclusive<usize>| -> Vec<(String, String)> {
        range.map(|n| (n.to_string(), n.to_string())).collect()
    };
    let none = FormErrors::default();
    let body = html! {
        span.caption { a href="/risk-criteria" { "Risk criteria" } }
        h1 { "Change the risk criteria" }
        form.filters method="get" action="/risk-criteria/edit" {
            (Field { name: "likelihood", label: "Likelihood steps", hint: "", optional: false }.select(&none, &sizes(3..=5), &c.likelihood.len().to_string(), None))
            (Field { name: "impact", label: "Impact steps", hint: "", optional: false }.select(&none, &sizes(3..=5), &c.impact.len().to_string(), None))
            (Field { name: "levels", label: "Levels", hint: "", optional: false }.select(&none, &sizes(2..=6), &c.levels.len().to_string(), None))
            div.filter-actions { button.button type="submit" { "Resize the matrix" } }
        }
        p.hint { "Resizing redraws the form from the saved criteria; change the size first, then the names." }
        form.record-form method="post" action="/risk-criteria/edit" novalidate {
            (error_summary(errors))
            (csrf(auth))
            input type="hidden" name="revision" value=(revision);
            @for (axis, steps) in [("likelihood", &c.likelihood), ("impact", &c.impact)] {
                fieldset.field {
                    legend { h2 { (capitalise(axis)) ", lowest first" } }
                    @for (i, step) in steps.iter().enumerate() {
                        @let label = format!("{axis}-{i}-label");
                        @let description = format!("{axis}-{i}-description");
                        @let title = format!("Step {} label", i + 1);
                        div.action-row {
                            (Field { name: &label, label: &title, hint: "", optional: false }.input(errors, "text", &step.label, None))
                            (Field { name: &description, label: "What it means here", hint: "", optional: true }.input(errors, "text", &step.description, None))
                        }
                    }
                }
            }
            fieldset.field {
                legend { h2 { "Levels, lowest first" } }
                @for (k, level) in c.levels.iter().enumerate() {
                    @let name = format!("level-{k}-name");
                    @let colour = format!("level-{k}-colour");
                    @let accepted = format!("level-{k}-accepted_by");
                    @let title = format!("Level {} name", k + 1);
                    @let roles: Vec<(String, String, &str)> = ACCEPTING.iter().map(|r| (r.as_str().to_owned(), r.label().to_owned(), "")).collect();
                    @let checked: Vec<&str> = level.accepted_by.iter().map(|r| r.as_str()).collect();
                    div.action-row {
                        (Field { name: &name, label: &title, hint: "", optional: false }.input(errors, "text", &level.name, None))
                        (Field { name: &colour, label: "Colour", hint: "", optional: false }.input(errors, "color", &level.colour, None))
                        (Field { name: &accepted, label: "May be accepted by", hint: "Required from the treatment threshold up; none below it means anyone who may edit.", optional: true }.choices(errors, true, &roles, &checked, ""))
                    }
                }
            }
            (Field { name: "treat_from", label: "Must be treated from level", hint: "Risks at this level or above cannot simply be retained.", optional: false }.select(errors, &level_options, &c.treat_from.to_string(), None))
            h2 { "Level of each cell" }
            p.hint { "A higher likelihood or impact must never give a lower level." }
            div.table-wrap {
                table.data {
                    thead { tr { th scope="col" { "Likelihood \\ impact" } @for s in &c.impact { th scope="col" { (s.label) } } } }
                    tbody {
                        @for l in (0..c.likelihood.len()).rev() {
                            tr {
                                th scope="row" { (c.likelihood[l].label) }
                                @for i in 0..c.impact.len() {
                                    @let name = format!("cell-{l}-{i}");
                                    @let label = format!("{} × {}", c.likelihood[l].label, c.impact[i].label);
                                    @let invalid = errors.has(&name);
                                    td {
                                        select id=(super::forms::input_id(&name)) name=(name) aria-label=(label) aria-invalid=[invalid.then_some("true")] {
                                            @for (value, text) in &level_options {
                                                option value=(value) selected[*value == c.cells[l][i].to_string()] { (text) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.actions {
                button.button type="submit" { "Save the criteria" }
                a href="/risk-criteria" { "Cancel" }
            }
        }
    };
    Ok(page("Change the risk criteria".into(), auth, body, status))
}

pub async fn edit_form(
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
    let size = |name: &str, current: usize, range: std::ops::RangeInclusive<usize>| {
        query
            .get(name)
            .and_then(|v| v.parse().ok())
            .filter(|n| range.contains(n))
            .unwrap_or(current)
    };
    let criteria = resized(
        c,
        size("likelihood", c.likelihood.len(), 3..=5),
        size("impact", c.impact.len(), 3..=5),
        size("levels", c.levels.len(), 2..=6),
    );
    let none = FormErrors::default();
    form_page(&auth, &criteria, stored.revision, &none, StatusCode::OK).await
}

pub async fn update(State(state): State<AppState>, Auth(auth): Auth, body: Bytes) -> PageResult {
    let form = FormData::parse(&body).or_page(&auth)?;
    let criteria = read_form(&form);
    let revision = form.text("revision").parse().unwrap_or(-1);
    let saved = state
        .store
        .set_risk_criteria(
            &auth.actor(),
            auth.organisation_id(),
            criteria.clone(),
            revision,
        )
        .await;
    let errors = match saved.map_err(ApiError::from) {
        Ok(_) => return Ok(Redirect::to("/risk-criteria?notice=saved").into_response()),
        Err(ApiError::Validation(e)) => form_errors(&e),
        Err(ApiError::Conflict { .. }) => {
            let mut e = FormErrors::default();
            e.add("", "Someone else changed the criteria since you opened the form. Open it again to see their changes.");
            e
        }
        Err(other) => return Err(WebError(other).page(Some(&auth))),
    };
    // Redraw what was sent; out-of-range numbers are shown as the nearest valid choice.
    let top = criteria.levels.len().saturating_sub(1);
    let mut shown = criteria;
    for row in &mut shown.cells {
        for cell in row {
            *cell = (*cell).min(top);
        }
    }
    shown.treat_from = shown.treat_from.min(top);
    form_page(&auth, &shown, revision, &errors, StatusCode::BAD_REQUEST).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_keeps_the_matrix_monotone_and_names_new_steps() {
        let c = RiskCriteria::default_5x5();
        let small = resized(&c, 3, 4, 3);
        assert_eq!(small.likelihood.len(), 3);
        assert_eq!(small.impact[3].label, "Major");
        assert_eq!(
            small.cells,
            vec![vec![0, 0, 1, 1], vec![0, 1, 1, 2], vec![1, 1, 2, 2]]
        );
        small.validate().unwrap();
        let mut three = c.clone();
        three.likelihood.truncate(3);
        three.cells.truncate(3);
        let grown = resized(&three, 5, 5, 6);
        assert_eq!(grown.likelihood[4].label, "Step 5");
        assert_eq!(grown.levels[5].name, "Level 6");
        assert_eq!(grown.cells[4], grown.cells[2], "new rows repeat the last");
    }

    #[test]
    fn the_form_reads_back_and_errors_find_their_inputs() {
        let c = RiskCriteria::default_5x5();
        let mut form = FormData::default();
        for (axis, steps) in [("likelihood", &c.likelihood), ("impact", &c.impact)] {
            for (i, s) in steps.iter().enumerate() {
                form.push(&format!("{axis}-{i}-label"), s.label.clone());
                form.push(&format!("{axis}-{i}-description"), s.description.clone());
            }
        }
        for (k, l) in c.levels.iter().enumerate() {
            form.push(&format!("level-{k}-name"), l.name.clone());
            form.push(&format!("level-{k}-colour"), l.colour.clone());
            for r in &l.accepted_by {
                form.push(&format!("level-{k}-accepted_by"), r.as_str());
            }
        }
        for (l, row) in c.cells.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                form.push(&format!("cell-{l}-{i}"), v.to_string());
            }
        }
        form.push("treat_from", c.treat_from.to_string());
        assert_eq!(read_form(&form), c);
        assert_eq!(
            input_name("criteria.likelihood[2].label"),
            "likelihood-2-label"
        );
        assert_eq!(input_name("levels[1].colour"), "level-1-colour");
        assert_eq!(input_name("cells[4][3]"), "cell-4-3");
        assert_eq!(input_name("cells"), "");
    }
}

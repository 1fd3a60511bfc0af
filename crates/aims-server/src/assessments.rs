//! Impact assessments against library templates: answers checked and the impact level
//! derived ([`evaluate`]), and the report: the answers section by section, the derived
//! impact level and why, and the approval. The web page shows the
//! same body inside the site; the download is a standalone HTML document with its own
//! styles, to keep, print to PDF or send.

use aims_domain::assessment::ImpactAssessment;
use aims_library::AssessmentTemplate;
use maud::{DOCTYPE, Markup, html};

use aims_domain::ValidationErrors;
use aims_domain::assessment::{Answers, LevelReason};
use aims_store::AssessmentContent;
use chrono::NaiveDate;

use crate::api::assessments::answer_text;

/// Checks answers against the template and derives the level; problems are named
/// `answers.<question id>`.
pub fn evaluate(
    template: &AssessmentTemplate,
    answers: Answers,
    review_due: Option<NaiveDate>,
) -> Result<AssessmentContent, ValidationErrors> {
    let answers: Answers = answers.into_iter().filter(|(_, v)| !v.is_null()).collect();
    let problems = template.check_answers(&answers);
    if !problems.is_empty() {
        let mut errors = ValidationErrors::new();
        for p in problems {
            errors.add(format!("answers.{}", p.question), p.message);
        }
        return Err(errors);
    }
    let outcome = template.evaluate(&answers);
    Ok(AssessmentContent {
        template_version: template.version.clone(),
        answers,
        level: outcome.level,
        reasons: outcome
            .reasons
            .into_iter()
            .map(|r| LevelReason {
                question_id: r.question_id,
                level: r.level,
                text: r.text,
            })
            .collect(),
        review_due,
    })
}

/// The report's content: level, reasons, answers, approval.
pub fn body(system: &str, template: &AssessmentTemplate, a: &ImpactAssessment) -> Markup {
    let decisive: Vec<_> = a.reasons.iter().filter(|r| r.level == a.level).collect();
    html! {
        dl.details {
            dt { "AI system" } dd { (system) }
            dt { "Template" } dd { (template.name) " (version " (a.template_version) ")" }
            dt { "Assessment version" } dd { (a.version) }
            dt { "Status" } dd {
                (a.status.label())
                @if let (Some(by), Some(at)) = (&a.approved_by, &a.approved_at) {
                    " by " (by) " on " (at.format("%-d %b %Y"))
                }
            }
            @if !a.approval_note.is_empty() { dt { "Approval note" } dd { (a.approval_note) } }
            dt { "Drafted by" } dd { (a.created_by) " on " (a.created_at.format("%-d %b %Y")) }
            dt { "Review due" } dd { @match a.review_due { Some(d) => (d), None => "Not set" } }
            dt { "Impact level" } dd.impact-level { strong { (a.level) } }
        }
        h2 { "Why this level" }
        @if decisive.is_empty() {
            p { "No answer indicates a level above the lowest." }
        } @else {
            ul {
                @for r in &decisive {
                    li {
                        (r.text)
                        @if let Some(q) = template.question(&r.question_id) { span.muted { " — " (q.text) } }
                    }
                }
            }
        }
        @for section in &template.sections {
            section.assessment-section {
                h2 { (section.title) }
                @if let Some(d) = &section.description { p.hint { (d) } }
                dl.answers {
                    @for q in &section.questions {
                        dt { (q.text) @if !q.required { span.optional { " (optional)" } } }
                        dd {
                            @match a.answers.get(&q.id) {
                                Some(answer) => { (answer_text(template, &q.id, answer)) }
                                None => { span.muted { "Not answered" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.45}\
h1{margin-bottom:.2rem}.caption{color:#57606a}dl.details{display:grid;grid-template-columns:12rem 1fr;gap:.3rem 1rem}\
dt{font-weight:600}dd{margin:0 0 .6rem 0;white-space:pre-wrap}dl.answers dd{margin-left:1rem}.muted,.hint,.optional{color:#57606a}\
section{break-inside:avoid}@media print{body{margin:0}}";

/// The report as a standalone HTML document.
pub fn standalone(
    organisation: &str,
    system: &str,
    template: &AssessmentTemplate,
    a: &ImpactAssessment,
) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (template.name) " — " (system) " — version " (a.version) }
                style { (STYLE) }
            }
            body {
                p.caption { (organisation) " · ISO/IEC 42001 6.1.4, 8.4" }
                h1 { (template.name) }
                p.caption { (system) }
                (body(system, template, a))
                p.muted { "Exported from aims. Assessment " (a.id) ", revision " (a.revision) "; its history is in the change ledger." }
            }
        }
    }
    .into_string()
}

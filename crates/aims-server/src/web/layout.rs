//! The page shell: header, navigation by the parts of the management system, flash of
//! errors, and the error page.

use aims_domain::Permission;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::auth::{Auth, AuthContext};

/// The sections of the management system, in the order of the standard's clauses, and
/// the pages each holds.
pub const SECTIONS: &[Section] = &[
    Section {
        slug: "context",
        title: "Context",
        clauses: "Clause 4",
        about: "Issues inside and outside the organisation, interested parties and their requirements, and the scope of the management system.",
        links: &[],
    },
    Section {
        slug: "leadership",
        title: "Leadership",
        clauses: "Clause 5, A.2, A.3",
        about: "The AI policy, roles and responsibilities, and who may do what in this installation.",
        links: &[("Users and roles", "/users")],
    },
    Section {
        slug: "planning",
        title: "Planning",
        clauses: "Clause 6, A.5",
        about: "AI risk assessment and treatment, the Statement of Applicability, impact assessments and AI objectives.",
        links: &[
            ("Risk register", "/risks"),
            ("Risk criteria", "/risk-criteria"),
            ("Statement of Applicability", "/soa"),
            ("Readiness", "/soa/readiness"),
            ("Frameworks", "/frameworks"),
        ],
    },
    Section {
        slug: "support",
        title: "Support",
        clauses: "Clause 7, A.4",
        about: "Resources, competence, awareness, communication and documented information.",
        links: &[("API tokens", "/tokens")],
    },
    Section {
        slug: "operation",
        title: "Operation",
        clauses: "Clause 8, A.6–A.10",
        about: "Operational planning and control of AI systems across their life cycle, data, information for interested parties, use and third parties.",
        links: &[("AI systems", "/systems"), ("Suppliers", "/suppliers")],
    },
    Section {
        slug: "performance",
        title: "Performance",
        clauses: "Clause 9",
        about: "Monitoring and measurement, internal audit and management review.",
        links: &[("Audit trail", "/ledger")],
    },
    Section {
        slug: "improvement",
        title: "Improvement",
        clauses: "Clause 10",
        about: "Nonconformities, corrective actions and continual improvement.",
        links: &[],
    },
    Section {
        slug: "inventory",
        title: "Inventory",
        clauses: "A.4, A.6, A.7, A.10",
        about: "The AI systems, models, datasets and suppliers the organisation builds, buys or uses.",
        links: &[
            ("AI systems", "/systems"),
            ("Models", "/models"),
            ("Datasets", "/datasets"),
            ("Suppliers", "/suppliers"),
        ],
    },
];

pub struct Section {
    pub slug: &'static str,
    pub title: &'static str,
    pub clauses: &'static str,
    pub about: &'static str,
    pub links: &'static [(&'static str, &'static str)],
}

/// A page to render in the shell.
pub struct Page<'a> {
    pub title: String,
    pub auth: Option<&'a AuthContext>,
    /// The navigation section to highlight.
    pub section: Option<&'static str>,
    pub body: Markup,
}

impl Page<'_> {
    pub fn render(self) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · aims" }
                    link rel="stylesheet" href="/assets/style.css";
                    script src="/assets/app.js" defer {}
                }
                body {
                    a.skip-link href="#main" { "Skip to main content" }
                    header.site-header {
                        a.brand href="/" { "aims" }
                        @if let Some(auth) = self.auth {
                            span.org { (auth.principal.organisation_name) }
                            nav.user-menu aria-label="Account" {
                                span { (auth.principal.display_name) " · " (auth.role().label()) }
                                a href="/account" { "Account" }
                                form method="post" action="/sign-out" {
                                    input type="hidden" name="csrf_token" value=(auth.csrf_token());
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                    div.shell {
                        @if self.auth.is_some() {
                            nav.sections aria-label="Management system" {
                                ul {
                                    @for section in SECTIONS {
                                        li.current[self.section == Some(section.slug)] {
                                            a href=(format!("/sections/{}", section.slug)) { (section.title) }
                                            @if !section.links.is_empty() && self.section == Some(section.slug) {
                                                ul { @for (label, href) in section.links { li { a href=(href) { (label) } } } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        main #main tabindex="-1" { (self.body) }
                    }
                }
            }
        }
    }
}

impl Page<'_> {
    /// The page with another status than 200, such as 400 for a form shown again with its
    /// errors.
    pub fn with_status(self, status: StatusCode) -> Response {
        let mut response = self.into_response();
        *response.status_mut() = status;
        response
    }
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        Html(self.render().into_string()).into_response()
    }
}

pub fn error_page(status: StatusCode, message: &str, auth: Option<&AuthContext>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let body = html! {
        h1 { (title) }
        p.lead { (message) }
        p { a href="/" { "Go to the start page" } }
    };
    (
        status,
        Page {
            title,
            auth,
            section: None,
            body,
        },
    )
        .into_response()
}

/// The start page: the sections and where to begin.
pub async fn home(Auth(auth): Auth) -> Response {
    let body = html! {
        h1 { "AI management system" }
        p.lead { "Organisation: " strong { (auth.principal.organisation_name) } ". You act as " (auth.role().label().to_lowercase()) "." }
        div.cards {
            @for section in SECTIONS {
                section.card {
                    h2 { a href=(format!("/sections/{}", section.slug)) { (section.title) } }
                    p.hint { (section.clauses) }
                    p { (section.about) }
                }
            }
        }
        @if auth.can(Permission::Edit) {
            p { a.button href="/systems/new" { "Register an AI system" } }
        }
    };
    Page {
        title: "Start".into(),
        auth: Some(&auth),
        section: None,
        body,
    }
    .into_response()
}

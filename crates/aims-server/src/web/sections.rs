//! The landing page of each section of the management system: what it covers, which
//! clauses, and the pages it holds. A section without pages says so plainly.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::SECTIONS;
use super::{Page, error_page};
use crate::auth::Auth;

pub async fn show(Auth(auth): Auth, Path(slug): Path<String>) -> Response {
    let Some(section) = SECTIONS.iter().find(|s| s.slug == slug) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "There is no such section of the management system.",
            Some(&auth),
        );
    };
    let body = html! {
        span.caption { "ISO/IEC 42001 · " (section.clauses) }
        h1 { (section.title) }
        p.lead { (section.about) }
        @if section.links.is_empty() {
            div.inset {
                p { "Nothing in this section can be recorded in aims yet." }
                p { "Until it can, keep this part of the management system in your existing documents." }
            }
        } @else {
            h2 { "In this section" }
            ul.link-list {
                @for (label, href) in section.links {
                    li { a href=(href) { (label) } }
                }
            }
            p.hint { "Other parts of this section cannot be recorded in aims yet." }
        }
    };
    Page {
        title: section.title.into(),
        auth: Some(&auth),
        section: Some(section.slug),
        body,
    }
    .into_response()
}

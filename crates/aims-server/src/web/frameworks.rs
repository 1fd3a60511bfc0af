//! The framework browser: the frameworks of the library, one framework as a tree of its
//! nodes with their text and a search, one node with its crosswalk mappings to other
//! frameworks and its entry in the Statement of Applicability, and the crosswalks with their
//! mappings counted by relation.

use std::collections::{HashMap, HashSet};

use aims_domain::soa::{ControlFields, ItemType, RequirementFields};
use aims_library::{Framework, Library, Node, Relation};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use maud::{Markup, html};

use super::forms::{Field, FormData, FormErrors};
use super::soa::segment;
use super::{OrPage, PageResult, planning_page as page};
use crate::api::library::soa_entry_path;
use crate::auth::{Auth, AuthContext};
use crate::error::ApiError;
use crate::state::AppState;

fn framework<'a>(library: &'a Library, id: &str) -> Result<&'a Framework, ApiError> {
    library
        .framework(id)
        .ok_or_else(|| ApiError::NotFound(format!("the library has no framework `{id}`")))
}

fn node_href(framework_id: &str, r: &str) -> String {
    format!("/frameworks/{}/nodes/{}", segment(framework_id), segment(r))
}

fn anchor(r: &str) -> String {
    format!("node-{}", r.replace(' ', "-"))
}

pub async fn list(Auth(auth): Auth) -> PageResult {
    let library = crate::library::get().or_page(&auth)?;
    let body = html! {
        span.caption { "Library" }
        h1 { "Frameworks" }
        p.lead { "The standards and regulations of the library: those bundled with aims and any in the installation's own library folder. The Statement of Applicability adopts one of them; " a href="/crosswalks" { "crosswalks" } " relate their nodes to each other." }
        div.table-wrap {
            table.data {
                caption.visually-hidden { "Frameworks of the library" }
                thead { tr {
                    th scope="col" { "Framework" } th scope="col" { "Version" } th scope="col" { "Publisher" }
                    th scope="col" { "Nodes" } th scope="col" { "Assessable" } th scope="col" { "Crosswalk mappings" }
                } }
                tbody {
                    @for fw in &library.frameworks {
                        @let mappings: usize = library.crosswalks.iter().filter(|c| c.source == fw.id || c.target == fw.id).map(|c| c.mappings.len()).sum();
                        tr {
                            th scope="row" { a href=(format!("/frameworks/{}", segment(&fw.id))) { (fw.short_name) } br; span.hint { (fw.name) } }
                            td { (fw.version) }
                            td { (fw.publisher) }
                            td.num { (fw.nodes.len()) }
                            td.num { (fw.assessable_count()) }
                            td.num { (mappings) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Frameworks".into(), &auth, body, StatusCode::OK))
}

struct Tree<'a> {
    library: &'a Library,
    fw: &'a Framework,
    children: HashMap<Option<&'a str>, Vec<&'a Node>>,
    /// With a search: the matching nodes and their ancestors; without: all.
    keep: Option<HashSet<&'a str>>,
}

impl<'a> Tree<'a> {
    fn new(library: &'a Library, fw: &'a Framework, q: &str) -> (Self, usize) {
        let mut children: HashMap<Option<&str>, Vec<&Node>> = HashMap::new();
        for n in &fw.nodes {
            children.entry(n.parent.as_deref()).or_default().push(n);
        }
        let mut found = 0;
        let keep = (!q.is_empty()).then(|| {
            let mut keep = HashSet::new();
            for n in fw.nodes.iter().filter(|n| n.matches(q)) {
                found += 1;
                let mut current = Some(n);
                while let Some(node) = current {
                    if !keep.insert(node.ref_.as_str()) {
                        break;
                    }
                    current = node.parent.as_deref().and_then(|p| fw.node(p));
                }
            }
            keep
        });
        (
            Tree {
                library,
                fw,
                children,
                keep,
            },
            found,
        )
    }

    fn render(&self, parent: Option<&str>) -> Markup {
        let kids: Vec<&Node> = self
            .children
            .get(&parent)
            .map(|k| {
                k.iter()
                    .copied()
                    .filter(|n| {
                        self.keep
                            .as_ref()
                            .is_none_or(|k| k.contains(n.ref_.as_str()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if kids.is_empty() {
            return html! {};
        }
        html! {
            ul.tree {
                @for n in kids {
                    @let mapped = self.library.mappings_for(&self.fw.id, &n.ref_).len();
                    li id=(anchor(&n.ref_)) {
                        span.iso-ref { (n.ref_) } " " (n.title) " " span.label { (n.kind.as_str()) }
                        @if mapped > 0 {
                            " · " a href=(node_href(&self.fw.id, &n.ref_)) { (mapped) " crosswalk mapping" @if mapped != 1 { "s" } }
                        }
                        @if n.assessable && (n.description.is_some() || n.guidance.is_some() || !n.evidence.is_empty()) {
                            details {
                                summary { "Text, guidance and evidence" }
                                (node_text(n))
                            }
                        }
                        (self.render(Some(&n.ref_)))
                    }
                }
            }
        }
    }
}

fn node_text(n: &Node) -> Markup {
    html! {
        @if let Some(d) = &n.description { p { (d) } }
        @if let Some(g) = &n.guidance { h4 { "Guidance" } p { (g) } }
        @if !n.evidence.is_empty() {
            h4 { "Evidence expected" }
            ul.plain { @for e in &n.evidence { li { (e) } } }
        }
        @if !n.articles.is_empty() {
            h4 { "Articles" }
            p { (n.articles.join(", ")) }
        }
    }
}

pub async fn show(Auth(auth): Auth, Path(id): Path<String>, RawQuery(raw): RawQuery) -> PageResult {
    let query = FormData::from_query(raw.as_deref());
    let library = crate::library::get().or_page(&auth)?;
    let fw = framework(library, &id).or_page(&auth)?;
    let q = query.text("q").trim().to_lowercase();
    let (tree, found) = Tree::new(library, fw, &q);
    let none = FormErrors::default();
    let body = html! {
        span.caption { a href="/frameworks" { "Frameworks" } }
        h1 { (fw.name) }
        p.lead { (fw.description) }
        dl.details.meta-list {
            dt { "Version" } dd { (fw.version) }
            dt { "Publisher" } dd { (fw.publisher) }
            @if let Some(url) = &fw.url { dt { "Source" } dd { a href=(url) { (url) } } }
            dt { "Nodes" } dd { (fw.nodes.len()) ", of which " (fw.assessable_count()) " assessable" }
            dt { "Download" } dd { a href=(format!("/api/v1/frameworks/{}/oscal-catalog", segment(&fw.id))) download { "OSCAL catalog (JSON)" } }
        }
        form.filters method="get" action=(format!("/frameworks/{}", segment(&fw.id))) role="search" {
            (Field { name: "q", label: "Search", hint: "", optional: false }.input(&none, "search", query.text("q"), None))
            div.filter-actions {
                button.button type="submit" { "Search" }
                @if !q.is_empty() { a href=(format!("/frameworks/{}", segment(&fw.id))) { "Show all" } }
            }
        }
        @if !q.is_empty() {
            p.meta #list-count role="status" { (found) " nodes match, shown with the nodes above them" }
        }
        (tree.render(None))
    };
    Ok(page(fw.short_name.clone(), &auth, body, StatusCode::OK))
}

fn relation_text(r: Relation) -> &'static str {
    match r {
        Relation::Equal => "asks for the same as",
        Relation::Subset => "asks for part of",
        Relation::Superset => "asks for at least what is asked by",
        Relation::Intersect => "overlaps with",
        Relation::Related => "contributes evidence to",
    }
}

/// The node's entry in the organisation's SoA, when it adopted this framework and the node
/// is one of its controls or requirements: where it stands, linked to its form.
async fn soa_entry(
    state: &AppState,
    auth: &AuthContext,
    fw: &Framework,
    n: &Node,
) -> Result<Markup, ApiError> {
    let org = auth.organisation_id();
    let Some(item_type) = crate::soa::item_type(n) else {
        return Ok(html! {});
    };
    let adopted = state.store.soa(org).await?;
    if adopted.is_none_or(|soa| soa.framework_id != fw.id) {
        return Ok(html! {});
    }
    let href = soa_entry_path(item_type, &n.ref_, "");
    let (status, owner) = match item_type {
        ItemType::Control => {
            let item = state.store.soa_item::<ControlFields>(org, &n.ref_).await?;
            let applicable = if item.fields.applicable {
                "applicable"
            } else {
                "excluded"
            };
            (
                format!(
                    "{applicable}, {}",
                    item.fields.status.label().to_lowercase()
                ),
                item.fields.owner,
            )
        }
        ItemType::Requirement => {
            let item = state
                .store
                .soa_item::<RequirementFields>(org, &n.ref_)
                .await?;
            (item.fields.status.label().to_lowercase(), item.fields.owner)
        }
    };
    Ok(html! {
        h2 { "In the Statement of Applicability" }
        p {
            a href=(href) { (n.ref_) " in the SoA" } ": " (status)
            @if !owner.is_empty() { " · owner " (owner) }
        }
    })
}

pub async fn node(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, r)): Path<(String, String)>,
) -> PageResult {
    let library = crate::library::get().or_page(&auth)?;
    let fw = framework(library, &id).or_page(&auth)?;
    let n = fw
        .node(&r)
        .ok_or_else(|| ApiError::NotFound(format!("{} has no node `{r}`", fw.short_name)))
        .or_page(&auth)?;
    let mut ancestors = Vec::new();
    let mut current = n.parent.as_deref().and_then(|p| fw.node(p));
    while let Some(a) = current {
        if ancestors.len() > fw.nodes.len() {
            break;
        }
        ancestors.push(a);
        current = a.parent.as_deref().and_then(|p| fw.node(p));
    }
    ancestors.reverse();
    let children: Vec<&Node> = fw
        .nodes
        .iter()
        .filter(|c| c.parent.as_deref() == Some(n.ref_.as_str()))
        .collect();
    let mappings = library.mappings_for(&fw.id, &n.ref_);
    let fw_href = format!("/frameworks/{}", segment(&fw.id));
    let soa = soa_entry(&state, &auth, fw, n).await.or_page(&auth)?;
    let body = html! {
        span.caption {
            a href=(fw_href) { (fw.short_name) }
            @for a in &ancestors { " · " a href=(node_href(&fw.id, &a.ref_)) { (a.ref_) " " (a.title) } }
        }
        h1 { span.iso-ref { (n.ref_) } " " (n.title) }
        p { span.label { (n.kind.as_str()) } @if n.assessable { " " span.label { "assessable" } } }
        (node_text(n))
        (soa)
        @if !children.is_empty() {
            h2 { "Contains" }
            ul.plain {
                @for c in &children { li { a href=(node_href(&fw.id, &c.ref_)) { span.iso-ref { (c.ref_) } " " (c.title) } } }
            }
        }
        h2 { "Crosswalk to other frameworks" }
        @if mappings.is_empty() {
            p { "No crosswalk of the library maps this node." }
        } @else {
            p { "Read each row as: " (n.ref_) " … the node of the other framework." }
            div.table-wrap {
                table.data {
                    caption.visually-hidden { "Mappings of " (n.ref_) }
                    thead { tr {
                        th scope="col" { "Relation" } th scope="col" { "Framework" } th scope="col" { "Node" }
                        th scope="col" { "Rationale" } th scope="col" { "Crosswalk" }
                    } }
                    tbody {
                        @for m in &mappings {
                            @let other = library.framework(m.other_framework);
                            @let title = library.node(m.other_framework, m.other_ref).map(|o| o.title.as_str()).unwrap_or("");
                            tr {
                                td { span.label { (m.relation.as_str()) } br; span.hint { (relation_text(m.relation)) } }
                                td { (other.map_or(m.other_framework, |o| o.short_name.as_str())) }
                                th scope="row" { a href=(node_href(m.other_framework, m.other_ref)) { span.iso-ref { (m.other_ref) } " " (title) } }
                                td { @if let Some(r) = &m.mapping.rationale { (r) } }
                                td { a href=(format!("/crosswalks#{}", m.crosswalk.id)) { (m.crosswalk.name) } }
                            }
                        }
                    }
                }
            }
        }
        p { a href=(format!("{fw_href}#{}", anchor(&n.ref_))) { "Show in the tree of " (fw.short_name) } }
    };
    Ok(page(
        format!("{} {}", n.ref_, n.title),
        &auth,
        body,
        StatusCode::OK,
    ))
}

pub async fn crosswalks(Auth(auth): Auth) -> PageResult {
    let library = crate::library::get().or_page(&auth)?;
    let name = |id: &str| {
        library
            .framework(id)
            .map_or_else(|| id.to_owned(), |f| f.short_name.clone())
    };
    let body = html! {
        span.caption { a href="/frameworks" { "Frameworks" } }
        h1 { "Crosswalks" }
        p.lead { "How the nodes of one framework relate to those of another. Relations read \"source is … of target\": equal, subset (asks for part of), superset (asks for at least), intersect (overlaps), related (contributes evidence). Readiness uses them for its views of other frameworks." }
        div.table-wrap {
            table.data {
                caption.visually-hidden { "Crosswalks with their mappings by relation" }
                thead { tr {
                    th scope="col" { "Crosswalk" } th scope="col" { "Source" } th scope="col" { "Target" } th scope="col" { "Mappings" }
                    @for r in Relation::ALL { th scope="col" { (r.as_str()) } }
                } }
                tbody {
                    @for c in &library.crosswalks {
                        tr id=(c.id) {
                            th scope="row" { (c.name) }
                            td { a href=(format!("/frameworks/{}", segment(&c.source))) { (name(&c.source)) } }
                            td { a href=(format!("/frameworks/{}", segment(&c.target))) { (name(&c.target)) } }
                            td.num { (c.mappings.len()) }
                            @for r in Relation::ALL { td.num { (c.mappings.iter().filter(|m| m.relation == r).count()) } }
                        }
                    }
                }
            }
        }
        @for c in &library.crosswalks {
            details {
                summary { (c.name) }
                p { (c.description) }
            }
        }
    };
    Ok(page("Crosswalks".into(), &auth, body, StatusCode::OK))
}

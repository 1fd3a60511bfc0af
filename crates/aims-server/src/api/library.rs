//! The library over the API: frameworks with their nodes, one node with its crosswalk
//! mappings and its SoA entry, crosswalks, and a framework as an OSCAL catalog. Read-only:
//! the library changes only with the files it is loaded from.

use aims_domain::Permission;
use aims_domain::soa::ItemType;
use aims_library::{Crosswalk, Framework, Mapping, Node};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::soa::JSON;
use super::{ApiRoute, doc, route};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryParams;
use crate::state::AppState;

#[rustfmt::skip]
pub(super) fn routes() -> Vec<ApiRoute> {
    use Permission::*;
    vec![
        route(Method::GET, "/frameworks", Some(Read), doc("listFrameworks", "library", "Frameworks of the library: the bundled ones and those of the installation's library folder").ok(200, "FrameworkList"), get(list_frameworks)),
        route(
            Method::GET,
            "/frameworks/{framework_id}",
            Some(Read),
            doc("getFramework", "library", "A framework with its nodes, parents before children (the shape of `aims library show --format json`)").ids(&["framework_id"]).ok(200, "FrameworkDetail").query(&[("q", "Only nodes whose ref, title, description or guidance contain this text (case-insensitive)")]),
            get(get_framework),
        ),
        route(Method::GET, "/frameworks/{framework_id}/nodes/{ref}", Some(Read), doc("getFrameworkNode", "library", "One node with its children, its crosswalk mappings seen from it, and its entry in the organisation's SoA when it has one").ids(&["framework_id", "ref"]).ok(200, "FrameworkNodeDetail"), get(get_node)),
        route(Method::GET, "/frameworks/{framework_id}/oscal-catalog", Some(Read), doc("exportOscalCatalog", "library", "The framework as an OSCAL 1.2 catalog (JSON), as `aims export oscal-catalog` writes it").ids(&["framework_id"]).download(&[JSON]), get(oscal_catalog)),
        route(Method::GET, "/crosswalks", Some(Read), doc("listCrosswalks", "library", "Crosswalks of the library: which framework each relates to which, and how many mappings it holds").ok(200, "CrosswalkList"), get(list_crosswalks)),
        route(Method::GET, "/crosswalks/{crosswalk_id}", Some(Read), doc("getCrosswalk", "library", "A crosswalk with its mappings").ids(&["crosswalk_id"]).ok(200, "CrosswalkDetail"), get(get_crosswalk)),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkSummary {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub version: String,
    pub publisher: String,
    pub url: Option<String>,
    pub description: String,
    pub node_count: usize,
    /// Nodes an organisation records a status for.
    pub assessable_count: usize,
}

impl From<&Framework> for FrameworkSummary {
    fn from(fw: &Framework) -> Self {
        FrameworkSummary {
            id: fw.id.clone(),
            name: fw.name.clone(),
            short_name: fw.short_name.clone(),
            version: fw.version.clone(),
            publisher: fw.publisher.clone(),
            url: fw.url.clone(),
            description: fw.description.clone(),
            node_count: fw.nodes.len(),
            assessable_count: fw.assessable_count(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkList {
    pub items: Vec<FrameworkSummary>,
    pub total: u64,
}

/// A node as the library file states it (docs/library-format.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeView {
    #[serde(rename = "ref")]
    pub ref_: String,
    pub parent: Option<String>,
    pub title: String,
    /// clause, requirement, objective, control, function, category, subcategory, tier or obligation
    pub kind: String,
    pub assessable: bool,
    pub description: Option<String>,
    pub guidance: Option<String>,
    /// What an auditor typically asks to see.
    pub evidence: Vec<String>,
    /// Article numbers, for regulations.
    pub articles: Vec<String>,
}

impl From<&Node> for NodeView {
    fn from(n: &Node) -> Self {
        NodeView {
            ref_: n.ref_.clone(),
            parent: n.parent.clone(),
            title: n.title.clone(),
            kind: n.kind.as_str().to_owned(),
            assessable: n.assessable,
            description: n.description.clone(),
            guidance: n.guidance.clone(),
            evidence: n.evidence.clone(),
            articles: n.articles.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkDetail {
    #[serde(flatten)]
    pub framework: FrameworkSummary,
    /// Every node, or with `q` the matching ones, parents before children.
    pub nodes: Vec<NodeView>,
}

/// A crosswalk mapping seen from a node: the relation reads from this node to the other
/// (a `subset` mapping seen from its target is a `superset`).
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeMapping {
    pub crosswalk_id: String,
    pub framework_id: String,
    #[serde(rename = "ref")]
    pub ref_: String,
    /// The other node's title, when its framework is in the library.
    pub title: Option<String>,
    /// equal, subset, superset, intersect or related
    pub relation: String,
    pub rationale: Option<String>,
}

/// Where a node sits in the organisation's Statement of Applicability.
#[derive(Debug, Serialize, ToSchema)]
pub struct SoaEntryLink {
    pub item_type: ItemType,
    /// The API path of the entry.
    pub href: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkNodeDetail {
    pub framework_id: String,
    pub node: NodeView,
    /// Refs of the node's children, in file order.
    pub children: Vec<String>,
    pub mappings: Vec<NodeMapping>,
    /// Present when the organisation adopted this framework and the node is one of the
    /// SoA's controls or clause requirements.
    pub soa_entry: Option<SoaEntryLink>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrosswalkSummary {
    pub id: String,
    pub name: String,
    /// Framework id of the mappings' `source` refs.
    pub source: String,
    /// Framework id of the mappings' `target` refs.
    pub target: String,
    pub description: String,
    pub mapping_count: usize,
}

impl From<&Crosswalk> for CrosswalkSummary {
    fn from(c: &Crosswalk) -> Self {
        CrosswalkSummary {
            id: c.id.clone(),
            name: c.name.clone(),
            source: c.source.clone(),
            target: c.target.clone(),
            description: c.description.clone(),
            mapping_count: c.mappings.len(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrosswalkList {
    pub items: Vec<CrosswalkSummary>,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MappingView {
    pub source: String,
    pub target: String,
    /// equal, subset, superset, intersect or related, read from source to target
    pub relation: String,
    pub rationale: Option<String>,
}

impl From<&Mapping> for MappingView {
    fn from(m: &Mapping) -> Self {
        MappingView {
            source: m.source.clone(),
            target: m.target.clone(),
            relation: m.relation.as_str().to_owned(),
            rationale: m.rationale.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrosswalkDetail {
    #[serde(flatten)]
    pub crosswalk: CrosswalkSummary,
    pub mappings: Vec<MappingView>,
}

/// The schemas of these routes, for the OpenAPI document.
pub(super) fn schemas(s: &mut serde_json::Map<String, serde_json::Value>) {
    use super::openapi::add;
    add::<FrameworkList>(s);
    add::<FrameworkDetail>(s);
    add::<FrameworkNodeDetail>(s);
    add::<CrosswalkList>(s);
    add::<CrosswalkDetail>(s);
}

fn framework(id: &str) -> ApiResult<&'static Framework> {
    crate::library::get()?
        .framework(id)
        .ok_or_else(|| ApiError::NotFound(format!("the library has no framework `{id}`")))
}

async fn list_frameworks(Auth(_auth): Auth) -> ApiResult<Json<FrameworkList>> {
    let items: Vec<FrameworkSummary> = crate::library::get()?
        .frameworks
        .iter()
        .map(FrameworkSummary::from)
        .collect();
    Ok(Json(FrameworkList {
        total: items.len() as u64,
        items,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    q: Option<String>,
}

async fn get_framework(
    Auth(_auth): Auth,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<SearchParams>,
) -> ApiResult<Json<FrameworkDetail>> {
    let fw = framework(&id)?;
    let needle = params.q.unwrap_or_default().trim().to_lowercase();
    let nodes = fw
        .nodes
        .iter()
        .filter(|n| needle.is_empty() || n.matches(&needle))
        .map(NodeView::from)
        .collect();
    Ok(Json(FrameworkDetail {
        framework: fw.into(),
        nodes,
    }))
}

async fn get_node(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path((id, r)): Path<(String, String)>,
) -> ApiResult<Json<FrameworkNodeDetail>> {
    let library = crate::library::get()?;
    let fw = framework(&id)?;
    let node = fw
        .node(&r)
        .ok_or_else(|| ApiError::NotFound(format!("framework `{id}` has no node `{r}`")))?;
    let mappings = library
        .mappings_for(&fw.id, &node.ref_)
        .into_iter()
        .map(|m| NodeMapping {
            crosswalk_id: m.crosswalk.id.clone(),
            framework_id: m.other_framework.to_owned(),
            ref_: m.other_ref.to_owned(),
            title: library
                .node(m.other_framework, m.other_ref)
                .map(|n| n.title.clone()),
            relation: m.relation.as_str().to_owned(),
            rationale: m.mapping.rationale.clone(),
        })
        .collect();
    let adopted = state.store.soa(auth.organisation_id()).await?;
    let soa_entry = adopted
        .filter(|soa| soa.framework_id == fw.id)
        .and_then(|_| crate::soa::item_type(node))
        .map(|item_type| SoaEntryLink {
            item_type,
            href: soa_entry_path(item_type, &node.ref_, "/api/v1"),
        });
    Ok(Json(FrameworkNodeDetail {
        framework_id: fw.id.clone(),
        node: node.into(),
        children: fw.children(&node.ref_).map(|c| c.ref_.clone()).collect(),
        mappings,
        soa_entry,
    }))
}

/// The path of an SoA entry under `prefix` (`/api/v1` for the API, empty for the pages).
pub(crate) fn soa_entry_path(item_type: ItemType, r: &str, prefix: &str) -> String {
    let collection = match item_type {
        ItemType::Control => "controls",
        ItemType::Requirement => "requirements",
    };
    format!("{prefix}/soa/{collection}/{}", crate::web::segment(r))
}

async fn oscal_catalog(Auth(_auth): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let fw = framework(&id)?;
    let mut bytes =
        serde_json::to_vec_pretty(&aims_library::oscal::catalog(fw)).map_err(ApiError::internal)?;
    bytes.push(b'\n');
    Ok((
        [
            (header::CONTENT_TYPE, JSON.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.oscal-catalog.json\"", fw.id),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn list_crosswalks(Auth(_auth): Auth) -> ApiResult<Json<CrosswalkList>> {
    let items: Vec<CrosswalkSummary> = crate::library::get()?
        .crosswalks
        .iter()
        .map(CrosswalkSummary::from)
        .collect();
    Ok(Json(CrosswalkList {
        total: items.len() as u64,
        items,
    }))
}

async fn get_crosswalk(
    Auth(_auth): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CrosswalkDetail>> {
    let crosswalk = crate::library::get()?
        .crosswalk(&id)
        .ok_or_else(|| ApiError::NotFound(format!("the library has no crosswalk `{id}`")))?;
    Ok(Json(CrosswalkDetail {
        crosswalk: crosswalk.into(),
        mappings: crosswalk.mappings.iter().map(MappingView::from).collect(),
    }))
}

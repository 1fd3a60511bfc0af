//! The library's values: frameworks with their nodes, crosswalks with their mappings, and the
//! lookups the rest of aims needs (a node by ref, children, roots, depth, mappings of a node).
//! Risk-source taxonomies and assessment templates have their own modules
//! (`risk_sources.rs`, `template/`); the [`Library`] holds them all.
//!
//! Values are plain data with public fields; they are only built by the loader (which has
//! checked every rule of `docs/library-format.md`) or by a caller who takes that duty. Lookups
//! scan the node list: a framework has at most 5,000 nodes, so an index would buy little and
//! could go stale when a caller edits the fields.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::risk_sources::{RiskSource, RiskSources};
use crate::template::AssessmentTemplate;

/// One standard, regulation or framework, as a tree of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub version: String,
    pub publisher: String,
    pub url: Option<String>,
    pub description: String,
    /// Parents come before their children.
    pub nodes: Vec<Node>,
}

/// A clause, control, category… of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The framework's own identifier, such as `6.1.2`, `A.6.2.4` or `GOVERN 1.1`.
    #[serde(rename = "ref")]
    pub ref_: String,
    pub parent: Option<String>,
    pub title: String,
    pub kind: NodeKind,
    /// Whether an organisation records a status for this node.
    pub assessable: bool,
    pub description: Option<String>,
    pub guidance: Option<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub articles: Vec<String>,
}

impl Node {
    /// Whether a search matches the node: `needle`, already lower-case, in its ref, title,
    /// description or guidance.
    pub fn matches(&self, needle: &str) -> bool {
        [
            Some(self.ref_.as_str()),
            Some(self.title.as_str()),
            self.description.as_deref(),
            self.guidance.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|text| text.to_lowercase().contains(needle))
    }
}

/// What a node is; it decides how the UI shows it, not how it is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Clause,
    Requirement,
    Objective,
    Control,
    Function,
    Category,
    Subcategory,
    Tier,
    Obligation,
}

impl NodeKind {
    /// Every kind, in the order the format lists them.
    pub const ALL: [NodeKind; 9] = [
        NodeKind::Clause,
        NodeKind::Requirement,
        NodeKind::Objective,
        NodeKind::Control,
        NodeKind::Function,
        NodeKind::Category,
        NodeKind::Subcategory,
        NodeKind::Tier,
        NodeKind::Obligation,
    ];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Clause => "clause",
            NodeKind::Requirement => "requirement",
            NodeKind::Objective => "objective",
            NodeKind::Control => "control",
            NodeKind::Function => "function",
            NodeKind::Category => "category",
            NodeKind::Subcategory => "subcategory",
            NodeKind::Tier => "tier",
            NodeKind::Obligation => "obligation",
        }
    }

    pub fn parse(text: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// "clause, requirement, …": for messages that list the allowed values.
    pub fn allowed() -> String {
        NodeKind::ALL.map(NodeKind::as_str).join(", ")
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the source node of a mapping relates to its target, read "source is … of target".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Equal,
    Subset,
    Superset,
    Intersect,
    Related,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Equal,
        Relation::Subset,
        Relation::Superset,
        Relation::Intersect,
        Relation::Related,
    ];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::Subset => "subset",
            Relation::Superset => "superset",
            Relation::Intersect => "intersect",
            Relation::Related => "related",
        }
    }

    pub fn parse(text: &str) -> Option<Relation> {
        Relation::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// "equal, subset, …": for messages that list the allowed values.
    pub fn allowed() -> String {
        Relation::ALL.map(Relation::as_str).join(", ")
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Relation {
    /// The same relation read from the target's side.
    pub fn inverse(self) -> Relation {
        match self {
            Relation::Subset => Relation::Superset,
            Relation::Superset => Relation::Subset,
            other => other,
        }
    }
}

/// Correspondences between the nodes of two frameworks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub id: String,
    pub name: String,
    /// Framework id.
    pub source: String,
    /// Framework id.
    pub target: String,
    pub description: String,
    pub mappings: Vec<Mapping>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// A ref in the source framework.
    pub source: String,
    /// A ref in the target framework.
    pub target: String,
    pub relation: Relation,
    pub rationale: Option<String>,
}

/// Every framework, crosswalk, risk-source taxonomy and assessment template loaded, all
/// checked against each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Library {
    pub frameworks: Vec<Framework>,
    pub crosswalks: Vec<Crosswalk>,
    /// Source ids are unique across all taxonomies.
    #[serde(default)]
    pub risk_sources: Vec<RiskSources>,
    #[serde(default)]
    pub templates: Vec<AssessmentTemplate>,
}

/// A mapping seen from one node: the node on the other side, and the relation read from this
/// node (a `subset` mapping seen from its target is a `superset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingView<'a> {
    pub crosswalk: &'a Crosswalk,
    pub mapping: &'a Mapping,
    pub other_framework: &'a str,
    pub other_ref: &'a str,
    pub relation: Relation,
}

impl Library {
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    pub fn crosswalk(&self, id: &str) -> Option<&Crosswalk> {
        self.crosswalks.iter().find(|c| c.id == id)
    }

    /// A risk source by its id, whichever taxonomy holds it.
    pub fn risk_source(&self, id: &str) -> Option<&RiskSource> {
        self.all_risk_sources().find(|s| s.id == id)
    }

    /// Every risk source of every taxonomy, in load order.
    pub fn all_risk_sources(&self) -> impl Iterator<Item = &RiskSource> {
        self.risk_sources.iter().flat_map(|t| t.sources.iter())
    }

    /// An assessment template by id.
    pub fn template(&self, id: &str) -> Option<&AssessmentTemplate> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// A node of a framework, by framework id and ref.
    pub fn node(&self, framework: &str, ref_: &str) -> Option<&Node> {
        self.framework(framework)?.node(ref_)
    }

    /// Every mapping that names this node, from either side of a crosswalk.
    pub fn mappings_for<'a>(&'a self, framework: &str, ref_: &str) -> Vec<MappingView<'a>> {
        let mut out = Vec::new();
        for crosswalk in &self.crosswalks {
            for mapping in &crosswalk.mappings {
                if crosswalk.source == framework && mapping.source == ref_ {
                    out.push(MappingView {
                        crosswalk,
                        mapping,
                        other_framework: &crosswalk.target,
                        other_ref: &mapping.target,
                        relation: mapping.relation,
                    });
                }
                if crosswalk.target == framework && mapping.target == ref_ {
                    out.push(MappingView {
                        crosswalk,
                        mapping,
                        other_framework: &crosswalk.source,
                        other_ref: &mapping.source,
                        relation: mapping.relation.inverse(),
                    });
                }
            }
        }
        out
    }

    /// Replaces frameworks, crosswalks, taxonomies and templates of the same id and adds the
    /// others: how a user's folder overrides the bundled library.
    pub(crate) fn overlay(&mut self, other: Library) {
        replace_or_add(&mut self.frameworks, other.frameworks, |f| &f.id);
        replace_or_add(&mut self.crosswalks, other.crosswalks, |c| &c.id);
        replace_or_add(&mut self.risk_sources, other.risk_sources, |t| &t.id);
        replace_or_add(&mut self.templates, other.templates, |t| &t.id);
    }
}

/// Puts each new item in the place of the item with its id, or at the end.
fn replace_or_add<T>(items: &mut Vec<T>, new: Vec<T>, id: impl Fn(&T) -> &String) {
    for item in new {
        match items.iter_mut().find(|old| id(old) == id(&item)) {
            Some(slot) => *slot = item,
            None => items.push(item),
        }
    }
}

impl Framework {
    pub fn node(&self, ref_: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.ref_ == ref_)
    }

    /// Nodes without a parent, in file order.
    pub fn roots(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.parent.is_none())
    }

    /// Direct children of a node, in file order.
    pub fn children<'a>(&'a self, ref_: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes
            .iter()
            .filter(move |n| n.parent.as_deref() == Some(ref_))
    }

    /// 1 for a root, 2 for its children…; `None` for an unknown ref. Bounded by the node count
    /// so that a hand-built framework with a cycle cannot loop forever.
    pub fn depth(&self, ref_: &str) -> Option<usize> {
        let mut node = self.node(ref_)?;
        let mut depth = 1;
        while let Some(parent) = &node.parent {
            node = self.node(parent)?;
            depth += 1;
            if depth > self.nodes.len() {
                return None;
            }
        }
        Some(depth)
    }

    /// How many nodes of each kind, for summaries.
    pub fn counts_by_kind(&self) -> BTreeMap<NodeKind, usize> {
        let mut counts = BTreeMap::new();
        for node in &self.nodes {
            *counts.entry(node.kind).or_insert(0) += 1;
        }
        counts
    }

    pub fn assessable_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.assessable).count()
    }
}

//! The Statement of Applicability over the library: which nodes of the adopted framework are
//! controls and requirements, the clause or objective each belongs to, and the readiness
//! report with the crosswalk views. Shared by the API, the web pages and the exports.

use aims_domain::readiness::{
    self, Coverage, GroupDef, ItemInput, ItemState, MappingInput, Readiness, Strength, TargetDef,
};
use aims_domain::soa::{ControlFields, ItemType, RequirementFields, SoaItem};
use aims_library::{Framework, Library, Node, NodeKind, Relation};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// Assessable control nodes of a framework, in file order: the SoA's controls.
pub fn control_nodes(fw: &Framework) -> impl Iterator<Item = &Node> {
    fw.nodes
        .iter()
        .filter(|n| item_type(n) == Some(ItemType::Control))
}

/// Assessable requirement nodes: the management-system requirements.
pub fn requirement_nodes(fw: &Framework) -> impl Iterator<Item = &Node> {
    fw.nodes
        .iter()
        .filter(|n| item_type(n) == Some(ItemType::Requirement))
}

/// What a node is in an SoA over its framework: a control, a clause requirement, or neither.
pub fn item_type(node: &Node) -> Option<ItemType> {
    match node.kind {
        _ if !node.assessable => None,
        NodeKind::Control => Some(ItemType::Control),
        NodeKind::Requirement => Some(ItemType::Requirement),
        _ => None,
    }
}

/// The nearest ancestor of `kind`, else the root: the objective of a control, the clause of
/// a requirement.
pub fn group_of<'a>(fw: &'a Framework, node_ref: &str, kind: NodeKind) -> Option<&'a Node> {
    let mut node = fw.node(node_ref)?;
    let mut steps = 0;
    while let Some(parent) = node.parent.as_deref() {
        node = fw.node(parent)?;
        if node.kind == kind && node.parent.is_some() {
            return Some(node);
        }
        steps += 1;
        if steps > fw.nodes.len() {
            return None;
        }
    }
    Some(node)
}

fn groups(fw: &Framework, members: &[&Node], kind: NodeKind) -> Vec<GroupDef> {
    let mut out: Vec<GroupDef> = Vec::new();
    for node in members {
        if let Some(g) = group_of(fw, &node.ref_, kind)
            && !out.iter().any(|d| d.group_ref == g.ref_)
        {
            out.push(GroupDef {
                group_ref: g.ref_.clone(),
                title: g.title.clone(),
            });
        }
    }
    out
}

/// Readiness of the adopted framework and the views of every framework a crosswalk links
/// it to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessReport {
    pub framework_id: String,
    pub framework_name: String,
    pub readiness: Readiness,
    /// Computed views of other frameworks through the library's crosswalks.
    pub crosswalks: Vec<Coverage>,
}

pub fn readiness_report(
    library: &Library,
    fw: &Framework,
    controls: &[SoaItem<ControlFields>],
    requirements: &[SoaItem<RequirementFields>],
    today: NaiveDate,
) -> ReadinessReport {
    let group = |r: &str, kind| {
        group_of(fw, r, kind)
            .map(|g| g.ref_.clone())
            .unwrap_or_default()
    };
    let control_groups: Vec<String> = controls
        .iter()
        .map(|c| group(&c.item_ref, NodeKind::Objective))
        .collect();
    let requirement_groups: Vec<String> = requirements
        .iter()
        .map(|r| group(&r.item_ref, NodeKind::Clause))
        .collect();
    let mut items: Vec<ItemInput<'_>> = Vec::new();
    for (r, g) in requirements.iter().zip(&requirement_groups) {
        items.push(ItemInput {
            item_ref: &r.item_ref,
            group_ref: g,
            state: ItemState::Requirement(&r.fields),
        });
    }
    for (c, g) in controls.iter().zip(&control_groups) {
        items.push(ItemInput {
            item_ref: &c.item_ref,
            group_ref: g,
            state: ItemState::Control(&c.fields),
        });
    }
    let control_list: Vec<&Node> = control_nodes(fw).collect();
    let requirement_list: Vec<&Node> = requirement_nodes(fw).collect();
    let readiness = readiness::readiness(
        &groups(fw, &requirement_list, NodeKind::Clause),
        &groups(fw, &control_list, NodeKind::Objective),
        &items,
        today,
    );
    let mut crosswalks = Vec::new();
    for crosswalk in &library.crosswalks {
        let (other_id, flipped) = if crosswalk.source == fw.id {
            (&crosswalk.target, false)
        } else if crosswalk.target == fw.id {
            (&crosswalk.source, true)
        } else {
            continue;
        };
        let Some(other) = library.framework(other_id) else {
            continue;
        };
        let targets: Vec<TargetDef> = other
            .nodes
            .iter()
            .filter(|n| n.assessable)
            .map(|n| TargetDef {
                target_ref: n.ref_.clone(),
                group_ref: root_of(other, &n.ref_),
            })
            .collect();
        let mut target_groups: Vec<GroupDef> = Vec::new();
        for t in &targets {
            if !target_groups.iter().any(|g| g.group_ref == t.group_ref) {
                target_groups.push(GroupDef {
                    group_ref: t.group_ref.clone(),
                    title: other
                        .node(&t.group_ref)
                        .map(|n| n.title.clone())
                        .unwrap_or_default(),
                });
            }
        }
        let mappings: Vec<MappingInput> = crosswalk
            .mappings
            .iter()
            .map(|m| {
                let (source, target, relation) = if flipped {
                    (&m.target, &m.source, m.relation.inverse())
                } else {
                    (&m.source, &m.target, m.relation)
                };
                MappingInput {
                    source_ref: source.clone(),
                    target_ref: target.clone(),
                    strength: strength(relation),
                }
            })
            .collect();
        crosswalks.push(readiness::coverage(
            &other.id,
            &other.short_name,
            &target_groups,
            &targets,
            &mappings,
            &items,
            today,
        ));
    }
    ReadinessReport {
        framework_id: fw.id.clone(),
        framework_name: fw.short_name.clone(),
        readiness,
        crosswalks,
    }
}

fn root_of(fw: &Framework, node_ref: &str) -> String {
    let mut current = node_ref.to_owned();
    for _ in 0..=fw.nodes.len() {
        match fw.node(&current).and_then(|n| n.parent.clone()) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

/// How strongly a relation carries work, read "source is … of target".
pub fn strength(relation: Relation) -> Strength {
    match relation {
        Relation::Equal | Relation::Superset => Strength::Full,
        Relation::Subset | Relation::Intersect => Strength::Partial,
        Relation::Related => Strength::Related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_iso_framework_has_controls_requirements_and_groups() {
        let library = crate::library::current().expect("bundled library");
        let fw = library
            .framework("iso-iec-42001-2023")
            .expect("ISO/IEC 42001");
        let controls: Vec<&Node> = control_nodes(fw).collect();
        assert_eq!(controls.len(), 38);
        assert_eq!(
            group_of(fw, "A.6.2.4", NodeKind::Objective).map(|n| n.ref_.as_str()),
            Some("A.6")
        );
        assert_eq!(
            group_of(fw, "9.2.1", NodeKind::Clause).map(|n| n.ref_.as_str()),
            Some("9")
        );
        let requirements: Vec<&Node> = requirement_nodes(fw).collect();
        let clauses = groups(fw, &requirements, NodeKind::Clause);
        let refs: Vec<&str> = clauses.iter().map(|g| g.group_ref.as_str()).collect();
        assert_eq!(refs, ["4", "5", "6", "7", "8", "9", "10"]);
        let report = readiness_report(
            library,
            fw,
            &[],
            &[],
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        );
        let views: Vec<&str> = report
            .crosswalks
            .iter()
            .map(|c| c.framework_id.as_str())
            .collect();
        assert!(views.contains(&"nist-ai-rmf-1.0"), "{views:?}");
        assert!(views.contains(&"eu-ai-act-2024"), "{views:?}");
    }
}

//! Import of CISO Assistant library files (intuitem's YAML format) into our frameworks and
//! crosswalks.
//!
//! Their files carry much we do not use (translations, reference controls, threats, scores),
//! so unknown keys are ignored here, unlike in our own format. What we read:
//! `objects.framework` with its `requirement_nodes`, and `objects.requirement_mapping_set`
//! or `objects.requirement_mapping_sets`. URNs become refs: a node's `ref_id` when it has one
//! (and it is not taken yet), else the last segment of its URN. Assessable nodes become
//! `requirement`s, the others `clause`s. `not_related` mappings are dropped and counted. The
//! result passes the same checks as a hand-written file; problems point at lines of the
//! imported file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::decode::{self, CrosswalkDoc, Ctx, FrameworkDoc, Lines, join};
use crate::load::{Source, read_source};
use crate::model::{Crosswalk, Framework, Mapping, Node, NodeKind, Relation};
use crate::problem::{LoadError, Problem, sort};
use crate::yaml::{self, Kind, ScalarType, Value, resolve};

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Imported {
    pub frameworks: Vec<Framework>,
    pub crosswalks: Vec<Crosswalk>,
    /// Mappings marked `not_related`, which our format does not record.
    pub dropped_not_related: usize,
}

/// Reads a CISO Assistant library file and converts it.
pub fn import_ciso(path: &Path) -> Result<Imported, LoadError> {
    let source = read_source(path).map_err(|p| LoadError::Invalid(vec![p]))?;
    import_ciso_source(&source)
}

/// Like [`import_ciso`], for text already in memory.
pub fn import_ciso_source(source: &Source) -> Result<Imported, LoadError> {
    let mut ctx = Ctx::new(&source.path);
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            return Err(LoadError::Invalid(vec![Problem::file(
                &source.path,
                "the file is empty",
            )]));
        }
        Err(err) => {
            ctx.report(err.line, "", err.message);
            return Err(LoadError::Invalid(ctx.problems));
        }
    };
    let mut imported = Imported::default();
    let top = entries(&mut ctx, &root, "");
    let library_urn = top.get("urn").and_then(|v| scalar(v)).unwrap_or_default();
    let Some(objects) = required(&mut ctx, &top, &root, "", "objects") else {
        return Err(finish(ctx.problems));
    };
    let objects_map = entries(&mut ctx, objects, "objects");
    let mut urn_to_ref: HashMap<String, HashMap<String, String>> = HashMap::new();
    if let Some(fw) = objects_map.get("framework")
        && let Some((doc, framework_urn, refs)) = framework(&mut ctx, fw, &top)
    {
        urn_to_ref.insert(framework_urn, refs);
        imported.frameworks.push(doc.framework);
    }
    let mut sets: Vec<(&Value, String)> = Vec::new();
    if let Some(set) = objects_map.get("requirement_mapping_set") {
        sets.push((set, "objects.requirement_mapping_set".into()));
    }
    if let Some(list) = objects_map.get("requirement_mapping_sets") {
        let path = "objects.requirement_mapping_sets";
        for (i, set) in decode::list(&mut ctx, list, path)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            sets.push((set, format!("{path}[{i}]")));
        }
    }
    if imported.frameworks.is_empty() && sets.is_empty() && !objects_map.contains_key("framework") {
        ctx.report(
            objects.line,
            "objects",
            "holds neither `framework` nor `requirement_mapping_set(s)`: nothing to import",
        );
    }
    for (set, path) in sets {
        if let Some(cw) = mapping_set(
            &mut ctx,
            set,
            &path,
            &top,
            &library_urn,
            &urn_to_ref,
            &mut imported.dropped_not_related,
        ) {
            imported.crosswalks.push(cw);
        }
    }
    if ctx.problems.is_empty() {
        Ok(imported)
    } else {
        Err(finish(ctx.problems))
    }
}

fn finish(mut problems: Vec<Problem>) -> LoadError {
    sort(&mut problems);
    LoadError::Invalid(problems)
}

/// A mapping's entries by key; other keys are ignored, not refused. Reports a non-mapping.
fn entries<'v>(ctx: &mut Ctx<'_>, value: &'v Value, path: &str) -> BTreeMap<&'v str, &'v Value> {
    match &value.kind {
        Kind::Map(entries) => entries.iter().map(|(k, v)| (k.text.as_str(), v)).collect(),
        _ => {
            ctx.report(
                value.line,
                path,
                format!("expected a mapping, found {}", decode::describe(value)),
            );
            BTreeMap::new()
        }
    }
}

fn required<'v>(
    ctx: &mut Ctx<'_>,
    map: &BTreeMap<&str, &'v Value>,
    parent: &Value,
    path: &str,
    key: &str,
) -> Option<&'v Value> {
    let found = map.get(key).copied();
    if found.is_none() && matches!(parent.kind, Kind::Map(_)) {
        ctx.report(parent.line, &join(path, key), "missing required key");
    }
    found
}

/// Any non-null scalar as text: CISO files write `ref_id: 4.1` or `version: 1` unquoted.
fn scalar(value: &Value) -> Option<String> {
    match &value.kind {
        Kind::Scalar { text, plain } if resolve(text, *plain) != ScalarType::Null => {
            Some(text.trim().to_owned()).filter(|t| !t.is_empty())
        }
        _ => None,
    }
}

fn last_segment(urn: &str) -> &str {
    urn.rsplit(':').next().unwrap_or(urn)
}

/// A framework id from a URN: its last segment, lower-cased, other characters turned to `-`.
fn id_from_urn(urn: &str) -> String {
    let id: String = last_segment(urn)
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-') => c,
            _ => '-',
        })
        .collect();
    id.trim_start_matches(['.', '-']).to_owned()
}

/// The framework, its URN and its URN → ref table.
fn framework(
    ctx: &mut Ctx<'_>,
    value: &Value,
    top: &BTreeMap<&str, &Value>,
) -> Option<(FrameworkDoc, String, HashMap<String, String>)> {
    let path = "objects.framework";
    let map = entries(ctx, value, path);
    let urn = required(ctx, &map, value, path, "urn").and_then(|v| {
        let urn = scalar(v);
        if urn.is_none() {
            ctx.report(v.line, &join(path, "urn"), "expected a URN");
        }
        urn
    });
    let nodes_value = required(ctx, &map, value, path, "requirement_nodes");
    let urn = urn?;
    let text = |key: &str| map.get(key).and_then(|v| scalar(v));
    let top_text = |key: &str| top.get(key).and_then(|v| scalar(v));
    let id = id_from_urn(&urn);
    let mut lines = Lines::default();
    lines.set("", value.line);
    lines.set("id", map.get("urn").map_or(value.line, |v| v.line));
    let name = text("name")
        .or_else(|| top_text("name"))
        .unwrap_or_else(|| id.clone());
    let description = text("description")
        .or_else(|| top_text("description"))
        .unwrap_or_else(|| format!("Imported from the CISO Assistant library `{urn}`."));
    let mut nodes = Vec::new();
    let mut refs: HashMap<String, String> = HashMap::new();
    let nodes_path = join(path, "requirement_nodes");
    let items = nodes_value
        .and_then(|v| decode::list(ctx, v, &nodes_path))
        .unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{nodes_path}[{i}]");
        let ours = format!("nodes[{i}]");
        let node_map = entries(ctx, item, &item_path);
        lines.set(&ours, item.line);
        let Some(node_urn) = required(ctx, &node_map, item, &item_path, "urn").and_then(scalar)
        else {
            continue;
        };
        let get = |key: &str| node_map.get(key).and_then(|v| scalar(v));
        // Some libraries repeat a ref_id under different parents; the URN stays unique.
        let ref_ = match get("ref_id") {
            Some(r) if !refs.values().any(|taken| *taken == r) => r,
            _ => last_segment(&node_urn).to_owned(),
        };
        lines.set(
            &format!("{ours}.ref"),
            node_map.get("ref_id").map_or(item.line, |v| v.line),
        );
        let parent = match node_map.get("parent_urn") {
            None => None,
            Some(v) => {
                lines.set(&format!("{ours}.parent"), v.line);
                match scalar(v) {
                    Some(parent_urn) => match refs.get(&parent_urn) {
                        Some(r) => Some(r.clone()),
                        None => {
                            ctx.report(
                                v.line,
                                &join(&item_path, "parent_urn"),
                                format!("`{parent_urn}` is not the urn of an earlier node"),
                            );
                            None
                        }
                    },
                    None => None,
                }
            }
        };
        let assessable = match node_map.get("assessable") {
            None => false,
            Some(v) => decode::boolean(ctx, v, &join(&item_path, "assessable")).unwrap_or(false),
        };
        lines.set(&format!("{ours}.assessable"), item.line);
        let description = get("description");
        let title = get("name")
            .or_else(|| description.as_deref().map(short_title))
            .unwrap_or_else(|| ref_.clone());
        // Our format needs a description on assessable nodes; the title is all there is.
        let description = description.or_else(|| assessable.then(|| title.clone()));
        refs.insert(node_urn, ref_.clone());
        nodes.push(Node {
            ref_,
            parent,
            title,
            kind: if assessable {
                NodeKind::Requirement
            } else {
                NodeKind::Clause
            },
            assessable,
            description,
            guidance: None,
            evidence: Vec::new(),
            articles: Vec::new(),
        });
    }
    lines.set("nodes", nodes_value.map_or(value.line, |v| v.line));
    let doc = FrameworkDoc {
        framework: Framework {
            id,
            name,
            short_name: text("ref_id")
                .or_else(|| top_text("ref_id"))
                .unwrap_or_else(|| last_segment(&urn).to_owned()),
            version: top_text("version").unwrap_or_else(|| "1".into()),
            publisher: top_text("provider")
                .or_else(|| top_text("packager"))
                .unwrap_or_else(|| "unknown".into()),
            url: None,
            description,
            nodes,
        },
        lines,
    };
    let before = ctx.problems.len();
    decode::check_framework(ctx, &doc);
    rename_fields(&mut ctx.problems[before..], &nodes_path);
    Some((doc, urn, refs))
}

/// The first line of a description, cut to 120 characters, as a title for nodes without a
/// name.
fn short_title(description: &str) -> String {
    let first = description.lines().next().unwrap_or_default().trim();
    if first.chars().count() <= 120 {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(119).collect();
        format!("{cut}…")
    }
}

/// Checks run on our converted values name our fields; name the imported file's instead.
fn rename_fields(problems: &mut [Problem], nodes_path: &str) {
    for problem in problems {
        if let Some(field) = &mut problem.field {
            if let Some(rest) = field.strip_prefix("nodes") {
                *field = format!("{nodes_path}{rest}")
                    .replace(".parent", ".parent_urn")
                    .replace(".ref", ".ref_id");
            } else if field == "id" {
                *field = "objects.framework.urn".into();
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mapping_set(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    top: &BTreeMap<&str, &Value>,
    library_urn: &str,
    urn_to_ref: &HashMap<String, HashMap<String, String>>,
    dropped: &mut usize,
) -> Option<Crosswalk> {
    let map = entries(ctx, value, path);
    let source_urn = required(ctx, &map, value, path, "source_framework_urn").and_then(scalar);
    let target_urn = required(ctx, &map, value, path, "target_framework_urn").and_then(scalar);
    let list_path = join(path, "requirement_mappings");
    let items = required(ctx, &map, value, path, "requirement_mappings")
        .and_then(|v| decode::list(ctx, v, &list_path))
        .unwrap_or_default();
    let (source_urn, target_urn) = (source_urn?, target_urn?);
    let (source, target) = (id_from_urn(&source_urn), id_from_urn(&target_urn));
    let text = |key: &str| map.get(key).and_then(|v| scalar(v));
    let top_text = |key: &str| top.get(key).and_then(|v| scalar(v));
    let id = text("urn")
        .map(|u| id_from_urn(&u))
        .unwrap_or_else(|| format!("{source}-to-{target}"));
    let ref_of = |framework_urn: &str, urn: &str| -> String {
        urn_to_ref
            .get(framework_urn)
            .and_then(|refs| refs.get(urn))
            .cloned()
            .unwrap_or_else(|| last_segment(urn).to_owned())
    };
    let mut lines = Lines::default();
    lines.set("", value.line);
    lines.set("id", map.get("urn").map_or(value.line, |v| v.line));
    lines.set("mappings", value.line);
    let mut mappings = Vec::new();
    // Position in the imported file of each mapping kept, to name it in messages.
    let mut positions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{list_path}[{i}]");
        let m = entries(ctx, item, &item_path);
        let s = required(ctx, &m, item, &item_path, "source_requirement_urn").and_then(scalar);
        let t = required(ctx, &m, item, &item_path, "target_requirement_urn").and_then(scalar);
        let relation = required(ctx, &m, item, &item_path, "relationship").and_then(|v| {
            let name = scalar(v).unwrap_or_default();
            match name.as_str() {
                "not_related" => {
                    *dropped += 1;
                    None
                }
                other => {
                    let relation = Relation::parse(other);
                    if relation.is_none() {
                        ctx.report(
                            v.line,
                            &join(&item_path, "relationship"),
                            format!(
                                "unknown relationship `{name}`; allowed: {}, not_related",
                                Relation::allowed()
                            ),
                        );
                    }
                    relation
                }
            }
        });
        let (Some(s), Some(t), Some(relation)) = (s, t, relation) else {
            continue;
        };
        lines.set(&format!("mappings[{}]", mappings.len()), item.line);
        positions.push(i);
        mappings.push(Mapping {
            source: ref_of(&source_urn, &s),
            target: ref_of(&target_urn, &t),
            relation,
            rationale: m.get("rationale").and_then(|v| scalar(v)),
        });
    }
    if mappings.is_empty() {
        // Nothing but `not_related` (or faulty) mappings: no crosswalk to write.
        return None;
    }
    let doc = CrosswalkDoc {
        crosswalk: Crosswalk {
            id,
            name: text("name")
                .or_else(|| top_text("name"))
                .unwrap_or_else(|| format!("{source} to {target}")),
            source,
            target,
            description: text("description")
                .or_else(|| top_text("description"))
                .unwrap_or_else(|| {
                    format!("Imported from the CISO Assistant library `{library_urn}`.")
                }),
            mappings,
        },
        lines,
    };
    let before = ctx.problems.len();
    decode::check_crosswalk(ctx, &doc);
    for problem in &mut ctx.problems[before..] {
        if let Some(field) = &mut problem.field
            && let Some(rest) = field.strip_prefix("mappings[")
        {
            let (index, rest) = rest.split_once(']').unwrap_or((rest, ""));
            let index = index
                .parse::<usize>()
                .ok()
                .and_then(|k| positions.get(k).copied())
                .map_or_else(|| index.to_owned(), |k| k.to_string());
            *field = format!("{list_path}[{index}]{rest}");
        }
    }
    Some(doc.crosswalk)
}

//! Reads an OSCAL catalog (JSON) as a framework: ours, written by [`super::catalog()`], and
//! catalogs of other tools (NIST SP 800-53 shape: groups → controls → enhancement controls,
//! `statement` and `guidance` parts, parameters).
//!
//! Keys we do not use are ignored, as OSCAL documents carry much more than a framework
//! holds; keys we use must have the right type. Problems name the JSON path
//! (`catalog.groups[2].controls[0].id`) and what was expected; all are collected, and the
//! result passes the same checks as a hand-written framework file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::catalog::{PUBLISHER_ROLE, URL_REL};
use super::ids::NS;
use crate::decode::{self, Ctx, FrameworkDoc, Lines, MAX_DEPTH, MAX_NODES, valid_id};
use crate::load::{Source, read_source};
use crate::model::{Framework, Node, NodeKind};
use crate::problem::{LoadError, Problem, sort};

/// The namespace OSCAL assumes for props that name none.
const OSCAL_NS: &str = "http://csrc.nist.gov/ns/oscal";

/// A catalog read as a framework, with what was left out or approximated on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCatalog {
    pub framework: Framework,
    /// One line per kind of loss (parameters, withdrawn controls…); empty for our own
    /// catalogs.
    pub notes: Vec<String>,
}

/// Whether a text is JSON rather than YAML, judged by its first character: how `aims
/// library import` tells an OSCAL catalog from a CISO Assistant file.
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
}

/// Reads an OSCAL catalog file (at most [`crate::MAX_FILE_BYTES`]).
pub fn import_oscal(path: &Path) -> Result<ImportedCatalog, LoadError> {
    let source = read_source(path).map_err(|p| LoadError::Invalid(vec![p]))?;
    import_oscal_source(&source)
}

/// Like [`import_oscal`], for text already in memory.
pub fn import_oscal_source(source: &Source) -> Result<ImportedCatalog, LoadError> {
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    // serde_json refuses nesting beyond 128 levels, which bounds the recursion below and
    // the drop of the tree.
    let root: Value = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let message = if message.contains("recursion limit") {
            "nested more than 128 levels deep".to_owned()
        } else {
            format!("not valid JSON: {message} (column {})", e.column())
        };
        LoadError::Invalid(vec![Problem {
            file: source.path.clone(),
            line: Some(e.line()).filter(|l| *l > 0),
            field: None,
            message,
        }])
    })?;
    let mut reader = Reader {
        file: &source.path,
        problems: Vec::new(),
        notes: Notes::default(),
        too_many: false,
    };
    let framework = reader.catalog(&root);
    match framework {
        Some(doc) if reader.problems.is_empty() => {
            let mut ctx = Ctx::new(&source.path);
            decode::check_framework(&mut ctx, &doc.doc);
            reader
                .problems
                .extend(ctx.problems.into_iter().map(|mut p| {
                    // Our checks name our fields and lines; name the catalog's paths instead.
                    p.line = None;
                    p.field = p.field.map(|f| json_field(&f, &doc.paths));
                    p
                }));
            if reader.problems.is_empty() {
                return Ok(ImportedCatalog {
                    framework: doc.doc.framework,
                    notes: reader.notes.lines(),
                });
            }
            Err(finish(reader.problems))
        }
        _ => Err(finish(reader.problems)),
    }
}

fn finish(mut problems: Vec<Problem>) -> LoadError {
    sort(&mut problems);
    LoadError::Invalid(problems)
}

/// A field of our framework (`nodes[3].description`) as the catalog path it came from.
fn json_field(field: &str, paths: &[String]) -> String {
    let Some(rest) = field.strip_prefix("nodes[") else {
        return match field {
            "id" => "catalog.metadata.props[framework-id]",
            "name" => "catalog.metadata.title",
            "version" => "catalog.metadata.version",
            "description" => "catalog.metadata.remarks",
            "url" => "catalog.metadata.links",
            "publisher" => "catalog.metadata.parties",
            "short_name" => "catalog.metadata.props[short-name]",
            other => other,
        }
        .to_owned();
    };
    let (index, rest) = rest.split_once(']').unwrap_or((rest, ""));
    let Some(path) = index.parse::<usize>().ok().and_then(|i| paths.get(i)) else {
        return field.to_owned();
    };
    let rest = match rest {
        ".ref" => ".props[label]",
        ".description" => ".parts[statement].prose",
        ".guidance" => ".parts[guidance].prose",
        ".parent" => "",
        other if other.starts_with(".evidence") => ".parts[assessment-method].parts",
        other if other.starts_with(".articles") => ".props[article]",
        other => other,
    };
    format!("{path}{rest}")
}

#[derive(Default)]
struct Notes {
    params: usize,
    withdrawn: usize,
    duplicate_labels: usize,
    catalog_params: usize,
    back_matter: bool,
}

impl Notes {
    fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.params > 0 || self.catalog_params > 0 {
            out.push(format!(
                "{} parameter{} not imported: placeholders in the text are shown as `[Assignment: label]`",
                self.params + self.catalog_params,
                plural(self.params + self.catalog_params)
            ));
        }
        if self.withdrawn > 0 {
            out.push(format!(
                "{} withdrawn control{} imported as not assessable",
                self.withdrawn,
                plural(self.withdrawn)
            ));
        }
        if self.duplicate_labels > 0 {
            out.push(format!(
                "{} label{} already taken: the control id is the ref instead",
                self.duplicate_labels,
                plural(self.duplicate_labels)
            ));
        }
        if self.back_matter {
            out.push("back-matter (resources, citations) not imported".to_owned());
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

struct Reader<'a> {
    file: &'a Path,
    problems: Vec<Problem>,
    notes: Notes,
    /// Set once the node limit was reported, so it is reported once.
    too_many: bool,
}

/// The framework before the checks shared with files, with the JSON path of each node.
struct Decoded {
    doc: FrameworkDoc,
    paths: Vec<String>,
}

/// A group or control on the way to becoming a node.
struct Item {
    node: Node,
    path: String,
    sort_id: Option<String>,
}

/// Params of the enclosing controls and of the catalog, by id: their labels stand in for
/// the placeholders of the text.
type Params = HashMap<String, String>;

impl Reader<'_> {
    fn report(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line: None,
            field: Some(path.to_owned()).filter(|p| !p.is_empty()),
            message: message.into(),
        });
    }

    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.report(
                    path,
                    format!("expected an object, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// An optional array; a wrong type is reported and read as empty.
    fn array<'v>(&mut self, map: &'v Map<String, Value>, path: &str, key: &str) -> &'v [Value] {
        match map.get(key) {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.report(
                    &join(path, key),
                    format!("expected an array, found {}", describe(other)),
                );
                &[]
            }
        }
    }

    /// An optional string; a wrong type is reported. Empty strings count as absent.
    fn text(&mut self, map: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()).filter(|t| !t.trim().is_empty()),
            Some(other) => {
                self.report(
                    &join(path, key),
                    format!("expected a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn required_text(&mut self, map: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        let found = self.text(map, path, key);
        if found.is_none() {
            match map.get(key) {
                None => self.report(&join(path, key), "missing required key"),
                Some(Value::String(_)) => self.report(&join(path, key), "must not be empty"),
                // Wrong types were reported already.
                Some(_) => {}
            }
        }
        found
    }

    fn catalog(&mut self, root: &Value) -> Option<Decoded> {
        let top = self.object(root, "")?;
        let Some(catalog) = top.get("catalog") else {
            let keys: Vec<&str> = top.keys().map(String::as_str).collect();
            let model = keys.iter().find(|k| {
                matches!(
                    **k,
                    "profile"
                        | "component-definition"
                        | "system-security-plan"
                        | "assessment-plan"
                        | "assessment-results"
                        | "plan-of-action-and-milestones"
                        | "mapping-collection"
                )
            });
            let message = match model {
                Some(model) => format!("this is an OSCAL {model}, not a catalog"),
                None => format!(
                    "missing: an OSCAL catalog has a single top-level key `catalog`; found: {}",
                    if keys.is_empty() {
                        "no key".to_owned()
                    } else {
                        keys.join(", ")
                    }
                ),
            };
            self.report("catalog", message);
            return None;
        };
        let catalog = self.object(catalog, "catalog")?;
        let metadata = match catalog.get("metadata") {
            Some(m) => self.object(m, "catalog.metadata"),
            None => {
                self.report("catalog.metadata", "missing required key");
                None
            }
        };
        let mut params = Params::new();
        let catalog_params = self.params(catalog, "catalog", &mut params);
        self.notes.catalog_params = catalog_params;
        self.notes.back_matter = catalog.contains_key("back-matter");
        let mut items = Vec::new();
        let mut ids: HashMap<String, String> = HashMap::new();
        self.members(
            catalog, "catalog", None, 1, false, &params, &mut items, &mut ids,
        );
        if items.is_empty() && self.problems.is_empty() {
            self.report("catalog", "has no groups or controls: nothing to import");
        }
        let metadata = metadata?;
        let framework = self.framework(metadata, items)?;
        Some(framework)
    }

    fn framework(&mut self, metadata: &Map<String, Value>, items: Vec<Item>) -> Option<Decoded> {
        let path = "catalog.metadata";
        let name = self.required_text(metadata, path, "title");
        let version = self.required_text(metadata, path, "version");
        let description = self.text(metadata, path, "remarks");
        let props = self.props(metadata, path);
        let our = |name: &str| {
            props
                .iter()
                .find(|p| p.ns.as_deref() == Some(NS) && p.name == name)
                .map(|p| p.value.clone())
        };
        let (framework_id, short_name) = (our("framework-id"), our("short-name"));
        let url = self
            .array(metadata, path, "links")
            .iter()
            .filter_map(Value::as_object)
            .find(|l| l.get("rel").and_then(Value::as_str) == Some(URL_REL))
            .and_then(|l| l.get("href").and_then(Value::as_str))
            .map(str::to_owned);
        let publisher = self.publisher(metadata);
        let (name, version) = (name?, version?);
        let id = framework_id.unwrap_or_else(|| {
            let from_file = id_from(
                self.file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default(),
            );
            if valid_id(&from_file) {
                from_file
            } else {
                id_from(&name)
            }
        });
        let (nodes, paths) = order(items);
        let mut lines = Lines::default();
        lines.set("nodes", 1);
        for i in 0..nodes.len() {
            // Lets the shared check require a description of assessable nodes.
            lines.set(&format!("nodes[{i}].assessable"), 1);
        }
        Some(Decoded {
            doc: FrameworkDoc {
                framework: Framework {
                    id,
                    short_name: short_name.unwrap_or_else(|| name.clone()),
                    description: description
                        .unwrap_or_else(|| format!("Imported from the OSCAL catalog “{name}”.")),
                    name,
                    version,
                    publisher: publisher.unwrap_or_else(|| "unknown".to_owned()),
                    url,
                    nodes,
                },
                lines,
            },
            paths,
        })
    }

    /// The party in the publisher role (ours), else the creator, else the first
    /// organisation.
    fn publisher(&mut self, metadata: &Map<String, Value>) -> Option<String> {
        let parties: Vec<(String, Option<String>, Option<String>)> = metadata
            .get("parties")
            .and_then(Value::as_array)
            .map(|parties| {
                parties
                    .iter()
                    .filter_map(Value::as_object)
                    .filter_map(|p| {
                        let name = p.get("name").and_then(Value::as_str)?.trim();
                        (!name.is_empty()).then(|| {
                            (
                                name.to_owned(),
                                p.get("uuid").and_then(Value::as_str).map(str::to_owned),
                                p.get("type").and_then(Value::as_str).map(str::to_owned),
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let responsible = metadata
            .get("responsible-parties")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for role in [PUBLISHER_ROLE, "creator"] {
            let uuids = responsible
                .iter()
                .filter_map(Value::as_object)
                .filter(|r| r.get("role-id").and_then(Value::as_str) == Some(role))
                .filter_map(|r| r.get("party-uuids").and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str);
            for uuid in uuids {
                if let Some((name, ..)) = parties.iter().find(|p| p.1.as_deref() == Some(uuid)) {
                    return Some(name.clone());
                }
            }
        }
        parties
            .iter()
            .find(|p| p.2.as_deref() == Some("organization"))
            .map(|p| p.0.clone())
    }

    /// The `groups` and `controls` of a catalog, group or control, depth first.
    #[allow(clippy::too_many_arguments)]
    fn members(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        parent: Option<&str>,
        depth: usize,
        in_control: bool,
        params: &Params,
        items: &mut Vec<Item>,
        ids: &mut HashMap<String, String>,
    ) {
        let groups = self.array(map, path, "groups");
        let controls = self.array(map, path, "controls");
        if (!groups.is_empty() || !controls.is_empty()) && depth > MAX_DEPTH {
            self.report(
                path,
                format!("groups and controls nest more than {MAX_DEPTH} levels deep"),
            );
            return;
        }
        if in_control && !groups.is_empty() {
            self.report(&join(path, "groups"), "a control cannot hold groups");
        }
        for (key, list, is_group) in [("controls", controls, false), ("groups", groups, true)] {
            for (i, value) in list.iter().enumerate() {
                if items.len() >= MAX_NODES {
                    if !self.too_many {
                        self.too_many = true;
                        self.report(
                            path,
                            format!("more than {MAX_NODES} groups and controls; at most {MAX_NODES} are allowed"),
                        );
                    }
                    return;
                }
                let item_path = format!("{path}.{key}[{i}]");
                let Some(map) = self.object(value, &item_path) else {
                    continue;
                };
                let mut scope = params.clone();
                let own = self.params(map, &item_path, &mut scope);
                self.notes.params += own;
                let Some(item) = self.item(map, &item_path, parent, is_group, &scope, items, ids)
                else {
                    continue;
                };
                let ref_ = item.node.ref_.clone();
                items.push(item);
                self.members(
                    map,
                    &item_path,
                    Some(&ref_),
                    depth + 1,
                    in_control || !is_group,
                    &scope,
                    items,
                    ids,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        parent: Option<&str>,
        is_group: bool,
        params: &Params,
        items: &[Item],
        ids: &mut HashMap<String, String>,
    ) -> Option<Item> {
        let title = self.required_text(map, path, "title");
        // Groups may go without an id in OSCAL; their title stands in for it then.
        let id = if is_group {
            self.text(map, path, "id").or_else(|| title.clone())
        } else {
            self.required_text(map, path, "id")
        };
        let props = self.props(map, path);
        let (id, title) = (id?, title?);
        if let Some(first) = ids.get(&id) {
            self.report(
                &join(path, "id"),
                format!("duplicate id `{id}` (first used at {first})"),
            );
            return None;
        }
        ids.insert(id.clone(), path.to_owned());
        let find = |name: &str, ours: bool| {
            props
                .iter()
                .filter(|p| p.name == name)
                .find(|p| {
                    if ours {
                        p.ns.as_deref() == Some(NS)
                    } else {
                        p.ns.as_deref().is_none_or(|ns| ns == OSCAL_NS)
                    }
                })
                .map(|p| p.value.clone())
        };
        let taken = |r: &str| items.iter().any(|i| i.node.ref_ == r);
        let ref_ = match find("label", false) {
            Some(label) if !taken(&label) => label,
            Some(_) => {
                self.notes.duplicate_labels += 1;
                id.clone()
            }
            None => id.clone(),
        };
        let class = map.get("class").and_then(Value::as_str);
        let kind = match find("kind", true) {
            Some(kind) => match NodeKind::parse(&kind) {
                Some(kind) => kind,
                None => {
                    self.report(
                        &format!("{path}.props[kind]"),
                        format!("unknown kind `{kind}`; allowed: {}", NodeKind::allowed()),
                    );
                    return None;
                }
            },
            None => class.and_then(NodeKind::parse).unwrap_or(if is_group {
                NodeKind::Clause
            } else {
                NodeKind::Control
            }),
        };
        let withdrawn = !is_group
            && props
                .iter()
                .any(|p| p.name == "status" && p.value == "withdrawn");
        let assessable = match find("assessable", true).as_deref() {
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                self.report(
                    &format!("{path}.props[assessable]"),
                    format!("expected `true` or `false`, found `{other}`"),
                );
                return None;
            }
            None => {
                if withdrawn {
                    self.notes.withdrawn += 1;
                }
                !is_group && !withdrawn
            }
        };
        if assessable && is_group {
            self.report(
                &format!("{path}.props[assessable]"),
                "a group cannot be assessable: assessable nodes are controls",
            );
            return None;
        }
        let parts = self.array(map, path, "parts");
        let mut texts = Texts::default();
        for (i, part) in parts.iter().enumerate() {
            self.part(part, &format!("{path}.parts[{i}]"), params, &mut texts);
        }
        let description = texts
            .statement
            .or(texts.overview)
            .or_else(|| assessable.then(|| title.clone()));
        let articles = props
            .iter()
            .filter(|p| p.name == "article" && p.ns.as_deref() == Some(NS))
            .map(|p| p.value.clone())
            .collect();
        Some(Item {
            node: Node {
                ref_,
                parent: parent.map(str::to_owned),
                title,
                kind,
                assessable,
                description,
                guidance: texts.guidance,
                evidence: texts.evidence,
                articles,
            },
            path: path.to_owned(),
            sort_id: find("sort-id", false),
        })
    }

    fn part(&mut self, value: &Value, path: &str, params: &Params, texts: &mut Texts) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        let Some(name) = self.required_text(map, path, "name") else {
            return;
        };
        match name.as_str() {
            "statement" if texts.statement.is_none() => {
                texts.statement = self.prose(map, path, params, 0);
            }
            "overview" if texts.overview.is_none() => {
                texts.overview = self.prose(map, path, params, 0);
            }
            "guidance" if texts.guidance.is_none() => {
                texts.guidance = self.prose(map, path, params, 0);
            }
            "assessment-method" => {
                for (i, sub) in self.array(map, path, "parts").iter().enumerate() {
                    let sub_path = format!("{path}.parts[{i}]");
                    let Some(sub_map) = self.object(sub, &sub_path) else {
                        continue;
                    };
                    if sub_map.get("name").and_then(Value::as_str) == Some("assessment-objects")
                        && let Some(text) = self.prose(sub_map, &sub_path, params, 0)
                    {
                        texts.evidence.push(text);
                    }
                }
            }
            _ => {}
        }
    }

    /// A part's prose followed by its sub-parts (the lettered items of a NIST statement),
    /// one per line, indented by level and led by their label.
    fn prose(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        params: &Params,
        level: usize,
    ) -> Option<String> {
        let mut lines = Vec::new();
        if let Some(text) = self.text(map, path, "prose") {
            lines.push(fill_params(&text, params));
        }
        for (i, sub) in self.array(map, path, "parts").iter().enumerate() {
            let sub_path = format!("{path}.parts[{i}]");
            let Some(sub_map) = self.object(sub, &sub_path) else {
                continue;
            };
            let label = self
                .props(sub_map, &sub_path)
                .into_iter()
                .find(|p| p.name == "label")
                .map(|p| format!("{} ", p.value))
                .unwrap_or_default();
            if let Some(text) = self.prose(sub_map, &sub_path, params, level + 1) {
                lines.push(format!("{}{label}{text}", "  ".repeat(level)));
            }
        }
        Some(lines.join("\n")).filter(|t| !t.trim().is_empty())
    }

    /// Records each param's label (or id) by id; returns how many there were.
    fn params(&mut self, map: &Map<String, Value>, path: &str, into: &mut Params) -> usize {
        let list = self.array(map, path, "params");
        for param in list.iter().filter_map(Value::as_object) {
            if let Some(id) = param.get("id").and_then(Value::as_str) {
                let label = param
                    .get("label")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_owned();
                into.insert(id.to_owned(), label);
            }
        }
        list.len()
    }

    fn props(&mut self, map: &Map<String, Value>, path: &str) -> Vec<Prop> {
        let mut out = Vec::new();
        for (i, value) in self.array(map, path, "props").iter().enumerate() {
            let prop_path = format!("{path}.props[{i}]");
            let Some(prop) = self.object(value, &prop_path) else {
                continue;
            };
            let name = self.required_text(prop, &prop_path, "name");
            let value = self.required_text(prop, &prop_path, "value");
            let ns = self.text(prop, &prop_path, "ns");
            if let (Some(name), Some(value)) = (name, value) {
                out.push(Prop { name, ns, value });
            }
        }
        out
    }
}

#[derive(Default)]
struct Texts {
    statement: Option<String>,
    overview: Option<String>,
    guidance: Option<String>,
    evidence: Vec<String>,
}

struct Prop {
    name: String,
    ns: Option<String>,
    value: String,
}

/// `{{ insert: param, ac-1_prm_1 }}` → `[Assignment: organization-defined personnel]`.
fn fill_params(text: &str, params: &Params) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let inner = rest[start + 2..start + len].trim();
        out.push_str(&rest[..start]);
        match inner
            .strip_prefix("insert:")
            .and_then(|i| i.trim().strip_prefix("param,"))
        {
            Some(id) => {
                let id = id.trim();
                let label = params.get(id).map_or(id, String::as_str);
                out.push_str(&format!("[Assignment: {label}]"));
            }
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Nodes in file order. Our catalogs carry each node's position as its `sort-id`; when
/// every node has a distinct one, sorting by it restores the order, unless that would put
/// a child before its parent. Otherwise the catalog's own order (depth first) is kept.
fn order(items: Vec<Item>) -> (Vec<Node>, Vec<String>) {
    let mut items = items;
    let keys: Option<Vec<&str>> = items.iter().map(|i| i.sort_id.as_deref()).collect();
    let distinct = keys
        .as_ref()
        .is_some_and(|k| k.iter().collect::<HashSet<_>>().len() == k.len());
    if distinct {
        let mut sorted: Vec<usize> = (0..items.len()).collect();
        sorted.sort_by(|&a, &b| items[a].sort_id.cmp(&items[b].sort_id));
        let mut seen = HashSet::new();
        let parents_first = sorted.iter().all(|&i| {
            let ok = items[i]
                .node
                .parent
                .as_ref()
                .is_none_or(|p| seen.contains(p.as_str()));
            seen.insert(items[i].node.ref_.as_str());
            ok
        });
        if parents_first {
            let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
            items = sorted.iter().filter_map(|&i| slots[i].take()).collect();
        }
    }
    items.into_iter().map(|i| (i.node, i.path)).unzip()
}

/// A framework id from a file name or title: lower-case, other characters as `-`, at most
/// 64 characters.
fn id_from(text: &str) -> String {
    let id: String = text
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-') => c,
            _ => '-',
        })
        .collect();
    let id = id.trim_matches(['.', '-']);
    let mut out = String::new();
    for c in id.chars().take(64) {
        // Runs of replaced characters read better as one dash.
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_end_matches(['.', '-']).to_owned()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

//! Turns a YAML tree into a [`Framework`] or [`Crosswalk`], reporting every problem of the
//! file on the way: unknown and missing keys, wrong types, bad enum values, then the rules
//! of one file (unique refs, parents defined earlier, depth, lengths).
//!
//! Decoding never stops at the first fault: a faulty field gets a placeholder value so the
//! remaining checks still run, and the caller throws the value away when any problem was
//! reported. The rules that need other files (crosswalk references, duplicate ids) are in
//! `load.rs`; the rules of one file are checked on the typed values (`check_*`) so that the
//! CISO Assistant import, which builds the same values from another shape, shares them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::model::{Crosswalk, Framework, Mapping, Node, NodeKind, Relation};
use crate::problem::Problem;
use crate::yaml::{Kind, ScalarType, Value, resolve};

pub const FRAMEWORK_FORMAT: &str = "aims-framework/1";
pub const CROSSWALK_FORMAT: &str = "aims-crosswalk/1";
/// Longest text field, in characters.
pub const MAX_TEXT: usize = 20_000;
/// Most nodes in one framework.
pub const MAX_NODES: usize = 5_000;
/// Most levels from a root to a leaf (a root is level 1).
pub const MAX_DEPTH: usize = 12;

/// Where each field of a decoded value sits, by field path (`nodes[3].parent`), so that
/// checks on typed values can still point at a line.
#[derive(Debug, Default, Clone)]
pub struct Lines(HashMap<String, usize>);

impl Lines {
    pub fn set(&mut self, path: &str, line: usize) {
        self.0.insert(path.to_owned(), line);
    }

    pub fn has(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }

    /// The line of a field, else of the nearest enclosing value that has one.
    pub fn at(&self, path: &str) -> usize {
        let mut path = path;
        loop {
            if let Some(line) = self.0.get(path) {
                return *line;
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => return self.0.get("").copied().unwrap_or(1),
            }
        }
    }
}

/// A framework as decoded from one file, with the lines of its fields.
#[derive(Debug, Clone)]
pub struct FrameworkDoc {
    pub framework: Framework,
    pub lines: Lines,
}

/// A crosswalk as decoded from one file, with the lines of its fields.
#[derive(Debug, Clone)]
pub struct CrosswalkDoc {
    pub crosswalk: Crosswalk,
    pub lines: Lines,
}

/// Collects the problems of one file.
pub struct Ctx<'a> {
    pub file: &'a Path,
    pub problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a Path) -> Ctx<'a> {
        Ctx {
            file,
            problems: Vec::new(),
        }
    }

    pub fn report(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line: Some(line),
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: message.into(),
        });
    }
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// "a string", "a list"…: what a value is, for "expected X, found Y".
pub fn describe(value: &Value) -> &'static str {
    match &value.kind {
        Kind::Scalar { text, plain } => resolve(text, *plain).name(),
        Kind::Seq(_) => "a list",
        Kind::Map(_) => "a mapping",
    }
}

/// The entries of a mapping by key, after reporting duplicate, unknown and missing keys.
/// `None` (with a problem) when the value is not a mapping at all.
pub fn mapping<'v>(
    ctx: &mut Ctx<'_>,
    value: &'v Value,
    path: &str,
    allowed: &[&str],
    required: &[&str],
    lines: &mut Lines,
) -> Option<BTreeMap<&'v str, &'v Value>> {
    let Kind::Map(entries) = &value.kind else {
        ctx.report(
            value.line,
            path,
            format!("expected a mapping, found {}", describe(value)),
        );
        return None;
    };
    lines.set(path, value.line);
    let mut out: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut key_lines: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, item) in entries {
        let field = join(path, &key.text);
        if !allowed.contains(&key.text.as_str()) {
            ctx.report(
                key.line,
                &field,
                format!("unknown key; allowed keys: {}", allowed.join(", ")),
            );
            continue;
        }
        if let Some(first) = key_lines.get(key.text.as_str()) {
            ctx.report(
                key.line,
                &field,
                format!("duplicate key (first on line {first})"),
            );
            continue;
        }
        key_lines.insert(&key.text, key.line);
        lines.set(&field, item.line);
        out.insert(&key.text, item);
    }
    for key in required {
        if !out.contains_key(key) {
            ctx.report(value.line, &join(path, key), "missing required key");
        }
    }
    Some(out)
}

/// A string field; a quoted-looking value is not guessed into a string: `version: 2023` is an
/// integer in YAML and reported so, with the fix.
pub fn string(ctx: &mut Ctx<'_>, value: &Value, path: &str) -> Option<String> {
    match &value.kind {
        Kind::Scalar { text, plain } => match resolve(text, *plain) {
            ScalarType::Str => {
                if text.trim().is_empty() {
                    ctx.report(value.line, path, "must not be empty");
                    None
                } else {
                    Some(text.clone())
                }
            }
            ScalarType::Int | ScalarType::Float | ScalarType::Bool(_) => {
                ctx.report(
                    value.line,
                    path,
                    format!(
                        "expected a string, found {}; quote it: \"{text}\"",
                        resolve(text, *plain).name()
                    ),
                );
                None
            }
            ScalarType::Null => {
                ctx.report(value.line, path, "expected a string, found nothing");
                None
            }
        },
        _ => {
            ctx.report(
                value.line,
                path,
                format!("expected a string, found {}", describe(value)),
            );
            None
        }
    }
}

pub fn boolean(ctx: &mut Ctx<'_>, value: &Value, path: &str) -> Option<bool> {
    if let Kind::Scalar { text, plain } = &value.kind
        && let ScalarType::Bool(b) = resolve(text, *plain)
    {
        return Some(b);
    }
    ctx.report(
        value.line,
        path,
        format!("expected true or false, found {}", describe(value)),
    );
    None
}

pub fn list<'v>(ctx: &mut Ctx<'_>, value: &'v Value, path: &str) -> Option<&'v [Value]> {
    match &value.kind {
        Kind::Seq(items) => Some(items),
        _ => {
            ctx.report(
                value.line,
                path,
                format!("expected a list, found {}", describe(value)),
            );
            None
        }
    }
}

pub fn string_list(ctx: &mut Ctx<'_>, value: &Value, path: &str, lines: &mut Lines) -> Vec<String> {
    let mut out = Vec::new();
    for (i, item) in list(ctx, value, path)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let field = format!("{path}[{i}]");
        lines.set(&field, item.line);
        if let Some(text) = string(ctx, item, &field) {
            out.push(text);
        }
    }
    out
}

/// An integer field (decimal, `0x` hex or `0o` octal, as YAML 1.2 reads them), within `i64`.
pub fn integer(ctx: &mut Ctx<'_>, value: &Value, path: &str) -> Option<i64> {
    if let Kind::Scalar { text, plain } = &value.kind
        && resolve(text, *plain) == ScalarType::Int
    {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let parsed = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16)
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8)
        } else {
            digits.parse::<i64>()
        };
        return match parsed {
            Ok(n) => Some(if negative { -n } else { n }),
            Err(_) => {
                ctx.report(value.line, path, format!("`{text}` is too large"));
                None
            }
        };
    }
    ctx.report(
        value.line,
        path,
        format!("expected an integer, found {}", describe(value)),
    );
    None
}

/// Reads the `format` key that says what a file is.
pub fn format_of(value: &Value) -> Option<&str> {
    let Kind::Map(entries) = &value.kind else {
        return None;
    };
    entries.iter().find_map(|(k, v)| match (&*k.text, &v.kind) {
        ("format", Kind::Scalar { text, .. }) => Some(text.as_str()),
        _ => None,
    })
}

const FRAMEWORK_KEYS: &[&str] = &[
    "format",
    "id",
    "name",
    "short_name",
    "version",
    "publisher",
    "url",
    "description",
    "nodes",
];
const FRAMEWORK_REQUIRED: &[&str] = &[
    "format",
    "id",
    "name",
    "short_name",
    "version",
    "publisher",
    "description",
    "nodes",
];
const NODE_KEYS: &[&str] = &[
    "ref",
    "parent",
    "title",
    "kind",
    "assessable",
    "description",
    "guidance",
    "evidence",
    "articles",
];
const NODE_REQUIRED: &[&str] = &["ref", "title", "kind", "assessable"];

/// Decodes a framework file; the rules of one file are checked too.
pub fn framework(ctx: &mut Ctx<'_>, root: &Value) -> FrameworkDoc {
    let mut lines = Lines::default();
    lines.set("", root.line);
    let fields = mapping(
        ctx,
        root,
        "",
        FRAMEWORK_KEYS,
        FRAMEWORK_REQUIRED,
        &mut lines,
    )
    .unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, key))
            .unwrap_or_default()
    };
    let _format = text(ctx, "format");
    let id = text(ctx, "id");
    let name = text(ctx, "name");
    let short_name = text(ctx, "short_name");
    let version = text(ctx, "version");
    let publisher = text(ctx, "publisher");
    let url = fields.get("url").and_then(|v| string(ctx, v, "url"));
    let description = text(ctx, "description");
    let mut nodes = Vec::new();
    if let Some(value) = fields.get("nodes") {
        for (i, item) in list(ctx, value, "nodes")
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            nodes.push(node(ctx, item, &format!("nodes[{i}]"), &mut lines));
        }
    }
    let doc = FrameworkDoc {
        framework: Framework {
            id,
            name,
            short_name,
            version,
            publisher,
            url,
            description,
            nodes,
        },
        lines,
    };
    check_framework(ctx, &doc);
    doc
}

fn node(ctx: &mut Ctx<'_>, value: &Value, path: &str, lines: &mut Lines) -> Node {
    let fields = mapping(ctx, value, path, NODE_KEYS, NODE_REQUIRED, lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
    };
    let ref_ = text(ctx, "ref").unwrap_or_default();
    let parent = text(ctx, "parent");
    let title = text(ctx, "title").unwrap_or_default();
    let description = text(ctx, "description");
    let guidance = text(ctx, "guidance");
    let kind = fields
        .get("kind")
        .and_then(|v| {
            let field = join(path, "kind");
            let name = string(ctx, v, &field)?;
            let kind = NodeKind::parse(&name);
            if kind.is_none() {
                ctx.report(
                    v.line,
                    &field,
                    format!("unknown kind `{name}`; allowed: {}", NodeKind::allowed()),
                );
            }
            kind
        })
        .unwrap_or(NodeKind::Clause);
    let assessable = fields
        .get("assessable")
        .and_then(|v| boolean(ctx, v, &join(path, "assessable")))
        .unwrap_or(false);
    let evidence = fields
        .get("evidence")
        .map(|v| string_list(ctx, v, &join(path, "evidence"), lines))
        .unwrap_or_default();
    let articles = fields
        .get("articles")
        .map(|v| string_list(ctx, v, &join(path, "articles"), lines))
        .unwrap_or_default();
    Node {
        ref_,
        parent,
        title,
        kind,
        assessable,
        description,
        guidance,
        evidence,
        articles,
    }
}

/// `[a-z0-9][a-z0-9.-]*`: ids appear in URLs and file names.
pub fn valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'))
}

pub fn check_id(ctx: &mut Ctx<'_>, id: &str, lines: &Lines) {
    check_id_at(ctx, lines, "id", id);
}

/// [`valid_id`] for any field that holds an id: a question id, an option value, a level.
pub fn check_id_at(ctx: &mut Ctx<'_>, lines: &Lines, path: &str, id: &str) {
    if !id.is_empty() && !valid_id(id) {
        ctx.report(
            lines.at(path),
            path,
            format!(
                "`{id}` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit"
            ),
        );
    }
}

pub fn check_length(ctx: &mut Ctx<'_>, lines: &Lines, path: &str, text: &str) {
    let chars = text.chars().count();
    if chars > MAX_TEXT {
        ctx.report(
            lines.at(path),
            path,
            format!("is {chars} characters long; at most {MAX_TEXT} are allowed"),
        );
    }
}

/// The rules of one framework file that go beyond each field's own shape.
pub fn check_framework(ctx: &mut Ctx<'_>, doc: &FrameworkDoc) {
    let fw = &doc.framework;
    let lines = &doc.lines;
    check_id(ctx, &fw.id, lines);
    for (key, text) in [
        ("name", &fw.name),
        ("short_name", &fw.short_name),
        ("version", &fw.version),
        ("publisher", &fw.publisher),
        ("description", &fw.description),
    ] {
        check_length(ctx, lines, key, text);
    }
    if let Some(url) = &fw.url {
        check_length(ctx, lines, "url", url);
    }
    if fw.nodes.is_empty() && lines.has("nodes") {
        ctx.report(lines.at("nodes"), "nodes", "must list at least one node");
    }
    if fw.nodes.len() > MAX_NODES {
        ctx.report(
            lines.at("nodes"),
            "nodes",
            format!("{} nodes; at most {MAX_NODES} are allowed", fw.nodes.len()),
        );
        // The checks below are quadratic in the worst case; stop here.
        return;
    }
    // ref → (position, depth); filled in file order so that "defined earlier" is simply
    // "already in the map".
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    let all: HashMap<&str, usize> = fw
        .nodes
        .iter()
        .enumerate()
        .rev()
        .map(|(i, n)| (n.ref_.as_str(), i))
        .collect();
    for (i, node) in fw.nodes.iter().enumerate() {
        let path = format!("nodes[{i}]");
        for (key, text) in [("ref", Some(&node.ref_)), ("title", Some(&node.title))]
            .into_iter()
            .chain([
                ("description", node.description.as_ref()),
                ("guidance", node.guidance.as_ref()),
            ])
        {
            if let Some(text) = text {
                check_length(ctx, lines, &join(&path, key), text);
            }
        }
        for (key, items) in [("evidence", &node.evidence), ("articles", &node.articles)] {
            for (j, text) in items.iter().enumerate() {
                check_length(ctx, lines, &format!("{path}.{key}[{j}]"), text);
            }
        }
        if node.assessable && node.description.is_none() && lines.has(&format!("{path}.assessable"))
        {
            ctx.report(
                lines.at(&path),
                &join(&path, "description"),
                "missing; required because the node is assessable",
            );
        }
        let depth = match node.parent.as_deref() {
            None => 1,
            Some(parent) => {
                let field = join(&path, "parent");
                match seen.get(parent) {
                    Some((_, depth)) => depth + 1,
                    None => {
                        let message = if parent == node.ref_ {
                            "a node cannot be its own parent".to_owned()
                        } else if let Some(&later) = all.get(parent) {
                            if let Some(cycle) = cycle(fw, i, later) {
                                format!("parent `{parent}` makes a cycle: {cycle}")
                            } else {
                                format!(
                                    "parent `{parent}` is defined later (nodes[{later}], line {}); parents must come before their children",
                                    lines.at(&format!("nodes[{later}]"))
                                )
                            }
                        } else {
                            format!("parent `{parent}` is not a ref of this framework")
                        };
                        ctx.report(lines.at(&field), &field, message);
                        // Count it as a root so one bad parent does not cascade.
                        1
                    }
                }
            }
        };
        if depth == MAX_DEPTH + 1 {
            ctx.report(
                lines.at(&path),
                &path,
                format!(
                    "node `{}` is {depth} levels deep; at most {MAX_DEPTH} are allowed",
                    node.ref_
                ),
            );
        }
        if node.ref_.is_empty() {
            continue;
        }
        if let Some((first, _)) = seen.get(node.ref_.as_str()) {
            let field = join(&path, "ref");
            ctx.report(
                lines.at(&field),
                &field,
                format!(
                    "duplicate ref `{}` (first defined at nodes[{first}], line {})",
                    node.ref_,
                    lines.at(&format!("nodes[{first}]"))
                ),
            );
        } else {
            seen.insert(&node.ref_, (i, depth));
        }
    }
}

/// When following parents from node `later` comes back to node `start`, the chain as
/// "A → B → A".
fn cycle(fw: &Framework, start: usize, later: usize) -> Option<String> {
    let mut chain = vec![fw.nodes[start].ref_.as_str()];
    let mut current = later;
    // Each step visits a distinct node or fails, so the node count bounds the walk.
    for _ in 0..fw.nodes.len() {
        let node = &fw.nodes[current];
        chain.push(&node.ref_);
        if current == start {
            return Some(chain.join(" → "));
        }
        let parent = node.parent.as_deref()?;
        current = fw.nodes.iter().position(|n| n.ref_ == parent)?;
    }
    None
}

const CROSSWALK_KEYS: &[&str] = &[
    "format",
    "id",
    "name",
    "source",
    "target",
    "description",
    "mappings",
];
const MAPPING_KEYS: &[&str] = &["source", "target", "relation", "rationale"];
const MAPPING_REQUIRED: &[&str] = &["source", "target", "relation"];

/// Decodes a crosswalk file; the rules of one file are checked too.
pub fn crosswalk(ctx: &mut Ctx<'_>, root: &Value) -> CrosswalkDoc {
    let mut lines = Lines::default();
    lines.set("", root.line);
    let fields =
        mapping(ctx, root, "", CROSSWALK_KEYS, CROSSWALK_KEYS, &mut lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, key))
            .unwrap_or_default()
    };
    let _format = text(ctx, "format");
    let id = text(ctx, "id");
    let name = text(ctx, "name");
    let source = text(ctx, "source");
    let target = text(ctx, "target");
    let description = text(ctx, "description");
    let mut mappings = Vec::new();
    if let Some(value) = fields.get("mappings") {
        for (i, item) in list(ctx, value, "mappings")
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("mappings[{i}]");
            let fields = mapping(ctx, item, &path, MAPPING_KEYS, MAPPING_REQUIRED, &mut lines)
                .unwrap_or_default();
            let text = |ctx: &mut Ctx<'_>, key: &str| {
                fields
                    .get(key)
                    .and_then(|v| string(ctx, v, &join(&path, key)))
            };
            let source = text(ctx, "source").unwrap_or_default();
            let target = text(ctx, "target").unwrap_or_default();
            let rationale = text(ctx, "rationale");
            let relation = fields
                .get("relation")
                .and_then(|v| {
                    let field = join(&path, "relation");
                    let name = string(ctx, v, &field)?;
                    let relation = Relation::parse(&name);
                    if relation.is_none() {
                        ctx.report(
                            v.line,
                            &field,
                            format!(
                                "unknown relation `{name}`; allowed: {}",
                                Relation::allowed()
                            ),
                        );
                    }
                    relation
                })
                .unwrap_or(Relation::Related);
            mappings.push(Mapping {
                source,
                target,
                relation,
                rationale,
            });
        }
    }
    let doc = CrosswalkDoc {
        crosswalk: Crosswalk {
            id,
            name,
            source,
            target,
            description,
            mappings,
        },
        lines,
    };
    check_crosswalk(ctx, &doc);
    doc
}

/// The rules of one crosswalk file that go beyond each field's own shape.
pub fn check_crosswalk(ctx: &mut Ctx<'_>, doc: &CrosswalkDoc) {
    let cw = &doc.crosswalk;
    let lines = &doc.lines;
    check_id(ctx, &cw.id, lines);
    for (key, text) in [("name", &cw.name), ("description", &cw.description)] {
        check_length(ctx, lines, key, text);
    }
    if cw.mappings.is_empty() && lines.has("mappings") {
        ctx.report(
            lines.at("mappings"),
            "mappings",
            "must list at least one mapping",
        );
    }
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, m) in cw.mappings.iter().enumerate() {
        let path = format!("mappings[{i}]");
        if let Some(rationale) = &m.rationale {
            check_length(ctx, lines, &join(&path, "rationale"), rationale);
        }
        if m.source.is_empty() || m.target.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(&(m.source.as_str(), m.target.as_str())) {
            ctx.report(
                lines.at(&path),
                &path,
                format!(
                    "duplicate mapping `{}` → `{}` (first at mappings[{first}], line {})",
                    m.source,
                    m.target,
                    lines.at(&format!("mappings[{first}]"))
                ),
            );
        } else {
            seen.insert((&m.source, &m.target), i);
        }
    }
}

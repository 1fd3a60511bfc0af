//! A framework as an OSCAL catalog. The mapping is described in `docs/library-format.md`
//! ("OSCAL"); [`super::import`] reads it back, and a test checks that every bundled
//! framework survives the round trip unchanged.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ids::{self, GUIDANCE, METHOD, NS, OBJECTIVE, OVERVIEW, STATEMENT};
use super::{LAST_MODIFIED, OSCAL_VERSION};
use crate::model::{Framework, Node};

/// The role of the party that published the framework.
pub(crate) const PUBLISHER_ROLE: &str = "publisher";
/// The link relation of the framework's own web page.
pub(crate) const URL_REL: &str = "reference";

/// The catalog's UUID: derived from the framework's id and version only, so a new export of
/// the same framework version keeps it.
pub fn catalog_uuid(fw: &Framework) -> uuid::Uuid {
    ids::uuid(&["catalog", &fw.id, &fw.version])
}

/// The framework as an OSCAL 1.2 catalog (`{"catalog": {…}}`).
///
/// Non-assessable nodes become groups and assessable ones controls, except where OSCAL
/// forbids a group (in a control, or beside a control in a group): there a non-assessable
/// node is a control whose `assessable` prop says `false`.
/// Only nodes reachable from a root are written: the loader guarantees they all are.
pub fn catalog(fw: &Framework) -> Value {
    let ids = ids::node_ids(fw);
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, node) in fw.nodes.iter().enumerate() {
        match &node.parent {
            Some(parent) => children.entry(parent.as_str()).or_default().push(i),
            None => roots.push(i),
        }
    }
    let writer = Writer {
        fw,
        ids: &ids,
        children: &children,
    };
    let mut catalog = Map::new();
    catalog.insert("uuid".into(), json!(catalog_uuid(fw)));
    catalog.insert("metadata".into(), metadata(fw));
    writer.members(&mut catalog, &roots, Level::Catalog);
    json!({ "catalog": catalog })
}

fn metadata(fw: &Framework) -> Value {
    let party = ids::uuid(&["party", &fw.id, &fw.version, PUBLISHER_ROLE]);
    let mut metadata = json!({
        "title": one_line(&fw.name),
        "last-modified": LAST_MODIFIED,
        "version": one_line(&fw.version),
        "oscal-version": OSCAL_VERSION,
        "props": [
            ns_prop("framework-id", &fw.id),
            ns_prop("short-name", &fw.short_name),
        ],
        "roles": [{ "id": PUBLISHER_ROLE, "title": "Publisher" }],
        "parties": [{ "uuid": party, "type": "organization", "name": one_line(&fw.publisher) }],
        "responsible-parties": [{ "role-id": PUBLISHER_ROLE, "party-uuids": [party] }],
        "remarks": fw.description,
    });
    if let Some(url) = &fw.url {
        metadata["links"] = json!([{ "href": url, "rel": URL_REL }]);
    }
    metadata
}

pub(crate) fn ns_prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": one_line(value) })
}

/// OSCAL titles and prop values are single lines without surrounding spaces. Library text
/// rarely breaks that rule; when it does, a valid document matters more than keeping the
/// line breaks.
pub(crate) fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r']) || text.trim() != text {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text.to_owned()
    }
}

/// What the nodes being written sit in.
#[derive(Clone, Copy)]
enum Level {
    Catalog,
    Group,
    Control,
}

struct Writer<'a> {
    fw: &'a Framework,
    ids: &'a [String],
    children: &'a HashMap<&'a str, Vec<usize>>,
}

impl Writer<'_> {
    /// Adds `groups` and `controls` for these nodes to a catalog, group or control. Their
    /// order among siblings is kept by the `sort-id` props, since OSCAL lists groups and
    /// controls apart.
    ///
    /// A group holds either groups or controls, never both, while a catalog may hold both:
    /// below the catalog, a non-assessable node whose siblings include a control becomes a
    /// control too (ISO/IEC 42001 6.1 beside 6.2).
    fn members(&self, into: &mut Map<String, Value>, nodes: &[usize], level: Level) {
        let all_controls = match level {
            Level::Catalog => false,
            Level::Group => nodes.iter().any(|&i| self.fw.nodes[i].assessable),
            Level::Control => true,
        };
        let (mut groups, mut controls) = (Vec::new(), Vec::new());
        for &i in nodes {
            let node = &self.fw.nodes[i];
            if node.assessable || all_controls {
                controls.push(self.control(i));
            } else {
                groups.push(self.group(i));
            }
        }
        if !groups.is_empty() {
            into.insert("groups".into(), Value::Array(groups));
        }
        if !controls.is_empty() {
            into.insert("controls".into(), Value::Array(controls));
        }
    }

    fn kids(&self, i: usize) -> &[usize] {
        self.children
            .get(self.fw.nodes[i].ref_.as_str())
            .map_or(&[], Vec::as_slice)
    }

    fn group(&self, i: usize) -> Value {
        let node = &self.fw.nodes[i];
        let id = &self.ids[i];
        let mut group = self.common(i);
        let mut parts = Vec::new();
        if let Some(text) = &node.description {
            parts.push(part(id, OVERVIEW, "overview", text));
        }
        self.guidance_and_evidence(node, id, &mut parts);
        if !parts.is_empty() {
            group.insert("parts".into(), Value::Array(parts));
        }
        self.members(&mut group, self.kids(i), Level::Group);
        Value::Object(group)
    }

    fn control(&self, i: usize) -> Value {
        let node = &self.fw.nodes[i];
        let id = &self.ids[i];
        let mut control = self.common(i);
        let mut parts = Vec::new();
        if let Some(text) = &node.description {
            parts.push(part(id, STATEMENT, "statement", text));
        }
        // The anchor that assessment results point their findings at (`objective-id`).
        if node.assessable {
            parts.push(json!({ "id": format!("{id}{OBJECTIVE}"), "name": "assessment-objective" }));
        }
        self.guidance_and_evidence(node, id, &mut parts);
        if !parts.is_empty() {
            control.insert("parts".into(), Value::Array(parts));
        }
        self.members(&mut control, self.kids(i), Level::Control);
        Value::Object(control)
    }

    /// `id`, `class`, `title` and props, shared by groups and controls.
    fn common(&self, i: usize) -> Map<String, Value> {
        let node = &self.fw.nodes[i];
        let mut props = vec![
            json!({ "name": "label", "value": one_line(&node.ref_) }),
            // The position in the framework file: restores the file order on import.
            json!({ "name": "sort-id", "value": format!("{i:04}") }),
            ns_prop("kind", node.kind.as_str()),
            ns_prop("assessable", if node.assessable { "true" } else { "false" }),
        ];
        props.extend(node.articles.iter().map(|a| ns_prop("article", a)));
        let mut map = Map::new();
        map.insert("id".into(), json!(self.ids[i]));
        map.insert("class".into(), json!(node.kind.as_str()));
        map.insert("title".into(), json!(one_line(&node.title)));
        map.insert("props".into(), Value::Array(props));
        map
    }

    fn guidance_and_evidence(&self, node: &Node, id: &str, parts: &mut Vec<Value>) {
        if let Some(text) = &node.guidance {
            parts.push(part(id, GUIDANCE, "guidance", text));
        }
        if !node.evidence.is_empty() {
            // One `assessment-objects` part per item keeps the items apart (a single prose
            // list could not be split back reliably).
            let objects: Vec<Value> = node
                .evidence
                .iter()
                .map(|e| json!({ "name": "assessment-objects", "prose": e }))
                .collect();
            parts.push(json!({
                "id": format!("{id}{METHOD}"),
                "name": "assessment-method",
                "props": [{ "name": "method", "value": "EXAMINE" }],
                "parts": objects,
            }));
        }
    }
}

fn part(id: &str, suffix: &str, name: &str, prose: &str) -> Value {
    json!({ "id": format!("{id}{suffix}"), "name": name, "prose": prose })
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn titles_and_values_become_single_lines_only_when_needed() {
        assert_eq!(one_line("A.6.2.4"), "A.6.2.4");
        assert_eq!(one_line("Two  spaces kept"), "Two  spaces kept");
        assert_eq!(one_line("Broken\n title "), "Broken title");
    }
}

//! Every kind of problem the validator reports, pinned with its exact
//! `file:line: field: message` so that wording changes are deliberate.

use std::path::PathBuf;

use aims_library::{Source, load_layers, validate};

fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let sources = files
        .iter()
        .map(|(path, text)| Source {
            path: PathBuf::from(path),
            text: (*text).to_owned(),
        })
        .collect();
    match load_layers(&[sources]) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

fn assert_problems(files: &[(&str, &str)], expected: &[&str]) {
    let found = problems(files);
    assert_eq!(found, expected, "\nfound:\n{}\n", found.join("\n"));
}

const HEADER: &str = "format: aims-framework/1
id: demo
name: Demo
short_name: Demo
version: \"1\"
publisher: Example
description: Demo.
";

fn framework(nodes: &str) -> String {
    format!("{HEADER}nodes:\n{nodes}")
}

#[test]
fn unknown_missing_and_wrongly_typed_keys() {
    let text = "format: aims-framework/1
id: Demo_1
name: Demo
version: 2023
publisher: [Example]
description: Demo.
colour: blue
nodes:
  - ref: 4.1
    title: Context
    kind: clause
    assessable: yes
    evidence: one
  - ref: \"5\"
    title: \"\"
    kind: clause
    assessable: false
    assessable: true
";
    assert_problems(
        &[("f.yaml", text)],
        &[
            "f.yaml:1: short_name: missing required key",
            "f.yaml:2: id: `Demo_1` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "f.yaml:4: version: expected a string, found an integer; quote it: \"2023\"",
            "f.yaml:5: publisher: expected a string, found a list",
            "f.yaml:7: colour: unknown key; allowed keys: format, id, name, short_name, version, publisher, url, description, nodes",
            "f.yaml:9: nodes[0].ref: expected a string, found a number; quote it: \"4.1\"",
            "f.yaml:12: nodes[0].assessable: expected true or false, found a string",
            "f.yaml:13: nodes[0].evidence: expected a list, found a string",
            "f.yaml:15: nodes[1].title: must not be empty",
            "f.yaml:18: nodes[1].assessable: duplicate key (first on line 17)",
        ],
    );
}

#[test]
fn bad_enum_values_list_the_allowed_ones() {
    let text = framework(
        "  - ref: \"1\"
    title: One
    kind: chapter
    assessable: false
",
    );
    assert_problems(
        &[("f.yaml", &text)],
        &[
            "f.yaml:11: nodes[0].kind: unknown kind `chapter`; allowed: clause, requirement, objective, control, function, category, subcategory, tier, obligation",
        ],
    );
    let text = "format: aims-framework/2\nid: x\n";
    assert_problems(
        &[("f.yaml", text)],
        &[
            "f.yaml:1: format: unknown format `aims-framework/2`; allowed: aims-framework/1, aims-crosswalk/1, aims-risk-sources/1, aims-assessment-template/1",
        ],
    );
    assert_problems(
        &[("f.yaml", "id: x\n")],
        &[
            "f.yaml:1: format: missing required key; every library file starts with `format:` and one of: aims-framework/1, aims-crosswalk/1, aims-risk-sources/1, aims-assessment-template/1",
        ],
    );
    assert_problems(
        &[("f.yaml", "- a\n- b\n")],
        &["f.yaml:1: expected a mapping, found a list"],
    );
}

#[test]
fn assessable_nodes_need_a_description() {
    let text = framework(
        "  - ref: \"1\"
    title: One
    kind: requirement
    assessable: true
",
    );
    assert_problems(
        &[("f.yaml", &text)],
        &["f.yaml:9: nodes[0].description: missing; required because the node is assessable"],
    );
}

#[test]
fn duplicate_refs_and_bad_parents() {
    let text = framework(
        "  - ref: \"1\"
    title: One
    kind: clause
    assessable: false
  - ref: \"1\"
    title: One again
    kind: clause
    assessable: false
  - ref: \"2\"
    parent: \"3\"
    title: Two
    kind: clause
    assessable: false
  - ref: \"3\"
    title: Three
    kind: clause
    assessable: false
  - ref: \"4\"
    parent: \"9\"
    title: Four
    kind: clause
    assessable: false
  - ref: \"5\"
    parent: \"5\"
    title: Five
    kind: clause
    assessable: false
",
    );
    assert_problems(
        &[("f.yaml", &text)],
        &[
            "f.yaml:13: nodes[1].ref: duplicate ref `1` (first defined at nodes[0], line 9)",
            "f.yaml:18: nodes[2].parent: parent `3` is defined later (nodes[3], line 22); parents must come before their children",
            "f.yaml:27: nodes[4].parent: parent `9` is not a ref of this framework",
            "f.yaml:32: nodes[5].parent: a node cannot be its own parent",
        ],
    );
}

#[test]
fn parent_cycles_are_named() {
    let text = framework(
        "  - ref: a
    parent: c
    title: A
    kind: clause
    assessable: false
  - ref: b
    parent: a
    title: B
    kind: clause
    assessable: false
  - ref: c
    parent: b
    title: C
    kind: clause
    assessable: false
",
    );
    assert_problems(
        &[("f.yaml", &text)],
        &["f.yaml:10: nodes[0].parent: parent `c` makes a cycle: a → c → b → a"],
    );
}

#[test]
fn nodes_deeper_than_twelve_levels() {
    let mut nodes = String::new();
    for level in 1..=14 {
        nodes.push_str(&format!("  - ref: n{level}\n"));
        if level > 1 {
            nodes.push_str(&format!("    parent: n{}\n", level - 1));
        }
        nodes.push_str("    title: Level\n    kind: clause\n    assessable: false\n");
    }
    let found = problems(&[("f.yaml", &framework(&nodes))]);
    assert_eq!(
        found,
        ["f.yaml:68: nodes[12]: node `n13` is 13 levels deep; at most 12 are allowed"]
    );
}

#[test]
fn empty_node_lists_and_long_texts() {
    assert_problems(
        &[(
            "f.yaml",
            &framework("  []\n").replace("nodes:\n  []", "nodes: []"),
        )],
        &["f.yaml:8: nodes: must list at least one node"],
    );
    let long = "x".repeat(20_001);
    let text = framework(&format!(
        "  - ref: \"1\"\n    title: {long}\n    kind: clause\n    assessable: false\n"
    ));
    assert_problems(
        &[("f.yaml", &text)],
        &["f.yaml:10: nodes[0].title: is 20001 characters long; at most 20000 are allowed"],
    );
}

#[test]
fn yaml_syntax_errors_have_a_line() {
    let found = problems(&[(
        "f.yaml",
        "format: aims-framework/1\nid: [unclosed\nname: x\n",
    )]);
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("f.yaml:"), "{found:?}");
    assert!(found[0].contains("invalid YAML"), "{found:?}");
    assert_problems(&[("f.yaml", "")], &["f.yaml: the file is empty"]);
}

const NODES: &str = "  - ref: \"1\"
    title: One
    kind: clause
    assessable: false
";

#[test]
fn crosswalk_problems() {
    let fw = framework(NODES);
    let cw = "format: aims-crosswalk/1
id: cw
name: Crosswalk
source: demo
target: nist
description: Test.
mappings:
  - source: \"1\"
    target: GOVERN
    relation: overlaps
  - source: \"9\"
    target: GOVERN
    relation: equal
    weight: 3
  - source: \"9\"
    target: GOVERN
    relation: equal
";
    assert_problems(
        &[("frameworks/demo.yaml", &fw), ("crosswalks/cw.yaml", cw)],
        &[
            "crosswalks/cw.yaml:5: target: unknown framework `nist`; known: demo",
            "crosswalks/cw.yaml:10: mappings[0].relation: unknown relation `overlaps`; allowed: equal, subset, superset, intersect, related",
            "crosswalks/cw.yaml:11: mappings[1].source: `9` is not a ref of framework `demo`",
            "crosswalks/cw.yaml:14: mappings[1].weight: unknown key; allowed keys: source, target, relation, rationale",
            "crosswalks/cw.yaml:15: mappings[2]: duplicate mapping `9` → `GOVERN` (first at mappings[1], line 11)",
            "crosswalks/cw.yaml:15: mappings[2].source: `9` is not a ref of framework `demo`",
        ],
    );
    let missing = "format: aims-crosswalk/1\nid: cw\nsource: demo\ntarget: demo\nmappings: []\n";
    assert_problems(
        &[
            ("frameworks/demo.yaml", &fw),
            ("crosswalks/cw.yaml", missing),
        ],
        &[
            "crosswalks/cw.yaml:1: name: missing required key",
            "crosswalks/cw.yaml:1: description: missing required key",
            "crosswalks/cw.yaml:5: mappings: must list at least one mapping",
        ],
    );
}

#[test]
fn duplicate_ids_across_files() {
    let fw = framework(NODES);
    let cw = "format: aims-crosswalk/1
id: cw
name: Crosswalk
source: demo
target: demo
description: Test.
mappings:
  - source: \"1\"
    target: \"1\"
    relation: equal
";
    assert_problems(
        &[
            ("frameworks/a.yaml", &fw),
            ("frameworks/b.yaml", &fw),
            ("crosswalks/a.yaml", cw),
            ("crosswalks/b.yaml", cw),
        ],
        &[
            "crosswalks/b.yaml:2: id: crosswalk id `cw` is already used by crosswalks/a.yaml:2",
            "frameworks/b.yaml:2: id: framework id `demo` is already used by frameworks/a.yaml:2",
        ],
    );
}

#[test]
fn validate_reports_file_level_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let found: Vec<String> = validate(dir.path())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [format!(
            "{}: not a library folder: it has none of frameworks/, crosswalks/, risk-sources/, templates/",
            dir.path().display()
        )]
    );
    let missing = dir.path().join("nope.yaml");
    let found: Vec<String> = validate(&missing).iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with(&format!("{}: cannot open:", missing.display())));
    let latin1 = dir.path().join("latin1.yaml");
    std::fs::write(&latin1, b"name: caf\xe9\n").expect("write");
    let found: Vec<String> = validate(&latin1).iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [format!(
            "{}: not UTF-8 text (invalid byte at offset 9)",
            latin1.display()
        )]
    );
}

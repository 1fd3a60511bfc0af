//! The loader on well-formed files: values come out as written, lookups work, layers
//! override, and a failed load leaves nothing behind.

use std::path::PathBuf;

use aims_library::{
    Document, Library, NodeKind, Relation, Source, crosswalk_to_yaml, framework_to_yaml, load_dir,
    load_file, load_layers, load_source, validate,
};

const FRAMEWORK: &str = r#"format: aims-framework/1
id: demo-1
name: Demo framework
short_name: Demo
version: "1"
publisher: Example
url: https://example.org/demo
description: A framework for tests.
nodes:
  - ref: "1"
    title: Governance
    kind: clause
    assessable: false
  - ref: "1.1"
    parent: "1"
    title: Policy
    kind: requirement
    assessable: true
    description: Have a policy.
    guidance: Write it down.
    evidence: [Policy document, Approval record]
  - ref: "1.1.a"
    parent: "1.1"
    title: Policy review
    kind: control
    assessable: true
    description: Review the policy.
    articles: ["Art. 9"]
  - ref: "2"
    title: Operations
    kind: clause
    assessable: false
"#;

const OTHER: &str = r#"format: aims-framework/1
id: other
name: Other framework
short_name: Other
version: "2"
publisher: Example
description: Another framework.
nodes:
  - ref: X
    title: Everything
    kind: function
    assessable: true
    description: All of it.
"#;

const CROSSWALK: &str = r#"format: aims-crosswalk/1
id: demo-to-other
name: Demo ↔ Other
source: demo-1
target: other
description: Test mapping.
mappings:
  - source: "1.1"
    target: X
    relation: subset
    rationale: Policy is part of everything.
  - source: "2"
    target: X
    relation: related
"#;

fn source(path: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

fn demo_library() -> Library {
    load_layers(&[vec![
        source("frameworks/demo.yaml", FRAMEWORK),
        source("frameworks/other.yaml", OTHER),
        source("crosswalks/demo-other.yaml", CROSSWALK),
    ]])
    .expect("valid library")
}

#[test]
fn loads_every_field_and_answers_lookups() {
    let library = demo_library();
    assert_eq!(library.frameworks.len(), 2);
    let demo = library.framework("demo-1").expect("demo");
    assert_eq!(demo.name, "Demo framework");
    assert_eq!(demo.url.as_deref(), Some("https://example.org/demo"));
    assert_eq!(demo.nodes.len(), 4);
    let policy = demo.node("1.1").expect("1.1");
    assert_eq!(policy.kind, NodeKind::Requirement);
    assert!(policy.assessable);
    assert_eq!(policy.evidence, ["Policy document", "Approval record"]);
    assert_eq!(policy.guidance.as_deref(), Some("Write it down."));
    assert_eq!(demo.node("1.1.a").expect("1.1.a").articles, ["Art. 9"]);
    let roots: Vec<_> = demo.roots().map(|n| n.ref_.as_str()).collect();
    assert_eq!(roots, ["1", "2"]);
    let children: Vec<_> = demo.children("1").map(|n| n.ref_.as_str()).collect();
    assert_eq!(children, ["1.1"]);
    assert_eq!(demo.depth("1.1.a"), Some(3));
    assert_eq!(demo.depth("nope"), None);
    let counts = demo.counts_by_kind();
    assert_eq!(counts[&NodeKind::Clause], 2);
    assert_eq!(counts[&NodeKind::Control], 1);
    assert_eq!(demo.assessable_count(), 2);
    assert!(library.node("other", "X").is_some());
}

#[test]
fn mappings_are_seen_from_both_sides() {
    let library = demo_library();
    let from_demo = library.mappings_for("demo-1", "1.1");
    assert_eq!(from_demo.len(), 1);
    assert_eq!(from_demo[0].other_framework, "other");
    assert_eq!(from_demo[0].other_ref, "X");
    assert_eq!(from_demo[0].relation, Relation::Subset);
    let from_other = library.mappings_for("other", "X");
    assert_eq!(from_other.len(), 2);
    assert_eq!(from_other[0].relation, Relation::Superset);
    assert_eq!(from_other[1].other_ref, "2");
    assert_eq!(
        library
            .crosswalk("demo-to-other")
            .expect("crosswalk")
            .mappings[1]
            .rationale,
        None
    );
}

#[test]
fn later_layers_override_by_id() {
    let replaced = OTHER.replace("Other framework", "Replaced framework");
    let library = load_layers(&[
        vec![
            source("frameworks/demo.yaml", FRAMEWORK),
            source("frameworks/other.yaml", OTHER),
        ],
        vec![
            source("mine/other.yaml", &replaced),
            source("mine/cw.yaml", CROSSWALK),
        ],
    ])
    .expect("valid");
    assert_eq!(library.frameworks.len(), 2);
    assert_eq!(
        library.framework("other").expect("other").name,
        "Replaced framework"
    );
    assert_eq!(library.crosswalks.len(), 1);
}

#[test]
fn crosswalk_references_are_checked_after_layers_merge() {
    // The crosswalk sits in the first layer; the framework it needs arrives later.
    let library = load_layers(&[
        vec![
            source("frameworks/demo.yaml", FRAMEWORK),
            source("crosswalks/cw.yaml", CROSSWALK),
        ],
        vec![source("mine/other.yaml", OTHER)],
    ]);
    assert!(library.is_ok(), "{library:?}");
}

#[test]
fn load_dir_and_load_file_read_the_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("frameworks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("crosswalks")).expect("mkdir");
    std::fs::write(dir.path().join("frameworks/demo.yaml"), FRAMEWORK).expect("write");
    std::fs::write(dir.path().join("frameworks/other.yml"), OTHER).expect("write");
    std::fs::write(dir.path().join("frameworks/README.md"), "not yaml").expect("write");
    std::fs::write(dir.path().join("crosswalks/cw.yaml"), CROSSWALK).expect("write");
    let library = load_dir(dir.path()).expect("valid");
    assert_eq!(library.frameworks.len(), 2);
    assert_eq!(library.crosswalks.len(), 1);
    assert!(validate(dir.path()).is_empty());
    // A single crosswalk file is validated against the frameworks beside it.
    assert!(validate(&dir.path().join("crosswalks/cw.yaml")).is_empty());
    match load_file(&dir.path().join("frameworks/demo.yaml")).expect("valid") {
        Document::Framework(fw) => assert_eq!(fw.id, "demo-1"),
        Document::Crosswalk(_) => panic!("expected a framework"),
    }
}

#[test]
fn a_failed_load_returns_nothing_and_leaves_the_old_library_alone() {
    let library = demo_library();
    let before = library.clone();
    let broken = FRAMEWORK.replace("kind: control", "kind: widget");
    let result = load_layers(&[vec![source("frameworks/demo.yaml", &broken)]]);
    assert!(result.is_err());
    assert_eq!(library, before);
}

#[test]
fn written_files_read_back_identical() {
    let library = demo_library();
    for fw in &library.frameworks {
        let text = framework_to_yaml(fw);
        match load_source(&source("x.yaml", &text)).expect("valid output") {
            Document::Framework(back) => assert_eq!(&back, fw),
            Document::Crosswalk(_) => panic!("expected a framework"),
        }
    }
    let mut tricky = library.frameworks[0].clone();
    tricky.description = "yes: no # \"quoted\" \\ *star &amp\n\ttab\u{2028}".into();
    tricky.nodes[0].title = "2023".into();
    let text = framework_to_yaml(&tricky);
    assert_eq!(
        load_source(&source("x.yaml", &text)).expect("valid output"),
        Document::Framework(tricky)
    );
    let cw = &library.crosswalks[0];
    assert_eq!(
        load_source(&source("x.yaml", &crosswalk_to_yaml(cw))).expect("valid output"),
        Document::Crosswalk(cw.clone())
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{OTHER}");
    assert!(load_source(&source("bom.yaml", &text)).is_ok());
}

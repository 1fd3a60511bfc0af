//! Import of CISO Assistant library files, on invented files in their shape
//! (`tests/fixtures/ciso-*.yaml`).

use std::path::{Path, PathBuf};

use aims_library::{
    Document, NodeKind, Relation, Source, framework_to_yaml, import_ciso, import_ciso_source,
    load_source,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn a_framework_becomes_ours() {
    let imported = import_ciso(&fixture("ciso-framework.yaml")).expect("imports");
    assert!(imported.crosswalks.is_empty());
    let [fw] = imported.frameworks.as_slice() else {
        panic!("one framework expected: {imported:?}")
    };
    assert_eq!(fw.id, "acme-rai-1");
    assert_eq!(fw.name, "Acme responsible AI baseline");
    assert_eq!(fw.short_name, "ACME-RAI-1");
    assert_eq!(fw.version, "3");
    assert_eq!(fw.publisher, "Acme");
    assert_eq!(fw.description, "Three areas, a handful of requirements.");
    let refs: Vec<_> = fw.nodes.iter().map(|n| n.ref_.as_str()).collect();
    // `2.1` is an unquoted number in the file; `node7` has no ref_id; the second `GOV.1`
    // is taken already, so the URN's last segment is used.
    assert_eq!(refs, ["GOV", "GOV.1", "2.1", "node7", "OPS", "ops.1"]);
    let gov1 = fw.node("GOV.1").expect("GOV.1");
    assert_eq!(gov1.kind, NodeKind::Requirement);
    assert!(gov1.assessable);
    assert_eq!(gov1.parent.as_deref(), Some("GOV"));
    assert_eq!(
        gov1.description.as_deref(),
        Some("Every AI system has a named owner.")
    );
    // No name: the title comes from the description.
    assert_eq!(
        fw.node("2.1").expect("2.1").title,
        "Owners review their systems twice a year."
    );
    assert_eq!(fw.node("GOV").expect("GOV").kind, NodeKind::Clause);
    // No description on an assessable node: the title stands in, so the output is valid.
    assert_eq!(
        fw.node("ops.1").expect("ops.1").description.as_deref(),
        Some("Monitoring")
    );
    assert_eq!(
        fw.node("ops.1").expect("ops.1").parent.as_deref(),
        Some("OPS")
    );
    // The converted framework is a valid file of our format.
    let text = framework_to_yaml(fw);
    let back = load_source(&Source {
        path: "out.yaml".into(),
        text,
    })
    .expect("valid");
    assert_eq!(back, Document::Framework(fw.clone()));
}

#[test]
fn a_mapping_set_becomes_a_crosswalk() {
    let imported = import_ciso(&fixture("ciso-mapping.yaml")).expect("imports");
    assert!(imported.frameworks.is_empty());
    assert_eq!(imported.dropped_not_related, 1);
    let [cw] = imported.crosswalks.as_slice() else {
        panic!("one crosswalk expected")
    };
    assert_eq!(cw.id, "acme-rai-1-to-acme-rai-2");
    assert_eq!(cw.name, "Acme 1 to 2");
    assert_eq!(
        (cw.source.as_str(), cw.target.as_str()),
        ("acme-rai-1", "acme-rai-2")
    );
    assert_eq!(cw.description, "How the first baseline maps to the second.");
    assert_eq!(cw.mappings.len(), 2);
    assert_eq!(cw.mappings[0].source, "gov.1");
    assert_eq!(cw.mappings[0].target, "own-1");
    assert_eq!(cw.mappings[0].relation, Relation::Equal);
    assert_eq!(cw.mappings[0].rationale.as_deref(), Some("syntactic"));
    assert_eq!(cw.mappings[1].relation, Relation::Superset);
}

#[test]
fn mappings_use_the_refs_of_a_framework_in_the_same_file() {
    let framework = std::fs::read_to_string(fixture("ciso-framework.yaml")).expect("read");
    let mapping = std::fs::read_to_string(fixture("ciso-mapping.yaml")).expect("read");
    let sets = &mapping[mapping.find("  requirement_mapping_sets:").expect("sets")..];
    let text = framework.replace("    reference_controls: []\n", "") + sets;
    let imported = import_ciso_source(&Source {
        path: "both.yaml".into(),
        text,
    })
    .expect("imports");
    let cw = &imported.crosswalks[0];
    assert_eq!(cw.mappings[0].source, "GOV.1");
    assert_eq!(cw.mappings[1].source, "ops.1");
}

#[test]
fn faults_point_at_lines_of_the_imported_file() {
    let text = "urn: urn:x:library:bad
name: Bad
objects:
  framework:
    urn: urn:x:framework:bad
    requirement_nodes:
    - urn: urn:x:req_node:bad:a
      ref_id: A
      name: A
    - urn: urn:x:req_node:bad:b
      parent_urn: urn:x:req_node:bad:zzz
      name: B
      assessable: maybe
    - ref_id: C
  requirement_mapping_set:
    source_framework_urn: urn:x:framework:bad
    target_framework_urn: urn:x:framework:other
    requirement_mappings:
    - source_requirement_urn: urn:x:req_node:bad:a
      target_requirement_urn: urn:x:req_node:other:a
      relationship: overlaps
";
    let err = import_ciso_source(&Source {
        path: "bad.yaml".into(),
        text: text.into(),
    })
    .expect_err("invalid");
    let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "bad.yaml:11: objects.framework.requirement_nodes[1].parent_urn: `urn:x:req_node:bad:zzz` is not the urn of an earlier node",
            "bad.yaml:13: objects.framework.requirement_nodes[1].assessable: expected true or false, found a string",
            "bad.yaml:14: objects.framework.requirement_nodes[2].urn: missing required key",
            "bad.yaml:21: objects.requirement_mapping_set.requirement_mappings[0].relationship: unknown relationship `overlaps`; allowed: equal, subset, superset, intersect, related, not_related",
        ]
    );
    let err = import_ciso_source(&Source {
        path: "empty.yaml".into(),
        text: "urn: x\nobjects: {}\n".into(),
    })
    .expect_err("nothing to import");
    assert_eq!(
        err.problems()[0].to_string(),
        "empty.yaml:2: objects: holds neither `framework` nor `requirement_mapping_set(s)`: nothing to import"
    );
}

//! OSCAL catalogs: every bundled framework survives export and import unchanged, exports
//! are reproducible and well-formed, catalogs of other tools are read, and bad input gives
//! problems that name the JSON path.

use std::collections::HashSet;
use std::path::PathBuf;

use aims_library::oscal::{self, import_oscal_source};
use aims_library::{Framework, LoadError, NodeKind, Source, bundled};
use serde_json::{Value, json};

fn frameworks() -> Vec<Framework> {
    bundled().expect("bundled library loads").frameworks
}

fn source(name: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(name),
        text: text.to_owned(),
    }
}

fn import(value: &Value) -> Result<oscal::ImportedCatalog, LoadError> {
    import_oscal_source(&source("cat.json", &value.to_string()))
}

fn problems(value: &Value) -> Vec<String> {
    match import(value) {
        Ok(imported) => panic!("accepted: {:?}", imported.framework.id),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_bundled_framework_survives_the_round_trip() {
    let all = frameworks();
    assert!(all.len() >= 3);
    for fw in all {
        let text = serde_json::to_string_pretty(&oscal::catalog(&fw)).expect("serialises");
        let imported = import_oscal_source(&source("x.json", &text))
            .unwrap_or_else(|e| panic!("{}: {e}", fw.id));
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
        let back = imported.framework;
        assert_eq!(back.id, fw.id);
        assert_eq!(back.name, fw.name);
        assert_eq!(back.version, fw.version);
        assert_eq!(back.nodes.len(), fw.nodes.len(), "{}", fw.id);
        for (a, b) in fw.nodes.iter().zip(&back.nodes) {
            assert_eq!(a, b, "{} node {}", fw.id, a.ref_);
        }
        // Every other field too: short name, publisher, url, description.
        assert_eq!(back, fw);
    }
}

#[test]
fn exports_are_reproducible() {
    for fw in frameworks() {
        let a = serde_json::to_string_pretty(&oscal::catalog(&fw)).expect("serialises");
        let b = serde_json::to_string_pretty(&oscal::catalog(&fw.clone())).expect("serialises");
        assert_eq!(a, b);
        assert_eq!(
            oscal::catalog(&fw)["catalog"]["uuid"],
            json!(oscal::catalog_uuid(&fw))
        );
    }
}

/// Walks every object of a document, calling `f` with the key and value of each entry.
fn walk(value: &Value, f: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                f(k, v);
                walk(v, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, f)),
        _ => {}
    }
}

#[test]
fn ids_and_uuids_follow_the_oscal_rules() {
    for fw in frameworks() {
        let doc = oscal::catalog(&fw);
        let catalog = &doc["catalog"];
        assert_eq!(catalog["metadata"]["oscal-version"], "1.2.1");
        assert_eq!(catalog["metadata"]["last-modified"], "1970-01-01T00:00:00Z");
        let mut ids = HashSet::new();
        let mut uuids = Vec::new();
        walk(&doc, &mut |key, value| match key {
            "id" => {
                let id = value.as_str().expect("ids are strings");
                assert!(oscal::is_token(id), "{}: id `{id}`", fw.id);
                assert!(ids.insert(id.to_owned()), "{}: duplicate id `{id}`", fw.id);
            }
            "uuid" => uuids.push(value.as_str().expect("string").to_owned()),
            "value" => {
                let v = value.as_str().expect("prop values are strings");
                assert!(!v.is_empty() && v.trim() == v && !v.contains('\n'), "`{v}`");
            }
            _ => {}
        });
        assert!(!uuids.is_empty());
        for u in uuids {
            let parsed = uuid::Uuid::parse_str(&u).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 5, "{u}");
        }
        // Every assessable node is a control with the objective findings point at.
        for (node, id) in fw.nodes.iter().zip(oscal::node_ids(&fw)) {
            let objective = format!("{id}_obj");
            assert_eq!(
                ids.contains(&objective),
                node.assessable,
                "{} {}",
                fw.id,
                node.ref_
            );
        }
    }
}

#[test]
fn iso_clauses_and_annex_controls_get_the_expected_shape() {
    let fw = frameworks()
        .into_iter()
        .find(|f| f.id == "iso-iec-42001-2023")
        .expect("ISO 42001 is bundled");
    let doc = oscal::catalog(&fw);
    let groups = doc["catalog"]["groups"].as_array().expect("groups");
    let clause4 = &groups[0];
    assert_eq!(clause4["id"], "ref-4");
    assert_eq!(clause4["props"][0], json!({"name": "label", "value": "4"}));
    assert_eq!(clause4["parts"][0]["name"], "overview");
    let control = &clause4["controls"][0];
    assert_eq!(control["id"], "ref-4.1");
    let names: Vec<&str> = control["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names[..2], ["statement", "assessment-objective"]);
    let annex = groups
        .iter()
        .flat_map(|g| g["groups"].as_array().into_iter().flatten().chain([g]))
        .find(|g| g["id"] == "a.6")
        .expect("A.6 is a group");
    assert!(annex["controls"].as_array().is_some_and(|c| !c.is_empty()));
    // 6.1 is not assessable but sits beside the controls 6.2 and 6.3, where OSCAL allows no
    // group: it is a control whose prop says so.
    let clause6 = groups
        .iter()
        .find(|g| g["id"] == "ref-6")
        .expect("clause 6");
    assert!(clause6.get("groups").is_none());
    let c61 = &clause6["controls"][0];
    assert_eq!(c61["id"], "ref-6.1");
    assert!(
        c61["props"]
            .as_array()
            .expect("props")
            .contains(&json!({"name": "assessable", "ns": oscal::NS, "value": "false"}))
    );
}

/// A catalog in the shape of NIST SP 800-53 (groups → controls → enhancements, labelled
/// statement items, parameters, a withdrawn control), written by hand.
fn nist_shaped() -> Value {
    json!({"catalog": {
        "uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724",
        "metadata": {
            "title": "Security and Privacy Controls (sample)",
            "last-modified": "2024-02-04T12:00:00.000000-05:00",
            "version": "5.1.1",
            "oscal-version": "1.1.2",
            "parties": [{"uuid": "ef7c799a-c50e-49ab-83e0-515e989e6df1", "type": "organization", "name": "Joint Task Force"}],
            "responsible-parties": [{"role-id": "creator", "party-uuids": ["ef7c799a-c50e-49ab-83e0-515e989e6df1"]}]
        },
        "groups": [{
            "id": "ac", "class": "family", "title": "Access Control",
            "controls": [
                {
                    "id": "ac-1", "class": "SP800-53", "title": "Policy and Procedures",
                    "params": [{"id": "ac-01_odp.01", "label": "personnel or roles"}],
                    "props": [{"name": "label", "value": "AC-1"}, {"name": "sort-id", "value": "ac-01"}],
                    "parts": [
                        {"id": "ac-1_smt", "name": "statement", "parts": [
                            {"id": "ac-1_smt.a", "name": "item", "props": [{"name": "label", "value": "a."}],
                             "prose": "Develop a policy and disseminate it to {{ insert: param, ac-01_odp.01 }}:",
                             "parts": [{"id": "ac-1_smt.a.1", "name": "item", "props": [{"name": "label", "value": "1."}], "prose": "that addresses purpose;"}]},
                            {"id": "ac-1_smt.b", "name": "item", "props": [{"name": "label", "value": "b."}], "prose": "Review it."}
                        ]},
                        {"id": "ac-1_gdn", "name": "guidance", "prose": "Policies are the basis."}
                    ]
                },
                {
                    "id": "ac-2", "class": "SP800-53", "title": "Account Management",
                    "props": [{"name": "label", "value": "AC-2"}, {"name": "sort-id", "value": "ac-02"}],
                    "parts": [{"id": "ac-2_smt", "name": "statement", "prose": "Manage accounts."}],
                    "controls": [
                        {"id": "ac-2.1", "class": "SP800-53-enhancement", "title": "Automated Management",
                         "props": [{"name": "label", "value": "AC-2(1)"}, {"name": "sort-id", "value": "ac-02.01"}],
                         "parts": [{"id": "ac-2.1_smt", "name": "statement", "prose": "Automate it."}]},
                        {"id": "ac-2.10", "class": "SP800-53-enhancement", "title": "Shared Account Credential Change",
                         "props": [{"name": "label", "value": "AC-2(10)"}, {"name": "sort-id", "value": "ac-02.10"}, {"name": "status", "value": "withdrawn"}],
                         "links": [{"href": "#ac-2_smt.k", "rel": "incorporated-into"}]}
                    ]
                }
            ]
        }],
        "back-matter": {"resources": [{"uuid": "0c97e60b-325a-4efa-ba2b-90f20ccd5abc", "title": "A reference"}]}
    }})
}

#[test]
fn reads_catalogs_of_other_tools() {
    let imported = import_oscal_source(&source(
        "NIST_SP-800-53_rev5_catalog.json",
        &nist_shaped().to_string(),
    ))
    .expect("imports");
    let fw = &imported.framework;
    assert_eq!(fw.id, "nist-sp-800-53-rev5-catalog");
    assert_eq!(fw.name, "Security and Privacy Controls (sample)");
    assert_eq!(fw.version, "5.1.1");
    assert_eq!(fw.publisher, "Joint Task Force");
    let refs: Vec<(&str, Option<&str>, bool)> = fw
        .nodes
        .iter()
        .map(|n| (n.ref_.as_str(), n.parent.as_deref(), n.assessable))
        .collect();
    assert_eq!(
        refs,
        [
            ("ac", None, false),
            ("AC-1", Some("ac"), true),
            ("AC-2", Some("ac"), true),
            ("AC-2(1)", Some("AC-2"), true),
            ("AC-2(10)", Some("AC-2"), false),
        ]
    );
    let ac1 = fw.node("AC-1").expect("AC-1");
    assert_eq!(
        ac1.description.as_deref(),
        Some(
            "a. Develop a policy and disseminate it to [Assignment: personnel or roles]:\n  1. that addresses purpose;\nb. Review it."
        )
    );
    assert_eq!(ac1.guidance.as_deref(), Some("Policies are the basis."));
    assert_eq!(fw.node("ac").map(|n| n.kind), Some(NodeKind::Clause));
    assert_eq!(ac1.kind, NodeKind::Control);
    assert_eq!(
        imported.notes,
        [
            "1 parameter not imported: placeholders in the text are shown as `[Assignment: label]`",
            "1 withdrawn control imported as not assessable",
            "back-matter (resources, citations) not imported",
        ]
    );
}

#[test]
fn bad_input_names_the_json_path_and_what_was_expected() {
    let meta = json!({"title": "T", "version": "1"});
    let cases: Vec<(Value, &str)> = vec![
        (json!([1]), "cat.json: expected an object, found an array"),
        (
            json!({"profile": {}}),
            "cat.json: catalog: this is an OSCAL profile, not a catalog",
        ),
        (
            json!({"x": 1}),
            "cat.json: catalog: missing: an OSCAL catalog has a single top-level key `catalog`; found: x",
        ),
        (
            json!({"catalog": {"groups": []}}),
            "cat.json: catalog.metadata: missing required key",
        ),
        (
            json!({"catalog": {"metadata": {"title": "T", "version": 3}, "controls": [{"id": "a", "title": "A"}]}}),
            "cat.json: catalog.metadata.version: expected a string, found a number",
        ),
        (
            json!({"catalog": {"metadata": meta, "groups": [{"id": "g", "title": "G", "controls": [{"title": "No id"}]}]}}),
            "cat.json: catalog.groups[0].controls[0].id: missing required key",
        ),
        (
            json!({"catalog": {"metadata": meta, "controls": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}}),
            "cat.json: catalog.controls[1].id: duplicate id `a` (first used at catalog.controls[0])",
        ),
        (
            json!({"catalog": {"metadata": meta, "controls": [{"id": "a", "title": ""}]}}),
            "cat.json: catalog.controls[0].title: must not be empty",
        ),
        (
            json!({"catalog": {"metadata": meta, "controls": "a"}}),
            "cat.json: catalog.controls: expected an array, found a string",
        ),
        (
            json!({"catalog": {"metadata": meta}}),
            "cat.json: catalog: has no groups or controls: nothing to import",
        ),
        (
            json!({"catalog": {"metadata": meta, "controls": [{"id": "a", "title": "A", "props": [{"name": "kind", "ns": oscal::NS, "value": "rule"}]}]}}),
            "cat.json: catalog.controls[0].props[kind]: unknown kind `rule`; allowed: clause, requirement, objective, control, function, category, subcategory, tier, obligation",
        ),
        (
            json!({"catalog": {"metadata": meta, "controls": [{"id": "a", "title": "A", "parts": [{"prose": "x"}]}]}}),
            "cat.json: catalog.controls[0].parts[0].name: missing required key",
        ),
    ];
    for (value, expected) in cases {
        let found = problems(&value);
        assert!(found.iter().any(|p| p == expected), "{value}\n{found:#?}");
    }
}

#[test]
fn json_syntax_errors_have_a_line() {
    let err =
        import_oscal_source(&source("cat.json", "{\n  \"catalog\": {,\n}")).expect_err("refused");
    assert_eq!(
        err.problems()[0].to_string(),
        "cat.json:2: not valid JSON: key must be a string (column 15)"
    );
}

#[test]
fn nesting_bombs_and_deep_trees_are_refused() {
    let bomb = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = import_oscal_source(&source("cat.json", &bomb)).expect_err("refused");
    assert!(
        err.to_string().contains("nested more than 128 levels deep"),
        "{err}"
    );
    // Deep but within what JSON parsing allows: groups 20 levels down.
    let mut group = json!({"id": "leaf", "title": "Leaf", "controls": [
        {"id": "c", "title": "C", "parts": [{"name": "statement", "prose": "Do."}]}
    ]});
    for level in 0..20 {
        group = json!({"id": format!("g{level}"), "title": "G", "groups": [group]});
    }
    let doc = json!({"catalog": {"metadata": {"title": "T", "version": "1"}, "groups": [group]}});
    let found = problems(&doc);
    assert!(
        found
            .iter()
            .any(|p| p.ends_with("groups and controls nest more than 12 levels deep")),
        "{found:#?}"
    );
}

#[test]
fn too_many_controls_are_refused_once() {
    let controls: Vec<Value> = (0..5_001)
        .map(|i| json!({"id": format!("c{i}"), "title": "C", "parts": [{"name": "statement", "prose": "Do."}]}))
        .collect();
    let doc =
        json!({"catalog": {"metadata": {"title": "T", "version": "1"}, "controls": controls}});
    assert_eq!(
        problems(&doc),
        ["cat.json: catalog: more than 5000 groups and controls; at most 5000 are allowed"]
    );
}

#[test]
fn huge_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.json");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(aims_library::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    let err = oscal::import_oscal(&path).expect_err("refused");
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
}

#[test]
fn shared_checks_name_catalog_paths() {
    let long = "x".repeat(20_001);
    let doc = json!({"catalog": {"metadata": {"title": "T", "version": "1"}, "controls": [
        {"id": "a", "title": "A", "parts": [{"name": "statement", "prose": long}]}
    ]}});
    assert_eq!(
        problems(&doc),
        [
            "cat.json: catalog.controls[0].parts[statement].prose: is 20001 characters long; at most 20000 are allowed"
        ]
    );
}

//! Risk-source taxonomies: values come out as written, each rule of one file is reported
//! with its line, and source ids are unique across the whole library, layers included.

use std::path::PathBuf;

use aims_library::{AnyDocument, Source, load_any_source, load_layers, validate_over};

const TAXONOMY: &str = r#"format: aims-risk-sources/1
id: demo-sources
name: Demo risk sources
description: Sources for tests.
sources:
  - id: fairness
    title: Unfair bias
    category: trustworthiness
    description: Outcomes differ between groups without a good reason.
    examples:
      - A model trained mostly on one group.
    annex_c: C.2.5
  - id: data-quality
    title: Data quality
    description: Data that is wrong, incomplete or out of date.
"#;

const OTHER: &str = r#"format: aims-risk-sources/1
id: other-sources
name: Other risk sources
description: More sources.
sources:
  - id: misuse
    title: Misuse
    description: Use for a purpose it was not meant for.
  - id: fairness
    title: Fairness again
    description: The same id as in the demo taxonomy.
"#;

fn source(path: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

fn problems(layers: &[Vec<Source>]) -> Vec<String> {
    match load_layers(layers) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_taxonomy_comes_out_as_written() {
    let Ok(AnyDocument::RiskSources(taxonomy)) =
        load_any_source(&source("risk-sources/demo.yaml", TAXONOMY))
    else {
        panic!("not a taxonomy");
    };
    assert_eq!(taxonomy.id, "demo-sources");
    assert_eq!(taxonomy.name, "Demo risk sources");
    let fairness = taxonomy.source("fairness").expect("fairness");
    assert_eq!(fairness.title, "Unfair bias");
    assert_eq!(fairness.category.as_deref(), Some("trustworthiness"));
    assert_eq!(fairness.examples, ["A model trained mostly on one group."]);
    assert_eq!(fairness.annex_c.as_deref(), Some("C.2.5"));
    let data = taxonomy.source("data-quality").expect("data quality");
    assert_eq!(data.category, None);
    assert!(data.examples.is_empty());
    assert_eq!(data.annex_c, None);
}

#[test]
fn the_library_finds_sources_across_taxonomies() {
    let other = OTHER.replace("id: fairness", "id: explainability");
    let library = load_layers(&[vec![
        source("risk-sources/demo.yaml", TAXONOMY),
        source("risk-sources/other.yaml", &other),
    ]])
    .expect("loads");
    assert_eq!(library.risk_sources.len(), 2);
    let ids: Vec<&str> = library.all_risk_sources().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["fairness", "data-quality", "misuse", "explainability"]
    );
    assert_eq!(
        library.risk_source("misuse").map(|s| s.title.as_str()),
        Some("Misuse")
    );
    assert_eq!(
        library.risk_source("fairness").map(|s| s.title.as_str()),
        Some("Unfair bias")
    );
    assert!(library.risk_source("nope").is_none());
}

#[test]
fn problems_of_one_file() {
    let text = "format: aims-risk-sources/1
id: Demo
name: Demo
description: Demo.
owner: me
sources:
  - id: fairness
    title: Fairness
    description: One.
    annex_c: Annex C.2.5
  - id: fairness
    title: Again
    description: Two.
    examples: one
  - id: Data Quality
    title: Data
  - id: misuse
    title: Misuse
    description: Three.
    severity: high
";
    assert_eq!(
        problems(&[vec![source("r.yaml", text)]]),
        [
            "r.yaml:2: id: `Demo` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "r.yaml:5: owner: unknown key; allowed keys: format, id, name, description, sources",
            "r.yaml:10: sources[0].annex_c: `Annex C.2.5` is not an Annex C reference: write it like `C.3.4`",
            "r.yaml:11: sources[1].id: duplicate source id `fairness` (first defined at sources[0], line 7)",
            "r.yaml:14: sources[1].examples: expected a list, found a string",
            "r.yaml:15: sources[2].description: missing required key",
            "r.yaml:15: sources[2].id: `Data Quality` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "r.yaml:20: sources[3].severity: unknown key; allowed keys: id, title, description, category, examples, annex_c",
        ]
    );
    let empty = "format: aims-risk-sources/1\nid: e\nname: E\ndescription: E.\nsources: []\n";
    assert_eq!(
        problems(&[vec![source("r.yaml", empty)]]),
        ["r.yaml:5: sources: must list at least one source"]
    );
}

#[test]
fn duplicate_source_ids_across_files_name_both_files() {
    assert_eq!(
        problems(&[vec![
            source("risk-sources/demo.yaml", TAXONOMY),
            source("risk-sources/other.yaml", OTHER),
        ]]),
        [
            "risk-sources/other.yaml:9: sources[1].id: risk source id `fairness` is already defined by risk-sources/demo.yaml:6 (taxonomy `demo-sources`)"
        ]
    );
    // Across layers too: a user's taxonomy may not reuse a bundled source id…
    assert_eq!(
        problems(&[
            vec![source("bundled/demo.yaml", TAXONOMY)],
            vec![source("mine/other.yaml", OTHER)],
        ]),
        [
            "mine/other.yaml:9: sources[1].id: risk source id `fairness` is already defined by bundled/demo.yaml:6 (taxonomy `demo-sources`)"
        ]
    );
    // …but replacing the whole bundled taxonomy (same taxonomy id) frees its ids.
    let replacement = OTHER.replace("id: other-sources", "id: demo-sources");
    let library = load_layers(&[
        vec![source("bundled/demo.yaml", TAXONOMY)],
        vec![source("mine/demo.yaml", &replacement)],
    ])
    .expect("the later layer replaces the taxonomy");
    let ids: Vec<&str> = library.all_risk_sources().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["misuse", "fairness"]);
    assert_eq!(
        library.risk_source("fairness").map(|s| s.title.as_str()),
        Some("Fairness again")
    );
}

#[test]
fn duplicate_taxonomy_ids_in_a_layer() {
    let copy = TAXONOMY
        .replace("id: fairness", "id: bias")
        .replace("id: data-quality", "id: data");
    assert_eq!(
        problems(&[vec![
            source("risk-sources/a.yaml", TAXONOMY),
            source("risk-sources/b.yaml", &copy),
        ]]),
        [
            "risk-sources/b.yaml:2: id: risk source taxonomy id `demo-sources` is already used by risk-sources/a.yaml:2"
        ]
    );
}

#[test]
fn a_single_file_is_validated_against_the_base() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.yaml");
    std::fs::write(&path, OTHER).expect("write");
    let base = [source("library/risk-sources/demo.yaml", TAXONOMY)];
    let found: Vec<String> = validate_over(&base, &path)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [format!(
            "{}:9: sources[1].id: risk source id `fairness` is already defined by library/risk-sources/demo.yaml:6 (taxonomy `demo-sources`)",
            path.display()
        )]
    );
    // The file that replaces a base taxonomy is not compared with it.
    let replacement = OTHER.replace("id: other-sources", "id: demo-sources");
    std::fs::write(&path, replacement).expect("write");
    assert_eq!(validate_over(&base, &path), []);
}

#[test]
fn a_folder_with_risk_sources_and_templates_only_is_a_library() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("risk-sources")).expect("mkdir");
    std::fs::write(dir.path().join("risk-sources/demo.yaml"), TAXONOMY).expect("write");
    let library = aims_library::load_dir(dir.path()).expect("loads");
    assert_eq!(library.risk_sources[0].id, "demo-sources");
    assert!(library.frameworks.is_empty());
    assert_eq!(aims_library::validate(dir.path()), []);
}

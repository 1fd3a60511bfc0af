//! `aims export oscal-…` and `aims library import` of OSCAL catalogs, as a user runs them:
//! offline, reproducible, round trip through the CLI, clear errors with exit 2.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

const FRAMEWORKS: [&str; 3] = ["eu-ai-act-2024", "iso-iec-42001-2023", "nist-ai-rmf-1.0"];

fn aims(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir)
        .env_remove("AIMS_DATABASE_URL")
        .env_remove("AIMS_CONFIG")
        .env("AIMS_LOG", "warn")
        .args(args)
        .output()
        .expect("aims runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn ok(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn catalogs_are_exported_offline_and_reproducibly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for id in FRAMEWORKS {
        let out = aims(
            dir.path(),
            &["export", "oscal-catalog", "--framework", id, "-o", "-"],
        );
        ok(&out);
        let again = aims(
            dir.path(),
            &[
                "export",
                "oscal-catalog",
                "--framework",
                id,
                "--output",
                "c.json",
            ],
        );
        ok(&again);
        let written = std::fs::read(dir.path().join("c.json")).expect("written");
        assert_eq!(written, out.stdout, "{id}: two exports differ");
        let doc: Value = serde_json::from_slice(&written).expect("JSON");
        assert_eq!(doc["catalog"]["metadata"]["oscal-version"], "1.2.1");
        assert!(!dir.path().join("aims-data").exists(), "no database made");
    }
}

#[test]
fn an_unknown_framework_lists_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = aims(
        dir.path(),
        &[
            "export",
            "oscal-catalog",
            "--framework",
            "nope",
            "-o",
            "x.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: no framework `nope` in the library; known: eu-ai-act-2024, iso-iec-42001-2023, nist-ai-rmf-1.0\n"
    );
    assert!(!dir.path().join("x.json").exists());
}

#[test]
fn an_exported_catalog_imports_as_the_same_framework() {
    let dir = tempfile::tempdir().expect("tempdir");
    for id in FRAMEWORKS {
        let file = format!("{id}.json");
        ok(&aims(
            dir.path(),
            &["export", "oscal-catalog", "--framework", id, "-o", &file],
        ));
        let out = aims(
            dir.path(),
            &["library", "import", &file, "--output", "imported"],
        );
        ok(&out);
        assert!(
            text(&out.stdout).starts_with(&format!(
                "wrote imported/frameworks/{id}.yaml: framework `{id}` ("
            )),
            "{}",
            text(&out.stdout)
        );
        let bundled = aims(dir.path(), &["library", "show", id, "--format", "json"]);
        let imported = aims(
            dir.path(),
            &[
                "library",
                "show",
                id,
                "--format",
                "json",
                "--library",
                "imported",
            ],
        );
        ok(&imported);
        assert_eq!(text(&imported.stdout), text(&bundled.stdout), "{id}");
    }
    let out = aims(dir.path(), &["library", "validate", "imported"]);
    ok(&out);
}

#[test]
fn a_users_framework_is_exported_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("library/frameworks")).expect("mkdir");
    std::fs::write(
        dir.path().join("library/frameworks/mine.yaml"),
        "format: aims-framework/1\nid: mine\nname: Mine\nshort_name: Mine\nversion: \"1\"\npublisher: Me\ndescription: Mine.\nnodes:\n  - ref: \"1\"\n    title: One\n    kind: control\n    assessable: true\n    description: Do it.\n",
    )
    .expect("write");
    let out = aims(
        dir.path(),
        &["export", "oscal-catalog", "--framework", "mine", "-o", "-"],
    );
    ok(&out);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["catalog"]["controls"][0]["id"], "ref-1");
}

#[test]
fn a_bad_catalog_is_refused_with_its_json_path_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = json!({"catalog": {"metadata": {"title": "T", "version": "1"},
        "groups": [{"title": "G", "controls": [{"id": "c", "title": 7}]}]}});
    std::fs::write(dir.path().join("bad.json"), bad.to_string()).expect("write");
    let out = aims(dir.path(), &["library", "import", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: the library is invalid (1 problem)\n  bad.json: catalog.groups[0].controls[0].title: expected a string, found a number\n"
    );
    assert!(!dir.path().join("library").exists());
}

fn metadata() -> Value {
    json!({
        "title": "Statement of Applicability",
        "version": "3",
        "last_modified": "2026-01-15T10:00:00Z",
        "import_href": "iso-iec-42001-2023.json",
        "organisation": "Acme"
    })
}

#[test]
fn profile_and_assessment_results_are_built_from_json_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let soa = json!({"metadata": metadata(), "controls": [
        {"control_ref": "A.2.2", "applicable": true, "justification": "We build AI systems."},
        {"control_ref": "A.10.4", "applicable": false, "justification": "No customers."}
    ]});
    std::fs::write(dir.path().join("soa.json"), soa.to_string()).expect("write");
    let out = aims(
        dir.path(),
        &[
            "export",
            "oscal-profile",
            "--framework",
            "iso-iec-42001-2023",
            "--input",
            "soa.json",
            "-o",
            "-",
        ],
    );
    ok(&out);
    let profile: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        profile["profile"]["imports"][0]["include-controls"][0]["with-ids"],
        json!(["a.2.2"])
    );
    let status = json!({"metadata": metadata(), "findings": [
        {"control_ref": "A.2.2", "status": "implemented", "owner": "CISO", "evidence": ["https://intranet/policy"]}
    ]});
    std::fs::write(dir.path().join("status.json"), status.to_string()).expect("write");
    let out = aims(
        dir.path(),
        &[
            "export",
            "oscal-assessment-results",
            "--framework",
            "iso-iec-42001-2023",
            "--input",
            "status.json",
            "-o",
            "-",
        ],
    );
    ok(&out);
    let results: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let finding = &results["assessment-results"]["results"][0]["findings"][0];
    assert_eq!(finding["target"]["target-id"], "a.2.2_obj");
    assert_eq!(finding["target"]["status"]["state"], "satisfied");
    // A ref the framework does not have.
    let bad = json!({"metadata": metadata(), "findings": [
        {"control_ref": "A.99", "status": "planned"}
    ]});
    std::fs::write(dir.path().join("bad.json"), bad.to_string()).expect("write");
    let out = aims(
        dir.path(),
        &[
            "export",
            "oscal-assessment-results",
            "--framework",
            "iso-iec-42001-2023",
            "--input",
            "bad.json",
            "-o",
            "-",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: bad.json: `A.99` is not a ref of framework `iso-iec-42001-2023`\n"
    );
    // A status outside the list.
    let bad = json!({"metadata": metadata(), "findings": [
        {"control_ref": "A.2.2", "status": "done"}
    ]});
    std::fs::write(dir.path().join("bad.json"), bad.to_string()).expect("write");
    let out = aims(
        dir.path(),
        &[
            "export",
            "oscal-assessment-results",
            "--framework",
            "iso-iec-42001-2023",
            "--input",
            "bad.json",
            "-o",
            "-",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: bad.json: unknown variant `done`, expected one of `not-started`, `planned`, `partially-implemented`, `implemented`, `not-applicable`"),
        "{err}"
    );
}

#[test]
fn export_help_lists_the_oscal_documents() {
    let out = aims(Path::new("."), &["export", "--help"]);
    ok(&out);
    insta::assert_snapshot!("export_help", text(&out.stdout));
}

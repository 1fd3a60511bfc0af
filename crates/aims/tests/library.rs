//! `aims library …` as a user runs it: validate good and bad folders (exact messages and
//! exit codes), list and show in JSON, and import of a CISO Assistant file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn bundled_library() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../library")
}

const FRAMEWORK: &str = "format: aims-framework/1
id: mine
name: My framework
short_name: Mine
version: \"1\"
publisher: Me
description: Mine.
nodes:
  - ref: \"1\"
    title: One
    kind: clause
    assessable: false
  - ref: \"1.1\"
    parent: \"1\"
    title: One one
    kind: requirement
    assessable: true
    description: Do it.
";

fn library_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn validate_accepts_the_bundled_library() {
    let library = bundled_library();
    let out = aims(
        Path::new("."),
        &["library", "validate", library.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(": valid: "), "{text}");
}

#[test]
fn validate_prints_every_problem_and_exits_2() {
    let bad = FRAMEWORK
        .replace("kind: requirement", "kind: rule")
        .replace("parent: \"1\"", "parent: \"7\"")
        .replace("publisher: Me\n", "publisher: Me\nowner: me\n");
    let dir = library_with(&[("lib/frameworks/mine.yaml", &bad)]);
    let out = aims(dir.path(), &["library", "validate", "lib"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout(&out),
        "lib/frameworks/mine.yaml:7: owner: unknown key; allowed keys: format, id, name, short_name, version, publisher, url, description, nodes\n\
         lib/frameworks/mine.yaml:15: nodes[1].parent: parent `7` is not a ref of this framework\n\
         lib/frameworks/mine.yaml:17: nodes[1].kind: unknown kind `rule`; allowed: clause, requirement, objective, control, function, category, subcategory, tier, obligation\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "lib: 3 problems\n");
    // One file on its own.
    let out = aims(
        dir.path(),
        &["library", "validate", "lib/frameworks/mine.yaml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).lines().count(), 3);
}

#[test]
fn validate_a_good_folder_and_file() {
    let dir = library_with(&[("lib/frameworks/mine.yaml", FRAMEWORK)]);
    let out = aims(dir.path(), &["library", "validate", "lib"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "lib: valid: 1 framework (2 nodes), 0 crosswalks (0 mappings)\n"
    );
    let out = aims(
        dir.path(),
        &["library", "validate", "lib/frameworks/mine.yaml"],
    );
    assert_eq!(
        stdout(&out),
        "lib/frameworks/mine.yaml: valid: framework `mine` (2 nodes)\n"
    );
}

#[test]
fn list_json_has_the_embedded_frameworks_and_the_users_own() {
    let dir = library_with(&[("library/frameworks/mine.yaml", FRAMEWORK)]);
    // ./library is picked up by default.
    let out = aims(dir.path(), &["library", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rows: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let rows = rows.as_array().expect("array");
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert!(ids.contains(&"iso-iec-42001-2023"), "{ids:?}");
    assert!(ids.contains(&"mine"), "{ids:?}");
    let iso = rows
        .iter()
        .find(|r| r["id"] == "iso-iec-42001-2023")
        .expect("iso");
    let mut keys: Vec<&str> = iso
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "name", "node_count", "version"]);
    assert_eq!(iso["version"], "2023");
    assert_eq!(iso["node_count"], 91);
    // Elsewhere, without ./library, only the embedded library is there.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = aims(empty.path(), &["library", "list", "--format", "json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert!(
        rows.as_array()
            .expect("array")
            .iter()
            .all(|r| r["id"] != "mine")
    );
    // --library names the folder explicitly.
    let out = aims(
        empty.path(),
        &[
            "library",
            "list",
            "--format",
            "json",
            "--library",
            dir.path().join("library").to_str().expect("utf-8"),
        ],
    );
    let rows: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert!(
        rows.as_array()
            .expect("array")
            .iter()
            .any(|r| r["id"] == "mine")
    );
}

#[test]
fn show_json_lists_nodes_with_ref_title_kind_parent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = aims(
        dir.path(),
        &["library", "show", "iso-iec-42001-2023", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let fw: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(fw["id"], "iso-iec-42001-2023");
    let nodes = fw["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 91);
    let control = nodes
        .iter()
        .find(|n| n["ref"] == "A.6.2.4")
        .expect("A.6.2.4");
    assert_eq!(control["title"], "Verification and validation");
    assert_eq!(control["kind"], "control");
    assert_eq!(control["parent"], "A.6");
    assert_eq!(control["assessable"], true);
    assert!(nodes[0]["parent"].is_null());
    let out = aims(dir.path(), &["library", "show", "iso-iec-42001-2023"]);
    assert!(stdout(&out).contains("  A.6.2.4"), "table shows depth");
    let out = aims(dir.path(), &["library", "show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: no framework `nope` in the library; known: ")
    );
}

#[test]
fn an_invalid_users_library_stops_list_with_its_problems() {
    let dir = library_with(&[("library/frameworks/mine.yaml", "format: aims-framework/1\n")]);
    let out = aims(dir.path(), &["library", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: the library is invalid (7 problems)"),
        "{err}"
    );
    assert!(
        err.contains("library/frameworks/mine.yaml:1: id: missing required key"),
        "{err}"
    );
}

#[test]
fn import_writes_a_valid_library_folder() {
    let ciso = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../aims-library/tests/fixtures/ciso-framework.yaml");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = aims(
        dir.path(),
        &[
            "library",
            "import",
            ciso.to_str().expect("utf-8"),
            "--output",
            "out",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).starts_with(
            "wrote out/frameworks/acme-rai-1.yaml: framework `acme-rai-1` (6 nodes)\n"
        )
    );
    let out = aims(dir.path(), &["library", "validate", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A second import refuses to overwrite.
    let out = aims(
        dir.path(),
        &[
            "library",
            "import",
            ciso.to_str().expect("utf-8"),
            "--output",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: out/frameworks/acme-rai-1.yaml already exists; use --force to overwrite it\n"
    );
}

#[test]
fn a_users_crosswalk_may_name_bundled_frameworks() {
    let crosswalk = "format: aims-crosswalk/1
id: mine-to-iso
name: Mine to ISO/IEC 42001
source: mine
target: iso-iec-42001-2023
description: Test.
mappings:
  - source: \"1.1\"
    target: A.2.2
    relation: subset
  - source: \"1.1\"
    target: A.99
    relation: subset
";
    let dir = library_with(&[
        ("lib/frameworks/mine.yaml", FRAMEWORK),
        ("lib/crosswalks/mine-to-iso.yaml", crosswalk),
    ]);
    let expected = "lib/crosswalks/mine-to-iso.yaml:12: mappings[1].target: `A.99` is not a ref of framework `iso-iec-42001-2023`\n";
    let out = aims(dir.path(), &["library", "validate", "lib"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), expected);
    let out = aims(
        dir.path(),
        &["library", "validate", "lib/crosswalks/mine-to-iso.yaml"],
    );
    assert_eq!(stdout(&out), expected);
}

#[test]
fn validate_names_templates_and_risk_sources_in_files_and_folders() {
    let library = bundled_library();
    let out = aims(&library, &["library", "validate", "templates/eu-fria.yaml"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).trim(),
        "templates/eu-fria.yaml: valid: assessment template `eu-fria` (25 questions)"
    );
    let out = aims(&library, &["library", "validate", "."]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("1 risk source list (20 sources), 3 assessment templates (72 questions)"),
        "{}",
        stdout(&out)
    );
}

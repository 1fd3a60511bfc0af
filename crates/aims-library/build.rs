//! Embeds the bundled library (`library/` at the repository root) into the crate, so that
//! the `aims` binary has its frameworks, risk sources and templates wherever it runs. The list of files is generated
//! because the folder's contents change without this crate's code changing.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let library = manifest.join("../../library");
    let mut code = String::from(
        "/// Bundled files: (path relative to `library/`, text).\npub(crate) static BUNDLED: &[(&str, &str)] = &[\n",
    );
    for sub in ["frameworks", "crosswalks", "risk-sources", "templates"] {
        let dir = library.join(sub);
        // Re-run when files are added or removed, and when any of them changes.
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_yaml(p))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!(
                "{sub}/{}",
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            );
            let absolute = fs::canonicalize(&path).expect("bundled library file readable");
            writeln!(
                code,
                "    ({name:?}, include_str!({:?})),",
                absolute.display().to_string()
            )
            .expect("writing to a String");
        }
    }
    println!("cargo:rerun-if-changed={}", library.display());
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("bundled.rs");
    fs::write(out, code).expect("OUT_DIR writable");
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

//! `aims export oscal-…`: a framework of the library as an OSCAL catalog, and the profile
//! and assessment results built over it from a JSON input. Offline: the library is the
//! embedded one with the user's folder over it, as for `aims library list`.

use std::path::Path;
use std::process::ExitCode;

use aims_library::oscal::{self, ProfileInput, ResultsInput};
use aims_library::{Framework, Library};
use anyhow::{Context, bail};
use serde::de::DeserializeOwned;

use super::library::load_library;
use super::transfer::Output;

fn framework<'a>(library: &'a Library, id: &str) -> anyhow::Result<&'a Framework> {
    library.framework(id).with_context(|| {
        let mut ids: Vec<&str> = library.frameworks.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        format!(
            "no framework `{id}` in the library; known: {}",
            ids.join(", ")
        )
    })
}

fn write(output: &Path, document: &serde_json::Value) -> anyhow::Result<ExitCode> {
    let mut out = Output::create(output)?;
    serde_json::to_writer_pretty(out.writer(), document)?;
    std::io::Write::write_all(out.writer(), b"\n")?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn catalog(id: &str, library: Option<&Path>, output: &Path) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    write(output, &oscal::catalog(framework(&library, id)?))
}

/// Reads an input document, with the size limit of library files.
fn input<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let source = aims_library::read_source(path)?;
    serde_json::from_str(&source.text).with_context(|| format!("{}", path.display()))
}

pub fn profile(
    id: &str,
    library: Option<&Path>,
    input_path: &Path,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let fw = framework(&library, id)?;
    let input: ProfileInput = input(input_path)?;
    let document = oscal::profile(fw, &input.controls, &input.metadata)
        .with_context(|| format!("{}", input_path.display()))?;
    write(output, &document)
}

pub fn assessment_results(
    id: &str,
    library: Option<&Path>,
    input_path: &Path,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let fw = framework(&library, id)?;
    let input: ResultsInput = input(input_path)?;
    if input.findings.is_empty() {
        bail!("{}: `findings` is empty", input_path.display());
    }
    let document = oscal::assessment_results(fw, &input.findings, &input.metadata)
        .with_context(|| format!("{}", input_path.display()))?;
    write(output, &document)
}

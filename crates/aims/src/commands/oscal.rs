//! `aims export oscal-…`: a framework of the library as an OSCAL catalog, and the profile
//! and assessment results built over it, from a JSON input or from the organisation's
//! Statement of Applicability in the database. The library is the embedded one with the
//! user's folder over it, as for `aims library list`.

use std::path::Path;
use std::process::ExitCode;

use aims_domain::soa::{ControlFields, SoaItem};
use aims_library::oscal::{
    self, ControlFinding, ImplementationStatus, Metadata, ProfileInput, ResultsInput,
    SelectedControl,
};
use aims_library::{Framework, Library};
use anyhow::{Context, bail};
use serde::de::DeserializeOwned;

use super::library::load_library;
use super::transfer::Output;
use super::{open_store, pick_organisation};
use crate::settings::Settings;

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

/// Where a profile or assessment results come from.
pub enum Source<'a> {
    /// A JSON input file (docs/library-format.md); `--framework` names the framework.
    File { framework: &'a str, path: &'a Path },
    /// The organisation's Statement of Applicability, in the database of the settings.
    Database {
        settings: &'a Settings,
        organisation: Option<&'a str>,
    },
}

/// The organisation's adopted framework and SoA entries, with the metadata both documents
/// carry: the approved version they amount to (or draft) and when they last changed.
async fn from_database(
    settings: &Settings,
    organisation: Option<&str>,
    framework_flag: Option<&str>,
) -> anyhow::Result<(String, Metadata, Vec<SoaItem<ControlFields>>)> {
    let store = open_store(settings).await?;
    let org = pick_organisation(&store, organisation).await?;
    let soa = store.soa(org.id).await?.with_context(|| {
        format!(
            "{} has no Statement of Applicability yet: adopt a framework in the web UI or with POST /api/v1/soa",
            org.name
        )
    })?;
    if let Some(wanted) = framework_flag
        && wanted != soa.framework_id
    {
        bail!(
            "--framework {wanted}: {} adopted {}; leave --framework out or name that one",
            org.name,
            soa.framework_id
        );
    }
    let items = store.soa_items::<ControlFields>(org.id).await?;
    let (edition, _) = aims_server::soa_export::load(&store, org.id, None).await?;
    let last_modified = items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(soa.created_at);
    let metadata = Metadata {
        title: format!("Statement of Applicability — {}", org.name),
        version: edition.label(),
        last_modified,
        import_href: format!("{}.oscal-catalog.json", soa.framework_id),
        organisation: Some(org.name.clone()),
    };
    Ok((soa.framework_id, metadata, items))
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn status(s: aims_domain::soa::ImplementationStatus) -> ImplementationStatus {
    use aims_domain::soa::ImplementationStatus as Soa;
    match s {
        Soa::NotStarted => ImplementationStatus::NotStarted,
        Soa::Planned => ImplementationStatus::Planned,
        Soa::PartiallyImplemented => ImplementationStatus::PartiallyImplemented,
        Soa::Implemented => ImplementationStatus::Implemented,
        Soa::NotApplicable => ImplementationStatus::NotApplicable,
    }
}

pub async fn profile(
    framework_flag: Option<&str>,
    library: Option<&Path>,
    source: Source<'_>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let (id, input, origin) = match source {
        Source::File { framework, path } => (
            framework.to_owned(),
            input::<ProfileInput>(path)?,
            path.display().to_string(),
        ),
        Source::Database {
            settings,
            organisation,
        } => {
            let (id, metadata, items) =
                from_database(settings, organisation, framework_flag).await?;
            let controls = items
                .into_iter()
                .map(|i| SelectedControl {
                    control_ref: i.item_ref,
                    applicable: i.fields.applicable,
                    justification: optional(&i.fields.justification),
                })
                .collect();
            (
                id,
                ProfileInput { metadata, controls },
                "the database".to_owned(),
            )
        }
    };
    let fw = framework(&library, &id)?;
    let document = oscal::profile(fw, &input.controls, &input.metadata).with_context(|| origin)?;
    write(output, &document)
}

pub async fn assessment_results(
    framework_flag: Option<&str>,
    library: Option<&Path>,
    source: Source<'_>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let (id, input, origin) = match source {
        Source::File { framework, path } => (
            framework.to_owned(),
            input::<ResultsInput>(path)?,
            path.display().to_string(),
        ),
        Source::Database {
            settings,
            organisation,
        } => {
            let (id, metadata, items) =
                from_database(settings, organisation, framework_flag).await?;
            let findings = items
                .into_iter()
                .map(|i| ControlFinding {
                    control_ref: i.item_ref,
                    status: status(i.fields.status),
                    owner: optional(&i.fields.owner),
                    evidence: i
                        .fields
                        .evidence
                        .iter()
                        .map(|e| match e.expires_on {
                            Some(d) => format!("{} (expires {d})", e.reference),
                            None => e.reference.clone(),
                        })
                        .collect(),
                    remarks: optional(&i.fields.justification),
                })
                .collect();
            (
                id,
                ResultsInput { metadata, findings },
                "the database".to_owned(),
            )
        }
    };
    if input.findings.is_empty() {
        bail!("{origin}: `findings` is empty");
    }
    let fw = framework(&library, &id)?;
    let document =
        oscal::assessment_results(fw, &input.findings, &input.metadata).with_context(|| origin)?;
    write(output, &document)
}

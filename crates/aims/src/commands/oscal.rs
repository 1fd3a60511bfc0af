//! `aims export oscal-…`: a framework of the library as an OSCAL catalog, and the profile
//! and assessment results built over it, from a JSON input or from the organisation's
//! Statement of Applicability in the database. The library is the embedded one with the
//! user's folder over it, as for `aims library list`.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use aims_domain::soa::ControlFields;
use aims_library::oscal::{self, ProfileInput, ResultsInput};
use aims_library::{Framework, Library};
use aims_server::soa_export::{self, Edition, SheetInput};
use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use uuid::Uuid;

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

/// The organisation's adopted framework and SoA entries as the API's exports read them: the
/// approved version they amount to (or draft) and when they last changed.
struct Stored {
    organisation: String,
    framework_id: String,
    edition: Edition,
    controls: Vec<(String, ControlFields)>,
    last_modified: chrono::DateTime<chrono::Utc>,
    /// Empty: the OSCAL documents do not name linked risks.
    risk_titles: HashMap<Uuid, String>,
}

impl Stored {
    async fn load(
        settings: &Settings,
        organisation: Option<&str>,
        framework_flag: Option<&str>,
    ) -> anyhow::Result<Stored> {
        let store = open_store(settings).await?;
        let org = pick_organisation(&store, organisation).await?;
        let soa = super::adopted_soa(&store, &org).await?;
        if let Some(wanted) = framework_flag
            && wanted != soa.framework_id
        {
            bail!(
                "--framework {wanted}: {} adopted {}; leave --framework out or name that one",
                org.name,
                soa.framework_id
            );
        }
        let (edition, controls) = soa_export::load(&store, org.id, None).await?;
        let last_modified = soa_export::last_modified(&store, org.id).await?;
        Ok(Stored {
            organisation: org.name,
            framework_id: soa.framework_id,
            edition,
            controls,
            last_modified,
            risk_titles: HashMap::new(),
        })
    }

    fn sheet<'a>(&'a self, library: &'a Library) -> anyhow::Result<SheetInput<'a>> {
        Ok(SheetInput {
            organisation: &self.organisation,
            framework: framework(library, &self.framework_id)?,
            edition: self.edition.clone(),
            generated_at: self.last_modified,
            controls: &self.controls,
            risk_titles: &self.risk_titles,
        })
    }
}

pub async fn profile(
    framework_flag: Option<&str>,
    library: Option<&Path>,
    source: Source<'_>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let document = match source {
        Source::File {
            framework: id,
            path,
        } => {
            let input = input::<ProfileInput>(path)?;
            oscal::profile(framework(&library, id)?, &input.controls, &input.metadata)
                .with_context(|| path.display().to_string())?
        }
        Source::Database {
            settings,
            organisation,
        } => {
            let stored = Stored::load(settings, organisation, framework_flag).await?;
            let sheet = stored.sheet(&library)?;
            let meta = soa_export::oscal_metadata(&sheet, stored.last_modified);
            soa_export::oscal_profile(&sheet, &meta).context("the database")?
        }
    };
    write(output, &document)
}

pub async fn assessment_results(
    framework_flag: Option<&str>,
    library: Option<&Path>,
    source: Source<'_>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let library = load_library(library)?;
    let document = match source {
        Source::File {
            framework: id,
            path,
        } => {
            let input = input::<ResultsInput>(path)?;
            if input.findings.is_empty() {
                bail!("{}: `findings` is empty", path.display());
            }
            oscal::assessment_results(framework(&library, id)?, &input.findings, &input.metadata)
                .with_context(|| path.display().to_string())?
        }
        Source::Database {
            settings,
            organisation,
        } => {
            let stored = Stored::load(settings, organisation, framework_flag).await?;
            if stored.controls.is_empty() {
                bail!("the database: the Statement of Applicability has no controls");
            }
            let sheet = stored.sheet(&library)?;
            let meta = soa_export::oscal_metadata(&sheet, stored.last_modified);
            soa_export::oscal_assessment_results(&sheet, &meta).context("the database")?
        }
    };
    write(output, &document)
}

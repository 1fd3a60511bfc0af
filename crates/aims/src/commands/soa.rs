//! `aims export soa`: the organisation's Statement of Applicability as CSV or XLSX, read
//! from the database, the same file the web UI and the API offer for download.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::transfer::Output;
use super::{open_store, pick_organisation};
use crate::cli::SoaFormat;
use crate::settings::Settings;

pub async fn export(
    settings: &Settings,
    organisation: Option<&str>,
    format: SoaFormat,
    version: Option<i64>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let org = pick_organisation(&store, organisation).await?;
    let soa = super::adopted_soa(&store, &org).await?;
    let library = aims_server::library::current().context("the library does not load")?;
    let framework = library.framework(&soa.framework_id).with_context(|| {
        format!(
            "the adopted framework {} is not in the library",
            soa.framework_id
        )
    })?;
    let (edition, controls) = aims_server::soa_export::load(&store, org.id, version)
        .await
        .with_context(|| match version {
            Some(v) => format!("version {v} of the SoA"),
            None => "the SoA".to_owned(),
        })?;
    let risk_titles = aims_server::soa_export::risk_titles(&store, org.id).await?;
    let input = aims_server::soa_export::SheetInput {
        organisation: &org.name,
        framework,
        edition,
        generated_at: chrono::Utc::now(),
        controls: &controls,
        risk_titles: &risk_titles,
    };
    let bytes = match format {
        SoaFormat::Csv => aims_server::soa_export::csv(&input),
        SoaFormat::Xlsx => aims_server::soa_export::xlsx(&input)?,
    };
    let mut out = Output::create(output)?;
    std::io::Write::write_all(out.writer(), &bytes)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

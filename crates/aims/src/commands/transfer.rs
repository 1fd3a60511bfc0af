//! `aims export all` and `aims import`: move a whole installation between databases.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::open_store;
use crate::settings::Settings;

pub async fn export_all(settings: &Settings, output: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let summary = if output == Path::new("-") {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        store.export_all(&mut out).await?
    } else {
        // Write beside the target and rename, so a failed export never leaves a partial file.
        let partial = output.with_extension("partial");
        let file = File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let mut out = BufWriter::new(file);
        let summary = store.export_all(&mut out).await?;
        out.flush()
            .with_context(|| format!("cannot write {}", partial.display()))?;
        out.get_ref()
            .sync_all()
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, output)
            .with_context(|| format!("cannot write {}", output.display()))?;
        summary
    };
    eprintln!(
        "Exported {} rows ({}).",
        summary.total(),
        describe(&summary)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn import(settings: &Settings, file: &Path) -> anyhow::Result<ExitCode> {
    let input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let store = open_store(settings).await?;
    let summary = store
        .import_all(BufReader::new(input))
        .await
        .with_context(|| format!("{}", file.display()))?;
    eprintln!(
        "Imported {} rows into {} ({}).",
        summary.total(),
        aims_store::redact_url(&settings.database_url),
        describe(&summary)
    );
    Ok(ExitCode::SUCCESS)
}

fn describe(summary: &aims_store::TransferSummary) -> String {
    summary
        .tables
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

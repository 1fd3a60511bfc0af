//! `aims export …` and `aims import`: move a whole installation between databases, and
//! write documents out of it.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tempfile::TempPath;

use super::open_store;
use crate::cli::DecisionFormat;
use crate::settings::Settings;

/// Where an export goes: standard output for `-`, otherwise a file of its own beside the
/// target (so two exports at once never share one) that is renamed into place on success;
/// a failed export never leaves a partial file.
pub struct Output {
    writer: BufWriter<Box<dyn Write + Send>>,
    /// The file being written, removed when dropped unless it took the target's name.
    partial: Option<(TempPath, PathBuf)>,
}

impl Output {
    pub fn create(target: &Path) -> anyhow::Result<Output> {
        if target == Path::new("-") {
            return Ok(Output {
                writer: BufWriter::new(Box::new(std::io::stdout())),
                partial: None,
            });
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // The mode a plain `File::create` gives, not the temporary file's owner-only one.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (file, partial) = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file beside {}", target.display()))?
            .into_parts();
        Ok(Output {
            writer: BufWriter::new(Box::new(file)),
            partial: Some((partial, target.to_owned())),
        })
    }

    pub fn writer(&mut self) -> &mut (impl Write + Send) {
        &mut self.writer
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush().context("cannot write the output")?;
        if let Some((partial, target)) = self.partial.take() {
            // Closed, and complete on disk, before it takes the target's name.
            self.writer = BufWriter::new(Box::new(std::io::sink()));
            File::open(&partial)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot write {}", partial.display()))?;
            partial
                .persist(&target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        Ok(())
    }
}

pub async fn export_all(settings: &Settings, output: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let mut out = Output::create(output)?;
    let summary = store.export_all(out.writer()).await?;
    out.finish()?;
    eprintln!(
        "Exported {} rows ({}).",
        summary.total(),
        describe(&summary)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn export_openapi(output: &Path) -> anyhow::Result<ExitCode> {
    let mut out = Output::create(output)?;
    serde_json::to_writer_pretty(out.writer(), aims_server::api::openapi::document())?;
    out.finish()?;
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

pub async fn export_decisions(
    settings: &Settings,
    system: &str,
    from: Option<&str>,
    to: Option<&str>,
    format: DecisionFormat,
    organisation: Option<&str>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let system_id = uuid::Uuid::parse_str(system)
        .map_err(|_| anyhow::anyhow!("--system: `{system}` is not an AI system id (a UUID)"))?;
    let time = |flag: &str, value: Option<&str>| -> anyhow::Result<_> {
        value
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "{flag}: `{v}` is not an RFC 3339 time such as 2026-01-31T09:00:00Z"
                        )
                    })
            })
            .transpose()
    };
    let window = aims_store::decisions::Window {
        from: time("--from", from)?,
        to: time("--to", to)?,
    };
    let format = match format {
        DecisionFormat::Csv => aims_store::decisions::ExportFormat::Csv,
        DecisionFormat::Parquet => aims_store::decisions::ExportFormat::Parquet,
    };
    let store = open_store(settings).await?;
    let org = super::pick_organisation(&store, organisation).await?;
    let mut out = Output::create(output)?;
    let rows = store
        .export_decisions(org.id, system_id, window, format, out.writer())
        .await?;
    out.finish()?;
    eprintln!("Exported {rows} decision events.");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(output: &mut Output, text: &str) {
        output.writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn exports_at_once_keep_their_own_files_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (csv, json) = (
            dir.path().join("report.csv"),
            dir.path().join("report.json"),
        );
        let mut first = Output::create(&csv).unwrap();
        let mut second = Output::create(&json).unwrap();
        let mut failed = Output::create(&dir.path().join("report.xlsx")).unwrap();
        write(&mut first, "a,b\n");
        write(&mut second, "{}");
        write(&mut failed, "half");
        second.finish().unwrap();
        first.finish().unwrap();
        drop(failed);
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "a,b\n");
        assert_eq!(std::fs::read_to_string(&json).unwrap(), "{}");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["report.csv", "report.json"]);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            File::create(&plain).unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&csv), mode(&plain), "an export gets the usual mode");
        }
    }
}

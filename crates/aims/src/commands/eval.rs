//! `aims eval fairness` and `aims eval drift`: group fairness of a binary classifier, and
//! per-column drift between two datasets (CSV or Parquet), as JSON for pipelines or as a
//! table for people.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aims_analytics::drift::{ColumnDrift, Verdict};
use aims_analytics::fairness::GroupMetrics;
use aims_analytics::{
    DriftParams, DriftReport, FairnessParams, FairnessReport, Progress, evaluate_drift_observed,
    evaluate_fairness_observed,
};
use anyhow::Context;
use clap::Args;

use aims_domain::evaluation::{
    EvaluationKind, InputFile, NewEvaluation, drift_verdict, fairness_verdict,
};

use super::remote::{Server, Token};
use super::{open_store, pick_organisation};
use crate::cli::Format;
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct FairnessArgs {
    /// The file to evaluate: CSV with a header row (plain, gzip or zstd) or Parquet, chosen by content.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Column with the true outcome.
    #[arg(long, value_name = "COL")]
    pub label: String,
    /// Column with the model's decision.
    #[arg(long, value_name = "COL")]
    pub prediction: String,
    /// Column with the model's score, for the ROC AUC per group.
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// Sensitive columns; groups are every combination of their values, and each on its own.
    #[arg(long, value_name = "COL,...", value_delimiter = ',', required = true)]
    pub sensitive: Vec<String>,
    /// The value meaning "positive" in the label and prediction columns (default: 1/true).
    #[arg(long, value_name = "VALUE")]
    pub positive_label: Option<String>,
    /// Groups with fewer rows get a warning.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub min_group_size: u64,
    /// Field separator of the CSV file.
    #[arg(long, value_name = "CHAR", default_value = ",")]
    pub delimiter: char,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub keep: KeepArgs,
}

/// Where `--system` keeps an evaluation: a database, or an aims server.
#[derive(Debug, Args)]
pub struct KeepArgs {
    /// Keep the result as evidence on this AI system (id), in the database of `--database`
    /// or the configuration, or on the server of `--server`.
    #[arg(long, value_name = "ID")]
    pub system: Option<uuid::Uuid>,
    /// Organisation (name or id) of the system; needed when the installation hosts several.
    #[arg(long, value_name = "NAME|ID", requires = "system")]
    pub organisation: Option<String>,
    /// Keep the result on the aims server at this URL, through its REST API, instead of in
    /// a database: for pipelines that have no database of their own.
    #[arg(
        long,
        value_name = "URL",
        requires = "system",
        conflicts_with = "organisation"
    )]
    pub server: Option<String>,
    /// API token for `--server`; better given in the environment than on the command line.
    #[arg(long, value_name = "TOKEN", env = "AIMS_TOKEN", hide_env_values = true)]
    pub token: Option<Token>,
}

/// Where an evaluation is kept.
enum Keeper<'a> {
    Database {
        settings: &'a Settings,
        organisation: Option<&'a str>,
    },
    Server(Server),
}

impl KeepArgs {
    /// Where to keep the result, checked before the evaluation runs so that a usage error
    /// does not wait for it; `None` without `--system`.
    fn keeper<'a>(
        &'a self,
        settings: &'a Settings,
        database_flag: bool,
    ) -> anyhow::Result<Option<(uuid::Uuid, Keeper<'a>)>> {
        let Some(system) = self.system else {
            return Ok(None);
        };
        let keeper = match &self.server {
            Some(_) if database_flag => anyhow::bail!(
                "--server and --database exclude each other: the result is kept on the server, or in the database"
            ),
            Some(url) => Keeper::Server(Server::new(url, self.token.clone())?),
            None => Keeper::Database {
                settings,
                organisation: self.organisation.as_deref(),
            },
        };
        Ok(Some((system, keeper)))
    }
}

pub async fn fairness(
    settings: &Settings,
    args: &FairnessArgs,
    database_flag: bool,
) -> anyhow::Result<ExitCode> {
    ascii_delimiter(args.delimiter)?;
    let keeper = args.keep.keeper(settings, database_flag)?;
    let params = FairnessParams {
        label: args.label.clone(),
        prediction: args.prediction.clone(),
        score: args.score.clone(),
        sensitive: args.sensitive.clone(),
        positive_label: args.positive_label.clone(),
        min_group_size: args.min_group_size,
        delimiter: args.delimiter as u8,
    };
    let report = with_progress(|threads, progress| {
        evaluate_fairness_observed(&args.input, &params, threads, progress)
    })
    .context("aims eval fairness")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => print!("{}", table(&report, std::io::stdout().is_terminal())),
    }
    if let Some((system, keeper)) = keeper {
        let parameters = serde_json::json!({
            "label": args.label, "prediction": args.prediction, "score": args.score,
            "sensitive": args.sensitive, "positive_label": args.positive_label,
            "min_group_size": args.min_group_size, "delimiter": args.delimiter.to_string(),
        });
        let result = serde_json::to_value(&report)?;
        let evidence = Evidence {
            kind: EvaluationKind::Fairness,
            inputs: &[&args.input],
            parameters,
            verdict: fairness_verdict(&result),
            result,
        };
        keep(keeper, system, evidence).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An evaluation to keep as evidence.
struct Evidence<'a> {
    kind: EvaluationKind,
    inputs: &'a [&'a PathBuf],
    parameters: serde_json::Value,
    result: serde_json::Value,
    verdict: Option<aims_domain::evaluation::Verdict>,
}

/// SHA-256 and size of a file, read in blocks.
pub(crate) fn file_digest(path: &Path) -> anyhow::Result<InputFile> {
    use sha2::Digest;
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    let digest = hasher.finalize();
    Ok(InputFile {
        name: path.display().to_string(),
        sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        bytes,
    })
}

/// Stores the evaluation on the system and says so on standard error: in the database as
/// the pipeline's user `aims` (the ledger names the command line as the actor), or on the
/// server as the token's user.
async fn keep(
    keeper: Keeper<'_>,
    system: uuid::Uuid,
    evidence: Evidence<'_>,
) -> anyhow::Result<()> {
    let inputs = evidence
        .inputs
        .iter()
        .map(|p| file_digest(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let fields = NewEvaluation {
        kind: evidence.kind,
        inputs,
        parameters: evidence.parameters,
        tool_version: format!("aims {}", env!("CARGO_PKG_VERSION")),
        result: evidence.result,
        verdict: evidence.verdict,
    };
    match keeper {
        Keeper::Database {
            settings,
            organisation,
        } => {
            let store = open_store(settings).await?;
            let org = pick_organisation(&store, organisation).await?;
            let stored = store
                .create_evaluation(
                    &aims_store::Actor::system("aims eval"),
                    org.id,
                    system,
                    fields,
                )
                .await
                .with_context(|| format!("keeping the evaluation on AI system {system}"))?;
            eprintln!("kept as evaluation {} of AI system {system}", stored.id);
        }
        Keeper::Server(server) => {
            let id = server
                .create_evaluation(system, &fields)
                .await
                .with_context(|| format!("keeping the evaluation on AI system {system}"))?;
            eprintln!(
                "kept as evaluation {id} of AI system {system} on {}",
                server.name()
            );
        }
    }
    Ok(())
}

fn ascii_delimiter(delimiter: char) -> anyhow::Result<()> {
    if !delimiter.is_ascii() {
        anyhow::bail!("--delimiter must be a single ASCII character, got `{delimiter}`");
    }
    Ok(())
}

/// Runs an evaluation on every core, with a progress bar on a terminal.
fn with_progress<T>(run: impl FnOnce(usize, &Progress) -> T) -> T {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let progress = Progress::default();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if std::io::stderr().is_terminal() {
            scope.spawn(|| show_progress(&progress, &done));
        }
        let result = run(threads, &progress);
        done.store(true, Ordering::Relaxed);
        result
    })
}

/// A progress bar on standard error for inputs that take more than a second; the bytes
/// read and the rate alone when the input's size is not known (compressed text).
fn show_progress(progress: &Progress, done: &AtomicBool) {
    let started = Instant::now();
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let elapsed = started.elapsed().as_secs_f64();
        if elapsed < 1.0 {
            continue;
        }
        eprint!(
            "\r{}",
            progress_line(progress.read(), progress.total(), elapsed)
        );
        shown = true;
    }
    if shown {
        eprint!("\r{}\r", " ".repeat(72));
    }
}

/// `[#########...........]  45%  120 of 270 MB, 850 MB/s, 1.5 s`, or without the bar and
/// the total when it is not known.
fn progress_line(read: u64, total: Option<u64>, elapsed: f64) -> String {
    const WIDTH: usize = 24;
    let megabytes = read as f64 / 1e6;
    let rate = megabytes / elapsed.max(1e-9);
    match total {
        Some(total) => {
            // A second pass over a file can read past the first plan: keep within the bar.
            let share = (read as f64 / total as f64).min(1.0);
            let filled = (share * WIDTH as f64).round() as usize;
            format!(
                "[{}{}] {:>3.0}%  {megabytes:.0} of {:.0} MB, {rate:.0} MB/s, {elapsed:.1} s   ",
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                share * 100.0,
                total as f64 / 1e6,
            )
        }
        None => format!("{megabytes:.0} MB read, {rate:.0} MB/s, {elapsed:.1} s   "),
    }
}

fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
}

/// The group a person should look at first: the lowest true positive rate (the group the
/// model misses most), else the lowest selection rate.
fn worst(groups: &[GroupMetrics]) -> Option<usize> {
    let by = |f: fn(&GroupMetrics) -> Option<f64>| {
        groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| f(g).map(|v| (i, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    };
    by(|g| g.tpr).or_else(|| by(|g| g.selection_rate))
}

fn table(report: &FairnessReport, colour: bool) -> String {
    let headers = [
        "GROUP",
        "COUNT",
        "SELECTION",
        "ACCURACY",
        "PRECISION",
        "TPR",
        "FPR",
    ];
    let row = |name: String, g: &GroupMetrics| -> [String; 7] {
        [
            name,
            g.count.to_string(),
            rate(g.selection_rate),
            rate(g.accuracy),
            rate(g.precision),
            rate(g.tpr),
            rate(g.fpr),
        ]
    };
    let mut rows = vec![row("(all)".into(), &report.overall)];
    for g in &report.groups {
        let name = g
            .group
            .as_ref()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        rows.push(row(name, g));
    }
    let worst_row = worst(&report.groups).map(|i| i + 1);
    let mut widths = headers.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let format_row = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = format_row(&headers.map(String::from)) + "\n";
    for (i, r) in rows.iter().enumerate() {
        let line = format_row(r);
        if Some(i) == worst_row && colour {
            out.push_str(&format!("\x1b[1;31m{line}\x1b[0m\n"));
        } else if Some(i) == worst_row {
            out.push_str(&format!("{line}   <- worst\n"));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    let d = &report.disparities;
    out.push_str(&format!(
        "\n{} rows. Between groups: demographic parity difference {} ratio {}; equalized odds difference {} ratio {}; equal opportunity difference {} ratio {}.\n",
        report.rows,
        rate(d.demographic_parity_difference),
        rate(d.demographic_parity_ratio),
        rate(d.equalized_odds_difference),
        rate(d.equalized_odds_ratio),
        rate(d.equal_opportunity_difference),
        rate(d.equal_opportunity_ratio)
    ));
    out.push_str(&format!(
        "Four-fifths rule (selection-rate ratio >= {}): {}.\n",
        report.four_fifths.threshold, report.four_fifths.verdict
    ));
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The baseline dataset: CSV with a header row (plain, gzip or zstd) or Parquet, chosen by content.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The dataset to compare with the baseline, in the same form.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Columns to compare (default: all, and then both files must have the same columns).
    #[arg(long, value_name = "COL,...", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Number of PSI bins for numeric columns, cut at the reference's quantiles.
    #[arg(long, value_name = "N", default_value_t = aims_analytics::drift::DEFAULT_BINS)]
    pub bins: usize,
    /// Smallest share a PSI bin counts with, so that empty bins stay finite.
    #[arg(long, value_name = "SHARE", default_value_t = aims_analytics::drift::DEFAULT_PSI_FLOOR)]
    pub psi_floor: f64,
    /// PSI from which a column's verdict is `warn`.
    #[arg(long, value_name = "PSI", default_value_t = aims_analytics::drift::DEFAULT_PSI_WARN)]
    pub psi_warn: f64,
    /// PSI from which a column's verdict is `alarm` (the column counts as drifted).
    #[arg(long, value_name = "PSI", default_value_t = aims_analytics::drift::DEFAULT_PSI_ALARM)]
    pub psi_alarm: f64,
    /// Field separator of the CSV files.
    #[arg(long, value_name = "CHAR", default_value = ",")]
    pub delimiter: char,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when a column's verdict is at least this bad: for pipelines that must stop on drift.
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub keep: KeepArgs,
}

/// The verdict from which `aims eval drift` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Warn,
    Alarm,
}

pub async fn drift(
    settings: &Settings,
    args: &DriftArgs,
    database_flag: bool,
) -> anyhow::Result<ExitCode> {
    ascii_delimiter(args.delimiter)?;
    let keeper = args.keep.keeper(settings, database_flag)?;
    let params = DriftParams {
        columns: args.columns.clone(),
        bins: args.bins,
        psi_floor: args.psi_floor,
        psi_warn: args.psi_warn,
        psi_alarm: args.psi_alarm,
        delimiter: args.delimiter as u8,
    };
    let report = with_progress(|threads, progress| {
        evaluate_drift_observed(&args.reference, &args.current, &params, threads, progress)
    })
    .context("aims eval drift")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => print!("{}", drift_table(&report, std::io::stdout().is_terminal())),
    }
    let result = serde_json::to_value(&report)?;
    let verdict = drift_verdict(&result);
    if let Some((system, keeper)) = keeper {
        let parameters = serde_json::json!({
            "columns": args.columns, "bins": args.bins, "psi_floor": args.psi_floor,
            "psi_warn": args.psi_warn, "psi_alarm": args.psi_alarm,
            "delimiter": args.delimiter.to_string(),
        });
        let evidence = Evidence {
            kind: EvaluationKind::Drift,
            inputs: &[&args.reference, &args.current],
            parameters,
            result,
            verdict,
        };
        keep(keeper, system, evidence).await?;
    }
    let threshold = args.fail_on.map(|f| match f {
        FailOn::Warn => aims_domain::evaluation::Verdict::Warn,
        FailOn::Alarm => aims_domain::evaluation::Verdict::Alarm,
    });
    if let (Some(threshold), Some(verdict)) = (threshold, verdict)
        && verdict >= threshold
    {
        eprintln!("drift: a column's verdict is {verdict:?}, at or above --fail-on");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn figure(value: Option<f64>) -> String {
    match value {
        None => "n/a".to_owned(),
        Some(v) if v != 0.0 && v.abs() < 1e-3 => format!("{v:.2e}"),
        Some(v) => format!("{v:.4}"),
    }
}

fn drift_table(report: &DriftReport, colour: bool) -> String {
    let headers = [
        "COLUMN",
        "KIND",
        "PSI",
        "KS",
        "KS P",
        "WASSERSTEIN",
        "JS",
        "CHI2 P",
        "MISSING",
        "VERDICT",
    ];
    let row = |c: &ColumnDrift| -> [String; 10] {
        [
            c.name.clone(),
            format!("{:?}", c.kind).to_lowercase(),
            figure(c.psi),
            figure(c.ks_statistic),
            figure(c.ks_pvalue),
            figure(c.wasserstein),
            figure(c.js_distance),
            figure(c.chi2_pvalue),
            format!("{}/{}", c.reference_missing, c.current_missing),
            format!("{:?}", c.verdict).to_lowercase(),
        ]
    };
    let rows: Vec<[String; 10]> = report.columns.iter().map(row).collect();
    let mut widths = headers.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let format_row = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 || i == 9 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = format_row(&headers.map(String::from)) + "\n";
    for (r, c) in rows.iter().zip(&report.columns) {
        let line = format_row(r);
        match (c.verdict, colour) {
            (Verdict::Alarm, true) => out.push_str(&format!("\x1b[1;31m{line}\x1b[0m\n")),
            (Verdict::Warn, true) => out.push_str(&format!("\x1b[33m{line}\x1b[0m\n")),
            _ => {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out.push_str(&format!(
        "\n{} reference rows, {} current rows. {} of {} columns drifted ({:.0}%): PSI >= {} (warn from {}).\n",
        report.reference_rows,
        report.current_rows,
        report.drifted_columns,
        report.columns.len(),
        report.drifted_share * 100.0,
        report.thresholds.psi_alarm,
        report.thresholds.psi_warn,
    ));
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::progress_line;

    #[test]
    fn the_progress_bar_fills_with_the_share_read() {
        assert_eq!(
            progress_line(135_000_000, Some(270_000_000), 2.0),
            "[############............]  50%  135 of 270 MB, 68 MB/s, 2.0 s   "
        );
        // A second pass can read more than planned: the bar stays full.
        assert!(progress_line(300_000_000, Some(270_000_000), 1.0).starts_with("[####"));
        assert!(progress_line(300_000_000, Some(270_000_000), 1.0).contains("100%"));
        assert_eq!(
            progress_line(5_000_000, None, 1.0),
            "5 MB read, 5 MB/s, 1.0 s   "
        );
    }
}

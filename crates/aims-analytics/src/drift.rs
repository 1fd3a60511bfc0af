//! Data drift between a reference and a current file, per column: PSI, Kolmogorov–Smirnov,
//! Wasserstein and Jensen–Shannon for numbers; PSI, chi-square and Jensen–Shannon for
//! categories. Two Parquet files are read column by column for the columns both type as
//! numbers (`columnar`); anything else is read once, row by row, on every core (a column
//! that turns out to mix numbers and text costs a second pass over the reference). Numeric
//! columns are kept as flat vectors of doubles; the measures come from counts per bucket of
//! values and sorts of the few buckets where order matters (`bucketed`). Definitions:
//! `docs/metrics.md`.

mod bucketed;
mod collect;
mod columnar;
pub mod metrics;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::input::{Headers, InputError};
use crate::ks::KsMethod;
use crate::progress::Progress;
use bucketed::{Samples, Side};
use collect::{ColumnData, Plan, collect};

pub const DEFAULT_BINS: usize = 10;
pub const DEFAULT_PSI_FLOOR: f64 = 1e-4;
pub const DEFAULT_PSI_WARN: f64 = 0.1;
pub const DEFAULT_PSI_ALARM: f64 = 0.25;
/// Histograms of categorical columns with more values than this are left out of the
/// report (the measures are not).
const MAX_REPORTED_CATEGORIES: usize = 1000;

#[derive(Debug, Clone)]
pub struct DriftParams {
    /// The columns to compare; all columns (which must then be the same in both files)
    /// when empty.
    pub columns: Vec<String>,
    pub bins: usize,
    pub psi_floor: f64,
    pub psi_warn: f64,
    pub psi_alarm: f64,
    pub delimiter: u8,
}

impl Default for DriftParams {
    fn default() -> Self {
        DriftParams {
            columns: Vec::new(),
            bins: DEFAULT_BINS,
            psi_floor: DEFAULT_PSI_FLOOR,
            psi_warn: DEFAULT_PSI_WARN,
            psi_alarm: DEFAULT_PSI_ALARM,
            delimiter: b',',
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{}", columns_differ(.reference, .only_reference, .current, .only_current))]
    ColumnsDiffer {
        reference: PathBuf,
        only_reference: Vec<String>,
        current: PathBuf,
        only_current: Vec<String>,
    },
    #[error(
        "column `{column}` is numeric in {numeric} but not in {text}, which holds `{value}` on line {line}"
    )]
    KindDiffers {
        column: String,
        numeric: PathBuf,
        text: PathBuf,
        value: String,
        line: u64,
    },
    #[error("{0}")]
    Params(String),
}

fn columns_differ(
    reference: &Path,
    only_reference: &[String],
    current: &Path,
    only_current: &[String],
) -> String {
    let mut parts = Vec::new();
    if !only_reference.is_empty() {
        parts.push(format!(
            "only {} has {}",
            reference.display(),
            only_reference.join(", ")
        ));
    }
    if !only_current.is_empty() {
        parts.push(format!(
            "only {} has {}",
            current.display(),
            only_current.join(", ")
        ));
    }
    format!(
        "the files have different columns: {}; name the columns to compare with --columns",
        parts.join("; ")
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Numeric,
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Alarm,
}

/// What a chart needs: numeric bins (edges) or categories, and each side's share.
#[derive(Debug, Clone, Serialize)]
pub struct Histogram {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnDrift {
    pub name: String,
    pub kind: Kind,
    /// Values present (not missing) in each file.
    pub reference_count: u64,
    pub current_count: u64,
    pub reference_missing: u64,
    pub current_missing: u64,
    pub psi: Option<f64>,
    pub ks_statistic: Option<f64>,
    pub ks_pvalue: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ks_method: Option<KsMethod>,
    pub wasserstein: Option<f64>,
    pub wasserstein_normed: Option<f64>,
    pub js_distance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi2_statistic: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi2_pvalue: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi2_dof: Option<u64>,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Histogram>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    pub psi_warn: f64,
    pub psi_alarm: f64,
}

/// The conventions behind the figures, so a result can be read without the docs.
#[derive(Debug, Clone, Serialize)]
pub struct Conventions {
    pub psi_bins: usize,
    pub psi_bin_edges: &'static str,
    pub psi_bin_closure: &'static str,
    pub psi_share_floor: f64,
    pub js_log_base: u32,
    pub js_numeric_bins: &'static str,
    pub ks_method: &'static str,
    pub chi2: &'static str,
    pub wasserstein_normed: &'static str,
    pub drifted: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub reference_rows: u64,
    pub current_rows: u64,
    pub columns: Vec<ColumnDrift>,
    pub drifted_columns: usize,
    pub drifted_share: f64,
    pub thresholds: Thresholds,
    pub conventions: Conventions,
    pub warnings: Vec<String>,
}

pub fn evaluate_drift(
    reference: &Path,
    current: &Path,
    params: &DriftParams,
) -> Result<DriftReport, DriftError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    evaluate_drift_observed(reference, current, params, threads, &Progress::default())
}

/// As [`evaluate_drift`] on `threads` workers, adding the bytes read so far to
/// `progress` for a progress display.
pub fn evaluate_drift_observed(
    reference: &Path,
    current: &Path,
    params: &DriftParams,
    threads: usize,
    progress: &Progress,
) -> Result<DriftReport, DriftError> {
    check(params)?;
    let ref_headers = Headers::read(reference, params.delimiter)?;
    let cur_headers = Headers::read(current, params.delimiter)?;
    let names = column_names(&ref_headers, &cur_headers, params)?;
    let ref_at: Vec<usize> = names
        .iter()
        .map(|n| ref_headers.column(n))
        .collect::<Result<_, _>>()?;
    let cur_at: Vec<usize> = names
        .iter()
        .map(|n| cur_headers.column(n))
        .collect::<Result<_, _>>()?;
    // Every byte to read is declared before any is read, so the total never grows.
    for headers in [&ref_headers, &cur_headers] {
        progress.expect(headers.planned_size(&names));
    }
    let both_parquet = ref_headers.is_parquet() && cur_headers.is_parquet();
    drop((ref_headers, cur_headers));

    // Columns both Parquet files type as numbers are read column by column; what is left
    // (text, or a column holding an infinity) takes one pass over each file.
    let mut measured: Vec<Option<ColumnDrift>> = vec![None; names.len()];
    let mut rows = None;
    if both_parquet {
        let numbers =
            columnar::measure_numbers(reference, current, &names, params, threads, progress)?;
        rows = Some((numbers.reference_rows, numbers.current_rows));
        measured = numbers.columns;
    }
    let plans: Vec<Plan> = measured
        .iter()
        .map(|m| if m.is_some() { Plan::Skip } else { Plan::Infer })
        .collect();
    if plans.contains(&Plan::Infer) {
        let (rest, read_rows) = measure_rows(
            (reference, &ref_at),
            (current, &cur_at),
            &names,
            &plans,
            params,
            threads,
            progress,
        )?;
        rows = Some(read_rows);
        let open = measured.iter_mut().filter(|m| m.is_none());
        for (slot, column) in open.zip(rest) {
            *slot = Some(column);
        }
    }
    let (reference_rows, current_rows) = rows.unwrap_or_default();
    no_rows(reference, reference_rows)?;
    no_rows(current, current_rows)?;
    let columns = measured.into_iter().flatten().collect();
    Ok(report(reference_rows, current_rows, columns, params))
}

/// Reads each file once, row by row, for the columns `plans` does not skip, and measures
/// them; returns them in order, and the files' row counts.
fn measure_rows(
    (reference, ref_at): (&Path, &[usize]),
    (current, cur_at): (&Path, &[usize]),
    names: &[String],
    plans: &[Plan],
    params: &DriftParams,
    threads: usize,
    progress: &Progress,
) -> Result<(Vec<ColumnDrift>, (u64, u64)), DriftError> {
    let read = |path: &Path, at: &[usize], plans: &[Plan]| {
        collect(path, params.delimiter, names, at, plans, threads, progress)
    };
    let mut ref_data = read(reference, ref_at, plans)?;
    no_rows(reference, ref_data.rows)?;
    // Columns that mixed numbers and text lost their early values: count them again.
    let again: Vec<Plan> = ref_data
        .columns
        .iter()
        .map(|c| {
            if c.incomplete {
                Plan::Categories
            } else {
                Plan::Skip
            }
        })
        .collect();
    if again.contains(&Plan::Categories) {
        let second = read(reference, ref_at, &again)?;
        for ((column, plan), recount) in ref_data.columns.iter_mut().zip(&again).zip(second.columns)
        {
            if *plan == Plan::Categories {
                *column = recount;
            }
        }
    }
    // The current file is read knowing what the reference holds.
    let cur_plans: Vec<Plan> = ref_data
        .columns
        .iter()
        .zip(plans)
        .map(|(c, plan)| {
            if *plan == Plan::Skip {
                Plan::Skip
            } else if c.text.is_none() && c.number_count() > 0 {
                Plan::Infer
            } else {
                Plan::Categories
            }
        })
        .collect();
    let cur_data = read(current, cur_at, &cur_plans)?;
    no_rows(current, cur_data.rows)?;

    let mut jobs = Vec::with_capacity(names.len());
    let columns = names.iter().zip(ref_data.columns).zip(cur_data.columns);
    for (((name, r), c), plan) in columns.zip(plans) {
        if *plan != Plan::Skip {
            jobs.push(Job::new(name, r, c, reference, current)?);
        }
    }
    let rows = (ref_data.rows, cur_data.rows);
    Ok((run_jobs(jobs, params, threads), rows))
}

fn check(params: &DriftParams) -> Result<(), DriftError> {
    let bad = |m: String| Err(DriftError::Params(m));
    if params.bins < 2 {
        return bad(format!("--bins must be at least 2, got {}", params.bins));
    }
    if !(params.psi_floor > 0.0 && params.psi_floor < 1.0) {
        return bad(format!(
            "--psi-floor must be between 0 and 1, got {}",
            params.psi_floor
        ));
    }
    if !(params.psi_warn >= 0.0 && params.psi_warn <= params.psi_alarm) {
        return bad(format!(
            "the PSI thresholds must satisfy 0 <= warn <= alarm, got warn {} and alarm {}",
            params.psi_warn, params.psi_alarm
        ));
    }
    Ok(())
}

fn no_rows(path: &Path, rows: u64) -> Result<(), DriftError> {
    if rows == 0 {
        return Err(InputError::Invalid {
            path: path.to_owned(),
            message: "the file has a header row but no data rows".into(),
        }
        .into());
    }
    Ok(())
}

fn column_names(
    reference: &Headers,
    current: &Headers,
    params: &DriftParams,
) -> Result<Vec<String>, DriftError> {
    if !params.columns.is_empty() {
        return Ok(params.columns.clone());
    }
    let in_ref: BTreeSet<&String> = reference.names.iter().collect();
    let in_cur: BTreeSet<&String> = current.names.iter().collect();
    let only = |a: &BTreeSet<&String>, b: &BTreeSet<&String>| -> Vec<String> {
        a.difference(b).map(|s| (*s).clone()).collect()
    };
    let (only_reference, only_current) = (only(&in_ref, &in_cur), only(&in_cur, &in_ref));
    if !only_reference.is_empty() || !only_current.is_empty() {
        return Err(DriftError::ColumnsDiffer {
            reference: reference.path.clone(),
            only_reference,
            current: current.path.clone(),
            only_current,
        });
    }
    let mut seen = BTreeSet::new();
    Ok(reference
        .names
        .iter()
        .filter(|h| seen.insert(h.as_str()))
        .cloned()
        .collect())
}

/// One column's data from both files, its kind settled.
struct Job {
    name: String,
    kind: Kind,
    reference: ColumnData,
    current: ColumnData,
}

impl Job {
    fn new(
        name: &str,
        reference: ColumnData,
        current: ColumnData,
        ref_path: &Path,
        cur_path: &Path,
    ) -> Result<Job, DriftError> {
        let ref_numeric = reference.text.is_none() && reference.number_count() > 0;
        let kind = if ref_numeric {
            if let Some((line, value)) = &current.text {
                return Err(DriftError::KindDiffers {
                    column: name.to_owned(),
                    numeric: ref_path.to_owned(),
                    text: cur_path.to_owned(),
                    value: value.clone(),
                    line: *line,
                });
            }
            Kind::Numeric
        } else {
            // Read as categories: numeric when every value is a number.
            let cur_numeric = current.text.is_none() && current.category_total() > 0;
            match &reference.text {
                Some((line, value)) if cur_numeric => {
                    return Err(DriftError::KindDiffers {
                        column: name.to_owned(),
                        numeric: cur_path.to_owned(),
                        text: ref_path.to_owned(),
                        value: value.clone(),
                        line: *line,
                    });
                }
                Some(_) => Kind::Categorical,
                None if cur_numeric || current.text.is_none() => Kind::Numeric,
                None => Kind::Categorical,
            }
        };
        Ok(Job {
            name: name.to_owned(),
            kind,
            reference,
            current,
        })
    }
}

/// Runs the columns on `threads` workers; measuring dominates, and columns are independent.
fn run_jobs(jobs: Vec<Job>, params: &DriftParams, threads: usize) -> Vec<ColumnDrift> {
    let count = jobs.len();
    let queue: Vec<Mutex<Option<Job>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<ColumnDrift>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(count.max(1)) {
            scope.spawn(|| {
                let mut samples = Samples::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let job = queue[i].lock().unwrap_or_else(|p| p.into_inner()).take();
                    if let Some(job) = job {
                        let column = measure(job, params, &mut samples);
                        *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(column);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|r| r.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

fn verdict(psi: Option<f64>, ref_count: u64, cur_count: u64, params: &DriftParams) -> Verdict {
    match psi {
        Some(psi) if psi >= params.psi_alarm => Verdict::Alarm,
        Some(psi) if psi >= params.psi_warn => Verdict::Warn,
        Some(_) => Verdict::Ok,
        // Values on one side only: the column appeared or vanished.
        None if (ref_count == 0) != (cur_count == 0) => Verdict::Alarm,
        None => Verdict::Ok,
    }
}

impl ColumnDrift {
    /// A column with its counts and no measures yet.
    fn new(name: String, kind: Kind, counts: (u64, u64), missing: (u64, u64)) -> ColumnDrift {
        ColumnDrift {
            name,
            kind,
            reference_count: counts.0,
            current_count: counts.1,
            reference_missing: missing.0,
            current_missing: missing.1,
            psi: None,
            ks_statistic: None,
            ks_pvalue: None,
            ks_method: None,
            wasserstein: None,
            wasserstein_normed: None,
            js_distance: None,
            chi2_statistic: None,
            chi2_pvalue: None,
            chi2_dof: None,
            verdict: Verdict::Ok,
            histogram: None,
        }
    }

    /// Takes the measures of a numeric column.
    fn set_numeric(&mut self, m: metrics::NumericMeasures) {
        self.psi = Some(m.psi);
        self.ks_statistic = Some(m.ks.statistic);
        self.ks_pvalue = Some(m.ks.pvalue);
        self.ks_method = Some(m.ks.method);
        self.wasserstein = Some(m.wasserstein);
        self.wasserstein_normed = m.wasserstein_normed;
        self.js_distance = Some(m.js_distance);
        self.histogram = Some(Histogram {
            edges: Some(m.edges),
            categories: None,
            reference: metrics::shares(&m.reference_counts),
            current: metrics::shares(&m.current_counts),
        });
    }

    /// Sets the verdict from the measures.
    fn settle(mut self, params: &DriftParams) -> ColumnDrift {
        self.verdict = verdict(self.psi, self.reference_count, self.current_count, params);
        self
    }
}

/// Measures one column with a worker's buffers.
fn measure(job: Job, params: &DriftParams, samples: &mut Samples) -> ColumnDrift {
    let Job {
        name,
        kind,
        reference,
        current,
    } = job;
    // Numbers and counted values are never both collected for one column and file.
    let total = |c: &ColumnData| c.number_count() as u64 + c.category_total();
    let mut column = ColumnDrift::new(
        name,
        kind,
        (total(&reference), total(&current)),
        (reference.missing, current.missing),
    );
    match kind {
        Kind::Numeric => {
            samples.start();
            for (side, parts) in [
                (Side::Reference, reference.numbers),
                (Side::Current, current.numbers),
            ] {
                samples.reserve(side, parts.iter().map(Vec::len).sum());
                parts.iter().for_each(|part| samples.push(side, part));
            }
            if let Some(m) = samples.measure(params.bins, params.psi_floor) {
                column.set_numeric(m);
            }
        }
        Kind::Categorical => {
            let mut values: Vec<&Vec<u8>> = reference
                .categories
                .keys()
                .chain(current.categories.keys())
                .collect();
            values.sort();
            values.dedup();
            let count = |side: &ColumnData| -> Vec<u64> {
                values
                    .iter()
                    .map(|v| side.categories.get(*v).copied().unwrap_or(0))
                    .collect()
            };
            let (rc, cc) = (count(&reference), count(&current));
            if column.reference_count > 0 && column.current_count > 0 {
                let (rs, cs) = (metrics::shares(&rc), metrics::shares(&cc));
                column.psi = Some(metrics::psi(&rs, &cs, params.psi_floor));
                column.js_distance = Some(metrics::jensen_shannon(&rc, &cc));
                let (statistic, pvalue, dof) = metrics::chi_square(&rc, &cc);
                column.chi2_statistic = Some(statistic);
                column.chi2_pvalue = Some(pvalue);
                column.chi2_dof = Some(dof);
                if values.len() <= MAX_REPORTED_CATEGORIES {
                    column.histogram = Some(Histogram {
                        edges: None,
                        categories: Some(
                            values
                                .iter()
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                                .collect(),
                        ),
                        reference: rs,
                        current: cs,
                    });
                }
            }
        }
    }
    column.settle(params)
}

fn report(
    reference_rows: u64,
    current_rows: u64,
    columns: Vec<ColumnDrift>,
    params: &DriftParams,
) -> DriftReport {
    let mut warnings = Vec::new();
    for c in &columns {
        match (c.reference_count, c.current_count) {
            (0, 0) => warnings.push(format!(
                "column `{}` has no values in either file: nothing to compare",
                c.name
            )),
            (0, _) => warnings.push(format!(
                "column `{}` has no values in the reference: its measures are undefined and it counts as drifted",
                c.name
            )),
            (_, 0) => warnings.push(format!(
                "column `{}` has no values in the current file: its measures are undefined and it counts as drifted",
                c.name
            )),
            _ => {}
        }
        if c.kind == Kind::Categorical && c.psi.is_some() && c.histogram.is_none() {
            warnings.push(format!(
                "column `{}` has more than {MAX_REPORTED_CATEGORIES} distinct values: its histogram is left out",
                c.name
            ));
        }
    }
    let drifted_columns = columns
        .iter()
        .filter(|c| c.verdict == Verdict::Alarm)
        .count();
    let drifted_share = if columns.is_empty() {
        0.0
    } else {
        drifted_columns as f64 / columns.len() as f64
    };
    DriftReport {
        reference_rows,
        current_rows,
        columns,
        drifted_columns,
        drifted_share,
        thresholds: Thresholds {
            psi_warn: params.psi_warn,
            psi_alarm: params.psi_alarm,
        },
        conventions: Conventions {
            psi_bins: params.bins,
            psi_bin_edges: "reference quantiles at i/bins, linear interpolation (numpy default, Hyndman-Fan type 7)",
            psi_bin_closure: "left-closed [e(i-1), e(i)), first and last bins open",
            psi_share_floor: params.psi_floor,
            js_log_base: 2,
            js_numeric_bins: "the PSI bins, shares not floored",
            ks_method: "two-sided; exact when both samples have at most 10000 values, else asymptotic (scipy.stats.ks_2samp method='auto')",
            chi2: "Pearson, 2 x k contingency table of counts, no continuity correction",
            wasserstein_normed: "divided by the reference's population standard deviation",
            drifted: "verdict alarm: PSI at or above psi_alarm, or values in one file only",
        },
        warnings,
    }
}

#[cfg(test)]
mod tests;

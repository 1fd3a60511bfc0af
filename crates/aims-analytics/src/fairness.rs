//! Group fairness of a binary classifier: per-group rates with intervals, and the
//! between-group disparities Fairlearn defines, from one pass over the input.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;
use std::path::Path;

use serde::Serialize;

use crate::confusion::{Confusion, Ratio};
use crate::input::{CsvInput, InputError};
use crate::parquet_dictionary::{DictionaryColumn, NULL};
use crate::parquet_input::{ParquetSource, RowGroupValues, scan_row_groups};
use crate::progress::Progress;
use crate::stats::{Z95, wilson};

/// Sensitive values are interned per column and packed into one integer per row, so
/// counting a row costs one hash lookup and no allocation.
const MAX_SENSITIVE: usize = 4;
const MAX_VALUES_PER_COLUMN: usize = u16::MAX as usize;
/// A dictionary entry not met yet in a row group.
const UNSEEN: u32 = u32::MAX;

/// The four-fifths rule: a selection-rate ratio below this indicates adverse impact.
pub const FOUR_FIFTHS: f64 = 0.8;

#[derive(Debug, Clone)]
pub struct FairnessParams {
    pub label: String,
    pub prediction: String,
    pub score: Option<String>,
    pub sensitive: Vec<String>,
    /// The value that means "positive" in the label and prediction columns. Without it,
    /// `1`/`0` and `true`/`false` are understood.
    pub positive_label: Option<String>,
    pub min_group_size: u64,
    pub delimiter: u8,
}

/// Counts of one group: its confusion matrix and, with scores, how many positives and
/// negatives share each distinct score (enough for an exact ROC AUC).
#[derive(Debug, Clone, Default)]
struct GroupCounts {
    confusion: Confusion,
    scores: HashMap<u64, (u64, u64)>,
}

impl GroupCounts {
    fn merge(&mut self, other: &GroupCounts) {
        self.confusion.merge(&other.confusion);
        for (score, (p, n)) in &other.scores {
            let entry = self.scores.entry(*score).or_default();
            entry.0 += p;
            entry.1 += n;
        }
    }

    /// The Mann–Whitney form of the ROC AUC: the chance that a random positive scores
    /// above a random negative, ties counting one half. Equal to the area under the ROC curve.
    fn roc_auc(&self) -> Option<f64> {
        let mut distinct: Vec<(f64, u64, u64)> = self
            .scores
            .iter()
            .map(|(bits, (p, n))| (f64::from_bits(*bits), *p, *n))
            .collect();
        distinct.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (positives, negatives) = distinct
            .iter()
            .fold((0u64, 0u64), |(p, n), s| (p + s.1, n + s.2));
        if positives == 0 || negatives == 0 {
            return None;
        }
        let mut negatives_below = 0u64;
        let mut wins = 0.0f64;
        for (_, p, n) in distinct {
            wins += p as f64 * (negatives_below as f64 + 0.5 * n as f64);
            negatives_below += n;
        }
        Some(wins / (positives as f64 * negatives as f64))
    }
}

/// The rates of one group (or of everyone), each `null` when undefined.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMetrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<BTreeMap<String, String>>,
    pub count: u64,
    pub positives: u64,
    pub negatives: u64,
    pub selection_rate: Option<f64>,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
    pub fnr: Option<f64>,
    pub tnr: Option<f64>,
    pub base_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    /// 95% Wilson intervals of each defined rate: `[low, high]`.
    pub intervals: BTreeMap<&'static str, [f64; 2]>,
    /// Whether the group has fewer rows than the minimum group size.
    pub small: bool,
}

impl GroupMetrics {
    fn from_counts(
        group: Option<BTreeMap<String, String>>,
        counts: &GroupCounts,
        with_score: bool,
        min_group_size: u64,
    ) -> Self {
        let c = &counts.confusion;
        let rates: [(&'static str, Ratio); 8] = [
            ("selection_rate", c.selection_rate()),
            ("accuracy", c.accuracy()),
            ("precision", c.precision()),
            ("tpr", c.true_positive_rate()),
            ("fpr", c.false_positive_rate()),
            ("fnr", c.false_negative_rate()),
            ("tnr", c.true_negative_rate()),
            ("base_rate", c.base_rate()),
        ];
        let intervals = rates
            .iter()
            .filter_map(|(name, r)| {
                wilson(r.numerator, r.denominator, Z95).map(|(lo, hi)| (*name, [lo, hi]))
            })
            .collect();
        let value = |i: usize| rates[i].1.value();
        GroupMetrics {
            group,
            count: c.count(),
            positives: c.positives(),
            negatives: c.negatives(),
            selection_rate: value(0),
            accuracy: value(1),
            precision: value(2),
            tpr: value(3),
            fpr: value(4),
            fnr: value(5),
            tnr: value(6),
            base_rate: value(7),
            roc_auc: if with_score { counts.roc_auc() } else { None },
            intervals,
            small: c.count() < min_group_size,
        }
    }

    /// The names of the rates that are undefined for this group.
    fn undefined(&self) -> Vec<&'static str> {
        let all = [
            ("selection_rate", self.selection_rate),
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("tpr", self.tpr),
            ("fpr", self.fpr),
            ("fnr", self.fnr),
            ("tnr", self.tnr),
        ];
        all.iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect()
    }
}

/// Between-group disparities over the intersectional groups (Fairlearn's `between_groups`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Disparities {
    pub demographic_parity_difference: Option<f64>,
    pub demographic_parity_ratio: Option<f64>,
    pub equalized_odds_difference: Option<f64>,
    pub equalized_odds_ratio: Option<f64>,
    pub equal_opportunity_difference: Option<f64>,
    pub equal_opportunity_ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FourFifths {
    pub threshold: f64,
    pub selection_rate_ratio: Option<f64>,
    /// `pass`, `fail` (adverse impact indicated) or `undefined`.
    pub verdict: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    pub rows: u64,
    pub label: String,
    pub prediction: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    pub sensitive: Vec<String>,
    pub positive_label: String,
    pub overall: GroupMetrics,
    pub groups: Vec<GroupMetrics>,
    pub by_attribute: BTreeMap<String, Vec<GroupMetrics>>,
    pub disparities: Disparities,
    pub four_fifths: FourFifths,
    pub warnings: Vec<String>,
}

/// How label and prediction values map to positive and negative.
#[derive(Clone)]
struct Binary {
    column: &'static str,
    positive: Option<String>,
    /// With an explicit positive value: the distinct values seen, with the line of each.
    seen: Vec<(String, u64)>,
}

impl Binary {
    fn parse(&mut self, value: &[u8], line: u64) -> Result<bool, String> {
        // The usual spellings first, without trimming or lower-casing.
        if self.positive.is_none() {
            match value {
                b"1" | b"true" => return Ok(true),
                b"0" | b"false" => return Ok(false),
                _ => {}
            }
        }
        let value = std::str::from_utf8(value)
            .map_err(|_| format!("the {} column is not valid UTF-8", self.column))?
            .trim();
        match &self.positive {
            Some(positive) => {
                if !self.seen.iter().any(|(s, _)| s == value) {
                    if self.seen.len() == 2 {
                        return Err(self.third_value(value));
                    }
                    self.seen.push((value.to_owned(), line));
                }
                Ok(value == positive)
            }
            None => match value.to_ascii_lowercase().as_str() {
                "1" | "1.0" | "true" => Ok(true),
                "0" | "0.0" | "false" => Ok(false),
                _ => Err(format!(
                    "the {} column holds `{value}`; expected 1/0 or true/false, or name the positive value with --positive-label",
                    self.column
                )),
            },
        }
    }

    fn third_value(&self, value: &str) -> String {
        format!(
            "the {} column holds a third value `{value}` besides `{}` and `{}`: it must be binary",
            self.column, self.seen[0].0, self.seen[1].0
        )
    }

    /// Joins what two workers saw; a third distinct value is an error at the line where it
    /// first appears in the file.
    fn merge(&mut self, other: &Binary) -> Option<(u64, String)> {
        for (value, line) in &other.seen {
            match self.seen.iter_mut().find(|(v, _)| v == value) {
                Some(known) => known.1 = known.1.min(*line),
                None => self.seen.push((value.clone(), *line)),
            }
        }
        self.seen.sort_by_key(|(_, line)| *line);
        (self.seen.len() > 2).then(|| {
            let (value, line) = self.seen[2].clone();
            self.seen.truncate(2);
            (line, self.third_value(&value))
        })
    }
}

/// What one worker has counted.
struct Counts {
    rows: u64,
    label: Binary,
    prediction: Binary,
    interned: Vec<FxHashMap<Vec<u8>, u16>>,
    names: Vec<Vec<String>>,
    groups: FxHashMap<u64, GroupCounts>,
}

/// Where the columns read sit among a row's fields.
struct Layout {
    label: usize,
    prediction: usize,
    score: Option<usize>,
    sensitive: Vec<usize>,
}

impl Layout {
    fn find(
        params: &FairnessParams,
        column: impl Fn(&str) -> Result<usize, InputError>,
    ) -> Result<Layout, InputError> {
        Ok(Layout {
            label: column(&params.label)?,
            prediction: column(&params.prediction)?,
            score: params.score.as_deref().map(&column).transpose()?,
            sensitive: params
                .sensitive
                .iter()
                .map(|s| column(s))
                .collect::<Result<_, _>>()?,
        })
    }

    /// How many roles column `at` plays.
    fn uses(&self, at: usize) -> usize {
        self.sensitive
            .iter()
            .copied()
            .chain([self.label, self.prediction])
            .chain(self.score)
            .filter(|c| *c == at)
            .count()
    }

    fn last(&self) -> usize {
        self.sensitive
            .iter()
            .copied()
            .chain([self.label, self.prediction])
            .chain(self.score)
            .max()
            .unwrap_or(0)
    }
}

impl Counts {
    fn new(params: &FairnessParams) -> Counts {
        let binary = |column| Binary {
            column,
            positive: params.positive_label.clone(),
            seen: Vec::new(),
        };
        Counts {
            rows: 0,
            label: binary("label"),
            prediction: binary("prediction"),
            interned: vec![FxHashMap::default(); params.sensitive.len()],
            names: vec![Vec::new(); params.sensitive.len()],
            groups: FxHashMap::default(),
        }
    }

    /// Counts one row, whose fields `field` gives by position.
    fn count<'a>(
        &mut self,
        params: &FairnessParams,
        layout: &Layout,
        line: u64,
        field: impl Fn(usize) -> &'a [u8],
    ) -> Result<(), String> {
        self.count_with(layout, line, &field, |counts, slot| {
            counts.intern(params, slot, field(layout.sensitive[slot]))
        })
    }

    /// As [`Counts::count`], with the id of each sensitive value (by its slot) from
    /// `sensitive_id`, which may know it without the field's text. Inlined: it runs once
    /// per row, and the Parquet path lost 4% when it was called.
    #[inline]
    fn count_with<'a>(
        &mut self,
        layout: &Layout,
        line: u64,
        field: &impl Fn(usize) -> &'a [u8],
        mut sensitive_id: impl FnMut(&mut Self, usize) -> Result<u16, String>,
    ) -> Result<(), String> {
        let y = self.label.parse(field(layout.label), line)?;
        let y_hat = self.prediction.parse(field(layout.prediction), line)?;
        let mut key = 0u64;
        for slot in 0..layout.sensitive.len() {
            key |= u64::from(sensitive_id(self, slot)?) << (16 * slot);
        }
        self.add(key, y, y_hat, layout.score.map(field))
    }

    /// The id of a value of sensitive column `slot`, given on first sight.
    fn intern(
        &mut self,
        params: &FairnessParams,
        slot: usize,
        value: &[u8],
    ) -> Result<u16, String> {
        if let Some(id) = self.interned[slot].get(value) {
            return Ok(*id);
        }
        if self.names[slot].len() >= MAX_VALUES_PER_COLUMN {
            return Err(format!(
                "the sensitive column `{}` has more than {MAX_VALUES_PER_COLUMN} distinct values",
                params.sensitive[slot]
            ));
        }
        let name = std::str::from_utf8(value).map_err(|_| {
            format!(
                "the sensitive column `{}` is not valid UTF-8",
                params.sensitive[slot]
            )
        })?;
        let id = self.names[slot].len() as u16;
        self.interned[slot].insert(value.to_vec(), id);
        self.names[slot].push(name.to_owned());
        Ok(id)
    }

    /// Counts a row of the group `key` (its sensitive values' ids, 16 bits each).
    fn add(&mut self, key: u64, y: bool, y_hat: bool, score: Option<&[u8]>) -> Result<(), String> {
        let counts = self.groups.entry(key).or_default();
        counts.confusion.add(y, y_hat);
        if let Some(score) = score {
            let raw = std::str::from_utf8(score).unwrap_or("").trim();
            let score: f64 = raw
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite())
                .ok_or_else(|| {
                    format!("the score column holds `{raw}`; expected a finite number")
                })?;
            let entry = counts.scores.entry((score + 0.0).to_bits()).or_default();
            if y { entry.0 += 1 } else { entry.1 += 1 }
        }
        self.rows += 1;
        Ok(())
    }
}

/// A worker of the text path: its counts and its field splitter.
struct Partial {
    counts: Counts,
    splitter: crate::scan::Splitter,
}

/// Reads the file once, on every core, and computes the report.
pub fn evaluate_fairness(
    path: &Path,
    params: &FairnessParams,
) -> Result<FairnessReport, InputError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    evaluate_fairness_on(path, params, threads)
}

/// As [`evaluate_fairness`], on a given number of worker threads.
pub fn evaluate_fairness_on(
    path: &Path,
    params: &FairnessParams,
    threads: usize,
) -> Result<FairnessReport, InputError> {
    evaluate_fairness_observed(path, params, threads, &Progress::default())
}

/// As [`evaluate_fairness_on`], adding the number of bytes read so far (decompressed for
/// text, compressed for Parquet) to `progress` as it goes, for a progress display.
pub fn evaluate_fairness_observed(
    path: &Path,
    params: &FairnessParams,
    threads: usize,
    progress: &Progress,
) -> Result<FairnessReport, InputError> {
    let invalid = |message: String| InputError::Invalid {
        path: path.to_owned(),
        message,
    };
    if params.sensitive.is_empty() {
        return Err(invalid("name at least one sensitive column".into()));
    }
    if params.sensitive.len() > MAX_SENSITIVE {
        return Err(invalid(format!(
            "at most {MAX_SENSITIVE} sensitive columns can be combined"
        )));
    }
    let wanted: Vec<String> = [&params.label, &params.prediction]
        .into_iter()
        .chain(params.score.as_ref())
        .chain(&params.sensitive)
        .cloned()
        .collect();
    let parts = if crate::input::is_parquet(path)? {
        count_parquet(path, params, &wanted, threads.max(1), progress)?
    } else {
        count_text(path, params, threads, progress)?
    };
    let merged = merge(path, params, parts)?;
    if merged.rows == 0 {
        return Err(invalid("the file has a header row but no data rows".into()));
    }
    let positive_label = params.positive_label.clone().unwrap_or_else(|| "1".into());
    Ok(build_report(
        params,
        merged.rows,
        positive_label,
        &merged.names,
        merged.groups,
    ))
}

/// Delimited text: lines are split among the workers by [`crate::scan::scan_lines`].
fn count_text(
    path: &Path,
    params: &FairnessParams,
    threads: usize,
    progress: &Progress,
) -> Result<Vec<Counts>, InputError> {
    let mut input = CsvInput::open(path, params.delimiter)?;
    progress.expect(input.headers.planned_size(&[]));
    let layout = Layout::find(params, |name| input.headers.column(name))?;
    let last = layout.last();
    let partials = crate::scan::scan_lines(
        &mut crate::scan::Counted {
            inner: &mut input.stream,
            bytes: progress.counter(),
        },
        2,
        threads,
        || Partial {
            counts: Counts::new(params),
            splitter: crate::scan::Splitter::default(),
        },
        |partial: &mut Partial, line: u64, text: &[u8]| -> Result<(), String> {
            let Partial { counts, splitter } = partial;
            splitter.split(text, params.delimiter, last)?;
            counts.count(params, &layout, line, |at| splitter.field(text, at))
        },
    )
    .map_err(|e| InputError::Row {
        path: path.to_owned(),
        line: e.line,
        message: e.message,
    })?;
    Ok(partials.into_iter().map(|p| p.counts).collect())
}

/// Parquet: the workers take row groups and read the decoded values directly.
fn count_parquet(
    path: &Path,
    params: &FairnessParams,
    wanted: &[String],
    threads: usize,
    progress: &Progress,
) -> Result<Vec<Counts>, InputError> {
    let first = ParquetSource::open_path(path, Some(wanted))?;
    progress.expect(Some(
        (0..first.row_groups()).map(|g| first.decoded_size(g)).sum(),
    ));
    let decoded = first.decoded_headers().len();
    let layout = Layout::find(params, |name| first.decoded_position(path, name))?;
    // A sensitive column used in no other role is counted by its dictionary indices when
    // a row group has them: each distinct value is looked up once per group, not per row.
    let by_index: Vec<bool> = layout
        .sensitive
        .iter()
        .map(|at| layout.uses(*at) == 1)
        .collect();
    let init = || (Counts::new(params), vec![Vec::new(); decoded]);
    let work =
        |(counts, fields): &mut (Counts, Vec<Vec<u8>>), mut values: RowGroupValues, start: u64| {
            let dictionaries: Vec<Option<DictionaryColumn>> = layout
                .sensitive
                .iter()
                .zip(&by_index)
                .map(|(at, by_index)| by_index.then(|| values.take_dictionary(*at)).flatten())
                .collect();
            // Per slot, the id of each dictionary entry (the last one for null) once met.
            let mut ids: Vec<Vec<u32>> = dictionaries
                .iter()
                .map(|d| vec![UNSEEN; d.as_ref().map_or(0, |d| d.entry_count() + 1)])
                .collect();
            for (row, line) in (0..values.rows()).zip(start..) {
                values.next_row(fields);
                let field = |at: usize| &fields[at][..];
                counts
                    .count_with(&layout, line, &field, |counts, slot| {
                        let Some(column) = &dictionaries[slot] else {
                            return counts.intern(params, slot, field(layout.sensitive[slot]));
                        };
                        let index = column.indices[row];
                        let (cached, value) = if index == NULL {
                            (ids[slot].len() - 1, &b""[..])
                        } else {
                            (index as usize, column.entry(index))
                        };
                        if ids[slot][cached] == UNSEEN {
                            ids[slot][cached] = u32::from(counts.intern(params, slot, value)?);
                        }
                        Ok(ids[slot][cached] as u16)
                    })
                    .map_err(|message| (line, message))?;
            }
            Ok(())
        };
    let states = scan_row_groups(first, path, threads, progress, init, work)?;
    Ok(states.into_iter().map(|(counts, _)| counts).collect())
}

/// Joins the workers' counts: each interned its own ids, so groups are re-keyed by the
/// values' names.
fn merge(path: &Path, params: &FairnessParams, parts: Vec<Counts>) -> Result<Counts, InputError> {
    let mut merged = Counts::new(params);
    for part in parts {
        for (mine, theirs) in [
            (&mut merged.label, &part.label),
            (&mut merged.prediction, &part.prediction),
        ] {
            if let Some((line, message)) = mine.merge(theirs) {
                return Err(InputError::Row {
                    path: path.to_owned(),
                    line,
                    message,
                });
            }
        }
        merged.rows += part.rows;
        for (key, counts) in part.groups {
            let mut global = 0u64;
            for slot in 0..params.sensitive.len() {
                let name = &part.names[slot][((key >> (16 * slot)) & 0xffff) as usize];
                let id = match merged.interned[slot].get(name.as_bytes()) {
                    Some(id) => *id,
                    None => {
                        if merged.names[slot].len() >= MAX_VALUES_PER_COLUMN {
                            return Err(InputError::Invalid {
                                path: path.to_owned(),
                                message: format!(
                                    "the sensitive column `{}` has more than {MAX_VALUES_PER_COLUMN} distinct values",
                                    params.sensitive[slot]
                                ),
                            });
                        }
                        let id = merged.names[slot].len() as u16;
                        merged.interned[slot].insert(name.as_bytes().to_vec(), id);
                        merged.names[slot].push(name.clone());
                        id
                    }
                };
                global |= u64::from(id) << (16 * slot);
            }
            merged.groups.entry(global).or_default().merge(&counts);
        }
    }
    Ok(merged)
}

fn build_report(
    params: &FairnessParams,
    rows: u64,
    positive_label: String,
    names: &[Vec<String>],
    groups: FxHashMap<u64, GroupCounts>,
) -> FairnessReport {
    let with_score = params.score.is_some();
    let value_of =
        |key: u64, slot: usize| names[slot][((key >> (16 * slot)) & 0xffff) as usize].clone();
    let group_map = |key: u64, slots: &[usize]| -> BTreeMap<String, String> {
        slots
            .iter()
            .map(|s| (params.sensitive[*s].clone(), value_of(key, *s)))
            .collect()
    };

    let mut overall = GroupCounts::default();
    for counts in groups.values() {
        overall.merge(counts);
    }
    let all_slots: Vec<usize> = (0..params.sensitive.len()).collect();
    let mut intersectional: Vec<GroupMetrics> = groups
        .iter()
        .map(|(key, counts)| {
            GroupMetrics::from_counts(
                Some(group_map(*key, &all_slots)),
                counts,
                with_score,
                params.min_group_size,
            )
        })
        .collect();
    intersectional.sort_by(|a, b| a.group.cmp(&b.group));

    let mut by_attribute = BTreeMap::new();
    for slot in 0..params.sensitive.len() {
        let mut merged: BTreeMap<String, GroupCounts> = BTreeMap::new();
        for (key, counts) in &groups {
            merged
                .entry(value_of(*key, slot))
                .or_default()
                .merge(counts);
        }
        let metrics = merged
            .iter()
            .map(|(value, counts)| {
                GroupMetrics::from_counts(
                    Some(BTreeMap::from([(
                        params.sensitive[slot].clone(),
                        value.clone(),
                    )])),
                    counts,
                    with_score,
                    params.min_group_size,
                )
            })
            .collect();
        by_attribute.insert(params.sensitive[slot].clone(), metrics);
    }

    let mut warnings = Vec::new();
    for g in &intersectional {
        let name = describe(g);
        if g.small {
            warnings.push(format!("group {name} has {} rows, fewer than the minimum of {}: its rates are uncertain (see the intervals)", g.count, params.min_group_size));
        }
        let undefined = g.undefined();
        if !undefined.is_empty() {
            let why = if g.positives == 0 {
                "it has no positive labels"
            } else if g.negatives == 0 {
                "it has no negative labels"
            } else {
                "it has no positive predictions"
            };
            warnings.push(format!("group {name}: {} undefined because {why}; the disparities leave it out of those metrics", undefined.join(", ")));
        }
    }
    let (disparities, notes) = disparities(&intersectional);
    warnings.extend(notes);
    let ratio = disparities.demographic_parity_ratio;
    let four_fifths = FourFifths {
        threshold: FOUR_FIFTHS,
        selection_rate_ratio: ratio,
        verdict: match ratio {
            Some(r) if r >= FOUR_FIFTHS => "pass",
            Some(_) => "fail",
            None => "undefined",
        },
    };
    FairnessReport {
        rows,
        label: params.label.clone(),
        prediction: params.prediction.clone(),
        score: params.score.clone(),
        sensitive: params.sensitive.clone(),
        positive_label,
        overall: GroupMetrics::from_counts(None, &overall, with_score, 0),
        groups: intersectional,
        by_attribute,
        disparities,
        four_fifths,
        warnings,
    }
}

fn describe(g: &GroupMetrics) -> String {
    g.group.as_ref().map_or_else(String::new, |m| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// `max − min` and `min / max` of a metric over the groups where it is defined.
fn spread(
    groups: &[GroupMetrics],
    metric: fn(&GroupMetrics) -> Option<f64>,
) -> (Option<f64>, Option<f64>, bool) {
    let values: Vec<f64> = groups.iter().filter_map(metric).collect();
    if values.is_empty() {
        return (None, None, false);
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let ratio = (max > 0.0).then(|| min / max);
    (Some(max - min), ratio, max == 0.0)
}

fn disparities(groups: &[GroupMetrics]) -> (Disparities, Vec<String>) {
    let mut notes = Vec::new();
    let (dp_diff, dp_ratio, dp_zero) = spread(groups, |g| g.selection_rate);
    let (tpr_diff, tpr_ratio, tpr_zero) = spread(groups, |g| g.tpr);
    let (fpr_diff, fpr_ratio, fpr_zero) = spread(groups, |g| g.fpr);
    for (zero, metric) in [
        (dp_zero, "selection rate"),
        (tpr_zero, "true positive rate"),
        (fpr_zero, "false positive rate"),
    ] {
        if zero {
            notes.push(format!(
                "every group's {metric} is 0, so ratios over it are undefined (0/0), not infinite"
            ));
        }
    }
    let both = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        _ => None,
    };
    (
        Disparities {
            demographic_parity_difference: dp_diff,
            demographic_parity_ratio: dp_ratio,
            equalized_odds_difference: both(tpr_diff, fpr_diff, f64::max),
            equalized_odds_ratio: both(tpr_ratio, fpr_ratio, f64::min),
            equal_opportunity_difference: tpr_diff,
            equal_opportunity_ratio: tpr_ratio,
        },
        notes,
    )
}

#[cfg(test)]
mod tests;

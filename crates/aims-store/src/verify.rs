//! Verification of the change log against itself, against saved signed tree heads, and
//! against the live records: what `aims verify` runs.
//!
//! The log is read in pages by seq and streamed through [`aims_ledger::LogVerifier`];
//! each entry's logged state is checked against its hash, and the last entry of every
//! record is kept to compare with the record as it is stored. The first problem found is
//! reported, classified by what was most likely done to the database.

use std::collections::HashMap;

use aims_domain::inventory::RecordKind;
use aims_ledger::{Action, Entry, Hash, LogVerifier, TreeHead, VerifyError};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::Tx;
use crate::error::Result;
use crate::error::StoreError;
use crate::ledger::{self, RECORD_LOG, entry_from_row, hash_state};
use crate::{Store, decisions, inventory, rows, schema};

const PAGE: u64 = 10_000;

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerReport {
    /// True when nothing was found wrong.
    pub ok: bool,
    /// Entries verified (up to the first problem).
    pub entries: u64,
    /// Merkle root over the verified entries, hex.
    pub root_hash: String,
    /// Live records compared with their last entry.
    pub records_checked: u64,
    /// Signed tree heads the log was checked against.
    pub tree_heads_checked: usize,
    /// Decision logs (one per AI system) verified, and their entries.
    pub decision_logs: u64,
    pub decision_entries: u64,
    pub failure: Option<LedgerFailure>,
}

/// The first thing found wrong.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerFailure {
    /// The log concerned: `records`, or `decisions:<system id>`.
    pub log: String,
    pub problem: Problem,
    /// The entry concerned, when the problem is in the log.
    pub seq: Option<u64>,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub message: String,
}

/// How the database was changed behind aims' back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A record's stored state is not the state its last entry recorded.
    RecordEdited,
    /// A record whose last entry did not delete it is gone.
    RecordDeleted,
    /// A record exists that no entry created (or whose last entry deleted it).
    RecordCreated,
    /// An entry's content does not match its hash, or a later entry's link to it.
    EntryEdited,
    /// The state logged with an entry does not match the entry's state hash.
    StateEdited,
    /// Entries are missing from the log.
    EntryDeleted,
    /// Entries sit at seq numbers other than the ones they were written with.
    EntriesReordered,
    /// The log is shorter than a saved signed tree head says it was.
    LogTruncated,
    /// Entries covered by a saved signed tree head were rewritten with new hashes.
    LogRewritten,
    /// The kept end of the log (seq, last hash, Merkle subtree roots) disagrees with the
    /// entries.
    HeadEdited,
}

/// The last entry of a record, as far as the live check needs it.
struct LastEntry {
    seq: u64,
    action: Action,
    new_state_hash: Option<Hash>,
}

/// Kinds whose stored rows are exactly the state their entries log, so a live row can be
/// compared with its last entry. Accounts (users, memberships, tokens) are logged with
/// secrets redacted and partial states, and change on sign-in; their entries are checked
/// in the chain only.
fn checked_kinds() -> impl Iterator<Item = (&'static str, &'static str, Option<RecordKind>)> {
    RecordKind::ALL
        .into_iter()
        .map(|kind| (kind.path(), kind.table(), Some(kind)))
        .chain(std::iter::once(("organisation", "organisations", None)))
        .chain(
            crate::soa::CHECKED
                .into_iter()
                .chain(crate::risks::CHECKED)
                .chain(crate::classification::CHECKED)
                .chain(crate::assessments::CHECKED)
                .chain(crate::evaluations::CHECKED)
                .map(|(kind, table)| (kind, table, None)),
        )
}

fn failure(
    problem: Problem,
    seq: Option<u64>,
    record: Option<(&str, &str)>,
    message: String,
) -> LedgerFailure {
    LedgerFailure {
        log: RECORD_LOG.to_owned(),
        problem,
        seq,
        record_kind: record.map(|(kind, _)| kind.to_owned()),
        record_id: record.map(|(_, id)| id.to_owned()),
        message,
    }
}

impl Store {
    /// Verifies the whole change log and every live record; `heads` are tree heads saved
    /// earlier whose signatures the caller has checked.
    pub async fn verify_ledger(&self, heads: Vec<TreeHead>) -> Result<LedgerReport> {
        let tree_heads_checked = heads.len();
        let mut tx = self.pool.snapshot().await?;
        let mut verifier = LogVerifier::with_heads(heads);
        let checked: Vec<&str> = checked_kinds().map(|(kind, _, _)| kind).collect();
        let mut last: HashMap<(String, String), LastEntry> = HashMap::new();
        let mut report = LedgerReport {
            ok: false,
            entries: 0,
            root_hash: String::new(),
            records_checked: 0,
            tree_heads_checked,
            decision_logs: 0,
            decision_entries: 0,
            failure: None,
        };

        let mut after = 0i64;
        'pages: loop {
            let page = ledger::entries_after(&mut tx, after, PAGE as i64).await?;
            let Some(last_row) = page.last() else { break };
            after = last_row["seq"].as_i64().unwrap_or(after);
            for row in page {
                let (entry, state) = entry_from_row(row)?;
                if let Err(error) = verifier.push(&entry) {
                    report.failure = Some(classify(&mut tx, &entry, &verifier, error).await?);
                    break 'pages;
                }
                if let Some(problem) = check_state(&entry, &state) {
                    report.failure = Some(problem);
                    break 'pages;
                }
                if checked.contains(&entry.entity_type.as_str()) {
                    last.insert(
                        (entry.entity_type.clone(), entry.entity_id.clone()),
                        LastEntry {
                            seq: entry.seq,
                            action: entry.action,
                            new_state_hash: entry.new_state_hash,
                        },
                    );
                }
            }
        }
        report.entries = verifier.tree_size();
        report.root_hash = verifier.root().to_hex();
        if report.failure.is_some() {
            return Ok(report);
        }
        let verified = match verifier.finish() {
            Ok(verified) => verified,
            Err(error) => {
                report.failure = Some(failure(
                    Problem::LogTruncated,
                    Some(report.entries + 1),
                    None,
                    error.to_string(),
                ));
                return Ok(report);
            }
        };
        if let Some(problem) = check_head(&mut tx, RECORD_LOG, &verified).await? {
            report.failure = Some(problem);
            return Ok(report);
        }

        for (kind_name, table_name, kind) in checked_kinds() {
            let table = schema::table(table_name).expect("checked kinds have described tables");
            let mut after_id = String::new();
            loop {
                let mut stmt = rows::select(table.name, &table.columns);
                stmt.and_where(Expr::col((table.name, "id")).gt(after_id.clone()))
                    .order_by((table.name, "id"), Order::Asc)
                    .limit(PAGE);
                let page = tx.fetch(&stmt, &table.columns).await?;
                let Some(last_row) = page.last() else { break };
                after_id = last_row["id"].as_str().unwrap_or_default().to_owned();
                for row in page {
                    let id = row["id"].as_str().unwrap_or_default().to_owned();
                    report.records_checked += 1;
                    let entry = last.remove(&(kind_name.to_owned(), id.clone()));
                    if let Some(problem) = check_live(kind_name, kind, &id, row, entry) {
                        report.failure = Some(problem);
                        return Ok(report);
                    }
                }
            }
        }
        let mut gone: Vec<_> = last
            .into_iter()
            .filter(|(_, entry)| entry.action != Action::Delete)
            .collect();
        gone.sort_by_key(|(_, entry)| entry.seq);
        if let Some(((kind, id), entry)) = gone.into_iter().next() {
            report.failure = Some(failure(
                Problem::RecordDeleted,
                Some(entry.seq),
                Some((&kind, &id)),
                format!(
                    "{kind} {id} is gone, but its last ledger entry (seq {}) did not delete it: it was deleted outside aims",
                    entry.seq
                ),
            ));
            return Ok(report);
        }
        if let Some(failure) = verify_decision_logs(&mut tx, &mut report).await? {
            report.failure = Some(failure);
            return Ok(report);
        }
        report.ok = true;
        Ok(report)
    }
}

/// Verifies each system's decision log: the chain, each logged state, and the head.
async fn verify_decision_logs(
    tx: &mut Tx,
    report: &mut LedgerReport,
) -> Result<Option<LedgerFailure>> {
    for system_id in decisions::logged_systems(tx).await? {
        let log = format!("decisions:{system_id}");
        let in_log = |mut failure: LedgerFailure| {
            failure.log = log.clone();
            failure
        };
        report.decision_logs += 1;
        let start = (LogVerifier::new(), None);
        let (verifier, problem) = decisions::replay(
            tx,
            &system_id,
            start,
            |(verifier, problem), entry, state| {
                if let Err(error) = verifier.push(&entry) {
                    *problem = Some(classify_simple(&entry, error));
                    return Ok(false);
                }
                // Stored canonical, a state hashes as it is; anything else is parsed first.
                if entry.new_state_hash != Some(aims_ledger::sha256(state.as_bytes())) {
                    let value = serde_json::from_str(state).unwrap_or(Value::Null);
                    if let Some(failure) = check_state(&entry, &value) {
                        *problem = Some(failure);
                        return Ok(false);
                    }
                }
                Ok(true)
            },
        )
        .await?;
        report.decision_entries += verifier.tree_size();
        if let Some(failure) = problem {
            return Ok(Some(in_log(failure)));
        }
        let verified = verifier
            .finish()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if let Some(problem) = check_head(tx, &log, &verified).await? {
            return Ok(Some(problem));
        }
    }
    Ok(None)
}

/// The kept end of a log must be where its entries end: same last seq and hash, same
/// Merkle root. A head ahead of the entries means the last entries were deleted.
async fn check_head(
    tx: &mut Tx,
    log: &str,
    verified: &aims_ledger::VerifiedLog,
) -> Result<Option<LedgerFailure>> {
    let in_log = |mut failure: LedgerFailure| {
        failure.log = log.to_owned();
        Some(failure)
    };
    let head = match ledger::read_head(tx, log, false).await {
        Ok(head) => head,
        Err(StoreError::Corrupt(message)) => {
            return Ok(in_log(failure(
                Problem::HeadEdited,
                None,
                None,
                format!("the head of {log} was edited outside aims: {message}"),
            )));
        }
        Err(other) => return Err(other),
    };
    let size = verified.tree_size;
    if head.tip.seq > size {
        return Ok(in_log(failure(
            Problem::EntryDeleted,
            Some(size + 1),
            None,
            format!(
                "{log} ends at entry {size}, but entries up to {} were written: entries {}..={} were deleted",
                head.tip.seq,
                size + 1,
                head.tip.seq
            ),
        )));
    }
    if head.tip.seq < size || head.tip.entry_hash != verified.last_entry_hash {
        return Ok(in_log(failure(
            Problem::EntryEdited,
            Some(size),
            None,
            format!(
                "{log} holds {size} entries ending in {}, but aims last wrote entry {} with hash {}: entries were added or rewritten outside aims",
                verified.last_entry_hash, head.tip.seq, head.tip.entry_hash
            ),
        )));
    }
    if head.tree.root() != verified.root_hash {
        return Ok(in_log(failure(
            Problem::HeadEdited,
            None,
            None,
            format!(
                "the head of {log} was edited outside aims: its Merkle tree gives root {}, the entries give {}; new tree heads would not verify",
                head.tree.root(),
                verified.root_hash
            ),
        )));
    }
    Ok(None)
}

/// Names a problem in a decision log from the verifier's error.
fn classify_simple(entry: &Entry, error: VerifyError) -> LedgerFailure {
    let message = error.to_string();
    match error {
        VerifyError::SequenceBreak { expected, found } => failure(
            Problem::EntryDeleted,
            Some(expected),
            None,
            format!(
                "entries {expected}..={} are missing: they were deleted",
                found - 1
            ),
        ),
        VerifyError::EntryEdited { seq, .. } => match original_seq(entry) {
            Some(original) => failure(
                Problem::EntriesReordered,
                Some(seq),
                None,
                format!("seq {seq} holds the entry written as {original}: entries were moved"),
            ),
            None => failure(
                Problem::EntryEdited,
                Some(seq),
                Some((&entry.entity_type, &entry.entity_id)),
                message,
            ),
        },
        VerifyError::ChainBroken { seq, .. } => failure(
            Problem::EntryEdited,
            Some(seq.saturating_sub(1)),
            None,
            message,
        ),
        _ => failure(Problem::EntryEdited, Some(entry.seq), None, message),
    }
}

/// The logged state must hash to the entry's state hash, or the history shown from it
/// would not be the history the chain proves.
fn check_state(entry: &Entry, state: &Value) -> Option<LedgerFailure> {
    let expected = match entry.action {
        Action::Delete => entry.prev_state_hash,
        Action::Create | Action::Update => entry.new_state_hash,
    }?;
    let matches = !state.is_null() && hash_state(state).is_ok_and(|found| found == expected);
    (!matches).then(|| {
        failure(
            Problem::StateEdited,
            Some(entry.seq),
            Some((&entry.entity_type, &entry.entity_id)),
            format!(
                "the state logged with entry {} ({} {}) was edited: it no longer hashes to the entry's state hash {expected}",
                entry.seq, entry.entity_type, entry.entity_id
            ),
        )
    })
}

fn check_live(
    kind_name: &str,
    kind: Option<RecordKind>,
    id: &str,
    row: Map<String, Value>,
    entry: Option<LastEntry>,
) -> Option<LedgerFailure> {
    let record = Some((kind_name, id));
    let Some(entry) = entry else {
        return Some(failure(
            Problem::RecordCreated,
            None,
            record,
            format!(
                "{kind_name} {id} exists, but no ledger entry created it: it was inserted outside aims"
            ),
        ));
    };
    let expected = match (entry.action, entry.new_state_hash) {
        (Action::Delete, _) | (_, None) => {
            return Some(failure(
                Problem::RecordCreated,
                Some(entry.seq),
                record,
                format!(
                    "{kind_name} {id} exists, but its last ledger entry (seq {}) deleted it: it was recreated outside aims",
                    entry.seq
                ),
            ));
        }
        (_, Some(hash)) => hash,
    };
    let state = match kind {
        Some(kind) => inventory::logged_state(kind, row),
        None => Ok(Value::Object(row)),
    };
    let found = state.and_then(|s| hash_state(&s));
    match found {
        Ok(found) if found == expected => None,
        Ok(found) => Some(failure(
            Problem::RecordEdited,
            Some(entry.seq),
            record,
            format!(
                "{kind_name} {id} was edited outside aims: its state hashes to {found}, but its last ledger entry (seq {}) recorded {expected}",
                entry.seq
            ),
        )),
        Err(error) => Some(failure(
            Problem::RecordEdited,
            Some(entry.seq),
            record,
            format!(
                "{kind_name} {id} was edited outside aims: it no longer reads as a {kind_name} ({error})"
            ),
        )),
    }
}

/// Names what was done to the log from the verifier's first error.
async fn classify(
    tx: &mut Tx,
    entry: &Entry,
    verifier: &LogVerifier,
    error: VerifyError,
) -> Result<LedgerFailure> {
    let message = error.to_string();
    Ok(match error {
        VerifyError::SequenceBreak { expected, found } => failure(
            Problem::EntryDeleted,
            Some(expected),
            None,
            format!(
                "entries {expected}..={} are missing from the log: they were deleted",
                found - 1
            ),
        ),
        VerifyError::EntryEdited { seq, .. } => {
            // An entry whose content hashes right under another seq was moved there.
            let written_as = original_seq(entry);
            match written_as {
                Some(original) => {
                    let rightful = verifier_tip_successor(tx, verifier).await?;
                    match rightful {
                        Some(now_at) => failure(
                            Problem::EntriesReordered,
                            Some(seq),
                            None,
                            format!(
                                "entries were reordered: seq {seq} holds the entry written as {original}, and the entry written as {seq} now sits at seq {now_at}"
                            ),
                        ),
                        None => failure(
                            Problem::EntryDeleted,
                            Some(seq),
                            None,
                            format!(
                                "entry {seq} was deleted and the entries after it renumbered: seq {seq} holds the entry written as {original}"
                            ),
                        ),
                    }
                }
                None => failure(
                    Problem::EntryEdited,
                    Some(seq),
                    Some((&entry.entity_type, &entry.entity_id)),
                    message,
                ),
            }
        }
        VerifyError::ChainBroken { seq, .. } => failure(
            Problem::EntryEdited,
            Some(seq.saturating_sub(1)),
            None,
            format!(
                "entry {} was rewritten with a recomputed hash: entry {seq} names a different previous entry ({message})",
                seq.saturating_sub(1)
            ),
        ),
        VerifyError::Malformed { seq, .. } => failure(
            Problem::EntryEdited,
            Some(seq),
            Some((&entry.entity_type, &entry.entity_id)),
            message,
        ),
        VerifyError::HeadMismatch { tree_size, .. } => {
            failure(Problem::LogRewritten, Some(tree_size), None, message)
        }
        VerifyError::Truncated { log_size, .. } => {
            failure(Problem::LogTruncated, Some(log_size + 1), None, message)
        }
        VerifyError::TooLong => failure(Problem::EntryEdited, None, None, message),
    })
}

/// The seq an entry was written with, when its content hashes to its stored hash under a
/// seq near the one it now has (entries moved by more than the window read as edited).
fn original_seq(entry: &Entry) -> Option<u64> {
    const WINDOW: u64 = 100_000;
    let mut candidate = entry.clone();
    (1..=WINDOW).find_map(|distance| {
        [
            entry.seq.checked_add(distance),
            entry.seq.checked_sub(distance),
        ]
        .into_iter()
        .flatten()
        .filter(|seq| *seq > 0)
        .find(|seq| {
            candidate.seq = *seq;
            candidate.compute_hash() == entry.entry_hash
        })
    })
}

/// Where the entry that follows the last verified one is now, if anywhere.
async fn verifier_tip_successor(tx: &mut Tx, verifier: &LogVerifier) -> Result<Option<u64>> {
    // The verifier has accepted entries 1..=size; the entry that names the last of them as
    // its predecessor is the rightful next one.
    let size = verifier.tree_size();
    let last_hash = if size == 0 {
        Some(Hash::ZERO)
    } else {
        let mut stmt = Query::select();
        stmt.from("changes")
            .column("entry_hash")
            .and_where(Expr::col("seq").eq(size as i64));
        const COLUMN: [schema::Column; 1] = [schema::Column {
            name: "entry_hash",
            ty: schema::ColType::Text,
            nullable: true,
        }];
        tx.fetch_optional(&stmt, &COLUMN)
            .await?
            .and_then(|row| ledger::parse_hash(&row["entry_hash"]))
    };
    match last_hash {
        Some(hash) => seq_where(tx, "prev_entry_hash", &hash).await,
        None => Ok(None),
    }
}

async fn seq_where(tx: &mut Tx, column: &'static str, hash: &Hash) -> Result<Option<u64>> {
    const COLUMN: [schema::Column; 1] = [schema::Column {
        name: "seq",
        ty: schema::ColType::Int,
        nullable: false,
    }];
    let mut stmt = Query::select();
    stmt.from("changes")
        .column("seq")
        .and_where(Expr::col(column).eq(hash.to_hex()))
        .limit(1);
    Ok(tx
        .fetch_optional(&stmt, &COLUMN)
        .await?
        .and_then(|row| row["seq"].as_i64())
        .and_then(|seq| u64::try_from(seq).ok()))
}

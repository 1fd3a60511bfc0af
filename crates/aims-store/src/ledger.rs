//! The change log as a tamper-evident ledger (crate `aims-ledger`): every entry of
//! `changes` is chained to the one before it and is a leaf of a Merkle tree whose end is
//! kept in `ledger_heads`, updated in the same transaction as the entry.
//!
//! Seq numbers come from the head row, not from the table's identity column: a
//! PostgreSQL sequence skips numbers on rollback, and the chain allows no gaps. A lock on
//! the log's name queues concurrent writers on PostgreSQL; SQLite's write transactions
//! are serial already.

use aims_ledger::{ChainTip, CompactTree, Entry, Hash};
use sea_query::{Expr, ExprTrait, LockType, OnConflict, Order, Query};
use serde_json::{Map, Value};

use crate::db::{Engine, Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::rows;
use crate::schema::{ColType, Column};

/// The log of record changes (the `changes` table).
pub(crate) const RECORD_LOG: &str = "records";

/// The end of a log: the tip the next entry chains to, and the tree over all entries.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub tip: ChainTip,
    pub tree: CompactTree,
}

impl Head {
    pub(crate) fn empty() -> Self {
        Head {
            tip: ChainTip::GENESIS,
            tree: CompactTree::new(),
        }
    }
}

const HEAD_COLUMNS: [Column; 3] = [
    Column {
        name: "seq",
        ty: ColType::Int,
        nullable: false,
    },
    Column {
        name: "entry_hash",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "subtree_roots",
        ty: ColType::Text,
        nullable: false,
    },
];

/// Reads the head of `log`; `for_append` locks it until the transaction ends on
/// PostgreSQL. An absent row is the empty log.
pub(crate) async fn read_head(tx: &mut Tx, log: &str, for_append: bool) -> Result<Head> {
    if for_append && tx.engine() == Engine::Postgres {
        // `FOR UPDATE` locks only a row that exists: two first appends to a new log would
        // both read it as empty and write the same seq. A lock on the log's name, held to
        // the end of the transaction, queues them as well.
        let mut lock = Query::select();
        lock.expr(Expr::cust_with_values(
            "pg_advisory_xact_lock(hashtextextended($1, 0))",
            [log],
        ));
        tx.execute(&lock).await?;
    }
    let mut stmt = Query::select();
    stmt.from("ledger_heads")
        .columns(HEAD_COLUMNS.iter().map(|c| c.name))
        .and_where(rows::eq("ledger_heads", "log", log.to_owned()));
    if for_append && tx.engine() == Engine::Postgres {
        stmt.lock(LockType::Update);
    }
    let Some(row) = tx.fetch_optional(&stmt, &HEAD_COLUMNS).await? else {
        return Ok(Head::empty());
    };
    Head::from_stored(
        log,
        row["seq"].as_i64(),
        row["entry_hash"].as_str(),
        row["subtree_roots"].as_str().unwrap_or_default(),
    )
}

/// Writes the head of `log` after appending.
pub(crate) async fn write_head(tx: &mut Tx, log: &str, head: &Head) -> Result<()> {
    let seq = head.stored_seq(log)?;
    let roots = head.stored_roots();
    let mut stmt = Query::insert();
    stmt.into_table("ledger_heads")
        .columns(["log", "seq", "entry_hash", "subtree_roots"])
        .values_panic([
            Expr::val(log),
            Expr::val(seq),
            Expr::val(head.tip.entry_hash.to_hex()),
            Expr::val(roots),
        ])
        .on_conflict(
            OnConflict::column("log")
                .update_columns(["seq", "entry_hash", "subtree_roots"])
                .to_owned(),
        );
    tx.execute(&stmt).await?;
    Ok(())
}

impl Head {
    /// The head of `log` from its stored row's seq, entry hash and subtree roots.
    pub(crate) fn from_stored(
        log: &str,
        seq: Option<i64>,
        entry_hash: Option<&str>,
        subtree_roots: &str,
    ) -> Result<Head> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("ledger head of log {log}: {what}"));
        let seq = seq
            .and_then(|s| u64::try_from(s).ok())
            .ok_or_else(|| corrupt("bad seq"))?;
        let entry_hash = entry_hash
            .and_then(|h| Hash::from_hex(h).ok())
            .ok_or_else(|| corrupt("bad entry hash"))?;
        let roots = split_hashes(subtree_roots).ok_or_else(|| corrupt("bad subtree roots"))?;
        let tree = CompactTree::from_parts(seq, roots).map_err(|e| corrupt(&e.to_string()))?;
        Ok(Head {
            tip: ChainTip { seq, entry_hash },
            tree,
        })
    }

    /// The seq as stored, a signed 64-bit integer.
    pub(crate) fn stored_seq(&self, log: &str) -> Result<i64> {
        i64::try_from(self.tip.seq)
            .map_err(|_| StoreError::Corrupt(format!("log {log} is too long")))
    }

    /// The subtree roots as stored: their hex forms one after another.
    pub(crate) fn stored_roots(&self) -> String {
        self.tree.subtree_roots().iter().map(Hash::to_hex).collect()
    }

    /// Places `entry` (built from this head's tip) at the end.
    pub(crate) fn advance(&mut self, entry: &Entry) -> Result<()> {
        self.advance_to(entry.tip())
    }

    /// Places the entry that `tip` ends with (built from this head's tip) at the end.
    pub(crate) fn advance_to(&mut self, tip: ChainTip) -> Result<()> {
        self.tree
            .push(aims_ledger::merkle::leaf_hash(&tip.entry_hash.0))
            .map_err(|e| StoreError::Corrupt(format!("ledger: {e}")))?;
        self.tip = tip;
        Ok(())
    }
}

pub(crate) fn parse_hash(value: &Value) -> Option<Hash> {
    value.as_str().and_then(|s| Hash::from_hex(s).ok())
}

fn split_hashes(text: &str) -> Option<Vec<Hash>> {
    if !text.len().is_multiple_of(64) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 64)
        .map(|i| Hash::from_hex(&text[i * 64..(i + 1) * 64]).ok())
        .collect()
}

/// The columns of `changes` that make up an entry, in the order [`entry_from_row`] reads.
pub(crate) const ENTRY_COLUMNS: [Column; 11] = [
    Column {
        name: "seq",
        ty: ColType::Int,
        nullable: false,
    },
    Column {
        name: "at",
        ty: ColType::Timestamp,
        nullable: false,
    },
    Column {
        name: "actor",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "action",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "record_kind",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "record_id",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "new_state_hash",
        ty: ColType::Text,
        nullable: true,
    },
    Column {
        name: "prev_state_hash",
        ty: ColType::Text,
        nullable: true,
    },
    Column {
        name: "prev_entry_hash",
        ty: ColType::Text,
        nullable: true,
    },
    Column {
        name: "entry_hash",
        ty: ColType::Text,
        nullable: true,
    },
    Column {
        name: "state",
        ty: ColType::Json,
        nullable: true,
    },
];

/// A `changes` row as a ledger entry, with the state it logged. Hash columns that do not
/// hold hashes are read as zero hashes, so that verification reports the entry as edited
/// rather than the database as unreadable.
pub(crate) fn entry_from_row(mut row: Map<String, Value>) -> Result<(Entry, Value)> {
    let seq_value = row.get("seq").and_then(Value::as_i64).unwrap_or(-1);
    let corrupt = |what: &str| StoreError::Corrupt(format!("change {seq_value}: {what}"));
    let seq = u64::try_from(seq_value).map_err(|_| corrupt("bad seq"))?;
    let action = match row.get("action").and_then(Value::as_str) {
        Some("create") => aims_ledger::Action::Create,
        Some("update") => aims_ledger::Action::Update,
        Some("delete") => aims_ledger::Action::Delete,
        other => return Err(corrupt(&format!("unknown action {other:?}"))),
    };
    let hash = |row: &Map<String, Value>, key: &str| row.get(key).and_then(parse_hash);
    let entry = Entry {
        seq,
        time: row
            .get("at")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        actor: rows::take_string(&mut row, "actor")?,
        action,
        entity_type: rows::take_string(&mut row, "record_kind")?,
        entity_id: rows::take_string(&mut row, "record_id")?,
        new_state_hash: hash(&row, "new_state_hash"),
        prev_state_hash: hash(&row, "prev_state_hash"),
        prev_entry_hash: hash(&row, "prev_entry_hash").unwrap_or(Hash::ZERO),
        entry_hash: hash(&row, "entry_hash").unwrap_or(Hash::ZERO),
    };
    let state = row.remove("state").unwrap_or(Value::Null);
    Ok((entry, state))
}

/// The hash of a logged state (SHA-256 of its canonical JSON).
pub(crate) fn hash_state(state: &Value) -> Result<Hash> {
    aims_ledger::state_hash(state)
        .map_err(|e| StoreError::Corrupt(format!("a record state cannot be canonicalised: {e}")))
}

/// The page of `changes` entries after seq `after`, in seq order, empty at the end: the
/// one scan that chaining, adopting and verifying the record log share.
///
/// A page is the entries of the next `span` seqs, or when there are none there (the
/// identity column skipped them), of the `span` seqs from the next entry there is. A
/// range rather than "the next N": on PostgreSQL with statistics not yet caught up, that
/// would be planned as a scan and sort of every later row, page after page.
pub(crate) async fn entries_after(
    tx: &mut Tx,
    after: i64,
    span: i64,
) -> Result<Vec<Map<String, Value>>> {
    let page = entries_between(tx, after, span).await?;
    if !page.is_empty() {
        return Ok(page);
    }
    match next_seq(tx, after).await? {
        Some(seq) => entries_between(tx, seq - 1, span).await,
        None => Ok(page),
    }
}

/// The first seq of the record log after `after`, if there is one.
async fn next_seq(tx: &mut Tx, after: i64) -> Result<Option<i64>> {
    const NEXT: [Column; 1] = [Column {
        name: "next",
        ty: ColType::Int,
        nullable: true,
    }];
    let mut next = Query::select();
    next.from("changes")
        .expr_as(Expr::col("seq").min(), "next")
        .and_where(Expr::col("seq").gt(after));
    Ok(tx
        .fetch_optional(&next, &NEXT)
        .await?
        .and_then(|row| row["next"].as_i64()))
}

async fn entries_between(tx: &mut Tx, after: i64, span: i64) -> Result<Vec<Map<String, Value>>> {
    let mut stmt = rows::select("changes", &ENTRY_COLUMNS);
    stmt.and_where(Expr::col("seq").gt(after))
        .and_where(Expr::col("seq").lte(after.saturating_add(span)))
        .order_by("seq", Order::Asc);
    tx.fetch(&stmt, &ENTRY_COLUMNS).await
}

/// Chains every entry of `changes` from the first, writing the hash columns and the head:
/// for a database whose entries predate the ledger, or an import of such an export.
/// Seq numbers are renumbered from 1 where the identity column left gaps.
pub(crate) async fn chain_all(tx: &mut Tx) -> Result<u64> {
    let mut head = Head::empty();
    let mut after = 0i64;
    loop {
        let page = entries_after(tx, after, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = last["seq"].as_i64().unwrap_or(after);
        for row in page {
            let old_seq = row["seq"].as_i64().unwrap_or_default();
            let (entry, state) = entry_from_row(row)?;
            let state_hash = if state.is_null() {
                None
            } else {
                Some(hash_state(&state)?)
            };
            let (new_state_hash, prev_state_hash) = match entry.action {
                aims_ledger::Action::Create => (state_hash, None),
                aims_ledger::Action::Update => (state_hash, previous_hash(tx, &entry).await?),
                aims_ledger::Action::Delete => (None, state_hash),
            };
            let chained = head
                .tip
                .append(aims_ledger::Change {
                    time: entry.time,
                    actor: entry.actor,
                    action: entry.action,
                    entity_type: entry.entity_type,
                    entity_id: entry.entity_id,
                    new_state_hash,
                    prev_state_hash,
                })
                .map_err(|e| StoreError::Corrupt(format!("change {old_seq}: {e}")))?;
            let mut update = Query::update();
            update
                .table("changes")
                .value("seq", chained.seq as i64)
                .value("new_state_hash", chained.new_state_hash.map(|h| h.to_hex()))
                .value(
                    "prev_state_hash",
                    chained.prev_state_hash.map(|h| h.to_hex()),
                )
                .value("prev_entry_hash", chained.prev_entry_hash.to_hex())
                .value("entry_hash", chained.entry_hash.to_hex())
                .and_where(Expr::col("seq").eq(old_seq));
            tx.execute(&update).await?;
            head.advance(&chained)?;
        }
    }
    // An absent head is the empty log; an empty database keeps no rows.
    if head.tip.seq > 0 {
        write_head(tx, RECORD_LOG, &head).await?;
    }
    Ok(head.tip.seq)
}

/// The new-state hash of the record's entry before `entry`, already chained.
async fn previous_hash(tx: &mut Tx, entry: &Entry) -> Result<Option<Hash>> {
    last_state_hash(tx, &entry.entity_type, &entry.entity_id, Some(entry.seq)).await
}

/// The new-state hash of the last entry of a record (before `before_seq` when given).
pub(crate) async fn last_state_hash(
    tx: &mut Tx,
    record_kind: &str,
    record_id: &str,
    before_seq: Option<u64>,
) -> Result<Option<Hash>> {
    const COLUMNS: [Column; 1] = [Column {
        name: "new_state_hash",
        ty: ColType::Text,
        nullable: true,
    }];
    let mut stmt = Query::select();
    stmt.from("changes")
        .column("new_state_hash")
        .and_where(rows::eq("changes", "record_kind", record_kind.to_owned()))
        .and_where(rows::eq("changes", "record_id", record_id.to_owned()))
        .order_by("seq", Order::Desc)
        .limit(1);
    if let Some(seq) = before_seq {
        stmt.and_where(Expr::col("seq").lt(seq as i64));
    }
    Ok(tx
        .fetch_optional(&stmt, &COLUMNS)
        .await?
        .and_then(|row| parse_hash(&row["new_state_hash"])))
}

/// Verifies the whole chain of `changes` and writes the head from it: after an import,
/// which must bring an intact chain or nothing.
pub(crate) async fn adopt_chain(tx: &mut Tx) -> Result<u64> {
    let mut verifier = aims_ledger::LogVerifier::new();
    let mut head = Head::empty();
    let mut after = 0i64;
    loop {
        let page = entries_after(tx, after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last["seq"].as_i64().unwrap_or(after);
        for row in page {
            let (entry, _) = entry_from_row(row)?;
            verifier
                .push(&entry)
                .map_err(|e| StoreError::Import(e.to_string()))?;
            head.advance(&entry)?;
        }
    }
    if head.tip.seq > 0 {
        write_head(tx, RECORD_LOG, &head).await?;
    }
    Ok(head.tip.seq)
}

impl crate::Store {
    /// The current head of the record log: its size and Merkle root, at `timestamp`.
    /// Unsigned; the caller signs it with the installation's key.
    pub async fn tree_head(&self) -> Result<aims_ledger::TreeHead> {
        let timestamp = format_timestamp(self.now());
        let mut tx = self.pool.read().await?;
        let head = read_head(&mut tx, RECORD_LOG, false).await?;
        Ok(aims_ledger::TreeHead {
            tree_size: head.tip.seq,
            root_hash: head.tree.root(),
            timestamp,
        })
    }
}

impl crate::Store {
    /// The entry hashes of the first `tree_size` entries, in order: the leaves that
    /// inclusion and consistency proofs are built from.
    pub async fn entry_hashes(&self, tree_size: u64) -> Result<Vec<Hash>> {
        const COLUMNS: [Column; 2] = [
            Column {
                name: "seq",
                ty: ColType::Int,
                nullable: false,
            },
            Column {
                name: "entry_hash",
                ty: ColType::Text,
                nullable: true,
            },
        ];
        let mut tx = self.pool.snapshot().await?;
        let mut hashes = Vec::with_capacity(usize::try_from(tree_size).unwrap_or(0));
        let limit = i64::try_from(tree_size).unwrap_or(i64::MAX);
        let mut after = 0i64;
        while (hashes.len() as u64) < tree_size {
            // A range of seqs, not "the next 50,000": see `entries_after`.
            let mut stmt = Query::select();
            stmt.from("changes")
                .columns(["seq", "entry_hash"])
                .and_where(Expr::col("seq").gt(after))
                .and_where(Expr::col("seq").lte(Ord::min(after.saturating_add(50_000), limit)))
                .order_by("seq", Order::Asc);
            let page = tx.fetch(&stmt, &COLUMNS).await?;
            let Some(last) = page.last() else { break };
            after = last["seq"].as_i64().unwrap_or(after);
            for row in page {
                let seq = row["seq"].as_i64().unwrap_or_default();
                if seq != hashes.len() as i64 + 1 {
                    return Err(StoreError::Corrupt(format!(
                        "the change log has no entry {}: run `aims verify`",
                        hashes.len() + 1
                    )));
                }
                hashes.push(
                    parse_hash(&row["entry_hash"]).ok_or_else(|| {
                        StoreError::Corrupt(format!("change {seq}: bad entry hash"))
                    })?,
                );
            }
        }
        if (hashes.len() as u64) < tree_size {
            // Entries past an empty stretch: the log has a hole, not an end.
            if next_seq(&mut tx, after).await?.is_some() {
                return Err(StoreError::Corrupt(format!(
                    "the change log has no entry {}: run `aims verify`",
                    hashes.len() + 1
                )));
            }
            return Err(StoreError::NotFound {
                kind: "ledger entry",
                id: (hashes.len() + 1).to_string(),
            });
        }
        Ok(hashes)
    }

    /// One entry of the record log.
    pub async fn ledger_entry(&self, seq: u64) -> Result<Entry> {
        let mut tx = self.pool.read().await?;
        let mut stmt = rows::select("changes", &ENTRY_COLUMNS);
        stmt.and_where(Expr::col("seq").eq(i64::try_from(seq).unwrap_or(-1)));
        let row = tx
            .fetch_optional(&stmt, &ENTRY_COLUMNS)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: "ledger entry",
                id: seq.to_string(),
            })?;
        Ok(entry_from_row(row)?.0)
    }
}

impl crate::Store {
    /// An organisation's ledger entries, newest first, with the number matching `filter`.
    pub async fn ledger_entries(
        &self,
        organisation_id: uuid::Uuid,
        filter: &aims_domain::history::LedgerFilter,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<aims_domain::history::LedgerEntry>, u64)> {
        use sea_query::SelectStatement;
        let mut base = Query::select();
        base.from("changes").and_where(rows::eq(
            "changes",
            "organisation_id",
            organisation_id.to_string(),
        ));
        let add = |stmt: &mut SelectStatement| {
            if let Some(kind) = &filter.record_kind {
                stmt.and_where(rows::eq("changes", "record_kind", kind.clone()));
            }
            if let Some(id) = &filter.record_id {
                stmt.and_where(rows::eq("changes", "record_id", id.clone()));
            }
            if let Some(actor) = &filter.actor {
                stmt.and_where(rows::eq("changes", "actor", actor.clone()));
            }
            if let Some(from) = filter.from {
                stmt.and_where(Expr::col("at").gte(from));
            }
            if let Some(to) = filter.to {
                stmt.and_where(Expr::col("at").lt(to));
            }
        };
        add(&mut base);
        let mut count = base.clone();
        count.expr(Expr::cust("COUNT(*)"));
        let columns = &ENTRY_COLUMNS[..ENTRY_COLUMNS.len() - 1];
        let mut page = base;
        page.columns(columns.iter().map(|c| c.name))
            .order_by("seq", Order::Desc)
            .limit(limit)
            .offset(offset);
        let mut tx = self.pool.snapshot().await?;
        let total = u64::try_from(tx.fetch_i64(&count).await?).unwrap_or(0);
        let text = |row: &Map<String, Value>, key: &str| row[key].as_str().map(str::to_owned);
        let items = tx
            .fetch(&page, columns)
            .await?
            .into_iter()
            .map(|row| {
                let at = row["at"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("change {}: bad time", row["seq"]))
                    })?;
                Ok(aims_domain::history::LedgerEntry {
                    seq: row["seq"].as_i64().unwrap_or_default(),
                    at,
                    actor: text(&row, "actor").unwrap_or_default(),
                    action: text(&row, "action").unwrap_or_default(),
                    record_kind: text(&row, "record_kind").unwrap_or_default(),
                    record_id: text(&row, "record_id").unwrap_or_default(),
                    new_state_hash: text(&row, "new_state_hash"),
                    prev_state_hash: text(&row, "prev_state_hash"),
                    prev_entry_hash: text(&row, "prev_entry_hash"),
                    entry_hash: text(&row, "entry_hash"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }
}

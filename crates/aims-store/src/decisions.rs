//! Decision events of AI systems: one hash-chained log per system in `decisions`, appended
//! a batch per transaction. A batch is stored whole or not at all.

use aims_domain::decision::DecisionEvent;
use aims_ledger::{Action, Change, Entry, Hash};
use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use serde_json::Value;
use uuid::Uuid;

use crate::db::{DecisionRow, NewDecisionRow, Tx, format_timestamp};
use crate::error::{Result, StoreError};
use crate::ledger::{self, hash_state};
use crate::schema::{ColType, Column};
use crate::{Actor, Store, rows};

mod append;
mod export;
pub use export::ExportFormat;

/// Event ids per `IN (…)` list: well under both engines' limits on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// The name of a system's decision log in `ledger_heads`.
pub fn log_name(system_id: Uuid) -> String {
    format!("decisions:{system_id}")
}

/// A time window of decision events; both ends optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Events before this time.
    pub to: Option<DateTime<Utc>>,
}

const STATE_COLUMNS: [Column; 4] = [
    Column {
        name: "seq",
        ty: ColType::Int,
        nullable: false,
    },
    Column {
        name: "event_id",
        ty: ColType::Text,
        nullable: false,
    },
    Column {
        name: "occurred_at",
        ty: ColType::Timestamp,
        nullable: false,
    },
    Column {
        name: "state",
        ty: ColType::Json,
        nullable: false,
    },
];

fn col(name: &'static str) -> SimpleExpr {
    Expr::col(("decisions", name))
}

impl Store {
    /// Records the ground truth of an event that arrived without it (or corrects it), as
    /// an `update` entry of the system's log. Returns the event as it now is.
    pub async fn set_ground_truth(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        system_id: Uuid,
        event_id: &str,
        ground_truth: Value,
    ) -> Result<Value> {
        let now = self.now();
        let log = log_name(system_id);
        let mut tx = self.pool.write().await?;
        check_system(&mut tx, organisation_id, system_id).await?;
        let mut stmt = rows::select("decisions", &STATE_COLUMNS);
        stmt.and_where(col("system_id").eq(system_id.to_string()))
            .and_where(col("event_id").eq(event_id))
            .order_by("seq", Order::Desc)
            .limit(1);
        let current = tx
            .fetch_optional(&stmt, &STATE_COLUMNS)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: "decision event",
                id: event_id.to_owned(),
            })?;
        let mut event = DecisionEvent::from_state(&current["state"])
            .map_err(|e| StoreError::Corrupt(format!("decision event {event_id}: {e}")))?;
        let previous = hash_state(&current["state"])?;
        event.ground_truth = Some(ground_truth);
        let state = event.state();
        let (text, hash) = canonical(&state)?;
        let mut head = ledger::read_head(&mut tx, &log, true).await?;
        let entry = head
            .tip
            .append(Change {
                time: format_timestamp(now),
                actor: actor.label.clone(),
                action: Action::Update,
                entity_type: "decision".into(),
                entity_id: event.id.clone(),
                new_state_hash: Some(hash),
                prev_state_hash: Some(previous),
            })
            .map_err(|e| StoreError::Corrupt(format!("decision log of {system_id}: {e}")))?;
        head.advance(&entry)?;
        let (system, organisation) = (system_id.to_string(), organisation_id.to_string());
        let row = new_row(&system, &organisation, &entry, event.time, now, &text)?;
        tx.insert_decisions(&[row]).await?;
        ledger::write_head(&mut tx, &log, &head).await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Events of a system in a time window, oldest first, each as it now is (with ground
    /// truth that arrived later), after the event `(occurred_at, seq)` given, at most
    /// `limit`. Returns them with the key to pass for the next page.
    pub async fn decisions_page(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
        window: Window,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u64,
    ) -> Result<Page> {
        let mut tx = self.pool.snapshot().await?;
        check_system(&mut tx, organisation_id, system_id).await?;
        page(&mut tx, system_id, window, after, limit).await
    }

    /// How many events a system has in a window.
    pub async fn count_decisions(
        &self,
        organisation_id: Uuid,
        system_id: Uuid,
        window: Window,
    ) -> Result<u64> {
        let mut tx = self.pool.read().await?;
        check_system(&mut tx, organisation_id, system_id).await?;
        let mut stmt = Query::select();
        stmt.from("decisions")
            .expr(Expr::cust("COUNT(*)"))
            .and_where(col("system_id").eq(system_id.to_string()))
            .and_where(col("action").eq("create"));
        window_conditions(&mut stmt, window);
        Ok(u64::try_from(tx.fetch_i64(&stmt).await?).unwrap_or(0))
    }
}

/// A page of events and the key of its last one.
pub type Page = (Vec<Value>, Option<(DateTime<Utc>, i64)>);

/// A page of [`Store::decisions_page`], read in the transaction given.
async fn page(
    tx: &mut Tx,
    system_id: Uuid,
    window: Window,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Page> {
    let mut stmt = rows::select("decisions", &STATE_COLUMNS);
    stmt.and_where(col("system_id").eq(system_id.to_string()))
        .and_where(col("action").eq("create"));
    window_conditions(&mut stmt, window);
    if let Some((at, seq)) = after {
        stmt.and_where(
            col("occurred_at")
                .gt(at)
                .or(col("occurred_at").eq(at).and(col("seq").gt(seq))),
        );
    }
    stmt.order_by("occurred_at", Order::Asc)
        .order_by("seq", Order::Asc)
        .limit(limit);
    let page = tx.fetch(&stmt, &STATE_COLUMNS).await?;
    let next = page.last().and_then(|row| {
        let at = row["occurred_at"].as_str()?;
        let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
        Some((at, row["seq"].as_i64()?))
    });
    let mut states: Vec<Value> = Vec::with_capacity(page.len());
    let mut position: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(page.len());
    for mut row in page {
        let id = row["event_id"].as_str().unwrap_or_default().to_owned();
        position.insert(id, states.len());
        states.push(row.remove("state").unwrap_or(Value::Null));
    }
    // Ground truth given later lives in update entries: the last one wins.
    let ids: Vec<String> = position.keys().cloned().collect();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let mut updates = rows::select("decisions", &STATE_COLUMNS);
        updates
            .and_where(col("system_id").eq(system_id.to_string()))
            .and_where(col("action").eq("update"))
            .and_where(col("event_id").is_in(chunk.iter().cloned()))
            .order_by("seq", Order::Asc);
        for mut row in tx.fetch(&updates, &STATE_COLUMNS).await? {
            if let Some(&at) = row["event_id"].as_str().and_then(|id| position.get(id)) {
                states[at] = row.remove("state").unwrap_or(Value::Null);
            }
        }
    }
    Ok((states, next))
}

/// The canonical JSON text of a state (RFC 8785) and its hash.
fn canonical(state: &Value) -> Result<(String, Hash)> {
    let text = aims_ledger::canonicalize(state).map_err(|e| {
        StoreError::Corrupt(format!("a decision event cannot be canonicalised: {e}"))
    })?;
    let hash = aims_ledger::sha256(text.as_bytes());
    Ok((text, hash))
}

fn window_conditions(stmt: &mut sea_query::SelectStatement, window: Window) {
    if let Some(from) = window.from {
        stmt.and_where(col("occurred_at").gte(from));
    }
    if let Some(to) = window.to {
        stmt.and_where(col("occurred_at").lt(to));
    }
}

/// The system must exist in the organisation: another organisation's system is as good
/// as absent.
async fn check_system(tx: &mut Tx, organisation_id: Uuid, system_id: Uuid) -> Result<()> {
    let mut stmt = Query::select();
    stmt.from("ai_systems")
        .expr(Expr::cust("COUNT(*)"))
        .and_where(rows::eq("ai_systems", "id", system_id.to_string()))
        .and_where(rows::eq(
            "ai_systems",
            "organisation_id",
            organisation_id.to_string(),
        ));
    if tx.fetch_i64(&stmt).await? == 0 {
        return Err(StoreError::NotFound {
            kind: "AI system",
            id: system_id.to_string(),
        });
    }
    Ok(())
}

fn new_row<'a>(
    system_id: &'a str,
    organisation_id: &'a str,
    entry: &'a Entry,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    state_text: &'a str,
) -> Result<NewDecisionRow<'a>> {
    Ok(NewDecisionRow {
        system_id,
        seq: i64::try_from(entry.seq)
            .map_err(|_| StoreError::Corrupt(format!("decision log of {system_id} is too long")))?,
        organisation_id,
        action: entry.action.as_str(),
        event_id: &entry.entity_id,
        occurred_at,
        recorded_at,
        actor: &entry.actor,
        state: state_text,
        new_state_hash: entry.new_state_hash,
        prev_state_hash: entry.prev_state_hash,
        entry_hash: entry.entry_hash,
    })
}

/// Every system that has a decision log: rows in `decisions` or a head (a log whose
/// entries were all deleted still has its head).
pub(crate) async fn logged_systems(tx: &mut Tx) -> Result<Vec<String>> {
    const COLUMN: [Column; 1] = [Column {
        name: "id",
        ty: ColType::Text,
        nullable: false,
    }];
    let mut ids = std::collections::BTreeSet::new();
    let mut stmt = Query::select();
    stmt.from("decisions")
        .expr_as(Expr::col("system_id"), "id")
        .distinct();
    for row in tx.fetch(&stmt, &COLUMN).await? {
        ids.insert(row["id"].as_str().unwrap_or_default().to_owned());
    }
    let mut heads = Query::select();
    heads
        .from("ledger_heads")
        .expr_as(Expr::col("log"), "id")
        .and_where(Expr::col("log").like("decisions:%"));
    for row in tx.fetch(&heads, &COLUMN).await? {
        if let Some(id) = row["id"]
            .as_str()
            .and_then(|l| l.strip_prefix("decisions:"))
        {
            ids.insert(id.to_owned());
        }
    }
    Ok(ids.into_iter().collect())
}

/// Reads a system's decision log in seq order, a page at a time, handing each entry and
/// the text of its logged state to `visit` with `state`, and returns `state` when done;
/// stops early when `visit` returns `false`.
///
/// `visit` runs on a blocking thread while the next page is read, so reading and hashing
/// each use a core.
pub(crate) async fn replay<S: Send + 'static>(
    tx: &mut Tx,
    system_id: &str,
    state: S,
    visit: fn(&mut S, Entry, &str) -> Result<bool>,
) -> Result<S> {
    // Each entry chains to the entry hash of the row read before it.
    let start = (state, Hash::ZERO);
    let (state, _) = tx
        .scan_decisions(system_id, start, move |(state, prev), row| {
            let entry = entry_from_row(row, *prev)?;
            *prev = entry.entry_hash;
            visit(state, entry, &row.state)
        })
        .await?;
    Ok(state)
}

/// A stored decision row as a ledger entry, chained to `prev_entry_hash`. An entry hash
/// that is not a hash reads as the zero hash, so that verification reports the entry as
/// edited.
fn entry_from_row(row: &DecisionRow, prev_entry_hash: Hash) -> Result<Entry> {
    let seq = u64::try_from(row.seq)
        .map_err(|_| StoreError::Corrupt(format!("decision entry {}: bad seq", row.seq)))?;
    let action = match row.action.as_str() {
        "create" => Action::Create,
        "update" => Action::Update,
        "delete" => Action::Delete,
        other => {
            return Err(StoreError::Corrupt(format!(
                "decision entry {seq}: unknown action {other:?}"
            )));
        }
    };
    Ok(Entry {
        seq,
        time: row.time.clone(),
        actor: row.actor.clone(),
        action,
        entity_type: "decision".into(),
        entity_id: row.event_id.clone(),
        new_state_hash: row.new_state_hash,
        prev_state_hash: row.prev_state_hash,
        prev_entry_hash,
        entry_hash: row.entry_hash.unwrap_or(Hash::ZERO),
    })
}

/// Verifies every decision log and writes its head: after an import, which must bring
/// intact logs or nothing.
pub(crate) async fn adopt_chains(tx: &mut Tx) -> Result<()> {
    for system_id in logged_systems(tx).await? {
        let start = (aims_ledger::LogVerifier::new(), ledger::Head::empty(), None);
        let (_, head, failure) = replay(
            tx,
            &system_id,
            start,
            |(verifier, head, failure), entry, _| {
                if let Err(e) = verifier.push(&entry) {
                    *failure = Some(e);
                    return Ok(false);
                }
                head.advance(&entry)?;
                Ok(true)
            },
        )
        .await?;
        if let Some(e) = failure {
            return Err(StoreError::Import(format!(
                "decision log of system {system_id}: {e}"
            )));
        }
        ledger::write_head(tx, &format!("decisions:{system_id}"), &head).await?;
    }
    Ok(())
}

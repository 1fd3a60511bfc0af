//! Direct calls on SQLite's own handle for the two bulk paths of decision logs: appending a
//! batch and reading a whole log back for verification. Through sqlx every statement and
//! every row crosses a channel to the connection's worker thread, which costs more than
//! the hashing the row serves. Here the rows go through one prepared statement on the
//! caller's thread: inside the transaction sqlx began, while sqlx's worker is locked out,
//! or on the writer's own connection ([`DirectTx`], sqlite_writer.rs).

use std::collections::HashSet;
use std::sync::mpsc;

use aims_ledger::Hash;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sqlx::SqliteConnection;

use super::{DecisionRow, NewDecisionRow, format_timestamp, stored_hash};
use crate::error::{Result, StoreError};
use crate::ledger::Head;

/// Rows handed from the reading thread to the verifying one at a time.
const CHUNK: usize = 4096;
/// Chunks read ahead of the verifier.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Rows handed over at once: the first `len` of `rows` are current, the rest are kept
/// for their buffers.
struct Chunk {
    rows: Vec<DecisionRow>,
    len: usize,
}

impl Chunk {
    /// The next row slot, reusing a consumed row's strings where there is one.
    fn next_slot(&mut self) -> &mut DecisionRow {
        if self.len == self.rows.len() {
            self.rows.push(DecisionRow {
                seq: 0,
                time: String::new(),
                actor: String::new(),
                action: String::new(),
                event_id: String::new(),
                new_state_hash: None,
                prev_state_hash: None,
                entry_hash: None,
                state: String::new(),
            });
        }
        self.len += 1;
        &mut self.rows[self.len - 1]
    }
}

/// Runs `work` on the connection's handle, inside whatever transaction it has open.
pub(super) async fn with_handle<T>(
    connection: &mut SqliteConnection,
    work: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    let mut locked = connection.lock_handle().await?;
    let raw = locked.as_raw_handle();
    // SAFETY: `locked` keeps sqlx's worker thread off the handle until it is dropped, after
    // `work` has returned and `direct` is gone; a connection made by `from_handle` never
    // closes the handle it was given.
    let direct = unsafe { Connection::from_handle(raw.as_ptr()) }?;
    let outcome = blocking(|| work(&direct));
    drop(direct);
    drop(locked);
    outcome
}

/// Runs blocking work without stalling the other tasks of a multi-threaded runtime.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The text sqlx writes for a timestamp, so that rows written here compare and decode
/// like the rest.
fn sqlx_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A write transaction on the SQLite writer's connection, with the statements a batch of
/// decision events needs.
pub(crate) struct DirectTx<'a>(pub(super) &'a Connection);

impl DirectTx<'_> {
    /// Whether the organisation has this AI system.
    pub(crate) fn system_exists(&self, organisation_id: &str, system_id: &str) -> Result<bool> {
        let mut count = self
            .0
            .prepare("SELECT COUNT(*) FROM ai_systems WHERE id = ?1 AND organisation_id = ?2")?;
        let found: i64 = count.query_row([system_id, organisation_id], |row| row.get(0))?;
        Ok(found > 0)
    }

    /// Those of `ids` that the system's decision log already holds.
    pub(crate) fn known_event_ids<'i>(
        &self,
        system_id: &str,
        ids: impl IntoIterator<Item = &'i str>,
    ) -> Result<HashSet<String>> {
        let mut lookup = self
            .0
            .prepare("SELECT 1 FROM decisions WHERE system_id = ?1 AND event_id = ?2")?;
        let mut known = HashSet::new();
        for id in ids {
            if lookup.exists([system_id, id])? {
                known.insert(id.to_owned());
            }
        }
        Ok(known)
    }

    /// The head of a log, as `ledger::read_head` reads it: an absent row is the empty log.
    pub(crate) fn head(&self, log: &str) -> Result<Head> {
        let mut select = self
            .0
            .prepare("SELECT seq, entry_hash, subtree_roots FROM ledger_heads WHERE log = ?1")?;
        let mut rows = select.query([log])?;
        let Some(row) = rows.next()? else {
            return Ok(Head::empty());
        };
        let seq = match row.get_ref(0)? {
            ValueRef::Integer(seq) => Some(seq),
            _ => None,
        };
        let (mut entry_hash, mut roots) = (String::new(), String::new());
        set_text(row.get_ref(1)?, &mut entry_hash);
        set_text(row.get_ref(2)?, &mut roots);
        Head::from_stored(log, seq, Some(&entry_hash), &roots)
    }

    /// Writes the head of a log after appending, as `ledger::write_head` does.
    pub(crate) fn write_head(&self, log: &str, head: &Head) -> Result<()> {
        let mut upsert = self.0.prepare(
            "INSERT INTO ledger_heads (log, seq, entry_hash, subtree_roots) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (log) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash, \
             subtree_roots = excluded.subtree_roots",
        )?;
        upsert.execute(rusqlite::params![
            log,
            head.stored_seq(log)?,
            head.tip.entry_hash.to_hex(),
            head.stored_roots()
        ])?;
        Ok(())
    }

    /// Stores entries of decision logs.
    pub(crate) fn insert_decisions(&self, rows: &[NewDecisionRow]) -> Result<()> {
        insert_decisions(self.0, rows)
    }
}

pub(super) fn insert_decisions(connection: &Connection, rows: &[NewDecisionRow]) -> Result<()> {
    let mut insert = connection.prepare(
        "INSERT INTO decisions (system_id, seq, organisation_id, action, event_id, occurred_at, \
         recorded_at, actor, state, new_state_hash, prev_state_hash, entry_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    // A batch shares one recording time; format it once.
    let mut recorded = (None, String::new());
    for row in rows {
        if recorded.0 != Some(row.recorded_at) {
            recorded = (Some(row.recorded_at), sqlx_timestamp(row.recorded_at));
        }
        insert.execute(rusqlite::params![
            row.system_id,
            row.seq,
            row.organisation_id,
            row.action,
            row.event_id,
            sqlx_timestamp(row.occurred_at),
            recorded.1,
            row.actor,
            row.state,
            row.new_state_hash.as_ref().map(Hash::as_bytes),
            row.prev_state_hash.as_ref().map(Hash::as_bytes),
            row.entry_hash.as_bytes(),
        ])?;
    }
    Ok(())
}

/// Reads a system's decision log in seq order on this thread and hands each row to
/// `consume` on a second one, so reading and hashing each take a core. Stops early when
/// `consume` returns `false`; its verdict comes before any later read error.
///
/// Chunks of rows go back to the reader once consumed, which refills their strings in
/// place: a log is read without an allocation per row, and no memory allocated by one
/// thread is freed by the other (which would make them contend for the allocator).
pub(super) fn scan_decisions<S, F>(
    connection: &Connection,
    system_id: &str,
    state: S,
    mut consume: F,
) -> Result<S>
where
    S: Send,
    F: FnMut(&mut S, &DecisionRow) -> Result<bool> + Send,
{
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
        let (give_back, take_back) = mpsc::sync_channel::<Chunk>(CHUNKS_IN_FLIGHT + 1);
        let verifier = scope.spawn(move || {
            let mut state = state;
            for chunk in receive {
                for row in &chunk.rows[..chunk.len] {
                    match consume(&mut state, row) {
                        Ok(true) => {}
                        Ok(false) => return (state, Ok(true)),
                        Err(e) => return (state, Err(e)),
                    }
                }
                // The reader may have finished and gone; then the chunk is simply dropped.
                let _ = give_back.try_send(chunk);
            }
            (state, Ok(false))
        });
        let read = read_rows(connection, system_id, &send, &take_back);
        drop(send);
        let (state, stopped) = verifier
            .join()
            .map_err(|_| StoreError::Corrupt("the verifying thread failed".into()))?;
        if !stopped? {
            read?;
        }
        Ok(state)
    })
}

fn read_rows(
    connection: &Connection,
    system_id: &str,
    send: &mpsc::SyncSender<Chunk>,
    take_back: &mpsc::Receiver<Chunk>,
) -> Result<()> {
    let mut select = connection.prepare(
        "SELECT seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash, \
         entry_hash, state FROM decisions WHERE system_id = ?1 ORDER BY seq",
    )?;
    let mut rows = select.query([system_id])?;
    let fresh = || Chunk {
        rows: Vec::with_capacity(CHUNK),
        len: 0,
    };
    let mut chunk = fresh();
    while let Some(row) = rows.next()? {
        let slot = chunk.next_slot();
        slot.seq = match row.get_ref(0)? {
            ValueRef::Integer(seq) => seq,
            _ => -1,
        };
        entry_time(row.get_ref(1)?, &mut slot.time);
        set_text(row.get_ref(2)?, &mut slot.actor);
        set_text(row.get_ref(3)?, &mut slot.action);
        set_text(row.get_ref(4)?, &mut slot.event_id);
        slot.new_state_hash = hash(row.get_ref(5)?);
        slot.prev_state_hash = hash(row.get_ref(6)?);
        slot.entry_hash = hash(row.get_ref(7)?);
        set_text(row.get_ref(8)?, &mut slot.state);
        if chunk.len == CHUNK {
            let mut next = take_back.try_recv().unwrap_or_else(|_| fresh());
            next.len = 0;
            if send.send(std::mem::replace(&mut chunk, next)).is_err() {
                // The verifier stopped at a problem; the rest is not needed.
                return Ok(());
            }
        }
    }
    if chunk.len > 0 {
        let _ = send.send(chunk);
    }
    Ok(())
}

/// Sets `out` to a stored value as text (empty for NULL). Whatever was written into a
/// column outside aims is read as text, so verification reports the entry as edited
/// rather than the log as unreadable.
fn set_text(value: ValueRef<'_>, out: &mut String) {
    out.clear();
    match value {
        ValueRef::Null => {}
        ValueRef::Integer(i) => out.push_str(&i.to_string()),
        ValueRef::Real(r) => out.push_str(&r.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => match std::str::from_utf8(t) {
            Ok(valid) => out.push_str(valid),
            Err(_) => out.push_str(&String::from_utf8_lossy(t)),
        },
    }
}

/// A stored hash column, decoded where it is read.
fn hash(value: ValueRef<'_>) -> Option<aims_ledger::Hash> {
    match value {
        ValueRef::Blob(bytes) => stored_hash(Some(bytes)),
        _ => None,
    }
}

/// Sets `out` to the entry's time as the ledger hashed it (RFC 3339, UTC, microseconds)
/// from the text sqlx stored. The usual `…SS.ffffff+00:00` is rewritten in place;
/// anything else is parsed, and text that is no time at all is kept as it is, so its
/// entry fails its hash.
fn entry_time(value: ValueRef<'_>, out: &mut String) {
    set_text(value, out);
    let bytes = out.as_bytes();
    if bytes.len() == 32 && bytes[19] == b'.' && out.ends_with("+00:00") {
        out.replace_range(26.., "Z");
    } else if let Ok(t) = DateTime::parse_from_rfc3339(out) {
        *out = format_timestamp(t.with_timezone(&Utc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_read_back_as_the_ledger_hashed_them() {
        for t in [
            "2026-11-01T10:00:00Z",
            "2026-11-01T10:00:00.5Z",
            "2026-11-01T10:00:00.123456Z",
            "2026-11-01T10:00:00.123456789Z",
        ] {
            let t = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
            let stored = sqlx_timestamp(t);
            assert_eq!(
                read_time(ValueRef::Text(stored.as_bytes())),
                format_timestamp(t),
                "{stored}"
            );
        }
        assert_eq!(read_time(ValueRef::Text(b"yesterday")), "yesterday");
        assert_eq!(read_time(ValueRef::Integer(7)), "7");
    }

    fn read_time(value: ValueRef<'_>) -> String {
        // A slot's earlier contents must not show through.
        let mut out = "2000-01-01T00:00:00.000000+00:00 left over".to_owned();
        entry_time(value, &mut out);
        out
    }
}

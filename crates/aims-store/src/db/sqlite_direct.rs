//! Direct calls on SQLite's own handle for the two bulk paths of decision logs: appending a
//! batch and reading a whole log back for verification. Through sqlx every statement and
//! every row crosses a channel to the connection's worker thread, which costs more than
//! the hashing the row serves. Here the rows go through one prepared statement on the
//! caller's thread, inside the transaction sqlx began, while sqlx's worker is locked out.

use std::sync::mpsc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sqlx::SqliteConnection;

use super::{DecisionRow, NewDecisionRow, format_timestamp};
use crate::error::{Result, StoreError};

/// Rows handed from the reading thread to the verifying one at a time.
const CHUNK: usize = 4096;

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
        Ok(runtime)
            if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
        {
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

pub(super) fn insert_decisions(connection: &Connection, rows: &[NewDecisionRow]) -> Result<()> {
    let mut insert = connection.prepare(
        "INSERT INTO decisions (system_id, seq, organisation_id, action, event_id, occurred_at, \
         recorded_at, actor, state, new_state_hash, prev_state_hash, prev_entry_hash, entry_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for row in rows {
        insert.execute(rusqlite::params![
            row.system_id,
            row.seq,
            row.organisation_id,
            row.action,
            row.event_id,
            sqlx_timestamp(row.occurred_at),
            sqlx_timestamp(row.recorded_at),
            row.actor,
            row.state,
            row.new_state_hash,
            row.prev_state_hash,
            row.prev_entry_hash,
            row.entry_hash,
        ])?;
    }
    Ok(())
}

/// Reads a system's decision log in seq order on this thread and hands each row to
/// `consume` on a second one, so reading and hashing each take a core. Stops early when
/// `consume` returns `false`; its verdict comes before any later read error.
pub(super) fn scan_decisions<S, F>(
    connection: &Connection,
    system_id: &str,
    state: S,
    mut consume: F,
) -> Result<S>
where
    S: Send,
    F: FnMut(&mut S, DecisionRow) -> Result<bool> + Send,
{
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<Vec<DecisionRow>>(4);
        let verifier = scope.spawn(move || {
            let mut state = state;
            for chunk in receive {
                for row in chunk {
                    match consume(&mut state, row) {
                        Ok(true) => {}
                        Ok(false) => return (state, Ok(true)),
                        Err(e) => return (state, Err(e)),
                    }
                }
            }
            (state, Ok(false))
        });
        let read = read_rows(connection, system_id, &send);
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
    send: &mpsc::SyncSender<Vec<DecisionRow>>,
) -> Result<()> {
    let mut select = connection.prepare(
        "SELECT seq, recorded_at, actor, action, event_id, new_state_hash, prev_state_hash, \
         prev_entry_hash, entry_hash, state FROM decisions WHERE system_id = ?1 ORDER BY seq",
    )?;
    let mut rows = select.query([system_id])?;
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(row) = rows.next()? {
        chunk.push(DecisionRow {
            seq: match row.get_ref(0)? {
                ValueRef::Integer(seq) => seq,
                _ => -1,
            },
            time: entry_time(row.get_ref(1)?),
            actor: text(row.get_ref(2)?).unwrap_or_default(),
            action: text(row.get_ref(3)?).unwrap_or_default(),
            event_id: text(row.get_ref(4)?).unwrap_or_default(),
            new_state_hash: text(row.get_ref(5)?),
            prev_state_hash: text(row.get_ref(6)?),
            prev_entry_hash: text(row.get_ref(7)?),
            entry_hash: text(row.get_ref(8)?),
            state: text(row.get_ref(9)?).unwrap_or_default(),
        });
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if send.send(full).is_err() {
                // The verifier stopped at a problem; the rest is not needed.
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = send.send(chunk);
    }
    Ok(())
}

/// A stored value as text. Whatever was written into a column outside aims is read as
/// text, so verification reports the entry as edited rather than the log as unreadable.
fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(r.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// The entry's time as the ledger hashed it (RFC 3339, UTC, microseconds) from the text
/// sqlx stored. The usual `…SS.ffffff+00:00` is rewritten in place; anything else is
/// parsed, and text that is no time at all is kept as it is, so its entry fails its hash.
fn entry_time(value: ValueRef<'_>) -> String {
    let stored = text(value).unwrap_or_default();
    let bytes = stored.as_bytes();
    if bytes.len() == 32 && bytes[19] == b'.' && stored.ends_with("+00:00") {
        let mut time = stored;
        time.replace_range(26.., "Z");
        return time;
    }
    match DateTime::parse_from_rfc3339(&stored) {
        Ok(t) => format_timestamp(t.with_timezone(&Utc)),
        Err(_) => stored,
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
                entry_time(ValueRef::Text(stored.as_bytes())),
                format_timestamp(t),
                "{stored}"
            );
        }
        assert_eq!(entry_time(ValueRef::Text(b"yesterday")), "yesterday");
        assert_eq!(entry_time(ValueRef::Integer(7)), "7");
    }
}

-- The change log becomes a hash chain (see the aims-ledger crate): each entry names the
-- hash of the record's new and previous state and the hash of the entry before it.
-- Entries written before this migration are chained by aims when it applies it.
ALTER TABLE changes ADD COLUMN new_state_hash TEXT;
ALTER TABLE changes ADD COLUMN prev_state_hash TEXT;
ALTER TABLE changes ADD COLUMN prev_entry_hash TEXT;
ALTER TABLE changes ADD COLUMN entry_hash TEXT;
ALTER TABLE changes DROP COLUMN state_sha256;

-- The end of each log: the last entry and the Merkle tree's complete subtree roots, so a
-- write appends in O(log n) and a tree head needs no scan. One row per log; the record
-- log is `records`. Derived from the entries: an import rebuilds it.
CREATE TABLE ledger_heads (
    log TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    entry_hash TEXT NOT NULL,
    subtree_roots TEXT NOT NULL
);

-- Appending an update looks up the record's last entry.
DROP INDEX changes_record;
CREATE INDEX changes_record ON changes (record_kind, record_id, seq);

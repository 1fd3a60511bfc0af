-- Decision events of AI systems (A.6.2.8): one append-only, hash-chained log per system.
-- A row is a ledger entry: `create` records an event, `update` its ground truth arriving
-- later; the event's current state is its last entry's state. The head of each system's
-- log is the `ledger_heads` row named `decisions:<system id>`.
CREATE TABLE decisions (
    system_id TEXT NOT NULL REFERENCES ai_systems(id),
    seq BIGINT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    action TEXT NOT NULL,
    event_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    state TEXT NOT NULL,
    new_state_hash TEXT NOT NULL,
    prev_state_hash TEXT,
    prev_entry_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    PRIMARY KEY (system_id, seq)
) WITHOUT ROWID;

CREATE INDEX decisions_event ON decisions (system_id, event_id);
CREATE INDEX decisions_time ON decisions (system_id, occurred_at);

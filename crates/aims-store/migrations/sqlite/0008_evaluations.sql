-- Fairness and drift evaluations kept as evidence on an AI system: the full result, the
-- input files' SHA-256 and size, the parameters and the tool version. Rows are added, never
-- changed; each is logged in `changes`.

CREATE TABLE evaluations (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    system_id TEXT NOT NULL REFERENCES ai_systems(id),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    kind TEXT NOT NULL,
    inputs TEXT NOT NULL,
    parameters TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    result TEXT NOT NULL,
    verdict TEXT
);

CREATE INDEX evaluations_system ON evaluations (system_id, created_at);

-- EU AI Act classifications of AI systems: one row per version, never changed once written.
-- The answers and the outcome of the rules are JSON; re-classifying a system adds the next
-- version. Every row is logged in `changes` like any other record.

CREATE TABLE eu_ai_act_classifications (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    system_id TEXT NOT NULL REFERENCES ai_systems(id),
    version BIGINT NOT NULL,
    assessed_at TIMESTAMP NOT NULL,
    assessed_by TEXT NOT NULL,
    assessed_on DATE NOT NULL,
    answers TEXT NOT NULL,
    result TEXT NOT NULL,
    note TEXT NOT NULL,
    UNIQUE (system_id, version)
);

CREATE INDEX eu_ai_act_classifications_organisation ON eu_ai_act_classifications (organisation_id, system_id);

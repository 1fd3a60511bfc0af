-- AI risk management: each organisation's risk criteria (one row, the matrix as JSON) and
-- the risk register. Ratings, treatment actions and the acceptance are JSON so the matrix
-- can be 3×3 to 5×5 without schema changes; every write is logged in `changes`.

CREATE TABLE risk_criteria (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL UNIQUE REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    criteria TEXT NOT NULL
);

CREATE TABLE risks (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    system_ids TEXT NOT NULL,
    sources TEXT NOT NULL,
    affected_parties TEXT NOT NULL,
    inherent TEXT NOT NULL,
    owner TEXT NOT NULL,
    treatment TEXT,
    actions TEXT NOT NULL,
    residual TEXT,
    review_due DATE,
    acceptance TEXT
);

CREATE INDEX risks_organisation ON risks (organisation_id, created_at);

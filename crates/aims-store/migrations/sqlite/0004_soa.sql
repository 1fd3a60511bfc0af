-- The Statement of Applicability: the framework an organisation adopted, one entry per
-- Annex A control and per clause requirement, and the approved versions. Every write is
-- logged in `changes` like any other record.

CREATE TABLE soas (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL UNIQUE REFERENCES organisations(id),
    framework_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE soa_controls (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    item_ref TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    applicable BOOLEAN NOT NULL,
    justification TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    target_date DATE,
    risk_ids TEXT NOT NULL,
    evidence TEXT NOT NULL,
    UNIQUE (organisation_id, item_ref)
);

CREATE TABLE soa_requirements (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    item_ref TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    notes TEXT NOT NULL,
    evidence TEXT NOT NULL,
    UNIQUE (organisation_id, item_ref)
);

CREATE TABLE soa_versions (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    version BIGINT NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    approved_by TEXT NOT NULL,
    note TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (organisation_id, version)
);

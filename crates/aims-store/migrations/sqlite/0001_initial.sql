-- Initial schema of aims (sqlite). Never edit this file once released: add a new migration.

CREATE TABLE organisations (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);

CREATE TABLE sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);

CREATE TABLE login_throttle (
    key TEXT NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE api_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id TEXT,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    state TEXT,
    state_sha256 TEXT
);

-- Derived: how many records of each kind an organisation holds, kept in the same
-- transaction as every create and delete, so an unfiltered list needs no COUNT(*).
CREATE TABLE record_counts (
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    record_kind TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, record_kind)
);

CREATE TABLE suppliers (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    name TEXT NOT NULL,
    supplies TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    due_diligence_status TEXT NOT NULL
);

CREATE TABLE ai_systems (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    intended_purpose TEXT NOT NULL,
    owner TEXT NOT NULL,
    ai_role TEXT,
    lifecycle_stage TEXT NOT NULL,
    deployment_context TEXT NOT NULL,
    affected_stakeholders TEXT NOT NULL,
    human_oversight TEXT NOT NULL,
    criticality TEXT,
    eu_ai_act_tier TEXT NOT NULL
);

CREATE TABLE datasets (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    provenance TEXT NOT NULL,
    collection_start DATE,
    collection_end DATE,
    personal_data BOOLEAN NOT NULL,
    special_category_data BOOLEAN NOT NULL,
    licence TEXT NOT NULL,
    known_quality_issues TEXT NOT NULL,
    supplier_id TEXT REFERENCES suppliers(id)
);

CREATE TABLE models (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    model_type TEXT NOT NULL,
    framework TEXT NOT NULL,
    system_id TEXT REFERENCES ai_systems(id),
    supplier_id TEXT REFERENCES suppliers(id),
    training_dataset_ids TEXT NOT NULL,
    evaluation_dataset_ids TEXT NOT NULL,
    headline_metrics TEXT NOT NULL
);

CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX api_tokens_org_user ON api_tokens (organisation_id, user_id);
CREATE INDEX changes_record ON changes (record_kind, record_id);
CREATE INDEX changes_org ON changes (organisation_id, seq);
CREATE INDEX ai_systems_org_name ON ai_systems (organisation_id, name, id);
CREATE INDEX ai_systems_org_updated ON ai_systems (organisation_id, updated_at, id);
CREATE INDEX models_org_name ON models (organisation_id, name, id);
CREATE INDEX models_org_updated ON models (organisation_id, updated_at, id);
CREATE INDEX datasets_org_name ON datasets (organisation_id, name, id);
CREATE INDEX datasets_org_updated ON datasets (organisation_id, updated_at, id);
CREATE INDEX suppliers_org_name ON suppliers (organisation_id, name, id);
CREATE INDEX suppliers_org_updated ON suppliers (organisation_id, updated_at, id);
CREATE INDEX models_system ON models (system_id);
CREATE INDEX models_supplier ON models (supplier_id);
CREATE INDEX datasets_supplier ON datasets (supplier_id);
CREATE INDEX ai_systems_org_stage ON ai_systems (organisation_id, lifecycle_stage, name, id);

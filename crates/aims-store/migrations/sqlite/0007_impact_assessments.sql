-- AI system impact assessments (6.1.4, 8.4, A.5): one row per version of an assessment of
-- one AI system with one library template. Drafts change; approved versions do not, and a
-- re-assessment is a new version. Answers and the derived level are JSON; every write is
-- logged in `changes`.

CREATE TABLE impact_assessments (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    system_id TEXT NOT NULL REFERENCES ai_systems(id),
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    answers TEXT NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    review_due DATE,
    approved_at TIMESTAMP,
    approved_by TEXT,
    approval_note TEXT NOT NULL,
    risk_ids TEXT NOT NULL,
    UNIQUE (system_id, template_id, version)
);

CREATE INDEX impact_assessments_organisation ON impact_assessments (organisation_id, system_id);

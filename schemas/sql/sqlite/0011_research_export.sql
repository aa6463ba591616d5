-- FHIR Bulk Data $export for the researcher role (issue 16). Forward-only: never edit once merged.
--
-- research_export: one row per kick-off. A worker on any node claims a queued row with a conditional UPDATE (status
-- 'queued', or 'running' with a claim older than ResearchExport:ClaimTimeoutMinutes: its node died), refreshes
-- claimed_at while it builds, and marks it completed (files written in the same transaction) or failed (error). A
-- DELETE by its researcher marks it cancelled and deletes its files. expires_at: when a finished row and its files
-- are purged (completed_at + ResearchExport:RetentionHours; the instant of the DELETE for a cancelled one).
-- research_export_file: the NDJSON files, in the database so every node of a cluster serves them.
CREATE TABLE research_export (
    id               TEXT NOT NULL PRIMARY KEY,
    requested_by     TEXT NOT NULL,
    request_url      TEXT NOT NULL,
    types            TEXT NOT NULL,
    status           TEXT NOT NULL,
    requested_at     TEXT NOT NULL,
    transaction_time TEXT NOT NULL,
    claimed_by       TEXT NULL,
    claimed_at       TEXT NULL,
    completed_at     TEXT NULL,
    error            TEXT NULL,
    expires_at       TEXT NULL,
    CONSTRAINT ck_research_export_status CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled'))
) STRICT;
CREATE INDEX ix_research_export_requester ON research_export (requested_by, status);
CREATE INDEX ix_research_export_claim ON research_export (status, claimed_at);
CREATE INDEX ix_research_export_expires ON research_export (expires_at);

CREATE TABLE research_export_file (
    export_id     TEXT NOT NULL REFERENCES research_export (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    line_count    INTEGER NOT NULL,
    content       TEXT NOT NULL,
    PRIMARY KEY (export_id, name)
) STRICT;

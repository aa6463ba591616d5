-- FHIR Bulk Data $export for the researcher role (issue 16). Forward-only: never edit once merged.
--
-- research_export: one row per kick-off. A worker on any node claims a queued row with a conditional UPDATE (status
-- 'queued', or 'running' with a claim older than ResearchExport:ClaimTimeoutMinutes: its node died), refreshes
-- claimed_at while it builds, and marks it completed (files written in the same transaction) or failed (error). A
-- DELETE by its researcher marks it cancelled and deletes its files. expires_at: when a finished row and its files
-- are purged (completed_at + ResearchExport:RetentionHours; the instant of the DELETE for a cancelled one).
-- research_export_file: the NDJSON files, in the database so every node of a cluster serves them. The service
-- principal gets SELECT, INSERT, UPDATE, DELETE on both from dbo.crsmonitor_grant_service_role (0004), run by `migrate`.
CREATE TABLE research_export (
    id               nvarchar(64) NOT NULL,
    requested_by     nvarchar(256) NOT NULL,
    request_url      nvarchar(max) NOT NULL,
    types            nvarchar(max) NOT NULL,
    status           nvarchar(16) NOT NULL,
    requested_at     datetime2(7) NOT NULL,
    transaction_time datetime2(7) NOT NULL,
    claimed_by       nvarchar(128) NULL,
    claimed_at       datetime2(7) NULL,
    completed_at     datetime2(7) NULL,
    error            nvarchar(max) NULL,
    expires_at       datetime2(7) NULL,
    CONSTRAINT pk_research_export PRIMARY KEY (id),
    CONSTRAINT ck_research_export_status CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled'))
);
CREATE INDEX ix_research_export_requester ON research_export (requested_by, status);
CREATE INDEX ix_research_export_claim ON research_export (status, claimed_at);
CREATE INDEX ix_research_export_expires ON research_export (expires_at);

CREATE TABLE research_export_file (
    export_id     nvarchar(64) NOT NULL,
    name          nvarchar(128) NOT NULL,
    resource_type nvarchar(64) NOT NULL,
    line_count    int NOT NULL,
    content       nvarchar(max) NOT NULL,
    CONSTRAINT pk_research_export_file PRIMARY KEY (export_id, name),
    CONSTRAINT fk_research_export_file_export FOREIGN KEY (export_id) REFERENCES research_export (id) ON DELETE CASCADE
);

-- CrsMonitor storage, SQLite (embedded default). Forward-only: never edit once merged; add 0002_... instead.
-- Instants are TEXT 'yyyy-MM-ddTHH:mm:ss.fffffffZ' (UTC, fixed width, so text order is time order).
-- Decimals are TEXT (exact). JSON is TEXT, kept verbatim. STRICT tables reject values of the wrong type.

-- Every accepted FHIR resource, current version.
CREATE TABLE fhir_resource (
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    INTEGER NOT NULL,
    last_updated  TEXT NOT NULL,
    patient_id    TEXT NULL,
    content_hash  TEXT NOT NULL,
    body          TEXT NOT NULL,
    CONSTRAINT pk_fhir_resource PRIMARY KEY (resource_type, id)
) STRICT;
CREATE INDEX ix_fhir_resource_patient ON fhir_resource (patient_id, resource_type);

-- Every version ever stored (vread, history).
CREATE TABLE fhir_resource_version (
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    INTEGER NOT NULL,
    last_updated  TEXT NOT NULL,
    body          TEXT NOT NULL,
    CONSTRAINT pk_fhir_resource_version PRIMARY KEY (resource_type, id, version_id),
    CONSTRAINT fk_fhir_resource_version_resource FOREIGN KEY (resource_type, id) REFERENCES fhir_resource (resource_type, id)
) STRICT;

-- The resend guard: an identifier belongs to one resource of a type (the primary key decides under races).
CREATE TABLE fhir_identifier (
    resource_type TEXT NOT NULL,
    system        TEXT NOT NULL,
    value         TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    CONSTRAINT pk_fhir_identifier PRIMARY KEY (resource_type, system, value),
    CONSTRAINT fk_fhir_identifier_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
) STRICT;
CREATE INDEX ix_fhir_identifier_resource ON fhir_identifier (resource_type, resource_id);

-- The resend guard for readings without an identifier: the same canonical content is the same resource.
CREATE TABLE fhir_content (
    resource_type TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    CONSTRAINT pk_fhir_content PRIMARY KEY (resource_type, content_hash),
    CONSTRAINT fk_fhir_content_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
) STRICT;

-- Normalised readings of the CURRENT version of each source resource (replaced on update).
CREATE TABLE reading (
    id             INTEGER PRIMARY KEY,
    patient_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    effective_at   TEXT NOT NULL,
    end_at         TEXT NULL,
    value          TEXT NULL,
    original_value TEXT NULL,
    code           TEXT NULL,
    qualifier      TEXT NULL,
    detail         TEXT NULL,
    source_type    TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    source_version INTEGER NOT NULL,
    sequence       INTEGER NOT NULL,
    CONSTRAINT uq_reading_source UNIQUE (source_type, source_id, sequence)
) STRICT;
CREATE INDEX ix_reading_patient_time ON reading (patient_id, effective_at);

-- Projection of Encounter: which unit (Location id) a patient is on.
CREATE TABLE patient_encounter (
    encounter_id TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    location_id  TEXT NULL,
    status       TEXT NOT NULL,
    class_code   TEXT NULL,
    updated_at   TEXT NOT NULL,
    CONSTRAINT pk_patient_encounter PRIMARY KEY (encounter_id)
) STRICT;
CREATE INDEX ix_patient_encounter_location ON patient_encounter (location_id, status);
CREATE INDEX ix_patient_encounter_patient ON patient_encounter (patient_id);

-- Projection of Patient: what grading needs (birth date) and what a clinician recognises (name).
CREATE TABLE patient (
    patient_id   TEXT NOT NULL,
    birth_date   TEXT NULL,
    display_name TEXT NULL,
    updated_at   TEXT NOT NULL,
    CONSTRAINT pk_patient PRIMARY KEY (patient_id)
) STRICT;

-- The grade timeline: one row per change of (status, grade, reason, flags) of a scale.
CREATE TABLE grade_point (
    patient_id   TEXT NOT NULL,
    scale        TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    status       TEXT NOT NULL,
    grade        INTEGER NULL,
    reason       TEXT NULL,
    result       TEXT NOT NULL,
    cause        TEXT NOT NULL,
    computed_at  TEXT NOT NULL,
    CONSTRAINT pk_grade_point PRIMARY KEY (patient_id, scale, effective_at),
    CONSTRAINT ck_grade_point_scale CHECK (scale IN ('crs', 'icans'))
) STRICT;

CREATE TABLE episode (
    patient_id  TEXT NOT NULL,
    scale       TEXT NOT NULL,
    onset_at    TEXT NOT NULL,
    max_grade   INTEGER NOT NULL,
    max_at      TEXT NOT NULL,
    resolved_at TEXT NULL,
    treatments  TEXT NOT NULL,
    CONSTRAINT pk_episode PRIMARY KEY (patient_id, scale, onset_at),
    CONSTRAINT ck_episode_scale CHECK (scale IN ('crs', 'icans'))
) STRICT;

-- Payloads answered 4xx, kept for the interface team until the retention setting purges them.
CREATE TABLE rejected_payload (
    id           INTEGER PRIMARY KEY,
    received_at  TEXT NOT NULL,
    client_id    TEXT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    content_type TEXT NULL,
    status_code  INTEGER NOT NULL,
    body         TEXT NOT NULL,
    outcome      TEXT NOT NULL
) STRICT;
CREATE INDEX ix_rejected_payload_received ON rejected_payload (received_at);

-- Append-only audit (reliability-security.md); AUTOINCREMENT: ids are never reused.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    actor          TEXT NULL,
    role           TEXT NULL,
    action         TEXT NOT NULL,
    resource_type  TEXT NULL,
    resource_id    TEXT NULL,
    patient_id     TEXT NULL,
    outcome        TEXT NOT NULL,
    remote_address TEXT NULL,
    correlation_id TEXT NULL,
    detail         TEXT NULL,
    CONSTRAINT ck_audit_log_outcome CHECK (outcome IN ('success', 'denied', 'error'))
) STRICT;
CREATE INDEX ix_audit_log_patient ON audit_log (patient_id, at);

CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;

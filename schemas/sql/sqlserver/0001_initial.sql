-- CrsMonitor storage, SQL Server. Forward-only: never edit once merged; add 0002_... instead.
-- Instants are datetime2(7) holding UTC, decimals decimal(19,6), JSON nvarchar(max) (kept verbatim).
-- Identifier system and value are at most 400 characters each: the primary key of fhir_identifier must stay
-- within SQL Server's 1,700-byte nonclustered key limit.

-- Every accepted FHIR resource, current version.
CREATE TABLE fhir_resource (
    resource_type nvarchar(40) NOT NULL,
    id            nvarchar(64) NOT NULL,
    version_id    int NOT NULL,
    last_updated  datetime2(7) NOT NULL,
    patient_id    nvarchar(64) NULL,
    content_hash  nvarchar(64) NOT NULL,
    body          nvarchar(max) NOT NULL,
    CONSTRAINT pk_fhir_resource PRIMARY KEY (resource_type, id)
);
CREATE INDEX ix_fhir_resource_patient ON fhir_resource (patient_id, resource_type);

-- Every version ever stored (vread, history).
CREATE TABLE fhir_resource_version (
    resource_type nvarchar(40) NOT NULL,
    id            nvarchar(64) NOT NULL,
    version_id    int NOT NULL,
    last_updated  datetime2(7) NOT NULL,
    body          nvarchar(max) NOT NULL,
    CONSTRAINT pk_fhir_resource_version PRIMARY KEY (resource_type, id, version_id),
    CONSTRAINT fk_fhir_resource_version_resource FOREIGN KEY (resource_type, id) REFERENCES fhir_resource (resource_type, id)
);

-- The resend guard: an identifier belongs to one resource of a type (the primary key decides under races).
CREATE TABLE fhir_identifier (
    resource_type nvarchar(40) NOT NULL,
    system        nvarchar(400) NOT NULL,
    value         nvarchar(400) NOT NULL,
    resource_id   nvarchar(64) NOT NULL,
    CONSTRAINT pk_fhir_identifier PRIMARY KEY NONCLUSTERED (resource_type, system, value),
    CONSTRAINT fk_fhir_identifier_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
);
CREATE INDEX ix_fhir_identifier_resource ON fhir_identifier (resource_type, resource_id);

-- The resend guard for readings without an identifier: the same canonical content is the same resource.
CREATE TABLE fhir_content (
    resource_type nvarchar(40) NOT NULL,
    content_hash  nvarchar(64) NOT NULL,
    resource_id   nvarchar(64) NOT NULL,
    CONSTRAINT pk_fhir_content PRIMARY KEY (resource_type, content_hash),
    CONSTRAINT fk_fhir_content_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
);

-- Normalised readings of the CURRENT version of each source resource (replaced on update).
CREATE TABLE reading (
    id             bigint IDENTITY(1, 1) NOT NULL,
    patient_id     nvarchar(64) NOT NULL,
    kind           nvarchar(32) NOT NULL,
    effective_at   datetime2(7) NOT NULL,
    end_at         datetime2(7) NULL,
    value          decimal(19, 6) NULL,
    original_value nvarchar(100) NULL,
    code           nvarchar(200) NULL,
    qualifier      nvarchar(100) NULL,
    detail         nvarchar(max) NULL,
    source_type    nvarchar(40) NOT NULL,
    source_id      nvarchar(64) NOT NULL,
    source_version int NOT NULL,
    sequence       int NOT NULL,
    CONSTRAINT pk_reading PRIMARY KEY (id),
    CONSTRAINT uq_reading_source UNIQUE (source_type, source_id, sequence)
);
CREATE INDEX ix_reading_patient_time ON reading (patient_id, effective_at);

-- Projection of Encounter: which unit (Location id) a patient is on.
CREATE TABLE patient_encounter (
    encounter_id nvarchar(64) NOT NULL,
    patient_id   nvarchar(64) NOT NULL,
    location_id  nvarchar(64) NULL,
    status       nvarchar(32) NOT NULL,
    class_code   nvarchar(64) NULL,
    updated_at   datetime2(7) NOT NULL,
    CONSTRAINT pk_patient_encounter PRIMARY KEY (encounter_id)
);
CREATE INDEX ix_patient_encounter_location ON patient_encounter (location_id, status);
CREATE INDEX ix_patient_encounter_patient ON patient_encounter (patient_id);

-- Projection of Patient: what grading needs (birth date) and what a clinician recognises (name).
CREATE TABLE patient (
    patient_id   nvarchar(64) NOT NULL,
    birth_date   date NULL,
    display_name nvarchar(400) NULL,
    updated_at   datetime2(7) NOT NULL,
    CONSTRAINT pk_patient PRIMARY KEY (patient_id)
);

-- The grade timeline: one row per change of (status, grade, reason, flags) of a scale.
CREATE TABLE grade_point (
    patient_id   nvarchar(64) NOT NULL,
    scale        nvarchar(8) NOT NULL,
    effective_at datetime2(7) NOT NULL,
    status       nvarchar(32) NOT NULL,
    grade        int NULL,
    reason       nvarchar(max) NULL,
    result       nvarchar(max) NOT NULL,
    cause        nvarchar(max) NOT NULL,
    computed_at  datetime2(7) NOT NULL,
    CONSTRAINT pk_grade_point PRIMARY KEY (patient_id, scale, effective_at),
    CONSTRAINT ck_grade_point_scale CHECK (scale IN ('crs', 'icans'))
);

CREATE TABLE episode (
    patient_id  nvarchar(64) NOT NULL,
    scale       nvarchar(8) NOT NULL,
    onset_at    datetime2(7) NOT NULL,
    max_grade   int NOT NULL,
    max_at      datetime2(7) NOT NULL,
    resolved_at datetime2(7) NULL,
    treatments  nvarchar(max) NOT NULL,
    CONSTRAINT pk_episode PRIMARY KEY (patient_id, scale, onset_at),
    CONSTRAINT ck_episode_scale CHECK (scale IN ('crs', 'icans'))
);

-- Payloads answered 4xx, kept for the interface team until the retention setting purges them.
CREATE TABLE rejected_payload (
    id           bigint IDENTITY(1, 1) NOT NULL,
    received_at  datetime2(7) NOT NULL,
    client_id    nvarchar(256) NULL,
    method       nvarchar(16) NOT NULL,
    path         nvarchar(4000) NOT NULL,
    content_type nvarchar(256) NULL,
    status_code  int NOT NULL,
    body         nvarchar(max) NOT NULL,
    outcome      nvarchar(max) NOT NULL,
    CONSTRAINT pk_rejected_payload PRIMARY KEY (id)
);
CREATE INDEX ix_rejected_payload_received ON rejected_payload (received_at);

-- Append-only audit (reliability-security.md).
CREATE TABLE audit_log (
    id             bigint IDENTITY(1, 1) NOT NULL,
    at             datetime2(7) NOT NULL,
    actor          nvarchar(256) NULL,
    role           nvarchar(256) NULL,
    action         nvarchar(400) NOT NULL,
    resource_type  nvarchar(40) NULL,
    resource_id    nvarchar(64) NULL,
    patient_id     nvarchar(64) NULL,
    outcome        nvarchar(16) NOT NULL,
    remote_address nvarchar(64) NULL,
    correlation_id nvarchar(128) NULL,
    detail         nvarchar(max) NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (id),
    CONSTRAINT ck_audit_log_outcome CHECK (outcome IN ('success', 'denied', 'error'))
);
CREATE INDEX ix_audit_log_patient ON audit_log (patient_id, at);
GO

-- A trigger must be alone in its batch. THROW inside a trigger ends the statement and rolls the transaction back.
CREATE TRIGGER tr_audit_log_append_only ON audit_log INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51000, 'audit_log is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

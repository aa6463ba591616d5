-- CrsMonitor storage, PostgreSQL. Forward-only: never edit once merged; add 0002_... instead.
-- Instants are timestamptz (UTC), decimals numeric (exact), JSON text (kept verbatim, never queried inside).

-- Every accepted FHIR resource, current version.
CREATE TABLE fhir_resource (
    resource_type text NOT NULL,
    id            text NOT NULL,
    version_id    integer NOT NULL,
    last_updated  timestamptz NOT NULL,
    patient_id    text NULL,
    content_hash  text NOT NULL,
    body          text NOT NULL,
    CONSTRAINT pk_fhir_resource PRIMARY KEY (resource_type, id)
);
CREATE INDEX ix_fhir_resource_patient ON fhir_resource (patient_id, resource_type);

-- Every version ever stored (vread, history).
CREATE TABLE fhir_resource_version (
    resource_type text NOT NULL,
    id            text NOT NULL,
    version_id    integer NOT NULL,
    last_updated  timestamptz NOT NULL,
    body          text NOT NULL,
    CONSTRAINT pk_fhir_resource_version PRIMARY KEY (resource_type, id, version_id),
    CONSTRAINT fk_fhir_resource_version_resource FOREIGN KEY (resource_type, id) REFERENCES fhir_resource (resource_type, id)
);

-- The resend guard: an identifier belongs to one resource of a type (the primary key decides under races).
CREATE TABLE fhir_identifier (
    resource_type text NOT NULL,
    system        text NOT NULL,
    value         text NOT NULL,
    resource_id   text NOT NULL,
    CONSTRAINT pk_fhir_identifier PRIMARY KEY (resource_type, system, value),
    CONSTRAINT fk_fhir_identifier_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
);
CREATE INDEX ix_fhir_identifier_resource ON fhir_identifier (resource_type, resource_id);

-- The resend guard for readings without an identifier: the same canonical content is the same resource.
CREATE TABLE fhir_content (
    resource_type text NOT NULL,
    content_hash  text NOT NULL,
    resource_id   text NOT NULL,
    CONSTRAINT pk_fhir_content PRIMARY KEY (resource_type, content_hash),
    CONSTRAINT fk_fhir_content_resource FOREIGN KEY (resource_type, resource_id) REFERENCES fhir_resource (resource_type, id)
);

-- Normalised readings of the CURRENT version of each source resource (replaced on update).
CREATE TABLE reading (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    patient_id     text NOT NULL,
    kind           text NOT NULL,
    effective_at   timestamptz NOT NULL,
    end_at         timestamptz NULL,
    value          numeric NULL,
    original_value text NULL,
    code           text NULL,
    qualifier      text NULL,
    detail         text NULL,
    source_type    text NOT NULL,
    source_id      text NOT NULL,
    source_version integer NOT NULL,
    sequence       integer NOT NULL,
    CONSTRAINT pk_reading PRIMARY KEY (id),
    CONSTRAINT uq_reading_source UNIQUE (source_type, source_id, sequence)
);
CREATE INDEX ix_reading_patient_time ON reading (patient_id, effective_at);

-- Projection of Encounter: which unit (Location id) a patient is on.
CREATE TABLE patient_encounter (
    encounter_id text NOT NULL,
    patient_id   text NOT NULL,
    location_id  text NULL,
    status       text NOT NULL,
    class_code   text NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT pk_patient_encounter PRIMARY KEY (encounter_id)
);
CREATE INDEX ix_patient_encounter_location ON patient_encounter (location_id, status);
CREATE INDEX ix_patient_encounter_patient ON patient_encounter (patient_id);

-- Projection of Patient: what grading needs (birth date) and what a clinician recognises (name).
CREATE TABLE patient (
    patient_id   text NOT NULL,
    birth_date   date NULL,
    display_name text NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT pk_patient PRIMARY KEY (patient_id)
);

-- The grade timeline: one row per change of (status, grade, reason, flags) of a scale.
CREATE TABLE grade_point (
    patient_id   text NOT NULL,
    scale        text NOT NULL,
    effective_at timestamptz NOT NULL,
    status       text NOT NULL,
    grade        integer NULL,
    reason       text NULL,
    result       text NOT NULL,
    cause        text NOT NULL,
    computed_at  timestamptz NOT NULL,
    CONSTRAINT pk_grade_point PRIMARY KEY (patient_id, scale, effective_at),
    CONSTRAINT ck_grade_point_scale CHECK (scale IN ('crs', 'icans'))
);

CREATE TABLE episode (
    patient_id  text NOT NULL,
    scale       text NOT NULL,
    onset_at    timestamptz NOT NULL,
    max_grade   integer NOT NULL,
    max_at      timestamptz NOT NULL,
    resolved_at timestamptz NULL,
    treatments  text NOT NULL,
    CONSTRAINT pk_episode PRIMARY KEY (patient_id, scale, onset_at),
    CONSTRAINT ck_episode_scale CHECK (scale IN ('crs', 'icans'))
);

-- Payloads answered 4xx, kept for the interface team until the retention setting purges them.
CREATE TABLE rejected_payload (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    received_at  timestamptz NOT NULL,
    client_id    text NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    content_type text NULL,
    status_code  integer NOT NULL,
    body         text NOT NULL,
    outcome      text NOT NULL,
    CONSTRAINT pk_rejected_payload PRIMARY KEY (id)
);
CREATE INDEX ix_rejected_payload_received ON rejected_payload (received_at);

-- Append-only audit (reliability-security.md).
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    at             timestamptz NOT NULL,
    actor          text NULL,
    role           text NULL,
    action         text NOT NULL,
    resource_type  text NULL,
    resource_id    text NULL,
    patient_id     text NULL,
    outcome        text NOT NULL,
    remote_address text NULL,
    correlation_id text NULL,
    detail         text NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (id),
    CONSTRAINT ck_audit_log_outcome CHECK (outcome IN ('success', 'denied', 'error'))
);
CREATE INDEX ix_audit_log_patient ON audit_log (patient_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER tr_audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER tr_audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

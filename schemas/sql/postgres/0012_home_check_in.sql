-- Home medication and the patient and caregiver check-in (issue 17, part A). Forward-only: never edit once merged.
--
-- reading.reported_by: 'patient' or 'caregiver' when the fact was reported by them (a MedicationStatement, a
-- temperature taken at home, the check-in page); NULL when a clinician or a device recorded it.
-- checkin_code: one row per check-in code a nurse or physician created for a patient. Only the SHA-256 of the code
-- is kept (code_hash, hex); the code itself is shown once. A code is usable while revoked_at is NULL and now is
-- before expires_at. last_used_at: the last accepted submission. The service role gets SELECT, INSERT, UPDATE,
-- DELETE on it from crsmonitor_grant_service_role (0004), run by `migrate`.
ALTER TABLE reading ADD COLUMN reported_by text NULL;

CREATE TABLE checkin_code (
    id           text NOT NULL,
    patient_id   text NOT NULL,
    code_hash    text NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz NULL,
    revoked_by   text NULL,
    last_used_at timestamptz NULL,
    CONSTRAINT pk_checkin_code PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_checkin_code_hash ON checkin_code (code_hash);
CREATE INDEX ix_checkin_code_patient ON checkin_code (patient_id, created_at);

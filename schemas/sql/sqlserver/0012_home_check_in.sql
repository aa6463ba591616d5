-- Home medication and the patient and caregiver check-in (issue 17, part A). Forward-only: never edit once merged.
--
-- reading.reported_by: 'patient' or 'caregiver' when the fact was reported by them (a MedicationStatement, a
-- temperature taken at home, the check-in page); NULL when a clinician or a device recorded it.
-- checkin_code: one row per check-in code a nurse or physician created for a patient. Only the SHA-256 of the code
-- is kept (code_hash, hex); the code itself is shown once. A code is usable while revoked_at is NULL and now is
-- before expires_at. last_used_at: the last accepted submission. The service principal gets SELECT, INSERT, UPDATE,
-- DELETE on it from dbo.crsmonitor_grant_service_role (0004), run by `migrate`.
ALTER TABLE reading ADD reported_by nvarchar(16) NULL;

CREATE TABLE checkin_code (
    id           nvarchar(64) NOT NULL,
    patient_id   nvarchar(64) NOT NULL,
    code_hash    nvarchar(64) NOT NULL,
    created_by   nvarchar(256) NOT NULL,
    created_at   datetime2(7) NOT NULL,
    expires_at   datetime2(7) NOT NULL,
    revoked_at   datetime2(7) NULL,
    revoked_by   nvarchar(256) NULL,
    last_used_at datetime2(7) NULL,
    CONSTRAINT pk_checkin_code PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_checkin_code_hash ON checkin_code (code_hash);
CREATE INDEX ix_checkin_code_patient ON checkin_code (patient_id, created_at);

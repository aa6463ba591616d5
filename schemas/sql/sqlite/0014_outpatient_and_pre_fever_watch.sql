-- Outpatient settings and the pre-fever watch (issue 17, part C). Forward-only: never edit once merged.
--
-- window_decision: a physician's move between inpatient and home monitoring is a decision of its own
-- ('setting-changed', detail {"from", "to"}). SQLite cannot change a CHECK constraint: the table is rebuilt with its
-- rows, its index and the same columns, as 0006 rebuilt alert_action (nothing references it).
-- window_attestation: the caregiver and proximity attestation of a window that requires them (the latest row counts;
-- a new caregiver is a new row).
-- pre_fever_watch: one row per window, kept by the patient pass (Monitoring/Outpatient/PreFeverWatch.cs): the baseline
-- once established, the readings scanned so far, the current run above the threshold, the first breach, the instant
-- the watch was raised, the first fever charted in the window. Temperatures in °C as text, like reading.value.
ALTER TABLE window_decision RENAME TO window_decision_0002;
CREATE TABLE window_decision (
    id          TEXT NOT NULL PRIMARY KEY,
    window_id   TEXT NOT NULL REFERENCES monitoring_window (id),
    action      TEXT NOT NULL,
    decision    TEXT NULL,
    hours       TEXT NULL,
    reason      TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    role        TEXT NOT NULL,
    detail      TEXT NULL,
    CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed', 'setting-changed'))
) STRICT;
INSERT INTO window_decision (id, window_id, action, decision, hours, reason, decided_at, decided_by, role, detail)
    SELECT id, window_id, action, decision, hours, reason, decided_at, decided_by, role, detail FROM window_decision_0002;
DROP TABLE window_decision_0002;
CREATE INDEX ix_window_decision_window ON window_decision (window_id, decided_at);

CREATE TABLE window_attestation (
    id                     TEXT NOT NULL PRIMARY KEY,
    window_id              TEXT NOT NULL REFERENCES monitoring_window (id),
    patient_id             TEXT NOT NULL,
    caregiver_name         TEXT NOT NULL,
    caregiver_relationship TEXT NOT NULL,
    caregiver_phone        TEXT NULL,
    travel_minutes         INTEGER NOT NULL,
    reason                 TEXT NULL,
    attested_at            TEXT NOT NULL,
    attested_by            TEXT NOT NULL,
    role                   TEXT NOT NULL
) STRICT;
CREATE INDEX ix_window_attestation_patient ON window_attestation (patient_id, attested_at);

CREATE TABLE pre_fever_watch (
    window_id       TEXT NOT NULL PRIMARY KEY REFERENCES monitoring_window (id),
    patient_id      TEXT NOT NULL,
    baseline_source TEXT NULL,
    baseline_from   TEXT NULL,
    baseline_to     TEXT NULL,
    baseline_count  INTEGER NOT NULL,
    baseline_mean   TEXT NULL,
    baseline_sd     TEXT NULL,
    threshold       TEXT NULL,
    scan_from       TEXT NULL,
    scanned_until   TEXT NULL,
    run_start_at    TEXT NULL,
    run_count       INTEGER NOT NULL,
    first_breach_at TEXT NULL,
    raised_at       TEXT NULL,
    fever_at        TEXT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT ck_pre_fever_watch_source CHECK (baseline_source IS NULL OR baseline_source IN ('before-dose', 'window-start'))
) STRICT;
CREATE INDEX ix_pre_fever_watch_patient ON pre_fever_watch (patient_id);

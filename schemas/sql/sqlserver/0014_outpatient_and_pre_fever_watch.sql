-- Outpatient settings and the pre-fever watch (issue 17, part C). Forward-only: never edit once merged.
--
-- window_decision: a physician's move between inpatient and home monitoring is a decision of its own
-- ('setting-changed', detail {"from", "to"}).
-- window_attestation: the caregiver and proximity attestation of a window that requires them (the latest row counts;
-- a new caregiver is a new row).
-- pre_fever_watch: one row per window, kept by the patient pass (Monitoring/Outpatient/PreFeverWatch.cs): the baseline
-- once established, the readings scanned so far, the current run above the threshold, the first breach, the instant
-- the watch was raised, the first fever charted in the window. Temperatures in °C. The service principal gets SELECT,
-- INSERT, UPDATE, DELETE on the new tables from dbo.crsmonitor_grant_service_role (0004), run by `migrate`.
ALTER TABLE window_decision DROP CONSTRAINT ck_window_decision_action;
ALTER TABLE window_decision ADD CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed', 'setting-changed'));

CREATE TABLE window_attestation (
    id                     nvarchar(64) NOT NULL PRIMARY KEY,
    window_id              nvarchar(64) NOT NULL REFERENCES monitoring_window (id),
    patient_id             nvarchar(64) NOT NULL,
    caregiver_name         nvarchar(200) NOT NULL,
    caregiver_relationship nvarchar(100) NOT NULL,
    caregiver_phone        nvarchar(40) NULL,
    travel_minutes         int NOT NULL,
    reason                 nvarchar(max) NULL,
    attested_at            datetime2(7) NOT NULL,
    attested_by            nvarchar(200) NOT NULL,
    role                   nvarchar(32) NOT NULL
);
CREATE INDEX ix_window_attestation_patient ON window_attestation (patient_id, attested_at);

CREATE TABLE pre_fever_watch (
    window_id       nvarchar(64) NOT NULL PRIMARY KEY REFERENCES monitoring_window (id),
    patient_id      nvarchar(64) NOT NULL,
    baseline_source nvarchar(16) NULL,
    baseline_from   datetime2(7) NULL,
    baseline_to     datetime2(7) NULL,
    baseline_count  int NOT NULL,
    baseline_mean   decimal(19, 6) NULL,
    baseline_sd     decimal(19, 6) NULL,
    threshold       decimal(19, 6) NULL,
    scan_from       datetime2(7) NULL,
    scanned_until   datetime2(7) NULL,
    run_start_at    datetime2(7) NULL,
    run_count       int NOT NULL,
    first_breach_at datetime2(7) NULL,
    raised_at       datetime2(7) NULL,
    fever_at        datetime2(7) NULL,
    updated_at      datetime2(7) NOT NULL,
    CONSTRAINT ck_pre_fever_watch_source CHECK (baseline_source IS NULL OR baseline_source IN ('before-dose', 'window-start'))
);
CREATE INDEX ix_pre_fever_watch_patient ON pre_fever_watch (patient_id);

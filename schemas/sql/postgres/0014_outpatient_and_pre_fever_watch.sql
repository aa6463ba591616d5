-- Outpatient settings and the pre-fever watch (issue 17, part C). Forward-only: never edit once merged.
--
-- window_decision: a physician's move between inpatient and home monitoring is a decision of its own
-- ('setting-changed', detail {"from", "to"}).
-- window_attestation: the caregiver and proximity attestation of a window that requires them (the latest row counts;
-- a new caregiver is a new row).
-- pre_fever_watch: one row per window, kept by the patient pass (Monitoring/Outpatient/PreFeverWatch.cs): the baseline
-- once established, the readings scanned so far, the current run above the threshold, the first breach, the instant
-- the watch was raised, the first fever charted in the window. Temperatures in °C. The service role gets SELECT,
-- INSERT, UPDATE, DELETE on the new tables from crsmonitor_grant_service_role (0004), run by `migrate`.
ALTER TABLE window_decision DROP CONSTRAINT ck_window_decision_action;
ALTER TABLE window_decision ADD CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed', 'setting-changed'));

CREATE TABLE window_attestation (
    id                     text NOT NULL PRIMARY KEY,
    window_id              text NOT NULL REFERENCES monitoring_window (id),
    patient_id             text NOT NULL,
    caregiver_name         text NOT NULL,
    caregiver_relationship text NOT NULL,
    caregiver_phone        text NULL,
    travel_minutes         integer NOT NULL,
    reason                 text NULL,
    attested_at            timestamptz NOT NULL,
    attested_by            text NOT NULL,
    role                   text NOT NULL
);
CREATE INDEX ix_window_attestation_patient ON window_attestation (patient_id, attested_at);

CREATE TABLE pre_fever_watch (
    window_id       text NOT NULL PRIMARY KEY REFERENCES monitoring_window (id),
    patient_id      text NOT NULL,
    baseline_source text NULL,
    baseline_from   timestamptz NULL,
    baseline_to     timestamptz NULL,
    baseline_count  integer NOT NULL,
    baseline_mean   numeric NULL,
    baseline_sd     numeric NULL,
    threshold       numeric NULL,
    scan_from       timestamptz NULL,
    scanned_until   timestamptz NULL,
    run_start_at    timestamptz NULL,
    run_count       integer NOT NULL,
    first_breach_at timestamptz NULL,
    raised_at       timestamptz NULL,
    fever_at        timestamptz NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT ck_pre_fever_watch_source CHECK (baseline_source IS NULL OR baseline_source IN ('before-dose', 'window-start'))
);
CREATE INDEX ix_pre_fever_watch_patient ON pre_fever_watch (patient_id);

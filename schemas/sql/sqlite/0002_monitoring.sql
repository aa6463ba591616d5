-- Monitoring (issue 4): doses of protocol drugs, the windows that follow them, their check slots, the decisions
-- clinicians take on them, and the monitoring events they raise. Our own rows (architecture invariant 6): Quartz
-- only wakes the service at monitoring_window.next_wake_at; its QRTZ_* tables hold nothing clinical.

-- A dose of a protocol drug: from a MedicationAdministration (administration_id) or entered by a physician (outside
-- dose). Its place in the step-up sequence (cycle, day) comes from the patient's history of the drug unless a
-- physician set it (sequence_basis = 'physician').
CREATE TABLE monitoring_dose (
    id                    TEXT NOT NULL PRIMARY KEY,
    patient_id            TEXT NOT NULL,
    drug_key              TEXT NOT NULL,
    administration_id     TEXT NULL,
    started_at            TEXT NOT NULL,
    ended_at              TEXT NULL,
    protocol_id           TEXT NULL,
    cycle                 INTEGER NULL,
    day                   INTEGER NULL,
    sequence_basis        TEXT NOT NULL,
    extended_monitoring   INTEGER NOT NULL,
    extended_reason       TEXT NULL,
    confirmation_required TEXT NULL,
    corrected_by          TEXT NULL,
    correction_reason     TEXT NULL,
    recorded_at           TEXT NOT NULL,
    CONSTRAINT uq_monitoring_dose_administration UNIQUE (administration_id),
    CONSTRAINT ck_monitoring_dose_basis CHECK (sequence_basis IN ('history', 'physician'))
) STRICT;

CREATE INDEX ix_monitoring_dose_patient ON monitoring_dose (patient_id, drug_key, started_at);

-- A monitoring window: from a dose and a window of its protocol (protocol_window_id), or opened by hand (dose_id null).
CREATE TABLE monitoring_window (
    id                 TEXT NOT NULL PRIMARY KEY,
    patient_id         TEXT NOT NULL,
    dose_id            TEXT NULL,
    protocol_id        TEXT NULL,
    protocol_window_id TEXT NOT NULL,
    setting            TEXT NOT NULL,
    anchor             TEXT NOT NULL,
    opens_at           TEXT NOT NULL,
    earliest_end_at    TEXT NOT NULL,
    latest_end_at      TEXT NOT NULL,
    extended           INTEGER NOT NULL,
    source             TEXT NOT NULL,
    state              TEXT NOT NULL,
    closed_at          TEXT NULL,
    next_wake_at       TEXT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    CONSTRAINT uq_monitoring_window_dose UNIQUE (dose_id, protocol_window_id),
    CONSTRAINT ck_monitoring_window_state CHECK (state IN ('open', 'closed', 'completed', 'superseded'))
) STRICT;

CREATE INDEX ix_monitoring_window_patient ON monitoring_window (patient_id, opens_at);
CREATE INDEX ix_monitoring_window_wake ON monitoring_window (state, next_wake_at);

-- What a clinician did to a window: opened it by hand, extended it, closed it with a decision.
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
    CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed'))
) STRICT;

CREATE INDEX ix_window_decision_window ON window_decision (window_id, decided_at);

-- One check due in a window: vital signs or an ICE assessment, routine or intensified.
CREATE TABLE check_slot (
    id                  TEXT NOT NULL PRIMARY KEY,
    window_id           TEXT NOT NULL REFERENCES monitoring_window (id),
    kind                TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    overdue_at          TEXT NOT NULL,
    basis               TEXT NOT NULL,
    state               TEXT NOT NULL,
    done_at             TEXT NULL,
    done_by             TEXT NULL,
    CONSTRAINT uq_check_slot UNIQUE (window_id, kind, due_at),
    CONSTRAINT ck_check_slot_kind CHECK (kind IN ('vital-signs', 'ice')),
    CONSTRAINT ck_check_slot_state CHECK (state IN ('pending', 'done', 'overdue', 'superseded'))
) STRICT;

CREATE INDEX ix_check_slot_window ON check_slot (window_id, due_at);

-- A monitoring event, recorded once: dedupe_key makes every processing of the same fact (a Quartz run, a second
-- run after recovery, the watchdog) insert nothing the second time.
CREATE TABLE monitoring_event (
    id           INTEGER PRIMARY KEY,
    patient_id   TEXT NOT NULL,
    window_id    TEXT NOT NULL REFERENCES monitoring_window (id),
    slot_id      TEXT NULL,
    kind         TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    operational  INTEGER NOT NULL,
    detail       TEXT NOT NULL,
    CONSTRAINT uq_monitoring_event UNIQUE (window_id, dedupe_key)
) STRICT;

CREATE INDEX ix_monitoring_event_patient ON monitoring_event (patient_id, occurred_at);

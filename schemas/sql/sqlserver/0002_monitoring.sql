-- Monitoring (issue 4): doses of protocol drugs, the windows that follow them, their check slots, the decisions
-- clinicians take on them, and the monitoring events they raise. Our own rows (architecture invariant 6): Quartz
-- only wakes the service at monitoring_window.next_wake_at; its QRTZ_* tables hold nothing clinical.

-- A dose of a protocol drug: from a MedicationAdministration (administration_id) or entered by a physician (outside
-- dose). Its place in the step-up sequence (cycle, day) comes from the patient's history of the drug unless a
-- physician set it (sequence_basis = 'physician').
CREATE TABLE monitoring_dose (
    id                    nvarchar(64) NOT NULL PRIMARY KEY,
    patient_id            nvarchar(64) NOT NULL,
    drug_key              nvarchar(64) NOT NULL,
    administration_id     nvarchar(64) NULL,
    started_at            datetime2(7) NOT NULL,
    ended_at              datetime2(7) NULL,
    protocol_id           nvarchar(64) NULL,
    cycle                 int NULL,
    day                   int NULL,
    sequence_basis        nvarchar(64) NOT NULL,
    extended_monitoring   int NOT NULL,
    extended_reason       nvarchar(max) NULL,
    confirmation_required nvarchar(max) NULL,
    corrected_by          nvarchar(200) NULL,
    correction_reason     nvarchar(max) NULL,
    recorded_at           datetime2(7) NOT NULL,
    CONSTRAINT ck_monitoring_dose_basis CHECK (sequence_basis IN ('history', 'physician'))
);

-- SQL Server allows one NULL in a UNIQUE constraint: filtered unique indexes instead (outside doses, windows opened by hand).
CREATE UNIQUE INDEX uq_monitoring_dose_administration ON monitoring_dose (administration_id) WHERE administration_id IS NOT NULL;
CREATE INDEX ix_monitoring_dose_patient ON monitoring_dose (patient_id, drug_key, started_at);

-- A monitoring window: from a dose and a window of its protocol (protocol_window_id), or opened by hand (dose_id null).
CREATE TABLE monitoring_window (
    id                 nvarchar(64) NOT NULL PRIMARY KEY,
    patient_id         nvarchar(64) NOT NULL,
    dose_id            nvarchar(64) NULL,
    protocol_id        nvarchar(64) NULL,
    protocol_window_id nvarchar(64) NOT NULL,
    setting            nvarchar(64) NOT NULL,
    anchor             nvarchar(64) NOT NULL,
    opens_at           datetime2(7) NOT NULL,
    earliest_end_at    datetime2(7) NOT NULL,
    latest_end_at      datetime2(7) NOT NULL,
    extended           int NOT NULL,
    source             nvarchar(max) NOT NULL,
    state              nvarchar(64) NOT NULL,
    closed_at          datetime2(7) NULL,
    next_wake_at       datetime2(7) NULL,
    created_at         datetime2(7) NOT NULL,
    created_by         nvarchar(200) NOT NULL,
    CONSTRAINT ck_monitoring_window_state CHECK (state IN ('open', 'closed', 'completed', 'superseded'))
);

CREATE UNIQUE INDEX uq_monitoring_window_dose ON monitoring_window (dose_id, protocol_window_id) WHERE dose_id IS NOT NULL;
CREATE INDEX ix_monitoring_window_patient ON monitoring_window (patient_id, opens_at);
CREATE INDEX ix_monitoring_window_wake ON monitoring_window (state, next_wake_at);

-- What a clinician did to a window: opened it by hand, extended it, closed it with a decision.
CREATE TABLE window_decision (
    id          nvarchar(64) NOT NULL PRIMARY KEY,
    window_id   nvarchar(64) NOT NULL REFERENCES monitoring_window (id),
    action      nvarchar(64) NOT NULL,
    decision    nvarchar(64) NULL,
    hours       nvarchar(64) NULL,
    reason      nvarchar(max) NOT NULL,
    decided_at  datetime2(7) NOT NULL,
    decided_by  nvarchar(200) NOT NULL,
    role        nvarchar(64) NOT NULL,
    detail      nvarchar(max) NULL,
    CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed'))
);

CREATE INDEX ix_window_decision_window ON window_decision (window_id, decided_at);

-- One check due in a window: vital signs or an ICE assessment, routine or intensified.
CREATE TABLE check_slot (
    id                  nvarchar(64) NOT NULL PRIMARY KEY,
    window_id           nvarchar(64) NOT NULL REFERENCES monitoring_window (id),
    kind                nvarchar(64) NOT NULL,
    due_at              datetime2(7) NOT NULL,
    overdue_at          datetime2(7) NOT NULL,
    basis               nvarchar(64) NOT NULL,
    state               nvarchar(64) NOT NULL,
    done_at             datetime2(7) NULL,
    done_by             nvarchar(200) NULL,
    CONSTRAINT uq_check_slot UNIQUE (window_id, kind, due_at),
    CONSTRAINT ck_check_slot_kind CHECK (kind IN ('vital-signs', 'ice')),
    CONSTRAINT ck_check_slot_state CHECK (state IN ('pending', 'done', 'overdue', 'superseded'))
);

CREATE INDEX ix_check_slot_window ON check_slot (window_id, due_at);

-- A monitoring event, recorded once: dedupe_key makes every processing of the same fact (a Quartz run, a second
-- run after recovery, the watchdog) insert nothing the second time.
CREATE TABLE monitoring_event (
    id           bigint IDENTITY(1,1) PRIMARY KEY,
    patient_id   nvarchar(64) NOT NULL,
    window_id    nvarchar(64) NOT NULL REFERENCES monitoring_window (id),
    slot_id      nvarchar(64) NULL,
    kind         nvarchar(64) NOT NULL,
    dedupe_key   nvarchar(200) NOT NULL,
    occurred_at  datetime2(7) NOT NULL,
    recorded_at  datetime2(7) NOT NULL,
    recorded_by  nvarchar(200) NOT NULL,
    operational  int NOT NULL,
    detail       nvarchar(max) NOT NULL,
    CONSTRAINT uq_monitoring_event UNIQUE (window_id, dedupe_key)
);

CREATE INDEX ix_monitoring_event_patient ON monitoring_event (patient_id, occurred_at);

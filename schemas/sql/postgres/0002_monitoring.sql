-- Monitoring (issue 4): doses of protocol drugs, the windows that follow them, their check slots, the decisions
-- clinicians take on them, and the monitoring events they raise. Our own rows (architecture invariant 6): Quartz
-- only wakes the service at monitoring_window.next_wake_at; its QRTZ_* tables hold nothing clinical.

-- A dose of a protocol drug: from a MedicationAdministration (administration_id) or entered by a physician (outside
-- dose). Its place in the step-up sequence (cycle, day) comes from the patient's history of the drug unless a
-- physician set it (sequence_basis = 'physician').
CREATE TABLE monitoring_dose (
    id                    text NOT NULL PRIMARY KEY,
    patient_id            text NOT NULL,
    drug_key              text NOT NULL,
    administration_id     text NULL,
    started_at            timestamptz NOT NULL,
    ended_at              timestamptz NULL,
    protocol_id           text NULL,
    cycle                 integer NULL,
    day                   integer NULL,
    sequence_basis        text NOT NULL,
    extended_monitoring   integer NOT NULL,
    extended_reason       text NULL,
    confirmation_required text NULL,
    corrected_by          text NULL,
    correction_reason     text NULL,
    recorded_at           timestamptz NOT NULL,
    CONSTRAINT uq_monitoring_dose_administration UNIQUE (administration_id),
    CONSTRAINT ck_monitoring_dose_basis CHECK (sequence_basis IN ('history', 'physician'))
);

CREATE INDEX ix_monitoring_dose_patient ON monitoring_dose (patient_id, drug_key, started_at);

-- A monitoring window: from a dose and a window of its protocol (protocol_window_id), or opened by hand (dose_id null).
CREATE TABLE monitoring_window (
    id                 text NOT NULL PRIMARY KEY,
    patient_id         text NOT NULL,
    dose_id            text NULL,
    protocol_id        text NULL,
    protocol_window_id text NOT NULL,
    setting            text NOT NULL,
    anchor             text NOT NULL,
    opens_at           timestamptz NOT NULL,
    earliest_end_at    timestamptz NOT NULL,
    latest_end_at      timestamptz NOT NULL,
    extended           integer NOT NULL,
    source             text NOT NULL,
    state              text NOT NULL,
    closed_at          timestamptz NULL,
    next_wake_at       timestamptz NULL,
    created_at         timestamptz NOT NULL,
    created_by         text NOT NULL,
    CONSTRAINT uq_monitoring_window_dose UNIQUE (dose_id, protocol_window_id),
    CONSTRAINT ck_monitoring_window_state CHECK (state IN ('open', 'closed', 'completed', 'superseded'))
);

CREATE INDEX ix_monitoring_window_patient ON monitoring_window (patient_id, opens_at);
CREATE INDEX ix_monitoring_window_wake ON monitoring_window (state, next_wake_at);

-- What a clinician did to a window: opened it by hand, extended it, closed it with a decision.
CREATE TABLE window_decision (
    id          text NOT NULL PRIMARY KEY,
    window_id   text NOT NULL REFERENCES monitoring_window (id),
    action      text NOT NULL,
    decision    text NULL,
    hours       text NULL,
    reason      text NOT NULL,
    decided_at  timestamptz NOT NULL,
    decided_by  text NOT NULL,
    role        text NOT NULL,
    detail      text NULL,
    CONSTRAINT ck_window_decision_action CHECK (action IN ('opened', 'extended', 'closed'))
);

CREATE INDEX ix_window_decision_window ON window_decision (window_id, decided_at);

-- One check due in a window: vital signs or an ICE assessment, routine or intensified.
CREATE TABLE check_slot (
    id                  text NOT NULL PRIMARY KEY,
    window_id           text NOT NULL REFERENCES monitoring_window (id),
    kind                text NOT NULL,
    due_at              timestamptz NOT NULL,
    overdue_at          timestamptz NOT NULL,
    basis               text NOT NULL,
    state               text NOT NULL,
    done_at             timestamptz NULL,
    done_by             text NULL,
    CONSTRAINT uq_check_slot UNIQUE (window_id, kind, due_at),
    CONSTRAINT ck_check_slot_kind CHECK (kind IN ('vital-signs', 'ice')),
    CONSTRAINT ck_check_slot_state CHECK (state IN ('pending', 'done', 'overdue', 'superseded'))
);

CREATE INDEX ix_check_slot_window ON check_slot (window_id, due_at);

-- A monitoring event, recorded once: dedupe_key makes every processing of the same fact (a Quartz run, a second
-- run after recovery, the watchdog) insert nothing the second time.
CREATE TABLE monitoring_event (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id   text NOT NULL,
    window_id    text NOT NULL REFERENCES monitoring_window (id),
    slot_id      text NULL,
    kind         text NOT NULL,
    dedupe_key   text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    recorded_by  text NOT NULL,
    operational  integer NOT NULL,
    detail       text NOT NULL,
    CONSTRAINT uq_monitoring_event UNIQUE (window_id, dedupe_key)
);

CREATE INDEX ix_monitoring_event_patient ON monitoring_event (patient_id, occurred_at);

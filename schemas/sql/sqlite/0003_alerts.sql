-- Alerts (issue 5). An alert is a row first (invariant 5): raised, updated in place as it worsens, escalated,
-- acknowledged, resolved; every step an alert_action row. alert_change is the per-unit, gap-free sequence of what
-- dashboards are told (alertRaised / alertUpdated with the alert as it was then): written in the transaction of the
-- change, pushed over SignalR after commit, replayed by seq to a client that reconnects.

CREATE TABLE alert (
    id                 TEXT NOT NULL PRIMARY KEY,
    unit               TEXT NOT NULL,
    patient_id         TEXT NOT NULL,
    condition          TEXT NOT NULL,
    episode_key        TEXT NOT NULL,
    state              TEXT NOT NULL,
    grade              INTEGER NULL,
    title              TEXT NOT NULL,
    message            TEXT NOT NULL,
    basis              TEXT NOT NULL,
    management         TEXT NULL,
    raised_at          TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    acknowledged_at    TEXT NULL,
    acknowledged_by    TEXT NULL,
    resolved_at        TEXT NULL,
    resolved_by        TEXT NULL,
    escalation_tier    INTEGER NOT NULL,
    next_escalation_at TEXT NULL,
    seq                INTEGER NOT NULL,
    CONSTRAINT uq_alert_condition UNIQUE (patient_id, condition, episode_key),
    CONSTRAINT ck_alert_state CHECK (state IN ('raised', 'acknowledged', 'resolved'))
) STRICT;

CREATE INDEX ix_alert_unit ON alert (unit, state);
CREATE INDEX ix_alert_escalation ON alert (state, next_escalation_at);

CREATE TABLE alert_action (
    id        INTEGER PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alert (id),
    action    TEXT NOT NULL,
    at        TEXT NOT NULL,
    by_user   TEXT NOT NULL,
    role      TEXT NOT NULL,
    note      TEXT NULL,
    CONSTRAINT ck_alert_action CHECK (action IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved'))
) STRICT;

CREATE INDEX ix_alert_action_alert ON alert_action (alert_id, at);

CREATE TABLE unit_alert_seq (
    unit     TEXT NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL
) STRICT;

CREATE TABLE alert_change (
    unit     TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    at       TEXT NOT NULL,
    CONSTRAINT pk_alert_change PRIMARY KEY (unit, seq),
    CONSTRAINT ck_alert_change_kind CHECK (kind IN ('alertRaised', 'alertUpdated'))
) STRICT;

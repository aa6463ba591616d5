-- Alerts (issue 5). An alert is a row first (invariant 5): raised, updated in place as it worsens, escalated,
-- acknowledged, resolved; every step an alert_action row. alert_change is the per-unit, gap-free sequence of what
-- dashboards are told (alertRaised / alertUpdated with the alert as it was then): written in the transaction of the
-- change, pushed over SignalR after commit, replayed by seq to a client that reconnects.

CREATE TABLE alert (
    id                 nvarchar(64) NOT NULL PRIMARY KEY,
    unit               nvarchar(64) NOT NULL,
    patient_id         nvarchar(64) NOT NULL,
    condition          nvarchar(64) NOT NULL,
    episode_key        nvarchar(200) NOT NULL,
    state              nvarchar(64) NOT NULL,
    grade              int NULL,
    title              nvarchar(max) NOT NULL,
    message            nvarchar(max) NOT NULL,
    basis              nvarchar(max) NOT NULL,
    management         nvarchar(max) NULL,
    raised_at          datetime2(7) NOT NULL,
    updated_at         datetime2(7) NOT NULL,
    acknowledged_at    datetime2(7) NULL,
    acknowledged_by    nvarchar(200) NULL,
    resolved_at        datetime2(7) NULL,
    resolved_by        nvarchar(200) NULL,
    escalation_tier    int NOT NULL,
    next_escalation_at datetime2(7) NULL,
    seq                bigint NOT NULL,
    CONSTRAINT uq_alert_condition UNIQUE (patient_id, condition, episode_key),
    CONSTRAINT ck_alert_state CHECK (state IN ('raised', 'acknowledged', 'resolved'))
);

CREATE INDEX ix_alert_unit ON alert (unit, state);
CREATE INDEX ix_alert_escalation ON alert (state, next_escalation_at);

CREATE TABLE alert_action (
    id        bigint IDENTITY(1,1) PRIMARY KEY,
    alert_id  nvarchar(64) NOT NULL REFERENCES alert (id),
    action    nvarchar(64) NOT NULL,
    at        datetime2(7) NOT NULL,
    by_user   nvarchar(200) NOT NULL,
    role      nvarchar(64) NOT NULL,
    note      nvarchar(max) NULL,
    CONSTRAINT ck_alert_action CHECK (action IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved'))
);

CREATE INDEX ix_alert_action_alert ON alert_action (alert_id, at);

CREATE TABLE unit_alert_seq (
    unit     nvarchar(64) NOT NULL PRIMARY KEY,
    last_seq bigint NOT NULL
);

CREATE TABLE alert_change (
    unit     nvarchar(64) NOT NULL,
    seq      bigint NOT NULL,
    alert_id nvarchar(64) NOT NULL,
    kind     nvarchar(64) NOT NULL,
    payload  nvarchar(max) NOT NULL,
    at       datetime2(7) NOT NULL,
    CONSTRAINT pk_alert_change PRIMARY KEY (unit, seq),
    CONSTRAINT ck_alert_change_kind CHECK (kind IN ('alertRaised', 'alertUpdated'))
);

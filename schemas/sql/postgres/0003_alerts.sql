-- Alerts (issue 5). An alert is a row first (invariant 5): raised, updated in place as it worsens, escalated,
-- acknowledged, resolved; every step an alert_action row. alert_change is the per-unit, gap-free sequence of what
-- dashboards are told (alertRaised / alertUpdated with the alert as it was then): written in the transaction of the
-- change, pushed over SignalR after commit, replayed by seq to a client that reconnects.

CREATE TABLE alert (
    id                 text NOT NULL PRIMARY KEY,
    unit               text NOT NULL,
    patient_id         text NOT NULL,
    condition          text NOT NULL,
    episode_key        text NOT NULL,
    state              text NOT NULL,
    grade              integer NULL,
    title              text NOT NULL,
    message            text NOT NULL,
    basis              text NOT NULL,
    management         text NULL,
    raised_at          timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    acknowledged_at    timestamptz NULL,
    acknowledged_by    text NULL,
    resolved_at        timestamptz NULL,
    resolved_by        text NULL,
    escalation_tier    integer NOT NULL,
    next_escalation_at timestamptz NULL,
    seq                bigint NOT NULL,
    CONSTRAINT uq_alert_condition UNIQUE (patient_id, condition, episode_key),
    CONSTRAINT ck_alert_state CHECK (state IN ('raised', 'acknowledged', 'resolved'))
);

CREATE INDEX ix_alert_unit ON alert (unit, state);
CREATE INDEX ix_alert_escalation ON alert (state, next_escalation_at);

CREATE TABLE alert_action (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  text NOT NULL REFERENCES alert (id),
    action    text NOT NULL,
    at        timestamptz NOT NULL,
    by_user   text NOT NULL,
    role      text NOT NULL,
    note      text NULL,
    CONSTRAINT ck_alert_action CHECK (action IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved'))
);

CREATE INDEX ix_alert_action_alert ON alert_action (alert_id, at);

CREATE TABLE unit_alert_seq (
    unit     text NOT NULL PRIMARY KEY,
    last_seq bigint NOT NULL
);

CREATE TABLE alert_change (
    unit     text NOT NULL,
    seq      bigint NOT NULL,
    alert_id text NOT NULL,
    kind     text NOT NULL,
    payload  text NOT NULL,
    at       timestamptz NOT NULL,
    CONSTRAINT pk_alert_change PRIMARY KEY (unit, seq),
    CONSTRAINT ck_alert_change_kind CHECK (kind IN ('alertRaised', 'alertUpdated'))
);

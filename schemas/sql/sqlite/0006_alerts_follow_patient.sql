-- Alerts follow the patient (issue 11 item 3). Forward-only: never edit once merged.
-- An open alert moves with its patient on admission or transfer (Alerts/AlertFollower.cs): a 'moved' alert_action by
-- the writer, and an 'alertMoved' change for the unit it leaves (taking it off that unit's feed) and for the unit it
-- joins (with the alert and its basis). SQLite cannot alter a CHECK constraint, so alert_action and alert_change are
-- rebuilt with the wider checks and their rows copied unchanged (the script runs in one transaction).

ALTER TABLE alert_action RENAME TO alert_action_0003;

CREATE TABLE alert_action (
    id        INTEGER PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alert (id),
    action    TEXT NOT NULL,
    at        TEXT NOT NULL,
    by_user   TEXT NOT NULL,
    role      TEXT NOT NULL,
    note      TEXT NULL,
    CONSTRAINT ck_alert_action CHECK (action IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved', 'moved'))
) STRICT;

INSERT INTO alert_action (id, alert_id, action, at, by_user, role, note)
SELECT id, alert_id, action, at, by_user, role, note FROM alert_action_0003;

DROP TABLE alert_action_0003;

CREATE INDEX ix_alert_action_alert ON alert_action (alert_id, at);

ALTER TABLE alert_change RENAME TO alert_change_0003;

CREATE TABLE alert_change (
    unit     TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    at       TEXT NOT NULL,
    CONSTRAINT pk_alert_change PRIMARY KEY (unit, seq),
    CONSTRAINT ck_alert_change_kind CHECK (kind IN ('alertRaised', 'alertUpdated', 'alertMoved'))
) STRICT;

INSERT INTO alert_change (unit, seq, alert_id, kind, payload, at)
SELECT unit, seq, alert_id, kind, payload, at FROM alert_change_0003;

DROP TABLE alert_change_0003;

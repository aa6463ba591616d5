-- The round settle of the alert budget (issue 11, grading-rules.md section 7). Forward-only: never edit once merged.
--
-- A round's vital signs arrive as separate resources minutes apart, in any order. A write that changes a patient's
-- readings re-grades at once, but the reading-derived alerts of that patient wait until due_at (the first write of
-- the round + Alerts:RoundSettleMinutes), when the round settle pass (Alerts/RoundSettleWorker.cs) evaluates them on
-- the complete round and deletes the row, under the patient's lock, in one transaction. A row, so a restart loses
-- nothing: the pass runs at start-up for what fell due while the service was down.
-- The service role gets SELECT, INSERT, UPDATE, DELETE on it from crsmonitor_grant_service_role (0004), which the
-- `migrate` verb runs after the scripts: it grants on every table of the schema.

CREATE TABLE alert_round_settle (
    patient_id text NOT NULL PRIMARY KEY,
    due_at     timestamptz NOT NULL
);

CREATE INDEX ix_alert_round_settle_due ON alert_round_settle (due_at);

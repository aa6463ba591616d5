-- Alerts follow the patient (issue 11 item 3). Forward-only: never edit once merged.
-- An open alert moves with its patient on admission or transfer (Alerts/AlertFollower.cs): a 'moved' alert_action by
-- the writer, and an 'alertMoved' change for the unit it leaves (taking it off that unit's feed) and for the unit it
-- joins (with the alert and its basis). Only the two CHECK constraints widen; rows and grants are untouched.

ALTER TABLE alert_action DROP CONSTRAINT ck_alert_action;
ALTER TABLE alert_action ADD CONSTRAINT ck_alert_action
    CHECK (action IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved', 'moved'));

ALTER TABLE alert_change DROP CONSTRAINT ck_alert_change_kind;
ALTER TABLE alert_change ADD CONSTRAINT ck_alert_change_kind
    CHECK (kind IN ('alertRaised', 'alertUpdated', 'alertMoved'));

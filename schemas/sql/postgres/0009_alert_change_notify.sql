-- Cross-node alert delivery (Alerts/ChangeListener.cs): every node follows alert_change, the per-unit log of what
-- dashboards are told. A committed change wakes every node's follower at once through NOTIFY, which PostgreSQL
-- delivers only when (and if) the inserting transaction commits, in commit order; the payload is the unit. The
-- follower then reads the unit's new rows by seq, so a lost notification delays a push (the poll catches it up),
-- never loses it. Forward-only: never edit once merged.
CREATE FUNCTION alert_change_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('crsmonitor_alert_change', NEW.unit);
    RETURN NULL;
END
$$;

CREATE TRIGGER tr_alert_change_notify AFTER INSERT ON alert_change
    FOR EACH ROW EXECUTE FUNCTION alert_change_notify();

-- Device streams, data gaps and wear time (issue 17, item 2). Forward-only: never edit once merged.
--
-- reading.device: the device identity an Observation names (Observation.device: the identifier as system|value, else
-- the reference as sent), null for everything else. Additive: earlier readings keep null.
-- device_enrolment: a device enrolled for a patient by a nurse or physician (POST /api/patients/{id}/devices), with the
-- grace period of its streams; ended_at is set when the enrolment ends (DELETE), rows are never deleted.
-- device_stream: one row per enrolled signal with its expected cadence; last_at is the latest reading of that signal
-- from that device, due_at the next instant the patient pass must look at the stream when nothing arrives (last
-- reading + cadence + grace while it is receiving), written in the write's transaction; DeviceGapWorker runs the pass
-- for every patient with a stream due (Devices/DeviceGapWorker.cs).
-- device_wear: per monitoring window and enrolment, the time covered by the device's data, counted incrementally:
-- worn_ms so far, and the last reading counted (last_at, last_signal) from which the next reading continues.
ALTER TABLE reading ADD COLUMN device TEXT NULL;

CREATE TABLE device_enrolment (
    id            TEXT NOT NULL PRIMARY KEY,
    patient_id    TEXT NOT NULL,
    device        TEXT NOT NULL,
    grace_seconds INTEGER NOT NULL,
    enrolled_at   TEXT NOT NULL,
    enrolled_by   TEXT NOT NULL,
    reason        TEXT NULL,
    ended_at      TEXT NULL,
    ended_by      TEXT NULL
) STRICT;
CREATE INDEX ix_device_enrolment_patient ON device_enrolment (patient_id);

CREATE TABLE device_stream (
    enrolment_id  TEXT NOT NULL REFERENCES device_enrolment (id),
    signal        TEXT NOT NULL,
    patient_id    TEXT NOT NULL,
    every_seconds INTEGER NOT NULL,
    last_at       TEXT NULL,
    due_at        TEXT NULL,
    PRIMARY KEY (enrolment_id, signal)
) STRICT;
CREATE INDEX ix_device_stream_due ON device_stream (due_at);
CREATE INDEX ix_device_stream_patient ON device_stream (patient_id);

CREATE TABLE device_wear (
    window_id    TEXT NOT NULL,
    enrolment_id TEXT NOT NULL REFERENCES device_enrolment (id),
    patient_id   TEXT NOT NULL,
    worn_ms      INTEGER NOT NULL,
    last_at      TEXT NULL,
    last_signal  TEXT NULL,
    PRIMARY KEY (window_id, enrolment_id)
) STRICT;
CREATE INDEX ix_device_wear_patient ON device_wear (patient_id);

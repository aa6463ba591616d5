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
-- The service role gets SELECT, INSERT, UPDATE, DELETE on the new tables from crsmonitor_grant_service_role (0004),
-- which the `migrate` verb runs after the scripts: it grants on every table of the schema.
ALTER TABLE reading ADD COLUMN device text NULL;

CREATE TABLE device_enrolment (
    id            text NOT NULL,
    patient_id    text NOT NULL,
    device        text NOT NULL,
    grace_seconds integer NOT NULL,
    enrolled_at   timestamptz NOT NULL,
    enrolled_by   text NOT NULL,
    reason        text NULL,
    ended_at      timestamptz NULL,
    ended_by      text NULL,
    CONSTRAINT pk_device_enrolment PRIMARY KEY (id)
);
CREATE INDEX ix_device_enrolment_patient ON device_enrolment (patient_id);

CREATE TABLE device_stream (
    enrolment_id  text NOT NULL,
    signal        text NOT NULL,
    patient_id    text NOT NULL,
    every_seconds integer NOT NULL,
    last_at       timestamptz NULL,
    due_at        timestamptz NULL,
    CONSTRAINT pk_device_stream PRIMARY KEY (enrolment_id, signal),
    CONSTRAINT fk_device_stream_enrolment FOREIGN KEY (enrolment_id) REFERENCES device_enrolment (id)
);
CREATE INDEX ix_device_stream_due ON device_stream (due_at);
CREATE INDEX ix_device_stream_patient ON device_stream (patient_id);

CREATE TABLE device_wear (
    window_id    text NOT NULL,
    enrolment_id text NOT NULL,
    patient_id   text NOT NULL,
    worn_ms      bigint NOT NULL,
    last_at      timestamptz NULL,
    last_signal  text NULL,
    CONSTRAINT pk_device_wear PRIMARY KEY (window_id, enrolment_id),
    CONSTRAINT fk_device_wear_enrolment FOREIGN KEY (enrolment_id) REFERENCES device_enrolment (id)
);
CREATE INDEX ix_device_wear_patient ON device_wear (patient_id);

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
-- The service principal gets SELECT, INSERT, UPDATE, DELETE on the new tables from dbo.crsmonitor_grant_service_role
-- (0004), which the `migrate` verb runs after the scripts: it grants on every table of dbo.

ALTER TABLE reading ADD device nvarchar(200) NULL;
GO

CREATE TABLE device_enrolment (
    id            nvarchar(64) NOT NULL,
    patient_id    nvarchar(64) NOT NULL,
    device        nvarchar(200) NOT NULL,
    grace_seconds int NOT NULL,
    enrolled_at   datetime2(7) NOT NULL,
    enrolled_by   nvarchar(200) NOT NULL,
    reason        nvarchar(1000) NULL,
    ended_at      datetime2(7) NULL,
    ended_by      nvarchar(200) NULL,
    CONSTRAINT pk_device_enrolment PRIMARY KEY (id)
);
GO

CREATE INDEX ix_device_enrolment_patient ON device_enrolment (patient_id);
GO

CREATE TABLE device_stream (
    enrolment_id  nvarchar(64) NOT NULL,
    signal        nvarchar(40) NOT NULL,
    patient_id    nvarchar(64) NOT NULL,
    every_seconds int NOT NULL,
    last_at       datetime2(7) NULL,
    due_at        datetime2(7) NULL,
    CONSTRAINT pk_device_stream PRIMARY KEY (enrolment_id, signal),
    CONSTRAINT fk_device_stream_enrolment FOREIGN KEY (enrolment_id) REFERENCES device_enrolment (id)
);
GO

CREATE INDEX ix_device_stream_due ON device_stream (due_at);
GO

CREATE INDEX ix_device_stream_patient ON device_stream (patient_id);
GO

CREATE TABLE device_wear (
    window_id    nvarchar(64) NOT NULL,
    enrolment_id nvarchar(64) NOT NULL,
    patient_id   nvarchar(64) NOT NULL,
    worn_ms      bigint NOT NULL,
    last_at      datetime2(7) NULL,
    last_signal  nvarchar(40) NULL,
    CONSTRAINT pk_device_wear PRIMARY KEY (window_id, enrolment_id),
    CONSTRAINT fk_device_wear_enrolment FOREIGN KEY (enrolment_id) REFERENCES device_enrolment (id)
);
GO

CREATE INDEX ix_device_wear_patient ON device_wear (patient_id);
GO

-- One pass per patient write (issue 12). Forward-only: never edit once merged.
-- A write re-grades from a checkpoint at or before its earliest changed instant over a bounded set of readings
-- (Assessment/Timeline/BoundedReadings.cs): the latest reading of each kind before the checkpoint, the readings within
-- each kind's look-back, those that end after it, medications and clinician inputs. These indexes make each of those
-- a short index range instead of a scan of the patient's whole history.
CREATE INDEX ix_reading_patient_kind_time ON reading (patient_id, kind, effective_at);
CREATE INDEX ix_reading_patient_end ON reading (patient_id, end_at);
-- The fevers within the fever look-back: a few rows, where every temperature of the look-back would be hundreds.
CREATE INDEX ix_reading_patient_fever ON reading (patient_id, effective_at) WHERE kind = 'Temperature' AND value >= 38.0;

-- The state of continuous grading just before an instant (Assessment/Timeline/TimelineSeed.cs, as JSON): one before
-- the first instant graded in each 10 minutes and one before the last instant graded. A write deletes those at or
-- after its checkpoint and stores the new ones; `regrade` replaces them all.
CREATE TABLE grade_checkpoint (
    patient_id nvarchar(64) NOT NULL,
    at         datetime2(7) NOT NULL,
    state      nvarchar(max) NOT NULL,
    CONSTRAINT pk_grade_checkpoint PRIMARY KEY (patient_id, at)
);

-- One pass per patient write (issue 12, fourth session). Forward-only: never edit once merged.
-- Only a reading taken over a period (an effectivePeriod with an end, an infusion) has end_at; every reading taken at an
-- instant (a monitor's vital signs, neuro checks, laboratory results: nearly all) left a NULL entry here on every write.
-- The bounded grading load's one use of it, end_at >= @From, implies end_at IS NOT NULL, so the partial index serves it.
DROP INDEX ix_reading_patient_end;
CREATE INDEX ix_reading_patient_end ON reading (patient_id, end_at) WHERE end_at IS NOT NULL;

-- Bounded reads by kind (issue 12). Forward-only: never edit once merged.
-- The monitoring refresh asks for one kind of reading of a patient at a time (the protocol-drug administrations, the
-- neuro checks of the open windows, the first temperature / systolic BP / SpO2 of a slot's span: MIN(effective_at)
-- over a range), so its cost is an index seek whatever the length of the patient's history.

CREATE INDEX ix_reading_patient_kind_time ON reading (patient_id, kind, effective_at);

-- Bounded grading reads the last reading of each input before a checkpoint (Assessment/Timeline/BoundedReadings.cs).
-- Forward-only: never edit once merged. The last SpO2 measured on room air is an input of its own: without this index
-- finding it would read back through every SpO2 of the patient when none was on room air.
CREATE INDEX ix_reading_patient_room_air ON reading (patient_id, effective_at) WHERE kind = 'Spo2' AND code = 'room-air';

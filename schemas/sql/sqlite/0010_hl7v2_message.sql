-- HL7 v2 over MLLP (issue 15): the answer given to each message, by the message's key (MSH-3 sending application,
-- MSH-4 sending facility, MSH-10 control id). An accepted message's row is written in the transaction of its effects,
-- so a resend finds it exactly when the effects are committed and gets the same ACK; a refused message's row is
-- written alone (nothing else was stored). content_hash tells a resend from another message reusing the control id.
-- Forward-only: never edit once merged.
CREATE TABLE hl7v2_message (
    sending_application TEXT NOT NULL,
    sending_facility    TEXT NOT NULL,
    control_id          TEXT NOT NULL,
    content_hash        TEXT NOT NULL,
    message_type        TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    ack_code            TEXT NOT NULL,
    ack                 TEXT NOT NULL,
    PRIMARY KEY (sending_application, sending_facility, control_id)
) STRICT;
CREATE INDEX ix_hl7v2_message_received ON hl7v2_message (received_at);

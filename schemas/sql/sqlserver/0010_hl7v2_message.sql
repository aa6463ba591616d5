-- HL7 v2 over MLLP (issue 15): the answer given to each message, by the message's key (MSH-3 sending application,
-- MSH-4 sending facility, MSH-10 control id). An accepted message's row is written in the transaction of its effects,
-- so a resend finds it exactly when the effects are committed and gets the same ACK; a refused message's row is
-- written alone (nothing else was stored). content_hash tells a resend from another message reusing the control id.
-- Forward-only: never edit once merged.
CREATE TABLE hl7v2_message (
    sending_application nvarchar(227) NOT NULL,
    sending_facility    nvarchar(227) NOT NULL,
    control_id          nvarchar(199) NOT NULL,
    content_hash        nvarchar(64) NOT NULL,
    message_type        nvarchar(32) NOT NULL,
    received_at         datetime2(7) NOT NULL,
    ack_code            nvarchar(2) NOT NULL,
    ack                 nvarchar(max) NOT NULL,
    CONSTRAINT pk_hl7v2_message PRIMARY KEY (sending_application, sending_facility, control_id)
);
CREATE INDEX ix_hl7v2_message_received ON hl7v2_message (received_at);

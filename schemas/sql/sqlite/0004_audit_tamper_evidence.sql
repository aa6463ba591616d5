-- Tamper evidence for the audit (issue 10). Forward-only: never edit once merged.
--
-- 1. REPLACE and UPSERT no longer bypass the append-only triggers of 0001. `REPLACE INTO` / `INSERT OR REPLACE`
--    delete the conflicting row without firing DELETE triggers (unless recursive_triggers is on), so an insert whose
--    id is already taken is refused before it runs. `INSERT ... ON CONFLICT DO UPDATE` fires the UPDATE trigger of
--    0001, and this trigger refuses it even earlier. In a BEFORE INSERT trigger NEW.id is -1 when the id is left to
--    AUTOINCREMENT, so ids below 1 are refused after the insert: no row can ever sit where that check cannot see it.
-- 2. audit_seal: the hash chain over audit rows written by the service's sealer (Storage/AuditSealer.cs), checked by
--    the `verify-audit` verb. Append-only the same way.
-- What SQLite cannot prevent: whoever can write the file (or run DDL on it) can DROP TRIGGER, DROP TABLE or edit
-- pages. The hash chain makes a change to a sealed row evident; deploy/database-roles.md says what it cannot show.

CREATE TRIGGER tr_audit_log_no_replace BEFORE INSERT ON audit_log
WHEN NEW.id >= 1 AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an insert may not replace an existing row');
END;

CREATE TRIGGER tr_audit_log_positive_id AFTER INSERT ON audit_log
WHEN NEW.id < 1
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: ids below 1 are not allowed');
END;

-- One row per seal, seq 1, 2, 3, ... (set by the sealer: two sealers cannot both append seal n). A seal covers the
-- audit rows with previous seal's last_id < id <= last_id; row_digests lists each as "id:digest" lines (digest: the
-- first 128 bits of SHA-256 of the row's canonical text, hex), and hash = SHA-256 of previous_hash and row_digests.
CREATE TABLE audit_seal (
    seq           INTEGER PRIMARY KEY,
    first_id      INTEGER NOT NULL,
    last_id       INTEGER NOT NULL,
    row_count     INTEGER NOT NULL,
    sealed_at     TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    row_digests   TEXT NOT NULL,
    hash          TEXT NOT NULL
) STRICT;

CREATE TRIGGER tr_audit_seal_no_update BEFORE UPDATE ON audit_seal
BEGIN
    SELECT RAISE(ABORT, 'audit_seal is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER tr_audit_seal_no_delete BEFORE DELETE ON audit_seal
BEGIN
    SELECT RAISE(ABORT, 'audit_seal is append-only: DELETE is not allowed');
END;

CREATE TRIGGER tr_audit_seal_no_replace BEFORE INSERT ON audit_seal
WHEN NEW.seq >= 1 AND EXISTS (SELECT 1 FROM audit_seal WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'audit_seal is append-only: an insert may not replace an existing seal');
END;

CREATE TRIGGER tr_audit_seal_positive_seq AFTER INSERT ON audit_seal
WHEN NEW.seq < 1
BEGIN
    SELECT RAISE(ABORT, 'audit_seal is append-only: seq below 1 is not allowed');
END;

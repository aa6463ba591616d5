-- Tamper evidence for the audit (issue 10). Forward-only: never edit once merged.
--
-- 1. audit_seal: the hash chain over audit rows written by the service's sealer (Storage/AuditSealer.cs), checked by
--    the `verify-audit` verb; append-only by triggers like audit_log (0001). PostgreSQL has no REPLACE, and
--    `INSERT ... ON CONFLICT DO UPDATE` fires the UPDATE trigger, which refuses it.
-- 2. crsmonitor_grant_service_role(role): run by the `migrate` verb (as the owner of the tables) when
--    Storage:ServiceRole is set. It leaves the service role exactly: SELECT, INSERT, UPDATE, DELETE on every table of
--    this schema (ours and Quartz's qrtz_*) except audit_log and audit_seal (SELECT and INSERT only) and the DbUp
--    journal schema_versions (SELECT only). It owns nothing, so it cannot ALTER, DROP, TRUNCATE or disable triggers.
--    Dynamic SQL only through format('%I'): the role name is a parameter, quoted as an identifier.

CREATE TABLE audit_seal (
    seq           bigint NOT NULL,
    first_id      bigint NOT NULL,
    last_id       bigint NOT NULL,
    row_count     integer NOT NULL,
    sealed_at     timestamptz NOT NULL,
    previous_hash text NOT NULL,
    row_digests   text NOT NULL,
    hash          text NOT NULL,
    CONSTRAINT pk_audit_seal PRIMARY KEY (seq)
);

CREATE FUNCTION audit_seal_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_seal is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER tr_audit_seal_no_update_delete BEFORE UPDATE OR DELETE ON audit_seal
    FOR EACH ROW EXECUTE FUNCTION audit_seal_append_only();

CREATE TRIGGER tr_audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_seal_append_only();

CREATE FUNCTION crsmonitor_grant_service_role(service_role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    target record;
    owned text;
BEGIN
    IF service_role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service_role) THEN
        RAISE EXCEPTION 'Storage:ServiceRole names role "%", which does not exist: create it first (deploy/database-roles.md)', service_role
            USING ERRCODE = 'undefined_object';
    END IF;
    IF service_role = current_user OR pg_has_role(service_role, current_user, 'MEMBER') THEN
        RAISE EXCEPTION 'Storage:ServiceRole "%" is the migration role "%" or a member of it: it would own the tables', service_role, current_user
            USING ERRCODE = 'invalid_grant_operation';
    END IF;
    IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = service_role) THEN
        RAISE EXCEPTION 'Storage:ServiceRole "%" is a superuser (or bypasses row security): privileges do not bind it', service_role
            USING ERRCODE = 'invalid_grant_operation';
    END IF;
    SELECT string_agg(c.relname, ', ') INTO owned FROM pg_class c
        WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = current_schema()) AND pg_has_role(service_role, c.relowner, 'USAGE');
    IF owned IS NOT NULL THEN
        RAISE EXCEPTION 'Storage:ServiceRole "%" owns %: an owner can ALTER, DROP and TRUNCATE; give them to the migration role (REASSIGN OWNED)', service_role, owned
            USING ERRCODE = 'invalid_grant_operation';
    END IF;

    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', current_schema(), service_role);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', current_schema(), service_role);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), service_role);
    FOR target IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema() AND tablename NOT IN ('audit_log', 'audit_seal', 'schema_versions')
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO %I', current_schema(), target.tablename, service_role);
    END LOOP;
    EXECUTE format('GRANT SELECT, INSERT ON %I.audit_log, %I.audit_seal TO %I', current_schema(), current_schema(), service_role);
    EXECUTE format('GRANT SELECT ON %I.schema_versions TO %I', current_schema(), service_role);
END;
$$;

REVOKE ALL ON FUNCTION crsmonitor_grant_service_role(text) FROM PUBLIC;

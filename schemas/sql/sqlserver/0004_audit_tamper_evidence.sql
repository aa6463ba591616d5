-- Tamper evidence for the audit (issue 10). Forward-only: never edit once merged.
--
-- 1. audit_seal: the hash chain over audit rows written by the service's sealer (Storage/AuditSealer.cs), checked by
--    the `verify-audit` verb; append-only by an INSTEAD OF trigger like audit_log (0001). MERGE ... WHEN MATCHED
--    UPDATE/DELETE fires those triggers too. TRUNCATE TABLE and DISABLE TRIGGER need ALTER on the table, which the
--    service principal never has.
-- 2. dbo.crsmonitor_grant_service_role: run by the `migrate` verb (as the owner of the tables) when
--    Storage:ServiceRole is set. It leaves the service principal exactly: SELECT, INSERT, UPDATE, DELETE on every
--    table of dbo (ours and Quartz's QRTZ_*) except audit_log and audit_seal (SELECT and INSERT; UPDATE, DELETE,
--    ALTER, TAKE OWNERSHIP denied) and the DbUp journal schema_versions (SELECT only). Dynamic SQL only through
--    QUOTENAME: the principal name is a parameter, quoted as an identifier.

CREATE TABLE audit_seal (
    seq           bigint NOT NULL,
    first_id      bigint NOT NULL,
    last_id       bigint NOT NULL,
    row_count     int NOT NULL,
    sealed_at     datetime2(7) NOT NULL,
    previous_hash nchar(64) NOT NULL,
    row_digests   nvarchar(max) NOT NULL,
    hash          nchar(64) NOT NULL,
    CONSTRAINT pk_audit_seal PRIMARY KEY (seq)
);
GO

CREATE TRIGGER tr_audit_seal_append_only ON audit_seal INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51001, 'audit_seal is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE PROCEDURE dbo.crsmonitor_grant_service_role @service_principal sysname
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @principal nvarchar(260) = QUOTENAME(@service_principal);
    DECLARE @sql nvarchar(max);
    DECLARE @table sysname;

    IF @service_principal IS NULL OR DATABASE_PRINCIPAL_ID(@service_principal) IS NULL
        THROW 51010, 'Storage:ServiceRole names a database user or role that does not exist: create it first (deploy/database-roles.md)', 1;
    IF @service_principal = USER_NAME() OR @service_principal = N'dbo'
        OR IS_ROLEMEMBER(N'db_owner', @service_principal) = 1 OR IS_ROLEMEMBER(N'db_ddladmin', @service_principal) = 1
        THROW 51011, 'Storage:ServiceRole is the migration principal, dbo, or a member of db_owner or db_ddladmin: it could alter the tables', 1;
    IF EXISTS (SELECT 1 FROM sys.tables WHERE schema_id = SCHEMA_ID(N'dbo') AND principal_id = DATABASE_PRINCIPAL_ID(@service_principal))
        OR EXISTS (SELECT 1 FROM sys.schemas WHERE principal_id = DATABASE_PRINCIPAL_ID(@service_principal))
        THROW 51012, 'Storage:ServiceRole owns a table or schema: an owner can ALTER, DROP and TRUNCATE; give them to the migration principal', 1;

    DECLARE tables CURSOR LOCAL FAST_FORWARD FOR
        SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID(N'dbo');
    OPEN tables;
    FETCH NEXT FROM tables INTO @table;
    WHILE @@FETCH_STATUS = 0
    BEGIN
        SET @sql = N'REVOKE SELECT, INSERT, UPDATE, DELETE, ALTER, REFERENCES, TAKE OWNERSHIP, CONTROL ON dbo.' + QUOTENAME(@table) + N' FROM ' + @principal + N' CASCADE;';
        EXEC sys.sp_executesql @sql;
        SET @sql = CASE
            WHEN @table IN (N'audit_log', N'audit_seal') THEN
                N'GRANT SELECT, INSERT ON dbo.' + QUOTENAME(@table) + N' TO ' + @principal + N'; '
                + N'DENY UPDATE, DELETE, ALTER, TAKE OWNERSHIP ON dbo.' + QUOTENAME(@table) + N' TO ' + @principal + N';'
            WHEN @table = N'schema_versions' THEN
                N'GRANT SELECT ON dbo.' + QUOTENAME(@table) + N' TO ' + @principal + N';'
            ELSE
                N'GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.' + QUOTENAME(@table) + N' TO ' + @principal + N';'
        END;
        EXEC sys.sp_executesql @sql;
        FETCH NEXT FROM tables INTO @table;
    END;
    CLOSE tables;
    DEALLOCATE tables;
END;
GO

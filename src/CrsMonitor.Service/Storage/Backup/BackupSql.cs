namespace CrsMonitor.Service.Storage.Backup;

/// <summary>The statements the backup and restore verbs run (invariant 3: constants, never concatenated).</summary>
internal static class BackupSql
{
    /// <summary>Every row of the key tables, in one statement (one snapshot).</summary>
    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    public const string Counts = """
        SELECT (SELECT COUNT(*) FROM patient) AS Patients, (SELECT COUNT(*) FROM fhir_resource) AS Resources,
               (SELECT COUNT(*) FROM reading) AS Readings, (SELECT COUNT(*) FROM alert) AS Alerts,
               (SELECT COUNT(*) FROM audit_log) AS AuditRows, (SELECT COUNT(*) FROM audit_seal) AS AuditSeals
        """;

    /// <summary>DbUp's journal: the scripts that ran (SQLite and PostgreSQL fold the unquoted name alike).</summary>
    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    public const string Journal = "SELECT scriptname FROM schema_versions ORDER BY scriptname";

    /// <summary>Whether the migration journal exists at all.</summary>
    [Sql(StorageProvider.Sqlite)]
    public const string SqliteHasJournal = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'";

    /// <summary>Rows "ok", or the problems found.</summary>
    [Sql(StorageProvider.Sqlite)]
    public const string IntegrityCheck = "PRAGMA integrity_check";

    /// <summary>A backup is one self-contained file: no -wal beside it once closed.</summary>
    [Sql(StorageProvider.Sqlite)]
    public const string RollbackJournal = "PRAGMA journal_mode = DELETE";

    /// <summary>
    /// With <see cref="BeginExclusive"/> and <see cref="ReadSchema"/>, each run on its own (run as one command, a refused
    /// lock went unreported): takes the database file's exclusive lock and keeps it until the connection closes. In WAL
    /// mode every open connection holds a shared lock on the file, so this fails (SQLITE_BUSY) while any process, the
    /// service included, has the database open, even idle.
    /// </summary>
    [Sql(StorageProvider.Sqlite)]
    public const string ExclusiveLockingMode = "PRAGMA locking_mode = EXCLUSIVE";

    [Sql(StorageProvider.Sqlite)]
    public const string BeginExclusive = "BEGIN EXCLUSIVE";

    [Sql(StorageProvider.Sqlite)]
    public const string ReadSchema = "SELECT COUNT(*) FROM sqlite_master";

    /// <summary>Tables in the connection's schema: a restore goes only into an empty database.</summary>
    [Sql(StorageProvider.Postgres)]
    public const string PostgresTableCount = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()";

    /// <summary>e.g. 150010 for 15.10.</summary>
    [Sql(StorageProvider.Postgres)]
    public const string PostgresServerVersion = "SELECT current_setting('server_version_num')::int";

    /// <summary>The snapshot pg_dump is given (<c>--snapshot</c>), so the counts printed are those of the dump.</summary>
    [Sql(StorageProvider.Postgres)]
    public const string PostgresExportSnapshot = "SELECT pg_export_snapshot()";
}

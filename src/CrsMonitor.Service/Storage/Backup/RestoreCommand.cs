using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// The <c>restore --from PATH [--force] [--Storage:Key=value ...]</c> verb: checks a backup and restores it as the
/// configured database, then verifies the audit's hash chain on it (SQLite: <see cref="SqliteRestore"/>, the service
/// stopped; PostgreSQL: <see cref="PostgresRestore"/>, into an empty database; SQL Server: refused, naming
/// <c>RESTORE DATABASE</c>). Exit codes (<see cref="BackupExit"/>): 0 restored and the audit verified; 1 the backup
/// failed a check (nothing replaced), or the restored audit does not verify; 2 could not run.
/// </summary>
public static class RestoreCommand
{
    public const string Usage = "usage: restore --from PATH [--force] [--Storage:Key=value ...]";

    public const string SqlServerAdvice =
        "SQL Server databases are restored by the server: RESTORE DATABASE [crsmonitor] FROM DISK = N'...' WITH CHECKSUM, RECOVERY, "
        + "then run verify-audit (deploy/README.md, Backup)";

    /// <param name="args">The whole command line, the verb first.</param>
    /// <param name="configuration">Settings (the verb's own options already taken out: <see cref="BackupArguments.ConfigurationArguments"/>).</param>
    /// <param name="stdout">What was restored and the audit's verification, one line each.</param>
    /// <param name="stderr">Why not, one line.</param>
    /// <param name="pgSearchPath">Where pg_restore is looked for (default: PATH).</param>
    public static int Run(IReadOnlyList<string> args, IConfiguration configuration, TextWriter stdout, TextWriter stderr, string? pgSearchPath = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var options = BackupArguments.Parse(args);
        if (string.IsNullOrWhiteSpace(options.From))
        {
            stderr.WriteLine($"restore: {Usage}");
            return BackupExit.CouldNotRun;
        }

        try
        {
            var settings = StorageSettings.FromConfiguration(configuration);
            if (settings.Problems() is { Count: > 0 } problems)
            {
                throw new BackupException(string.Join(" ", problems));
            }

            var data = DataDirectory.FromConfiguration(configuration);
            if (settings.Provider == StorageProvider.Sqlite && string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                data.EnsureExists();
            }

            var connectionString = settings.ConnectionStringFor(data);
            return settings.Provider switch
            {
                StorageProvider.Sqlite => SqliteRestore.Run(connectionString, options, stdout, stderr),
                StorageProvider.Postgres => PostgresRestore.Run(connectionString, options, new PgTools(pgSearchPath), stdout, stderr),
                _ => throw new BackupException(SqlServerAdvice),
            };
        }
        catch (Exception e) when (e is BackupException or StartupConfigurationException or IOException or UnauthorizedAccessException || DbErrors.IsDatabaseFailure(e))
        {
            stderr.WriteLine($"restore: {e.Message}");
            return e is BackupException f ? f.ExitCode : BackupExit.CouldNotRun;
        }
    }
}

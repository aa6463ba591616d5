using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// The <c>backup --to PATH [--force] [--Storage:Key=value ...]</c> verb: a checked backup of the configured database
/// while the service runs (SQLite: <see cref="SqliteBackup"/>; PostgreSQL: <see cref="PostgresBackup"/>; SQL Server:
/// refused, naming the server's own <c>BACKUP DATABASE</c>). Exit codes (<see cref="BackupExit"/>): 0 written and
/// checked; 1 the copy failed its check (nothing replaced); 2 could not run (one message on standard error).
/// </summary>
public static class BackupCommand
{
    public const string Usage = "usage: backup --to PATH [--force] [--Storage:Key=value ...]";

    public const string SqlServerAdvice =
        "SQL Server databases are backed up by the server: BACKUP DATABASE [crsmonitor] TO DISK = N'/backup/crsmonitor-YYYYMMDD.bak' "
        + "WITH CHECKSUM, COPY_ONLY; then RESTORE VERIFYONLY FROM DISK = N'...' WITH CHECKSUM (deploy/README.md, Backup)";

    /// <param name="args">The whole command line, the verb first.</param>
    /// <param name="configuration">Settings (the verb's own options already taken out: <see cref="BackupArguments.ConfigurationArguments"/>).</param>
    /// <param name="time">Times the copy and the check (printed).</param>
    /// <param name="stdout">What was written, one line each.</param>
    /// <param name="stderr">Why not, one line.</param>
    /// <param name="pgSearchPath">Where pg_dump and pg_restore are looked for (default: PATH).</param>
    public static int Run(IReadOnlyList<string> args, IConfiguration configuration, TimeProvider time, TextWriter stdout, TextWriter stderr, string? pgSearchPath = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var options = BackupArguments.Parse(args);
        if (string.IsNullOrWhiteSpace(options.To))
        {
            stderr.WriteLine($"backup: {Usage}");
            return BackupExit.CouldNotRun;
        }

        try
        {
            var settings = StorageSettings.FromConfiguration(configuration);
            if (settings.Problems() is { Count: > 0 } problems)
            {
                throw new BackupException(string.Join(" ", problems));
            }

            var connectionString = settings.ConnectionStringFor(DataDirectory.FromConfiguration(configuration));
            return settings.Provider switch
            {
                StorageProvider.Sqlite => SqliteBackup.Run(connectionString, options, time, stdout),
                StorageProvider.Postgres => PostgresBackup.Run(connectionString, options, new PgTools(pgSearchPath), time, stdout),
                _ => throw new BackupException(SqlServerAdvice),
            };
        }
        catch (Exception e) when (e is BackupException or StartupConfigurationException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"backup: {e.Message}");
            return e is BackupException f ? f.ExitCode : BackupExit.CouldNotRun;
        }
    }
}
